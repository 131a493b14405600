/*
 * The playout log: consecutive packets form one run with its pause
 * measured; gaps, other SSRCs and wrap-around are handled; the ring forgets
 * the oldest run when full; queries by time return what ended since then.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media_playlog.h>

static void consecutive_packets_make_one_run(void **state)
{
	struct playlog *pl;
	struct playlog_run r[4];
	(void)state;

	assert_int_equal(playlog_alloc(&pl, 8), 0);
	for (int i = 0; i < 50; i++)
		playlog_add(pl, 7, (uint16_t)(100 + i),
			    1000 + 20 * (uint64_t)i + (i >= 30 ? 45 : 0));
	assert_int_equal(playlog_runs(pl, 0, r, 4), 1);
	assert_int_equal(r[0].seq, 100);
	assert_int_equal(r[0].n, 50);
	assert_int_equal(r[0].t0_ms, 1000);
	assert_int_equal(r[0].t1_ms, 1000 + 20 * 49 + 45);
	assert_int_equal(r[0].max_gap_ms, 65);   /* 20 + 45 late */
	mem_deref(pl);
}

static void a_gap_or_another_ssrc_opens_a_run(void **state)
{
	struct playlog *pl;
	struct playlog_run r[8];
	(void)state;

	assert_int_equal(playlog_alloc(&pl, 8), 0);
	playlog_add(pl, 7, 1, 10);
	playlog_add(pl, 7, 2, 30);
	playlog_add(pl, 7, 5, 50);      /* gap: 3 and 4 lost */
	playlog_add(pl, 9, 500, 55);    /* another SSRC between */
	playlog_add(pl, 7, 6, 70);      /* continues the run of 5 */
	playlog_add(pl, 9, 501, 75);
	assert_int_equal(playlog_runs(pl, 0, r, 8), 3);
	assert_int_equal(r[0].n, 2);
	assert_int_equal(r[1].seq, 5);
	assert_int_equal(r[1].n, 2);
	assert_int_equal(r[2].ssrc, 9);
	assert_int_equal(r[2].n, 2);
	mem_deref(pl);
}

/* A sender whose media were elsewhere for a while goes on with the next
 * sequence number: the pause is a run's end, so that the time it lasted
 * can be set against what other places played meanwhile. */
static void a_long_pause_ends_the_run(void **state)
{
	struct playlog *pl = NULL;
	struct playlog_run r[4];
	(void)state;

	assert_int_equal(playlog_alloc(&pl, 8), 0);
	playlog_add(pl, 7, 1, 1000);
	playlog_add(pl, 7, 2, 1000 + PLAYLOG_PAUSE_MS);        /* still on */
	playlog_add(pl, 7, 3, 1001 + 2 * PLAYLOG_PAUSE_MS);    /* too late */
	assert_int_equal(playlog_runs(pl, 0, r, 4), 2);
	assert_int_equal(r[0].seq, 1);
	assert_int_equal(r[0].n, 2);
	assert_int_equal(r[0].max_gap_ms, PLAYLOG_PAUSE_MS);
	assert_int_equal(r[1].seq, 3);
	assert_int_equal(r[1].n, 1);
	assert_int_equal(r[1].t0_ms, 1001 + 2 * PLAYLOG_PAUSE_MS);
	mem_deref(pl);
}

static void runs_continue_across_the_wrap(void **state)
{
	struct playlog *pl;
	struct playlog_run r[2];
	(void)state;

	assert_int_equal(playlog_alloc(&pl, 4), 0);
	playlog_add(pl, 1, 65534, 0);
	playlog_add(pl, 1, 65535, 20);
	playlog_add(pl, 1, 0, 40);
	playlog_add(pl, 1, 1, 60);
	assert_int_equal(playlog_runs(pl, 0, r, 2), 1);
	assert_int_equal(r[0].n, 4);
	mem_deref(pl);
}

static void the_ring_keeps_the_newest_and_filters_by_time(void **state)
{
	struct playlog *pl;
	struct playlog_run r[8];
	(void)state;

	assert_int_equal(playlog_alloc(&pl, 3), 0);
	for (int i = 0; i < 5; i++)     /* five runs: every seq skips one */
		playlog_add(pl, 1, (uint16_t)(2 * i), 100 * (uint64_t)i);
	assert_int_equal(playlog_runs(pl, 0, r, 8), 3);
	assert_int_equal(r[0].seq, 4);
	assert_int_equal(r[2].seq, 8);
	assert_int_equal(playlog_runs(pl, 350, r, 8), 1);
	assert_int_equal(r[0].t0_ms, 400);
	assert_true(playlog_now_ms() > 1600000000000ULL);
	mem_deref(pl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(consecutive_packets_make_one_run),
		cmocka_unit_test(a_gap_or_another_ssrc_opens_a_run),
		cmocka_unit_test(a_long_pause_ends_the_run),
		cmocka_unit_test(runs_continue_across_the_wrap),
		cmocka_unit_test(the_ring_keeps_the_newest_and_filters_by_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
