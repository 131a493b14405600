/*
 * Transfer metrics from playout runs: a clean hand-over (overlap, no lapse),
 * a hand-over with lost packets and a silence, sequence numbers that wrap
 * between devices, the far end's stream picked among others, and a video
 * hand-over whose old place showed its last frame just before the command,
 * and a handoff whose far end starts a new stream for the new dialog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/metrics.h>

static struct metrics_run run(int src, uint32_t ssrc, uint16_t seq,
			      uint32_t n, uint64_t t0)
{
	struct metrics_run r = {src, {ssrc, seq, n, t0, t0 + 20 * (n - 1),
				      n > 1 ? 20 : 0}};
	return r;
}

/* A window from the command to its end, looking back `back` ms. */
static const struct metrics_window *win(uint64_t cmd, uint64_t end,
					uint64_t back)
{
	static struct metrics_window w;

	w = (struct metrics_window){cmd - back, cmd, end, false};
	return &w;
}

static void overlapping_handover_has_no_lapse(void **state)
{
	/* MN plays 100..199 until 3000 ms; the device from 190 at 2820 ms */
	struct metrics_run v[] = {
		run(0, 42, 100, 100, 1020),
		run(1, 42, 190, 60, 2820),
	};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 2, win(2000, 4000, 0), 1, &m), 0);
	assert_int_equal(m.ssrc, 42);
	assert_int_equal(m.lapse_packets, 0);
	assert_int_equal(m.disruption_ms, 20);
	assert_true(m.latency_known);
	assert_int_equal(m.latency_ms, 820);
}

static void lost_packets_and_silence_are_counted(void **state)
{
	/* MN last plays 149 at 2000; device first plays 155 at 2150 */
	struct metrics_run v[] = {
		run(0, 42, 100, 50, 1020),
		run(1, 42, 155, 40, 2150),
	};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 2, win(1900, 3000, 0), 1, &m), 0);
	assert_int_equal(m.lapse_packets, 5);          /* 150..154 */
	assert_int_equal(m.disruption_ms, 150);        /* 2000 -> 2150 */
	assert_int_equal(m.latency_ms, 250);
}

static void handoff_to_a_new_stream(void **state)
{
	/* MN plays SSRC 42 (100..199) until 3000; the far end's new dialog
	 * plays SSRC 77 at the device from 3060, missing 5012..5014 */
	struct metrics_run v[] = {
		run(0, 42, 100, 100, 1020),
		run(1, 77, 5000, 12, 3060),
		run(1, 77, 5015, 50, 3360),
	};
	struct metrics_window w = {2000, 2000, 5000, true};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 3, &w, 1, &m), 0);
	assert_int_equal(m.ssrc, 77);                  /* the new place's */
	assert_int_equal(m.packets, 100 + 12 + 50);
	assert_int_equal(m.lapse_packets, 3);          /* 5012..5014 */
	assert_int_equal(m.disruption_ms, 80);         /* 3280 -> 3360 */
	assert_int_equal(m.latency_ms, 1060);

	/* the same runs with one stream counted: only SSRC 42's */
	w.across_streams = false;
	assert_int_equal(metrics_compute(v, 3, &w, 1, &m), 0);
	assert_int_equal(m.ssrc, 42);
	assert_false(m.latency_known);
}

static void sequence_wrap_between_devices(void **state)
{
	struct metrics_run v[] = {
		run(0, 7, 65500, 36, 1000),     /* 65500..65535 */
		run(1, 7, 0, 50, 1720),         /* 0..49: no gap */
	};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 2, win(1000, 3000, 0), 1, &m), 0);
	assert_int_equal(m.lapse_packets, 0);
	assert_int_equal(m.disruption_ms, 20);
}

static void the_far_end_is_the_busiest_stream(void **state)
{
	struct metrics_run v[] = {
		run(1, 99, 5, 3, 1500),          /* a stray stream */
		run(0, 42, 100, 50, 1020),
		run(1, 42, 150, 50, 2020),
	};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 3, win(1000, 3100, 0), 1, &m), 0);
	assert_int_equal(m.ssrc, 42);
	assert_int_equal(m.packets, 100);
	assert_int_equal(metrics_compute(v, 3, win(9000, 9100, 0), 1, &m), ENOENT);
}

static void the_run_playing_at_the_command_counts(void **state)
{
	/* 15 fps video: the MN shows frames 0..29 until 2933 ms, the command
	 * comes at 2960, the display's first frame is 31 at 3000: frame 30
	 * was shown nowhere. */
	struct metrics_run v[] = {
		{0, {42, 0, 30, 1000, 2933, 67}},
		{1, {42, 31, 20, 3000, 4273, 67}},
	};
	struct transfer_metrics m;
	(void)state;

	/* from the command on, the MN's run is out of sight */
	assert_int_equal(metrics_compute(v, 2, win(2960, 5000, 0), 1, &m), 0);
	assert_int_equal(m.lapse_packets, 0);
	/* looking back 250 ms, the lost frame shows */
	assert_int_equal(metrics_compute(v, 2, win(2960, 5000, 250), 1, &m),
			 0);
	assert_int_equal(m.lapse_packets, 1);
	assert_int_equal(m.disruption_ms, 67);
	assert_int_equal(m.latency_ms, 40);
	assert_int_equal(m.packets, 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overlapping_handover_has_no_lapse),
		cmocka_unit_test(lost_packets_and_silence_are_counted),
		cmocka_unit_test(sequence_wrap_between_devices),
		cmocka_unit_test(handoff_to_a_new_stream),
		cmocka_unit_test(the_far_end_is_the_busiest_stream),
		cmocka_unit_test(the_run_playing_at_the_command_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
