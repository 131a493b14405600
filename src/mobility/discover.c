/*
 * The mobile node finds the devices around it (spec §4, Figure 1): an SLP
 * SrvRqst for service:sip-device narrowed by location and capability, then
 * an AttrRqst per URL, through the DA (or by multicast to the devices' own
 * SAs when there is none). The answer lists each device with its
 * attributes; the last answer is kept so that commands can name a device
 * ("speaker") instead of its SIP URI.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include <sipmob/slp.h>
#include "mn_priv.h"

struct known {
	struct le le;
	char *name;      /* the user part of its SIP URI */
	char *uri;
	bool enhanced;   /* its attributes say mobility-enhanced */
	char *codecs;    /* its codecs attribute, "PCMU,G722", or NULL */
	char *image_size;/* its image-size attribute, or NULL */
};

static void known_destructor(void *arg)
{
	struct known *k = arg;

	list_unlink(&k->le);
	mem_deref(k->name);
	mem_deref(k->uri);
	mem_deref(k->codecs);
	mem_deref(k->image_size);
}

/* The values of one attribute, comma-separated, or NULL without it */
static char *attr_values(const struct slp_attrs *a, const char *tag)
{
	const struct slp_attr *at;
	char *s = NULL;

	at = a ? slp_attrs_find(a, &(struct pl){tag, strlen(tag)}) : NULL;
	for (size_t i = 0; at && i < at->nval; i++) {
		char *n = NULL;

		if (re_sdprintf(&n, "%s%s%r", s ? s : "", i ? "," : "",
				&at->val[i].s)) {
			mem_deref(n);
			return mem_deref(s);
		}
		mem_deref(s);
		s = n;
	}
	return s;
}

const char *mn_known_attr(const struct mn *mn, const char *uri,
			  const char *tag)
{
	for (struct le *le = mn->known.head; le; le = le->next) {
		const struct known *k = le->data;

		if (strcmp(k->uri, uri))
			continue;
		return !strcmp(tag, "codecs") ? k->codecs :
			!strcmp(tag, "image-size") ? k->image_size : NULL;
	}
	return NULL;
}

int mn_discover_alloc(struct mn *mn)
{
	struct slp_ua_conf c;

	memset(&c, 0, sizeof(c));
	c.da = mn->conf.slp_da;
	return slp_ua_alloc(&mn->ua, &c);
}

const char *mn_device_uri(const struct mn *mn, const char *name)
{
	struct le *le;

	for (le = mn->known.head; le; le = le->next) {
		const struct known *k = le->data;

		if (!strcmp(k->name, name) || !strcmp(k->uri, name))
			return k->uri;
	}
	return NULL;
}

int mn_known_enhanced(const struct mn *mn, const char *uri)
{
	for (struct le *le = mn->known.head; le; le = le->next) {
		const struct known *k = le->data;

		if (!strcmp(k->uri, uri))
			return k->enhanced;
	}
	return -1;
}

const char *mn_known_name(const struct mn *mn, const char *url)
{
	struct le *le;

	for (le = mn->known.head; le; le = le->next) {
		const struct known *k = le->data;

		if (!strcmp(k->uri, url))
			return k->name;
	}
	return NULL;
}

/* Remembers each device of an answer by the user part of its URL. */
void mn_known_set(struct mn *mn, const struct slp_device *v, size_t n)
{
	list_flush(&mn->known);
	for (size_t i = 0; i < n; i++) {
		struct known *k = mem_zalloc(sizeof(*k), known_destructor);
		struct pl user;

		if (!k || pl_strdup(&k->uri, &v[i].url)) {
			mem_deref(k);
			continue;
		}
		if (re_regex(k->uri, strlen(k->uri), "sip[s]*:[^@]+@", NULL,
			     &user))
			pl_set_str(&user, k->uri);
		k->enhanced = v[i].parsed &&
			slp_attrs_find(v[i].parsed,
				       &(struct pl)PL("mobility-enhanced"));
		k->codecs = attr_values(v[i].parsed, "codecs");
		k->image_size = attr_values(v[i].parsed, "image-size");
		if (pl_strdup(&k->name, &user))
			mem_deref(k);
		else
			list_append(&mn->known, &k->le, k);
	}
}

struct query;

/* A device of an answer, kept while its sips: URL is checked */
struct found {
	struct query *q;
	char *url;
	char *attrs;
	uint16_t lifetime;
	struct slp_attrs *parsed;
	struct sipep_tls_check *check;
	bool secure;               /* a sips: URL                        */
	bool usable;               /* not sips:, or its certificate fits */
};

struct query {
	struct mn *mn;
	mn_devices_h *h;
	void *arg;
	struct found *fv;
	size_t n;
	size_t pending;            /* checks not done yet                */
};

static void query_destructor(void *arg)
{
	struct query *q = arg;

	for (size_t i = 0; i < q->n; i++) {
		mem_deref(q->fv[i].check);
		mem_deref(q->fv[i].url);
		mem_deref(q->fv[i].attrs);
		mem_deref(q->fv[i].parsed);
	}
	mem_deref(q->fv);
}

/* The answer, without the devices whose certificates did not fit */
static void query_finish(struct query *q)
{
	struct slp_device *v = mem_zalloc((q->n ? q->n : 1) * sizeof(*v),
					  NULL);
	size_t n = 0;

	if (!v) {
		q->h(ENOMEM, NULL, 0, q->arg);
		mem_deref(q);
		return;
	}
	for (size_t i = 0; i < q->n; i++) {
		const struct found *f = &q->fv[i];

		if (!f->usable)
			continue;
		pl_set_str(&v[n].url, f->url);
		pl_set_str(&v[n].attrs, f->attrs);
		v[n].lifetime = f->lifetime;
		v[n].parsed = f->parsed;
		n++;
	}
	mn_known_set(q->mn, v, n);
	re_fprintf(stderr, "mn: %zu device(s) found (DA %s)\n", n,
		   slp_ua_da(q->mn->ua)[0] ? slp_ua_da(q->mn->ua) :
		   "none: multicast");
	q->h(0, v, n, q->arg);
	mem_deref(v);
	mem_deref(q);
}

static void check_handler(int err, const char *why, void *arg)
{
	struct found *f = arg;
	struct query *q = f->q;

	f->usable = !err;
	if (err)
		re_fprintf(stderr, "mn: device %s not used: %s\n", f->url,
			   why ? why : "TLS check failed");
	else
		re_fprintf(stderr, "mn: device %s: certificate verified\n",
			   f->url);
	if (--q->pending == 0)
		query_finish(q);
}

/* sips: URLs are used only when a TLS handshake with them passes our
 * checks (the certificate chains to our CAs and names the URL's host):
 * a registration that points at someone else is left out. */
static int check_secure(struct query *q, const struct slp_device *v,
			size_t n)
{
	int err = 0;

	q->fv = mem_zalloc(n * sizeof(*q->fv), NULL);
	if (!q->fv)
		return ENOMEM;
	q->n = n;
	for (size_t i = 0; i < n && !err; i++) {
		struct found *f = &q->fv[i];

		f->q = q;
		f->lifetime = v[i].lifetime;
		err  = pl_strdup(&f->url, &v[i].url);
		err |= pl_strdup(&f->attrs, &v[i].attrs);
		if (err)
			break;
		if (v[i].parsed)
			(void)slp_attrs_decode(&f->parsed,
					       &(struct pl){f->attrs,
							    strlen(f->attrs)});
		f->secure = !strncasecmp(f->url, "sips:", 5);
		f->usable = !f->secure;
	}
	for (size_t i = 0; i < n && !err; i++) {
		struct found *f = &q->fv[i];
		int e;

		if (!f->secure)
			continue;
		e = sipep_tls_check(&f->check, q->mn->ep, f->url,
				    check_handler, f);
		if (e)
			re_fprintf(stderr, "mn: device %s not used: %s\n",
				   f->url, e == ENOTSUP ? "the MN has no TLS"
				   " (--tls-cert)" : "cannot check its"
				   " certificate");
		else
			q->pending++;
	}
	return err;
}

static void devices_handler(int err, const struct slp_device *v, size_t n,
			    void *arg)
{
	struct query *q = arg;
	bool secure = false;

	for (size_t i = 0; !err && i < n; i++)
		secure |= v[i].url.l > 5 &&
			!strncasecmp(v[i].url.p, "sips:", 5);
	if (secure) {
		err = check_secure(q, v, n);
		if (!err && q->pending)
			return;   /* query_finish() when the checks are done */
		if (!err) {
			query_finish(q);
			return;
		}
	}
	if (!err) {
		mn_known_set(q->mn, v, n);
		re_fprintf(stderr, "mn: %zu device(s) found (DA %s)\n", n,
			   slp_ua_da(q->mn->ua)[0] ? slp_ua_da(q->mn->ua) :
			   "none: multicast");
	}
	q->h(err, v, n, q->arg);
	mem_deref(q);
}

/* Spec Figure 1: SrvRqst by the predicate, then AttrRqst per URL. */
int mn_devices_query(struct mn *mn, const char *pred, mn_devices_h *h,
		     void *arg)
{
	struct query *q;
	int err;

	q = mem_zalloc(sizeof(*q), query_destructor);
	if (!q)
		return ENOMEM;
	q->mn = mn;
	q->h = h;
	q->arg = arg;
	err = slp_ua_find_devices(mn->ua, pred, devices_handler, q);
	if (err)
		mem_deref(q);
	return err;
}
