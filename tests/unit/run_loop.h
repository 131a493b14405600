/*
 * For unit tests that run libre's event loop: run_for(ms) runs it until
 * something calls re_cancel(), at most ms (real sockets, real timers). Include after cmocka.h and
 * re.h.
 */
#ifndef SIPMOB_TEST_RUN_LOOP_H
#define SIPMOB_TEST_RUN_LOOP_H

static void run_loop_cancel(void *arg)
{
	(void)arg;
	re_cancel();
}

static inline void run_for(uint64_t ms)
{
	struct tmr t;

	tmr_init(&t);
	tmr_start(&t, ms, run_loop_cancel, NULL);
	assert_int_equal(0, re_main(NULL));
	tmr_cancel(&t);
}

#endif
