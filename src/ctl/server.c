/*
 * The control socket server: a Unix stream socket in the daemon's libre
 * event loop. One request line per connection, at most CTL_MAX_LINE bytes;
 * a longer line or a client that sends nothing for CTL_IDLE_MS is dropped.
 * The path is removed when the daemon exits.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <re.h>
#include <sipmob/ctl.h>

enum {
	CTL_MAX_LINE = 4096,
	CTL_MAX_ARGS = 32,
	CTL_IDLE_MS  = 5000,
};

struct ctl {
	int fd;
	char *path;
	ctl_cmd_h *cmdh;
	void *arg;
	struct list reqs;
};

struct ctl_request {
	struct le le;
	struct ctl *ctl;
	int fd;                 /* -1 once the client is gone or answered */
	char line[CTL_MAX_LINE];
	size_t len;
	bool dispatched;
	struct odict *reply;
	struct tmr tmr;
	ctl_done_h *doneh;      /* ctl_run(): the reply goes here instead */
	void *done_arg;
};

static void request_close(struct ctl_request *req)
{
	if (req->fd >= 0) {
		fd_close(req->fd);
		close(req->fd);
		req->fd = -1;
	}
	tmr_cancel(&req->tmr);
}

static void request_destructor(void *arg)
{
	struct ctl_request *req = arg;

	request_close(req);
	list_unlink(&req->le);
	mem_deref(req->reply);
}

static void ctl_destructor(void *arg)
{
	struct ctl *ctl = arg;
	struct le *le;

	/* Requests still held by handlers outlive us; detach them. */
	while ((le = ctl->reqs.head)) {
		struct ctl_request *req = le->data;

		request_close(req);
		list_unlink(&req->le);
		req->ctl = NULL;
		if (!req->dispatched)
			mem_deref(req);
	}
	if (ctl->fd >= 0) {
		fd_close(ctl->fd);
		close(ctl->fd);
	}
	if (ctl->path)
		unlink(ctl->path);
	mem_deref(ctl->path);
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

void ctl_request_done(struct ctl_request *req, int err)
{
	char *json = NULL;

	if (!req)
		return;

	if (req->doneh) {
		ctl_done_h *h = req->doneh;

		req->doneh = NULL;
		if (err && !odict_lookup(req->reply, "error"))
			(void)ctl_put_str(req->reply, "error",
					  strerror(err));
		odict_entry_del(req->reply, "ok");
		(void)ctl_put_bool(req->reply, "ok", err == 0);
		h(err, req->reply, req->done_arg);
	}
	if (req->fd >= 0) {
		if (err && !odict_lookup(req->reply, "error"))
			(void)ctl_put_str(req->reply, "error",
					  strerror(err));
		odict_entry_del(req->reply, "ok");
		(void)ctl_put_bool(req->reply, "ok", err == 0);
		if (!re_sdprintf(&json, "%H\n", json_encode_odict,
				 req->reply))
			write_all(req->fd, json, strlen(json));
		mem_deref(json);
	}
	request_close(req);
}

struct odict *ctl_request_reply(struct ctl_request *req)
{
	return req ? req->reply : NULL;
}

static void dispatch(struct ctl_request *req, ctl_cmd_h *cmdh, void *arg)
{
	char *argv[CTL_MAX_ARGS];
	int argc, err;

	req->dispatched = true;
	argc = ctl_split(req->line, argv, CTL_MAX_ARGS);
	if (argc <= 0) {
		(void)ctl_put_str(req->reply, "error", argc == 0 ?
				  "empty request" : "too many words (at most"
				  " 32)");
		ctl_request_done(req, argc == 0 ? EINVAL : E2BIG);
		mem_deref(req);
		return;
	}

	err = cmdh(req, argc, argv, req->reply, arg);
	if (err != EINPROGRESS)
		ctl_request_done(req, err);
	mem_deref(req);  /* a handler that answers later holds its own ref */
}

int ctl_run(const char *line, ctl_cmd_h *cmdh, void *cmd_arg,
	    ctl_done_h *doneh, void *done_arg)
{
	struct ctl_request *req;

	if (!line || !cmdh || !doneh)
		return EINVAL;
	if (strlen(line) >= CTL_MAX_LINE)
		return E2BIG;

	req = mem_zalloc(sizeof(*req), request_destructor);
	if (!req)
		return ENOMEM;
	req->fd = -1;
	tmr_init(&req->tmr);
	if (odict_alloc(&req->reply, 16)) {
		mem_deref(req);
		return ENOMEM;
	}
	str_ncpy(req->line, line, sizeof(req->line));
	req->len = strlen(req->line);
	req->doneh = doneh;
	req->done_arg = done_arg;
	/* the words live in req->line as long as the request does, as for
	 * a request that came on the socket */
	dispatch(req, cmdh, cmd_arg);
	return 0;
}

static void idle_handler(void *arg)
{
	struct ctl_request *req = arg;

	mem_deref(req);
}

static void read_handler(int flags, void *arg)
{
	struct ctl_request *req = arg;
	ssize_t n;
	char *nl;
	(void)flags;

	n = read(req->fd, req->line + req->len,
		 sizeof(req->line) - 1 - req->len);
	if (n <= 0) {
		mem_deref(req);
		return;
	}
	req->len += (size_t)n;
	req->line[req->len] = '\0';

	nl = strchr(req->line, '\n');
	if (!nl) {
		if (req->len >= sizeof(req->line) - 1)
			mem_deref(req);   /* over-long line: drop the client */
		return;
	}
	*nl = '\0';
	fd_close(req->fd);   /* nothing more is read */
	tmr_cancel(&req->tmr);
	dispatch(req, req->ctl->cmdh, req->ctl->arg);
}

static void accept_handler(int flags, void *arg)
{
	struct ctl *ctl = arg;
	struct ctl_request *req;
	int fd;
	(void)flags;

	fd = accept(ctl->fd, NULL, NULL);
	if (fd < 0)
		return;

	req = mem_zalloc(sizeof(*req), request_destructor);
	if (!req || odict_alloc(&req->reply, 16)) {
		close(fd);
		mem_deref(req);
		return;
	}
	req->fd = fd;
	req->ctl = ctl;
	list_append(&ctl->reqs, &req->le, req);
	tmr_start(&req->tmr, CTL_IDLE_MS, idle_handler, req);
	if (fd_listen(fd, FD_READ, read_handler, req)) {
		mem_deref(req);
		return;
	}
}

int ctl_alloc(struct ctl **ctlp, const char *path, ctl_cmd_h *cmdh,
	      void *arg)
{
	struct sockaddr_un sun;
	struct ctl *ctl;
	int err;

	if (!ctlp || !path || !cmdh)
		return EINVAL;
	if (strlen(path) >= sizeof(sun.sun_path))
		return ENAMETOOLONG;

	ctl = mem_zalloc(sizeof(*ctl), ctl_destructor);
	if (!ctl)
		return ENOMEM;
	ctl->fd = -1;
	ctl->cmdh = cmdh;
	ctl->arg = arg;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);

	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		err = errno;
		goto out;
	}
	(void)unlink(path);   /* a stale socket from an earlier run */
	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(ctl->fd, 16) < 0) {
		err = errno;
		goto out;
	}
	err = str_dup(&ctl->path, path);
	if (err)
		goto out;
	err = fd_listen(ctl->fd, FD_READ, accept_handler, ctl);

 out:
	if (err) {
		re_fprintf(stderr, "ctl: cannot listen on %s: %m\n", path,
			   err);
		mem_deref(ctl);
	}
	else {
		*ctlp = ctl;
	}
	return err;
}
