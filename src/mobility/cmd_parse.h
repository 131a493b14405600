/*
 * The mobile node's control commands, parsed: what cmd.c acts on. Pure (no
 * daemon, no I/O), so that every request line can be tested and fuzzed.
 */
#include "mn_priv.h"

enum mn_cmd_kind {
	MN_CMD_STATUS = 0,
	MN_CMD_CALL,
	MN_CMD_MOVE,
	MN_CMD_RETRIEVE,
	MN_CMD_DEVICES,
	MN_CMD_DTMF,
	MN_CMD_HANGUP,
	MN_CMD_LOCATION,            /* location [set ... | clear]        */
};

enum mn_loc_op { MN_LOC_SHOW = 0, MN_LOC_SET, MN_LOC_CLEAR };

enum { MN_CMD_PRED_MAX = 512 };

struct mn_cmd {
	enum mn_cmd_kind kind;
	struct mnc_request rq;      /* move: where each medium goes      */
	enum xfer_mode mode;        /* move, retrieve                    */
	const char *media, *from;   /* retrieve                          */
	const char *arg;            /* call: the URI; dtmf: the digits   */
	char pred[MN_CMD_PRED_MAX]; /* devices: the SLP predicate        */
	bool here;                  /* devices --here: the current room  */
	enum mn_loc_op loc_op;      /* location                          */
	const char *room, *floor, *building;  /* location set            */
};

/** Parses argv (argc >= 1) into cmd; the strings point into argv. On
 *  error returns an errno and puts the reason in why. */
int mn_cmd_parse(struct mn_cmd *cmd, int argc, char *argv[], char *why,
		 size_t whysz);
