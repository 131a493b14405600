/**
 * @file web.h  The mobile node's map page over HTTP (docs/web.md).
 *
 * One page (HTML, CSS, JavaScript built into the program) shows where the
 * user is, the devices found there and where each medium of the call is;
 * its buttons send the control socket's own commands. Every request runs
 * through the same command handler as a control socket request
 * (ctl_run()), so the page and `sipmob -C SOCK` do exactly the same.
 *
 *   GET  /                     the page        /map.css, /map.js its parts
 *   GET  /api/status           `status`  (JSON as on the control socket)
 *   GET  /api/devices?room=R   `devices --room R`
 *   POST /api/command          {"args":["move","--audio","sip:..."]}
 *   GET  /api/events           Server-Sent Events: `status` on each change
 *
 * Bound to a loopback address it serves anyone on this machine whose
 * request names a loopback host; bound elsewhere it makes a random token
 * at start-up, and the page and the API want it (?token= or
 * "Authorization: Bearer TOKEN"), else 401.
 */

struct web;

/** Listens on listen ("ADDR:PORT", "[::1]:PORT"; port 0 picks one) and
 *  runs the requests' commands through cmdh(arg). */
int  web_alloc(struct web **webp, const char *listen, ctl_cmd_h *cmdh,
	       void *arg, char *why, size_t whysz);
/** The page's address, with the token when one is needed, NUL-ended in
 *  url; 0 or E2BIG. */
int  web_url(const struct web *web, char *url, size_t sz);
/** The token, or NULL when bound to loopback (none needed). */
const char *web_token(const struct web *web);
