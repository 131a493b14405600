/*
 * slp_load: load and abuse client for an SLP DA (loopback benchmarks and
 * integration tests). Plain blocking sockets and poll(), no event loop, so
 * that the client costs little next to the DA it measures.
 *
 *   slp_load --da A[:P] --register N [--lifetime S] [--rooms R]
 *       N SrvRegs with up to --inflight in flight; prints SrvReg/s.
 *       URLs are sip:dev<I>@bench.example, I from --first (default 0).
 *   slp_load --da A[:P] --query N [--inflight K] [--rooms R]
 *       N SrvRqst "(room=<random>)"; prints SrvRqst/s, p50, p99 (µs).
 *   slp_load --da A[:P] --probe [--bind ADDR]
 *       the largest replies a sender can get for its bytes: prints the
 *       worst reply/request ratio and the largest UDP reply seen.
 *
 * Every mode is bounded by --max-seconds (default 30) and exits 1 when
 * replies are missing or malformed.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/slp.h>

enum { MAXFLIGHT = 256 };

struct cfg {
	struct sockaddr_in da;
	const char *bind;
	unsigned long reg, query;
	unsigned long first;      /* index of the first URL registered */
	unsigned inflight;
	unsigned rooms;
	unsigned lifetime;
	unsigned max_seconds;
	bool probe;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int open_sock(const struct cfg *c)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int sz = 4 << 20;

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	if (c->bind && inet_pton(AF_INET, c->bind, &a.sin_addr) != 1) {
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int build_reg(struct mbuf *mb, uint16_t xid, unsigned long i,
		     const struct cfg *c)
{
	char url[64], attrs[128];
	struct slp_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.fid = SLP_SRVREG;
	m.hdr.flags = SLP_FLAG_FRESH;
	m.hdr.xid = xid;
	i += c->first;
	re_snprintf(url, sizeof(url), "sip:dev%lu@bench.example", i);
	re_snprintf(attrs, sizeof(attrs),
		    "(room=%lu),(floor=%lu),(media=%s),(vendor=bench)",
		    i % c->rooms, i % 10, i % 2 ? "audio" : "video");
	pl_set_str(&m.urlent.url, url);
	m.urlent.lifetime = (uint16_t)c->lifetime;
	pl_set_str(&m.srvtype, SLP_TYPE_DEVICE);
	pl_set_str(&m.scopes, SLP_DEFAULT_SCOPE);
	pl_set_str(&m.attrs, attrs);
	mb->pos = mb->end = 0;
	return slp_msg_encode(mb, &m);
}

static int build_query(struct mbuf *mb, uint16_t xid, const struct cfg *c,
		       const char *pred)
{
	char p[64];
	struct slp_msg m;

	memset(&m, 0, sizeof(m));
	m.hdr.fid = SLP_SRVRQST;
	m.hdr.xid = xid;
	if (!pred) {
		re_snprintf(p, sizeof(p), "(room=%u)",
			    (unsigned)rand() % c->rooms);
		pred = p;
	}
	pl_set_str(&m.srvtype, SLP_TYPE_DEVICE);
	pl_set_str(&m.scopes, SLP_DEFAULT_SCOPE);
	pl_set_str(&m.pred, pred);
	mb->pos = mb->end = 0;
	return slp_msg_encode(mb, &m);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sends n requests with up to c->inflight outstanding; latencies out. */
static int run(const struct cfg *c, unsigned long n, bool reg,
	       double *lat, unsigned long *nok, double *secs)
{
	struct mbuf *mb = mbuf_alloc(512);
	double sent_at[65536];
	bool busy[65536];
	uint8_t buf[65536];
	unsigned long sent = 0, got = 0, bad = 0;
	unsigned flight = 0;
	uint16_t xid = (uint16_t)rand();
	double t0 = now_us(), deadline = t0 + c->max_seconds * 1e6;
	double last = t0;
	int fd = open_sock(c);

	if (fd < 0 || !mb)
		return ENOMEM;
	memset(busy, 0, sizeof(busy));
	while (got + bad < n && now_us() < deadline) {
		struct pollfd pfd = {fd, POLLIN, 0};

		while (flight < c->inflight && sent < n) {
			xid++;
			if ((reg ? build_reg(mb, xid, sent, c) :
			     build_query(mb, xid, c, NULL)))
				return EINVAL;
			sent_at[xid] = now_us();
			busy[xid] = true;
			(void)sendto(fd, mb->buf, mb->end, 0,
				     (struct sockaddr *)&c->da,
				     sizeof(c->da));
			sent++;
			flight++;
		}
		if (poll(&pfd, 1, 200) <= 0) {
			/* lost on the way: count and go on */
			if (now_us() - last > 1e6) {
				bad += flight;
				flight = 0;
				memset(busy, 0, sizeof(busy));
				last = now_us();
			}
			continue;
		}
		for (;;) {
			ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			struct slp_msg m;
			uint16_t se;

			if (r < 0)
				break;
			if (slp_msg_decode(&m, buf, (size_t)r, &se) ||
			    !busy[m.hdr.xid])
				continue;
			busy[m.hdr.xid] = false;
			flight--;
			last = now_us();
			if (m.err) {
				bad++;
				continue;
			}
			lat[got++] = last - sent_at[m.hdr.xid];
		}
	}
	*secs = (now_us() - t0) / 1e6;
	*nok = got;
	close(fd);
	mem_deref(mb);
	return got == n ? 0 : EPROTO;
}

/* One request, one reply: returns the reply's size, 0 if none. */
static size_t exchange(int fd, const struct cfg *c, const struct mbuf *q,
		       uint16_t *flags)
{
	uint8_t buf[65536];
	struct pollfd pfd = {fd, POLLIN, 0};
	ssize_t r;

	(void)sendto(fd, q->buf, q->end, 0, (struct sockaddr *)&c->da,
		     sizeof(c->da));
	if (poll(&pfd, 1, 500) <= 0)
		return 0;
	r = recv(fd, buf, sizeof(buf), 0);
	if (r < 5)
		return 0;
	*flags = (uint16_t)(buf[5] << 8 | buf[6]);
	return (size_t)r;
}

static int probe(const struct cfg *c)
{
	static const char *types[] = {SLP_TYPE_DEVICE, SLP_TYPE_DA, "s"};
	struct mbuf *q = mbuf_alloc(256);
	double worst = 0;
	size_t maxrep = 0, wq = 0, wr = 0;
	int fd = open_sock(c);
	int overflow = 0;

	if (fd < 0 || !q)
		return 1;
	for (unsigned k = 0; k < 3; k++) {
		for (uint8_t fid = SLP_SRVRQST; fid <= SLP_SRVTYPERQST; fid++) {
			struct slp_msg m;
			uint16_t flags = 0;
			size_t rep;

			if (fid != SLP_SRVRQST && fid != SLP_ATTRRQST &&
			    fid != SLP_SRVTYPERQST)
				continue;
			memset(&m, 0, sizeof(m));
			m.hdr.fid = fid;
			m.hdr.xid = (uint16_t)(k * 16 + fid);
			m.hdr.lang = (struct pl)PL("e");
			pl_set_str(&m.srvtype, types[k]);
			pl_set_str(&m.url, types[k]);
			m.na_all = true;
			q->pos = q->end = 0;
			if (slp_msg_encode(q, &m))
				continue;
			rep = exchange(fd, c, q, &flags);
			overflow |= (flags & SLP_FLAG_OVERFLOW) != 0;
			if (rep > maxrep)
				maxrep = rep;
			if ((double)rep / q->end > worst) {
				worst = (double)rep / q->end;
				wq = q->end;
				wr = rep;
			}
		}
	}
	printf("probe worst_ratio=%.2f request=%zu reply=%zu "
	       "max_udp_payload=%zu overflow_seen=%d\n", worst, wq, wr,
	       maxrep, overflow);
	close(fd);
	mem_deref(q);
	return 0;
}

static int number(const char *opt, long min, long max, long *v)
{
	return cli_long("slp_load", opt, optarg, min, max, v);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"da", required_argument, NULL, 'd'},
		{"bind", required_argument, NULL, 'b'},
		{"register", required_argument, NULL, 'r'},
		{"query", required_argument, NULL, 'q'},
		{"inflight", required_argument, NULL, 'k'},
		{"rooms", required_argument, NULL, 'R'},
		{"lifetime", required_argument, NULL, 'l'},
		{"max-seconds", required_argument, NULL, 't'},
		{"probe", no_argument, NULL, 'p'},
		{"first", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cfg c;
	const char *da = "127.0.0.1";
	double *lat = NULL, secs = 0;
	unsigned long nok = 0;
	int ch, err = 0;
	struct sa a;
	long v = 0;

	memset(&c, 0, sizeof(c));
	c.inflight = 1;
	c.rooms = 1000;
	c.lifetime = 600;
	c.max_seconds = 30;
	while ((ch = getopt_long(argc, argv, "d:b:r:q:k:R:l:t:ph", opts,
				 NULL)) != -1) {
		switch (ch) {
		case 'd': da = optarg; break;
		case 'b': c.bind = optarg; break;
		case 'r': err = number("--register", 0, 10000000, &v);
			  c.reg = (unsigned long)v; break;
		case 'q': err = number("--query", 0, 100000000, &v);
			  c.query = (unsigned long)v; break;
		case 'k': err = number("--inflight", 1, MAXFLIGHT, &v);
			  c.inflight = (unsigned)v; break;
		case 'R': err = number("--rooms", 1, 10000000, &v);
			  c.rooms = (unsigned)v; break;
		case 'l': err = number("--lifetime", 1, 65535, &v);
			  c.lifetime = (unsigned)v; break;
		case 't': err = number("--max-seconds", 1, 3600, &v);
			  c.max_seconds = (unsigned)v; break;
		case 'p': c.probe = true; break;
		case 'f': err = number("--first", 0, 100000000, &v);
			  c.first = (unsigned long)v; break;
		case 'h':
			printf("usage: slp_load --da A[:P] (--register N | "
			       "--query N | --probe) [--inflight K] "
			       "[--rooms R] [--lifetime S] [--bind ADDR] [--first I] "
			       "[--max-seconds S]\n");
			return 0;
		default: return 2;
		}
		if (err)
			return 2;
	}
	if (sa_decode(&a, da, strlen(da)) && sa_set_str(&a, da, SLP_PORT))
		return 2;
	memset(&c.da, 0, sizeof(c.da));
	c.da.sin_family = AF_INET;
	c.da.sin_addr.s_addr = htonl(sa_in(&a));
	c.da.sin_port = htons(sa_port(&a));
	srand((unsigned)getpid());

	if (c.probe)
		return probe(&c);
	if (!c.reg && !c.query)
		return 2;
	lat = calloc(c.reg > c.query ? c.reg : c.query, sizeof(*lat));
	if (!lat)
		return 1;
	if (c.reg) {
		err = run(&c, c.reg, true, lat, &nok, &secs);
		printf("srvreg n=%lu ok=%lu inflight=%u seconds=%.3f "
		       "rate=%.0f\n", c.reg, nok, c.inflight, secs,
		       nok / (secs > 0 ? secs : 1));
	}
	if (!err && c.query) {
		err = run(&c, c.query, false, lat, &nok, &secs);
		qsort(lat, nok, sizeof(*lat), cmp_d);
		printf("srvrqst n=%lu ok=%lu inflight=%u seconds=%.3f "
		       "rate=%.0f p50_us=%.1f p99_us=%.1f\n", c.query, nok,
		       c.inflight, secs, nok / (secs > 0 ? secs : 1),
		       nok ? lat[nok / 2] : 0,
		       nok ? lat[(size_t)(nok * 0.99)] : 0);
	}
	free(lat);
	return err ? 1 : 0;
}
