/*
 * sipmob-beacon: the room's presence beacon (spec §8.2). It announces the
 * room's current token (RFC 6238 TOTP of the room's secret, presence.h)
 * inside the room only: to a multicast group with TTL 1, so no router
 * passes it on, and/or into a file (rewritten atomically) for tests and
 * for rooms where something else carries it. Devices that require
 * presence hold the same secret and accept the token of the current step
 * or the one before. The secret comes from a file or the environment,
 * never the command line (where `ps` shows it). See docs/sipmob-beacon.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <re.h>
#include <sipmob/cli.h>
#include <sipmob/daemon.h>
#include <sipmob/presence.h>

static void usage(FILE *f)
{
	fprintf(f,
"usage: sipmob-beacon --room NAME [options]\n"
"\n"
"Announces the room's presence token (spec §8.2) inside the room only.\n"
"\n"
"  -r, --room NAME         the room's name ([A-Za-z0-9._-], up to 63)\n"
"      --floor F, --building B\n"
"                          where the room is, announced with it (same\n"
"                          characters): an MN takes them as its location\n"
"      --civic TYPE=VALUE  the same as floor=F or building=B (or FLR=F,\n"
"                          BLD=B, the RFC 5139 names)\n"
"  -k, --secret-file FILE  the room's secret, 16 to 128 bytes, shared with\n"
"                          its devices (default: $SIPMOB_ROOM_SECRET)\n"
"  -s, --step N            seconds a token lasts (default 30)\n"
"  -g, --group ADDR:PORT   multicast group (IPv4) to announce to, with\n"
"                          TTL 1 (default " PRESENCE_GROUP ")\n"
"  -i, --iface NAME        send on this interface (default: the one of the\n"
"                          route to the group)\n"
"  -f, --file PATH         write each announcement to PATH (atomically);\n"
"                          with --file and no --group, no multicast\n"
"  -I, --interval MS       announce this often (default 1000), and at once\n"
"                          when the token changes\n"
"  -v, --verbose           log each new token's step number\n"
"      --config FILE       options from FILE, `option = value` lines\n"
"                          (default /etc/sipmob/sipmob-beacon.conf, if any)\n"
"  -h, --help, -V, --version\n");
}

struct beacon {
	struct presence_key key;
	struct presence_beacon b;  /* room, step and the last announcement */
	uint32_t interval_ms;
	int fd;                    /* -1: no multicast                     */
	struct sa group;
	const char *file;
	char *tmp;                 /* PATH.tmp, renamed onto PATH           */
	struct tmr tmr;
	uint64_t counter;          /* step number of the last token         */
	int last_err;              /* of sending, logged when it changes    */
	bool verbose;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int write_file(const struct beacon *bc, const char *msg, size_t n)
{
	int fd = open(bc->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0644);
	int err = 0;

	if (fd < 0)
		return errno;
	if (write(fd, msg, n) != (ssize_t)n)
		err = errno ? errno : EIO;
	if (close(fd) < 0 && !err)
		err = errno;
	if (!err && rename(bc->tmp, bc->file) < 0)
		err = errno;
	if (err)
		(void)unlink(bc->tmp);
	return err;
}

static void announce(void *arg)
{
	struct beacon *bc = arg;
	uint64_t ms = now_ms(), t = ms / 1000, step = bc->b.step;
	uint64_t next = (t / step + 1) * step * 1000 - ms;
	char msg[PRESENCE_DATAGRAM_MAX];
	size_t n;
	int err = 0;

	/* again after the interval, or just after the token changes */
	tmr_start(&bc->tmr, next < bc->interval_ms ? next + 1 :
		  bc->interval_ms, announce, bc);

	if (presence_token(bc->key.secret, bc->key.len, t, bc->b.step,
			   PRESENCE_DIGITS, bc->b.token))
		return;
	if (bc->verbose && t / step != bc->counter)
		re_fprintf(stderr, "beacon: new token, step %llu\n",
			   (unsigned long long)(t / step));
	bc->counter = t / step;
	bc->b.seq++;
	bc->b.time = t;
	if (presence_beacon_encode(&bc->b, msg, sizeof(msg), &n))
		return;
	if (bc->fd >= 0 &&
	    sendto(bc->fd, msg, n, 0, &bc->group.u.sa, bc->group.len) < 0)
		err = errno;
	if (!err && bc->file)
		err = write_file(bc, msg, n);
	if (err != bc->last_err)
		re_fprintf(stderr, "beacon: %s\n", err ? strerror(err) :
			   "announcing again");
	bc->last_err = err;
}

static int group_open(struct beacon *bc, const char *group,
		      const char *iface)
{
	int ttl = 1, loop = 1;

	if (sa_decode(&bc->group, group, strlen(group)) ||
	    sa_af(&bc->group) != AF_INET || !sa_port(&bc->group) ||
	    !IN_MULTICAST(ntohl(bc->group.u.in.sin_addr.s_addr))) {
		fprintf(stderr, "sipmob-beacon: --group %s: want an IPv4"
			" multicast ADDR:PORT\n", group);
		return EINVAL;
	}
	bc->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (bc->fd < 0)
		return errno;
	/* TTL 1: the link of the room, never past a router; loop: an MN
	 * on the beacon's own host hears it too */
	if (setsockopt(bc->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		       sizeof(ttl)) < 0 ||
	    setsockopt(bc->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
		       sizeof(loop)) < 0)
		return errno;
	if (iface) {
		struct ip_mreqn mr;

		memset(&mr, 0, sizeof(mr));
		mr.imr_ifindex = (int)if_nametoindex(iface);
		if (!mr.imr_ifindex ||
		    setsockopt(bc->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr,
			       sizeof(mr)) < 0) {
			fprintf(stderr, "sipmob-beacon: --iface %s: no such"
				" interface\n", iface);
			return EINVAL;
		}
	}
	return 0;
}

static void stop_handler(void *arg)
{
	struct beacon *bc = arg;

	tmr_cancel(&bc->tmr);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"room",        required_argument, NULL, 'r'},
		{"floor",       required_argument, NULL, 1001},
		{"building",    required_argument, NULL, 1002},
		{"civic",       required_argument, NULL, 1003},
		{"secret-file", required_argument, NULL, 'k'},
		{"step",        required_argument, NULL, 's'},
		{"group",       required_argument, NULL, 'g'},
		{"iface",       required_argument, NULL, 'i'},
		{"file",        required_argument, NULL, 'f'},
		{"interval",    required_argument, NULL, 'I'},
		{"verbose",     no_argument,       NULL, 'v'},
		CLI_CONFIG_OPTION,
		{"help",        no_argument,       NULL, 'h'},
		{"version",     no_argument,       NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct beacon bc;
	const char *room = NULL, *secret_file = NULL, *group = NULL;
	const char *iface = NULL, *env;
	const char *floor = NULL, *building = NULL;
	char why[160] = "";
	long n;
	int c, err;

	memset(&bc, 0, sizeof(bc));
	bc.fd = -1;
	bc.b.step = PRESENCE_STEP;
	bc.interval_ms = 1000;
	if (cli_config("sipmob-beacon", opts, &argc, &argv))
		return 2;
	while ((c = getopt_long(argc, argv, "r:k:s:g:i:f:I:vhV", opts,
				NULL)) != -1) {
		switch (c) {

		case 'r': room = optarg; break;
		case 1001: floor = optarg; break;
		case 1002: building = optarg; break;
		case 1003:
			if (!strncmp(optarg, "floor=", 6) ||
			    !strncmp(optarg, "FLR=", 4))
				floor = strchr(optarg, '=') + 1;
			else if (!strncmp(optarg, "building=", 9) ||
				 !strncmp(optarg, "BLD=", 4))
				building = strchr(optarg, '=') + 1;
			else {
				fprintf(stderr, "sipmob-beacon: --civic %s:"
					" want floor=F or building=B\n",
					optarg);
				return 2;
			}
			break;
		case 'k': secret_file = optarg; break;
		case 's':
			if (cli_long("sipmob-beacon", "--step", optarg, 1,
				     86400, &n))
				return 2;
			bc.b.step = (uint32_t)n;
			break;
		case 'g': group = optarg; break;
		case 'i': iface = optarg; break;
		case 'f': bc.file = optarg; break;
		case 'I':
			if (cli_long("sipmob-beacon", "--interval", optarg,
				     10, 3600000, &n))
				return 2;
			bc.interval_ms = (uint32_t)n;
			break;
		case 'v': bc.verbose = true; break;
		case CLI_CONFIG: break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("sipmob-beacon " SIPMOB_VERSION "\n");
			  return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (!room || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!presence_room_valid(room)) {
		fprintf(stderr, "sipmob-beacon: --room '%s': want 1 to %d of"
			" A-Z a-z 0-9 . _ -\n", room, PRESENCE_ROOM_MAX - 1);
		return 2;
	}
	str_ncpy(bc.b.room, room, sizeof(bc.b.room));
	if ((floor && !presence_room_valid(floor)) ||
	    (building && !presence_room_valid(building))) {
		fprintf(stderr, "sipmob-beacon: --floor and --building: want 1"
			" to %d of A-Z a-z 0-9 . _ -\n", PRESENCE_ROOM_MAX - 1);
		return 2;
	}
	if (floor)
		str_ncpy(bc.b.floor, floor, sizeof(bc.b.floor));
	if (building)
		str_ncpy(bc.b.building, building, sizeof(bc.b.building));
	env = getenv("SIPMOB_ROOM_SECRET");
	if (!secret_file && !env) {
		fprintf(stderr, "sipmob-beacon: no room secret: --secret-file"
			" FILE or SIPMOB_ROOM_SECRET\n");
		return 2;
	}
	if (secret_file ? presence_key_load(&bc.key, secret_file, why,
					    sizeof(why)) :
	    presence_key_set(&bc.key, env, why, sizeof(why))) {
		fprintf(stderr, "sipmob-beacon: %s\n", why);
		return 2;
	}
	if (!bc.file && !group)
		group = PRESENCE_GROUP;

	err = libre_init();
	if (err)
		return 1;
	if (group)
		err = group_open(&bc, group, iface);
	if (!err && bc.file)
		err = re_sdprintf(&bc.tmp, "%s.tmp", bc.file);
	if (!err) {
		tmr_init(&bc.tmr);
		announce(&bc);
		if (bc.last_err) {
			fprintf(stderr, "sipmob-beacon: cannot announce%s\n",
				bc.fd >= 0 ? " (is there a route to the"
				" group?)" : "");
			err = bc.last_err;
		}
	}
	if (!err) {
		re_fprintf(stderr, "beacon: room %s ready: %s%s%s every %u ms,"
			   " token step %u s\n", bc.b.room, group ? group : "",
			   group && bc.file ? " and " : "",
			   bc.file ? bc.file : "", bc.interval_ms,
			   bc.b.step);
		err = daemon_run(stop_handler, &bc);
	}

	tmr_cancel(&bc.tmr);
	if (bc.fd >= 0)
		(void)close(bc.fd);
	mem_deref(bc.tmp);
	memset(&bc.key, 0, sizeof(bc.key));
	libre_close();
	tmr_debug();
	mem_debug();
	return err ? 1 : 0;
}
