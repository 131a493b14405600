/**
 * @file test_slp_store_oom.c  A registration survives a failed update. For
 * each allocation slp_store_register() makes in turn, the test makes that
 * one fail (mem_alloc and mem_zalloc are wrapped with ld --wrap, see
 * CMakeLists.txt) while a registration is replaced or updated: either the
 * new one is in place, or the old one is there as it was, found by URL,
 * by each attribute, by type and by source. Under AddressSanitizer (make
 * check-asan) nothing may leak on any of these paths.
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

static unsigned fail_at;   /* 0: none; N: the Nth call from arm() fails */
static unsigned calls;

void *__real_mem_alloc(size_t size, mem_destroy_h *dh);
void *__real_mem_zalloc(size_t size, mem_destroy_h *dh);
void *__wrap_mem_alloc(size_t size, mem_destroy_h *dh);
void *__wrap_mem_zalloc(size_t size, mem_destroy_h *dh);

void *__wrap_mem_alloc(size_t size, mem_destroy_h *dh)
{
	if (fail_at && ++calls == fail_at)
		return NULL;
	return __real_mem_alloc(size, dh);
}

void *__wrap_mem_zalloc(size_t size, mem_destroy_h *dh)
{
	if (fail_at && ++calls == fail_at)
		return NULL;
	return __real_mem_zalloc(size, dh);
}

static void arm(unsigned n)
{
	calls = 0;
	fail_at = n;
}

static const struct pl devtype = PL("service:sip-device");
static const struct pl dflt = PL("DEFAULT");
static const struct pl url = PL("sip:speaker@example.com");

static bool count_h(const struct slp_store_entry *e, uint16_t life,
		    void *arg)
{
	(void)e;
	(void)life;
	++*(unsigned *)arg;
	return false;
}

static unsigned find(struct slp_store *st, const struct pl *type,
		     const char *pred)
{
	struct slp_filter *f = NULL;
	unsigned n = 0;
	struct pl p;

	pl_set_str(&p, pred);
	assert_int_equal(0, slp_filter_compile(&f, &p));
	assert_int_equal(0, slp_store_find(st, type, &dflt, f, 0, count_h,
					   &n));
	mem_deref(f);
	return n;
}

static void assert_old_intact(struct slp_store *st, const struct sa *src)
{
	const struct slp_store_entry *e = slp_store_lookup(st, &url, 0);

	assert_non_null(e);
	assert_int_equal(1, slp_store_count(st));
	assert_int_equal(0, pl_cmp(&e->type, &devtype));
	assert_int_equal(1, find(st, &devtype, "(room=1)"));
	assert_int_equal(1, find(st, &devtype, "(media=audio)"));
	assert_int_equal(1, find(st, &devtype, "(&(room=1)(media=audio))"));
	assert_int_equal(0, find(st, &devtype, "(vendor=*)"));
	assert_int_equal(1, find(st, &devtype, ""));
	assert_int_equal(1, slp_store_src_count(st, src));
}

/* Replaces or updates the registration with the Nth allocation failing,
 * until a run in which no allocation failed; returns how many runs. */
static unsigned sweep(const struct pl *type, const char *attrs, bool fresh,
		      const char *want)
{
	struct pl old = PL("(room=1),(media=audio)"), upd;
	unsigned n;
	struct sa src;

	pl_set_str(&upd, attrs);
	sa_set_str(&src, "192.0.2.7", 427);
	for (n = 1; ; n++) {
		struct slp_store *st = NULL;
		uint16_t e;
		int err;

		assert_int_equal(0, slp_store_alloc(&st));
		assert_int_equal(0, slp_store_register(st, &url, 60, &devtype,
						       &dflt, &old, true, &src,
						       0, &e));
		arm(n);
		err = slp_store_register(st, &url, 60, type, &dflt, &upd,
					 fresh, &src, 0, &e);
		fail_at = 0;   /* calls still says how many were made */
		if (err) {
			assert_int_equal(ENOMEM, err);
			assert_int_equal(SLP_INTERNAL_ERROR, e);
			assert_old_intact(st, &src);
		}
		else {
			assert_int_equal(1, slp_store_count(st));
			assert_int_equal(1, find(st, type, want));
			assert_int_equal(0, find(st, type, "(room=1)"));
		}
		mem_deref(st);
		if (calls < n)
			return n;   /* nothing failed in this run */
	}
}

static void failed_replacement_keeps_the_old_registration(void **state)
{
	(void)state;
	assert_true(sweep(&devtype, "(room=2),(vendor=acme),(floor=3)", true,
			  "(&(room=2)(vendor=acme))") > 3);
}

static void failed_update_keeps_the_old_registration(void **state)
{
	(void)state;
	/* an update merges: room replaced, media kept, vendor added */
	assert_true(sweep(&devtype, "(room=2),(vendor=acme)", false,
			  "(&(room=2)(media=audio)(vendor=acme))") > 3);
}

static void failed_change_of_type_keeps_the_old_registration(void **state)
{
	static const struct pl printer = PL("service:printer:lpr");
	(void)state;
	assert_true(sweep(&printer, "(room=2),(vendor=acme)", true,
			  "(room=2)") > 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(failed_replacement_keeps_the_old_registration),
		cmocka_unit_test(failed_update_keeps_the_old_registration),
		cmocka_unit_test(failed_change_of_type_keeps_the_old_registration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
