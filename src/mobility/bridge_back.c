/*
 * Bridging a retrieval back to the MN (bridge.h): before the MN
 * re-INVITEs the far end, it asks each device that holds media it takes
 * back, with an INFO in the device's dialog, to pass the far end's
 * packets on to the MN and to send the MN's packets on as its own:
 *
 *   INFO, Content-Type: application/vnd.sipmob.bridge+json
 *   {"media": [{"type": "audio", "address": "10.0.0.1", "port": 20000}]}
 *
 * The device answers 200 when it bridges at least one of those media, 488
 * when none (it has no such stream), 400 for a body it cannot read. The
 * bridges last until the session ends (the MN hangs up once the far end
 * has switched), or until an INFO with an empty list (the retrieval
 * failed: the media stay with the device). An ordinary phone answers 415
 * or 501: no bridge then.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/mediaset.h>
#include <sipmob/ctl.h>
#include "bridge.h"

int mset_bridge_back_encode(struct mbuf **mbp, const struct mset *ms,
			    const bool types[2])
{
	static const char *name[2] = {"audio", "video"};
	struct odict *o = NULL, *media;
	char *json = NULL;
	int err;

	if (!mbp || !ms || !types)
		return EINVAL;

	err = odict_alloc(&o, 4);
	err = err ? err : ctl_put_array(o, "media", &media);
	for (int k = SDESC_AUDIO; !err && k <= SDESC_VIDEO; k++) {
		const struct sa *la = mset_laddr(ms, (enum sdesc_mtype)k);
		struct odict *m;
		char addr[64];

		if (!types[k] || !la)
			continue;
		re_snprintf(addr, sizeof(addr), "%j", la);
		err = ctl_array_obj(media, &m);
		err = err ? err : ctl_put_str(m, "type", name[k]);
		err = err ? err : ctl_put_str(m, "address", addr);
		err = err ? err : ctl_put_int(m, "port", sa_port(la));
	}
	err = err ? err : re_sdprintf(&json, "%H", json_encode_odict, o);
	if (!err) {
		struct mbuf *mb = mbuf_alloc(strlen(json));

		err = mb ? mbuf_write_str(mb, json) : ENOMEM;
		if (err) {
			mem_deref(mb);
		}
		else {
			mb->pos = 0;
			*mbp = mb;
		}
	}
	mem_deref(json);
	mem_deref(o);
	return err;
}

/* One entry of the list: its medium and the MN's address */
static int entry(const struct odict_entry *e, enum sdesc_mtype *type,
		 struct sa *sa)
{
	const struct odict_entry *p;
	const char *t, *a;

	if (e->type != ODICT_OBJECT)
		return EBADMSG;
	t = odict_string(e->u.odict, "type");
	a = odict_string(e->u.odict, "address");
	p = odict_get_type(e->u.odict, ODICT_INT, "port");
	if (!t || !a || !p || p->u.integer <= 0 || p->u.integer > 65535)
		return EBADMSG;
	if (!strcmp(t, "audio"))
		*type = SDESC_AUDIO;
	else if (!strcmp(t, "video"))
		*type = SDESC_VIDEO;
	else
		return EBADMSG;
	return sa_set_str(sa, a, (uint16_t)p->u.integer) ? EBADMSG : 0;
}

int mset_bridge_back(struct mset *ms, const uint8_t *body, size_t len,
		     struct bridge *out[2])
{
	const struct odict_entry *media;
	struct odict *o = NULL;
	struct le *le;
	int err, n = 0, asked = 0;

	if (!ms || !out || (!body && len))
		return EINVAL;

	err = json_decode_odict(&o, 8, (const char *)body, len, 8);
	if (err)
		return EBADMSG;
	media = odict_get_type(o, ODICT_ARRAY, "media");
	if (!media) {
		mem_deref(o);
		return EBADMSG;
	}
	for (le = list_head(&media->u.odict->lst); le; le = le->next) {
		enum sdesc_mtype type;
		struct sa mn;

		if (entry(le->data, &type, &mn)) {
			err = EBADMSG;
			break;
		}
		++asked;
		if (out[type])
			continue;   /* once per medium */
		if (mset_bridge(ms, type, &out[type]))
			continue;   /* no such stream here */
		if (bridge_relay_to(out[type], &mn) ||
		    bridge_take_from(out[type], &mn)) {
			out[type] = mem_deref(out[type]);
			continue;
		}
		/* the medium goes back: from now on the far end hears the
		 * MN through us, never both */
		bridge_stop_own(out[type]);
		++n;
	}
	mem_deref(o);
	if (err) {
		out[SDESC_AUDIO] = mem_deref(out[SDESC_AUDIO]);
		out[SDESC_VIDEO] = mem_deref(out[SDESC_VIDEO]);
		return err;
	}
	return n || !asked ? 0 : ENOENT;
}
