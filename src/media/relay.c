/**
 * @file relay.c  The parts of a stream's bridge hooks (media_relay.h) that
 * audio and video share: sending a received packet on, and renumbering
 * another source's packet into our stream.
 */
#include <string.h>
#include <re.h>
#include <sipmob/media_relay.h>

/* The bytes of the packet's header as it came, when mb still holds them
 * right before the payload (libre leaves padding at the end, so the bytes
 * from there on are the packet as it came). */
static bool intact(const struct rtp_header *hdr, const struct mbuf *mb,
		   size_t *start)
{
	size_t hl = RTP_HEADER_SIZE + 4 * (size_t)hdr->cc;

	if (hdr->ext)
		hl += 4 + 4 * (size_t)hdr->x.len;
	if (mb->pos < hl)
		return false;
	*start = mb->pos - hl;
	return (mb->buf[*start] >> 6) == RTP_VERSION;
}

/* The payload's length without the padding a padded packet ends with
 * (RFC 3550 §5.1: its last octet counts the padding octets) */
static size_t payload_len(const struct rtp_header *hdr, const struct mbuf *mb)
{
	size_t len = mbuf_get_left(mb), pad;

	if (!hdr->pad || !len)
		return len;
	pad = mb->buf[mb->end - 1];
	return pad <= len ? len - pad : 0;
}

/* hdr (without padding or extension) and the payload at mb->pos */
static int send_encoded(struct udp_sock *us, const struct sa *dst,
			const struct rtp_header *hdr, const struct mbuf *mb)
{
	size_t len = payload_len(hdr, mb);
	struct rtp_header h;
	struct mbuf *out;
	int err;

	out = mbuf_alloc(RTP_HEADER_SIZE + 64 + len);
	if (!out)
		return ENOMEM;
	h = *hdr;
	h.pad = false;
	h.ext = false;
	err = rtp_hdr_encode(out, &h);
	err = err ? err : mbuf_write_mem(out, mbuf_buf(mb), len);
	if (!err) {
		out->pos = 0;
		err = udp_send(us, dst, out);
	}
	mem_deref(out);
	return err;
}

int media_relay_send(struct udp_sock *us, const struct sa *dst,
		     const struct rtp_header *hdr, struct mbuf *mb)
{
	size_t pos, start;
	int err;

	if (!us || !dst || !hdr || !mb)
		return EINVAL;

	pos = mb->pos;
	if (!intact(hdr, mb, &start))
		return send_encoded(us, dst, hdr, mb);

	mb->pos = start;
	err = udp_send(us, dst, mb);
	mb->pos = pos;
	return err;
}

int media_relay_send_as(struct udp_sock *us, const struct sa *dst,
			const struct rtp_header *hdr, const struct mbuf *mb)
{
	if (!us || !dst || !hdr || !mb)
		return EINVAL;

	return send_encoded(us, dst, hdr, mb);
}

void media_splice_header(struct media_splice *sp, struct rtp_header *out,
			 const struct rtp_header *in, uint32_t ssrc,
			 uint16_t seq, uint32_t next_ts)
{
	if (!sp->synced) {
		/* the first packet continues our timeline where it stands */
		sp->synced = true;
		sp->ts_off = next_ts - in->ts;
	}
	sp->on = true;
	*out = *in;   /* pad as it came: the sender cuts the padding */
	out->ext = false;
	out->cc = 0;
	out->ssrc = ssrc;
	out->seq = seq;
	out->ts = in->ts + sp->ts_off;
	sp->last_ts = out->ts;
}

/* ---- RTCP ------------------------------------------------------------------ */

struct media_rtcp_relay {
	struct udp_helper *uh;
	struct udp_sock *us;
	struct sa dst;            /* the RTCP port of the new place        */
	struct sa except;         /* ...whose own reports we keep          */
	bool have_except;
	uint64_t *counter;
};

static void rtcp_relay_destructor(void *arg)
{
	struct media_rtcp_relay *r = arg;

	mem_deref(r->uh);
}

/* Before libre's RTCP sees it: the far end's reports go on */
static bool rtcp_recv(struct sa *src, struct mbuf *mb, void *arg)
{
	struct media_rtcp_relay *r = arg;

	if (r->have_except && sa_cmp(src, &r->except, SA_ALL))
		return false;
	if (!udp_send(r->us, &r->dst, mb))
		++*r->counter;
	return true;
}

/* RTP's port + 1: where RTCP goes when nothing says otherwise (RFC 3550
 * §11; we send no a=rtcp) */
static void rtcp_of(struct sa *rtcp, const struct sa *rtp)
{
	*rtcp = *rtp;
	sa_set_port(rtcp, sa_port(rtp) + 1);
}

int media_rtcp_relay_alloc(struct media_rtcp_relay **rp, struct udp_sock *us,
			   const struct sa *dst, const struct sa *except,
			   uint64_t *counter)
{
	struct media_rtcp_relay *r;
	int err;

	if (!rp || !us || !dst || !sa_isset(dst, SA_ALL) || !counter)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), rtcp_relay_destructor);
	if (!r)
		return ENOMEM;
	r->us = us;
	r->counter = counter;
	rtcp_of(&r->dst, dst);
	if (except && sa_isset(except, SA_ALL)) {
		rtcp_of(&r->except, except);
		r->have_except = true;
	}
	err = udp_register_helper(&r->uh, us, 0, NULL, rtcp_recv, r);
	if (err)
		mem_deref(r);
	else
		*rp = r;
	return err;
}
