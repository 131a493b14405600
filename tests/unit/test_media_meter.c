/**
 * @file test_media_meter.c  The meter counts what arrived per SSRC (gaps,
 * reordering, duplicates, wrap-around), what was played, and keeps the
 * played numbers as ranges a mobility layer can union into a lapse.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media.h>

static int setup(void **state)
{
	struct meter *m = NULL;

	if (meter_alloc(&m))
		return -1;
	*state = m;

	return 0;
}


static int teardown(void **state)
{
	mem_deref(*state);

	return 0;
}


static struct meter_rx rx(struct meter *m, uint32_t ssrc, uint16_t seq,
			  uint64_t now)
{
	struct meter_rx r;

	assert_int_equal(0, meter_rx(m, ssrc, seq, 160, now, &r));

	return r;
}


static struct meter_stats stats(struct meter *m, uint32_t ssrc)
{
	struct meter_stats st;

	assert_int_equal(0, meter_stats(m, ssrc, &st));

	return st;
}


static void in_order_stream_has_no_loss(void **state)
{
	struct meter *m = *state;
	struct meter_stats st;

	for (uint16_t s = 100; s < 200; s++)
		assert_false(rx(m, 7, s, 1000 + s).dup);

	st = stats(m, 7);
	assert_int_equal(100, st.packets);
	assert_int_equal(16000, st.bytes);
	assert_int_equal(100, st.expected);
	assert_int_equal(0, st.lost);
	assert_int_equal(0, st.dups);
	assert_int_equal(0, st.reordered);
	assert_int_equal(1100, st.first_ms);
	assert_int_equal(1199, st.last_ms);
	assert_int_equal(99, st.max_ext - st.first_ext);
}


static void gaps_count_as_lost(void **state)
{
	struct meter *m = *state;
	struct meter_stats st;

	for (uint16_t s = 0; s < 50; s++) {
		if (s >= 10 && s < 15)
			continue;        /* 5 lost */
		if (s == 30)
			continue;        /* 1 lost */
		rx(m, 1, s, s);
	}

	st = stats(m, 1);
	assert_int_equal(44, st.packets);
	assert_int_equal(50, st.expected);
	assert_int_equal(6, st.lost);
}


static void reordered_packet_fills_its_gap(void **state)
{
	struct meter *m = *state;
	struct meter_stats st;
	struct meter_rx r;

	rx(m, 1, 1, 0);
	rx(m, 1, 2, 0);
	rx(m, 1, 4, 0);
	assert_int_equal(1, stats(m, 1).lost);

	r = rx(m, 1, 3, 0);
	assert_true(r.reordered);
	assert_false(r.dup);

	/* a packet older than the first one seen extends the range */
	r = rx(m, 1, 0, 0);
	assert_true(r.reordered);

	st = stats(m, 1);
	assert_int_equal(5, st.packets);
	assert_int_equal(2, st.reordered);
	assert_int_equal(0, st.lost);
	assert_int_equal(5, st.expected);
}


static void duplicates_are_flagged_not_counted(void **state)
{
	struct meter *m = *state;
	struct meter_stats st;

	rx(m, 1, 10, 0);
	rx(m, 1, 11, 0);
	assert_true(rx(m, 1, 11, 0).dup);   /* the newest again */
	rx(m, 1, 12, 0);
	assert_true(rx(m, 1, 10, 0).dup);   /* an older one again */
	rx(m, 1, 14, 0);
	assert_false(rx(m, 1, 13, 0).dup);  /* late, not a duplicate */
	assert_true(rx(m, 1, 13, 0).dup);

	st = stats(m, 1);
	assert_int_equal(5, st.packets);
	assert_int_equal(3, st.dups);
	assert_int_equal(0, st.lost);
}


static void sequence_wraps_at_65535(void **state)
{
	struct meter *m = *state;
	struct meter_stats st;
	uint64_t ext[12];
	int i = 0;

	for (uint32_t s = 65530; s < 65530 + 12; s++)
		ext[i++] = rx(m, 9, (uint16_t)s, 0).ext;

	for (i = 1; i < 12; i++)
		assert_int_equal(ext[i - 1] + 1, ext[i]);

	/* a late packet from before the wrap lands before it */
	rx(m, 9, 6, 0);
	rx(m, 9, 8, 0);
	assert_int_equal(ext[0] - 1, rx(m, 9, 65529, 0).ext);
	assert_int_equal(ext[11] + 2, rx(m, 9, 7, 0).ext);

	st = stats(m, 9);
	assert_int_equal(16, st.packets);
	assert_int_equal(16, st.expected);
	assert_int_equal(0, st.lost);

	/* wrapping many times stays consistent */
	for (uint32_t k = 0; k < 3 * 65536; k += 1000)
		rx(m, 10, (uint16_t)k, 0);
	st = stats(m, 10);
	assert_int_equal((3 * 65536 - 1) / 1000 * 1000, st.max_ext - st.first_ext);
}


static void two_ssrcs_are_kept_apart(void **state)
{
	struct meter *m = *state;
	uint32_t v[4];
	struct meter_stats st;

	assert_true(rx(m, 0xaaaa, 500, 10).new_ssrc);
	assert_true(rx(m, 0xbbbb, 40000, 20).new_ssrc);
	assert_false(rx(m, 0xaaaa, 501, 30).new_ssrc);
	rx(m, 0xbbbb, 40002, 40);

	assert_int_equal(2, meter_ssrcs(m, v, 4));
	assert_int_equal(0xaaaa, v[0]);
	assert_int_equal(0xbbbb, v[1]);

	st = stats(m, 0xaaaa);
	assert_int_equal(2, st.packets);
	assert_int_equal(0, st.lost);
	assert_int_equal(10, st.first_ms);
	assert_int_equal(30, st.last_ms);

	st = stats(m, 0xbbbb);
	assert_int_equal(2, st.packets);
	assert_int_equal(1, st.lost);

	assert_int_equal(ENOENT, meter_stats(m, 0xcccc, &st));
}


static void a_flood_of_ssrcs_is_bounded(void **state)
{
	struct meter *m = *state;
	struct meter_stats st;
	uint32_t v[METER_MAX_SSRCS + 1];

	/* the real stream, played */
	meter_played(m, 1, rx(m, 1, 100, 0).ext);

	/* spoofed datagrams, each with its own SSRC */
	for (uint32_t s = 1000; s < 1100; s++)
		rx(m, s, 0, s);

	assert_int_equal(METER_MAX_SSRCS, meter_ssrcs(m, v, ARRAY_SIZE(v)));
	assert_int_equal(0, meter_stats(m, 1, &st));
	assert_int_equal(1, st.played);

	/* the newest spoofed ones are kept, the oldest went */
	assert_int_equal(0, meter_stats(m, 1099, &st));
	assert_int_equal(ENOENT, meter_stats(m, 1000, &st));

	/* and the real stream goes on */
	rx(m, 1, 101, 200);
	assert_int_equal(0, meter_stats(m, 1, &st));
	assert_int_equal(2, st.packets);
}


static void played_packets_are_recorded_as_ranges(void **state)
{
	struct meter *m = *state;
	const struct seqset *set;
	uint64_t base = 0, a, b;

	for (uint16_t s = 0; s < 20; s++) {
		uint64_t e = rx(m, 5, s, 0).ext;

		if (!s)
			base = e;
		if (s == 7 || s == 8)
			continue;          /* not played */
		assert_int_equal(0, meter_played(m, 5, e));
	}
	assert_int_equal(0, meter_played(m, 5, base));   /* again: once */
	assert_int_equal(ENOENT, meter_played(m, 6, base));

	assert_int_equal(18, stats(m, 5).played);

	set = meter_played_set(m, 5);
	assert_non_null(set);
	assert_int_equal(2, seqset_nranges(set));
	assert_int_equal(0, seqset_range(set, 0, &a, &b));
	assert_int_equal(base, a);
	assert_int_equal(base + 6, b);
	assert_int_equal(0, seqset_range(set, 1, &a, &b));
	assert_int_equal(base + 9, a);
	assert_int_equal(base + 19, b);
	assert_int_equal(2, seqset_missing(set, base, base + 19));
	assert_null(meter_played_set(m, 6));
}


static void tx_side_is_counted(void **state)
{
	struct meter *m = *state;
	uint64_t p, b;

	meter_tx(m, 160);
	meter_tx(m, 80);
	meter_tx_stats(m, &p, &b);
	assert_int_equal(2, p);
	assert_int_equal(240, b);
}


static void seqset_merges_and_counts(void **state)
{
	struct seqset *s = NULL, *t = NULL;
	uint64_t a, b;
	(void)state;

	assert_int_equal(0, seqset_alloc(&s));
	assert_int_equal(0, seqset_alloc(&t));

	seqset_add_range(s, 100, 109);
	seqset_add_range(s, 120, 129);
	seqset_add(s, 50);
	seqset_add(s, 115);
	assert_int_equal(4, seqset_nranges(s));
	assert_int_equal(22, seqset_count(s));

	/* a range bridging three ranges merges them */
	seqset_add_range(s, 110, 119);
	assert_int_equal(2, seqset_nranges(s));
	seqset_range(s, 1, &a, &b);
	assert_int_equal(100, a);
	assert_int_equal(129, b);

	/* adjacent numbers join */
	seqset_add(s, 51);
	seqset_add(s, 49);
	assert_int_equal(2, seqset_nranges(s));
	assert_true(seqset_contains(s, 49));
	assert_false(seqset_contains(s, 52));
	assert_false(seqset_contains(s, 130));

	/* lapse of two devices: each misses packets, the union only 60..99 */
	seqset_add_range(t, 52, 59);
	seqset_add_range(t, 125, 140);
	assert_int_equal(0, seqset_union(s, t));
	assert_int_equal(40, seqset_missing(s, 49, 140));
	assert_int_equal(0, seqset_missing(s, 100, 140));
	assert_int_equal(5, seqset_missing(s, 141, 145));
	assert_int_equal(10, seqset_missing(NULL, 1, 10));
	assert_int_equal(EINVAL, seqset_add_range(s, 5, 4));
	assert_int_equal(EINVAL, seqset_range(s, 9, &a, &b));

	mem_deref(s);
	mem_deref(t);
}


static void many_gaps_grow_the_set(void **state)
{
	struct seqset *s = NULL;
	(void)state;

	assert_int_equal(0, seqset_alloc(&s));

	/* every other number, inserted backwards: worst case */
	for (uint64_t v = 2000; v > 0; v -= 2)
		assert_int_equal(0, seqset_add(s, v));
	assert_int_equal(1000, seqset_nranges(s));
	assert_int_equal(1000, seqset_count(s));

	/* filling the holes joins everything */
	for (uint64_t v = 1; v < 2000; v += 2)
		assert_int_equal(0, seqset_add(s, v));
	assert_int_equal(1, seqset_nranges(s));
	assert_int_equal(2000, seqset_count(s));

	mem_deref(s);
}


static void unwrap_picks_the_nearest_cycle(void **state)
{
	(void)state;

	assert_int_equal(65536 + 5, meter_seq_unwrap(65530, 5));
	assert_int_equal(65530, meter_seq_unwrap(65536 + 5, 65530));
	assert_int_equal(3 * 65536 + 100, meter_seq_unwrap(3 * 65536 + 90, 100));
	assert_int_equal(65535, meter_seq_unwrap(10, 65535));
}


#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(in_order_stream_has_no_loss),
		T(gaps_count_as_lost),
		T(reordered_packet_fills_its_gap),
		T(duplicates_are_flagged_not_counted),
		T(sequence_wraps_at_65535),
		T(two_ssrcs_are_kept_apart),
		T(a_flood_of_ssrcs_is_bounded),
		T(played_packets_are_recorded_as_ranges),
		T(tx_side_is_counted),
		cmocka_unit_test(seqset_merges_and_counts),
		cmocka_unit_test(many_gaps_grow_the_set),
		cmocka_unit_test(unwrap_picks_the_nearest_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
