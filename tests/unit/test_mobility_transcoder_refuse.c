/*
 * The transcoder refusing INVITEs (src/mobility/transcoder.c): offers it
 * cannot serve (no pair of audio lines: 488) and SDP it cannot read (400),
 * many times over, of many sizes, from a real SIP endpoint on 127.0.0.1.
 * A refused session used to be freed twice (its close handler ended it,
 * then the INVITE handler dereferenced it again), which corrupted the heap
 * after a few dozen refusals; then one offer it can serve: 200.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/sipua.h>
#include <sipmob/transcoder.h>

enum { REFUSALS = 120 };

struct world {
	struct tcsvc *svc;
	struct sipep *ep;
	struct sipleg *leg;
	struct tmr watchdog;
	int sent, n488, n400, n200, other;
	bool timed_out;
};

static void watchdog(void *arg)
{
	struct world *w = arg;

	w->timed_out = true;
	re_cancel();
}

/* offer i: bad SDP or no audio pair, padded to a size of its own */
static struct mbuf *offer(int i)
{
	struct mbuf *mb = mbuf_alloc(512);

	if (i == REFUSALS)
		mbuf_printf(mb, "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			    "m=audio 4000 RTP/AVP 0\r\n"
			    "m=audio 4002 RTP/AVP 0\r\n");
	else if (i % 2)
		mbuf_printf(mb, "v=0\r\nm=audio x RTP/AVP\r\n");
	else
		mbuf_printf(mb, "v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			    "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			    "m=video 4000 RTP/AVP 31\r\n");
	for (int k = 0; k < (i * 37) % 250; k++)
		mbuf_write_str(mb, "a=x:padding\r\n");
	mb->pos = 0;
	return mb;
}

static void next(struct world *w);

static void resp(struct sipleg *leg, int err, uint16_t scode,
		 const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	(void)leg;
	(void)msg;

	if (!err && scode < 200)
		return;
	if (scode == 488)
		w->n488++;
	else if (scode == 400)
		w->n400++;
	else if (scode == 200)
		w->n200++;
	else
		w->other++;
	if (scode == 200) {
		re_cancel();
		return;
	}
	w->leg = mem_deref(w->leg);
	next(w);
}

static const struct sipleg_handlers handlers = {.resph = resp};

static void next(struct world *w)
{
	struct mbuf *mb = offer(w->sent++);

	assert_int_equal(sipleg_connect(&w->leg, w->ep,
					 "sip:transcoder@127.0.0.1:35190",
					 NULL, mb, false, &handlers, w), 0);
	mem_deref(mb);
}

static int streams(struct world *w)
{
	struct odict *reply;
	const struct odict_entry *e;
	char *argv[] = {"status"};
	int n;

	assert_int_equal(odict_alloc(&reply, 16), 0);
	assert_int_equal(tcsvc_command(w->svc, 1, argv, reply), 0);
	e = odict_lookup(reply, "streams");
	n = e && e->type == ODICT_ARRAY ?
		(int)odict_count(e->u.odict, false) : -1;
	mem_deref(reply);
	return n;
}

static void refusals_free_each_session_once(void **state)
{
	static const struct tcsvc_conf tc = {
		.sip_listen = "127.0.0.1:35190", .no_slp = true,
		.threads = 1, .port_min = 36100, .port_max = 36199,
		.max_wake_us = -1,
	};
	static const struct sipep_conf ec = {.listen = "127.0.0.1:35191",
					     .user = "caller"};
	struct world w;
	(void)state;

	memset(&w, 0, sizeof(w));
	assert_int_equal(libre_init(), 0);
	assert_int_equal(tcsvc_alloc(&w.svc, &tc), 0);
	assert_int_equal(sipep_alloc(&w.ep, &ec, NULL, &w), 0);
	tmr_init(&w.watchdog);

	next(&w);
	tmr_start(&w.watchdog, 20000, watchdog, &w);
	re_main(NULL);
	tmr_cancel(&w.watchdog);

	assert_false(w.timed_out);
	assert_int_equal(w.n488, REFUSALS / 2);
	assert_int_equal(w.n400, REFUSALS / 2);
	assert_int_equal(w.other, 0);
	assert_int_equal(w.n200, 1);   /* and it still serves */
	assert_int_equal(streams(&w), 1);

	mem_deref(w.leg);
	mem_deref(w.ep);
	mem_deref(w.svc);
	libre_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusals_free_each_session_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
