/*
 * tc_load: load generator for the transcoder's media engine (transcode.h),
 * run by bench/transcoder.sh. One run measures one point:
 *
 *   tc_load --pairs N --codec pcma|g722|opus [--secs S] [--loss PCT]
 *           [--jitter MS] [--warm MS] [--pm-qos]
 *
 * It forks. The child runs a tc_engine with ONE worker thread, pinned to
 * CPU 1, and N pairs PCMU <-> CODEC on 127.0.0.1, every leg's remote one of
 * the parent's sockets. The parent, pinned to CPU 0, sends a 20 ms packet
 * (a tone, coded) on both legs of every pair, both directions, each stream
 * at its own phase of the 20 ms period, for S seconds; optionally drops
 * PCT % of them (never a stream's first 10) and delays each by a uniform
 * 0..MS ms (never reordering them); sends go out in sendmmsg batches of
 * what is due. With --pm-qos the engine holds a PM QoS request of 0 µs
 * (tc_engine_pm_qos: no deep idle states while it runs). It receives
 * everything that comes back and reads the delay added per packet: the
 * kernel's receive time at the parent (SO_TIMESTAMPNS) minus the packet's
 * send time (taken around its sendmmsg, interpolated by its place in the
 * batch; a batch holds one packet at light load).
 * An output packet is matched to its input by sequence number: the engine
 * keeps the input's gaps in its output sequence, so out - in is constant
 * per stream (learned from the first packet, which is never dropped).
 *
 * Printed, one line of key=value: packets sent, dropped on purpose,
 * received, lost (not back 300 ms after the end), the added latency p50,
 * p99 and max (µs, after a warm-up), the p99 of the first and the second
 * half of the window (delay that accumulated would make the second
 * larger), the child's CPU over the window (from
 * /proc/PID/stat: all its threads; user + system), the engine's own delay
 * figures (tc_pair_stats, mean p50 and worst p99 over the pairs), and how
 * late the generator itself ran. ok=1 when nothing was lost and the p99
 * stayed under 20 ms: the point is sustainable. gen_ok=0 when more than
 * 5 % of the packets went out over 2 ms late: the generator, not the
 * engine, was the limit (a stall of the machine makes a few late, not
 * that many).
 *
 * Bounded: --secs at most 10; the child is stopped by its PID (closing its
 * pipe, then SIGKILL after 5 s). Loopback only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <re.h>
#include <sipmob/media.h>
#include <sipmob/transcode.h>

enum {
	GEN_SOCKS  = 16,          /* the parent's sockets                   */
	FRAMES     = 50,          /* 1 s of tone, sent round and round      */
	RING       = 128,         /* send times kept per stream (2.56 s)    */
	HIST_US    = 200000,      /* latency histogram, 1 µs buckets        */
	MAX_PAIRS  = 4500,        /* 4 fds a pair, under RLIMIT_NOFILE      */
	BATCH      = 64,
	PERIOD_NS  = 20000000,
};

struct opts {
	unsigned pairs;
	const char *codec;        /* pcma, g722, opus                        */
	double secs;
	double loss;              /* %                                       */
	unsigned jitter_ms;
	unsigned warm_ms;
	bool pm_qos;              /* tc_engine_pm_qos(e, 0) in the child    */
};

/* One coded frame of the tone */
struct frame {
	uint8_t p[400];
	size_t len;
};

struct frames {
	uint8_t pt;
	uint32_t step;            /* timestamp step of 20 ms                */
	struct frame f[FRAMES];
};

/* One direction of one pair: what the parent sends to one leg */
struct stream {
	struct sockaddr_in dst;
	const struct frames *fr;
	uint32_t ssrc, ts;
	uint16_t seq;
	uint16_t first_seq;       /* the first sent, never dropped         */
	uint64_t nominal;         /* the next packet's time without jitter */
	uint64_t due;             /* ...with                               */
	unsigned k;               /* packets so far                        */
	bool have_off;
	uint16_t off;             /* out seq - in seq                      */
	uint64_t sent_ns[RING];
	uint16_t sent_seq[RING];
	bool sent_ok[RING];
};

struct gen {
	struct opts o;
	int fd[GEN_SOCKS];
	struct stream *sv;
	unsigned ns;
	unsigned *heap;           /* stream indexes, earliest due first    */
	int32_t port2stream[65536];
	uint32_t *hist;
	uint64_t hist_over, nlat;
	uint32_t *half[2];        /* the same, first and second half        */
	uint64_t nhalf[2];
	uint64_t t_half;
	uint64_t lat_max;
	uint64_t sent, dropped, recv, stale;
	uint64_t gen_late_max;
	uint64_t gen_late_2ms;    /* packets sent more than 2 ms late       */
	uint64_t t_warm;          /* latency counts from here on           */
	uint32_t rnd;
};


static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}


static uint32_t rnd_next(struct gen *g)
{
	g->rnd ^= g->rnd << 13;
	g->rnd ^= g->rnd >> 17;
	g->rnd ^= g->rnd << 5;
	return g->rnd;
}


/* The codec of leg B for --codec, and the PT it has there */
static const char *other_codec(const char *opt, uint8_t *pt)
{
	if (!strcmp(opt, "pcma")) {
		*pt = 8;
		return "PCMA";
	}
	if (!strcmp(opt, "g722")) {
		*pt = 9;
		return "G722";
	}
	*pt = 111;
	return "opus";
}


static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu >= (int)sysconf(_SC_NPROCESSORS_ONLN))
		cpu = 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}


static int frames_make(struct frames *fr, const char *name, uint8_t pt)
{
	const struct codec_desc *c = codec_find(name);
	struct codec_state *st = NULL;
	struct tone *t = NULL;
	int err;

	if (!c)
		return EINVAL;
	err = codec_state_alloc(&st, c);
	err = err ? err : tone_alloc(&t, c->srate);
	for (unsigned i = 0; !err && i < FRAMES; i++) {
		int16_t pcm[CODEC_MAX_SAMPLES];

		fr->f[i].len = sizeof(fr->f[i].p);
		tone_fill(t, (uint16_t)i, pcm, c->frame_samples);
		err = codec_encode(st, pcm, c->frame_samples, fr->f[i].p,
				   &fr->f[i].len);
	}
	fr->pt = pt;
	fr->step = c->frame_ts;
	mem_deref(st);
	mem_deref(t);

	return err;
}


/* ---- the child: the engine ---- */

static int child_write(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return errno ? errno : EIO;
		b += w;
		n -= (size_t)w;
	}

	return 0;
}


/* Sets up the pairs, writes their ports (uint16 A, B per pair, or a 0
 * count on failure), waits for 'S' to report the engine's figures, and
 * leaves when the pipe closes */
static int child_main(const struct opts *o, const uint16_t *gen_ports,
		      int rd, int wr)
{
	const struct codec_desc *pcmu = codec_find("PCMU");
	uint8_t opt;
	const struct codec_desc *other = codec_find(other_codec(o->codec,
								 &opt));
	struct tc_engine *e = NULL;
	struct tc_pair **pv;
	struct rlimit rl;
	struct sa lo;
	uint32_t count = 0;
	char cmd;
	int err;

	pin(1);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (libre_init())
		return 1;
	pv = calloc(o->pairs, sizeof(*pv));
	err = pv ? 0 : ENOMEM;
	err = err ? err : sa_set_str(&lo, "127.0.0.1", 0);
	err = err ? err : tc_engine_alloc(&e, 1);
	if (!err && o->pm_qos && tc_engine_pm_qos(e, 0))
		fprintf(stderr, "tc_load: no PM QoS request (not root?)\n");

	for (unsigned i = 0; !err && i < o->pairs; i++) {
		struct tc_leg_conf a = { .codec = pcmu, .pt = 0,
					 .dtmf_pt = -1 };
		struct tc_leg_conf b = { .codec = other, .pt = opt,
					 .dtmf_pt = -1 };

		(void)sa_set_str(&a.remote, "127.0.0.1",
				 gen_ports[i % GEN_SOCKS]);
		b.remote = a.remote;
		err = tc_pair_alloc(&pv[i], e, &lo, 0, 0);
		err = err ? err : tc_pair_set_leg(pv[i], TC_LEG_A, &a);
		err = err ? err : tc_pair_set_leg(pv[i], TC_LEG_B, &b);
	}

	count = err ? 0 : o->pairs;
	if (child_write(wr, &count, sizeof(count)))
		goto out;
	for (unsigned i = 0; i < count; i++) {
		uint16_t ports[2] = {
			sa_port(tc_pair_laddr(pv[i], TC_LEG_A)),
			sa_port(tc_pair_laddr(pv[i], TC_LEG_B)) };

		if (child_write(wr, ports, sizeof(ports)))
			goto out;
	}

	while (read(rd, &cmd, 1) == 1) {
		uint64_t rx = 0, tx = 0, lost = 0, late = 0, bad = 0;
		double p50 = 0;
		uint32_t p99 = 0, max = 0;
		char line[256];
		int n;

		for (unsigned i = 0; i < count; i++) {
			struct tc_pair_stats st;

			if (tc_pair_stats(pv[i], &st))
				continue;
			for (int l = 0; l < 2; l++) {
				rx += st.leg[l].rx_packets;
				tx += st.leg[l].tx_packets;
				lost += st.leg[l].rx_lost;
				late += st.leg[l].rx_late;
				bad += st.leg[l].rx_invalid +
					st.leg[l].rx_bad_pt +
					st.leg[l].tx_errors;
			}
			p50 += st.delay_p50_us;
			if (st.delay_p99_us > p99)
				p99 = st.delay_p99_us;
			if (st.delay_max_us > max)
				max = st.delay_max_us;
		}
		n = snprintf(line, sizeof(line),
			     "eng_rx=%llu eng_tx=%llu eng_lost=%llu "
			     "eng_late=%llu eng_bad=%llu eng_p50_us=%.0f "
			     "eng_p99_us=%u eng_max_us=%u\n",
			     (unsigned long long)rx, (unsigned long long)tx,
			     (unsigned long long)lost,
			     (unsigned long long)late,
			     (unsigned long long)bad,
			     count ? p50 / count : 0.0, p99, max);
		if (child_write(wr, line, (size_t)n))
			break;
	}

 out:
	for (unsigned i = 0; pv && i < o->pairs; i++)
		mem_deref(pv[i]);
	free(pv);
	mem_deref(e);
	libre_close();

	return err ? 1 : 0;
}


/* ---- the parent: the generator ---- */

static bool heap_less(const struct gen *g, unsigned a, unsigned b)
{
	return g->sv[g->heap[a]].due < g->sv[g->heap[b]].due;
}


static void heap_swap(struct gen *g, unsigned a, unsigned b)
{
	unsigned t = g->heap[a];

	g->heap[a] = g->heap[b];
	g->heap[b] = t;
}


static void heap_down(struct gen *g, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, r = l + 1, m = i;

		if (l < g->ns && heap_less(g, l, m))
			m = l;
		if (r < g->ns && heap_less(g, r, m))
			m = r;
		if (m == i)
			return;
		heap_swap(g, i, m);
		i = m;
	}
}


static void heap_build(struct gen *g)
{
	for (unsigned i = 0; i < g->ns; i++)
		g->heap[i] = i;
	for (unsigned i = g->ns / 2 + 1; i-- > 0;)
		heap_down(g, i);
}


static size_t rtp_write(uint8_t *b, uint8_t pt, uint16_t seq, uint32_t ts,
			uint32_t ssrc, const struct frame *f)
{
	b[0] = 0x80;
	b[1] = pt;
	b[2] = (uint8_t)(seq >> 8);
	b[3] = (uint8_t)seq;
	b[4] = (uint8_t)(ts >> 24);
	b[5] = (uint8_t)(ts >> 16);
	b[6] = (uint8_t)(ts >> 8);
	b[7] = (uint8_t)ts;
	b[8] = (uint8_t)(ssrc >> 24);
	b[9] = (uint8_t)(ssrc >> 16);
	b[10] = (uint8_t)(ssrc >> 8);
	b[11] = (uint8_t)ssrc;
	memcpy(b + 12, f->p, f->len);

	return 12 + f->len;
}


/* The streams whose packets are due: send them in one sendmmsg (or drop
 * them, as --loss says) and schedule their next. A packet's send time is
 * interpolated over the call, by its place in the batch. */
static void send_due(struct gen *g, uint64_t now)
{
	static struct mmsghdr mv[BATCH];
	static struct iovec iov[BATCH];
	static uint8_t buf[BATCH][512];
	struct stream *sv[BATCH];
	uint16_t seqv[BATCH];     /* a late generator may send a stream twice */
	const uint64_t jmax = (uint64_t)g->o.jitter_ms * 1000000u;
	uint64_t t0, t1;
	unsigned n = 0, off = 0;

	while (n < BATCH && g->sv[g->heap[0]].due <= now) {
		struct stream *s = &g->sv[g->heap[0]];
		bool drop = s->k >= 10 && g->o.loss > 0 &&
			(rnd_next(g) % 100000) < (uint32_t)(g->o.loss * 1000);

		if (now - s->due > g->gen_late_max)
			g->gen_late_max = now - s->due;
		if (now - s->due > 2000000u)
			++g->gen_late_2ms;

		s->sent_ok[s->seq % RING] = false;
		if (drop) {
			++g->dropped;
		}
		else {
			iov[n] = (struct iovec){ buf[n], rtp_write(
				buf[n], s->fr->pt, s->seq, s->ts, s->ssrc,
				&s->fr->f[s->k % FRAMES]) };
			mv[n].msg_hdr = (struct msghdr){
				.msg_name = &s->dst,
				.msg_namelen = sizeof(s->dst),
				.msg_iov = &iov[n], .msg_iovlen = 1 };
			s->sent_seq[s->seq % RING] = s->seq;
			seqv[n] = s->seq;
			sv[n++] = s;
		}

		++s->k;
		++s->seq;
		s->ts += s->fr->step;
		s->nominal += PERIOD_NS;
		s->due = s->nominal + (jmax ? rnd_next(g) % jmax : 0);
		heap_down(g, 0);
	}

	t0 = now_ns();
	while (off < n) {
		int r = sendmmsg(g->fd[0], mv + off, n - off, 0);

		if (r <= 0)
			break;
		off += (unsigned)r;
	}
	t1 = now_ns();

	for (unsigned i = 0; i < n; i++) {
		struct stream *s = sv[i];
		uint16_t seq = seqv[i];

		if (i >= off) {
			++g->dropped;
			continue;
		}
		++g->sent;
		s->sent_ns[seq % RING] = t0 + (t1 - t0) * i / n;
		s->sent_ok[seq % RING] = true;
	}
}


static void lat_add(struct gen *g, uint64_t sent, uint64_t ns)
{
	uint64_t us = ns / 1000;
	const int h = sent >= g->t_half;

	++g->half[h][us < HIST_US ? us : HIST_US - 1];
	++g->nhalf[h];
	if (us < HIST_US)
		++g->hist[us];
	else
		++g->hist_over;
	if (us > g->lat_max)
		g->lat_max = us;
	++g->nlat;
}


static double pct(const uint32_t *hist, uint64_t n, double q)
{
	uint64_t want = (uint64_t)(q * (double)n), sum = 0;

	if (!n)
		return 0;
	for (unsigned i = 0; i < HIST_US; i++) {
		sum += hist[i];
		if (sum > want)
			return i;
	}

	return HIST_US;
}


static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


/* Everything queued on the parent's sockets */
static void recv_all(struct gen *g)
{
	static struct mmsghdr mv[BATCH];
	static struct iovec iov[BATCH];
	static uint8_t buf[BATCH][1600];
	static char ctl[BATCH][CMSG_SPACE(sizeof(struct timespec))];
	static struct sockaddr_in src[BATCH];

	for (int f = 0; f < GEN_SOCKS; f++) {
		int n;

		do {
			for (int i = 0; i < BATCH; i++) {
				iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
				mv[i].msg_hdr = (struct msghdr){
					.msg_name = &src[i],
					.msg_namelen = sizeof(src[i]),
					.msg_iov = &iov[i], .msg_iovlen = 1,
					.msg_control = ctl[i],
					.msg_controllen = sizeof(ctl[i]) };
			}
			n = recvmmsg(g->fd[f], mv, BATCH, MSG_DONTWAIT, NULL);
			for (int i = 0; i < n; i++) {
				struct msghdr *m = &mv[i].msg_hdr;
				uint64_t rx = 0;
				int32_t si;
				struct stream *s;
				uint16_t seq, in;

				if (mv[i].msg_len < 12)
					continue;
				si = g->port2stream[ntohs(src[i].sin_port)];
				if (si < 0)
					continue;
				s = &g->sv[si];
				for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c;
				     c = CMSG_NXTHDR(m, c)) {
					if (c->cmsg_level == SOL_SOCKET &&
					    c->cmsg_type == SCM_TIMESTAMPNS) {
						struct timespec t;

						memcpy(&t, CMSG_DATA(c),
						       sizeof(t));
						rx = (uint64_t)t.tv_sec *
							1000000000u +
							(uint64_t)t.tv_nsec;
					}
				}
				if (!rx)
					rx = now_ns();

				seq = be16(buf[i] + 2);
				if (!s->have_off) {
					/* the stream's first packet */
					s->have_off = true;
					s->off = (uint16_t)(seq -
							    s->first_seq);
				}
				++g->recv;
				in = (uint16_t)(seq - s->off);
				if (!s->sent_ok[in % RING] ||
				    s->sent_seq[in % RING] != in) {
					++g->stale;
					continue;
				}
				s->sent_ok[in % RING] = false;
				if (s->sent_ns[in % RING] >= g->t_warm)
					/* an interpolated send time can be a
					 * little later than a quick reply */
					lat_add(g, s->sent_ns[in % RING],
						rx > s->sent_ns[in % RING] ?
						rx - s->sent_ns[in % RING] : 0);

			}
		} while (n == BATCH);
	}
}


static int gen_open(int *fdp, uint16_t *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	const int on = 1, big = 4 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(fd, (struct sockaddr *)&a, &alen)) {
		close(fd);
		return errno;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	*fdp = fd;
	*port = ntohs(a.sin_port);

	return 0;
}


/* user + system ticks of every thread of pid */
static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			 "%*u %llu %llu", &ut, &st) != 2)
		return -1;

	return (long long)(ut + st);
}


static bool read_all(int fd, void *p, size_t n, int ms)
{
	uint8_t *b = p;

	while (n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pfd, 1, ms) != 1)
			return false;
		r = read(fd, b, n);
		if (r <= 0)
			return false;
		b += r;
		n -= (size_t)r;
	}

	return true;
}


static void child_stop(pid_t pid, int wr)
{
	int status;

	close(wr);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
}


static void usage(void)
{
	fprintf(stderr, "usage: tc_load --pairs N --codec pcma|g722|opus "
		"[--secs S] [--loss PCT] [--jitter MS] [--warm MS] "
		"[--pm-qos]\n");
}


int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "pairs",  required_argument, NULL, 'n' },
		{ "codec",  required_argument, NULL, 'c' },
		{ "secs",   required_argument, NULL, 's' },
		{ "loss",   required_argument, NULL, 'l' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "warm",   required_argument, NULL, 'w' },
		{ "pm-qos", no_argument,       NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	static struct frames fr_pcmu, fr_other;
	struct gen *g;
	uint16_t gen_ports[GEN_SOCKS];
	int up[2], down[2], ch;
	uint32_t count = 0;
	uint64_t t0, t_end, t_drain;
	long long c0, c1, g0 = -1, g1 = -1;
	char engine_line[256] = "";
	double cpu_pct, p50, p99;
	bool ok, gen_ok;
	const char *name;
	uint8_t pt;
	pid_t pid;

	g = calloc(1, sizeof(*g));
	if (!g)
		return 1;
	g->o = (struct opts){ .pairs = 1, .codec = "pcma", .secs = 3,
			      .warm_ms = 300 };
	while ((ch = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (ch) {
		case 'n': g->o.pairs = (unsigned)atoi(optarg); break;
		case 'c': g->o.codec = optarg; break;
		case 's': g->o.secs = atof(optarg); break;
		case 'l': g->o.loss = atof(optarg); break;
		case 'j': g->o.jitter_ms = (unsigned)atoi(optarg); break;
		case 'w': g->o.warm_ms = (unsigned)atoi(optarg); break;
		case 'q': g->o.pm_qos = true; break;
		default: usage(); return 2;
		}
	}
	if (!g->o.pairs || g->o.pairs > MAX_PAIRS || g->o.secs <= 0 ||
	    g->o.secs > 10 || g->o.jitter_ms > 20 || g->o.loss < 0 ||
	    g->o.loss > 50 || (strcmp(g->o.codec, "pcma") &&
			       strcmp(g->o.codec, "g722") &&
			       strcmp(g->o.codec, "opus"))) {
		usage();
		return 2;
	}

	name = other_codec(g->o.codec, &pt);
	if (frames_make(&fr_pcmu, "PCMU", 0) ||
	    frames_make(&fr_other, name, pt)) {
		fprintf(stderr, "tc_load: cannot code the tone\n");
		return 1;
	}
	for (int i = 0; i < GEN_SOCKS; i++) {
		if (gen_open(&g->fd[i], &gen_ports[i])) {
			perror("tc_load: socket");
			return 1;
		}
	}
	if (pipe(up) || pipe(down))
		return 1;

	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		for (int i = 0; i < GEN_SOCKS; i++)
			close(g->fd[i]);
		_exit(child_main(&g->o, gen_ports, down[0], up[1]));
	}
	close(up[1]);
	close(down[0]);
	pin(0);

	/* the pairs' ports, or nothing if the child failed */
	if (!read_all(up[0], &count, sizeof(count), 60000) ||
	    count != g->o.pairs) {
		fprintf(stderr, "tc_load: the engine did not set up %u pairs\n",
			g->o.pairs);
		child_stop(pid, down[1]);
		return 1;
	}

	g->ns = 2 * count;
	g->sv = calloc(g->ns, sizeof(*g->sv));
	g->heap = calloc(g->ns, sizeof(*g->heap));
	g->hist = calloc(HIST_US, sizeof(*g->hist));
	g->half[0] = calloc(HIST_US, sizeof(*g->hist));
	g->half[1] = calloc(HIST_US, sizeof(*g->hist));
	if (!g->sv || !g->heap || !g->hist || !g->half[0] || !g->half[1])
		return 1;
	memset(g->port2stream, 0xff, sizeof(g->port2stream));
	g->rnd = 0x9e3779b9u;

	t0 = now_ns() + 50000000u;
	for (unsigned i = 0; i < count; i++) {
		uint16_t ports[2];

		if (!read_all(up[0], ports, sizeof(ports), 10000)) {
			child_stop(pid, down[1]);
			return 1;
		}
		for (unsigned d = 0; d < 2; d++) {
			unsigned si = 2 * i + d;
			struct stream *s = &g->sv[si];

			s->dst.sin_family = AF_INET;
			s->dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
			s->dst.sin_port = htons(ports[d]);
			s->fr = d ? &fr_other : &fr_pcmu;
			s->ssrc = 0x10000u + si;
			s->seq = (uint16_t)(si * 7919u);
			s->ts = si * 104729u;
			s->first_seq = s->seq;
			/* phases spread over the period */
			s->nominal = t0 + (uint64_t)si * PERIOD_NS / g->ns;
			s->due = s->nominal;
			/* what comes back from the other leg is this one's */
			g->port2stream[ports[!d]] = (int32_t)si;
		}
	}
	heap_build(g);

	t_end = t0 + (uint64_t)(g->o.secs * 1e9);
	g->t_warm = t0 + (uint64_t)g->o.warm_ms * 1000000u;
	g->t_half = g->t_warm + (t_end - g->t_warm) / 2;
	c0 = -1;
	c1 = -1;

	for (;;) {
		uint64_t now = now_ns(), next;
		struct pollfd pfd[GEN_SOCKS];

		if (c0 < 0 && now >= g->t_warm) {
			c0 = cpu_ticks(pid);
			g0 = cpu_ticks(getpid());
		}
		if (now >= t_end)
			break;

		for (int b = 0; b < 4 && g->sv[g->heap[0]].due <= now; b++)
			send_due(g, now);
		recv_all(g);

		/* sleep until the next is due, or something comes */
		next = g->sv[g->heap[0]].due;
		now = now_ns();
		if (next > now + 50000) {
			struct timespec to = {
				.tv_sec = 0,
				.tv_nsec = (long)(next - now > 2000000 ?
						  2000000 : next - now) };

			for (int i = 0; i < GEN_SOCKS; i++)
				pfd[i] = (struct pollfd){ g->fd[i], POLLIN, 0 };
			(void)ppoll(pfd, GEN_SOCKS, &to, NULL);
		}
	}
	c1 = cpu_ticks(pid);
	g1 = cpu_ticks(getpid());

	/* what is still on its way */
	t_drain = now_ns() + 300000000u;
	while (now_ns() < t_drain) {
		recv_all(g);
		usleep(1000);
	}

	if (write(down[1], "S", 1) == 1) {
		size_t n = 0;

		while (n + 1 < sizeof(engine_line) &&
		       read_all(up[0], engine_line + n, 1, 10000)) {
			if (engine_line[n++] == '\n')
				break;
		}
		engine_line[n] = 0;
		if (n && engine_line[n - 1] == '\n')
			engine_line[n - 1] = 0;
	}
	child_stop(pid, down[1]);

	cpu_pct = c0 >= 0 && c1 >= c0 ?
		100.0 * (double)(c1 - c0) / (double)sysconf(_SC_CLK_TCK) /
		((double)(t_end - g->t_warm) / 1e9) : -1;
	p50 = pct(g->hist, g->nlat, 0.50);
	p99 = pct(g->hist, g->nlat, 0.99);
	gen_ok = g->gen_late_2ms * 20 < g->sent + g->dropped;
	ok = g->sent == g->recv && g->stale == 0 && p99 < 20000;

	printf("pairs=%u codec=%s secs=%.1f loss_pct=%.1f jitter_ms=%u "
	       "sent=%llu dropped=%llu recv=%llu lost=%lld stale=%llu "
	       "lat_p50_us=%.0f lat_p99_us=%.0f lat_max_us=%llu "
	       "lat_p99_first_us=%.0f lat_p99_second_us=%.0f "
	       "cpu_pct=%.1f cpu_pct_per_pair=%.4f gen_cpu_pct=%.1f "
	       "gen_late_max_us=%llu gen_late_2ms_pct=%.1f "
	       "%s gen_ok=%d ok=%d\n",
	       count, g->o.codec, g->o.secs, g->o.loss, g->o.jitter_ms,
	       (unsigned long long)g->sent, (unsigned long long)g->dropped,
	       (unsigned long long)g->recv,
	       (long long)g->sent - (long long)g->recv,
	       (unsigned long long)g->stale, p50, p99,
	       (unsigned long long)g->lat_max,
	       pct(g->half[0], g->nhalf[0], 0.99),
	       pct(g->half[1], g->nhalf[1], 0.99), cpu_pct,
	       cpu_pct >= 0 ? cpu_pct / count : -1.0,
	       g0 >= 0 && g1 >= g0 ? 100.0 * (double)(g1 - g0) /
	       (double)sysconf(_SC_CLK_TCK) /
	       ((double)(t_end - g->t_warm) / 1e9) : -1.0,
	       (unsigned long long)(g->gen_late_max / 1000),
	       100.0 * (double)g->gen_late_2ms /
	       (double)(g->sent + g->dropped + !(g->sent + g->dropped)),
	       engine_line,
	       gen_ok, ok);

	return 0;
}
