/*
 * Transfer metrics from playout runs: a clean hand-over (overlap, no lapse),
 * a hand-over with lost packets and a silence, sequence numbers that wrap
 * between devices, and the far end's stream picked among others.
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

static void overlapping_handover_has_no_lapse(void **state)
{
	/* MN plays 100..199 until 3000 ms; the device from 190 at 2820 ms */
	struct metrics_run v[] = {
		run(0, 42, 100, 100, 1020),
		run(1, 42, 190, 60, 2820),
	};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 2, 2000, 4000, 1, &m), 0);
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

	assert_int_equal(metrics_compute(v, 2, 1900, 3000, 1, &m), 0);
	assert_int_equal(m.lapse_packets, 5);          /* 150..154 */
	assert_int_equal(m.disruption_ms, 150);        /* 2000 -> 2150 */
	assert_int_equal(m.latency_ms, 250);
}

static void sequence_wrap_between_devices(void **state)
{
	struct metrics_run v[] = {
		run(0, 7, 65500, 36, 1000),     /* 65500..65535 */
		run(1, 7, 0, 50, 1720),         /* 0..49: no gap */
	};
	struct transfer_metrics m;
	(void)state;

	assert_int_equal(metrics_compute(v, 2, 1000, 3000, 1, &m), 0);
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

	assert_int_equal(metrics_compute(v, 3, 1000, 3100, 1, &m), 0);
	assert_int_equal(m.ssrc, 42);
	assert_int_equal(m.packets, 100);
	assert_int_equal(metrics_compute(v, 3, 9000, 9100, 1, &m), ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(overlapping_handover_has_no_lapse),
		cmocka_unit_test(lost_packets_and_silence_are_counted),
		cmocka_unit_test(sequence_wrap_between_devices),
		cmocka_unit_test(the_far_end_is_the_busiest_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
