/**
 * @file video_depacketize.c  RFC 4629 depacketizer: RTP payloads back into
 * whole H.263+ pictures.
 *
 * A picture begins with a payload whose P bit is set and whose data starts
 * with the rest of a picture start code (PSC: 0000 0000 0000 0000 1000 00,
 * so after the two omitted zero bytes the first byte is 100000xx). Its
 * payloads are gathered, with the two zero bytes put back wherever P=1,
 * until the one with the RTP marker bit; then the picture is returned
 * whole. A V bit skips the VRC byte, PLEN skips the extra picture header
 * (§5.1); RR and PEBIT are ignored as the RFC asks.
 *
 * Loss policy: a sequence gap, a payload that does not parse, a timestamp
 * change in mid-picture or a picture larger than max_frame drops the
 * picture in progress, and payloads are then skipped until the next picture
 * start. So a lost packet costs its own picture only (later P pictures
 * decode against a stale reference and show artefacts until the next
 * keyframe; there is no feedback to ask for one). Every length is checked
 * before it is read. Cost: each payload is copied once into the frame
 * buffer (max_frame bytes, allocated once).
 *
 * h263_picture_intra() looks at one payload alone: does it start a
 * picture, and is that picture intra (a keyframe)? It reads the picture
 * header's PTYPE, or for source format 111 its PLUSPTYPE (H.263 §5.1.3,
 * §5.1.4), and nothing past it.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_video.h>

enum {
	PHDR_SIZE = 2,

	/* Bit offsets in a picture header whose PSC has lost its two zero
	 * bytes (P=1): the PSC's last 6 bits, TR (8), then PTYPE */
	PTYPE_AT     = 6 + 8,
	PTYPE_FMT_AT = PTYPE_AT + 5,   /* bits 6-8: source format           */
	PTYPE_PCT_AT = PTYPE_AT + 8,   /* bit 9: 0 INTRA, 1 INTER           */
	PTYPE_BITS   = 13,
	PLUS_AT      = PTYPE_AT + 8,   /* format 111: PTYPE ends at bit 8   */
	UFEP_BITS    = 3,
	OPPTYPE_BITS = 18,
	MPPTYPE_BITS = 9,

	FMT_FORBIDDEN = 0,
	FMT_RESERVED  = 6,
	FMT_PLUSPTYPE = 7,
	OPP_FMT_RESERVED = 7,          /* OPPTYPE: 000 forbidden, 110 custom */
	MPP_TYPE_I    = 0,             /* MPPTYPE 000: I picture             */
	MPP_TYPE_MAX  = 5,             /* 101 EP; 110 and 111 are reserved   */
};

struct h263_depack {
	uint8_t *buf;
	size_t max;
	size_t len;
	bool assembling;
	uint32_t ts;
	bool have_seq;
	uint16_t seq;
	struct h263_depack_stats st;
};


static void depack_destructor(void *arg)
{
	struct h263_depack *d = arg;

	mem_deref(d->buf);
}


/** A depacketizer for pictures of at most max_frame bytes */
int h263_depack_alloc(struct h263_depack **dp, size_t max_frame)
{
	struct h263_depack *d;

	if (!dp || max_frame < 16)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), depack_destructor);
	if (!d)
		return ENOMEM;

	d->buf = mem_alloc(max_frame, NULL);
	if (!d->buf) {
		mem_deref(d);
		return ENOMEM;
	}

	d->max = max_frame;
	*dp = d;

	return 0;
}


static void drop(struct h263_depack *d)
{
	if (d->assembling)
		++d->st.dropped;

	d->assembling = false;
	d->len = 0;
}


/** Forget the picture in progress and the sequence (a new sender); the
 *  counters stay */
void h263_depack_reset(struct h263_depack *d)
{
	if (!d)
		return;

	drop(d);
	d->have_seq = false;
}


static int append(struct h263_depack *d, bool zeros, const uint8_t *p,
		  size_t n)
{
	size_t need = n + (zeros ? 2 : 0);

	if (need > d->max - d->len)
		return EMSGSIZE;

	if (zeros) {
		d->buf[d->len++] = 0;
		d->buf[d->len++] = 0;
	}
	if (n)
		memcpy(d->buf + d->len, p, n);
	d->len += n;

	return 0;
}


/* The payload header of (p, len): its P bit, and hlen, where the
 * bitstream starts (past the VRC byte if V=1 and PLEN bytes of extra
 * picture header); EBADMSG if the payload is shorter than that */
static int phdr_parse(const uint8_t *p, size_t len, bool *pbit, size_t *hlen)
{
	bool vbit;
	size_t plen;

	if (len < PHDR_SIZE)
		return EBADMSG;

	*pbit = p[0] & 0x04;
	vbit = p[0] & 0x02;
	plen = (size_t)(p[0] & 0x01) << 5 | p[1] >> 3;
	*hlen = PHDR_SIZE + (vbit ? 1 : 0) + plen;

	return len < *hlen ? EBADMSG : 0;
}


/**
 * Take one RTP payload (p, len) with its RTP sequence number, timestamp
 * and marker. Returns 0 with *frame / *frame_len set (valid until the next
 * call) when it completes a picture; ENODATA when it was taken but no
 * picture is complete; EBADMSG when it did not parse (counted and
 * skipped); EMSGSIZE when the picture outgrew max_frame (dropped).
 */
int h263_depack_input(struct h263_depack *d, uint16_t seq, uint32_t ts,
		      bool marker, const uint8_t *p, size_t len,
		      const uint8_t **frame, size_t *frame_len)
{
	bool pbit, psc;
	size_t hlen;
	int err;

	if (!d || (!p && len) || !frame || !frame_len)
		return EINVAL;

	if (d->have_seq && seq != (uint16_t)(d->seq + 1))
		drop(d);
	d->have_seq = true;
	d->seq = seq;

	if (phdr_parse(p, len, &pbit, &hlen))
		goto bad;

	p += hlen;
	len -= hlen;

	if (pbit && !len)
		goto bad;

	psc = pbit && (p[0] & 0xfc) == 0x80;

	if (d->assembling && (psc || ts != d->ts))
		drop(d);

	if (psc) {
		d->assembling = true;
		d->ts = ts;
		d->len = 0;
	}
	else if (!d->assembling) {
		++d->st.skipped;
		return ENODATA;
	}

	err = append(d, pbit, p, len);
	if (err) {
		drop(d);
		return err;
	}

	if (!marker)
		return ENODATA;

	d->assembling = false;
	++d->st.frames;
	*frame = d->buf;
	*frame_len = d->len;

	return 0;

 bad:
	++d->st.bad;
	drop(d);

	return EBADMSG;
}


/** What the depacketizer has taken so far */
void h263_depack_stats(const struct h263_depack *d,
		       struct h263_depack_stats *st)
{
	if (!d || !st)
		return;

	*st = d->st;
}


/* n (at most 32) bits of b from bit offset at, the first most significant;
 * the caller has checked that they are there */
static uint32_t bits(const uint8_t *b, size_t at, unsigned n)
{
	uint32_t v = 0;

	for (; n; n--, at++)
		v = v << 1 | ((b[at >> 3] >> (7 - (at & 7))) & 1);

	return v;
}


/* Whether n bytes hold the first nbits bits */
static bool have(size_t n, size_t nbits)
{
	return n >= (nbits + 7) / 8;
}


/** Does this payload start a picture, and is it an intra one? See
 *  media_video.h. */
int h263_picture_intra(const uint8_t *payload, size_t len, bool *intra)
{
	const uint8_t *b;
	size_t hlen, n, mpp;
	uint32_t fmt, type;
	bool pbit;

	if ((!payload && len) || !intra)
		return EINVAL;

	if (phdr_parse(payload, len, &pbit, &hlen))
		return EBADMSG;

	/* P=0: a follow-on payload, whatever PLEN's extra picture header
	 * says of the picture it belongs to */
	if (!pbit)
		return ENOENT;

	/* P=1 promises a start code, its two zero bytes left out: PSC
	 * 1 00000, GBSC 1 and a non-zero GN, SSC, EOS, EOSBS */
	b = payload + hlen;
	n = len - hlen;
	if (!n || !(b[0] & 0x80))
		return EBADMSG;
	if ((b[0] & 0xfc) != 0x80)
		return ENOENT;

	/* PTYPE: bit 1 is 1, bit 2 is 0; both forms need this much */
	if (!have(n, PTYPE_AT + PTYPE_BITS))
		return EBADMSG;
	if (bits(b, PTYPE_AT, 2) != 2)
		return EBADMSG;

	fmt = bits(b, PTYPE_FMT_AT, 3);
	if (fmt == FMT_FORBIDDEN || fmt == FMT_RESERVED)
		return EBADMSG;

	if (fmt != FMT_PLUSPTYPE) {
		*intra = bits(b, PTYPE_PCT_AT, 1) == 0;
		return 0;
	}

	/* PLUSPTYPE: UFEP, OPPTYPE if UFEP is 001, MPPTYPE */
	switch (bits(b, PLUS_AT, UFEP_BITS)) {

	case 0:
		mpp = PLUS_AT + UFEP_BITS;
		break;

	case 1:
		mpp = PLUS_AT + UFEP_BITS + OPPTYPE_BITS;
		if (!have(n, mpp))
			return EBADMSG;

		/* source format; bit 15 is 1 (no start code emulation) */
		fmt = bits(b, PLUS_AT + UFEP_BITS, 3);
		if (fmt == FMT_FORBIDDEN || fmt == OPP_FMT_RESERVED)
			return EBADMSG;
		if (!bits(b, PLUS_AT + UFEP_BITS + 14, 1))
			return EBADMSG;
		break;

	default:
		return EBADMSG;  /* UFEP 010..111 are forbidden */
	}

	/* MPPTYPE: picture type code in bits 1-3, bit 9 is 1 */
	if (!have(n, mpp + MPPTYPE_BITS))
		return EBADMSG;
	if (!bits(b, mpp + MPPTYPE_BITS - 1, 1))
		return EBADMSG;

	type = bits(b, mpp, 3);
	if (type > MPP_TYPE_MAX)
		return EBADMSG;

	*intra = type == MPP_TYPE_I;

	return 0;
}
