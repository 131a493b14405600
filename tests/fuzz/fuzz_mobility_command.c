/*
 * Fuzz harness for the mobile node's control commands
 * (src/mobility/cmd_parse.c): a request line, split as the control socket
 * splits it, then parsed. Any line may be refused, with a reason; what is
 * accepted points into the line, and a device query's predicate is a
 * terminated string that fits its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include "mobility/cmd_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINE = 4096, MAX_ARGS = 32 };

static void inside(const char *s, const char *line, size_t len)
{
	if (s && (s < line || s + strlen(s) > line + len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[MAX_LINE], *argv[MAX_ARGS], why[256];
	size_t len = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	struct mn_cmd cmd;
	int argc, err;

	memcpy(line, data, len);
	line[len] = '\0';
	argc = ctl_split(line, argv, MAX_ARGS);
	if (argc <= 0)
		return 0;

	err = mn_cmd_parse(&cmd, argc, argv, why, sizeof(why));
	if (err) {
		if (!why[0] || strlen(why) >= sizeof(why))
			abort();
		return 0;
	}
	inside(cmd.rq.audio, line, len);
	inside(cmd.rq.video, line, len);
	inside(cmd.rq.display, line, len);
	inside(cmd.rq.camera, line, len);
	inside(cmd.rq.to, line, len);
	inside(cmd.media, line, len);
	inside(cmd.from, line, len);
	inside(cmd.arg, line, len);
	if (!memchr(cmd.pred, '\0', sizeof(cmd.pred)))
		abort();
	if ((cmd.kind == MN_CMD_CALL || cmd.kind == MN_CMD_DTMF) && !cmd.arg)
		abort();
	return 0;
}
