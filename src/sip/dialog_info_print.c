/*
 * Writing application/dialog-info+xml (RFC 4235 §4): what a device sends
 * when it reports the dialogs it holds. Elements come in the order of the
 * schema (§4.2: state, then local, then remote; identity before target),
 * attribute values and text are escaped so that a reader gets back exactly
 * the strings given (xml_escape), and nothing is written unless all of it
 * can be: the document is checked first.
 */
#include <string.h>
#include <sipmob/dialog_info.h>
#include "xmlscan.h"

/* NULL, or UTF-8 made of XML Chars */
static bool text_ok(const char *s)
{
	return !s || xml_chars_valid(s, strlen(s));
}

static bool party_ok(const struct dlginfo_party *p)
{
	return text_ok(p->identity) && text_ok(p->display) &&
		text_ok(p->target);
}

static bool dialog_ok(const struct dlginfo_dialog *d)
{
	return d->id && *d->id && text_ok(d->id) && text_ok(d->call_id) &&
		text_ok(d->local_tag) && text_ok(d->remote_tag) &&
		text_ok(d->event) && dlginfo_state_name(d->state) &&
		(d->direction == DLGINFO_DIR_NONE ||
		 dlginfo_dir_name(d->direction)) &&
		(!d->code || (d->code >= 100 && d->code <= 699)) &&
		party_ok(&d->local) && party_ok(&d->remote);
}

static bool dlginfo_ok(const struct dlginfo *di)
{
	if (!di->entity || !*di->entity || !text_ok(di->entity))
		return false;
	if (di->dialogc > DLGINFO_MAXDIALOGS || (di->dialogc && !di->dialogv))
		return false;
	for (size_t i = 0; i < di->dialogc; i++) {
		if (!dialog_ok(&di->dialogv[i]))
			return false;
	}
	return true;
}

static int attr_h(struct re_printf *pf, void *arg)
{
	return xml_escape(pf, arg, true);
}

static int text_h(struct re_printf *pf, void *arg)
{
	return xml_escape(pf, arg, false);
}

/* ' name="value"' when value is given */
static int attr(struct re_printf *pf, const char *name, const char *value)
{
	if (!value)
		return 0;
	return re_hprintf(pf, " %s=\"%H\"", name, attr_h, value);
}

static int print_party(struct re_printf *pf, const char *tag,
		       const struct dlginfo_party *p)
{
	int err;

	if (!p->identity && !p->target)
		return 0;

	err = re_hprintf(pf, "    <%s>\n", tag);
	if (!err && p->identity) {
		err = re_hprintf(pf, "      <identity");
		if (!err)
			err = attr(pf, "display", p->display);
		if (!err)
			err = re_hprintf(pf, ">%H</identity>\n", text_h,
					 p->identity);
	}
	if (!err && p->target) {
		err = re_hprintf(pf, "      <target");
		if (!err)
			err = attr(pf, "uri", p->target);
		if (!err)
			err = re_hprintf(pf, "/>\n");
	}
	if (!err)
		err = re_hprintf(pf, "    </%s>\n", tag);

	return err;
}

static int print_dialog(struct re_printf *pf, const struct dlginfo_dialog *d)
{
	int err;

	err = re_hprintf(pf, "  <dialog");
	if (!err)
		err = attr(pf, "id", d->id);
	if (!err)
		err = attr(pf, "call-id", d->call_id);
	if (!err)
		err = attr(pf, "local-tag", d->local_tag);
	if (!err)
		err = attr(pf, "remote-tag", d->remote_tag);
	if (!err)
		err = attr(pf, "direction", dlginfo_dir_name(d->direction));
	if (!err)
		err = re_hprintf(pf, ">\n    <state");
	if (!err)
		err = attr(pf, "event", d->event);
	if (!err && d->code)
		err = re_hprintf(pf, " code=\"%u\"", (unsigned)d->code);
	if (!err)
		err = re_hprintf(pf, ">%s</state>\n",
				 dlginfo_state_name(d->state));
	if (!err)
		err = print_party(pf, "local", &d->local);
	if (!err)
		err = print_party(pf, "remote", &d->remote);
	if (!err)
		err = re_hprintf(pf, "  </dialog>\n");

	return err;
}

int dlginfo_print(struct re_printf *pf, const struct dlginfo *di)
{
	int err;

	if (!pf || !di || !dlginfo_ok(di))
		return EINVAL;

	err = re_hprintf(pf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<dialog-info xmlns=\"urn:ietf:params:xml:ns:"
			 "dialog-info\" version=\"%u\" state=\"%s\"",
			 di->version, di->partial ? "partial" : "full");
	if (!err)
		err = attr(pf, "entity", di->entity);
	if (!err)
		err = re_hprintf(pf, ">\n");
	for (size_t i = 0; i < di->dialogc && !err; i++)
		err = print_dialog(pf, &di->dialogv[i]);
	if (!err)
		err = re_hprintf(pf, "</dialog-info>\n");

	return err;
}

int dlginfo_encode(struct mbuf **mbp, const struct dlginfo *di)
{
	struct mbuf *mb;
	int err;

	if (!mbp || !di)
		return EINVAL;

	mb = mbuf_alloc(1024);
	if (!mb)
		return ENOMEM;

	err = mbuf_printf(mb, "%H", dlginfo_print, di);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;
	return 0;
}
