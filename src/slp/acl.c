/*
 * Address lists for --allow-register (and who may get full-size UDP
 * replies): IPv4 CIDRs, defaulting to loopback plus the networks our own
 * interfaces are on. Linear scan: the lists hold a handful of networks.
 * Also the PRList check and the log line format used by all agents.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <ifaddrs.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <re.h>
#include "slp_priv.h"

enum { ACL_MAX = 64 };

struct net4 {
	uint32_t addr;
	uint32_t mask;
};

struct slp_acl {
	size_t n;
	struct net4 v[ACL_MAX];
};

static uint32_t mask_of(unsigned bits)
{
	return bits ? 0xffffffffu << (32 - bits) : 0;
}

static int add_cidr(struct slp_acl *a, const struct pl *c)
{
	struct pl addr, bits;
	struct sa sa;
	unsigned b = 32;

	if (a->n >= ACL_MAX)
		return E2BIG;
	if (re_regex(c->p, c->l, "[^/]+[/]*[0-9]*", &addr, NULL, &bits))
		return EINVAL;
	if (sa_set(&sa, &addr, 0) || sa_af(&sa) != AF_INET)
		return EINVAL;
	if (bits.l) {
		b = pl_u32(&bits);
		if (b > 32)
			return EINVAL;
	}
	a->v[a->n].mask = mask_of(b);
	a->v[a->n].addr = sa_in(&sa) & a->v[a->n].mask;
	a->n++;
	return 0;
}

static int add_ifnets(struct slp_acl *a)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return errno;
	for (i = ifa; i && a->n < ACL_MAX; i = i->ifa_next) {
		const struct sockaddr_in *ad, *nm;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    !i->ifa_netmask)
			continue;
		ad = (const struct sockaddr_in *)(void *)i->ifa_addr;
		nm = (const struct sockaddr_in *)(void *)i->ifa_netmask;
		a->v[a->n].mask = ntohl(nm->sin_addr.s_addr);
		a->v[a->n].addr = ntohl(ad->sin_addr.s_addr) &
			a->v[a->n].mask;
		if (a->v[a->n].addr >> 24 == 127)
			continue;       /* loopback is in already */
		a->n++;
	}
	freeifaddrs(ifa);
	return 0;
}

int slp_acl_alloc(struct slp_acl **ap, const char *cidrs)
{
	struct slp_acl *a;
	int err = 0;

	if (!ap)
		return EINVAL;
	a = mem_zalloc(sizeof(*a), NULL);
	if (!a)
		return ENOMEM;
	if (!cidrs) {
		a->v[0].addr = 0x7f000000;
		a->v[0].mask = mask_of(8);
		a->n = 1;
		err = add_ifnets(a);
	}
	else {
		const char *p = cidrs, *end = cidrs + strlen(cidrs);

		while (p < end && !err) {
			const char *c = strchr(p, ',');
			struct pl item;

			item.p = p;
			item.l = (size_t)((c ? c : end) - p);
			p = c ? c + 1 : end;
			if (item.l)
				err = add_cidr(a, &item);
		}
	}
	if (err)
		mem_deref(a);
	else
		*ap = a;
	return err;
}

bool slp_acl_allows(const struct slp_acl *a, const struct sa *addr)
{
	uint32_t x;

	if (!a || !addr || sa_af(addr) != AF_INET)
		return false;
	x = sa_in(addr);
	for (size_t i = 0; i < a->n; i++) {
		if ((x & a->v[i].mask) == a->v[i].addr)
			return true;
	}
	return false;
}

int slp_acl_print(struct re_printf *pf, const struct slp_acl *a)
{
	int err = 0;

	for (size_t i = 0; a && i < a->n; i++) {
		struct sa sa;
		unsigned bits = 0;

		for (uint32_t m = a->v[i].mask; m; m <<= 1)
			bits++;
		sa_set_in(&sa, a->v[i].addr, 0);
		err |= re_hprintf(pf, "%s%j/%u", i ? "," : "", &sa, bits);
	}
	return err;
}

int slp_local_addr(struct sa *addr)
{
	struct ifaddrs *ifa, *i;

	sa_set_str(addr, "127.0.0.1", 0);
	if (getifaddrs(&ifa) < 0)
		return 0;
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in *ad;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		ad = (const struct sockaddr_in *)(void *)i->ifa_addr;
		if ((ntohl(ad->sin_addr.s_addr) >> 24) == 127)
			continue;
		sa_set_in(addr, ntohl(ad->sin_addr.s_addr), 0);
		break;
	}
	freeifaddrs(ifa);
	return 0;
}

bool slp_prlist_has(const struct pl *prlist, const struct sa *addr)
{
	const char *p, *end;

	if (!prlist || !addr)
		return false;
	p = prlist->p;
	end = p + prlist->l;
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		struct pl item = {p, (size_t)((c ? c : end) - p)};
		struct sa a;

		p = c ? c + 1 : end;
		while (item.l && item.p[0] == ' ') {
			item.p++;
			item.l--;
		}
		if (!sa_set(&a, &item, 0) && sa_cmp(&a, addr, SA_ADDR))
			return true;
	}
	return false;
}

void slp_logf(int verbose, int level, const char *comp, const char *fmt, ...)
{
	va_list ap;

	if (level > verbose)
		return;
	va_start(ap, fmt);
	(void)re_fprintf(stderr, "%s: %v\n", comp, fmt, &ap);
	va_end(ap);
}
