/*
 * H.263+ picture sizes (spec §6.2, RFC 4629 §8.1): the size lists that the
 * command line and SLP's image-size give, and the size a sender picks from
 * the receiver's fmtp: the receiver's most preferred size the sender can
 * make, QCIF when the receiver lists none, the receiver's first when the
 * sender can make none of them. (Parsing, intersecting and printing an
 * fmtp are in test_sdp_compose.c.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sdesc.h>

static struct sdesc_h263 fmtp(const char *params)
{
	struct sdesc_h263 h;

	assert_int_equal(sdesc_h263_parse(&h, params), 0);
	return h;
}

static struct sdesc_h263 list(const char *names)
{
	struct sdesc_h263 h;

	assert_int_equal(sdesc_h263_sizes_parse(&h, names, 2, NULL, NULL), 0);
	return h;
}

static enum sdesc_h263_size chosen(const char *theirs, const char *ours)
{
	struct sdesc_h263 t = fmtp(theirs), o = list(ours);
	enum sdesc_h263_size s = SDESC_H263_NSIZES;

	assert_int_equal(sdesc_h263_choose(&t, &o, &s), 0);
	return s;
}

static void size_list_reads_largest_first_in_any_case(void **state)
{
	struct sdesc_h263 h;
	char out[64];
	(void)state;

	h = list("cif,4CIF");
	assert_int_equal(h.picc, 2);
	assert_int_equal(h.picv[0].size, SDESC_H263_CIF4);
	assert_int_equal(h.picv[1].size, SDESC_H263_CIF);
	assert_int_equal(h.picv[0].mpi, 2);

	/* fmtp gets RFC 4629 names, SLP the spec's */
	re_snprintf(out, sizeof(out), "%H", sdesc_h263_print, &h);
	assert_string_equal(out, "CIF4=2;CIF=2");
	re_snprintf(out, sizeof(out), "%H", sdesc_h263_print_names, &h);
	assert_string_equal(out, "4CIF,CIF");

	/* both spellings, spaces, a size twice */
	h = list(" QCIF , cif16,SQCIF,qcif,CIF4");
	re_snprintf(out, sizeof(out), "%H", sdesc_h263_print_names, &h);
	assert_string_equal(out, "16CIF,4CIF,QCIF,SQCIF");
}

static void size_list_refuses_unknown_and_empty_names(void **state)
{
	struct sdesc_h263 h;
	const char *bad = NULL;
	size_t badlen = 0;
	(void)state;

	assert_int_equal(sdesc_h263_sizes_parse(&h, "cif,vga", 1, &bad,
						&badlen), EINVAL);
	assert_int_equal(badlen, 3);
	assert_memory_equal(bad, "vga", 3);
	assert_int_equal(sdesc_h263_sizes_parse(&h, "", 1, &bad, &badlen),
			 EINVAL);
	assert_int_equal(badlen, 0);
	assert_int_equal(sdesc_h263_sizes_parse(&h, "cif,", 1, NULL, NULL),
			 EINVAL);
	assert_int_equal(sdesc_h263_sizes_parse(&h, ",cif", 1, NULL, NULL),
			 EINVAL);
	assert_int_equal(sdesc_h263_sizes_parse(&h, "cif", 0, NULL, NULL),
			 EINVAL);
	assert_int_equal(sdesc_h263_sizes_parse(&h, "cif", 33, NULL, NULL),
			 EINVAL);
}

static void sender_takes_the_receivers_most_preferred_size_it_can(void **s)
{
	(void)s;

	/* a wall display listing big sizes first: the biggest both do */
	assert_int_equal(chosen("CIF4=2;CIF=2", "4cif,cif,qcif"),
			 SDESC_H263_CIF4);
	assert_int_equal(chosen("CIF4=2;CIF=2", "cif,qcif"), SDESC_H263_CIF);
	assert_int_equal(chosen("16CIF=8;4CIF=6;CIF=4;QCIF=3", "cif,qcif"),
			 SDESC_H263_CIF);
	/* our default fmtp prefers QCIF: an existing call stays QCIF */
	assert_int_equal(chosen("QCIF=1;CIF=1", "cif,qcif"), SDESC_H263_QCIF);
	assert_int_equal(chosen("QCIF=1;CIF=1", "cif"), SDESC_H263_CIF);
	/* other parameters change nothing */
	assert_int_equal(chosen("MAXBR=640;CIF=2;QCIF=1", "cif,qcif"),
			 SDESC_H263_CIF);
}

static void receiver_without_sizes_gets_qcif(void **state)
{
	struct sdesc_h263 none, ours = list("cif,qcif");
	enum sdesc_h263_size s = SDESC_H263_NSIZES;
	(void)state;

	memset(&none, 0, sizeof(none));
	assert_int_equal(sdesc_h263_choose(&none, &ours, &s), 0);
	assert_int_equal(s, SDESC_H263_QCIF);
	assert_int_equal(chosen("MAX-FPS=15", "4cif,cif,qcif"),
			 SDESC_H263_QCIF);

	/* a camera that makes CIF only: QCIF all the same (what the
	 * receiver surely takes), and the caller learns it */
	ours = list("cif");
	assert_int_equal(sdesc_h263_choose(&none, &ours, &s), ENOENT);
	assert_int_equal(s, SDESC_H263_QCIF);
}

static void no_size_in_common_gives_the_receivers_first(void **state)
{
	struct sdesc_h263 t = fmtp("CIF4=2;CIF=2"), o = list("qcif,sqcif");
	enum sdesc_h263_size s = SDESC_H263_NSIZES;
	(void)state;

	assert_int_equal(sdesc_h263_choose(&t, &o, &s), ENOENT);
	assert_int_equal(s, SDESC_H263_CIF4);
	assert_int_equal(sdesc_h263_choose(NULL, &o, &s), EINVAL);
}

static void sizes_pixels_names_and_mpi(void **state)
{
	enum sdesc_h263_size s;
	unsigned w, h;
	(void)state;

	assert_int_equal(sdesc_h263_dim(SDESC_H263_CIF4, &w, &h), 0);
	assert_int_equal(w, 704);
	assert_int_equal(h, 576);
	assert_int_equal(sdesc_h263_dim(SDESC_H263_CIF16, &w, &h), 0);
	assert_int_equal(w, 1408);
	assert_int_equal(h, 1152);
	assert_int_equal(sdesc_h263_dim(SDESC_H263_NSIZES, &w, &h), EINVAL);

	assert_int_equal(sdesc_h263_size_of(352, 288, &s), 0);
	assert_int_equal(s, SDESC_H263_CIF);
	assert_int_equal(sdesc_h263_size_of(640, 480, &s), ENOENT);

	assert_string_equal(sdesc_h263_name(SDESC_H263_CIF16), "16CIF");
	assert_string_equal(sdesc_h263_name(SDESC_H263_SQCIF), "SQCIF");

	/* 30000 / 1001 / MPI frames a second */
	assert_int_equal(sdesc_h263_mpi(15), 2);
	assert_int_equal(sdesc_h263_mpi(30), 1);
	assert_int_equal(sdesc_h263_mpi(10), 3);
	assert_int_equal(sdesc_h263_mpi(1), 30);
	assert_int_equal(sdesc_h263_mpi(60), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(size_list_reads_largest_first_in_any_case),
		cmocka_unit_test(size_list_refuses_unknown_and_empty_names),
		cmocka_unit_test(sender_takes_the_receivers_most_preferred_size_it_can),
		cmocka_unit_test(receiver_without_sizes_gets_qcif),
		cmocka_unit_test(no_size_in_common_gives_the_receivers_first),
		cmocka_unit_test(sizes_pixels_names_and_mpi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
