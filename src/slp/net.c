/*
 * The UDP socket under every SLP agent. libre's udp_sock cannot tell a
 * multicast datagram from a unicast one, nor share port 427 between a DA
 * and the SAs on one host; SLP needs both (an agent must not answer a
 * multicast request with an error, and must drop it when it is in the
 * PRList). So this wraps a plain socket with IP_PKTINFO, SO_REUSEADDR and
 * libre's fd_listen. IPv4 only (SLP over IPv6, RFC 3111, is not done).
 */
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <re.h>
#include "slp_priv.h"

struct slp_udp {
	int fd;
	slp_udp_recv_h *rh;
	void *arg;
	uint8_t *buf;
};

enum { RXSZ = 65536 };

static void udp_destructor(void *arg)
{
	struct slp_udp *u = arg;

	if (u->fd >= 0) {
		fd_close(u->fd);
		(void)close(u->fd);
	}
	mem_deref(u->buf);
}

static void udp_read(int flags, void *arg)
{
	struct slp_udp *u = arg;

	(void)flags;
	/* the handler may drop the last reference to us: hold one */
	mem_ref(u);
	/* drain what is queued, bounded so one busy socket cannot starve
	 * the loop */
	for (int i = 0; i < 64 && mem_nrefs(u) > 1; i++) {
		struct sockaddr_in from;
		struct iovec iov = {u->buf, RXSZ};
		union {
			struct cmsghdr h;
			uint8_t b[CMSG_SPACE(sizeof(struct in_pktinfo))];
		} ctl;
		struct msghdr mh;
		struct cmsghdr *c;
		struct sa src, ldst;
		bool mcast = false;
		ssize_t n;

		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = &ctl;
		mh.msg_controllen = sizeof(ctl);
		n = recvmsg(u->fd, &mh, MSG_DONTWAIT);
		if (n < 0)
			break;
		if (mh.msg_flags & MSG_TRUNC)
			continue;
		sa_init(&ldst, AF_INET);
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct in_pktinfo pi;

			if (c->cmsg_level != IPPROTO_IP ||
			    c->cmsg_type != IP_PKTINFO)
				continue;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			mcast = IN_MULTICAST(ntohl(pi.ipi_addr.s_addr));
			sa_set_in(&ldst, ntohl(pi.ipi_spec_dst.s_addr), 0);
		}
		sa_set_in(&src, ntohl(from.sin_addr.s_addr),
			  ntohs(from.sin_port));
		u->rh(&src, mcast, &ldst, u->buf, (size_t)n, u->arg);
	}
	mem_deref(u);
}

int slp_udp_open(struct slp_udp **up, const struct sa *local, bool reuse,
		 slp_udp_recv_h *rh, void *arg)
{
	struct slp_udp *u;
	int on = 1, loop = 1, ttl = 1;
	int err = 0;

	if (!up || !local || !rh)
		return EINVAL;
	u = mem_zalloc(sizeof(*u), udp_destructor);
	if (!u)
		return ENOMEM;
	u->fd = -1;
	u->rh = rh;
	u->arg = arg;
	u->buf = mem_alloc(RXSZ, NULL);
	if (!u->buf) {
		err = ENOMEM;
		goto out;
	}
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (u->fd < 0) {
		err = errno;
		goto out;
	}
	if (reuse)
		(void)setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &on,
				 sizeof(on));
	(void)setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	(void)setsockopt(u->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
			 sizeof(loop));
	(void)setsockopt(u->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
			 sizeof(ttl));
	/* receive only the groups this socket joined itself */
#ifdef IP_MULTICAST_ALL
	{
		int off = 0;
		(void)setsockopt(u->fd, IPPROTO_IP, IP_MULTICAST_ALL, &off,
				 sizeof(off));
	}
#endif
	if (bind(u->fd, &local->u.sa, local->len) < 0) {
		err = errno;
		goto out;
	}
	err = fd_listen(u->fd, FD_READ, udp_read, u);
 out:
	if (err)
		mem_deref(u);
	else
		*up = u;
	return err;
}

int slp_udp_join(struct slp_udp *u, const char *group)
{
	struct ip_mreq mr;

	if (!u || !group)
		return EINVAL;
	memset(&mr, 0, sizeof(mr));
	if (inet_pton(AF_INET, group, &mr.imr_multiaddr) != 1)
		return EINVAL;
	mr.imr_interface.s_addr = htonl(INADDR_ANY);
	if (setsockopt(u->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		       sizeof(mr)) < 0)
		return errno;
	return 0;
}

int slp_udp_send(struct slp_udp *u, const struct sa *dst, const uint8_t *p,
		 size_t n)
{
	if (!u || !dst || !p)
		return EINVAL;
	if (sendto(u->fd, p, n, 0, &dst->u.sa, dst->len) < 0)
		return errno;
	return 0;
}

int slp_udp_local(const struct slp_udp *u, struct sa *local)
{
	if (!u || !local)
		return EINVAL;
	sa_init(local, AF_INET);
	local->len = sizeof(local->u.in);
	if (getsockname(u->fd, &local->u.sa, &local->len) < 0)
		return errno;
	return 0;
}
