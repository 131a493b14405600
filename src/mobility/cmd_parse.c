/*
 * The mobile node's control commands, from words to struct mn_cmd. Every
 * refusal says why; nothing here acts, so a line that is refused changes
 * nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <re.h>
#include <sipmob/slp_attr.h>
#include "cmd_parse.h"

static const char move_usage[] = "usage: move [--audio DEV] [--video DEV]"
	" [--display DEV --camera DEV] [--to DEV] [--mode mnc|handoff|auto]";

static int refuse(char *why, size_t whysz, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)re_vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return err;
}

/* move [--audio DEV] [--video DEV] [--display DEV --camera DEV]
 *      [--video-out DEV --video-in DEV] [--to DEV] [--mode M] */
static int parse_move(struct mn_cmd *cmd, int argc, char *argv[], char *why,
		      size_t whysz)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *opt = argv[i], *dev = argv[i + 1];

		if (!strcmp(opt, "--audio"))
			cmd->rq.audio = dev;
		else if (!strcmp(opt, "--video"))
			cmd->rq.video = dev;
		else if (!strcmp(opt, "--display") ||
			 !strcmp(opt, "--video-out"))
			cmd->rq.display = dev;
		else if (!strcmp(opt, "--camera") ||
			 !strcmp(opt, "--video-in"))
			cmd->rq.camera = dev;
		else if (!strcmp(opt, "--to"))
			cmd->rq.to = dev;
		else if (!strcmp(opt, "--mode")) {
			if (mode_parse(dev, &cmd->mode))
				return refuse(why, whysz, EINVAL, "--mode is"
					      " mnc, handoff or auto");
		}
		else
			return refuse(why, whysz, EINVAL, "unknown option"
				      " '%s'; %s", opt, move_usage);
	}
	if (i != argc)
		return refuse(why, whysz, EINVAL, "an option lacks its"
			      " device; %s", move_usage);
	return 0;
}

/* retrieve [--media audio,video] [--from DEV] [--mode mnc|handoff|auto] */
static int parse_retrieve(struct mn_cmd *cmd, int argc, char *argv[],
			  char *why, size_t whysz)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--media"))
			cmd->media = argv[i + 1];
		else if (!strcmp(argv[i], "--from"))
			cmd->from = argv[i + 1];
		else if (!strcmp(argv[i], "--mode") &&
			 !mode_parse(argv[i + 1], &cmd->mode))
			continue;
		else
			break;
	}
	if (i != argc)
		return refuse(why, whysz, EINVAL, "usage: retrieve [--media"
			      " LIST] [--from DEV] [--mode mnc|handoff|auto]");
	return 0;
}

/* Appends to buf[*l..sz); false when it does not fit (buf is then left
 * as it was: a cut predicate would ask for something else). */
static bool append(char *buf, size_t sz, size_t *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = re_vsnprintf(buf + *l, sz - *l, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sz - *l) {
		buf[*l] = '\0';
		return false;
	}
	*l += (size_t)n;
	return true;
}

/* devices [--room R] [--floor N] [--building B] [--media M]
 *         [--predicate LDAP]: the terms, and'ed */
static int parse_devices(struct mn_cmd *cmd, int argc, char *argv[],
			 char *why, size_t whysz)
{
	char terms[MN_CMD_PRED_MAX - 4] = "";   /* room for "(&" ")" */
	size_t nterms = 0, l = 0;
	bool fits = true;
	int i;

	if (argc == 2 && !strcmp(argv[1], "--here")) {
		cmd->here = true;   /* cmd.c makes the predicate */
		return 0;
	}
	for (i = 1; i + 1 < argc && fits; i += 2) {
		const char *tag = !strcmp(argv[i], "--room") ? "room" :
			!strcmp(argv[i], "--floor") ? "floor" :
			!strcmp(argv[i], "--media") ? "media" :
			!strcmp(argv[i], "--building") ? "building" : NULL;

		if (!strcmp(argv[i], "--predicate"))
			fits = append(terms, sizeof(terms), &l, "%s",
				      argv[i + 1]);
		else if (tag)
			fits = append(terms, sizeof(terms), &l, "(%s=%H)",
				      tag, slp_attr_escape, argv[i + 1]);
		else
			break;
		nterms++;
	}
	if (!fits)
		return refuse(why, whysz, E2BIG, "the predicate is too long"
			      " (at most %zu bytes)", sizeof(terms) - 1);
	if (i != argc)
		return refuse(why, whysz, EINVAL, "usage: devices [--room R]"
			      " [--floor N] [--building B] [--media M]"
			      " [--predicate LDAP] | devices --here");
	if (nterms > 1)
		re_snprintf(cmd->pred, sizeof(cmd->pred), "(&%s)", terms);
	else
		str_ncpy(cmd->pred, terms, sizeof(cmd->pred));
	return 0;
}

static const char location_usage[] = "usage: location [set --room R"
	" [--floor F] [--building B] | clear]";

/* location | location set --room R [--floor F] [--building B] |
 * location clear */
static int parse_location(struct mn_cmd *cmd, int argc, char *argv[],
			  char *why, size_t whysz)
{
	int i;

	if (argc == 1)
		return 0;
	if (argc == 2 && !strcmp(argv[1], "clear")) {
		cmd->loc_op = MN_LOC_CLEAR;
		return 0;
	}
	if (strcmp(argv[1], "set"))
		return refuse(why, whysz, EINVAL, "%s", location_usage);
	cmd->loc_op = MN_LOC_SET;
	for (i = 2; i + 1 < argc; i += 2) {
		const char **dst = !strcmp(argv[i], "--room") ? &cmd->room :
			!strcmp(argv[i], "--floor") ? &cmd->floor :
			!strcmp(argv[i], "--building") ? &cmd->building :
			NULL;

		if (!dst)
			return refuse(why, whysz, EINVAL, "unknown option"
				      " '%s'; %s", argv[i], location_usage);
		if (*dst)
			return refuse(why, whysz, EINVAL, "%s given twice",
				      argv[i]);
		if (!mn_location_value_valid(argv[i + 1]))
			return refuse(why, whysz, EINVAL, "%s '%s': want 1 to"
				      " 127 bytes of text, no leading, trailing"
				      " or doubled spaces", argv[i],
				      argv[i + 1]);
		*dst = argv[i + 1];
	}
	if (i != argc)
		return refuse(why, whysz, EINVAL, "an option lacks its value;"
			      " %s", location_usage);
	if (!cmd->room)
		return refuse(why, whysz, EINVAL, "location set needs --room;"
			      " %s", location_usage);
	return 0;
}

int mn_cmd_parse(struct mn_cmd *cmd, int argc, char *argv[], char *why,
		 size_t whysz)
{
	if (!cmd || argc < 1 || !argv || !why || !whysz)
		return EINVAL;

	memset(cmd, 0, sizeof(*cmd));
	why[0] = '\0';

	if (!strcmp(argv[0], "status")) {
		cmd->kind = MN_CMD_STATUS;
		return 0;
	}
	if (!strcmp(argv[0], "hangup")) {
		cmd->kind = MN_CMD_HANGUP;
		return 0;
	}
	if (!strcmp(argv[0], "call") || !strcmp(argv[0], "dtmf")) {
		bool call = argv[0][0] == 'c';

		cmd->kind = call ? MN_CMD_CALL : MN_CMD_DTMF;
		if (argc != 2)
			return refuse(why, whysz, EINVAL, "usage: %s",
				      call ? "call URI" : "dtmf DIGITS");
		cmd->arg = argv[1];
		return 0;
	}
	if (!strcmp(argv[0], "move")) {
		cmd->kind = MN_CMD_MOVE;
		return parse_move(cmd, argc, argv, why, whysz);
	}
	if (!strcmp(argv[0], "retrieve")) {
		cmd->kind = MN_CMD_RETRIEVE;
		return parse_retrieve(cmd, argc, argv, why, whysz);
	}
	if (!strcmp(argv[0], "devices")) {
		cmd->kind = MN_CMD_DEVICES;
		return parse_devices(cmd, argc, argv, why, whysz);
	}
	if (!strcmp(argv[0], "location")) {
		cmd->kind = MN_CMD_LOCATION;
		return parse_location(cmd, argc, argv, why, whysz);
	}
	return refuse(why, whysz, EINVAL, "unknown command (call, devices,"
		      " move, retrieve, dtmf, hangup, location, status)");
}
