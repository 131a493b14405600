/*
 * The map page's HTTP server on libre's (re_http.h): routes, the token,
 * and the live status stream (Server-Sent Events). It knows nothing of the
 * mobile node: each API request becomes a control socket request line run
 * by ctl_run() through the daemon's command handler, and its JSON reply
 * is the HTTP body, so the page sees what `sipmob -C SOCK` sees.
 */
#include <string.h>
#include <openssl/rand.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/web.h>
#include "web_priv.h"
#include "web_assets.h"

enum {
	TICK_MS        = 500,     /* status is looked at this often...     */
	RESEND_MS      = 10000,   /* ...and sent at least this often, so a
				     dead client is found                   */
	MAX_CLIENTS    = 8,       /* event streams at once                  */
	CLIENT_TXQ_MAX = 262144,  /* a client that reads slower is dropped  */
};

struct web {
	struct http_sock *sock;
	struct sa laddr;
	ctl_cmd_h *cmdh;
	void *arg;
	bool need_token;
	char token[WEB_TOKEN_LEN + 1];
	struct list clients;      /* struct client: event streams           */
	struct tmr tmr;
	char *last;               /* the status JSON last sent              */
	uint64_t last_sent;
};

struct client {
	struct le le;
	struct http_conn *conn;   /* a reference: it outlives its TCP       */
};

/* An API request waiting for its command's reply. */
struct job {
	struct http_conn *conn;
};

static const char json_type[] = "application/json";
static const char page_headers[] =
	"Cache-Control: no-store\r\n"
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: no-referrer\r\n"
	"Content-Security-Policy: default-src 'self'; img-src 'self' data:;"
	" frame-ancestors 'none'\r\n"
	"X-Frame-Options: DENY\r\n";

static void client_destructor(void *arg)
{
	struct client *c = arg;

	list_unlink(&c->le);
	mem_deref(c->conn);
}

static void job_destructor(void *arg)
{
	struct job *j = arg;

	mem_deref(j->conn);
}

static void destructor(void *arg)
{
	struct web *web = arg;

	tmr_cancel(&web->tmr);
	list_flush(&web->clients);
	mem_deref(web->sock);
	mem_deref(web->last);
}

static int reply(struct http_conn *conn, uint16_t scode, const char *reason,
		 const char *ctype, const char *body, size_t len)
{
	return http_reply(conn, scode, reason,
			  "Content-Type: %s\r\n"
			  "Content-Length: %zu\r\n"
			  "%s"
			  "\r\n"
			  "%b", ctype, len, page_headers, body, len);
}

/* {"ok":false,"error":why} with an HTTP status */
static void reply_error(struct http_conn *conn, uint16_t scode,
			const char *reason, const char *why)
{
	struct odict *od = NULL;
	char *json = NULL;

	if (!odict_alloc(&od, 4) &&
	    !ctl_put_bool(od, "ok", false) &&
	    !ctl_put_str(od, "error", why) &&
	    !re_sdprintf(&json, "%H", json_encode_odict, od))
		(void)reply(conn, scode, reason, json_type, json,
			    strlen(json));
	else
		(void)http_ereply(conn, 500, "Internal Server Error");
	mem_deref(json);
	mem_deref(od);
}

/* ---- the token and the origin ------------------------------------------ */

static bool token_given(const struct web *web, const struct http_msg *msg)
{
	const struct http_hdr *h;
	char q[WEB_TOKEN_LEN + 2];
	struct pl v;

	if (!web_query_get(&msg->prm, "token", q, sizeof(q)) &&
	    web_token_equal(web->token, &(struct pl){q, strlen(q)}))
		return true;
	h = http_msg_hdr(msg, HTTP_HDR_AUTHORIZATION);
	if (h && !re_regex(h->val.p, h->val.l, "Bearer[ \t]+[^ \t]+", NULL,
			   &v))
		return web_token_equal(web->token, &v);
	return false;
}

/* Who may ask: with a token, whoever gives it; without (loopback), a
 * request naming a loopback host, so that a page of another site that
 * had its name point at 127.0.0.1 (DNS rebinding) is refused. A command
 * must come as JSON and, when the browser says where from, from us:
 * another site's form cannot send one. */
static bool allowed(const struct web *web, struct http_conn *conn,
		    const struct http_msg *msg, bool command)
{
	const struct http_hdr *host = http_msg_hdr(msg, HTTP_HDR_HOST);
	const struct http_hdr *origin = http_msg_xhdr(msg, "Origin");

	if (web->need_token && !token_given(web, msg)) {
		reply_error(conn, 401, "Unauthorized", "this page needs the"
			    " token sipmob-mn printed at start-up: add"
			    " ?token=TOKEN to the address");
		return false;
	}
	if (!web->need_token && (!host || !web_host_loopback(&host->val))) {
		reply_error(conn, 403, "Forbidden", "ask by a loopback"
			    " address (127.0.0.1, [::1], localhost)");
		return false;
	}
	if (!command)
		return true;
	if (pl_strcasecmp(&msg->ctyp.type, "application") ||
	    pl_strcasecmp(&msg->ctyp.subtype, "json")) {
		reply_error(conn, 415, "Unsupported Media Type", "a command"
			    " comes as application/json");
		return false;
	}
	if (origin) {
		struct pl o = origin->val, rest;

		if (re_regex(o.p, o.l, "http[s]*://[^]+", NULL, &rest) ||
		    !host || pl_cmp(&rest, &host->val)) {
			reply_error(conn, 403, "Forbidden", "a command from"
				    " another site's page is refused");
			return false;
		}
	}
	return true;
}

/* ---- commands ------------------------------------------------------------ */

static void job_done(int err, struct odict *od, void *arg)
{
	struct job *j = arg;
	char *json = NULL;
	(void)err;

	/* the command's answer, ok or not, is a 200 with its JSON: as the
	 * control socket answers every request line */
	if (!re_sdprintf(&json, "%H", json_encode_odict, od))
		(void)reply(j->conn, 200, "OK", json_type, json,
			    strlen(json));
	mem_deref(json);
	mem_deref(j);
}

static void run(struct web *web, struct http_conn *conn, const char *line)
{
	struct job *j = mem_zalloc(sizeof(*j), job_destructor);
	int err;

	if (!j) {
		(void)http_ereply(conn, 500, "Internal Server Error");
		return;
	}
	j->conn = mem_ref(conn);
	err = ctl_run(line, web->cmdh, web->arg, job_done, j);
	if (err) {
		reply_error(conn, 400, "Bad Request", err == E2BIG ?
			    "the command is too long" : "cannot run it");
		mem_deref(j);
	}
}

static void api_command(struct web *web, struct http_conn *conn,
			const struct http_msg *msg)
{
	char line[WEB_LINE_MAX], why[160];
	size_t len = msg->mb ? mbuf_get_left(msg->mb) : 0;

	if (web_args_line(line, sizeof(line), len ?
			  (const char *)mbuf_buf(msg->mb) : "", len, why,
			  sizeof(why))) {
		reply_error(conn, 400, "Bad Request", why);
		return;
	}
	run(web, conn, line);
}

static void api_devices(struct web *web, struct http_conn *conn,
			const struct http_msg *msg)
{
	char room[256], line[WEB_LINE_MAX];
	int err;

	err = web_query_get(&msg->prm, "room", room, sizeof(room));
	if (err == ENOENT || (!err && !room[0])) {
		run(web, conn, "devices");
		return;
	}
	if (err || !web_word_ok(room)) {
		reply_error(conn, 400, "Bad Request", "a room is one word"
			    " (no spaces)");
		return;
	}
	re_snprintf(line, sizeof(line), "devices --room %s", room);
	run(web, conn, line);
}

/* ---- the live status: Server-Sent Events ---------------------------------- */

static void send_all(struct web *web, const char *json)
{
	struct mbuf *mb = mbuf_alloc(strlen(json) + 16);
	struct le *le;

	if (!mb || mbuf_printf(mb, "data: %s\n\n", json)) {
		mem_deref(mb);
		return;
	}
	le = web->clients.head;
	while (le) {
		struct client *c = le->data;
		struct tcp_conn *tc = http_conn_tcp(c->conn);

		le = le->next;
		mb->pos = 0;
		if (!tc || tcp_send(tc, mb)) {
			http_conn_close(c->conn);
			mem_deref(c);
		}
	}
	mem_deref(mb);
	web->last_sent = tmr_jiffies();
}

static void status_done(int err, struct odict *od, void *arg)
{
	struct web *web = arg;
	char *json = NULL;
	(void)err;

	if (re_sdprintf(&json, "%H", json_encode_odict, od))
		return;
	if (web->last && !strcmp(web->last, json) &&
	    tmr_jiffies() - web->last_sent < RESEND_MS) {
		mem_deref(json);
		return;
	}
	mem_deref(web->last);
	web->last = json;
	send_all(web, json);
}

static void tick(void *arg)
{
	struct web *web = arg;

	if (!web->clients.head)
		return;   /* the next client starts it again */
	(void)ctl_run("status", web->cmdh, web->arg, status_done, web);
	tmr_start(&web->tmr, TICK_MS, tick, web);
}

static void api_events(struct web *web, struct http_conn *conn)
{
	struct tcp_conn *tc = http_conn_tcp(conn);
	struct client *c;

	if (list_count(&web->clients) >= MAX_CLIENTS) {
		reply_error(conn, 503, "Service Unavailable", "too many"
			    " pages open on this MN");
		return;
	}
	c = mem_zalloc(sizeof(*c), client_destructor);
	if (!c || !tc || http_reply(conn, 200, "OK",
				    "Content-Type: text/event-stream\r\n"
				    "Cache-Control: no-store\r\n"
				    "\r\n"
				    "retry: 1000\n\n")) {
		mem_deref(c);
		return;
	}
	tcp_conn_txqsz_set(tc, CLIENT_TXQ_MAX);
	c->conn = mem_ref(conn);
	list_append(&web->clients, &c->le, c);
	/* it gets the status at once, then on each change */
	web->last = mem_deref(web->last);
	tmr_cancel(&web->tmr);
	tick(web);
}

/* ---- routes --------------------------------------------------------------- */

static bool is(const struct http_msg *msg, const char *met,
	       const char *path)
{
	return !pl_strcmp(&msg->met, met) && !pl_strcmp(&msg->path, path);
}

static void request_handler(struct http_conn *conn,
			    const struct http_msg *msg, void *arg)
{
	struct web *web = arg;
	const struct web_asset *a;

	/* the page's parts are the same in every sipmob-mn: no token */
	a = web_asset_find(&msg->path);
	if (a && a->open && !pl_strcmp(&msg->met, "GET")) {
		(void)reply(conn, 200, "OK", a->ctype, (const char *)a->data,
			    a->len);
		return;
	}
	if (a && !pl_strcmp(&msg->met, "GET")) {   /* the page itself */
		if (allowed(web, conn, msg, false))
			(void)reply(conn, 200, "OK", a->ctype,
				    (const char *)a->data, a->len);
		return;
	}
	if (is(msg, "GET", "/api/status")) {
		if (allowed(web, conn, msg, false))
			run(web, conn, "status");
	}
	else if (is(msg, "GET", "/api/devices")) {
		if (allowed(web, conn, msg, false))
			api_devices(web, conn, msg);
	}
	else if (is(msg, "GET", "/api/events")) {
		if (allowed(web, conn, msg, false))
			api_events(web, conn);
	}
	else if (is(msg, "POST", "/api/command")) {
		if (allowed(web, conn, msg, true))
			api_command(web, conn, msg);
	}
	else if (a || (msg->path.l >= 5 &&
			!memcmp(msg->path.p, "/api/", 5))) {
		reply_error(conn, 405, "Method Not Allowed", "not with this"
			    " method");
	}
	else {
		reply_error(conn, 404, "Not Found", "no such page");
	}
}

/* ---- start ------------------------------------------------------------------ */

int web_alloc(struct web **webp, const char *listen, ctl_cmd_h *cmdh,
	      void *arg, char *why, size_t whysz)
{
	struct web *web;
	uint8_t rnd[WEB_TOKEN_LEN / 2];
	int err;

	if (!webp || !listen || !cmdh || !why || !whysz)
		return EINVAL;

	web = mem_zalloc(sizeof(*web), destructor);
	if (!web)
		return ENOMEM;
	web->cmdh = cmdh;
	web->arg = arg;
	tmr_init(&web->tmr);

	if (sa_decode(&web->laddr, listen, strlen(listen))) {
		re_snprintf(why, whysz, "--http %s: want ADDR:PORT", listen);
		err = EINVAL;
		goto out;
	}
	web->need_token = !sa_is_loopback(&web->laddr) &&
		!(sa_af(&web->laddr) == AF_INET &&
		  (sa_in(&web->laddr) >> 24) == 127);
	if (web->need_token) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			re_snprintf(why, whysz, "no random numbers for the"
				    " token");
			err = EIO;
			goto out;
		}
		for (size_t i = 0; i < sizeof(rnd); i++)
			re_snprintf(web->token + 2 * i, 3, "%02x", rnd[i]);
	}
	err = http_listen(&web->sock, &web->laddr, request_handler, web);
	if (err) {
		re_snprintf(why, whysz, "--http %s: cannot listen (%m)",
			    listen, err);
		goto out;
	}
	(void)tcp_sock_local_get(http_sock_tcp(web->sock), &web->laddr);

 out:
	if (err)
		mem_deref(web);
	else
		*webp = web;
	return err;
}

int web_url(const struct web *web, char *url, size_t sz)
{
	int n;

	if (!web || !url || !sz)
		return EINVAL;
	n = re_snprintf(url, sz, "http://%J/%s%s", &web->laddr,
			web->need_token ? "?token=" : "",
			web->need_token ? web->token : "");
	return n < 0 || (size_t)n >= sz ? E2BIG : 0;
}

const char *web_token(const struct web *web)
{
	return web && web->need_token ? web->token : NULL;
}
