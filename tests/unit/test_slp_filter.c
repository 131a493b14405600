/*
 * Attribute lists and predicates: decoding with escapes and types, the
 * union of several lists, and LDAPv3 filters evaluated by type; malformed
 * lists and predicates are errors, never silent non-matches.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/slp_attr.h>

static struct slp_attrs *attrs(const char *s)
{
	struct slp_attrs *a = NULL;
	struct pl pl;

	pl_set_str(&pl, s);
	assert_int_equal(0, slp_attrs_decode(&a, &pl));
	return a;
}

static bool match(const char *pred, const char *list)
{
	struct slp_attrs *a = attrs(list);
	struct slp_filter *f = NULL;
	struct pl pl;
	bool r;

	pl_set_str(&pl, pred);
	assert_int_equal(0, slp_filter_compile(&f, &pl));
	r = slp_filter_match(f, a);
	mem_deref(f);
	mem_deref(a);
	return r;
}

static int compile(const char *pred)
{
	struct slp_filter *f = NULL;
	struct pl pl;
	int err;

	pl_set_str(&pl, pred);
	err = slp_filter_compile(&f, &pl);
	mem_deref(f);
	return err;
}

static void attribute_values_are_typed(void **state)
{
	struct slp_attrs *a = attrs("(room=123),(media=audio, video),"
				    "(mobile=TRUE),(blob=\\FF\\00\\01),"
				    "mobility-enhanced,(name=  Big   Room ),"
				    "(x=-7)");
	const struct slp_attr *t;
	struct pl tag;

	(void)state;
	assert_int_equal(7, a->n);
	pl_set_str(&tag, "ROOM");
	t = slp_attrs_find(a, &tag);
	assert_non_null(t);
	assert_int_equal(SLP_T_INTEGER, t->val[0].type);
	assert_int_equal(123, t->val[0].i);
	assert_int_equal(2, a->v[1].nval);
	assert_int_equal(0, pl_strcmp(&a->v[1].val[1].s, "video"));
	assert_int_equal(SLP_T_BOOLEAN, a->v[2].val[0].type);
	assert_int_equal(1, a->v[2].val[0].i);
	assert_int_equal(SLP_T_OPAQUE, a->v[3].val[0].type);
	assert_int_equal(2, a->v[3].val[0].s.l);
	assert_int_equal(SLP_T_KEYWORD == SLP_T_KEYWORD, 1);
	assert_int_equal(0, a->v[4].nval);
	assert_int_equal(0, pl_strcmp(&a->v[5].val[0].s, "Big Room"));
	assert_int_equal(-7, a->v[6].val[0].i);
	mem_deref(a);
}

static void escapes_are_resolved(void **state)
{
	struct slp_attrs *a = attrs("(civic=1\\2C Main St\\28rear\\29)");

	(void)state;
	assert_int_equal(0, pl_strcmp(&a->v[0].val[0].s,
				      "1, Main St(rear)"));
	mem_deref(a);
}

static void malformed_attribute_lists_are_errors(void **state)
{
	static const char *bad[] = {
		"(room=1", "(room)", "(=1)", "(a=1,)", "(a=1),", "(a=\\4)",
		"(a=\\zz)", "x(y", "(a=1)junk", "(a*=1)", "(a=(b))",
		"a,,b",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct slp_attrs *a = NULL;
		struct pl pl;

		pl_set_str(&pl, bad[i]);
		assert_int_equal(EBADMSG, slp_attrs_decode(&a, &pl));
		assert_null(a);
	}
}

static void union_merges_values_without_duplicates(void **state)
{
	struct slp_attrs *v[3];
	struct mbuf *mb = mbuf_alloc(128);
	struct pl tags = PL("");

	(void)state;
	v[0] = attrs("(media=audio),(room=1)");
	v[1] = attrs("(media=video,AUDIO),(room=2),kw");
	v[2] = attrs("(codecs=pcmu),(media=audio)");
	assert_int_equal(0, slp_attrs_encode(mb, v, 3, &tags));
	mbuf_write_u8(mb, 0);
	assert_string_equal((char *)mb->buf, "(media=audio,video),(room=1,2),"
			    "kw,(codecs=pcmu)");
	mb->end = mb->pos = 0;
	pl_set_str(&tags, "med*, kw");
	assert_int_equal(0, slp_attrs_encode(mb, v, 3, &tags));
	mbuf_write_u8(mb, 0);
	assert_string_equal((char *)mb->buf, "(media=audio,video),kw");
	for (int i = 0; i < 3; i++)
		mem_deref(v[i]);
	mem_deref(mb);
}

static void escaping_round_trips(void **state)
{
	char buf[128], list[160];
	struct slp_attrs *a;

	(void)state;
	re_snprintf(buf, sizeof(buf), "%H", slp_attr_escape,
		    "a,b(c)=d\\e*f");
	re_snprintf(list, sizeof(list), "(t=%s)", buf);
	a = attrs(list);
	assert_int_equal(0, pl_strcmp(&a->v[0].val[0].s, "a,b(c)=d\\e*f"));
	mem_deref(a);
}

static void predicates_compare_by_type(void **state)
{
	const char *dev = "(room=123),(floor=10),(media=audio,video),"
		"(name=Conference Room A),(mobile=true),mobility-enhanced";

	(void)state;
	assert_true(match("(room=123)", dev));
	assert_true(match("(room=0123)", dev));
	assert_false(match("(room=12)", dev));
	/* integers compare as numbers: "10" >= 9, though "10" < "9" as text */
	assert_true(match("(floor>=9)", dev));
	assert_false(match("(floor<=9)", dev));
	assert_true(match("(media=VIDEO)", dev));
	assert_true(match("(&(room=123)(media=audio))", dev));
	assert_false(match("(&(room=123)(media=text))", dev));
	assert_true(match("(|(room=1)(media=audio))", dev));
	assert_true(match("(!(room=1))", dev));
	assert_false(match("(!(room=123))", dev));
	assert_true(match("(mobility-enhanced=*)", dev));
	assert_true(match("(name=*)", dev));
	assert_false(match("(owner=*)", dev));
	assert_true(match("(name=conf*)", dev));
	assert_true(match("(name=*room*)", dev));
	assert_true(match("(name=*Room A)", dev));
	assert_false(match("(name=*Room B)", dev));
	assert_true(match("(name=c*r*a)", dev));
	assert_true(match("(name~=conferenceroom a)", dev));
	assert_true(match("(mobile=TRUE)", dev));
	assert_false(match("(mobile=false)", dev));
	assert_true(match("(name>=b)", dev));
	assert_true(match("", dev));
	assert_true(match(" ( & (room=123) (floor=10) ) ", dev));
	assert_false(match("(mobility-enhanced=1)", dev));
}

static void malformed_predicates_are_errors(void **state)
{
	static const char *bad[] = {
		"(", ")", "room=1", "(room=1", "(room=1))", "(&)", "(!)",
		"(!(a=1)(b=2))", "(=1)", "(a=)", "(a>1)", "(a<1)", "(a~1)",
		"(a>=*)", "(a=\\4)", "(a=(b))", "((a=1))", "(&(a=1)x)",
		"(a*=1)", "(a=1)(b=2)", "(|(a=1)",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(EBADMSG, compile(bad[i]));
}

static void deep_nesting_is_bounded(void **state)
{
	char pred[1200];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 200; i++)
		n += (size_t)re_snprintf(pred + n, sizeof(pred) - n, "(!");
	n += (size_t)re_snprintf(pred + n, sizeof(pred) - n, "(a=1)");
	for (int i = 0; i < 200; i++)
		pred[n++] = ')';
	pred[n] = 0;
	assert_int_equal(EBADMSG, compile(pred));
}

static bool collect(const struct pl *tag, const struct slp_val *v, void *arg)
{
	char *out = arg, key[64];

	slp_val_key(key, sizeof(key), v);
	re_snprintf(out + strlen(out), 128 - strlen(out), "%r=%s;", tag, key);
	return false;
}

static void required_equalities_are_found(void **state)
{
	struct slp_filter *f;
	struct pl pl = PL("(&(room=0123)(media=Audio)(|(a=1)(b=2))(x=y*))");
	char out[128] = "";

	(void)state;
	assert_int_equal(0, slp_filter_compile(&f, &pl));
	slp_filter_required_eq(f, collect, out);
	assert_string_equal(out, "room=i:123;media=s:audio;");
	mem_deref(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(attribute_values_are_typed),
		cmocka_unit_test(escapes_are_resolved),
		cmocka_unit_test(malformed_attribute_lists_are_errors),
		cmocka_unit_test(union_merges_values_without_duplicates),
		cmocka_unit_test(escaping_round_trips),
		cmocka_unit_test(predicates_compare_by_type),
		cmocka_unit_test(malformed_predicates_are_errors),
		cmocka_unit_test(deep_nesting_is_bounded),
		cmocka_unit_test(required_equalities_are_found),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
