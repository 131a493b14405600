/**
 * @file media_meter.h  What a stream received, per SSRC, and which of those
 * packets it played; plus a set of sequence numbers kept as ranges.
 *
 * Pure logic: times are passed in (monotonic ms), so it is tested without
 * sockets. Sequence numbers are extended to 64 bits per SSRC (RFC 3550
 * A.1): ext = cycles * 65536 + seq, where the first packet seen of an SSRC
 * is in cycle 1 (so an older, reordered packet never wraps below zero).
 * Two meters that saw the same SSRC may disagree on the cycle count; align
 * them with meter_seq_unwrap() against a common reference.
 */

#ifndef SIPMOB_MEDIA_METER_H
#define SIPMOB_MEDIA_METER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sequence sets */
struct seqset;

int      seqset_alloc(struct seqset **sp);
int      seqset_add(struct seqset *s, uint64_t v);
int      seqset_add_range(struct seqset *s, uint64_t first, uint64_t last);
int      seqset_union(struct seqset *dst, const struct seqset *src);
bool     seqset_contains(const struct seqset *s, uint64_t v);
uint64_t seqset_count(const struct seqset *s);
uint64_t seqset_missing(const struct seqset *s, uint64_t first,
			uint64_t last);
size_t   seqset_nranges(const struct seqset *s);
int      seqset_range(const struct seqset *s, size_t i, uint64_t *first,
		      uint64_t *last);

/* Meter */
struct meter;

/** SSRCs a meter keeps; one more evicts the least recent never played */
#define METER_MAX_SSRCS 16

/** Counters of one received SSRC */
struct meter_stats {
	uint32_t ssrc;
	uint64_t packets;     /**< unique packets received                */
	uint64_t bytes;       /**< payload bytes of those packets         */
	uint64_t dups;        /**< duplicates (not counted in packets)    */
	uint64_t reordered;   /**< arrived after a higher sequence number */
	uint64_t played;      /**< decoded and tone matched the seq       */
	uint64_t first_ext;   /**< lowest extended sequence seen          */
	uint64_t max_ext;     /**< highest extended sequence seen         */
	uint64_t expected;    /**< max_ext - first_ext + 1                */
	uint64_t lost;        /**< expected - packets                     */
	uint64_t first_ms;    /**< arrival of the first packet            */
	uint64_t last_ms;     /**< arrival of the latest packet           */
};

/** How one packet was taken */
struct meter_rx {
	uint64_t ext;         /**< its extended sequence number           */
	bool dup;             /**< already received: do not play it again */
	bool reordered;       /**< older than the highest seen            */
	bool new_ssrc;        /**< first packet of this SSRC              */
};

int  meter_alloc(struct meter **mp);
int  meter_rx(struct meter *m, uint32_t ssrc, uint16_t seq, size_t bytes,
	      uint64_t now_ms, struct meter_rx *rx);
int  meter_played(struct meter *m, uint32_t ssrc, uint64_t ext);
void meter_tx(struct meter *m, size_t bytes);
void meter_tx_stats(const struct meter *m, uint64_t *packets,
		    uint64_t *bytes);
int  meter_stats(const struct meter *m, uint32_t ssrc,
		 struct meter_stats *st);
size_t meter_ssrcs(const struct meter *m, uint32_t *ssrcv, size_t max);
/** All SSRCs summed (packets, bytes, played, lost; the earliest first_ms
 *  and latest last_ms); returns how many SSRCs there are. */
size_t meter_total(const struct meter *m, struct meter_stats *sum);
const struct seqset *meter_played_set(const struct meter *m, uint32_t ssrc);
uint64_t meter_seq_unwrap(uint64_t ref_ext, uint16_t seq);

#endif /* SIPMOB_MEDIA_METER_H */
