/**
 * @file test_media_jitbuf.c  The jitter buffer plays in sequence order,
 * conceals what is missing, drops what comes too late, and its delay
 * follows the jitter up and back down.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/media_jitbuf.h>

enum { CLOCK = 8000, PTIME = 20, TS = 160 };

static struct jitbuf_frame fr;

static int put(struct jitbuf *jb, uint16_t seq, uint64_t now)
{
	uint8_t p[4] = {(uint8_t)seq, 1, 2, 3};

	return jitbuf_put(jb, 0x1234, seq, (uint32_t)seq * TS, seq, now, p,
			sizeof(p));
}


static void plays_in_order_without_loss(void **state)
{
	struct jitbuf *jb = NULL;
	struct jitbuf_stats st;
	unsigned played = 0;
	uint16_t want = 100;
	(void)state;

	assert_int_equal(0, jitbuf_alloc(&jb, CLOCK, PTIME, 0, 200));
	for (unsigned i = 0; i < 200; i++) {
		uint64_t t = 1000 + i * PTIME;

		assert_int_equal(0, put(jb, (uint16_t)(100 + i), t));
		if (jitbuf_get(jb, t + 5, &fr) == JITBUF_FRAME) {
			assert_int_equal(want, fr.seq);
			++want;
			++played;
		}
	}
	jitbuf_stats(jb, &st);
	assert_true(played >= 198);
	assert_int_equal(0, st.concealed);
	assert_int_equal(0, st.late);
	assert_true(st.delay_ms <= PTIME);
	mem_deref(jb);
}


static void reorders_by_sequence(void **state)
{
	struct jitbuf *jb = NULL;
	(void)state;

	assert_int_equal(0, jitbuf_alloc(&jb, CLOCK, PTIME, 40, 200));
	assert_int_equal(0, put(jb, 11, 1000));
	assert_int_equal(0, put(jb, 10, 1001));   /* filling: earlier one */
	assert_int_equal(0, put(jb, 13, 1002));
	assert_int_equal(0, put(jb, 12, 1003));
	assert_int_equal(EALREADY, put(jb, 12, 1004));   /* duplicate */

	assert_int_equal(JITBUF_NONE, jitbuf_get(jb, 1010, &fr)); /* filling */
	for (uint16_t s = 10; s <= 13; s++) {
		assert_int_equal(JITBUF_FRAME,
				 jitbuf_get(jb, 1040 + (s - 10u) * 20, &fr));
		assert_int_equal(s, fr.seq);
		assert_int_equal((uint8_t)s, fr.payload[0]);
	}
	mem_deref(jb);
}


static void conceals_a_loss_and_plays_or_drops_late_packets(void **state)
{
	struct jitbuf *jb = NULL;
	struct jitbuf_stats st;
	(void)state;

	assert_int_equal(0, jitbuf_alloc(&jb, CLOCK, PTIME, 0, 200));
	assert_int_equal(0, put(jb, 1, 1000));
	assert_int_equal(0, put(jb, 3, 1040));          /* 2 is missing */
	assert_int_equal(0, put(jb, 4, 1045));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1041, &fr));
	assert_int_equal(1, fr.seq);
	assert_int_equal(JITBUF_CONCEAL, jitbuf_get(jb, 1061, &fr));
	/* one frame after its turn: played in the frame inserted to grow */
	assert_int_equal(0, put(jb, 2, 1062));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1081, &fr));
	assert_int_equal(2, fr.seq);
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1101, &fr));
	assert_int_equal(3, fr.seq);
	/* 5 missing, then two frames late: dropped */
	assert_int_equal(0, put(jb, 6, 1105));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1121, &fr));
	assert_int_equal(4, fr.seq);
	assert_int_equal(JITBUF_CONCEAL, jitbuf_get(jb, 1141, &fr));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1161, &fr));
	assert_int_equal(6, fr.seq);
	assert_int_equal(EALREADY, put(jb, 5, 1162));
	assert_int_equal(JITBUF_CONCEAL, jitbuf_get(jb, 1181, &fr)); /* grows */

	jitbuf_stats(jb, &st);
	assert_int_equal(2, st.concealed);
	assert_int_equal(2, st.late);
	assert_int_equal(1, st.late_dropped);
	assert_int_equal(2, st.stretched);
	assert_int_equal(5, st.frames);

	/* nothing for JITBUF_IDLE_MS: stopped, nothing more concealed */
	for (uint64_t t = 1201; t < 1201 + 2 * JITBUF_IDLE_MS; t += PTIME)
		(void)jitbuf_get(jb, t, &fr);
	jitbuf_stats(jb, &st);
	assert_true(st.concealed <= 2 + JITBUF_IDLE_MS / PTIME);
	assert_int_equal(JITBUF_NONE, jitbuf_get(jb, 5000, &fr));
	mem_deref(jb);
}


/* Packets sent every 20 ms arrive with a delay of `base` plus up to
 * `jit` ms (never reordered); the card takes a frame every 20 ms. */
static void run(struct jitbuf *jb, uint16_t *seq, uint64_t *t0, unsigned n,
		unsigned jit, unsigned *conceal)
{
	uint64_t arrive[1024];
	uint64_t prev = 0;
	unsigned next = 0;

	assert_true(n <= 1024);
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = *t0 + i * PTIME + 50 +
			(jit ? (uint64_t)((i * 7919u) % (jit + 1)) : 0);

		arrive[i] = a > prev ? a : prev;
		prev = arrive[i];
	}
	for (uint64_t t = *t0; t < *t0 + n * PTIME; t++) {
		while (next < n && arrive[next] <= t) {
			(void)put(jb, (uint16_t)(*seq + next), t);
			++next;
		}
		if ((t - *t0) % PTIME == 7 &&
		    jitbuf_get(jb, t, &fr) == JITBUF_CONCEAL)
			++*conceal;
	}
	*seq = (uint16_t)(*seq + n);
	*t0 += n * PTIME;
}


static void delay_follows_jitter_up_and_down(void **state)
{
	struct jitbuf *jb = NULL;
	struct jitbuf_stats st0, st1, st2;
	uint16_t seq = 65000;      /* wraps on the way */
	uint64_t t = 10000;
	unsigned c0 = 0, c1 = 0, c2 = 0;
	(void)state;

	assert_int_equal(0, jitbuf_alloc(&jb, CLOCK, PTIME, 0, 300));

	run(jb, &seq, &t, 500, 0, &c0);            /* 10 s, no jitter */
	jitbuf_stats(jb, &st0);
	run(jb, &seq, &t, 1000, 60, &c1);          /* 20 s, 60 ms     */
	jitbuf_stats(jb, &st1);
	run(jb, &seq, &t, 1000, 0, &c2);           /* 20 s, none      */
	jitbuf_stats(jb, &st2);

	print_message("no jitter: jitter %u target %u delay %u\n",
		      st0.jitter_ms, st0.target_ms, st0.delay_ms);
	print_message("60 ms:     jitter %u target %u delay %u late %llu\n",
		      st1.jitter_ms, st1.target_ms, st1.delay_ms,
		      (unsigned long long)st1.late);
	print_message("back:      jitter %u target %u delay %u shrunk %llu\n",
		      st2.jitter_ms, st2.target_ms, st2.delay_ms,
		      (unsigned long long)st2.shrunk);

	assert_true(st0.target_ms <= 5);
	assert_true(st0.delay_ms < PTIME);
	assert_int_equal(0, c0);

	assert_true(st1.jitter_ms >= 10);
	assert_true(st1.target_ms >= 30);
	assert_true(st1.delay_ms >= st0.delay_ms + 20);
	/* it grew: only the first window's packets can have been late */
	assert_true(st1.late <= 10);

	assert_true(st2.jitter_ms < 3);
	assert_true(st2.target_ms <= 10);
	assert_true(st2.shrunk > st1.shrunk);
	assert_true(st2.delay_ms + 20 <= st1.delay_ms);
	assert_true(st2.delay_ms < 2 * PTIME);
	assert_int_equal(0, st2.resets);
	mem_deref(jb);
}


static void new_sender_restarts(void **state)
{
	struct jitbuf *jb = NULL;
	struct jitbuf_stats st;
	uint8_t p[2] = {1, 2};
	(void)state;

	assert_int_equal(0, jitbuf_alloc(&jb, CLOCK, PTIME, 0, 200));
	assert_int_equal(0, put(jb, 5, 1000));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1001, &fr));
	assert_int_equal(0, jitbuf_put(jb, 0x9999, 40000, 0, 40000, 1020, p, 2));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1021, &fr));
	assert_int_equal(40000, fr.seq);
	assert_int_equal(0x9999, fr.ssrc);
	jitbuf_stats(jb, &st);
	assert_int_equal(1, st.resets);
	assert_int_equal(EMSGSIZE, jitbuf_put(jb, 1, 1, 1, 1, 1, p,
					    JITBUF_MAX_PAYLOAD + 1));
	assert_int_equal(EINVAL, jitbuf_alloc(&jb, 0, PTIME, 0, 1));
	mem_deref(jb);
}


/* A move of the far end's media: a bridge's packets (one SSRC), then the
 * far end's own (another, with other numbers) while some of the first are
 * still buffered: all are played, the first sender's first, no gap */
static void a_new_sender_follows_the_old(void **state)
{
	struct jitbuf *jb = NULL;
	struct jitbuf_stats st;
	uint8_t p[2] = {1, 2};
	(void)state;

	assert_int_equal(0, jitbuf_alloc(&jb, CLOCK, PTIME, 40, 200));
	assert_int_equal(0, jitbuf_put(jb, 0xaaaa, 100, 0, 100, 1000, p, 2));
	assert_int_equal(0, jitbuf_put(jb, 0xaaaa, 101, 160, 101, 1020, p, 2));
	assert_int_equal(0, jitbuf_put(jb, 0xbbbb, 7000, 9, 7000, 1030, p, 2));
	assert_int_equal(0, jitbuf_put(jb, 0xbbbb, 7001, 169, 7001, 1040, p, 2));
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1041, &fr));
	assert_int_equal(100, fr.seq);
	assert_int_equal(0xaaaa, fr.ssrc);
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1061, &fr));
	assert_int_equal(101, fr.seq);
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1081, &fr));
	assert_int_equal(7000, fr.seq);
	assert_int_equal(0xbbbb, fr.ssrc);
	assert_int_equal(JITBUF_FRAME, jitbuf_get(jb, 1101, &fr));
	assert_int_equal(7001, fr.seq);
	jitbuf_stats(jb, &st);
	assert_int_equal(0, st.concealed);
	assert_int_equal(1, st.resets);
	mem_deref(jb);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plays_in_order_without_loss),
		cmocka_unit_test(reorders_by_sequence),
		cmocka_unit_test(conceals_a_loss_and_plays_or_drops_late_packets),
		cmocka_unit_test(delay_follows_jitter_up_and_down),
		cmocka_unit_test(new_sender_restarts),
		cmocka_unit_test(a_new_sender_follows_the_old),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
