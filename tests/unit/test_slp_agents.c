/*
 * The three SLP agents together in one libre loop over real loopback
 * sockets (a random high port, no multicast): an SA registers with a DA and
 * a UA finds its devices as in spec Figure 1; a large answer overflows UDP
 * and comes over TCP; a sender outside --allow-register is refused and can
 * never get more bytes than it sent; malformed requests get the right
 * error; a lifetime runs out at the DA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <sipmob/slp.h>
#include "slp/slp_priv.h"

static char da_addr[32];
static uint16_t port;

typedef bool (cond_h)(void *arg);

struct waiter {
	struct tmr tmr;
	cond_h *cond;
	void *arg;
	uint64_t deadline;
	bool ok;
};

static void poll_timeout(void *arg)
{
	struct waiter *w = arg;

	if (w->cond && w->cond(w->arg)) {
		w->ok = true;
		re_cancel();
		return;
	}
	if (tmr_jiffies() >= w->deadline) {
		re_cancel();
		return;
	}
	tmr_start(&w->tmr, 5, poll_timeout, w);
}

/* Runs the loop until cond holds (true) or ms pass (false). */
static bool run_until(cond_h *cond, void *arg, uint32_t ms)
{
	struct waiter w;

	tmr_init(&w.tmr);
	w.cond = cond;
	w.arg = arg;
	w.deadline = tmr_jiffies() + ms;
	w.ok = false;
	tmr_start(&w.tmr, 0, poll_timeout, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);
	return w.ok;
}

static bool flag_set(void *arg)
{
	return *(bool *)arg;
}

static struct slp_da *start_da(const char *allow, uint32_t mtu)
{
	struct slp_da_conf c;
	struct slp_da *da = NULL;

	memset(&c, 0, sizeof(c));
	c.laddr = "127.0.0.1";
	c.port = port;
	c.no_mcast = true;
	c.allow_register = allow;
	c.mtu = mtu;
	assert_int_equal(0, slp_da_alloc(&da, &c));
	return da;
}

static struct slp_ua *start_ua(void)
{
	struct slp_ua_conf c;
	struct slp_ua *ua = NULL;

	memset(&c, 0, sizeof(c));
	c.da = da_addr;
	c.timeout_ms = 3000;
	assert_int_equal(0, slp_ua_alloc(&ua, &c));
	return ua;
}

static bool sa_acked(void *arg)
{
	size_t n = 0, k = 0;

	slp_sa_status(arg, &n, &k);
	return n == 1 && k == 1;
}

struct devs {
	bool done;
	int err;
	size_t n;
	char url[64];
	int64_t room;
	bool has_kw;
};

static void devices_h(int err, const struct slp_device *v, size_t n,
		      void *arg)
{
	struct devs *d = arg;

	d->done = true;
	d->err = err;
	d->n = n;
	if (n) {
		struct pl room = PL("room"), kw = PL("mobility-enhanced");
		const struct slp_attr *a = slp_attrs_find(v[0].parsed, &room);

		re_snprintf(d->url, sizeof(d->url), "%r", &v[0].url);
		d->room = a && a->nval ? a->val[0].i : -1;
		d->has_kw = slp_attrs_find(v[0].parsed, &kw) != NULL;
	}
}

static void done_h(void *arg)
{
	*(bool *)arg = true;
}

static void sa_registers_and_ua_finds_devices(void **state)
{
	struct slp_da *da = start_da(NULL, 0);
	struct slp_ua *ua = start_ua();
	struct slp_sa_conf sc;
	struct slp_sa *sa = NULL;
	struct devs d;
	bool closed = false;

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.da = da_addr;
	sc.no_mcast = true;
	assert_int_equal(0, slp_sa_alloc(&sa, &sc));
	assert_int_equal(0, slp_sa_register(sa, "sip:audio_rm123@example.com",
					    SLP_TYPE_DEVICE,
					    "(room=123),(media=audio),"
					    "mobility-enhanced", 300));
	assert_int_equal(0, slp_sa_register(sa, "sip:tv_rm124@example.com",
					    SLP_TYPE_DEVICE,
					    "(room=124),(media=video)", 300));
	assert_true(run_until(sa_acked, sa, 3000));
	assert_int_equal(2, slp_store_count(slp_da_store(da)));

	memset(&d, 0, sizeof(d));
	assert_int_equal(0, slp_ua_find_devices(ua, "(room=123)", devices_h,
						&d));
	assert_true(run_until(flag_set, &d.done, 5000));
	assert_int_equal(0, d.err);
	assert_int_equal(1, d.n);
	assert_string_equal(d.url, "sip:audio_rm123@example.com");
	assert_int_equal(123, d.room);
	assert_true(d.has_kw);

	slp_sa_shutdown(sa, done_h, &closed);
	assert_true(run_until(flag_set, &closed, 3000));
	assert_int_equal(0, slp_store_count(slp_da_store(da)));
	mem_deref(sa);
	mem_deref(ua);
	mem_deref(da);
}

struct srvs {
	bool done;
	int err;
	uint16_t se;
	size_t n;
};

static void srvs_h(int err, uint16_t se, const struct slp_ua_url *v,
		   size_t n, void *arg)
{
	struct srvs *s = arg;

	(void)v;
	s->done = true;
	s->err = err;
	s->se = se;
	s->n = n;
}

static bool store_has(void *arg)
{
	return slp_store_count(slp_da_store(arg)) >= 300;
}

static void overflow_comes_over_tcp(void **state)
{
	struct slp_da *da = start_da(NULL, 0);
	struct slp_ua *ua = start_ua();
	struct slp_sa_conf sc;
	struct slp_sa *sa = NULL;
	struct srvs s;
	char url[64];

	(void)state;
	memset(&sc, 0, sizeof(sc));
	sc.da = da_addr;
	sc.no_mcast = true;
	assert_int_equal(0, slp_sa_alloc(&sa, &sc));
	for (int i = 0; i < 300; i++) {
		re_snprintf(url, sizeof(url), "sip:device%03d@example.com", i);
		assert_int_equal(0, slp_sa_register(sa, url, SLP_TYPE_DEVICE,
						    "(room=1)", 300));
	}
	assert_true(run_until(store_has, da, 5000));

	memset(&s, 0, sizeof(s));
	assert_int_equal(0, slp_ua_findsrvs(ua, SLP_TYPE_DEVICE, "(room=1)",
					    srvs_h, &s));
	assert_true(run_until(flag_set, &s.done, 5000));
	assert_int_equal(0, s.err);
	assert_int_equal(0, s.se);
	assert_int_equal(300, s.n);   /* > 1 MTU: only TCP carries them all */
	mem_deref(sa);
	mem_deref(ua);
	mem_deref(da);
}

/* ---- a raw client ---- */

struct raw {
	bool got;
	size_t len;
	struct slp_msg m;
	uint8_t buf[2048];
};

static void raw_recv(const struct sa *src, bool mcast, const struct sa *ldst,
		     const uint8_t *buf, size_t len, void *arg)
{
	struct raw *r = arg;
	uint16_t se;

	(void)src;
	(void)mcast;
	(void)ldst;
	r->got = true;
	r->len = len;
	if (len <= sizeof(r->buf)) {
		memcpy(r->buf, buf, len);
		(void)slp_msg_decode(&r->m, r->buf, len, &se);
	}
}

/* Sends msg, waits up to ms for one reply; returns its size (0: none). */
static size_t ask(struct slp_udp *u, struct raw *r, const uint8_t *p,
		  size_t n, uint32_t ms)
{
	struct sa dst;

	sa_set_str(&dst, "127.0.0.1", port);
	memset(r, 0, sizeof(*r));
	assert_int_equal(0, slp_udp_send(u, &dst, p, n));
	(void)run_until(flag_set, &r->got, ms);
	return r->got ? r->len : 0;
}

static struct mbuf *request(uint8_t fid, const char *type, const char *pred)
{
	struct mbuf *mb = mbuf_alloc(128);
	struct slp_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.fid = fid;
	m.hdr.xid = 77;
	m.hdr.lang = (struct pl)PL("e");
	pl_set_str(&m.srvtype, type);
	pl_set_str(&m.url, type);
	pl_set_str(&m.pred, pred);
	m.na_all = true;
	assert_int_equal(0, slp_msg_encode(mb, &m));
	return mb;
}

static struct slp_udp *raw_sock(struct raw *r)
{
	struct slp_udp *u = NULL;
	struct sa any;

	sa_set_str(&any, "127.0.0.1", 0);
	assert_int_equal(0, slp_udp_open(&u, &any, false, raw_recv, r));
	return u;
}

static void ack_h(int err, uint16_t se, void *arg)
{
	struct srvs *s = arg;

	s->done = true;
	s->err = err;
	s->se = se;
}

static void outside_sender_is_refused_and_not_amplified(void **state)
{
	/* 127.0.0.1 is outside this DA's networks */
	struct slp_da *da = start_da("10.0.0.0/8", 0);
	struct slp_ua *ua = start_ua();
	static struct raw r;
	struct slp_udp *u = raw_sock(&r);
	const char *types[] = {SLP_TYPE_DEVICE, SLP_TYPE_DA, "x"};
	struct srvs s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(0, slp_ua_register(ua, "sip:evil@example.com",
					    SLP_TYPE_DEVICE, "(room=1)", 60,
					    ack_h, &s));
	assert_true(run_until(flag_set, &s.done, 3000));
	assert_int_equal(0, s.err);
	assert_int_equal(SLP_AUTHENTICATION_ABSENT, s.se);
	assert_int_equal(0, slp_store_count(slp_da_store(da)));

	for (size_t t = 0; t < 3; t++) {
		for (uint8_t fid = SLP_SRVRQST; fid <= SLP_SRVTYPERQST;
		     fid++) {
			struct mbuf *q;
			size_t n;

			if (fid != SLP_SRVRQST && fid != SLP_ATTRRQST &&
			    fid != SLP_SRVTYPERQST)
				continue;
			q = request(fid, types[t], "");
			n = ask(u, &r, q->buf, q->end, 300);
			assert_true(n <= q->end);
			mem_deref(q);
		}
	}
	mem_deref(u);
	mem_deref(ua);
	mem_deref(da);
}

static void malformed_requests_get_the_right_error(void **state)
{
	struct slp_da *da = start_da(NULL, 0);
	static struct raw r;
	struct slp_udp *u = raw_sock(&r);
	struct mbuf *q;
	static const uint8_t junk[] = {2, 1, 0};

	(void)state;
	q = request(SLP_SRVRQST, SLP_TYPE_DEVICE, "(room=1");
	assert_true(ask(u, &r, q->buf, q->end, 1000) > 0);
	assert_int_equal(SLP_SRVRPLY, r.m.hdr.fid);
	assert_int_equal(77, r.m.hdr.xid);
	assert_int_equal(SLP_PARSE_ERROR, r.m.err);

	q->buf[0] = 1;              /* SLPv1 */
	assert_true(ask(u, &r, q->buf, q->end, 1000) > 0);
	assert_int_equal(SLP_VER_NOT_SUPPORTED, r.m.err);
	mem_deref(q);

	q = request(SLP_SRVRQST, "service:other", "");
	q->buf[q->end - 3] = 0xff;  /* scope list length past the end */
	assert_true(ask(u, &r, q->buf, q->end, 1000) > 0);
	assert_int_equal(SLP_PARSE_ERROR, r.m.err);
	mem_deref(q);

	/* too short to be a message: dropped */
	assert_int_equal(0, ask(u, &r, junk, sizeof(junk), 200));
	mem_deref(u);
	mem_deref(da);
}

static uint16_t reg_one(struct slp_ua *ua, const char *url)
{
	struct srvs s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(0, slp_ua_register(ua, url, SLP_TYPE_DEVICE,
					    "(room=1)", 60, ack_h, &s));
	assert_true(run_until(flag_set, &s.done, 3000));
	assert_int_equal(0, s.err);
	return s.se;
}

static void per_source_limit_spares_refreshes(void **state)
{
	struct slp_da_conf c;
	struct slp_da *da = NULL;
	struct slp_ua *ua;
	char big[1200];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.laddr = "127.0.0.1";
	c.port = port;
	c.no_mcast = true;
	c.max_per_src = 2;
	c.max_attrs = 64;
	assert_int_equal(0, slp_da_alloc(&da, &c));
	ua = start_ua();
	assert_int_equal(SLP_OK, reg_one(ua, "sip:one@example.com"));
	assert_int_equal(SLP_OK, reg_one(ua, "sip:two@example.com"));
	assert_int_equal(SLP_INVALID_REGISTRATION,
			 reg_one(ua, "sip:three@example.com"));
	assert_int_equal(SLP_OK, reg_one(ua, "sip:one@example.com"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	memcpy(big, "sip:", 4);
	assert_int_equal(SLP_INVALID_REGISTRATION, reg_one(ua, big));
	assert_int_equal(2, slp_store_count(slp_da_store(da)));
	mem_deref(ua);
	mem_deref(da);
}

static bool store_empty(void *arg)
{
	return slp_store_count(slp_da_store(arg)) == 0;
}

static void lifetime_runs_out_at_the_da(void **state)
{
	struct slp_da *da = start_da(NULL, 0);
	struct slp_ua *ua = start_ua();
	const struct slp_store_entry *e;
	struct pl url = PL("sip:brief@example.com");
	struct srvs s;
	uint64_t t0, t1, expires;

	(void)state;
	memset(&s, 0, sizeof(s));
	t0 = tmr_jiffies();
	assert_int_equal(0, slp_ua_register(ua, "sip:brief@example.com",
					    SLP_TYPE_DEVICE, "(room=5)", 1,
					    ack_h, &s));
	assert_true(run_until(flag_set, &s.done, 3000));
	assert_int_equal(0, s.se);
	t1 = tmr_jiffies();
	/* the lifetime is one second from when the DA took the SrvReg,
	 * which was between sending it (t0) and the ack (t1) */
	e = slp_store_lookup(slp_da_store(da), &url, t1);
	assert_non_null(e);
	expires = e->expires;
	assert_true(expires >= t0 + 1000);
	assert_true(expires <= t1 + 1000);
	memset(&s, 0, sizeof(s));
	assert_int_equal(0, slp_ua_findsrvs(ua, SLP_TYPE_DEVICE, "(room=5)",
					    srvs_h, &s));
	assert_true(run_until(flag_set, &s.done, 3000));
	assert_int_equal(1, s.n);
	/* The DA's sweep removes it (a bounded wait, not a speed limit:
	 * how soon after expiry is bench/units.sh's figure) ... */
	assert_true(run_until(store_empty, da, 10000));
	/* ... and not before it expired */
	assert_true(tmr_jiffies() >= expires);
	mem_deref(ua);
	mem_deref(da);
}

static int setup(void **state)
{
	(void)state;
	port = (uint16_t)(20000 + getpid() % 30000);
	re_snprintf(da_addr, sizeof(da_addr), "127.0.0.1:%u", port);
	return libre_init();
}

static int teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sa_registers_and_ua_finds_devices),
		cmocka_unit_test(overflow_comes_over_tcp),
		cmocka_unit_test(outside_sender_is_refused_and_not_amplified),
		cmocka_unit_test(malformed_requests_get_the_right_error),
		cmocka_unit_test(per_source_limit_spares_refreshes),
		cmocka_unit_test(lifetime_runs_out_at_the_da),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
