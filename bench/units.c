/*
 * units: the speed figures that used to be limits inside unit tests (tests
 * assert behaviour; `make bench` measures). Prints, for this machine:
 *   - SLP store: an equality lookup (answered from the attribute index) at
 *     1,000 and 100,000 registrations, and their ratio (1 would be flat, 100
 *     a full scan);
 *   - H.263+ video: draw + encode and decode CPU time per frame at QCIF and
 *     CIF, and the bit rate (a 15 fps frame interval is 66 ms);
 *   - SLP DA: how long after a registration's lifetime ends the DA's sweep
 *     removes it (a 1 s lifetime, a few runs).
 * Bounded: fixed counts, and at most 10 s per sweep run.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <libavutil/log.h>
#include <sipmob/slp.h>
#include <sipmob/media_video.h>

static double now_ms(clockid_t clk)
{
	struct timespec t;

	clock_gettime(clk, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* ---- SLP store ---------------------------------------------------------- */

static const struct pl devtype = PL("service:sip-device");
static const struct pl dflt = PL("DEFAULT");

static bool count_h(const struct slp_store_entry *e, uint16_t life, void *arg)
{
	(void)e;
	(void)life;
	++*(unsigned *)arg;
	return false;
}

/* µs per "(room=7)" lookup (10 matches) in a store of n registrations */
static double store_lookup_us(int n)
{
	struct slp_store *st = NULL;
	struct slp_filter *flt = NULL;
	struct pl pred = PL("(room=7)");
	const int rounds = 2000;
	double t0, t;

	if (slp_store_alloc(&st) || slp_filter_compile(&flt, &pred))
		goto fail;
	for (int i = 0; i < n; i++) {
		char url[64], attrs[64];
		struct pl u, a;
		uint16_t e;

		re_snprintf(url, sizeof(url), "sip:d%d@x", i);
		re_snprintf(attrs, sizeof(attrs), "(room=%d)",
			    i < 10 ? 7 : 1000 + i);
		pl_set_str(&u, url);
		pl_set_str(&a, attrs);
		if (slp_store_register(st, &u, 60, &devtype, &dflt, &a, true,
				       NULL, 0, &e))
			goto fail;
	}
	t0 = now_ms(CLOCK_MONOTONIC);
	for (int r = 0; r < rounds; r++) {
		unsigned found = 0;

		slp_store_find(st, &devtype, &dflt, flt, 0, count_h, &found);
		if (found != 10)
			goto fail;
	}
	t = (now_ms(CLOCK_MONOTONIC) - t0) * 1e3 / rounds;
	mem_deref(flt);
	mem_deref(st);
	return t;
 fail:
	mem_deref(flt);
	mem_deref(st);
	return -1;
}

/* ---- video -------------------------------------------------------------- */

struct vcap {
	uint8_t *frames[60];
	size_t lens[60];
	unsigned n;
	size_t bytes;
};

static int vframe_h(const uint8_t *buf, size_t len, bool key, void *arg)
{
	struct vcap *c = arg;

	(void)key;
	c->bytes += len;
	if (c->n >= 60)
		return 0;
	c->frames[c->n] = malloc(len);
	if (!c->frames[c->n])
		return ENOMEM;
	memcpy(c->frames[c->n], buf, len);
	c->lens[c->n++] = len;
	return 0;
}

static int video_cost(unsigned w, unsigned h)
{
	struct video_pattern *vp = NULL;
	struct video_enc *ve = NULL;
	struct video_dec *vd = NULL;
	struct vcap c;
	const unsigned n = 60;
	double t0, enc_ms, dec_ms;
	int err;

	memset(&c, 0, sizeof(c));
	err = video_pattern_alloc(&vp, w, h, 1);
	err = err ? err : video_enc_alloc(&ve, w, h, VIDEO_FPS, 0);
	err = err ? err : video_dec_alloc(&vd);
	if (err)
		goto out;
	t0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned f = 0; f < n && !err; f++)
		err = video_enc_encode(ve, video_pattern_draw(vp, (uint16_t)f),
				       vframe_h, &c);
	enc_ms = (now_ms(CLOCK_PROCESS_CPUTIME_ID) - t0) / n;
	if (err || !c.n)
		goto out;
	t0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
	for (unsigned f = 0; f < c.n && !err; f++) {
		struct vidpic pic;

		err = video_dec_decode(vd, c.frames[f], c.lens[f], &pic);
	}
	dec_ms = (now_ms(CLOCK_PROCESS_CPUTIME_ID) - t0) / c.n;
	if (!err)
		printf("| %ux%u | %.2f | %.2f | %.0f |\n", w, h, enc_ms, dec_ms,
		       c.bytes * 8.0 * VIDEO_FPS / n / 1000);
 out:
	for (unsigned i = 0; i < c.n; i++)
		free(c.frames[i]);
	mem_deref(vd);
	mem_deref(ve);
	mem_deref(vp);
	return err;
}

/* ---- DA lifetime sweep -------------------------------------------------- */

struct sweep {
	struct tmr tmr;
	struct slp_da *da;
	bool acked;
	int err;
	uint64_t deadline;
	uint64_t gone_at;
};

static void ack_h(int err, uint16_t slperr, void *arg)
{
	struct sweep *s = arg;

	s->acked = true;
	s->err = err ? err : slperr ? EPROTO : 0;
}

static void poll_h(void *arg)
{
	struct sweep *s = arg;

	if (s->acked && slp_store_count(slp_da_store(s->da)) == 0) {
		s->gone_at = tmr_jiffies();
		re_cancel();
		return;
	}
	if (s->err || tmr_jiffies() >= s->deadline) {
		re_cancel();
		return;
	}
	tmr_start(&s->tmr, 1, poll_h, s);
}

/* ms from the end of a 1 s lifetime to its removal; -1 on failure */
static long da_sweep_ms(uint16_t port)
{
	struct slp_da_conf dc;
	struct slp_ua_conf uc;
	struct slp_da *da = NULL;
	struct slp_ua *ua = NULL;
	struct sweep s;
	char addr[32];
	uint64_t t0;
	long r = -1;

	memset(&dc, 0, sizeof(dc));
	memset(&uc, 0, sizeof(uc));
	memset(&s, 0, sizeof(s));
	dc.laddr = "127.0.0.1";
	dc.port = port;
	dc.no_mcast = true;
	re_snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	uc.da = addr;
	uc.timeout_ms = 3000;
	if (slp_da_alloc(&da, &dc) || slp_ua_alloc(&ua, &uc))
		goto out;
	s.da = da;
	tmr_init(&s.tmr);
	/* the lifetime starts when the DA takes the SrvReg: after t0 */
	t0 = tmr_jiffies();
	s.deadline = t0 + 10000;
	if (slp_ua_register(ua, "sip:brief@example.com", SLP_TYPE_DEVICE,
			    "(room=5)", 1, ack_h, &s))
		goto out;
	tmr_start(&s.tmr, 1, poll_h, &s);
	(void)re_main(NULL);
	tmr_cancel(&s.tmr);
	if (!s.err && s.gone_at)
		r = (long)(s.gone_at - t0) - 1000;
 out:
	mem_deref(ua);
	mem_deref(da);
	return r;
}

int main(void)
{
	uint16_t port = (uint16_t)(20000 + getpid() % 30000);
	double small, large;
	long lo = -1, hi = -1;
	int err;

	small = store_lookup_us(1000);
	large = store_lookup_us(100000);
	printf("SLP store, equality lookup of 10 matches (attribute index):\n");
	printf("| registrations | µs per lookup |\n|---:|---:|\n");
	printf("| 1,000 | %.2f |\n| 100,000 | %.2f |\n", small, large);
	if (small > 0 && large > 0)
		printf("100x the registrations: %.1fx the time\n\n",
		       large / small);

	av_log_set_level(AV_LOG_QUIET);
	printf("H.263+ video, CPU per frame (%u fps):\n", VIDEO_FPS);
	printf("| size | draw+encode ms | decode ms | kbit/s |\n"
	       "|---|---:|---:|---:|\n");
	err = video_cost(176, 144);
	err |= video_cost(352, 288);

	if (libre_init())
		return 1;
	for (int i = 0; i < 3; i++) {
		long ms = da_sweep_ms((uint16_t)(port + i));

		if (ms < 0) {
			err = 1;
			continue;
		}
		lo = lo < 0 || ms < lo ? ms : lo;
		hi = ms > hi ? ms : hi;
	}
	libre_close();
	printf("\nSLP DA: a 1 s lifetime is swept %ld..%ld ms after it ends"
	       " (3 runs)\n", lo, hi);
	return err || small < 0 || large < 0 ? 1 : 0;
}
