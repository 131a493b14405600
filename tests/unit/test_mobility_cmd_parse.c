/*
 * The mobile node's control commands, from request line to struct mn_cmd
 * (src/mobility/cmd_parse.c), and the line's split into words
 * (src/ctl/split.c): what each command takes, every refusal with its
 * reason, and the over-long device query that once wrote before its buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/ctl.h>
#include "mobility/cmd_parse.h"

enum { MAX_ARGS = 32 };

static char line[4096];
static char *argv_[MAX_ARGS];
static char why[256];

/* split and parse one line */
static int parse(struct mn_cmd *cmd, const char *s)
{
	int argc;

	str_ncpy(line, s, sizeof(line));
	argc = ctl_split(line, argv_, MAX_ARGS);
	assert_true(argc > 0);
	return mn_cmd_parse(cmd, argc, argv_, why, sizeof(why));
}

static void split_takes_words_at_any_blank(void **state)
{
	char s[] = "  move\t--audio  speaker\r\n";
	char *argv[MAX_ARGS];
	(void)state;

	assert_int_equal(ctl_split(s, argv, MAX_ARGS), 3);
	assert_string_equal(argv[0], "move");
	assert_string_equal(argv[1], "--audio");
	assert_string_equal(argv[2], "speaker");
	char blank[] = " \t\r ";
	assert_int_equal(ctl_split(blank, argv, MAX_ARGS), 0);
}

static void split_refuses_more_words_than_it_takes(void **state)
{
	char s[200] = "move", *argv[MAX_ARGS];
	(void)state;

	for (int i = 0; i < MAX_ARGS; i++)
		strcat(s, " x");
	/* 33 words: refused whole, not cut to 32 */
	assert_int_equal(ctl_split(s, argv, MAX_ARGS), -E2BIG);
}

static void each_command_is_parsed(void **state)
{
	struct mn_cmd c;
	(void)state;

	assert_int_equal(parse(&c, "status"), 0);
	assert_int_equal(c.kind, MN_CMD_STATUS);
	assert_int_equal(parse(&c, "hangup"), 0);
	assert_int_equal(c.kind, MN_CMD_HANGUP);
	assert_int_equal(parse(&c, "call sip:cn@127.0.0.1:5080"), 0);
	assert_int_equal(c.kind, MN_CMD_CALL);
	assert_string_equal(c.arg, "sip:cn@127.0.0.1:5080");
	assert_int_equal(parse(&c, "dtmf 147#"), 0);
	assert_int_equal(c.kind, MN_CMD_DTMF);
	assert_string_equal(c.arg, "147#");

	assert_int_equal(parse(&c, "move --audio speaker --display tv"
			       " --camera cam --mode handoff"), 0);
	assert_int_equal(c.kind, MN_CMD_MOVE);
	assert_string_equal(c.rq.audio, "speaker");
	assert_string_equal(c.rq.display, "tv");
	assert_string_equal(c.rq.camera, "cam");
	assert_null(c.rq.video);
	assert_int_equal(c.mode, MODE_HANDOFF);

	assert_int_equal(parse(&c, "retrieve --media audio --from spk"), 0);
	assert_int_equal(c.kind, MN_CMD_RETRIEVE);
	assert_string_equal(c.media, "audio");
	assert_string_equal(c.from, "spk");
	assert_int_equal(c.mode, MODE_AUTO);
	/* a bare move parses; the mobility layer says there is nothing */
	assert_int_equal(parse(&c, "move"), 0);
	assert_int_equal(c.kind, MN_CMD_MOVE);
}

static void devices_terms_are_anded_and_escaped(void **state)
{
	struct mn_cmd c;
	(void)state;

	assert_int_equal(parse(&c, "devices"), 0);
	assert_string_equal(c.pred, "");
	assert_int_equal(parse(&c, "devices --room 123"), 0);
	assert_string_equal(c.pred, "(room=123)");
	assert_int_equal(parse(&c, "devices --room a(b) --predicate"
			       " (media=audio)"), 0);
	assert_string_equal(c.pred, "(&(room=a\\28b\\29)(media=audio))");
}

static void location_commands(void **state)
{
	struct mn_cmd c;
	(void)state;

	assert_int_equal(parse(&c, "location"), 0);
	assert_int_equal(c.kind, MN_CMD_LOCATION);
	assert_int_equal(c.loc_op, MN_LOC_SHOW);
	assert_int_equal(parse(&c, "location clear"), 0);
	assert_int_equal(c.loc_op, MN_LOC_CLEAR);
	assert_int_equal(parse(&c, "location set --room 122"), 0);
	assert_int_equal(c.loc_op, MN_LOC_SET);
	assert_string_equal(c.room, "122");
	assert_null(c.floor);
	assert_null(c.building);
	assert_int_equal(parse(&c, "location set --building North-1"
			       " --floor 1 --room 123"), 0);
	assert_string_equal(c.room, "123");
	assert_string_equal(c.floor, "1");
	assert_string_equal(c.building, "North-1");
	assert_int_equal(parse(&c, "devices --here"), 0);
	assert_true(c.here);
	assert_string_equal(c.pred, "");
}

static void refusals_say_why(void **state)
{
	static const char *bad[] = {
		"teleport x", "call", "call a b", "dtmf",
		"move --audio", "move --sideways x", "move --to x --mode up",
		"retrieve --media", "retrieve --mode up", "devices --room",
		"devices --colour red", "devices --here --room 1",
		"location set", "location set --floor 1",
		"location set --room", "location set --room 1 --room 2",
		"location set --room 0123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890"
		"12345678901234567890123456789",
		"location set --room 1 --seat 4", "location move",
		"location clear now",
	};
	struct mn_cmd c;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why[0] = '\0';
		assert_int_equal(parse(&c, bad[i]), EINVAL);
		assert_true(strlen(why) > 0);
	}
}

/* A predicate longer than its buffer, then a second term: the old loop
 * added re_snprintf's -1 to its offset and wrote the next term one byte
 * before the buffer (ASan: stack-buffer-overflow). Now: E2BIG, why. */
static void an_overlong_device_query_is_refused(void **state)
{
	char s[1200];
	struct mn_cmd c;
	(void)state;

	re_snprintf(s, sizeof(s), "devices --predicate %0500d --room 1", 0);
	assert_int_equal(parse(&c, s), E2BIG);
	assert_non_null(strstr(why, "too long"));
	re_snprintf(s, sizeof(s), "devices --room %0300d --floor %0300d",
		    0, 0);
	assert_int_equal(parse(&c, s), E2BIG);
	/* the longest that fits is taken whole */
	re_snprintf(s, sizeof(s), "devices --predicate %0507d", 0);
	assert_int_equal(parse(&c, s), 0);
	assert_int_equal(strlen(c.pred), 507);
	re_snprintf(s, sizeof(s), "devices --predicate %0508d", 0);
	assert_int_equal(parse(&c, s), E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_takes_words_at_any_blank),
		cmocka_unit_test(split_refuses_more_words_than_it_takes),
		cmocka_unit_test(each_command_is_parsed),
		cmocka_unit_test(devices_terms_are_anded_and_escaped),
		cmocka_unit_test(location_commands),
		cmocka_unit_test(refusals_say_why),
		cmocka_unit_test(an_overlong_device_query_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
