/*
 * The SIP leg layer between two real endpoints on 127.0.0.1, in one libre
 * event loop: the held ACK of RFC 3725 flows, a rejected re-INVITE reaching
 * its sender, glare (491 both ways), CANCEL, BYE and OPTIONS. Each scenario
 * runs the loop until it finishes or a watchdog (5 s) fails it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/sipua.h>

struct side {
	struct sipep *ep;
	struct sipleg *leg;
	uint16_t last_scode;
	int last_err;
	int n_resp, n_offer, n_ack, n_close;
	int close_err;
	char ack_body[64];
	bool answer_reinvite_488;
	bool defer_reinvite;
	bool ring_only;
};

struct world {
	struct side a, b;
	struct tmr watchdog;
	struct tmr step;
	int stage;
	bool timed_out;
};

static struct mbuf *body(const char *s)
{
	struct mbuf *mb = mbuf_alloc(64);

	mbuf_write_str(mb, s);
	mb->pos = 0;
	return mb;
}

static void watchdog(void *arg)
{
	struct world *w = arg;

	w->timed_out = true;
	re_cancel();
}

static void run(struct world *w)
{
	tmr_start(&w->watchdog, 5000, watchdog, w);
	re_main(NULL);
	tmr_cancel(&w->watchdog);
	tmr_cancel(&w->step);
	assert_false(w->timed_out);
}

/* --- handlers of side B (the callee) --- */

static void b_offer(struct sipleg *leg, const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	struct mbuf *mb;
	(void)msg;

	w->b.n_offer++;
	if (w->b.defer_reinvite)
		return;
	if (w->b.answer_reinvite_488) {
		sipleg_reply(leg, 488, "Not Acceptable Here", NULL);
		return;
	}
	mb = body("answer-b");
	sipleg_reply(leg, 200, "OK", mb);
	mem_deref(mb);
}

static void b_ack(struct sipleg *leg, const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	size_t n = mbuf_get_left(msg->mb);
	(void)leg;

	w->b.n_ack++;
	n = n < sizeof(w->b.ack_body) - 1 ? n : sizeof(w->b.ack_body) - 1;
	memcpy(w->b.ack_body, mbuf_buf(msg->mb), n);
	w->b.ack_body[n] = '\0';
	if (w->stage == 0)
		re_cancel();
}

static void b_close(struct sipleg *leg, int err, const struct sip_msg *msg,
		    void *arg)
{
	struct world *w = arg;
	(void)leg;
	(void)msg;

	w->b.n_close++;
	w->b.close_err = err;
	re_cancel();
}

static void b_resp(struct sipleg *leg, int err, uint16_t scode,
		   const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	(void)leg;
	(void)msg;

	if (scode && scode < 200)
		return;
	w->b.n_resp++;
	w->b.last_err = err;
	w->b.last_scode = scode;
	if (w->stage == 2 && w->a.n_resp)
		re_cancel();
}

static const struct sipleg_handlers b_handlers = {
	.resph = b_resp, .offerh = b_offer, .ackh = b_ack, .closeh = b_close,
};

static void b_invite(struct sipep *ep, struct sipleg *leg,
		     const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	struct mbuf *mb;
	(void)ep;
	(void)msg;

	w->b.leg = mem_ref(leg);
	sipleg_set_handlers(leg, &b_handlers, w);
	if (w->b.ring_only) {
		sipleg_reply(leg, 180, "Ringing", NULL);
		return;
	}
	mb = body("answer-b");
	sipleg_reply(leg, 200, "OK", mb);
	mem_deref(mb);
}

/* --- handlers of side A (the caller) --- */

static void a_send_held_ack(void *arg)
{
	struct world *w = arg;
	struct mbuf *mb = body("held-ack-body");

	/* B must not have seen an ACK while we held it. */
	assert_int_equal(w->b.n_ack, 0);
	assert_int_equal(sipleg_ack(w->a.leg, mb), 0);
	mem_deref(mb);
}

static void a_resp(struct sipleg *leg, int err, uint16_t scode,
		   const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	(void)leg;
	(void)msg;

	if (!err && scode < 200) {
		if (scode == 180 && w->b.ring_only)
			sipleg_hangup(w->a.leg);   /* sends CANCEL */
		return;
	}
	w->a.n_resp++;
	w->a.last_err = err;
	w->a.last_scode = scode;

	if (w->stage == 0 && scode == 200)
		tmr_start(&w->step, 100, a_send_held_ack, w);
	else if (w->stage == 2 && w->b.n_resp)
		re_cancel();
	else if (w->stage == 1)
		re_cancel();
}

static void a_offer(struct sipleg *leg, const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	struct mbuf *mb = body("answer-a");
	(void)msg;

	w->a.n_offer++;
	sipleg_reply(leg, 200, "OK", mb);
	mem_deref(mb);
}

static void a_ack(struct sipleg *leg, const struct sip_msg *msg, void *arg)
{
	struct world *w = arg;
	(void)leg;
	(void)msg;

	w->a.n_ack++;
	re_cancel();
}

static void a_close(struct sipleg *leg, int err, const struct sip_msg *msg,
		    void *arg)
{
	struct world *w = arg;
	(void)leg;
	(void)msg;

	w->a.n_close++;
	w->a.close_err = err;
}

static const struct sipleg_handlers a_handlers = {
	.resph = a_resp, .offerh = a_offer, .ackh = a_ack, .closeh = a_close,
};

static int setup(void **state)
{
	static const struct sipep_conf ca = {.listen = "127.0.0.1:35060",
					     .user = "alice"};
	static const struct sipep_conf cb = {.listen = "127.0.0.1:35070",
					     .user = "bob"};
	struct world *w = calloc(1, sizeof(*w));

	assert_int_equal(libre_init(), 0);
	assert_int_equal(sipep_alloc(&w->a.ep, &ca, NULL, w), 0);
	assert_int_equal(sipep_alloc(&w->b.ep, &cb, b_invite, w), 0);
	tmr_init(&w->watchdog);
	tmr_init(&w->step);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	mem_deref(w->a.leg);
	mem_deref(w->b.leg);
	mem_deref(w->a.ep);
	mem_deref(w->b.ep);
	free(w);
	libre_close();
	return 0;
}

static void connect_a_to_b(struct world *w, bool hold)
{
	struct mbuf *offer = body("offer-a");

	assert_int_equal(sipleg_connect(&w->a.leg, w->a.ep,
					 "sip:bob@127.0.0.1:35070", NULL,
					 offer, hold, &a_handlers, w), 0);
	mem_deref(offer);
}

static void held_ack_carries_the_body_given_later(void **state)
{
	struct world *w = *state;

	connect_a_to_b(w, true);
	run(w);

	assert_int_equal(w->a.last_scode, 200);
	assert_int_equal(w->b.n_ack, 1);
	assert_string_equal(w->b.ack_body, "held-ack-body");
	assert_int_equal(sipleg_state(w->a.leg), SIPLEG_ESTABLISHED);
	assert_int_equal(sipleg_state(w->b.leg), SIPLEG_ESTABLISHED);
	assert_string_equal(sipleg_callid(w->a.leg),
			    sipleg_callid(w->b.leg));
	assert_string_equal(sipleg_local_tag(w->a.leg),
			    sipleg_remote_tag(w->b.leg));
	assert_string_equal(sipleg_remote_tag(w->a.leg),
			    sipleg_local_tag(w->b.leg));
}

static void rejected_reinvite_reaches_the_sender(void **state)
{
	struct world *w = *state;
	struct mbuf *offer = body("offer-a2");

	connect_a_to_b(w, false);
	run(w);                         /* ends at B's ACK */
	assert_int_equal(w->b.n_ack, 1);

	w->stage = 1;
	w->b.answer_reinvite_488 = true;
	assert_int_equal(sipleg_reinvite(w->a.leg, offer, false), 0);
	mem_deref(offer);
	run(w);

	assert_int_equal(w->a.last_scode, 488);
	assert_int_equal(sipleg_state(w->a.leg), SIPLEG_ESTABLISHED);
	assert_false(sipleg_busy(w->a.leg));
}

static unsigned own_resp_calls;
static uint16_t own_resp_scode;

static void own_resp(struct sipleg *leg, int err, uint16_t scode,
		     const struct sip_msg *msg, void *arg)
{
	(void)leg;
	(void)err;
	(void)msg;
	(void)arg;
	if (scode && scode < 200)
		return;
	own_resp_calls++;
	own_resp_scode = scode;
	re_cancel();
}

/* A re-INVITE sent with its own handler: its answer goes there, not to
 * the leg's handler; the next one without goes to the leg's again. */
static void reinvite_answer_reaches_its_own_handler(void **state)
{
	struct world *w = *state;
	struct mbuf *offer = body("offer-a3");
	unsigned leg_resps;

	connect_a_to_b(w, false);
	run(w);
	leg_resps = w->a.n_resp;

	w->stage = 1;
	w->b.answer_reinvite_488 = true;
	own_resp_calls = 0;
	assert_int_equal(sipleg_reinvite_h(w->a.leg, offer, false, own_resp,
					   NULL), 0);
	run(w);
	assert_int_equal(own_resp_calls, 1);
	assert_int_equal(own_resp_scode, 488);
	assert_int_equal(w->a.n_resp, leg_resps);   /* not the leg's */

	assert_int_equal(sipleg_reinvite(w->a.leg, offer, false), 0);
	mem_deref(offer);
	run(w);
	assert_int_equal(own_resp_calls, 1);
	assert_int_equal(w->a.n_resp, leg_resps + 1);
	assert_int_equal(w->a.last_scode, 488);
}

static void reinvite_from_callee_is_answered(void **state)
{
	struct world *w = *state;
	struct mbuf *offer = body("offer-b2");

	connect_a_to_b(w, false);
	run(w);

	w->stage = 3;
	assert_int_equal(sipleg_reinvite(w->b.leg, offer, false), 0);
	mem_deref(offer);
	run(w);                         /* ends at A's ACK */

	assert_int_equal(w->a.n_offer, 1);
	assert_int_equal(w->b.last_scode, 200);
	assert_int_equal(w->a.n_ack, 1);
}

static void glare_gives_491_to_both(void **state)
{
	struct world *w = *state;
	struct mbuf *oa = body("offer-a3"), *ob = body("offer-b3");

	connect_a_to_b(w, false);
	run(w);

	w->stage = 2;
	assert_int_equal(sipleg_reinvite(w->a.leg, oa, false), 0);
	assert_int_equal(sipleg_reinvite(w->b.leg, ob, false), 0);
	assert_int_equal(sipleg_reinvite(w->a.leg, oa, false), EBUSY);
	mem_deref(oa);
	mem_deref(ob);
	run(w);

	assert_int_equal(w->a.last_scode, 491);
	assert_int_equal(w->b.last_scode, 491);
}

static void cancel_ends_a_ringing_call(void **state)
{
	struct world *w = *state;

	w->b.ring_only = true;
	connect_a_to_b(w, false);
	run(w);                         /* ends at B's close */

	assert_int_equal(w->b.n_close, 1);
	assert_int_equal(w->b.close_err, ECANCELED);
	assert_int_equal(sipleg_state(w->a.leg), SIPLEG_CLOSED);
}

static void bye_closes_the_other_side(void **state)
{
	struct world *w = *state;

	connect_a_to_b(w, false);
	run(w);

	w->stage = 4;
	sipleg_hangup(w->a.leg);
	run(w);                         /* ends at B's close */

	assert_int_equal(w->b.n_close, 1);
	assert_int_equal(w->b.close_err, ECONNRESET);
	assert_int_equal(w->a.n_close, 0);   /* local hang-up: no report */
}

static int caps(struct mbuf **descp, void *arg)
{
	(void)arg;
	*descp = body("v=0\r\n");
	return 0;
}

struct options_result {
	uint16_t scode;
	bool allow_invite, accept_sdp, has_body;
};

static void options_done(int err, const struct sip_msg *msg, void *arg)
{
	struct options_result *r = arg;

	if (!err && msg) {
		r->scode = msg->scode;
		r->allow_invite = sip_msg_hdr_has_value(msg, SIP_HDR_ALLOW,
							"INVITE");
		r->accept_sdp = sip_msg_hdr_has_value(msg, SIP_HDR_ACCEPT,
						      "application/sdp");
		r->has_body = mbuf_get_left(msg->mb) > 0;
	}
	re_cancel();
}

static void options_answer_lists_capabilities(void **state)
{
	struct world *w = *state;
	struct options_result r = {0};

	sipep_set_caps_handler(w->b.ep, caps, NULL);
	assert_int_equal(sipep_options(w->a.ep, "sip:bob@127.0.0.1:35070",
				       options_done, &r), 0);
	run(w);

	assert_int_equal(r.scode, 200);
	assert_true(r.allow_invite);
	assert_true(r.accept_sdp);
	assert_true(r.has_body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			held_ack_carries_the_body_given_later, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			rejected_reinvite_reaches_the_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(
			reinvite_answer_reaches_its_own_handler, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			reinvite_from_callee_is_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(
			glare_gives_491_to_both, setup, teardown),
		cmocka_unit_test_setup_teardown(
			cancel_ends_a_ringing_call, setup, teardown),
		cmocka_unit_test_setup_teardown(
			bye_closes_the_other_side, setup, teardown),
		cmocka_unit_test_setup_teardown(
			options_answer_lists_capabilities, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
