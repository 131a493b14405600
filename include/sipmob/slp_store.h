/**
 * @file slp_store.h  Registrations held by a DA (or by an SA answering
 * multicast queries itself): by URL, by service type, by scope, with exact
 * lifetimes and an index on attribute equality.
 *
 * Time is passed in by the caller in milliseconds (tmr_jiffies() in the
 * agents, anything in tests); a registration expires at the millisecond its
 * lifetime says and is never returned after, even before the next sweep.
 *
 * Include <re.h>, slp_attr.h before this header.
 */

struct slp_store;
struct slp_filter;
struct sa;

/** A registration as the store keeps it (read-only for callers). */
struct slp_store_entry {
	struct pl url;
	struct pl type;
	struct pl scopes;
	const struct slp_attrs *attrs;
	uint64_t expires;          /**< ms, same clock as "now"            */
};

/** Match handler: lifetime is what is left, in seconds (rounded up).
 *  Return true to stop. */
typedef bool (slp_store_match_h)(const struct slp_store_entry *e,
				 uint16_t lifetime, void *arg);

int  slp_store_alloc(struct slp_store **stp);
size_t slp_store_count(const struct slp_store *st);
/** The live entry of url, or NULL. */
const struct slp_store_entry *slp_store_lookup(const struct slp_store *st,
					       const struct pl *url,
					       uint64_t now);
/** Registrations held for a source address (port ignored). */
size_t slp_store_src_count(const struct slp_store *st, const struct sa *src);

/**
 * SrvReg (RFC 2608 §8.3, §9.3). fresh: replace; otherwise an update of an
 * existing registration (new attributes replace those with the same tag).
 * Returns 0 or an errno; *slperr is the SLP error to answer.
 */
int slp_store_register(struct slp_store *st, const struct pl *url,
		       uint16_t lifetime, const struct pl *type,
		       const struct pl *scopes, const struct pl *attrs,
		       bool fresh, const struct sa *src, uint64_t now,
		       uint16_t *slperr);

/** SrvDeReg: removes url, or only the attributes named by tags. */
int slp_store_deregister(struct slp_store *st, const struct pl *url,
			 const struct pl *scopes, const struct pl *tags,
			 uint64_t now, uint16_t *slperr);

/** SrvRqst: entries of type (or its abstract type) in scopes matching f
 *  (NULL = all). Equality terms of f are answered from the index. */
int slp_store_find(const struct slp_store *st, const struct pl *type,
		   const struct pl *scopes, const struct slp_filter *f,
		   uint64_t now, slp_store_match_h *mh, void *arg);

/** AttrRqst by URL, or by service type: the union of all its entries. */
int slp_store_attrs(const struct slp_store *st, const struct pl *url_or_type,
		    const struct pl *scopes, const struct pl *tags,
		    uint64_t now, struct mbuf *out);

/** SrvTypeRqst: comma-separated types; na NULL means all authorities. */
int slp_store_srvtypes(const struct slp_store *st, const struct pl *na,
		       const struct pl *scopes, uint64_t now,
		       struct mbuf *out);

/** Removes expired entries; returns how many. O(n) per call. */
size_t slp_store_expire(struct slp_store *st, uint64_t now);

/** Calls h for every live entry (any order). */
void slp_store_apply(const struct slp_store *st, uint64_t now,
		     slp_store_match_h *h, void *arg);

/* Scope and type helpers (RFC 2608 §6.4.1, §4.1) */
bool slp_scopes_intersect(const struct pl *a, const struct pl *b);
/** True if every scope of a is in b. */
bool slp_scopes_subset(const struct pl *a, const struct pl *b);
/** "service:printer:lpr" -> "service:printer"; other types unchanged. */
void slp_type_abstract(struct pl *abs, const struct pl *type);
bool slp_type_match(const struct pl *req, const struct pl *type);
