/*
 * Private to src/slp: the UDP socket wrapper the agents share, the
 * address lists (--allow-register), and logging. Not installed.
 */

struct slp_udp;

/** dst_mcast: the datagram was sent to a multicast group;
 *  ldst: our address it was sent to (for a unicast datagram). */
typedef void (slp_udp_recv_h)(const struct sa *src, bool dst_mcast,
			      const struct sa *ldst, const uint8_t *buf,
			      size_t len, void *arg);

/** Opens a UDP/IPv4 socket; reuse lets several agents share port 427
 *  (the SAs bind the group address, the DA the wildcard). */
int slp_udp_open(struct slp_udp **up, const struct sa *local, bool reuse,
		 slp_udp_recv_h *rh, void *arg);
int slp_udp_join(struct slp_udp *u, const char *group);
int slp_udp_send(struct slp_udp *u, const struct sa *dst, const uint8_t *p,
		 size_t n);
int slp_udp_local(const struct slp_udp *u, struct sa *local);

/* Address lists: "127.0.0.0/8,10.1.0.0/16"; NULL = loopback and the
 * networks of our own interfaces. */
struct slp_acl;
int  slp_acl_alloc(struct slp_acl **ap, const char *cidrs);
bool slp_acl_allows(const struct slp_acl *acl, const struct sa *addr);
int  slp_acl_print(struct re_printf *pf, const struct slp_acl *acl);
/** First non-loopback IPv4 address of ours, else 127.0.0.1. */
int  slp_local_addr(struct sa *addr);

/** True if addr (an IPv4 address) is in the comma-separated PRList. */
bool slp_prlist_has(const struct pl *prlist, const struct sa *addr);

/* Escapes (escape.c). slp_unescape() writes [p,e) to out (room for e - p
 * bytes) with each \HH turned into its byte and, with fold, each run of
 * white space into one space; returns the length, or -1 on a bad escape, a
 * control character or a character of `reserved`, which must be escaped
 * where the text stands. */
bool slp_is_ws(char c);
/** Narrows [*p,*e) to leave out white space at both ends. */
void slp_trim(const char **p, const char **e);
long slp_unescape(char *out, const char *p, const char *e,
		  const char *reserved, bool fold);

/* "component: message" on stderr when level <= verbose */
void slp_logf(int verbose, int level, const char *comp, const char *fmt,
	      ...);

struct slp_msg;
struct slp_store;
struct slp_filter;
/** A SrvRply to rqst from the store's matches, cut (OVERFLOW) to limit
 *  bytes; *np gets the number of URL entries it holds (srvrply.c). */
int slp_srvrply_encode(struct mbuf *rep, const struct slp_msg *rqst,
		       const struct slp_store *store, const struct pl *scopes,
		       const struct slp_filter *f, uint64_t now, size_t limit,
		       uint16_t *np);
