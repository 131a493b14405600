/*
 * The registration store: lifetimes to the millisecond, scopes, updates,
 * deregistration (whole and by tag), AttrRqst by type as a union, and the
 * attribute index giving the same answers as a full scan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/slp_msg.h>
#include <sipmob/slp_attr.h>
#include <sipmob/slp_store.h>

static const struct pl devtype = PL("service:sip-device");
static const struct pl dflt = PL("DEFAULT");

static uint16_t reg(struct slp_store *st, const char *url, const char *attrs,
		    uint16_t life, uint64_t now)
{
	struct pl u, a;
	uint16_t e = 0xffff;

	pl_set_str(&u, url);
	pl_set_str(&a, attrs);
	(void)slp_store_register(st, &u, life, &devtype, &dflt, &a, true,
				 NULL, now, &e);
	return e;
}

struct found {
	char urls[4096];
	unsigned n;
	uint16_t life;
};

static bool collect(const struct slp_store_entry *e, uint16_t life, void *arg)
{
	struct found *f = arg;
	size_t l = strlen(f->urls);

	re_snprintf(f->urls + l, sizeof(f->urls) - l, "%s%r",
		    l ? " " : "", &e->url);
	f->n++;
	f->life = life;
	return false;
}

static unsigned find(struct slp_store *st, const char *pred, uint64_t now,
		     struct found *f)
{
	struct slp_filter *flt = NULL;
	struct pl p;

	memset(f, 0, sizeof(*f));
	pl_set_str(&p, pred);
	assert_int_equal(0, slp_filter_compile(&flt, &p));
	assert_int_equal(0, slp_store_find(st, &devtype, &dflt, flt, now,
					   collect, f));
	mem_deref(flt);
	return f->n;
}

static void lifetimes_expire_to_the_millisecond(void **state)
{
	struct slp_store *st;
	struct found f;

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	assert_int_equal(SLP_OK, reg(st, "sip:a@x", "(room=1)", 7, 1000));
	assert_int_equal(1, find(st, "", 1000, &f));
	assert_int_equal(7, f.life);
	assert_int_equal(1, find(st, "", 7999, &f));
	assert_int_equal(1, f.life);
	assert_int_equal(0, find(st, "", 8000, &f));
	assert_int_equal(1, slp_store_count(st));
	assert_int_equal(1, slp_store_expire(st, 8000));
	assert_int_equal(0, slp_store_count(st));
	mem_deref(st);
}

static void scopes_and_types_select(void **state)
{
	struct slp_store *st;
	struct pl u = PL("sip:b@x"), t = PL("service:sip-device:sip"),
		s = PL("lab, DEFAULT"), a = PL("(room=2)"),
		other = PL("other"), abs = PL("service:sip-device");
	struct found f;
	uint16_t e;

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	assert_int_equal(0, slp_store_register(st, &u, 60, &t, &s, &a, true,
					       NULL, 0, &e));
	memset(&f, 0, sizeof(f));
	slp_store_find(st, &abs, &other, NULL, 0, collect, &f);
	assert_int_equal(0, f.n);
	slp_store_find(st, &abs, &dflt, NULL, 0, collect, &f);
	assert_int_equal(1, f.n);
	slp_store_find(st, &t, &s, NULL, 0, collect, &f);
	assert_int_equal(2, f.n);
	mem_deref(st);
}

static void update_and_deregister(void **state)
{
	struct slp_store *st;
	struct pl u = PL("sip:a@x"), a = PL("(room=9),(vendor=acme)"),
		tags = PL("vendor"), nope = PL("sip:nope@x");
	struct mbuf *mb = mbuf_alloc(64);
	struct found f;
	uint16_t e;

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	/* an update of nothing is INVALID_UPDATE */
	assert_int_equal(EINVAL, slp_store_register(st, &u, 60, &devtype,
						    &dflt, &a, false, NULL, 0,
						    &e));
	assert_int_equal(SLP_INVALID_UPDATE, e);
	assert_int_equal(SLP_OK, reg(st, "sip:a@x", "(room=1),(media=audio)",
				     60, 0));
	assert_int_equal(0, slp_store_register(st, &u, 60, &devtype, &dflt,
					       &a, false, NULL, 0, &e));
	assert_int_equal(1, find(st, "(&(room=9)(media=audio)(vendor=acme))",
				 0, &f));
	assert_int_equal(0, find(st, "(room=1)", 0, &f));
	assert_int_equal(0, slp_store_deregister(st, &u, &dflt, &tags, 0,
						 &e));
	assert_int_equal(0, find(st, "(vendor=*)", 0, &f));
	assert_int_equal(0, slp_store_attrs(st, &u, &dflt, NULL, 0, mb));
	assert_int_equal(0, memcmp(mb->buf, "(room=9),(media=audio)",
				   mb->end));
	assert_int_equal(ENOENT, slp_store_deregister(st, &nope, &dflt, NULL,
						      0, &e));
	assert_int_equal(SLP_INVALID_REGISTRATION, e);
	assert_int_equal(0, slp_store_deregister(st, &u, &dflt, NULL, 0, &e));
	assert_int_equal(0, slp_store_count(st));
	mem_deref(mb);
	mem_deref(st);
}

static void attrrqst_by_type_is_the_union(void **state)
{
	struct slp_store *st;
	struct mbuf *mb = mbuf_alloc(64);

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	reg(st, "sip:a@x", "(room=1),(media=audio)", 60, 0);
	reg(st, "sip:b@x", "(room=2),(media=video),(owner=bob)", 60, 0);
	assert_int_equal(0, slp_store_attrs(st, &devtype, &dflt, NULL, 0,
					    mb));
	mbuf_write_u8(mb, 0);
	assert_string_equal((char *)mb->buf,
			    "(room=1,2),(media=audio,video),(owner=bob)");
	mem_deref(mb);
	mem_deref(st);
}

static void malformed_attributes_are_parse_error(void **state)
{
	struct slp_store *st;

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	assert_int_equal(SLP_PARSE_ERROR, reg(st, "sip:a@x", "(room=1", 60,
					      0));
	assert_int_equal(SLP_INVALID_REGISTRATION, reg(st, "sip:a@x",
						       "(room=1)", 0, 0));
	mem_deref(st);
}

static void index_answers_as_a_scan_would(void **state)
{
	struct slp_store *st;
	struct found f1, f2;
	char url[64], attrs[128];

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	for (int i = 0; i < 2000; i++) {
		re_snprintf(url, sizeof(url), "sip:dev%d@example.com", i);
		re_snprintf(attrs, sizeof(attrs),
			    "(room=%d),(floor=%d),(media=%s)", i % 100,
			    i % 7, i % 3 ? "audio" : "video");
		assert_int_equal(SLP_OK, reg(st, url, attrs, 60, 0));
	}
	/* indexed equality vs the same predicate made unindexable by an OR */
	find(st, "(&(room=42)(media=audio))", 0, &f1);
	find(st, "(|(&(room=42)(media=audio))(&(room=42)(media=audio)))", 0,
	     &f2);
	assert_true(f1.n > 0);
	assert_int_equal(f1.n, f2.n);
	assert_string_equal(f1.urls, f2.urls);
	assert_int_equal(0, find(st, "(room=4242)", 0, &f1));
	assert_int_equal(20, find(st, "(room=042)", 0, &f1));
	mem_deref(st);
}

/* With 100,000 registrations an equality lookup (answered from the index)
 * finds exactly the ones that match, a value held once finds its one, and
 * an expired one is not found. How its time grows with the store's size is
 * a figure of bench/units.sh, not a test. */
static void equality_lookup_at_scale(void **state)
{
	struct slp_store *st;
	struct found f;
	char url[64], attrs[64];

	(void)state;
	assert_int_equal(0, slp_store_alloc(&st));
	for (int i = 0; i < 100000; i++) {
		re_snprintf(url, sizeof(url), "sip:d%d@x", i);
		re_snprintf(attrs, sizeof(attrs), "(room=%d)",
			    i < 10 ? 7 : 1000 + i);
		reg(st, url, attrs, i == 54321 ? 1 : 60, 0);
	}
	assert_int_equal(100000, slp_store_count(st));
	assert_int_equal(10, find(st, "(room=7)", 0, &f));
	assert_int_equal(1, find(st, "(room=99999)", 0, &f));
	assert_string_equal("sip:d98999@x", f.urls);
	assert_int_equal(1, find(st, "(room=55321)", 999, &f));
	assert_int_equal(0, find(st, "(room=55321)", 1000, &f));
	mem_deref(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifetimes_expire_to_the_millisecond),
		cmocka_unit_test(scopes_and_types_select),
		cmocka_unit_test(update_and_deregister),
		cmocka_unit_test(attrrqst_by_type_is_the_union),
		cmocka_unit_test(malformed_attributes_are_parse_error),
		cmocka_unit_test(index_answers_as_a_scan_would),
		cmocka_unit_test(equality_lookup_at_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
