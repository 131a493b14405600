/**
 * @file seqset.c  A set of extended sequence numbers kept as sorted,
 * disjoint, non-adjacent ranges.
 *
 * A device records here which packets of the far end it played; the
 * mobility layer unions the sets of all the user's devices and counts the
 * numbers missing from the union (the lapse, spec §7). Packets mostly arrive
 * in order, so an add usually extends the last range in O(1); an add in the
 * middle is a binary search plus a memmove, O(ranges). Memory is 16 bytes
 * per range, i.e. per gap in what was played; it is not bounded.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_meter.h>

struct range {
	uint64_t first;
	uint64_t last;
};

struct seqset {
	struct range *v;
	size_t n;
	size_t cap;
};


static void seqset_destructor(void *arg)
{
	struct seqset *s = arg;

	mem_deref(s->v);
}


int seqset_alloc(struct seqset **sp)
{
	struct seqset *s;

	if (!sp)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), seqset_destructor);
	if (!s)
		return ENOMEM;

	*sp = s;

	return 0;
}


/* Index of the first range whose last >= v (n if none) */
static size_t lower_bound(const struct seqset *s, uint64_t v)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].last < v)
			lo = mid + 1;
		else
			hi = mid;
	}

	return lo;
}


static int grow(struct seqset *s)
{
	size_t cap = s->cap ? 2 * s->cap : 8;
	struct range *v;

	/* libre's mem_realloc does not take NULL */
	v = s->v ? mem_realloc(s->v, cap * sizeof(*v))
		: mem_alloc(cap * sizeof(*v), NULL);
	if (!v)
		return ENOMEM;

	s->v = v;
	s->cap = cap;

	return 0;
}


/** Add [first, last] (inclusive) */
int seqset_add_range(struct seqset *s, uint64_t first, uint64_t last)
{
	size_t i, j;
	int err;

	if (!s || first > last)
		return EINVAL;

	/* fast path: in-order arrival extends the last range */
	if (s->n && first >= s->v[s->n - 1].first) {
		struct range *r = &s->v[s->n - 1];

		if (first <= r->last + 1 || r->last == UINT64_MAX) {
			if (last > r->last)
				r->last = last;
			return 0;
		}
	}

	/* first range that touches or follows [first, last] */
	i = lower_bound(s, first ? first - 1 : 0);

	/* ranges i..j-1 touch [first, last] and merge with it */
	for (j = i; j < s->n && (s->v[j].first == 0 ||
				 s->v[j].first - 1 <= last); j++) {
		if (s->v[j].first < first)
			first = s->v[j].first;
		if (s->v[j].last > last)
			last = s->v[j].last;
	}

	if (j > i) {
		s->v[i].first = first;
		s->v[i].last = last;
		memmove(&s->v[i + 1], &s->v[j], (s->n - j) * sizeof(*s->v));
		s->n -= (j - i - 1);
		return 0;
	}

	if (s->n == s->cap) {
		err = grow(s);
		if (err)
			return err;
	}

	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i].first = first;
	s->v[i].last = last;
	++s->n;

	return 0;
}


/** Add one number */
int seqset_add(struct seqset *s, uint64_t v)
{
	return seqset_add_range(s, v, v);
}


/** dst |= src */
int seqset_union(struct seqset *dst, const struct seqset *src)
{
	if (!dst || !src || dst == src)
		return dst && src ? 0 : EINVAL;

	for (size_t i = 0; i < src->n; i++) {
		int err = seqset_add_range(dst, src->v[i].first,
					   src->v[i].last);
		if (err)
			return err;
	}

	return 0;
}


bool seqset_contains(const struct seqset *s, uint64_t v)
{
	size_t i;

	if (!s)
		return false;

	i = lower_bound(s, v);

	return i < s->n && s->v[i].first <= v;
}


/** How many numbers the set holds */
uint64_t seqset_count(const struct seqset *s)
{
	uint64_t c = 0;

	if (!s)
		return 0;

	for (size_t i = 0; i < s->n; i++)
		c += s->v[i].last - s->v[i].first + 1;

	return c;
}


/** How many numbers of [first, last] are not in the set (the lapse) */
uint64_t seqset_missing(const struct seqset *s, uint64_t first,
			uint64_t last)
{
	uint64_t have = 0;

	if (first > last)
		return 0;
	if (!s)
		return last - first + 1;

	for (size_t i = lower_bound(s, first);
	     i < s->n && s->v[i].first <= last; i++) {
		uint64_t a = s->v[i].first > first ? s->v[i].first : first;
		uint64_t b = s->v[i].last < last ? s->v[i].last : last;

		have += b - a + 1;
	}

	return last - first + 1 - have;
}


size_t seqset_nranges(const struct seqset *s)
{
	return s ? s->n : 0;
}


/** The i-th range, lowest first */
int seqset_range(const struct seqset *s, size_t i, uint64_t *first,
		 uint64_t *last)
{
	if (!s || i >= s->n)
		return EINVAL;

	if (first)
		*first = s->v[i].first;
	if (last)
		*last = s->v[i].last;

	return 0;
}
