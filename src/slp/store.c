/*
 * The registration store of a DA: every live SrvReg, found by URL (for
 * updates and deregistration), by abstract service type (for SrvRqst,
 * AttrRqst by type and SrvTypeRqst) and by attribute equality.
 *
 * The index maps "tag\0value-key" (slp_val_key: integers as numbers,
 * strings lower-cased) to a posting list of registrations, with its length.
 * A SrvRqst whose predicate requires equalities — "(room=123)" or
 * "(&(room=123)(media=audio)…)" — scans only the shortest posting list
 * among them and checks each candidate against the whole predicate; other
 * predicates scan the service type's list. So "all devices in room 123"
 * costs what room 123 holds, not what the DA holds. Every (tag, value)
 * pair is indexed, not only room/floor/media: it costs one small node per
 * value and keeps the rule simple. Predicates made only of OR, NOT,
 * ranges or substrings still scan the type's list: O(n) for that type.
 *
 * Lifetimes are kept in milliseconds; lookups skip expired entries, and
 * slp_store_expire() frees them (O(n), called once a second by the DA).
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include <sipmob/slp_attr.h>
#include <sipmob/slp_msg.h>
#include <sipmob/slp_store.h>

struct posting {
	struct le he;
	char *key;
	size_t keylen;
	struct list regs;      /* of struct ixent */
	size_t n;
};

struct ixent {
	struct le le;
	struct reg *reg;
	struct posting *p;
};

struct typelist {
	struct le he;
	char *type;            /* abstract type */
	struct list regs;
	size_t n;
};

struct srccnt {
	struct le he;
	struct sa sa;
	size_t n;
};

/* Scope lists are interned: most registrations share one ("DEFAULT"), so a
 * query decides a scope list once and then compares pointers. */
struct scopeset {
	struct le he;
	char *s;
	size_t l;
	size_t refs;
};

struct reg {
	struct le le_all;
	struct le le_url;
	struct le le_type;
	struct slp_store_entry e;
	char *strs;            /* url, type, scopes, attribute list */
	struct pl rawattrs;
	struct slp_attrs *attrs;
	struct typelist *tl;
	struct srccnt *sc;
	struct scopeset *ss;
	struct ixent *ix;
	size_t nix;
};

struct slp_store {
	struct list all;
	struct hash *by_url;
	struct hash *by_type;
	struct hash *idx;
	struct hash *by_src;
	struct hash *scopesets;
	size_t count;
};

static void store_destructor(void *arg)
{
	struct slp_store *st = arg;

	(void)slp_store_expire(st, UINT64_MAX);
	mem_deref(st->by_url);
	mem_deref(st->by_type);
	mem_deref(st->idx);
	mem_deref(st->by_src);
	mem_deref(st->scopesets);
}

int slp_store_alloc(struct slp_store **stp)
{
	struct slp_store *st;
	int err;

	if (!stp)
		return EINVAL;
	st = mem_zalloc(sizeof(*st), store_destructor);
	if (!st)
		return ENOMEM;
	err  = hash_alloc(&st->by_url, 65536);
	err |= hash_alloc(&st->by_type, 256);
	err |= hash_alloc(&st->idx, 65536);
	err |= hash_alloc(&st->by_src, 1024);
	err |= hash_alloc(&st->scopesets, 64);
	if (err) {
		mem_deref(st);
		return ENOMEM;
	}
	*stp = st;
	return 0;
}

size_t slp_store_count(const struct slp_store *st)
{
	return st ? st->count : 0;
}

static uint32_t sa_key(const struct sa *sa)
{
	struct sa a = *sa;

	sa_set_port(&a, 0);
	return sa_hash(&a, SA_ADDR);
}

static bool src_cmp(struct le *le, void *arg)
{
	struct srccnt *c = le->data;

	return sa_cmp(&c->sa, arg, SA_ADDR);
}

static struct srccnt *src_find(const struct slp_store *st, const struct sa *s)
{
	struct le *le = hash_lookup(st->by_src, sa_key(s), src_cmp,
				    (void *)s);
	return le ? le->data : NULL;
}

size_t slp_store_src_count(const struct slp_store *st, const struct sa *src)
{
	struct srccnt *c;

	if (!st || !src)
		return 0;
	c = src_find(st, src);
	return c ? c->n : 0;
}

/* ---- index ---- */

static uint32_t key_hash(const char *k, size_t l)
{
	return hash_joaat((const uint8_t *)k, l);
}

struct keyq {
	const char *k;
	size_t l;
};

static bool posting_cmp(struct le *le, void *arg)
{
	const struct posting *p = le->data;
	const struct keyq *q = arg;

	return p->keylen == q->l && !memcmp(p->key, q->k, q->l);
}

static struct posting *posting_find(struct hash *h, const char *k, size_t l)
{
	struct keyq q = {k, l};
	struct le *le = hash_lookup(h, key_hash(k, l), posting_cmp, &q);

	return le ? le->data : NULL;
}

static void posting_destructor(void *arg)
{
	struct posting *p = arg;

	hash_unlink(&p->he);
	mem_deref(p->key);
}

/* "tag\0valkey", tag lower-cased; returns length or 0 if not indexable */
static size_t make_key(char *buf, size_t sz, const struct pl *tag,
		       const struct slp_val *v)
{
	size_t n;

	if (tag->l + 2 > sz)
		return 0;
	for (n = 0; n < tag->l; n++)
		buf[n] = (char)tolower((unsigned char)tag->p[n]);
	buf[n++] = '\0';
	if (slp_val_key(buf + n, sz - n, v))
		return 0;
	return n + strlen(buf + n);
}

static int index_reg(struct slp_store *st, struct reg *r)
{
	size_t nv = 0;
	char key[1024];

	for (size_t i = 0; i < r->attrs->n; i++)
		nv += r->attrs->v[i].nval;
	if (!nv)
		return 0;
	r->ix = mem_zalloc(nv * sizeof(*r->ix), NULL);
	if (!r->ix)
		return ENOMEM;

	for (size_t i = 0; i < r->attrs->n; i++) {
		const struct slp_attr *a = &r->attrs->v[i];

		for (size_t j = 0; j < a->nval; j++) {
			size_t l = make_key(key, sizeof(key), &a->tag,
					    &a->val[j]);
			struct posting *p;
			bool dup = false;

			if (!l)
				continue;
			p = posting_find(st->idx, key, l);
			for (size_t k = 0; k < r->nix && !dup; k++)
				dup = r->ix[k].p == p;
			if (dup)
				continue;
			if (!p) {
				p = mem_zalloc(sizeof(*p), posting_destructor);
				if (!p)
					return ENOMEM;
				p->key = mem_alloc(l, NULL);
				if (!p->key) {
					mem_deref(p);
					return ENOMEM;
				}
				memcpy(p->key, key, l);
				p->keylen = l;
				hash_append(st->idx, key_hash(key, l), &p->he,
					    p);
			}
			r->ix[r->nix].reg = r;
			r->ix[r->nix].p = p;
			list_append(&p->regs, &r->ix[r->nix].le,
				    &r->ix[r->nix]);
			p->n++;
			r->nix++;
		}
	}
	return 0;
}

static void unindex_reg(struct reg *r)
{
	for (size_t k = 0; k < r->nix; k++) {
		struct posting *p = r->ix[k].p;

		list_unlink(&r->ix[k].le);
		if (--p->n == 0)
			mem_deref(p);
	}
	r->ix = mem_deref(r->ix);
	r->nix = 0;
}

/* ---- registrations ---- */

static void typelist_destructor(void *arg)
{
	struct typelist *t = arg;

	hash_unlink(&t->he);
	mem_deref(t->type);
}

static bool type_cmp(struct le *le, void *arg)
{
	const struct typelist *t = le->data;

	return !pl_strcasecmp(arg, t->type);
}

static struct typelist *type_find(const struct slp_store *st,
				  const struct pl *abs)
{
	struct le *le = hash_lookup(st->by_type, hash_joaat_pl_ci(abs),
				    type_cmp, (void *)abs);
	return le ? le->data : NULL;
}

static bool url_cmp(struct le *le, void *arg)
{
	const struct reg *r = le->data;

	return !pl_cmp(&r->e.url, arg);
}

static struct reg *url_find(const struct slp_store *st, const struct pl *url)
{
	struct le *le = hash_lookup(st->by_url, hash_joaat_pl(url), url_cmp,
				    (void *)url);
	return le ? le->data : NULL;
}

static void scopeset_destructor(void *arg)
{
	struct scopeset *ss = arg;

	hash_unlink(&ss->he);
	mem_deref(ss->s);
}

static bool scopeset_cmp(struct le *le, void *arg)
{
	const struct scopeset *ss = le->data;
	const struct pl *pl = arg;

	return ss->l == pl->l && !memcmp(ss->s, pl->p, pl->l);
}

static struct scopeset *scopeset_get(struct slp_store *st,
				     const struct pl *scopes)
{
	uint32_t h = hash_joaat((const uint8_t *)scopes->p, scopes->l);
	struct le *le = hash_lookup(st->scopesets, h, scopeset_cmp,
				    (void *)scopes);
	struct scopeset *ss;

	if (le) {
		ss = le->data;
		ss->refs++;
		return ss;
	}
	ss = mem_zalloc(sizeof(*ss), scopeset_destructor);
	if (!ss)
		return NULL;
	if (pl_strdup(&ss->s, scopes)) {
		mem_deref(ss);
		return NULL;
	}
	ss->l = scopes->l;
	ss->refs = 1;
	hash_append(st->scopesets, h, &ss->he, ss);
	return ss;
}

static void scopeset_put(struct scopeset *ss)
{
	if (ss && --ss->refs == 0)
		mem_deref(ss);
}

const struct slp_store_entry *slp_store_lookup(const struct slp_store *st,
					       const struct pl *url,
					       uint64_t now)
{
	const struct reg *r;

	if (!st || !url)
		return NULL;
	r = url_find(st, url);
	return r && r->e.expires > now ? &r->e : NULL;
}

static void reg_remove(struct slp_store *st, struct reg *r)
{
	unindex_reg(r);
	list_unlink(&r->le_all);
	hash_unlink(&r->le_url);
	list_unlink(&r->le_type);
	if (r->tl && --r->tl->n == 0)
		mem_deref(r->tl);
	if (r->sc && --r->sc->n == 0) {
		hash_unlink(&r->sc->he);
		mem_deref(r->sc);
	}
	scopeset_put(r->ss);
	mem_deref(r->attrs);
	mem_deref(r->strs);
	st->count--;
	mem_deref(r);
}

static int reg_strings(struct reg *r, const struct pl *url,
		       const struct pl *type, const struct pl *scopes,
		       const struct pl *attrs)
{
	size_t n = url->l + type->l + attrs->l;
	char *p;

	(void)scopes;

	r->strs = mem_alloc(n + 1, NULL);
	if (!r->strs)
		return ENOMEM;
	p = r->strs;
#define PUT(dst, src) do { memcpy(p, (src)->p, (src)->l); \
		(dst).p = p; (dst).l = (src)->l; p += (src)->l; } while (0)
	PUT(r->e.url, url);
	PUT(r->e.type, type);
	PUT(r->rawattrs, attrs);
#undef PUT
	return 0;
}

/* New attributes, then the old ones whose tag the new list lacks. */
static int merge_attrs(struct mbuf *mb, const struct slp_attrs *old,
		       const struct slp_attrs *upd, const struct pl *updraw)
{
	int err = mbuf_write_pl(mb, updraw);
	bool first = updraw->l == 0;

	for (size_t i = 0; i < old->n && !err; i++) {
		const struct slp_attr *a = &old->v[i];
		struct slp_attrs one = {1, (struct slp_attr *)a};
		struct slp_attrs *vp = &one;

		if (slp_attrs_find(upd, &a->tag))
			continue;
		if (!first)
			err |= mbuf_write_u8(mb, ',');
		first = false;
		err |= slp_attrs_encode(mb, &vp, 1, NULL);
	}
	return err;
}

/* The SLP error for an attribute list that did not decode: running out
 * of memory is ours, not the sender's */
static uint16_t decode_error(int err)
{
	return err == ENOMEM ? SLP_INTERNAL_ERROR : SLP_PARSE_ERROR;
}

int slp_store_register(struct slp_store *st, const struct pl *url,
		       uint16_t lifetime, const struct pl *type,
		       const struct pl *scopes, const struct pl *attrs,
		       bool fresh, const struct sa *src, uint64_t now,
		       uint16_t *slperr)
{
	struct slp_attrs *pa = NULL;
	struct reg *old, *r = NULL;
	struct mbuf *merged = NULL;
	struct pl abs, al = *attrs;
	uint16_t e = SLP_INTERNAL_ERROR;
	int err;

	if (!st || !url || !type || !scopes || !attrs || !slperr)
		return EINVAL;

	if (!url->l || !type->l || !lifetime || !scopes->l) {
		e = SLP_INVALID_REGISTRATION;
		err = EINVAL;
		goto out;
	}
	err = slp_attrs_decode(&pa, attrs);
	if (err) {
		e = decode_error(err);
		goto out;
	}

	old = url_find(st, url);
	if (old && old->e.expires <= now) {
		reg_remove(st, old);
		old = NULL;
	}
	if (!fresh) {
		/* an update must name a live registration, same type and
		 * same scopes (RFC 2608 §9.3) */
		if (!old || pl_casecmp(&old->e.type, type) ||
		    !slp_scopes_subset(scopes, &old->e.scopes) ||
		    !slp_scopes_subset(&old->e.scopes, scopes)) {
			e = SLP_INVALID_UPDATE;
			err = EINVAL;
			goto out;
		}
		merged = mbuf_alloc(old->rawattrs.l + attrs->l + 2);
		if (!merged) {
			err = ENOMEM;
			goto out;
		}
		err = merge_attrs(merged, old->attrs, pa, attrs);
		if (err)
			goto out;
		al.p = (const char *)merged->buf;
		al.l = merged->end;
		mem_deref(pa);
		pa = NULL;
		err = slp_attrs_decode(&pa, &al);
		if (err) {
			e = decode_error(err);
			goto out;
		}
	}

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r) {
		err = ENOMEM;
		goto out;
	}
	err = reg_strings(r, url, type, scopes, &al);
	if (err)
		goto out;
	/* attributes must point into our own copy of the list */
	mem_deref(pa);
	pa = NULL;
	err = slp_attrs_decode(&r->attrs, &r->rawattrs);
	if (err) {
		e = decode_error(err);
		goto out;
	}
	r->e.attrs = r->attrs;
	r->e.expires = now + (uint64_t)lifetime * 1000;
	r->ss = scopeset_get(st, scopes);
	if (!r->ss) {
		err = ENOMEM;
		goto out;
	}
	r->e.scopes.p = r->ss->s;
	r->e.scopes.l = r->ss->l;

	/* The old registration goes only once the new one is indexed and
	 * typed: a failure up to here must leave it as it was. Until then
	 * both are in the index, which is harmless: no lookup runs between. */
	err = index_reg(st, r);
	if (err) {
		unindex_reg(r);
		goto out;
	}
	slp_type_abstract(&abs, &r->e.type);
	r->tl = type_find(st, &abs);
	if (!r->tl) {
		r->tl = mem_zalloc(sizeof(*r->tl), typelist_destructor);
		if (!r->tl || pl_strdup(&r->tl->type, &abs)) {
			r->tl = mem_deref(r->tl);
			unindex_reg(r);
			err = ENOMEM;
			goto out;
		}
		hash_append(st->by_type, hash_joaat_pl_ci(&abs), &r->tl->he,
			    r->tl);
	}
	r->tl->n++;   /* before the old one leaves a type list it shares */
	list_append(&r->tl->regs, &r->le_type, r);

	/* nothing fails from here on */
	if (old)
		reg_remove(st, old);

	list_append(&st->all, &r->le_all, r);
	hash_append(st->by_url, hash_joaat_pl(&r->e.url), &r->le_url, r);
	if (src) {
		r->sc = src_find(st, src);
		if (!r->sc) {
			r->sc = mem_zalloc(sizeof(*r->sc), NULL);
			if (r->sc) {
				r->sc->sa = *src;
				hash_append(st->by_src, sa_key(src),
					    &r->sc->he, r->sc);
			}
		}
		if (r->sc)
			r->sc->n++;
	}
	st->count++;
	r = NULL;
	e = SLP_OK;
	err = 0;

 out:
	if (r) {
		scopeset_put(r->ss);
		mem_deref(r->attrs);
		mem_deref(r->strs);
		mem_deref(r);
	}
	mem_deref(pa);
	mem_deref(merged);
	*slperr = e;
	return err;
}

int slp_store_deregister(struct slp_store *st, const struct pl *url,
			 const struct pl *scopes, const struct pl *tags,
			 uint64_t now, uint16_t *slperr)
{
	struct reg *r;
	struct mbuf *mb = NULL;
	int err = 0;

	if (!st || !url || !scopes || !slperr)
		return EINVAL;
	r = url_find(st, url);
	if (!r || r->e.expires <= now) {
		*slperr = SLP_INVALID_REGISTRATION;
		return ENOENT;
	}
	if (!slp_scopes_subset(&r->e.scopes, scopes)) {
		*slperr = SLP_SCOPE_NOT_SUPPORTED;
		return EPERM;
	}
	if (!tags || !tags->l) {
		reg_remove(st, r);
		*slperr = SLP_OK;
		return 0;
	}

	/* RFC 2608 §10.6: only the named attributes go */
	{
		uint16_t left;
		struct slp_store_entry e = r->e;
		struct pl type = e.type, sc = e.scopes;
		char *ucopy = NULL, *tcopy = NULL, *scopy = NULL;
		struct pl u, t, s, al;

		mb = mbuf_alloc(r->rawattrs.l + 1);
		if (!mb) {
			err = ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < r->attrs->n; i++) {
			const struct slp_attr *a = &r->attrs->v[i];
			struct slp_attrs one = {1, (struct slp_attr *)a};
			struct slp_attrs *vp = &one;

			if (slp_taglist_match(tags, &a->tag))
				continue;
			if (mb->end)
				err |= mbuf_write_u8(mb, ',');
			err |= slp_attrs_encode(mb, &vp, 1, NULL);
		}
		err |= pl_strdup(&ucopy, &e.url);
		err |= pl_strdup(&tcopy, &type);
		err |= pl_strdup(&scopy, &sc);
		if (!err) {
			left = (uint16_t)((e.expires - now + 999) / 1000);
			pl_set_str(&u, ucopy);
			pl_set_str(&t, tcopy);
			pl_set_str(&s, scopy);
			al.p = (const char *)mb->buf;
			al.l = mb->end;
			err = slp_store_register(st, &u, left ? left : 1, &t,
						 &s, &al, true, r->sc ?
						 &r->sc->sa : NULL, now,
						 slperr);
		}
		mem_deref(ucopy);
		mem_deref(tcopy);
		mem_deref(scopy);
	}
 out:
	mem_deref(mb);
	if (err && *slperr == SLP_OK)
		*slperr = SLP_INTERNAL_ERROR;
	return err;
}

static uint16_t left_s(const struct reg *r, uint64_t now)
{
	uint64_t ms = r->e.expires - now;
	uint64_t s = (ms + 999) / 1000;

	return s > 0xffff ? 0xffff : (uint16_t)s;
}

struct eqpick {
	const struct slp_store *st;
	const struct posting *best;
	bool none;             /* a required value nobody has */
};

static bool pick_eq(const struct pl *tag, const struct slp_val *v, void *arg)
{
	struct eqpick *ep = arg;
	char key[1024];
	size_t l = make_key(key, sizeof(key), tag, v);
	const struct posting *p;

	if (!l)
		return false;
	p = posting_find(ep->st->idx, key, l);
	if (!p) {
		ep->none = true;
		return true;
	}
	if (!ep->best || p->n < ep->best->n)
		ep->best = p;
	return false;
}

/*
 * What one query asks of each candidate, decided once per query where it
 * can be: the type by the type list's pointer (a concrete type also by
 * name), the scopes once per interned scope list (a one-entry memo: nearly
 * every registration has the same list), and the predicate not at all when
 * it is a single equality the index has already answered. This keeps a
 * candidate to the few cache lines of its struct reg, which is what a
 * lookup costs once the store outgrows the CPU caches.
 */
struct query {
	const struct typelist *tl;
	const struct pl *type;
	bool concrete;
	const struct pl *scopes;
	const struct slp_filter *f;
	bool skip_filter;
	uint64_t now;
	const struct scopeset *memo_ss;
	bool memo_ok;
};

static void query_init(struct query *q, const struct slp_store *st,
		       const struct pl *type, const struct pl *scopes,
		       const struct slp_filter *f, uint64_t now)
{
	struct pl abs;

	memset(q, 0, sizeof(*q));
	slp_type_abstract(&abs, type);
	q->tl = type_find(st, &abs);
	q->type = type;
	q->concrete = abs.l != type->l;
	q->scopes = scopes;
	q->f = f;
	q->now = now;
}

static bool reg_ok(struct query *q, const struct reg *r)
{
	if (r->e.expires <= q->now || r->tl != q->tl)
		return false;
	if (q->concrete && pl_casecmp(q->type, &r->e.type))
		return false;
	if (q->scopes) {
		if (r->ss != q->memo_ss) {
			q->memo_ss = r->ss;
			q->memo_ok = slp_scopes_intersect(q->scopes,
							  &r->e.scopes);
		}
		if (!q->memo_ok)
			return false;
	}
	return q->skip_filter || slp_filter_match(q->f, r->attrs);
}

int slp_store_find(const struct slp_store *st, const struct pl *type,
		   const struct pl *scopes, const struct slp_filter *f,
		   uint64_t now, slp_store_match_h *mh, void *arg)
{
	struct eqpick ep = {st, NULL, false};
	struct query q;
	struct le *le;

	if (!st || !type || !mh)
		return EINVAL;
	query_init(&q, st, type, scopes, f, now);
	if (!q.tl)
		return 0;
	slp_filter_required_eq(f, pick_eq, &ep);
	if (ep.none)
		return 0;
	if (ep.best) {
		/* index keys compare exactly as the filter does */
		q.skip_filter = slp_filter_single_eq(f);
		for (le = ep.best->regs.head; le; le = le->next) {
			const struct ixent *x = le->data;

			if (reg_ok(&q, x->reg) &&
			    mh(&x->reg->e, left_s(x->reg, now), arg))
				break;
		}
		return 0;
	}
	for (le = q.tl->regs.head; le; le = le->next) {
		const struct reg *r = le->data;

		if (reg_ok(&q, r) && mh(&r->e, left_s(r, now), arg))
			break;
	}
	return 0;
}

void slp_store_apply(const struct slp_store *st, uint64_t now,
		     slp_store_match_h *h, void *arg)
{
	if (!st || !h)
		return;
	for (struct le *le = st->all.head; le; le = le->next) {
		const struct reg *r = le->data;

		if (r->e.expires > now && h(&r->e, left_s(r, now), arg))
			break;
	}
}

int slp_store_attrs(const struct slp_store *st, const struct pl *url_or_type,
		    const struct pl *scopes, const struct pl *tags,
		    uint64_t now, struct mbuf *out)
{
	struct slp_attrs **v = NULL;
	const struct reg *r;
	struct typelist *tl;
	struct pl abs;
	size_t n = 0;
	int err;

	if (!st || !url_or_type || !out)
		return EINVAL;
	r = url_find(st, url_or_type);
	if (r) {
		if (r->e.expires <= now ||
		    (scopes && !slp_scopes_intersect(scopes, &r->e.scopes)))
			return 0;
		return slp_attrs_encode(out, (struct slp_attrs **)&r->attrs,
					1, tags);
	}
	slp_type_abstract(&abs, url_or_type);
	tl = type_find(st, &abs);
	if (!tl)
		return 0;
	v = mem_zalloc(tl->n * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;
	{
		struct query q;

		query_init(&q, st, url_or_type, scopes, NULL, now);
		for (struct le *le = tl->regs.head; le; le = le->next) {
			r = le->data;
			if (reg_ok(&q, r))
				v[n++] = r->attrs;
		}
	}
	err = slp_attrs_encode(out, v, n, tags);
	mem_deref(v);
	return err;
}

struct typeapply {
	struct mbuf *out;
	const struct pl *na;
	const struct pl *scopes;
	uint64_t now;
	int err;
};

/* naming authority: "service:x.na" or "x.na"; none is IANA */
static bool na_match(const struct pl *type, const struct pl *na)
{
	struct pl abs, t;
	const char *dot;

	if (!na)
		return true;
	slp_type_abstract(&abs, type);
	t = abs;
	if (t.l > 8 && !strncasecmp(t.p, "service:", 8)) {
		t.p += 8;
		t.l -= 8;
	}
	dot = memchr(t.p, '.', t.l);
	if (!dot)
		return na->l == 0;
	t.l -= (size_t)(dot + 1 - t.p);
	t.p = dot + 1;
	return !pl_casecmp(&t, na);
}

static bool srvtype_seen(const struct mbuf *out, const struct pl *type)
{
	const char *p = (const char *)out->buf, *end = p + out->end;

	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		struct pl s = {p, (size_t)((c ? c : end) - p)};

		if (!pl_casecmp(&s, type))
			return true;
		p = c ? c + 1 : end;
	}
	return false;
}

int slp_store_srvtypes(const struct slp_store *st, const struct pl *na,
		       const struct pl *scopes, uint64_t now,
		       struct mbuf *out)
{
	int err = 0;
	size_t start;

	if (!st || !out)
		return EINVAL;
	start = out->end;
	(void)start;
	/* O(n) with a linear duplicate check per type: fine for the few
	 * types a DA holds */
	for (struct le *le = st->all.head; le && !err; le = le->next) {
		const struct reg *r = le->data;

		if (r->e.expires <= now || !na_match(&r->e.type, na) ||
		    (scopes && !slp_scopes_intersect(scopes, &r->e.scopes)))
			continue;
		if (srvtype_seen(out, &r->e.type))
			continue;
		if (out->end)
			err |= mbuf_write_u8(out, ',');
		err |= mbuf_write_pl(out, &r->e.type);
	}
	return err;
}

size_t slp_store_expire(struct slp_store *st, uint64_t now)
{
	size_t n = 0;
	struct le *le;

	if (!st)
		return 0;
	le = st->all.head;
	while (le) {
		struct reg *r = le->data;

		le = le->next;
		if (r->e.expires <= now) {
			reg_remove(st, r);
			n++;
		}
	}
	return n;
}
