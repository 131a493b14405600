/*
 * One transfer of Mobile Node Control (spec §5.2, xfer.c) driven through
 * its phases against scripted peers, in one process and one libre loop: a
 * real mobile node on 127.0.0.1:26060, a correspondent node (CN) on :26070
 * and a device on :26080 (ports below the kernel's ephemeral range, so no
 * client socket elsewhere holds them), both plain SIP endpoints that answer
 * each INVITE and re-INVITE from a script: 200 with a canned SDP (their own
 * c=/m=; no RTP needs to flow), 603, 488, 491, ringing forever, 200 with
 * the audio refused (port 0), 200 with a body that is not SDP.
 *
 * Each scenario runs the loop until what it waits for has happened, or a
 * bound passes and fails it. Nothing asserts inside a callback: callbacks
 * record, the scenario asserts after the loop stops. Leaks and stray
 * memory accesses show under `make check-asan`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/playout.h>
#include "mobility/mn_priv.h"

#define MN_LISTEN  "127.0.0.1:26060"
#define CN_LISTEN  "127.0.0.1:26070"
#define DEV_LISTEN "127.0.0.1:26080"
#define CN_URI     "sip:cn@" CN_LISTEN
#define DEV_URI    "sip:dev@" DEV_LISTEN

enum {
	CN_PORT   = 26300,   /* the CN's audio, as its SDP says      */
	DEV_PORT  = 26400,   /* the device's audio                   */
	SAFETY_MS = 50,
	DEVICE_TIMEOUT_MS = 500,
	MAX_OFFERS = 8,
};

/* ---- a scripted peer ----------------------------------------------------- */

/** What a peer answers to one INVITE or re-INVITE */
enum answer {
	ANS_200 = 0,     /* 200 with its canned SDP                  */
	ANS_603,
	ANS_488,
	ANS_491,
	ANS_RING,        /* 180, then nothing: ringing forever       */
	ANS_PORT0,       /* 200 whose SDP refuses the audio (port 0) */
	ANS_BAD_SDP,     /* 200 whose body is not SDP                */
};

struct world;

struct peer {
	struct world *w;
	const char *name;
	struct sipep *ep;
	struct sipleg *leg;          /* its dialog with the MN             */
	uint16_t port;               /* its audio port                     */
	const char *dir;             /* direction in its SDP               */
	unsigned dead_lines;         /* port-0 m-lines before its audio    */
	uint64_t ver;                /* o= version of its last SDP         */

	/* the script: [0] answers the INVITE, [k] the k-th re-INVITE; 200
	 * when not given */
	enum answer script[MAX_OFFERS];
	uint32_t delay_ms;           /* its INVITE is answered this late   */
	uint32_t info_delay_ms;      /* its playout report comes this late */

	/* what it saw */
	unsigned n_invite, n_reinvite, n_ack, n_info;
	unsigned n_bye, n_cancel, n_refused;
	bool ack_before_bye;
	uint32_t offer_cseq[MAX_OFFERS];   /* each re-INVITE's CSeq,    */
	uint64_t offer_ver[MAX_OFFERS];    /* o= version,               */
	uint16_t offer_port[MAX_OFFERS];   /* audio port,               */
	enum sdesc_dir offer_dir[MAX_OFFERS];  /* its direction,        */
	uint64_t offer_ms[MAX_OFFERS];     /* and when it came          */
	unsigned n_resp;             /* final answers to its own INVITEs   */
	uint16_t resp_scode;         /* the last one (0: none came)        */

	struct tmr tmr_answer;
	enum answer pending;
	struct tmr tmr_info;
	struct sip_strans *info_st;
	const struct sip_msg *info_msg;
};

struct world {
	struct mn *mn;
	struct peer cn, dev;
	uint16_t mn_port;            /* the MN's own audio port            */

	/* the wait in progress */
	bool (*until)(const struct world *w);
	struct tmr watchdog;

	/* the transfer's end, as xfer_done_h told it */
	unsigned n_done;
	int done_err;
	struct last_transfer lt;

	/* SIP the MN sent and received (its trace) */
	unsigned mn_tx;
	unsigned mn_rx_info_200;
};

/* Every event: stop the loop if what the scenario waits for is there. */
static void wake(struct world *w)
{
	if (w->until && w->until(w))
		re_cancel();
}

/* The peer's SDP: its dead lines, then its audio (port 0 when refused). */
static struct mbuf *peer_sdp(struct peer *p, enum answer a)
{
	struct mbuf *mb = mbuf_alloc(512);

	if (!mb)
		return NULL;
	if (a == ANS_BAD_SDP) {
		(void)mbuf_write_str(mb, "v=0\r\nthis is not SDP\r\n");
		mb->pos = 0;
		return mb;
	}
	(void)mbuf_printf(mb, "v=0\r\no=%s 4242 %llu IN IP4 127.0.0.1\r\n"
			  "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n", p->name,
			  (unsigned long long)++p->ver);
	for (unsigned i = 0; i < p->dead_lines; i++)
		(void)mbuf_write_str(mb, "m=audio 0 RTP/AVP 0\r\n");
	(void)mbuf_printf(mb, "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
			  "a=%s\r\n", a == ANS_PORT0 ? 0 : p->port, p->dir);
	mb->pos = 0;
	return mb;
}

static void peer_reply(struct peer *p, enum answer a)
{
	struct mbuf *mb;

	switch (a) {

	case ANS_603:
		(void)sipleg_reply(p->leg, 603, "Decline", NULL);
		break;
	case ANS_488:
		(void)sipleg_reply(p->leg, 488, "Not Acceptable Here", NULL);
		break;
	case ANS_491:
		(void)sipleg_reply(p->leg, 491, "Request Pending", NULL);
		break;
	case ANS_RING:
		(void)sipleg_reply(p->leg, 180, "Ringing", NULL);
		break;
	default:
		mb = peer_sdp(p, a);
		(void)sipleg_reply(p->leg, 200, "OK", mb);
		mem_deref(mb);
		break;
	}
}

static void answer_late(void *arg)
{
	struct peer *p = arg;

	peer_reply(p, p->pending);
	wake(p->w);
}

static void peer_answer(struct peer *p, enum answer a)
{
	if (p->delay_ms && a != ANS_RING) {
		p->pending = a;
		(void)sipleg_reply(p->leg, 180, "Ringing", NULL);
		tmr_start(&p->tmr_answer, p->delay_ms, answer_late, p);
		return;
	}
	peer_reply(p, a);
}

static void peer_offer(struct sipleg *leg, const struct sip_msg *msg,
		       void *arg)
{
	struct peer *p = arg;
	struct sdesc *sd = NULL;
	unsigned k = p->n_reinvite++;
	char why[64];
	(void)leg;

	if (k < MAX_OFFERS) {
		p->offer_cseq[k] = msg->cseq.num;
		p->offer_ms[k] = tmr_jiffies();
		if (!sdesc_parse(&sd, mbuf_buf(msg->mb),
				 mbuf_get_left(msg->mb), why, sizeof(why))) {
			const struct sdesc_media *m = sdesc_media(sd,
				sdesc_media_count(sd) - 1);

			p->offer_ver[k] = sdesc_sess_version(sd);
			p->offer_port[k] = sdesc_media_port(m);
			p->offer_dir[k] = sdesc_media_dir(m);
		}
		mem_deref(sd);
	}
	peer_reply(p, k + 1 < MAX_OFFERS ? p->script[k + 1] : ANS_200);
	wake(p->w);
}

static void peer_ack(struct sipleg *leg, const struct sip_msg *msg,
		     void *arg)
{
	struct peer *p = arg;
	(void)leg;
	(void)msg;

	p->n_ack++;
	wake(p->w);
}

static void peer_close(struct sipleg *leg, int err, const struct sip_msg *msg,
		       void *arg)
{
	struct peer *p = arg;
	(void)leg;
	(void)msg;

	if (err == ECONNRESET) {
		p->n_bye++;
		p->ack_before_bye = p->n_ack > 0;
	}
	else if (err == ECANCELED) {
		p->n_cancel++;
	}
	else {
		p->n_refused++;   /* our own final answer >= 300 */
	}
	tmr_cancel(&p->tmr_answer);
	wake(p->w);
}

static void peer_resp(struct sipleg *leg, int err, uint16_t scode,
		      const struct sip_msg *msg, void *arg)
{
	struct peer *p = arg;
	(void)leg;
	(void)msg;

	if (!err && scode < 200)
		return;
	p->n_resp++;
	p->resp_scode = err ? 0 : scode;
	wake(p->w);
}

static void send_report(struct peer *p, struct sip_strans **stp,
			const struct sip_msg *msg)
{
	static const char body[] = "{\"playout\":[]}";

	(void)sip_treplyf(stp, NULL, sipep_sip(p->ep), msg, false, 200, "OK",
			  "Content-Type: " PLAYOUT_CTYPE "\r\n"
			  "Content-Length: %zu\r\n\r\n%s", strlen(body),
			  body);
}

static void report_late(void *arg)
{
	struct peer *p = arg;

	send_report(p, &p->info_st, p->info_msg);
	p->info_st = mem_deref(p->info_st);
	p->info_msg = mem_deref((void *)p->info_msg);
	wake(p->w);
}

/* The MN's INFO asking for a playout report (as device.c answers it) */
static bool peer_request(struct sipleg *leg, const struct sip_msg *msg,
			 void *arg)
{
	struct peer *p = arg;
	(void)leg;

	if (pl_strcmp(&msg->met, "INFO"))
		return false;
	if (p->info_msg)
		return true;   /* a retransmission of the one held */
	p->n_info++;
	if (!p->info_delay_ms) {
		send_report(p, NULL, msg);
	}
	else if (!sip_strans_alloc(&p->info_st, sipep_sip(p->ep), msg, NULL,
				   NULL)) {
		p->info_msg = mem_ref((void *)msg);
		tmr_start(&p->tmr_info, p->info_delay_ms, report_late, p);
	}
	wake(p->w);
	return true;
}

static const struct sipleg_handlers peer_handlers = {
	.resph = peer_resp, .offerh = peer_offer, .ackh = peer_ack,
	.closeh = peer_close, .reqh = peer_request,
};

static void peer_invite(struct sipep *ep, struct sipleg *leg,
			const struct sip_msg *msg, void *arg)
{
	struct peer *p = arg;
	(void)ep;
	(void)msg;

	mem_deref(p->leg);
	p->leg = mem_ref(leg);
	sipleg_set_handlers(leg, &peer_handlers, p);
	p->n_invite++;
	peer_answer(p, p->script[0]);
	wake(p->w);
}

static void peer_alloc(struct world *w, struct peer *p, const char *name,
		       const char *listen, uint16_t port)
{
	struct sipep_conf c = {.listen = listen, .user = name};

	p->w = w;
	p->name = name;
	p->port = port;
	p->dir = "sendrecv";
	tmr_init(&p->tmr_answer);
	tmr_init(&p->tmr_info);
	assert_int_equal(sipep_alloc(&p->ep, &c, peer_invite, p), 0);
}

static void peer_free(struct peer *p)
{
	tmr_cancel(&p->tmr_answer);
	tmr_cancel(&p->tmr_info);
	p->info_st = mem_deref(p->info_st);
	p->info_msg = mem_deref((void *)p->info_msg);
	sipleg_set_handlers(p->leg, NULL, NULL);
	p->leg = mem_deref(p->leg);
	p->ep = mem_deref(p->ep);
}

/* ---- the loop, with a bound --------------------------------------------- */

static void watchdog(void *arg)
{
	(void)arg;
	re_cancel();
}

/* Runs the loop until `until` holds (looked at after every event) or ms
 * pass; returns whether it holds. */
static bool run(struct world *w, bool (*until)(const struct world *w),
		uint32_t ms)
{
	bool ok;

	if (until(w))
		return true;
	w->until = until;
	tmr_start(&w->watchdog, ms, watchdog, w);
	(void)re_main(NULL);
	tmr_cancel(&w->watchdog);
	w->until = NULL;
	ok = until(w);
	if (!ok)
		fprintf(stderr, "test: the wait ran out after %u ms\n", ms);
	return ok;
}

/* What the scenarios wait for */
static bool call_up(const struct world *w)
{
	return w->mn->state == MN_ESTABLISHED &&
		(w->cn.n_ack > 0 || w->cn.resp_scode == 200);
}

static bool transfer_ended(const struct world *w)
{
	return w->n_done > 0;
}

static bool cn_hold_answered(const struct world *w)
{
	return w->cn.n_resp > 1;   /* the call's, then the hold's */
}

static bool dev_invited(const struct world *w)
{
	return w->dev.n_invite > 0;
}

static bool dev_gone(const struct world *w)
{
	return w->dev.leg && sipleg_state(w->dev.leg) == SIPLEG_CLOSED;
}

static bool ended_and_dev_gone(const struct world *w)
{
	return transfer_ended(w) && dev_gone(w);
}

static bool late_report_in(const struct world *w)
{
	return w->mn_rx_info_200 > 0;
}

static bool late_report_in_and_dev_gone(const struct world *w)
{
	return late_report_in(w) && dev_gone(w);
}

static bool all_closed(const struct world *w)
{
	return (!w->cn.leg || sipleg_state(w->cn.leg) == SIPLEG_CLOSED) &&
		(!w->dev.leg || sipleg_state(w->dev.leg) == SIPLEG_CLOSED) &&
		!w->dev.info_msg;
}

/* ---- the mobile node ----------------------------------------------------- */

static void transfer_done(int err, const struct last_transfer *lt, void *arg)
{
	struct world *w = arg;

	w->n_done++;
	w->done_err = err;
	w->lt = *lt;
	wake(w);
}

static void mn_trace(bool tx, const char *summary, void *arg)
{
	struct world *w = arg;

	if (tx)
		w->mn_tx++;
	else if (strstr(summary, "| SIP/2.0 200") && strstr(summary, " INFO"))
		w->mn_rx_info_200++;
	wake(w);
}

static uint16_t audio_port(const struct sdesc *sd)
{
	unsigned v[1];

	if (place_lines_of(sd, "audio", v, 1) != 1)
		return 0;
	return sdesc_media_port(sdesc_media(sd, v[0]));
}

static int setup(void **state)
{
	struct mn_conf c = {
		.user = "mn", .sip_listen = MN_LISTEN,
		.port_min = 26100, .port_max = 26199,
		.safety_ms = SAFETY_MS,
		.device_timeout_ms = DEVICE_TIMEOUT_MS,
		.slp_da = "127.0.0.1:26427",   /* no multicast discovery */
	};
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	assert_int_equal(libre_init(), 0);
	tmr_init(&w->watchdog);
	assert_int_equal(mn_alloc(&w->mn, &c), 0);
	sipep_set_trace_handler(w->mn->ep, mn_trace, w);
	peer_alloc(w, &w->cn, "cn", CN_LISTEN, CN_PORT);
	peer_alloc(w, &w->dev, "dev", DEV_LISTEN, DEV_PORT);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	/* Hang up, and let the BYEs and any report in flight land. */
	mn_shutdown(w->mn);
	(void)run(w, all_closed, 2000);
	w->mn = mem_deref(w->mn);
	peer_free(&w->cn);
	peer_free(&w->dev);
	tmr_cancel(&w->watchdog);
	free(w);
	libre_close();
	return 0;
}

/* The MN calls the CN, which answers from its script. */
static void call_cn(struct world *w)
{
	char why[128] = "";

	assert_int_equal(call_place(w->mn, CN_URI, why, sizeof(why)), 0);
	assert_true(run(w, call_up, 3000));
	w->mn_port = audio_port(w->mn->cn_local);
	assert_int_not_equal(w->mn_port, 0);
	assert_true(mset_sending(w->mn->ms, SDESC_AUDIO));
}

static int move_audio(struct world *w, char *why, size_t whysz)
{
	struct mnc_request rq = {.audio = DEV_URI};

	return mnc_move(w->mn, &rq, transfer_done, w, why, whysz);
}

static void start_move(struct world *w)
{
	char why[128] = "";

	assert_int_equal(move_audio(w, why, sizeof(why)), EINPROGRESS);
}

/* The audio is on the device: placement, SDP, sending; every 200 the
 * device gave (its INVITE's, any update's) got its ACK. */
static void assert_audio_on_device(struct world *w)
{
	struct devleg *d = w->mn->place.line[0].dev;

	assert_int_equal(w->done_err, 0);
	assert_true(w->lt.ok);
	assert_string_equal(w->lt.mode, "transfer");
	assert_non_null(d);
	assert_string_equal(d->uri, DEV_URI);
	assert_int_equal(audio_port(w->mn->cn_local), DEV_PORT);
	assert_int_equal(w->cn.offer_port[w->cn.n_reinvite - 1], DEV_PORT);
	assert_int_equal(w->dev.n_ack, 1 + w->dev.n_reinvite);
	assert_false(mset_sending(w->mn->ms, SDESC_AUDIO));
}

/* A failed transfer leaves all as it was: the CN untouched, the audio
 * here and sent, no device leg left, the device's dialog over. */
static void assert_rolled_back(struct world *w, const char *reason)
{
	assert_int_not_equal(w->done_err, 0);
	assert_false(w->lt.ok);
	fprintf(stderr, "test: last_transfer.error: %s\n", w->lt.error);
	assert_non_null(strstr(w->lt.error, reason));
	assert_null(w->mn->place.line[0].dev);
	assert_int_equal(audio_port(w->mn->cn_local), w->mn_port);
	assert_true(mset_sending(w->mn->ms, SDESC_AUDIO));
	assert_int_equal(list_count(&w->mn->devs), 0);
	assert_null(w->mn->xfer);
	assert_int_equal(sipleg_state(w->dev.leg), SIPLEG_CLOSED);
}

/* One scripted refusal: a peer answers the `step`th INVITE it gets with
 * `ans`; the move must fail, saying `reason`, and change nothing. */
static void move_refused(struct world *w, struct peer *p, unsigned step,
			 enum answer ans, const char *reason)
{
	p->script[step] = ans;
	call_cn(w);
	start_move(w);
	assert_true(run(w, ended_and_dev_gone, 3000));
	assert_rolled_back(w, reason);
}

/* ---- the scenarios ------------------------------------------------------- */

static void transfer_moves_the_audio_and_retrieve_brings_it_back(
	void **state)
{
	struct world *w = *state;
	char why[128] = "";

	call_cn(w);
	start_move(w);
	assert_true(run(w, transfer_ended, 3000));

	assert_audio_on_device(w);
	assert_int_equal(w->cn.n_reinvite, 1);
	assert_int_equal(w->dev.n_invite, 1);
	assert_int_equal(w->dev.n_reinvite, 0);
	assert_int_equal(w->dev.n_ack, 1);
	assert_int_equal(w->dev.n_bye, 0);

	w->n_done = 0;
	assert_int_equal(mnc_retrieve(w->mn, NULL, transfer_done, w, why,
				      sizeof(why)), EINPROGRESS);
	assert_true(run(w, ended_and_dev_gone, 3000));

	assert_int_equal(w->done_err, 0);
	assert_true(w->lt.ok);
	assert_string_equal(w->lt.mode, "retrieve");
	assert_null(w->mn->place.line[0].dev);
	assert_int_equal(w->cn.n_reinvite, 2);
	assert_int_equal(w->cn.offer_port[1], w->mn_port);
	assert_int_equal(audio_port(w->mn->cn_local), w->mn_port);
	assert_true(mset_sending(w->mn->ms, SDESC_AUDIO));
	assert_int_equal(w->dev.n_bye, 1);
	assert_int_equal(list_count(&w->mn->devs), 0);
}

static void transfer_rolls_back_when_the_device_declines(void **state)
{
	struct world *w = *state;

	move_refused(w, &w->dev, 0, ANS_603, DEV_URI " answered 603");
	assert_int_equal(w->cn.n_reinvite, 0);
	assert_int_equal(w->dev.n_refused, 1);   /* its own 603 ended it */
	assert_int_equal(w->dev.n_ack, 0);
}

static void transfer_rolls_back_when_the_device_answers_488(void **state)
{
	struct world *w = *state;

	move_refused(w, &w->dev, 0, ANS_488, DEV_URI " answered 488");
	assert_int_equal(w->cn.n_reinvite, 0);
	assert_int_equal(w->dev.n_refused, 1);
}

static void transfer_rolls_back_when_the_device_refuses_the_audio(
	void **state)
{
	struct world *w = *state;

	move_refused(w, &w->dev, 0, ANS_PORT0, "unusable");
	assert_non_null(strstr(w->lt.error, DEV_URI));
	assert_non_null(strstr(w->lt.error, "port 0"));
	assert_int_equal(w->cn.n_reinvite, 0);
	assert_int_equal(w->dev.n_bye, 1);       /* its 200 got ACK, BYE */
	assert_true(w->dev.ack_before_bye);
}

static void transfer_rolls_back_when_the_device_answers_bad_sdp(
	void **state)
{
	struct world *w = *state;

	move_refused(w, &w->dev, 0, ANS_BAD_SDP, DEV_URI " answered bad SDP");
	assert_int_equal(w->cn.n_reinvite, 0);
	assert_int_equal(w->dev.n_bye, 1);
	assert_true(w->dev.ack_before_bye);
}

static void transfer_rolls_back_when_the_device_does_not_answer(
	void **state)
{
	struct world *w = *state;

	move_refused(w, &w->dev, 0, ANS_RING, "did not answer");
	assert_non_null(strstr(w->lt.error, DEV_URI));
	assert_int_equal(w->cn.n_reinvite, 0);
	assert_int_equal(w->dev.n_cancel, 1);
	assert_int_equal(w->dev.n_ack, 0);
}

static void transfer_rolls_back_when_the_cn_answers_488(void **state)
{
	struct world *w = *state;

	move_refused(w, &w->cn, 1, ANS_488, "488");
	assert_int_equal(w->cn.n_reinvite, 1);      /* the one refused */
	assert_int_equal(w->dev.n_ack, 1);
	assert_int_equal(w->dev.n_bye, 1);
	assert_true(w->dev.ack_before_bye);
}

/* RFC 3261 §14.1: the owner of the Call-ID retries after 2.1-4 s; RFC
 * 3264 §8: the refused offer's o= version is never used again. */
static void transfer_retries_after_491_with_a_new_version(void **state)
{
	struct world *w = *state;

	w->cn.script[1] = ANS_491;
	call_cn(w);
	start_move(w);
	assert_true(run(w, transfer_ended, 7000));

	assert_audio_on_device(w);
	assert_int_equal(w->cn.n_reinvite, 2);
	assert_int_not_equal(w->cn.offer_cseq[0], w->cn.offer_cseq[1]);
	assert_true(w->cn.offer_ver[1] > w->cn.offer_ver[0]);
	assert_int_equal(w->cn.offer_port[0], DEV_PORT);
	assert_in_range(w->cn.offer_ms[1] - w->cn.offer_ms[0], 2100, 4100);
}

/* The CN puts the call on hold while the device is still ringing: the
 * MN answers the CN (200, not 491) and the transfer goes on after it. */
static void cn_reinvite_during_the_device_invite_is_served(void **state)
{
	struct world *w = *state;
	struct mbuf *hold;

	w->dev.delay_ms = 300;
	call_cn(w);
	start_move(w);
	assert_true(run(w, dev_invited, 3000));

	w->cn.dir = "sendonly";
	hold = peer_sdp(&w->cn, ANS_200);
	assert_int_equal(sipleg_reinvite(w->cn.leg, hold, false), 0);
	mem_deref(hold);
	assert_true(run(w, transfer_ended, 3000));

	assert_int_equal(w->cn.resp_scode, 200);
	assert_int_equal(w->dev.n_invite, 1);
	assert_audio_on_device(w);
	assert_int_equal(w->cn.n_reinvite, 1);
	assert_int_equal(w->dev.n_reinvite, 1);     /* told of the hold */
	assert_int_equal(w->dev.offer_dir[0], SDESC_SENDONLY);
}

/* The CN calls with 17 port-0 m-lines before its audio: the audio is
 * m-line 17, beyond the MN_MAX_LINES (16) lines the placement tracks. */
static void cn_calls_with_audio_at_line_17(struct world *w)
{
	struct mbuf *offer;

	w->cn.dead_lines = 17;
	offer = peer_sdp(&w->cn, ANS_200);
	assert_int_equal(sipleg_connect(&w->cn.leg, w->cn.ep,
					 sipep_uri(w->mn->ep), NULL, offer,
					 false, &peer_handlers, &w->cn), 0);
	mem_deref(offer);
	assert_true(run(w, call_up, 3000));
	assert_int_equal(w->cn.resp_scode, 200);
	w->mn_port = audio_port(w->mn->cn_local);
	assert_int_not_equal(w->mn_port, 0);
}

static void move_refuses_audio_beyond_the_tracked_lines(void **state)
{
	struct world *w = *state;
	unsigned tx;
	char why[160] = "";
	int err;

	cn_calls_with_audio_at_line_17(w);

	tx = w->mn_tx;
	err = move_audio(w, why, sizeof(why));
	fprintf(stderr, "test: move refused: %s\n", why);
	assert_int_not_equal(err, 0);
	assert_int_not_equal(err, EINPROGRESS);
	assert_non_null(strstr(why, "m-line 17"));
	assert_int_equal(w->mn_tx, tx);          /* nothing was sent */
	assert_null(w->mn->xfer);
	assert_int_equal(list_count(&w->mn->devs), 0);
	assert_int_equal(w->n_done, 0);
	for (unsigned i = 0; i < MN_MAX_LINES; i++)
		assert_null(w->mn->place.line[i].dev);
	assert_true(mset_sending(w->mn->ms, SDESC_AUDIO));
}

/* In the same call the CN puts the MN on hold: the MN took the audio at
 * m-line 17 when it answered the call, so it takes the hold of it too. */
static void cn_hold_of_audio_beyond_the_tracked_lines_is_answered(
	void **state)
{
	struct world *w = *state;
	const struct mbuf *sdp;
	struct sdesc *ans = NULL;
	struct mbuf *hold;
	char why[128];

	cn_calls_with_audio_at_line_17(w);

	w->cn.dir = "sendonly";
	hold = peer_sdp(&w->cn, ANS_200);
	assert_int_equal(sipleg_reinvite(w->cn.leg, hold, false), 0);
	mem_deref(hold);
	assert_true(run(w, cn_hold_answered, 3000));

	assert_int_equal(w->cn.resp_scode, 200);
	sdp = sipleg_remote_sdp(w->cn.leg);      /* the MN's answer */
	assert_non_null(sdp);
	assert_int_equal(sdesc_parse(&ans, mbuf_buf(sdp), mbuf_get_left(sdp),
				     why, sizeof(why)), 0);
	assert_int_equal(sdesc_media_count(ans), 18);
	assert_int_equal(sdesc_media_dir(sdesc_media(ans, 17)),
			 SDESC_RECVONLY);
	assert_int_equal(audio_port(ans), w->mn_port);
	mem_deref(ans);
}

/* The device answers the report INFO after REPORT_TIMEOUT_MS (2 s): the
 * transfer ends without metrics, and the 200 that comes later finds
 * nothing freed. */
static void late_playout_report_after_the_transfer_is_harmless(
	void **state)
{
	struct world *w = *state;

	w->dev.info_delay_ms = 2500;
	call_cn(w);
	start_move(w);
	assert_true(run(w, transfer_ended, 4000));

	assert_audio_on_device(w);
	assert_false(w->lt.metrics_known);
	fprintf(stderr, "test: metrics_note: %s\n", w->lt.metrics_note);
	assert_non_null(strstr(w->lt.metrics_note, "in time"));
	assert_int_equal(w->mn_rx_info_200, 0);

	assert_true(run(w, late_report_in, 3000));
	assert_int_equal(w->dev.n_info, 1);
	assert_ptr_equal(w->mn->place.line[0].dev, w->mn->devs.head->data);
	assert_int_equal(list_count(&w->mn->devs), 1);
	assert_null(w->mn->xfer);
}

/* The same on retrieval, where the device retires: its report comes after
 * the transfer freed it from the call, and its dialog still ends. */
static void late_playout_report_of_a_retiring_device_is_harmless(
	void **state)
{
	struct world *w = *state;
	char why[128] = "";

	call_cn(w);
	start_move(w);
	assert_true(run(w, transfer_ended, 3000));
	assert_audio_on_device(w);

	w->n_done = 0;
	w->mn_rx_info_200 = 0;
	w->dev.info_delay_ms = 2500;
	assert_int_equal(mnc_retrieve(w->mn, NULL, transfer_done, w, why,
				      sizeof(why)), EINPROGRESS);
	assert_true(run(w, transfer_ended, 4000));
	assert_true(w->lt.ok);
	assert_non_null(strstr(w->lt.metrics_note, "in time"));
	assert_int_equal(w->mn_rx_info_200, 0);
	assert_null(w->mn->place.line[0].dev);
	assert_true(mset_sending(w->mn->ms, SDESC_AUDIO));
	fprintf(stderr, "test: device BYEs when the transfer ended: %u\n",
		w->dev.n_bye);

	assert_true(run(w, late_report_in_and_dev_gone, 3000));
	assert_int_equal(w->dev.n_bye, 1);
	assert_int_equal(list_count(&w->mn->devs), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			transfer_moves_the_audio_and_retrieve_brings_it_back,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_rolls_back_when_the_device_declines,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_rolls_back_when_the_device_answers_488,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_rolls_back_when_the_device_refuses_the_audio,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_rolls_back_when_the_device_answers_bad_sdp,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_rolls_back_when_the_device_does_not_answer,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_rolls_back_when_the_cn_answers_488,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			transfer_retries_after_491_with_a_new_version,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			cn_reinvite_during_the_device_invite_is_served,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			move_refuses_audio_beyond_the_tracked_lines,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			cn_hold_of_audio_beyond_the_tracked_lines_is_answered,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			late_playout_report_after_the_transfer_is_harmless,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			late_playout_report_of_a_retiring_device_is_harmless,
			setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
