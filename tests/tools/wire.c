/*
 * wire: a WAN in userspace. Joins two network namespaces with a TAP device
 * in each and forwards Ethernet frames between them after a one-way delay
 * (optionally with jitter) and with random loss, so tests can put a peer
 * "across a continent" without a kernel qdisc.
 *
 *   wire --ns-a NSA --ns-b NSB [--addr-a CIDR]... [--addr-b CIDR]...
 *        [--delay-ms MS] [--jitter-ms MS] [--loss P] [--seed N]
 *        [--duration-s S] [--queue N] [--name IFNAME]
 *
 * NSA and NSB name namespaces under /run/netns (as `ip netns` makes them), or
 * are paths to a namespace file (anything with a '/', e.g. /proc/PID/ns/net).
 * Prints "wire: ready ..." when both links are up; SIGUSR1 prints counters;
 * SIGTERM, SIGINT or the end of --duration-s prints counters and exits 0.
 * See docs/wire.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define MAX_ADDRS 4
#define MAX_FRAME 65536

struct frame {
	uint64_t due_ns;
	size_t len;
	unsigned char *data;
};

/* One direction: frames read from `from`, written to `to` when due. */
struct dir {
	const char *label;
	int from, to;
	struct frame *ring;
	size_t cap, head, len;
	uint64_t last_due_ns;
	unsigned long long rx, tx, lost, qdrop, werr, maxq;
};

struct side {
	const char *ns;
	const char *addr[MAX_ADDRS];
	int naddr;
	int fd;
};

static volatile sig_atomic_t stop_sig, dump_sig;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_sig = 1;
	else
		stop_sig = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, seeded, good enough for loss and jitter. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(void)
{
	return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static int open_ns(const char *ns)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(ns, '/'))
		snprintf(path, sizeof(path), "%s", ns);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "wire: cannot open namespace %s: %s\n", path,
			strerror(errno));
	return fd;
}

static int set_addr4(int s, const char *ifname, const char *ip, int plen)
{
	struct ifreq ifr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		return EINVAL;
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return errno;
	sin->sin_addr.s_addr = plen ? htonl(0xffffffffu << (32 - plen)) : 0;
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		return errno;
	return 0;
}

static int set_addr6(const char *ifname, const char *ip, int plen)
{
	/* struct in6_ifreq from linux/ipv6.h, which clashes with glibc. */
	struct {
		struct in6_addr addr;
		uint32_t prefixlen;
		int ifindex;
	} req;
	int s, err = 0;

	memset(&req, 0, sizeof(req));
	if (inet_pton(AF_INET6, ip, &req.addr) != 1)
		return EINVAL;
	req.prefixlen = (uint32_t)plen;
	req.ifindex = (int)if_nametoindex(ifname);
	if (!req.ifindex)
		return errno;
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return errno;
	if (ioctl(s, SIOCSIFADDR, &req) < 0)
		err = errno;
	close(s);
	return err;
}

static void write_sysctl(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, val, strlen(val)) < 0) {
		/* best effort */
	}
	close(fd);
}

/* Inside the current namespace: create the TAP, address it, bring it up. */
static int make_tap(struct side *sd, const char *ifname)
{
	struct ifreq ifr;
	char path[128], ip[INET6_ADDRSTRLEN + 1];
	int fd, s, i, err;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "wire: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "wire: TUNSETIFF %s in %s: %s\n", ifname,
			sd->ns, strerror(errno));
		close(fd);
		return -1;
	}

	/* No duplicate address detection: the link is ours alone, and an
	 * address in DAD for a second (or more, at 100 ms) would stall tests. */
	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad",
		 ifname);
	write_sysctl(path, "0");

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	for (i = 0; i < sd->naddr; i++) {
		const char *a = sd->addr[i], *slash = strchr(a, '/');
		size_t n = slash ? (size_t)(slash - a) : strlen(a);
		bool v6 = memchr(a, ':', n) != NULL;
		int plen = slash ? atoi(slash + 1) : (v6 ? 64 : 24);

		if (n >= sizeof(ip) || plen < 0 || plen > (v6 ? 128 : 32)) {
			fprintf(stderr, "wire: bad address %s\n", a);
			close(s);
			goto fail_quiet;
		}
		memcpy(ip, a, n);
		ip[n] = '\0';
		err = v6 ? set_addr6(ifname, ip, plen)
			 : set_addr4(s, ifname, ip, plen);
		if (err) {
			fprintf(stderr, "wire: address %s on %s in %s: %s\n",
				a, ifname, sd->ns, strerror(err));
			close(s);
			goto fail_quiet;
		}
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		close(s);
		goto fail;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		close(s);
		goto fail;
	}
	close(s);
	return fd;
 fail:
	fprintf(stderr, "wire: setting up %s in %s: %s\n", ifname, sd->ns,
		strerror(errno));
 fail_quiet:
	close(fd);
	return -1;
}

static int setup_side(struct side *sd, const char *ifname, int home)
{
	int nsfd = open_ns(sd->ns);

	if (nsfd < 0)
		return -1;
	if (setns(nsfd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "wire: setns %s: %s\n", sd->ns,
			strerror(errno));
		close(nsfd);
		return -1;
	}
	close(nsfd);
	sd->fd = make_tap(sd, ifname);
	if (setns(home, CLONE_NEWNET) < 0) {
		fprintf(stderr, "wire: setns back: %s\n", strerror(errno));
		return -1;
	}
	return sd->fd < 0 ? -1 : 0;
}

/* Is this frame link control (ARP, IPv6 neighbour discovery)? Loss spares
 * it: a real WAN path never carries it end to end. */
static bool link_control(const unsigned char *f, size_t len)
{
	unsigned type;
	size_t off = 12;

	if (len < 14)
		return false;
	type = (unsigned)f[off] << 8 | f[off + 1];
	if (type == 0x8100 && len >= 18) {	/* one VLAN tag */
		off += 4;
		type = (unsigned)f[off] << 8 | f[off + 1];
	}
	off += 2;
	if (type == 0x0806)
		return true;
	if (type == 0x86dd && len >= off + 41 && f[off + 6] == 58) {
		unsigned icmp = f[off + 40];

		return icmp >= 133 && icmp <= 137;
	}
	return false;
}

static void print_counters(const struct dir *d, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("wire: %s %s frames_in=%llu frames_out=%llu "
		       "lost=%llu queue_drops=%llu write_errors=%llu "
		       "max_queue=%llu queued=%zu\n", what, d[i].label,
		       d[i].rx, d[i].tx, d[i].lost, d[i].qdrop, d[i].werr,
		       d[i].maxq, d[i].len);
	fflush(stdout);
}

/* Write every frame of d that is due at `now`. */
static void release_due(struct dir *d, uint64_t now)
{
	while (d->len) {
		struct frame *fr = &d->ring[d->head];

		if (fr->due_ns > now)
			break;
		if (write(d->to, fr->data, fr->len) == (ssize_t)fr->len)
			d->tx++;
		else
			d->werr++;
		free(fr->data);
		fr->data = NULL;
		d->head = (d->head + 1) % d->cap;
		d->len--;
	}
}

/* Read what is waiting on d->from (at most a batch) and queue it. */
static int receive(struct dir *d, unsigned char *buf, uint64_t delay_ns,
		   uint64_t jitter_ns, double loss)
{
	int batch;

	for (batch = 0; batch < 64; batch++) {
		ssize_t n = read(d->from, buf, MAX_FRAME);
		uint64_t now, due;
		struct frame *fr;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "wire: read %s: %s\n", d->label,
				strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		now = now_ns();
		d->rx++;
		if (loss > 0 && !link_control(buf, (size_t)n) &&
		    rng_unit() < loss) {
			d->lost++;
			continue;
		}
		if (d->len == d->cap) {
			d->qdrop++;
			continue;
		}
		due = now + delay_ns;
		if (jitter_ns) {
			uint64_t j = rng_next() % (2 * jitter_ns + 1);

			/* jitter <= delay, so due + j - jitter >= now */
			due = due + j - jitter_ns;
		}
		/* One ordered queue: jitter never reorders frames. */
		if (due < d->last_due_ns)
			due = d->last_due_ns;
		d->last_due_ns = due;
		fr = &d->ring[(d->head + d->len) % d->cap];
		fr->data = malloc((size_t)n);
		if (!fr->data) {
			d->qdrop++;
			continue;
		}
		memcpy(fr->data, buf, (size_t)n);
		fr->len = (size_t)n;
		fr->due_ns = due;
		d->len++;
		if (d->len > d->maxq)
			d->maxq = d->len;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: wire --ns-a NSA --ns-b NSB [options]\n"
"Joins two network namespaces with a TAP device in each and forwards\n"
"Ethernet frames between them with a one-way delay and loss.\n"
"  --ns-a NS, --ns-b NS  namespaces (names in /run/netns, or paths)\n"
"  --addr-a CIDR         address on side A's device (repeatable, up to %d;\n"
"                        default 10.99.0.1/24 when no address is given)\n"
"  --addr-b CIDR         same for side B (default 10.99.0.2/24)\n"
"  --delay-ms MS         one-way delay, each direction (default 0)\n"
"  --jitter-ms MS        uniform +-MS on the delay, never reordering (0)\n"
"  --loss P              drop IP frames with probability P, 0..1 (0)\n"
"  --seed N              PRNG seed for loss and jitter (default 1)\n"
"  --duration-s S        exit by itself after S seconds (default: never)\n"
"  --queue N             frames queued per direction, drop-tail (4096)\n"
"  --name IFNAME         TAP device name in both namespaces (wire0)\n"
"  -h, --help            this text\n", MAX_ADDRS);
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"ns-a", required_argument, NULL, 'A'},
		{"ns-b", required_argument, NULL, 'B'},
		{"addr-a", required_argument, NULL, 'a'},
		{"addr-b", required_argument, NULL, 'b'},
		{"delay-ms", required_argument, NULL, 'd'},
		{"jitter-ms", required_argument, NULL, 'j'},
		{"loss", required_argument, NULL, 'l'},
		{"seed", required_argument, NULL, 's'},
		{"duration-s", required_argument, NULL, 't'},
		{"queue", required_argument, NULL, 'q'},
		{"name", required_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	struct side sa = {0}, sb = {0};
	struct dir dirs[2];
	double delay_ms = 0, jitter_ms = 0, loss = 0, duration = 0;
	double queue = 4096;
	unsigned long long seed = 1;
	char *end;
	const char *ifname = "wire0";
	uint64_t delay_ns, jitter_ns, end_ns = 0;
	unsigned char *buf;
	struct sigaction act;
	int c, home, i, rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'A': sa.ns = optarg; break;
		case 'B': sb.ns = optarg; break;
		case 'a':
		case 'b': {
			struct side *sd = c == 'a' ? &sa : &sb;

			if (sd->naddr == MAX_ADDRS) {
				fprintf(stderr, "wire: at most %d addresses "
					"per side\n", MAX_ADDRS);
				return 2;
			}
			sd->addr[sd->naddr++] = optarg;
			break;
		}
		case 'd':
			if (parse_num(optarg, 0, 60000, &delay_ms))
				goto bad;
			break;
		case 'j':
			if (parse_num(optarg, 0, 60000, &jitter_ms))
				goto bad;
			break;
		case 'l':
			if (parse_num(optarg, 0, 1, &loss))
				goto bad;
			break;
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || *optarg == '-')
				goto bad;
			break;
		case 't':
			if (parse_num(optarg, 0, 1e7, &duration))
				goto bad;
			break;
		case 'q':
			if (parse_num(optarg, 1, 1 << 20, &queue))
				goto bad;
			break;
		case 'n':
			if (!*optarg || strlen(optarg) >= IFNAMSIZ)
				goto bad;
			ifname = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		continue;
 bad:
		fprintf(stderr, "wire: bad value: %s\n", optarg);
		return 2;
	}
	if (optind != argc || !sa.ns || !sb.ns) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(sa.ns, sb.ns)) {
		fprintf(stderr, "wire: --ns-a and --ns-b must differ\n");
		return 2;
	}
	if (jitter_ms > delay_ms) {
		fprintf(stderr, "wire: --jitter-ms must not exceed --delay-ms\n");
		return 2;
	}
	if (!sa.naddr)
		sa.addr[sa.naddr++] = "10.99.0.1/24";
	if (!sb.naddr)
		sb.addr[sb.naddr++] = "10.99.0.2/24";
	delay_ns = (uint64_t)(delay_ms * 1e6);
	jitter_ns = (uint64_t)(jitter_ms * 1e6);
	rng_state = seed;

	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGUSR1, &act, NULL);
	signal(SIGPIPE, SIG_IGN);

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		fprintf(stderr, "wire: /proc/self/ns/net: %s\n",
			strerror(errno));
		return 1;
	}
	if (setup_side(&sa, ifname, home) || setup_side(&sb, ifname, home))
		return 1;
	close(home);

	buf = malloc(MAX_FRAME);
	memset(dirs, 0, sizeof(dirs));
	dirs[0].label = "a->b";
	dirs[0].from = sa.fd;
	dirs[0].to = sb.fd;
	dirs[1].label = "b->a";
	dirs[1].from = sb.fd;
	dirs[1].to = sa.fd;
	for (i = 0; i < 2; i++) {
		dirs[i].cap = (size_t)queue;
		dirs[i].ring = calloc(dirs[i].cap, sizeof(struct frame));
		if (!dirs[i].ring || !buf) {
			fprintf(stderr, "wire: out of memory\n");
			return 1;
		}
	}
	if (duration > 0)
		end_ns = now_ns() + (uint64_t)(duration * 1e9);

	printf("wire: ready a=%s b=%s delay=%gms jitter=%gms loss=%g "
	       "if=%s\n", sa.ns, sb.ns, delay_ms, jitter_ms, loss, ifname);

	while (!stop_sig) {
		struct pollfd pfd[2] = {
			{ .fd = sa.fd, .events = POLLIN },
			{ .fd = sb.fd, .events = POLLIN },
		};
		uint64_t now = now_ns(), next = UINT64_MAX;
		struct timespec ts, *tsp = NULL;

		if (end_ns && now >= end_ns)
			break;
		if (dump_sig) {
			dump_sig = 0;
			print_counters(dirs, 2, "counters");
		}
		for (i = 0; i < 2; i++) {
			release_due(&dirs[i], now);
			if (dirs[i].len &&
			    dirs[i].ring[dirs[i].head].due_ns < next)
				next = dirs[i].ring[dirs[i].head].due_ns;
		}
		if (end_ns && end_ns < next)
			next = end_ns;
		if (next != UINT64_MAX) {
			uint64_t wait = next > now ? next - now : 0;

			ts.tv_sec = (time_t)(wait / 1000000000ull);
			ts.tv_nsec = (long)(wait % 1000000000ull);
			tsp = &ts;
		}
		if (ppoll(pfd, 2, tsp, NULL) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "wire: poll: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL) ||
		    pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			fprintf(stderr, "wire: device gone\n");
			rc = 1;
			break;
		}
		if ((pfd[0].revents & POLLIN) &&
		    receive(&dirs[0], buf, delay_ns, jitter_ns, loss))
			rc = 1;
		if ((pfd[1].revents & POLLIN) &&
		    receive(&dirs[1], buf, delay_ns, jitter_ns, loss))
			rc = 1;
		if (rc)
			break;
	}
	print_counters(dirs, 2, "final");
	for (i = 0; i < 2; i++) {
		while (dirs[i].len) {
			free(dirs[i].ring[dirs[i].head].data);
			dirs[i].head = (dirs[i].head + 1) % dirs[i].cap;
			dirs[i].len--;
		}
		free(dirs[i].ring);
	}
	free(buf);
	close(sa.fd);
	close(sb.fd);
	return rc;
}
