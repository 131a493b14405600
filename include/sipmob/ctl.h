/**
 * @file ctl.h  The control socket every sipmob daemon offers.
 *
 * A client connects to a Unix stream socket, writes one request line
 * (words separated by spaces: "status --json", "call sip:cn@host"), and
 * reads one JSON object followed by a newline; then the connection closes.
 * Every reply has "ok" (bool) and, when false, "error" (a sentence).
 *
 * A command handler fills the reply and returns 0 (sent at once), an errno
 * (sent as {"ok":false,"error":...} unless the handler set "error" itself),
 * or EINPROGRESS after keeping the request with mem_ref(): the reply goes
 * out later with ctl_request_done(). A request whose client went away is
 * still completed safely.
 */

struct ctl;
struct ctl_request;
struct odict;

typedef int (ctl_cmd_h)(struct ctl_request *req, int argc, char *argv[],
			struct odict *reply, void *arg);

int  ctl_alloc(struct ctl **ctlp, const char *path, ctl_cmd_h *cmdh,
	       void *arg);
/** Splits a request line into its words (at spaces, tabs, CR, LF) in
 *  place; returns their number, -E2BIG when there are more than maxargs. */
int  ctl_split(char *line, char *argv[], int maxargs);
void ctl_request_done(struct ctl_request *req, int err);

/** A command's reply (with "ok", and "error" when it failed), for
 *  ctl_run(); reply is the request's, valid during the call only. */
typedef void (ctl_done_h)(int err, struct odict *reply, void *arg);
/** Runs one request line through cmdh exactly as if it had come on a
 *  control socket, and hands the reply to doneh instead of a client:
 *  at once, or later for a command that answers later. Another front
 *  end (the MN's map page) speaks the same commands this way. 0 once
 *  doneh has been or will be called; EINVAL, E2BIG (longer than a
 *  socket's line) or ENOMEM, and then it is not. */
int  ctl_run(const char *line, ctl_cmd_h *cmdh, void *cmd_arg,
	     ctl_done_h *doneh, void *done_arg);
struct odict *ctl_request_reply(struct ctl_request *req);

/* Reply helpers: add a value under key (ints are 64-bit) */
int ctl_put_str(struct odict *od, const char *key, const char *val);
int ctl_put_int(struct odict *od, const char *key, int64_t val);
int ctl_put_bool(struct odict *od, const char *key, bool val);
int ctl_put_double(struct odict *od, const char *key, double val);
int ctl_put_obj(struct odict *od, const char *key, struct odict **childp);
int ctl_put_array(struct odict *od, const char *key, struct odict **childp);
/** Appends a new object to an array made by ctl_put_array(). */
int ctl_array_obj(struct odict *array, struct odict **childp);
int ctl_array_str(struct odict *array, const char *val);

/* Client side (the sipmob command): sends one line, returns the reply */
int ctl_call(const char *path, const char *line, char **replyp,
	     unsigned timeout_ms);
