/**
 * @file slp_attr.h  SLP attribute lists (RFC 2608 §5, §6.4) and LDAPv3
 * search filters used as SLP predicates (RFC 2608 §8.1, RFC 2254).
 *
 * An attribute list "(room=123),(media=audio,video),mobility" is decoded
 * once into typed values: integer, boolean, opaque ("\FF…"), string, or a
 * keyword (a tag with no value). Escapes (\XX) are resolved; white space
 * around values is dropped and inside strings folded to one space.
 * Comparison is by type: integers numerically, strings case-insensitively.
 *
 * A predicate is compiled once (slp_filter_compile) and evaluated against
 * any number of attribute lists. A malformed one is EBADMSG, which an agent
 * answers with PARSE_ERROR: never an empty result.
 *
 * Include <re.h> before this header.
 */

#include <stdbool.h>
#include <stdint.h>

enum slp_type {
	SLP_T_STRING = 0,
	SLP_T_INTEGER,
	SLP_T_BOOLEAN,
	SLP_T_OPAQUE,
	SLP_T_KEYWORD,
};

struct slp_val {
	enum slp_type type;
	struct pl raw;        /**< as written (escaped, trimmed)          */
	struct pl s;          /**< unescaped; strings folded               */
	int64_t i;            /**< integer value, boolean as 0/1            */
};

struct slp_attr {
	struct pl tag;        /**< unescaped, trimmed                     */
	struct pl rawtag;     /**< as written                             */
	size_t nval;          /**< 0 for a keyword                        */
	struct slp_val *val;
};

struct slp_attrs {
	size_t n;
	struct slp_attr *v;
};

/** Decodes an attribute list; EBADMSG if malformed. Result owns a copy. */
int slp_attrs_decode(struct slp_attrs **ap, const struct pl *list);
const struct slp_attr *slp_attrs_find(const struct slp_attrs *a,
				      const struct pl *tag);

/**
 * Encodes attributes whose tag matches tags (comma-separated, `*`
 * wildcards; empty = all). Several lists are merged: values of one tag are
 * joined without duplicates (AttrRqst by service type: the union).
 */
int slp_attrs_encode(struct mbuf *mb, struct slp_attrs *const *v, size_t n,
		     const struct pl *tags);

/** True if tag (unescaped) matches a tag list with `*` wildcards. */
bool slp_taglist_match(const struct pl *tags, const struct pl *tag);

/** Escapes a value for an attribute list (RFC 2608 §5). */
int slp_attr_escape(struct re_printf *pf, const char *s);

/** Index key of a value: "i:<n>", "b:0|1", "s:<lowercase folded>". */
int slp_val_key(char *buf, size_t sz, const struct slp_val *v);
/** Types an unescaped string the same way an attribute value is typed. */
void slp_val_type(struct slp_val *v, const struct pl *unescaped);

/* Predicates */
struct slp_filter;

int  slp_filter_compile(struct slp_filter **fp, const struct pl *pred);
bool slp_filter_match(const struct slp_filter *f, const struct slp_attrs *a);

/** One (tag=value) the predicate requires: for the store's index. */
typedef bool (slp_filter_eq_h)(const struct pl *tag, const struct slp_val *v,
			       void *arg);
/** Calls eqh for each equality every match must satisfy (top level or
 *  under the top-level AND); stops when eqh returns true. */
void slp_filter_required_eq(const struct slp_filter *f, slp_filter_eq_h *eqh,
			    void *arg);
/** True if the whole predicate is one indexable (tag=value). */
bool slp_filter_single_eq(const struct slp_filter *f);
