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
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_video.h>

enum {
	PHDR_SIZE = 2,
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
	bool pbit, vbit, psc;
	size_t hlen, plen;
	int err;

	if (!d || (!p && len) || !frame || !frame_len)
		return EINVAL;

	if (d->have_seq && seq != (uint16_t)(d->seq + 1))
		drop(d);
	d->have_seq = true;
	d->seq = seq;

	if (len < PHDR_SIZE)
		goto bad;

	pbit = p[0] & 0x04;
	vbit = p[0] & 0x02;
	plen = (size_t)(p[0] & 0x01) << 5 | p[1] >> 3;
	hlen = PHDR_SIZE + (vbit ? 1 : 0) + plen;
	if (len < hlen)
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
