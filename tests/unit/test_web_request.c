/*
 * The map page's requests (src/web/request.c): a command's JSON body to
 * the control socket's request line, query parameters, the Host header,
 * the token. And ctl_run(): a line runs through a command handler exactly
 * as a socket's request does, and its reply comes to the caller, now or
 * later.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/ctl.h>
#include "web/web_priv.h"

static int args(const char *json, char *line, size_t sz)
{
	char why[160];
	int err = web_args_line(line, sz, json, strlen(json), why,
				sizeof(why));

	if (err)
		assert_true(why[0] != '\0');   /* every refusal says why */
	return err;
}

static void a_body_becomes_a_line(void **state)
{
	char line[WEB_LINE_MAX];
	(void)state;

	assert_int_equal(args("{\"args\":[\"move\",\"--audio\","
			      "\"sip:speaker@127.0.0.1:5071\"]}", line,
			      sizeof(line)), 0);
	assert_string_equal(line, "move --audio sip:speaker@127.0.0.1:5071");
	assert_int_equal(args("{\"args\":[\"retrieve\"]}", line,
			      sizeof(line)), 0);
	assert_string_equal(line, "retrieve");
}

static void a_bad_body_is_refused(void **state)
{
	static const char *bad[] = {
		"", "not json", "{}", "{\"args\":[]}", "{\"args\":\"move\"}",
		"{\"args\":[1]}", "{\"args\":[\"\"]}", "{\"args\":[\"a b\"]}",
		"{\"args\":[\"a\\tb\"]}", "{\"args\":[\"a\\nb\"]}",
		"{\"args\":[[\"nested\"]]}",
	};
	char line[WEB_LINE_MAX];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_not_equal(args(bad[i], line, sizeof(line)), 0);
		assert_string_equal(line, "");
	}
}

static void too_many_or_too_long_is_refused(void **state)
{
	char json[WEB_MAX_BODY + 64], line[64];
	size_t l;
	(void)state;

	l = (size_t)re_snprintf(json, sizeof(json), "{\"args\":[\"a\"");
	for (int i = 0; i < WEB_MAX_WORDS; i++)
		l += (size_t)re_snprintf(json + l, sizeof(json) - l, ",\"w\"");
	re_snprintf(json + l, sizeof(json) - l, "]}");
	assert_int_equal(args(json, line, sizeof(line)), E2BIG);

	/* a line longer than the buffer */
	assert_int_equal(args("{\"args\":[\"call\",\"sip:aaaaaaaaaaaaaaaaaaaaaa"
			      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			      "@example.com\"]}", line, sizeof(line)), E2BIG);
}

static int query(const char *prm, const char *name, char *out, size_t sz)
{
	struct pl pl;

	pl_set_str(&pl, prm);
	return web_query_get(&pl, name, out, sz);
}

static void query_parameters(void **state)
{
	char out[32];
	(void)state;

	assert_int_equal(query("?room=123&token=ab", "room", out,
			       sizeof(out)), 0);
	assert_string_equal(out, "123");
	assert_int_equal(query("room=Lab+B&x=1", "room", out, sizeof(out)),
			 0);
	assert_string_equal(out, "Lab B");
	assert_int_equal(query("room=Lab%20B", "room", out, sizeof(out)), 0);
	assert_string_equal(out, "Lab B");
	assert_int_equal(query("rooms=1&room=", "room", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(query("rooms=1", "room", out, sizeof(out)), ENOENT);
	assert_int_equal(query("", "room", out, sizeof(out)), ENOENT);
	assert_int_equal(query("room=%zz", "room", out, sizeof(out)), EINVAL);
	assert_int_equal(query("room=%2", "room", out, sizeof(out)), EINVAL);
	assert_int_equal(query("room=a%00b", "room", out, sizeof(out)),
			 EINVAL);
	assert_int_equal(query("room=123456", "room", out, 4), E2BIG);
}

static void loopback_hosts(void **state)
{
	static const char *yes[] = {"127.0.0.1:8080", "127.0.0.1",
		"127.1.2.3:80", "localhost:8080", "LOCALHOST", "[::1]:8080",
		"[::1]"};
	static const char *no[] = {"evil.example:8080", "10.0.0.1:8080",
		"[::2]:80", "localhost.evil.example", "", "[::1", "0.0.0.0"};
	struct pl pl;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		pl_set_str(&pl, yes[i]);
		assert_true(web_host_loopback(&pl));
	}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++) {
		pl_set_str(&pl, no[i]);
		assert_false(web_host_loopback(&pl));
	}
}

static void tokens(void **state)
{
	struct pl pl;
	(void)state;

	pl_set_str(&pl, "0123abcd");
	assert_true(web_token_equal("0123abcd", &pl));
	pl_set_str(&pl, "0123abce");
	assert_false(web_token_equal("0123abcd", &pl));
	pl_set_str(&pl, "0123abc");
	assert_false(web_token_equal("0123abcd", &pl));
	pl_set_str(&pl, "");
	assert_false(web_token_equal("", &pl));
}

/* ---- ctl_run ---- */

struct seen {
	int argc;
	char words[4][32];
	struct ctl_request *held;
};

static int handler(struct ctl_request *req, int argc, char *argv[],
		   struct odict *reply, void *arg)
{
	struct seen *s = arg;

	s->argc = argc;
	for (int i = 0; i < argc && i < 4; i++)
		str_ncpy(s->words[i], argv[i], sizeof(s->words[i]));
	if (!strcmp(argv[0], "later")) {   /* answers later, as a move */
		s->held = mem_ref(req);
		return EINPROGRESS;
	}
	if (!strcmp(argv[0], "fail"))
		return ENOENT;
	return ctl_put_str(reply, "said", argv[argc - 1]);
}

struct done {
	int calls, err;
	bool ok;
	char said[32], error[64];
};

static void done_h(int err, struct odict *reply, void *arg)
{
	struct done *d = arg;
	const char *s;

	d->calls++;
	d->err = err;
	(void)odict_get_boolean(reply, &d->ok, "ok");
	s = odict_string(reply, "said");
	str_ncpy(d->said, s ? s : "", sizeof(d->said));
	s = odict_string(reply, "error");
	str_ncpy(d->error, s ? s : "", sizeof(d->error));
}

static void ctl_run_is_a_socket_request(void **state)
{
	struct seen s;
	struct done d;
	(void)state;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	assert_int_equal(ctl_run("devices --room 123", handler, &s, done_h,
				 &d), 0);
	assert_int_equal(s.argc, 3);
	assert_string_equal(s.words[2], "123");
	assert_int_equal(d.calls, 1);
	assert_true(d.ok);
	assert_string_equal(d.said, "123");

	memset(&d, 0, sizeof(d));
	assert_int_equal(ctl_run("fail", handler, &s, done_h, &d), 0);
	assert_int_equal(d.calls, 1);
	assert_false(d.ok);
	assert_int_equal(d.err, ENOENT);
	assert_true(d.error[0] != '\0');

	memset(&d, 0, sizeof(d));
	assert_int_equal(ctl_run("", handler, &s, done_h, &d), 0);
	assert_int_equal(d.calls, 1);   /* "empty request" */
	assert_false(d.ok);

	/* an answer that comes later comes once, when the handler ends it */
	memset(&d, 0, sizeof(d));
	assert_int_equal(ctl_run("later on", handler, &s, done_h, &d), 0);
	assert_int_equal(d.calls, 0);
	assert_non_null(s.held);
	ctl_put_str(ctl_request_reply(s.held), "said", "now");
	ctl_request_done(s.held, 0);
	ctl_request_done(s.held, 0);
	mem_deref(s.held);
	assert_int_equal(d.calls, 1);
	assert_string_equal(d.said, "now");
	assert_true(d.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_body_becomes_a_line),
		cmocka_unit_test(a_bad_body_is_refused),
		cmocka_unit_test(too_many_or_too_long_is_refused),
		cmocka_unit_test(query_parameters),
		cmocka_unit_test(loopback_hosts),
		cmocka_unit_test(tokens),
		cmocka_unit_test(ctl_run_is_a_socket_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
