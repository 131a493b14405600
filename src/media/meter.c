/**
 * @file meter.c  Per-SSRC receive accounting and the record of playout.
 *
 * For each SSRC: extended sequence numbers (RFC 3550 A.1, without the
 * probation and resync rules: a jump is a gap, not a new source), unique
 * packets and bytes, duplicates, reordering, arrival times, and the set of
 * played sequence numbers. lost = expected - unique received, so neither
 * duplicates nor late packets make it negative (RFC 3550 counts duplicates
 * as received; we do not). Duplicates are recognised within the last
 * DUP_WINDOW numbers below the highest seen; an older packet is counted as
 * reordered and taken as new. SSRCs are kept in a list: a stream sees one
 * or two of them, so a linear search costs nothing worth indexing. Any
 * datagram can name a new SSRC, so the list is bounded (METER_MAX_SSRCS):
 * when it is full, a new SSRC evicts the one heard least recently among
 * those that never played, or failing that the one heard least recently.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_meter.h>

enum {
	DUP_WINDOW = 1024,              /* bits, a power of two */
};

struct msrc {
	struct le le;
	struct meter_stats st;
	struct seqset *played;
	uint64_t seen[DUP_WINDOW / 64]; /* bit (ext % DUP_WINDOW) */
};

struct meter {
	struct list srcl;
	size_t nsrc;
	uint64_t tx_packets;
	uint64_t tx_bytes;
};


static void msrc_destructor(void *arg)
{
	struct msrc *s = arg;

	list_unlink(&s->le);
	mem_deref(s->played);
}


/* The source to forget when the list is full */
static struct msrc *victim(const struct meter *m)
{
	struct msrc *v = NULL;

	for (struct le *le = m->srcl.head; le; le = le->next) {
		struct msrc *s = le->data;

		if (!v || (!s->st.played && v->st.played) ||
		    (!s->st.played == !v->st.played &&
		     s->st.last_ms < v->st.last_ms))
			v = s;
	}

	return v;
}


static void meter_destructor(void *arg)
{
	struct meter *m = arg;

	list_flush(&m->srcl);
}


int meter_alloc(struct meter **mp)
{
	struct meter *m;

	if (!mp)
		return EINVAL;

	m = mem_zalloc(sizeof(*m), meter_destructor);
	if (!m)
		return ENOMEM;

	list_init(&m->srcl);
	*mp = m;

	return 0;
}


static struct msrc *src_find(const struct meter *m, uint32_t ssrc)
{
	struct le *le;

	for (le = m->srcl.head; le; le = le->next) {
		struct msrc *s = le->data;

		if (s->st.ssrc == ssrc)
			return s;
	}

	return NULL;
}


static bool seen_get(const struct msrc *s, uint64_t ext)
{
	uint64_t b = ext % DUP_WINDOW;

	return (s->seen[b / 64] >> (b % 64)) & 1;
}


static void seen_set(struct msrc *s, uint64_t ext, bool on)
{
	uint64_t b = ext % DUP_WINDOW;

	if (on)
		s->seen[b / 64] |= (uint64_t)1 << (b % 64);
	else
		s->seen[b / 64] &= ~((uint64_t)1 << (b % 64));
}


/** The extended number of seq nearest to ref_ext (within +-32768) */
uint64_t meter_seq_unwrap(uint64_t ref_ext, uint16_t seq)
{
	int16_t delta = (int16_t)(uint16_t)(seq - (uint16_t)ref_ext);

	if (delta < 0 && (uint64_t)(-(int32_t)delta) > ref_ext)
		return seq;      /* would go below zero: cycle 0 */

	return ref_ext + (int64_t)delta;
}


/**
 * Account one received packet of ssrc with RTP sequence seq and payload
 * size bytes, at now_ms. rx (optional) says how it was taken.
 */
int meter_rx(struct meter *m, uint32_t ssrc, uint16_t seq, size_t bytes,
	     uint64_t now_ms, struct meter_rx *rx)
{
	struct meter_rx r = {0};
	struct msrc *s;
	uint64_t ext;
	int err;

	if (!m)
		return EINVAL;

	s = src_find(m, ssrc);
	if (!s) {
		if (m->nsrc >= METER_MAX_SSRCS) {
			mem_deref(victim(m));
			--m->nsrc;
		}

		s = mem_zalloc(sizeof(*s), msrc_destructor);
		if (!s)
			return ENOMEM;

		err = seqset_alloc(&s->played);
		if (err) {
			mem_deref(s);
			return err;
		}

		ext = 65536 + (uint64_t)seq;
		s->st.ssrc = ssrc;
		s->st.first_ext = ext;
		s->st.max_ext = ext;
		s->st.first_ms = now_ms;
		list_append(&m->srcl, &s->le, s);
		++m->nsrc;
		r.new_ssrc = true;
	}
	else {
		ext = meter_seq_unwrap(s->st.max_ext, seq);
	}

	if (!r.new_ssrc && ext > s->st.max_ext) {

		/* forget the window slots the new numbers reuse */
		if (ext - s->st.max_ext >= DUP_WINDOW) {
			memset(s->seen, 0, sizeof(s->seen));
		}
		else {
			for (uint64_t e = s->st.max_ext + 1; e <= ext; e++)
				seen_set(s, e, false);
		}
		s->st.max_ext = ext;
	}
	else if (!r.new_ssrc) {
		if (s->st.max_ext - ext < DUP_WINDOW && seen_get(s, ext)) {
			r.dup = true;
		}
		else if (ext != s->st.max_ext) {
			r.reordered = true;
		}
		else {
			r.dup = true;    /* == max_ext, always seen */
		}
	}

	r.ext = ext;
	s->st.last_ms = now_ms;

	if (r.dup) {
		++s->st.dups;
		goto out;
	}

	if (r.reordered)
		++s->st.reordered;
	if (ext < s->st.first_ext)
		s->st.first_ext = ext;

	if (s->st.max_ext - ext < DUP_WINDOW)
		seen_set(s, ext, true);
	++s->st.packets;
	s->st.bytes += bytes;

 out:
	if (rx)
		*rx = r;

	return 0;
}


/** Record that packet ext of ssrc was played (tone matched) */
int meter_played(struct meter *m, uint32_t ssrc, uint64_t ext)
{
	struct msrc *s;
	int err;

	if (!m)
		return EINVAL;

	s = src_find(m, ssrc);
	if (!s)
		return ENOENT;

	if (seqset_contains(s->played, ext))
		return 0;

	err = seqset_add(s->played, ext);
	if (err)
		return err;

	++s->st.played;

	return 0;
}


/** Account one sent packet of bytes payload */
void meter_tx(struct meter *m, size_t bytes)
{
	if (!m)
		return;

	++m->tx_packets;
	m->tx_bytes += bytes;
}


void meter_tx_stats(const struct meter *m, uint64_t *packets,
		    uint64_t *bytes)
{
	if (packets)
		*packets = m ? m->tx_packets : 0;
	if (bytes)
		*bytes = m ? m->tx_bytes : 0;
}


/** Counters of ssrc; ENOENT if it was never received */
int meter_stats(const struct meter *m, uint32_t ssrc, struct meter_stats *st)
{
	const struct msrc *s;

	if (!m || !st)
		return EINVAL;

	s = src_find(m, ssrc);
	if (!s)
		return ENOENT;

	*st = s->st;
	st->expected = s->st.max_ext - s->st.first_ext + 1;
	st->lost = st->expected > st->packets ? st->expected - st->packets : 0;

	return 0;
}


/** Up to max SSRCs in order of first arrival; returns how many exist */
size_t meter_ssrcs(const struct meter *m, uint32_t *ssrcv, size_t max)
{
	size_t n = 0;

	if (!m)
		return 0;

	for (struct le *le = m->srcl.head; le; le = le->next, n++) {
		const struct msrc *s = le->data;

		if (ssrcv && n < max)
			ssrcv[n] = s->st.ssrc;
	}

	return n;
}


/** The played extended sequence numbers of ssrc, or NULL */
const struct seqset *meter_played_set(const struct meter *m, uint32_t ssrc)
{
	const struct msrc *s = m ? src_find(m, ssrc) : NULL;

	return s ? s->played : NULL;
}


size_t meter_total(const struct meter *m, struct meter_stats *sum)
{
	uint32_t ssrcv[METER_MAX_SSRCS];
	size_t n, i;

	memset(sum, 0, sizeof(*sum));
	n = meter_ssrcs(m, ssrcv, ARRAY_SIZE(ssrcv));
	for (i = 0; i < n && i < ARRAY_SIZE(ssrcv); i++) {
		struct meter_stats s;

		if (meter_stats(m, ssrcv[i], &s))
			continue;
		sum->packets += s.packets;
		sum->bytes += s.bytes;
		sum->played += s.played;
		sum->lost += s.lost;
		if (!sum->first_ms || s.first_ms < sum->first_ms)
			sum->first_ms = s.first_ms;
		if (s.last_ms > sum->last_ms)
			sum->last_ms = s.last_ms;
	}
	return n;
}
