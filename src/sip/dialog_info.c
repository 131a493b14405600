/*
 * Reading application/dialog-info+xml (RFC 4235 §4). The XML is checked by
 * xmlscan.c; here each element gets a meaning from its parent's:
 *
 *   dialog-info (version, state, entity)
 *     dialog (id, call-id, local-tag, remote-tag, direction)
 *       state (event, code) text
 *       local | remote
 *         identity (display) text
 *         target (uri)
 *
 * Anything else, in our namespace or another, is skipped with all it
 * contains. Elements without a namespace are taken as ours: some phones
 * leave out the xmlns, and nothing else would be called dialog-info.
 *
 * Strings are decoded (references, line ends) into one arena allocated with
 * the result: decoded text is never longer than its raw text, so twice the
 * body's length holds every string and its NUL.
 */
#include <string.h>
#include <sipmob/dialog_info.h>
#include "xmlscan.h"

static const char dlginfo_ns[] = "urn:ietf:params:xml:ns:dialog-info";

_Static_assert((int)DLGINFO_MAXDEPTH == (int)XMLSCAN_MAXDEPTH,
	       "the depth we promise is the depth the scanner allows");

/* What an element is, by where it stands */
enum kind {
	K_OTHER = 0,
	K_ROOT,
	K_DIALOG,
	K_STATE,
	K_LOCAL,
	K_REMOTE,
	K_IDENTITY,
	K_TARGET,
};

struct dlginfo_obj {
	struct dlginfo di;
	struct dlginfo_dialog dialogv[DLGINFO_MAXDIALOGS];
};

struct reader {
	struct dlginfo_obj *o;
	struct xmlscan x;
	struct xml_ev ev;
	enum kind kind[XMLSCAN_MAXDEPTH + 1];   /* by depth; [0]: none */
	struct dlginfo_dialog *dlg;
	struct dlginfo_party *party;
	bool have_state, have_local, have_remote;
	bool have_identity, have_target;
	char *arena;
	size_t size, used;
	char *text;            /* <state> or <identity> text, or NULL */
	size_t textlen;
	const char *why;
	char whybuf[96];
};

static int fail(struct reader *r, const char *why)
{
	r->why = why;
	return EBADMSG;
}

static int failv(struct reader *r, const char *fmt, const char *s)
{
	re_snprintf(r->whybuf, sizeof(r->whybuf), fmt, s);
	return fail(r, r->whybuf);
}

/* The decoded attribute, NUL-terminated in the arena; NULL when absent */
static int keep_attr(struct reader *r, const char *name, const char **out)
{
	const struct xml_attr *a = xml_ev_attr(&r->ev, name);
	size_t n;

	*out = NULL;
	if (!a)
		return 0;
	if (r->size - r->used < a->val.l + 1)
		return ENOMEM;   /* cannot happen: see the file comment */
	if (xml_decode(r->arena + r->used, &n, &a->val, true))
		return fail(r, "malformed reference");
	r->arena[r->used + n] = '\0';
	*out = r->arena + r->used;
	r->used += n + 1;
	return 0;
}

/* Unsigned decimal of at most max, digits only */
static bool number(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t acc = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		acc = acc * 10 + (uint64_t)(*s - '0');
		if (acc > max)
			return false;
	}
	*v = (uint32_t)acc;
	return true;
}

static void text_begin(struct reader *r)
{
	r->text = r->arena + r->used;
	r->textlen = 0;
}

static int text_add(struct reader *r)
{
	size_t n;

	if (r->size - r->used < r->ev.text.l + 1)
		return ENOMEM;
	if (r->ev.cdata) {
		memcpy(r->text + r->textlen, r->ev.text.p, r->ev.text.l);
		n = r->ev.text.l;
	}
	else if (xml_decode(r->text + r->textlen, &n, &r->ev.text, false))
		return fail(r, "malformed reference");
	r->textlen += n;
	r->used += n;
	return 0;
}

/* The collected text without surrounding white space, or NULL if none */
static const char *text_end(struct reader *r)
{
	char *s = r->text, *e = r->text + r->textlen;

	r->arena[r->used++] = '\0';
	r->text = NULL;
	while (s < e && strchr(" \t\n", *s))
		++s;
	while (e > s && strchr(" \t\n", e[-1]))
		--e;
	*e = '\0';
	return s < e ? s : NULL;
}

static bool is(const struct xml_ev *ev, const char *name)
{
	return !pl_strcmp(&ev->name, name);
}

static bool ours(const struct xml_ev *ev)
{
	return !ev->ns.l || !pl_strcmp(&ev->ns, dlginfo_ns);
}

static enum kind classify(enum kind parent, const struct xml_ev *ev)
{
	if (!ours(ev))
		return K_OTHER;

	switch (parent) {

	case K_ROOT:
		return is(ev, "dialog") ? K_DIALOG : K_OTHER;

	case K_DIALOG:
		if (is(ev, "state"))
			return K_STATE;
		if (is(ev, "local"))
			return K_LOCAL;
		if (is(ev, "remote"))
			return K_REMOTE;
		return K_OTHER;

	case K_LOCAL:
	case K_REMOTE:
		if (is(ev, "identity"))
			return K_IDENTITY;
		if (is(ev, "target"))
			return K_TARGET;
		return K_OTHER;

	default:
		return K_OTHER;
	}
}

/* <dialog-info version= state= entity=> (RFC 4235 §4.1) */
static int start_root(struct reader *r)
{
	struct dlginfo *di = &r->o->di;
	const char *version, *state;
	int err;

	if (!ours(&r->ev) || !is(&r->ev, "dialog-info"))
		return fail(r, "the root element is not <dialog-info> of "
			    "urn:ietf:params:xml:ns:dialog-info");

	err  = keep_attr(r, "version", &version);
	err = err ? err : keep_attr(r, "state", &state);
	err = err ? err : keep_attr(r, "entity", &di->entity);
	if (err)
		return err;

	if (!version)
		return fail(r, "<dialog-info> without version");
	if (!number(version, UINT32_MAX, &di->version))
		return fail(r, "<dialog-info> version is not a 32-bit number");
	if (!state)
		return fail(r, "<dialog-info> without state");
	if (!strcmp(state, "partial"))
		di->partial = true;
	else if (strcmp(state, "full"))
		return fail(r, "<dialog-info> state is neither full nor "
			    "partial");
	return 0;
}

/* <dialog id= call-id= local-tag= remote-tag= direction=> (§4.1.1) */
static int start_dialog(struct reader *r)
{
	struct dlginfo *di = &r->o->di;
	struct dlginfo_dialog *d;
	const char *dir;
	int err;

	if (di->dialogc == DLGINFO_MAXDIALOGS)
		return fail(r, "too many dialogs");
	d = &r->o->dialogv[di->dialogc++];
	r->dlg = d;
	r->have_state = r->have_local = r->have_remote = false;

	err  = keep_attr(r, "id", &d->id);
	err = err ? err : keep_attr(r, "call-id", &d->call_id);
	err = err ? err : keep_attr(r, "local-tag", &d->local_tag);
	err = err ? err : keep_attr(r, "remote-tag", &d->remote_tag);
	err = err ? err : keep_attr(r, "direction", &dir);
	if (err)
		return err;

	if (!d->id || !*d->id)
		return fail(r, "<dialog> without id");
	if (!dir)
		d->direction = DLGINFO_DIR_NONE;
	else if (!strcmp(dir, "initiator"))
		d->direction = DLGINFO_INITIATOR;
	else if (!strcmp(dir, "recipient"))
		d->direction = DLGINFO_RECIPIENT;
	else
		return failv(r, "<dialog> direction '%s' is neither initiator "
			     "nor recipient", dir);
	return 0;
}

/* <state event= code=> (§4.1.2) */
static int start_state(struct reader *r)
{
	const char *code;
	uint32_t v;
	int err;

	if (r->have_state)
		return fail(r, "two <state> in one dialog");
	r->have_state = true;

	err  = keep_attr(r, "event", &r->dlg->event);
	err = err ? err : keep_attr(r, "code", &code);
	if (err)
		return err;
	if (code) {
		if (!number(code, 699, &v) || v < 100)
			return fail(r, "<state> code is not a SIP status code");
		r->dlg->code = (uint16_t)v;
	}
	text_begin(r);
	return 0;
}

static int start_party(struct reader *r, bool local)
{
	bool *have = local ? &r->have_local : &r->have_remote;

	if (*have)
		return fail(r, local ? "two <local> in one dialog" :
			    "two <remote> in one dialog");
	*have = true;
	r->party = local ? &r->dlg->local : &r->dlg->remote;
	r->have_identity = r->have_target = false;
	return 0;
}

static int start_identity(struct reader *r)
{
	int err;

	if (r->have_identity)
		return fail(r, "two <identity> in one participant");
	r->have_identity = true;
	err = keep_attr(r, "display", &r->party->display);
	if (!err)
		text_begin(r);
	return err;
}

static int start_target(struct reader *r)
{
	int err;

	if (r->have_target)
		return fail(r, "two <target> in one participant");
	r->have_target = true;
	err = keep_attr(r, "uri", &r->party->target);
	if (!err && !r->party->target)
		return fail(r, "<target> without uri");
	return err;
}

static int on_start(struct reader *r)
{
	unsigned d = r->ev.depth;
	enum kind k;

	k = d == 1 ? K_ROOT : classify(r->kind[d - 1], &r->ev);
	r->kind[d] = k;

	switch (k) {

	case K_ROOT:     return start_root(r);
	case K_DIALOG:   return start_dialog(r);
	case K_STATE:    return start_state(r);
	case K_LOCAL:    return start_party(r, true);
	case K_REMOTE:   return start_party(r, false);
	case K_IDENTITY: return start_identity(r);
	case K_TARGET:   return start_target(r);
	default:         return 0;
	}
}

static int end_state(struct reader *r)
{
	static const char *names[] = {
		"trying", "proceeding", "early", "confirmed", "terminated",
	};
	const char *s = text_end(r);

	if (!s)
		return fail(r, "empty <state>");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			r->dlg->state = (enum dlginfo_state)i;
			return 0;
		}
	}
	return failv(r, "unknown dialog state '%s'", s);
}

static int on_end(struct reader *r)
{
	switch (r->kind[r->ev.depth]) {

	case K_STATE:
		return end_state(r);

	case K_IDENTITY:
		r->party->identity = text_end(r);
		return 0;

	case K_DIALOG:
		if (!r->have_state)
			return failv(r, "<dialog id=\"%s\"> without <state>",
				     r->dlg->id);
		return 0;

	default:
		return 0;
	}
}

static int read_all(struct reader *r)
{
	int err;

	for (;;) {
		err = xmlscan_next(&r->x, &r->ev);
		if (err) {
			r->why = r->x.why;
			return err;
		}

		switch (r->ev.type) {

		case XML_START:
			err = on_start(r);
			break;

		case XML_END:
			err = on_end(r);
			break;

		case XML_TEXT:
			if (r->text && r->kind[r->x.depth] != K_OTHER)
				err = text_add(r);
			break;

		case XML_DONE:
			return 0;
		}
		if (err) {
			r->x.errpos = r->x.pos;
			return err;
		}
	}
}

int dlginfo_decode(struct dlginfo **dip, const uint8_t *buf, size_t len,
		   char *err, size_t errsz)
{
	struct reader *r;
	int e;

	if (!dip || (!buf && len))
		return EINVAL;
	if (len > DLGINFO_MAXLEN) {
		if (err && errsz)
			re_snprintf(err, errsz, "dialog-info: body longer "
				    "than %u bytes", DLGINFO_MAXLEN);
		return EBADMSG;
	}

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;
	r->size = 2 * len + 1;
	r->o = mem_zalloc(sizeof(*r->o) + r->size, NULL);
	if (!r->o) {
		mem_deref(r);
		return ENOMEM;
	}
	r->arena = (char *)(r->o + 1);
	r->o->di.dialogv = r->o->dialogv;
	xmlscan_init(&r->x, buf ? (const char *)buf : "", len);

	e = read_all(r);
	if (e) {
		if (e == EBADMSG && err && errsz)
			re_snprintf(err, errsz, "dialog-info: line %u: %s",
				    xmlscan_errline(&r->x), r->why);
		mem_deref(r->o);
	}
	else
		*dip = &r->o->di;

	mem_deref(r);
	return e;
}

const char *dlginfo_state_name(enum dlginfo_state st)
{
	switch (st) {

	case DLGINFO_TRYING:     return "trying";
	case DLGINFO_PROCEEDING: return "proceeding";
	case DLGINFO_EARLY:      return "early";
	case DLGINFO_CONFIRMED:  return "confirmed";
	case DLGINFO_TERMINATED: return "terminated";
	default:                 return NULL;
	}
}

const char *dlginfo_dir_name(enum dlginfo_dir dir)
{
	switch (dir) {

	case DLGINFO_INITIATOR: return "initiator";
	case DLGINFO_RECIPIENT: return "recipient";
	default:                return NULL;
	}
}
