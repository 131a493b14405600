/*
 * Device discovery for the mobile node, spec §4, Figure 1: a SrvRqst for
 * service:sip-device filtered by location, then an AttrRqst per URL, all
 * in flight at once; the handler gets every device with its attributes.
 * Transcoders (service:sip-transcoder, spec §6.1) are found the same way.
 * A device whose AttrRqst fails is still listed, with no attributes.
 */
#include <string.h>
#include <re.h>
#include <sipmob/slp.h>

struct fdev {
	struct slp_device d;
	char *url;
	char *attrs;
	struct slp_attrs *parsed;
	struct fjob *job;
};

struct fjob {
	struct slp_ua *ua;
	slp_ua_devices_h *h;
	void *arg;
	struct fdev *v;
	size_t n;
	size_t pending;
};

static void fjob_destructor(void *arg)
{
	struct fjob *j = arg;

	for (size_t i = 0; i < j->n; i++) {
		mem_deref(j->v[i].url);
		mem_deref(j->v[i].attrs);
		mem_deref(j->v[i].parsed);
	}
	mem_deref(j->v);
}

static void finish(struct fjob *j, int err)
{
	struct slp_device *out = NULL;

	if (!err && j->n) {
		out = mem_zalloc(j->n * sizeof(*out), NULL);
		if (!out)
			err = ENOMEM;
		for (size_t i = 0; out && i < j->n; i++)
			out[i] = j->v[i].d;
	}
	j->h(err, out, err ? 0 : j->n, j->arg);
	mem_deref(out);
	mem_deref(j);
}

static void attr_h(int err, uint16_t se, const struct pl *list, void *arg)
{
	struct fdev *d = arg;
	struct fjob *j = d->job;

	if (!err && !se && list && list->l &&
	    !pl_strdup(&d->attrs, list)) {
		pl_set_str(&d->d.attrs, d->attrs);
		if (!slp_attrs_decode(&d->parsed, &d->d.attrs))
			d->d.parsed = d->parsed;
	}
	if (--j->pending == 0)
		finish(j, 0);
}

static void srv_h(int err, uint16_t se, const struct slp_ua_url *v, size_t n,
		  void *arg)
{
	struct fjob *j = arg;

	if (err || se) {
		finish(j, err ? err : EPROTO);
		return;
	}
	if (!n) {
		finish(j, 0);
		return;
	}
	j->v = mem_zalloc(n * sizeof(*j->v), NULL);
	if (!j->v) {
		finish(j, ENOMEM);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct fdev *d = &j->v[i];

		if (pl_strdup(&d->url, &v[i].url)) {
			finish(j, ENOMEM);
			return;
		}
		j->n++;
		d->job = j;
		pl_set_str(&d->d.url, d->url);
		d->d.lifetime = v[i].lifetime;
	}
	/* count first: an AttrRqst may fail at once and call attr_h */
	j->pending = j->n + 1;
	for (size_t i = 0; i < j->n; i++) {
		if (slp_ua_findattrs(j->ua, j->v[i].url, "", attr_h,
				     &j->v[i]))
			j->pending--;
	}
	if (--j->pending == 0)
		finish(j, 0);
}

int slp_ua_find_services(struct slp_ua *ua, const char *type,
			 const char *pred, slp_ua_devices_h *h, void *arg)
{
	struct fjob *j;
	int err;

	if (!ua || !type || !h)
		return EINVAL;
	j = mem_zalloc(sizeof(*j), fjob_destructor);
	if (!j)
		return ENOMEM;
	j->ua = ua;
	j->h = h;
	j->arg = arg;
	err = slp_ua_findsrvs(ua, type, pred ? pred : "", srv_h, j);
	if (err)
		mem_deref(j);
	return err;
}

int slp_ua_find_devices(struct slp_ua *ua, const char *pred,
			slp_ua_devices_h *h, void *arg)
{
	return slp_ua_find_services(ua, SLP_TYPE_DEVICE, pred, h, arg);
}
