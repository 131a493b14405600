/*
 * The mobile node finds the devices around it (spec §4, Figure 1): an SLP
 * SrvRqst for service:sip-device narrowed by location and capability, then
 * an AttrRqst per URL, through the DA (or by multicast to the devices' own
 * SAs when there is none). The answer lists each device with its
 * attributes; the last answer is kept so that commands can name a device
 * ("speaker") instead of its SIP URI.
 */
#include <string.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/slp.h>
#include "mn_priv.h"

struct known {
	struct le le;
	char *name;      /* the user part of its SIP URI */
	char *uri;
};

static void known_destructor(void *arg)
{
	struct known *k = arg;

	list_unlink(&k->le);
	mem_deref(k->name);
	mem_deref(k->uri);
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

struct query {
	struct mn *mn;
	struct ctl_request *req;
};

static void query_destructor(void *arg)
{
	struct query *q = arg;

	mem_deref(q->req);
}

/* One device of the answer: its URL, its name, its attributes. */
static int put_device(struct odict *array, const struct slp_device *d,
		      struct list *known)
{
	struct odict *o, *attrs;
	struct known *k;
	struct pl user;
	char *url = NULL;
	int err;

	err  = pl_strdup(&url, &d->url);
	err |= ctl_array_obj(array, &o);
	if (err)
		goto out;
	if (re_regex(url, strlen(url), "sip[s]*:[^@]+@", NULL, &user))
		pl_set_str(&user, url);

	k = mem_zalloc(sizeof(*k), known_destructor);
	if (k && !pl_strdup(&k->name, &user) && !str_dup(&k->uri, url))
		list_append(known, &k->le, k);
	else
		mem_deref(k);

	err |= ctl_put_str(o, "name", k ? k->name : url);
	err |= ctl_put_str(o, "url", url);
	err |= ctl_put_int(o, "lifetime", d->lifetime);
	err |= ctl_put_obj(o, "attrs", &attrs);
	for (size_t i = 0; d->parsed && i < d->parsed->n && !err; i++) {
		const struct slp_attr *a = &d->parsed->v[i];
		char tag[64], val[256] = "";
		size_t l = 0;

		pl_strcpy(&a->tag, tag, sizeof(tag));
		if (!a->nval) {   /* a keyword: present */
			err |= ctl_put_bool(attrs, tag, true);
			continue;
		}
		for (size_t j = 0; j < a->nval && l < sizeof(val) - 1; j++) {
			const struct pl *v = pl_isset(&a->val[j].s) ?
				&a->val[j].s : &a->val[j].raw;

			l += re_snprintf(val + l, sizeof(val) - l, "%s%r",
					 j ? "," : "", v);
		}
		err |= ctl_put_str(attrs, tag, val);
	}
 out:
	mem_deref(url);
	return err;
}

static void devices_handler(int err, const struct slp_device *v, size_t n,
			    void *arg)
{
	struct query *q = arg;
	struct odict *reply = ctl_request_reply(q->req), *array;

	if (!err) {
		list_flush(&q->mn->known);
		err = ctl_put_array(reply, "devices", &array);
		for (size_t i = 0; i < n && !err; i++)
			err = put_device(array, &v[i], &q->mn->known);
		re_fprintf(stderr, "mn: %zu device(s) found (DA %s)\n", n,
			   slp_ua_da(q->mn->ua)[0] ? slp_ua_da(q->mn->ua) :
			   "none: multicast");
	}
	else {
		ctl_put_str(reply, "error", err == ETIMEDOUT ?
			    "no answer from SLP (no DA, no device)" :
			    "SLP query failed");
	}
	ctl_request_done(q->req, err);
	mem_deref(q);
}

/* devices [--room R] [--floor N] [--media M] [--predicate LDAP] */
int mn_devices(struct mn *mn, struct ctl_request *req, int argc,
	       char *argv[], struct odict *reply)
{
	char pred[512] = "", terms[448] = "";
	struct query *q;
	size_t nterms = 0, l = 0;
	int i, err;

	for (i = 1; i + 1 < argc; i += 2) {
		const char *tag = !strcmp(argv[i], "--room") ? "room" :
			!strcmp(argv[i], "--floor") ? "floor" :
			!strcmp(argv[i], "--media") ? "media" :
			!strcmp(argv[i], "--building") ? "building" : NULL;

		if (!strcmp(argv[i], "--predicate")) {
			l += re_snprintf(terms + l, sizeof(terms) - l, "%s",
					 argv[i + 1]);
			nterms++;
			continue;
		}
		if (!tag)
			break;
		l += re_snprintf(terms + l, sizeof(terms) - l, "(%s=%H)", tag,
				 slp_attr_escape, argv[i + 1]);
		nterms++;
	}
	if (i != argc) {
		ctl_put_str(reply, "error", "usage: devices [--room R]"
			    " [--floor N] [--building B] [--media M]"
			    " [--predicate LDAP]");
		return EINVAL;
	}
	if (nterms > 1)
		re_snprintf(pred, sizeof(pred), "(&%s)", terms);
	else
		str_ncpy(pred, terms, sizeof(pred));

	q = mem_zalloc(sizeof(*q), query_destructor);
	if (!q)
		return ENOMEM;
	q->mn = mn;
	q->req = mem_ref(req);
	err = slp_ua_find_devices(mn->ua, pred, devices_handler, q);
	if (err) {
		mem_deref(q);
		return err;
	}
	return EINPROGRESS;
}
