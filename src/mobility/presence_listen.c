/*
 * The MN's ear for the room's beacon (spec §8.2): it keeps the last
 * announcement heard, on a multicast group or in a file the beacon
 * rewrites, and hands out its token while a device can still accept it.
 * A plain socket under libre's fd_listen, as the SLP agents use, because
 * several MNs on one host must share the group's port (SO_REUSEADDR).
 *
 * Expiry: a device accepts the token of its current step and of the step
 * before, so a token made at time t (the beacon's clock) is good until
 * (t / step + 2) * step. We count that span from the moment we heard it,
 * on our own clock, so the MN's clock need not agree with the room's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <re.h>
#include <sipmob/ctl.h>
#include <sipmob/presence.h>

enum { FILE_POLL_MS = 200 };

struct presence_listener {
	int fd;                   /* the group's socket, or -1           */
	char *where;              /* the group, or "file:PATH", for status */
	char *file;
	struct tmr tmr;           /* polls the file                      */
	struct presence_beacon last;
	bool heard;
	uint64_t heard_at;        /* tmr_jiffies() when last was new     */
	uint64_t good_until;      /* ...and when its token stops working */
	struct sa from;           /* who sent it (multicast)             */
	uint64_t nheard, nrefused;
	presence_heard_h *h;
	void *arg;
};

static void destructor(void *arg)
{
	struct presence_listener *l = arg;

	tmr_cancel(&l->tmr);
	if (l->fd >= 0) {
		fd_close(l->fd);
		(void)close(l->fd);
	}
	mem_deref(l->where);
	mem_deref(l->file);
}

/* A new announcement (not the same one read again from the file) */
static void heard(struct presence_listener *l, const struct presence_beacon *b)
{
	uint64_t span = ((b->time / b->step) + 2) * b->step - b->time;

	l->last = *b;
	l->heard = true;
	l->heard_at = tmr_jiffies();
	l->good_until = l->heard_at + span * 1000;
	l->nheard++;
}

/* true: a new announcement, now the last heard */
static bool take(struct presence_listener *l, const char *buf, size_t n)
{
	struct presence_beacon b;

	if (presence_beacon_decode(&b, buf, n)) {
		l->nrefused++;
		return false;
	}
	if (l->heard && b.seq == l->last.seq && b.time == l->last.time &&
	    !strcmp(b.room, l->last.room) && !strcmp(b.token, l->last.token))
		return false;   /* the file, unchanged */
	heard(l, &b);
	if (l->h)
		l->h(&l->last, l->arg);
	return true;
}

static void group_read(int flags, void *arg)
{
	struct presence_listener *l = arg;
	char buf[PRESENCE_DATAGRAM_MAX + 1];

	(void)flags;
	for (int i = 0; i < 64; i++) {   /* bounded: never starve the loop */
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(l->fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if ((size_t)n > PRESENCE_DATAGRAM_MAX) {
			l->nrefused++;     /* too long to be one */
			continue;
		}
		if (take(l, buf, (size_t)n) && fl == sizeof(from))
			sa_set_sa(&l->from, (struct sockaddr *)&from);
	}
}

static void file_poll(void *arg)
{
	struct presence_listener *l = arg;
	char buf[PRESENCE_DATAGRAM_MAX + 1];
	FILE *f = fopen(l->file, "rb");

	tmr_start(&l->tmr, FILE_POLL_MS, file_poll, l);
	if (!f)
		return;       /* not written yet, or between two renames */
	size_t n = fread(buf, 1, sizeof(buf), f);
	(void)fclose(f);
	if (n > PRESENCE_DATAGRAM_MAX) {
		l->nrefused++;
		return;
	}
	(void)take(l, buf, n);
}

static int group_open(struct presence_listener *l, const char *group,
		      char *why, size_t whysz)
{
	struct sa sa;
	int on = 1, off = 0, err;

	if (sa_decode(&sa, group, str_len(group)) || sa_af(&sa) != AF_INET ||
	    !sa_port(&sa)) {
		(void)snprintf(why, whysz, "%s: want an IPv4 ADDR:PORT",
			       group);
		return EINVAL;
	}
	l->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (l->fd < 0)
		return errno;
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
#ifdef IP_MULTICAST_ALL
	/* only the group we joined, not every group another socket did */
	(void)setsockopt(l->fd, IPPROTO_IP, IP_MULTICAST_ALL, &off,
			 sizeof(off));
#else
	(void)off;
#endif
	if (bind(l->fd, &sa.u.sa, sa.len) < 0) {
		err = errno;
		(void)snprintf(why, whysz, "%s: bind: %s", group,
			       strerror(err));
		return err;
	}
	if (IN_MULTICAST(ntohl(sa.u.in.sin_addr.s_addr))) {
		struct ip_mreqn mr;

		memset(&mr, 0, sizeof(mr));
		mr.imr_multiaddr = sa.u.in.sin_addr;
		/* interface 0: the one of the route to the group */
		if (setsockopt(l->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
			       sizeof(mr)) < 0) {
			err = errno;
			(void)snprintf(why, whysz, "%s: cannot join the group"
				       " (%s; is there a multicast route?)",
				       group, strerror(err));
			return err;
		}
	}
	return fd_listen(l->fd, FD_READ, group_read, l);
}

int presence_listener_alloc(struct presence_listener **lp,
			    const char *group, const char *file,
			    char *why, size_t whysz)
{
	struct presence_listener *l;
	int err;

	if (!lp || (!group == !file))
		return EINVAL;
	l = mem_zalloc(sizeof(*l), destructor);
	if (!l)
		return ENOMEM;
	l->fd = -1;
	tmr_init(&l->tmr);
	sa_init(&l->from, AF_UNSPEC);
	if (file) {
		err  = str_dup(&l->file, file);
		err |= re_sdprintf(&l->where, "file:%s", file);
		if (!err)
			file_poll(l);
	}
	else {
		err = str_dup(&l->where, group);
		if (!err)
			err = group_open(l, group, why, whysz);
	}
	if (err)
		mem_deref(l);
	else
		*lp = l;
	return err;
}

int presence_listener_token(const struct presence_listener *l,
			    char out[PRESENCE_TOKEN_MAX])
{
	if (!l || !out || !l->heard || tmr_jiffies() >= l->good_until)
		return ENOENT;
	memcpy(out, l->last.token, PRESENCE_TOKEN_MAX);
	return 0;
}

void presence_listener_set_handler(struct presence_listener *l,
				   presence_heard_h *h, void *arg)
{
	if (!l)
		return;
	l->h = h;
	l->arg = arg;
}

const char *presence_listener_room(const struct presence_listener *l)
{
	return l && l->heard ? l->last.room : NULL;
}

int presence_listener_status(const struct presence_listener *l,
			     struct odict *od)
{
	uint64_t now = tmr_jiffies();
	char from[64] = "";
	int err;

	if (!l || !od)
		return EINVAL;
	err  = ctl_put_str(od, "listen", l->where);
	err |= ctl_put_int(od, "heard", (int64_t)l->nheard);
	err |= ctl_put_int(od, "refused", (int64_t)l->nrefused);
	if (!l->heard) {
		err |= ctl_put_str(od, "room", NULL);
		err |= ctl_put_bool(od, "token_valid", false);
		return err;
	}
	if (sa_isset(&l->from, SA_ADDR))
		(void)re_snprintf(from, sizeof(from), "%j", &l->from);
	err |= ctl_put_str(od, "room", l->last.room);
	err |= ctl_put_str(od, "from", from[0] ? from : NULL);
	err |= ctl_put_int(od, "step", l->last.step);
	err |= ctl_put_int(od, "token_age_ms", (int64_t)(now - l->heard_at));
	err |= ctl_put_bool(od, "token_valid", now < l->good_until);
	return err;
}
