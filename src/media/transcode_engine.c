/**
 * @file transcode_engine.c  The transcoder's threads: N workers, each an
 * epoll loop over the sockets of its pairs, and the hand-off by which the
 * main (libre) thread adds, changes, reads and removes pairs.
 *
 * A worker waits in epoll_wait for the RTP and RTCP sockets of its pairs
 * (edge-triggered) and for its doorbell (an eventfd). For an RTP socket it
 * takes what is queued with recvmmsg, a few at a time, with the kernel's
 * receive time (a batch shorter than asked for says the socket is empty,
 * so no call is spent on EAGAIN; a flooded socket gives up its turn after
 * RX_CAP packets), converts each packet (transcode_pair.c) and sends the
 * result at once from the other leg's socket (sendto), then records the
 * delay added (kernel receive time to just after sendto) in the pair's
 * histogram. An RTCP socket is only drained: the transcoder sends no
 * reports. recvmmsg and sendto measured as fast as or faster than
 * recvmsg, and edge- than level-triggered epoll (bench/transcoder.sh);
 * sendmmsg does not apply: each packet goes out of a different socket.
 *
 * Hand-off: the main thread never touches a pair's packet state while it
 * is attached. It posts a call (a function and its argument) to the
 * pair's worker, rings the doorbell and waits; the worker runs the call
 * after the batch of events it is in, that is between two packets and
 * never with a pointer to a pair still in hand, and signals back. Adding
 * (epoll_ctl ADD), changing a leg, reading the counters and removing
 * (epoll_ctl DEL) are such calls: once a removal returns, no event for the
 * pair can come out of epoll_wait again, and the batch that might have held
 * one has ended, so the main thread frees the pair. The cost is a wake-up
 * of the worker and a wait of the main thread, tens of microseconds, or
 * as long as the worker's current batch takes when it is busy.
 *
 * A new pair goes to the worker with the fewest pairs. Ports are bound on
 * the main thread: RTP on an even port, RTCP on the next, scanning the
 * range from where the last pair ended.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <re.h>
#include "transcode_priv.h"

enum {
	EVENTS    = 256,       /* events taken by one epoll_wait            */
	RX_BATCH  = 4,         /* packets taken from one socket at once     */
	RX_CAP    = 64,        /* ...and at most this many per event        */
	RX_BUF    = 2048,      /* more than TC_MTU: a longer one is refused */
	PORT_LOW  = 1024,      /* the range when none is given              */
};

/* epoll's data: the side, its low bit set for the side's RTCP socket, and
 * 0 for the doorbell */
#define TAG_RTCP ((uintptr_t)1)

typedef void (call_h)(struct tc_worker *w, void *arg);

struct tc_worker {
	struct tc_engine *eng;
	unsigned idx;
	pthread_t thread;
	bool running;
	int epfd;
	int evfd;                 /* the doorbell                           */
	unsigned npairs;          /* main thread                            */

	pthread_mutex_t lock;     /* guards the call                        */
	pthread_cond_t cond;
	call_h *call;
	void *call_arg;
	bool call_pending;
	bool stop;                /* worker: leave the loop                 */

	/* worker: receive buffers and conversion scratch */
	struct mmsghdr msgv[RX_BATCH];
	struct iovec iov[RX_BATCH];
	uint8_t buf[RX_BATCH][RX_BUF];
	uint8_t ctl[RX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
	struct tc_scratch scratch;
};

struct tc_engine {
	struct tc_worker **workerv;
	unsigned workerc;
	unsigned npairs;
	uint16_t port_next;       /* where the next port scan starts        */
	int qos_fd;               /* /dev/cpu_dma_latency, held; or -1      */
};


/* ---- the worker ---- */

static uint64_t ns_of(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}


static uint64_t now_ns(clockid_t clk)
{
	struct timespec t;

	(void)clock_gettime(clk, &t);

	return ns_of(&t);
}


static unsigned hist_bucket(uint32_t us)
{
	unsigned e, b;

	if (us < TC_HIST_LINEAR)
		return us;

	e = 31u - (unsigned)__builtin_clz(us);     /* 6 and up */
	b = TC_HIST_LINEAR + (e - 6) * TC_HIST_SUB +
		((us >> (e - 5)) & (TC_HIST_SUB - 1));

	return b < TC_HIST_BUCKETS ? b : TC_HIST_BUCKETS - 1;
}


/* The middle of bucket b, µs */
static uint32_t hist_value(unsigned b)
{
	unsigned e, sub;
	uint32_t lo, width;

	if (b < TC_HIST_LINEAR)
		return b;

	e = 6 + (b - TC_HIST_LINEAR) / TC_HIST_SUB;
	sub = (b - TC_HIST_LINEAR) % TC_HIST_SUB;
	width = 1u << (e - 5);
	lo = (1u << e) + sub * width;

	return lo + width / 2;
}


static void delay_add(struct tc_pair *p, uint64_t rx_ns, uint64_t tx_ns)
{
	uint64_t us = tx_ns > rx_ns ? (tx_ns - rx_ns) / 1000 : 0;
	uint32_t v = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;

	++p->delay_hist[hist_bucket(v)];
	++p->delay_count;
	if (v > p->delay_max)
		p->delay_max = v;
}


/* The kernel's receive time of a message (SO_TIMESTAMPNS), or now */
static uint64_t rx_time(struct msghdr *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec t;

			memcpy(&t, CMSG_DATA(c), sizeof(t));
			return ns_of(&t);
		}
	}

	return now_ns(CLOCK_REALTIME);
}


/* n packets received on sd: convert, send from the other side */
static void side_convert(struct tc_worker *w, struct tc_side *sd,
			 struct tc_side *out, int n)
{
	struct tc_pair *p = sd->pair;
	struct tc_scratch *s = &w->scratch;

	for (int i = 0; i < n; i++) {
		struct msghdr *m = &w->msgv[i].msg_hdr;
		uint64_t rx_ns = rx_time(m);
		size_t len = w->msgv[i].msg_len;

		if (m->msg_flags & MSG_TRUNC || len > TC_MTU) {
			++sd->st.rx_packets;
			++sd->st.rx_invalid;
			continue;
		}

		tc_pair_convert(p, sd->id, w->buf[i], len, s);
		if (!s->nout)
			continue;

		for (unsigned k = 0; k < s->nout; k++) {
			if (sendto(out->fd, s->out[k], s->outlen[k], 0,
				   &out->conf.remote.u.sa,
				   out->conf.remote.len) < 0)
				++out->st.tx_errors;
			else
				++out->st.tx_packets;
		}

		delay_add(p, rx_ns, now_ns(CLOCK_REALTIME));
	}
}


/* A socket left with packets queued (a flood: RX_CAP taken): have epoll
 * report it again, after the others' turn (EPOLL_CTL_MOD queues a ready fd
 * anew) */
static void rearm(struct tc_worker *w, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.ptr = tag };

	(void)epoll_ctl(w->epfd, EPOLL_CTL_MOD, fd, &ev);
}


/* Packets queued on a side's RTP socket: convert and send on */
static void side_recv(struct tc_worker *w, struct tc_side *sd,
		      uint64_t now_ms)
{
	struct tc_pair *p = sd->pair;
	struct tc_side *out = &p->side[!sd->id];
	int n, taken = 0;

	/* Not routed yet (the controller's answer, often in an ACK, is still
	 * on its way): the socket keeps what comes, up to its buffer, and
	 * call_set_leg() drains it the moment both legs are set. So the first
	 * packets a party sends are late, not lost. */
	if (!sd->set || !out->set)
		return;

	/* edge-triggered: read until fewer than asked for come */
	do {
		if (taken >= RX_CAP) {
			rearm(w, sd->fd, sd);
			return;
		}

		for (int i = 0; i < RX_BATCH; i++) {
			w->msgv[i].msg_hdr.msg_controllen = sizeof(w->ctl[i]);
			w->msgv[i].msg_hdr.msg_flags = 0;
		}

		n = recvmmsg(sd->fd, w->msgv, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;

		sd->st.last_rx_ms = now_ms;
		side_convert(w, sd, out, n);
		taken += n;
	} while (n == RX_BATCH);
}


/* RTCP: the transcoder sends none and reads none */
static void rtcp_drain(struct tc_worker *w, struct tc_side *sd)
{
	for (int i = 0; recv(sd->rtcp_fd, w->buf[0], RX_BUF, MSG_DONTWAIT) >= 0;
	     i++) {
		if (i >= RX_CAP) {
			rearm(w, sd->rtcp_fd, (void *)((uintptr_t)sd | TAG_RTCP));
			return;
		}
	}
}


/* The doorbell rang: run the posted call. True if the worker is to stop. */
static bool worker_serve(struct tc_worker *w)
{
	uint64_t v;
	bool stop;

	(void)read(w->evfd, &v, sizeof(v));

	pthread_mutex_lock(&w->lock);
	if (w->call_pending) {
		w->call(w, w->call_arg);
		w->call_pending = false;
		pthread_cond_signal(&w->cond);
	}
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);

	return stop;
}


static void *worker_main(void *arg)
{
	struct tc_worker *w = arg;
	struct epoll_event evv[EVENTS];

	for (;;) {
		bool doorbell = false;
		uint64_t now_ms;
		int n;

		n = epoll_wait(w->epfd, evv, EVENTS, -1);
		if (n < 0)
			continue;      /* EINTR; the fds are ours: no other */

		now_ms = now_ns(CLOCK_MONOTONIC) / 1000000u;

		for (int i = 0; i < n; i++) {
			uintptr_t tag = (uintptr_t)evv[i].data.ptr;

			if (!tag)
				doorbell = true;
			else if (tag & TAG_RTCP)
				rtcp_drain(w, (struct tc_side *)
					   (tag & ~TAG_RTCP));
			else
				side_recv(w, (struct tc_side *)tag, now_ms);
		}

		/* after the batch: no pointer to a pair is held here */
		if (doorbell && worker_serve(w))
			break;
	}

	return NULL;
}


/* Main thread: run fn(w, arg) on the worker, between two batches, and wait
 * for it to have run */
static void worker_call(struct tc_worker *w, call_h *fn, void *arg)
{
	const uint64_t one = 1;

	pthread_mutex_lock(&w->lock);
	w->call = fn;
	w->call_arg = arg;
	w->call_pending = true;
	pthread_mutex_unlock(&w->lock);

	/* an eventfd write fails only when the counter would overflow */
	(void)write(w->evfd, &one, sizeof(one));

	pthread_mutex_lock(&w->lock);
	while (w->call_pending)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}


static void call_stop(struct tc_worker *w, void *arg)
{
	(void)arg;
	w->stop = true;
}


static void worker_destructor(void *arg)
{
	struct tc_worker *w = arg;

	if (w->running) {
		worker_call(w, call_stop, NULL);
		pthread_join(w->thread, NULL);
	}
	if (w->epfd >= 0)
		close(w->epfd);
	if (w->evfd >= 0)
		close(w->evfd);
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}


static int worker_alloc(struct tc_worker **wp, struct tc_engine *e,
			unsigned idx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct tc_worker *w;
	sigset_t all, old;
	char name[16];
	int err = 0;

	w = mem_zalloc(sizeof(*w), worker_destructor);
	if (!w)
		return ENOMEM;

	w->eng = e;
	w->idx = idx;
	w->epfd = w->evfd = -1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);

	for (int i = 0; i < RX_BATCH; i++) {
		w->iov[i].iov_base = w->buf[i];
		w->iov[i].iov_len = RX_BUF;
		w->msgv[i].msg_hdr.msg_iov = &w->iov[i];
		w->msgv[i].msg_hdr.msg_iovlen = 1;
		w->msgv[i].msg_hdr.msg_control = w->ctl[i];
	}

	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->epfd < 0 || w->evfd < 0) {
		err = errno;
		goto out;
	}
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->evfd, &ev)) {
		err = errno;
		goto out;
	}

	/* signals go to the main thread, as libre expects */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		goto out;
	w->running = true;

	/* for top -H and perf */
	snprintf(name, sizeof(name), "tc-worker-%u", idx);
	(void)pthread_setname_np(w->thread, name);

 out:
	if (err)
		mem_deref(w);
	else
		*wp = w;

	return err;
}


/* ---- the engine ---- */

static void engine_destructor(void *arg)
{
	struct tc_engine *e = arg;

	for (unsigned i = 0; i < e->workerc; i++)
		mem_deref(e->workerv[i]);
	mem_deref(e->workerv);
	if (e->qos_fd >= 0)
		close(e->qos_fd);
}


/** An engine of `threads` workers; 0: one per online core */
int tc_engine_alloc(struct tc_engine **ep, unsigned threads)
{
	struct tc_engine *e;
	int err = 0;

	if (!ep)
		return EINVAL;

	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		threads = n > 0 ? (unsigned)n : 1;
	}

	e = mem_zalloc(sizeof(*e), engine_destructor);
	if (!e)
		return ENOMEM;

	e->qos_fd = -1;
	e->port_next = (uint16_t)rand_u16();
	e->workerv = mem_zalloc(threads * sizeof(*e->workerv), NULL);
	if (!e->workerv) {
		err = ENOMEM;
		goto out;
	}

	for (unsigned i = 0; i < threads; i++) {
		err = worker_alloc(&e->workerv[i], e, i);
		if (err)
			goto out;
		e->workerc = i + 1;
	}

 out:
	if (err)
		mem_deref(e);
	else
		*ep = e;

	return err;
}


/** The number of pairs the engine carries */
unsigned tc_engine_pairs(const struct tc_engine *e)
{
	return e ? e->npairs : 0;
}


/**
 * Ask the kernel (PM QoS, /dev/cpu_dma_latency) to keep every CPU out of
 * idle states that take longer than max_wake_us to leave, for as long as
 * the engine lives; a negative value withdraws the request. An idle worker
 * is woken by its next packet: on a VM whose idle vCPU halts, that wake-up
 * is most of the delay a lightly loaded engine adds (about 100 µs against
 * 30 µs with 0 here, docs/performance.md); a busy worker never sleeps and
 * gains nothing. The cost is system-wide: idle CPUs poll instead of
 * sleeping (power, and host CPU on a VM). Needs root: EACCES otherwise.
 */
int tc_engine_pm_qos(struct tc_engine *e, int max_wake_us)
{
	int32_t v = max_wake_us;
	int fd;

	if (!e)
		return EINVAL;

	if (e->qos_fd >= 0) {
		close(e->qos_fd);      /* the kernel drops the request */
		e->qos_fd = -1;
	}
	if (max_wake_us < 0)
		return 0;

	fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (write(fd, &v, sizeof(v)) != sizeof(v)) {
		int err = errno ? errno : EIO;

		close(fd);
		return err;
	}
	e->qos_fd = fd;

	return 0;
}


/** The number of worker threads */
unsigned tc_engine_threads(const struct tc_engine *e)
{
	return e ? e->workerc : 0;
}


/* ---- pairs ---- */

struct epoll_job {
	struct tc_pair *p;
	int err;
};


static void call_attach(struct tc_worker *w, void *arg)
{
	struct epoll_job *job = arg;

	for (int i = 0; i < 2 && !job->err; i++) {
		struct tc_side *sd = &job->p->side[i];
		struct epoll_event rtp = {
			.events = EPOLLIN | EPOLLET, .data.ptr = sd };
		struct epoll_event rtcp = {
			.events = EPOLLIN | EPOLLET,
			.data.ptr = (void *)((uintptr_t)sd | TAG_RTCP) };

		if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, sd->fd, &rtp) ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, sd->rtcp_fd, &rtcp))
			job->err = errno;
	}
}


static void call_detach(struct tc_worker *w, void *arg)
{
	struct epoll_job *job = arg;

	for (int i = 0; i < 2; i++) {
		/* ENOENT for what an attach that failed did not add */
		(void)epoll_ctl(w->epfd, EPOLL_CTL_DEL, job->p->side[i].fd,
				NULL);
		(void)epoll_ctl(w->epfd, EPOLL_CTL_DEL,
				job->p->side[i].rtcp_fd, NULL);
	}
}


static void pair_destructor(void *arg)
{
	struct tc_pair *p = arg;

	if (p->attached) {
		struct epoll_job job = { .p = p };

		worker_call(p->w, call_detach, &job);
		--p->w->npairs;
		--p->eng->npairs;
	}

	for (int i = 0; i < 2; i++) {
		if (p->side[i].fd >= 0)
			close(p->side[i].fd);
		if (p->side[i].rtcp_fd >= 0)
			close(p->side[i].rtcp_fd);
		mem_deref(p->side[i].coder);
	}

	mem_deref(p->eng);
}


static int udp_bind(const struct sa *laddr, uint16_t port, int *fdp)
{
	struct sa a = *laddr;
	const int on = 1;
	int fd;

	fd = socket(sa_af(laddr), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return errno;

	sa_set_port(&a, port);
	if (bind(fd, &a.u.sa, a.len)) {
		int err = errno;

		close(fd);
		return err;
	}

	/* the kernel's receive time: the delay we add includes the queue */
	(void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on));
	*fdp = fd;

	return 0;
}


/* RTP on an even port of [lo, hi], RTCP on the next */
static int side_bind(struct tc_engine *e, struct tc_side *sd,
		     const struct sa *laddr, uint16_t lo, uint16_t hi)
{
	const uint32_t first = (lo + 1u) & ~1u;
	uint32_t count, start;

	if (first + 1 > hi)
		return EINVAL;
	count = (hi - 1u - first) / 2 + 1;     /* even ports with room */
	start = e->port_next >= first && e->port_next + 1u <= hi ?
		(e->port_next - first) / 2 : 0;

	for (uint32_t i = 0; i < count; i++) {
		uint16_t port = (uint16_t)(first + 2 * ((start + i) % count));
		int err;

		err = udp_bind(laddr, port, &sd->fd);
		if (err == EADDRINUSE || err == EACCES)
			continue;
		if (err)
			return err;

		err = udp_bind(laddr, port + 1, &sd->rtcp_fd);
		if (err) {
			close(sd->fd);
			sd->fd = -1;
			if (err == EADDRINUSE || err == EACCES)
				continue;
			return err;
		}

		sd->laddr = *laddr;
		sa_set_port(&sd->laddr, port);
		e->port_next = (uint16_t)(port + 2);
		return 0;
	}

	return EADDRINUSE;
}


/**
 * A pair of legs on laddr (its port is not used), each with its RTP
 * socket on an even port of [port_min, port_max] and RTCP on the next;
 * 0, 0: any port from 1024 up. It relays once both legs are set.
 */
int tc_pair_alloc(struct tc_pair **pp, struct tc_engine *e,
		  const struct sa *laddr, uint16_t port_min,
		  uint16_t port_max)
{
	struct epoll_job job;
	struct tc_worker *w;
	struct tc_pair *p;
	int err = 0;

	if (!pp || !e || !laddr || !sa_isset(laddr, SA_ADDR))
		return EINVAL;
	if (!port_min && !port_max) {
		port_min = PORT_LOW;
		port_max = UINT16_MAX;
	}
	if (port_min > port_max)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), pair_destructor);
	if (!p)
		return ENOMEM;

	for (int i = 0; i < 2; i++) {
		struct tc_side *sd = &p->side[i];

		sd->pair = p;
		sd->id = (enum tc_leg)i;
		sd->fd = sd->rtcp_fd = -1;
		sd->tx.ssrc = rand_u32();
		sd->tx.seq = rand_u16();
		sd->tx.ts_next = rand_u32();
	}
	p->eng = mem_ref(e);

	err = side_bind(e, &p->side[0], laddr, port_min, port_max);
	if (err)
		goto out;
	err = side_bind(e, &p->side[1], laddr, port_min, port_max);
	if (err)
		goto out;

	/* the worker with the fewest pairs */
	w = e->workerv[0];
	for (unsigned i = 1; i < e->workerc; i++) {
		if (e->workerv[i]->npairs < w->npairs)
			w = e->workerv[i];
	}

	p->w = w;
	p->attached = true;
	++w->npairs;
	++e->npairs;

	job = (struct epoll_job){ .p = p };
	worker_call(w, call_attach, &job);
	err = job.err;

 out:
	if (err)
		mem_deref(p);
	else
		*pp = p;

	return err;
}


/** Where a leg's RTP socket is bound */
const struct sa *tc_pair_laddr(const struct tc_pair *p, enum tc_leg leg)
{
	if (!p || (leg != TC_LEG_A && leg != TC_LEG_B))
		return NULL;

	return &p->side[leg].laddr;
}


struct leg_job {
	struct tc_pair *p;
	enum tc_leg leg;
	const struct tc_leg_conf *c;
	struct tc_coder *coder;       /* the leg's new one, or NULL        */
	struct tc_coder *other;       /* the other leg's new one, or NULL  */
};


static void call_set_leg(struct tc_worker *w, void *arg)
{
	struct leg_job *job = arg;
	struct tc_pair *p = job->p;
	bool routed = p->side[0].set && p->side[1].set;

	tc_pair_apply(p, job->leg, job->c, &job->coder, &job->other);

	/* routed now: what the sockets kept goes on (side_recv) */
	if (!routed && p->side[0].set && p->side[1].set) {
		uint64_t now_ms = now_ns(CLOCK_MONOTONIC) / 1000000u;

		side_recv(w, &p->side[0], now_ms);
		side_recv(w, &p->side[1], now_ms);
	}
}


/**
 * Set what a leg sends and receives; again at any time (a re-INVITE).
 * EINVAL for a payload type out of 0..127, a telephone-event PT equal to
 * the codec's, or a remote that is not set or not of the leg's address
 * family; ENOTSUP for a codec the transcoder does not code.
 */
int tc_pair_set_leg(struct tc_pair *p, enum tc_leg leg,
		    const struct tc_leg_conf *c)
{
	struct leg_job job;
	const struct tc_side *sd, *other;
	uint32_t rate;
	int err;

	if (!p || !c || (leg != TC_LEG_A && leg != TC_LEG_B) || !c->codec)
		return EINVAL;
	if (c->pt > 127 || c->dtmf_pt < -1 || c->dtmf_pt > 127 ||
	    c->dtmf_pt == c->pt)
		return EINVAL;
	if (!sa_isset(&c->remote, SA_ALL))
		return EINVAL;
	sd = &p->side[leg];
	if (sa_af(&c->remote) != sa_af(&sd->laddr))
		return EINVAL;
	if (!tc_coder_known(c->codec))
		return ENOTSUP;

	job = (struct leg_job){ .p = p, .leg = leg, .c = c };
	other = &p->side[!leg];

	/* a new coder for a new codec or rate, and for an Opus leg beside
	 * one whose rate changes. Only the main thread writes conf, set
	 * and coder pointers (in calls it waits for), and a coder's rate is
	 * fixed: reading them here is safe. */
	rate = tc_coder_rate(c->codec, other->set ? other->conf.codec : NULL);
	if (!sd->set || sd->conf.codec != c->codec ||
	    tc_coder_srate(sd->coder) != rate) {
		err = tc_coder_alloc(&job.coder, c->codec, rate);
		if (err)
			return err;
	}
	if (other->set) {
		rate = tc_coder_rate(other->conf.codec, c->codec);
		if (tc_coder_srate(other->coder) != rate) {
			err = tc_coder_alloc(&job.other, other->conf.codec,
					     rate);
			if (err) {
				mem_deref(job.coder);
				return err;
			}
		}
	}

	worker_call(p->w, call_set_leg, &job);
	mem_deref(job.coder);     /* the ones replaced, or NULL */
	mem_deref(job.other);

	return 0;
}


struct stats_job {
	const struct tc_pair *p;
	struct tc_pair_stats *st;
};


static uint32_t percentile(const struct tc_pair *p, double q)
{
	uint64_t want = (uint64_t)(q * (double)p->delay_count + 0.5), sum = 0;

	if (!want)
		want = 1;

	for (unsigned b = 0; b < TC_HIST_BUCKETS; b++) {
		sum += p->delay_hist[b];
		if (sum >= want) {
			uint32_t v = hist_value(b);

			return v < p->delay_max ? v : p->delay_max;
		}
	}

	return p->delay_max;
}


static void call_stats(struct tc_worker *w, void *arg)
{
	struct stats_job *job = arg;
	const struct tc_pair *p = job->p;
	struct tc_pair_stats *st = job->st;

	st->leg[0] = p->side[0].st;
	st->leg[1] = p->side[1].st;
	st->worker = w->idx;
	st->delay_count = p->delay_count;
	st->delay_max_us = p->delay_max;
	if (p->delay_count) {
		st->delay_p50_us = percentile(p, 0.50);
		st->delay_p99_us = percentile(p, 0.99);
	}
}


/** The pair's counters and delay figures, as of now */
int tc_pair_stats(const struct tc_pair *p, struct tc_pair_stats *st)
{
	struct stats_job job = { .p = p, .st = st };

	if (!p || !st)
		return EINVAL;

	memset(st, 0, sizeof(*st));
	worker_call(p->w, call_stats, &job);

	return 0;
}
