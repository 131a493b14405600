/*
 * The bridges of an instant move (bridge.h): one tap on one stream that
 * sorts each arriving packet by where it comes from.
 *
 *   from take_from's source   -> spliced into our stream to the far end
 *   from the far end          -> relayed to relay_to's address, if set,
 *                                and not played here (the far end: the
 *                                address bridge_expect() gave, else
 *                                anyone but take_from's source)
 *   from anyone but send_via's
 *   address                   -> ends send_via: the far end has switched
 *
 * Before it knows where the new place sends from (its answer is on the
 * way), a bridge made with bridge_expect() keeps what comes from anyone
 * but the far end: the new place may send before its answer arrives, and
 * those first packets (a video's first keyframe) must reach the far end
 * too. take_from then splices those of its address and drops the rest.
 *
 * A bridge never sends to an address it was not given, and nothing once
 * it is freed.
 */
#include <string.h>
#include <re.h>
#include <sipmob/media.h>
#include <sipmob/media_video.h>
#include <sipmob/media_relay.h>
#include <sipmob/media_playlog.h>
#include "bridge.h"

struct bridge {
	struct media_stream *audio;     /* one of the two                  */
	struct media_vstream *video;
	struct sa relay_to;             /* downstream, when set            */
	struct sa take_from;            /* upstream, when set              */
	struct sa via;                  /* send_via, while it lasts        */
	struct sa far;                  /* ...and where we send after it   */
	struct sa relayers[4];          /* places that are not the far end  */
	unsigned nrelayers;
	bool relaying, taking, sending_via, switched;
	bool rtcp;                      /* we pass the far end's RTCP on    */
	struct sa expect_far;           /* bridge_expect(): the far end     */
	bool expecting;
	bool far_known;
	uint32_t far_ssrc;              /* ...and the SSRC it sends with    */
	struct {                        /* ...and what came from others    */
		struct sa src;
		struct rtp_header hdr;
		struct mbuf *mb;
	} held[BRIDGE_HELD_MAX];
	unsigned nheld;
	struct bridge_stats st;
};

static void set_remote(struct bridge *b, const struct sa *to)
{
	if (b->audio)
		(void)media_stream_set_remote(b->audio, to);
	else
		(void)media_vstream_set_remote(b->video, to);
}

static void drop_held(struct bridge *b)
{
	while (b->nheld) {
		--b->nheld;
		b->held[b->nheld].mb = mem_deref(b->held[b->nheld].mb);
	}
}

/* Another bridge may have taken the stream's tap since (a retrieval's
 * bridge back while the move's last one still stands): leave it theirs */
static void destructor(void *arg)
{
	struct bridge *b = arg;

	if (b->audio && media_stream_tap_arg(b->audio) == b) {
		media_stream_set_tap(b->audio, NULL, NULL);
		media_stream_splice_end(b->audio);
	}
	if (b->video && media_vstream_tap_arg(b->video) == b) {
		media_vstream_set_tap(b->video, NULL, NULL);
		media_vstream_splice_end(b->video);
	}
	drop_held(b);
	if (b->rtcp && b->audio)
		(void)media_stream_relay_rtcp(b->audio, NULL, NULL);
	else if (b->rtcp)
		(void)media_vstream_relay_rtcp(b->video, NULL, NULL);
	if (b->sending_via)
		set_remote(b, &b->far);
	mem_deref(b->audio);
	mem_deref(b->video);
}

static void carried(struct bridge *b, uint64_t *counter)
{
	++*counter;
	b->st.t_last = playlog_now_ms();
}

/* Not from via nor another place that passes the far end's packets on to
 * us: the far end itself, which has switched to us */
static bool not_relayed(const struct bridge *b, const struct sa *src)
{
	if (sa_cmp(src, &b->via, SA_ALL))
		return false;
	for (unsigned i = 0; i < b->nrelayers; i++) {
		if (sa_cmp(src, &b->relayers[i], SA_ALL))
			return false;
	}
	return true;
}

/* The far end sends from where it receives (symmetric RTP), or at least
 * with the SSRC it was sending with before the move */
static bool from_far(const struct bridge *b, const struct sa *src,
		     const struct rtp_header *hdr)
{
	return sa_cmp(src, &b->expect_far, SA_ALL) ||
		(b->far_ssrc && hdr->ssrc == b->far_ssrc);
}

static int splice(struct bridge *b, const struct rtp_header *hdr,
		  struct mbuf *mb)
{
	int err = b->audio ? media_stream_splice(b->audio, hdr, mb)
			   : media_vstream_splice(b->video, hdr, mb);

	if (!err)
		carried(b, &b->st.spliced);
	return err;
}

/* Kept until take_from says whose it is; a full store drops it */
static void hold(struct bridge *b, const struct sa *src,
		 const struct rtp_header *hdr, const struct mbuf *mb)
{
	struct mbuf *copy;

	if (b->nheld == BRIDGE_HELD_MAX)
		return;
	copy = mbuf_alloc(mbuf_get_left(mb));
	if (!copy || mbuf_write_mem(copy, mbuf_buf(mb), mbuf_get_left(mb))) {
		mem_deref(copy);
		return;
	}
	copy->pos = 0;
	b->held[b->nheld].src = *src;
	b->held[b->nheld].hdr = *hdr;
	b->held[b->nheld++].mb = copy;
}

static bool tap(const struct sa *src, const struct rtp_header *hdr,
		struct mbuf *mb, void *arg)
{
	struct bridge *b = arg;

	if (b->sending_via && not_relayed(b, src)) {
		/* the far end's own packet: it sends to us now */
		b->sending_via = false;
		b->switched = true;
		b->st.t_switched = playlog_now_ms();
		set_remote(b, &b->far);
	}

	if (b->taking && sa_cmp(src, &b->take_from, SA_ALL)) {
		(void)splice(b, hdr, mb);
		return true;
	}
	if (b->expecting && !from_far(b, src, hdr)) {
		hold(b, src, hdr, mb);
		return true;
	}
	/* downstream carries the far end's packets only, where we know
	 * where it sends from */
	if (b->relaying && (!b->far_known || from_far(b, src, hdr))) {
		int err = b->audio ?
			media_stream_forward(b->audio, &b->relay_to, hdr, mb) :
			media_vstream_forward(b->video, &b->relay_to, hdr, mb);

		if (!err)
			carried(b, &b->st.relayed);
		return true;
	}
	return false;
}

int bridge_alloc(struct bridge **bp, struct media_stream *audio,
		 struct media_vstream *video)
{
	struct bridge *b;

	if (!bp || !audio == !video)
		return EINVAL;

	b = mem_zalloc(sizeof(*b), destructor);
	if (!b)
		return ENOMEM;
	b->audio = mem_ref(audio);
	b->video = mem_ref(video);
	b->st.t_start = playlog_now_ms();
	if (audio)
		media_stream_set_tap(audio, tap, b);
	else
		media_vstream_set_tap(video, tap, b);
	*bp = b;
	return 0;
}

int bridge_relay_to(struct bridge *b, const struct sa *dst)
{
	if (!b || !dst || !sa_isset(dst, SA_ALL))
		return EINVAL;

	b->relay_to = *dst;
	b->relaying = true;
	/* the far end's reports (its sender reports time its stream) go
	 * with its packets; dst's own reports are still ours */
	b->rtcp = !(b->audio ? media_stream_relay_rtcp(b->audio, dst, dst) :
		    media_vstream_relay_rtcp(b->video, dst, dst));
	if (b->video) {
		/* the receiver decodes from a keyframe on: give it the
		 * pictures since the last one */
		uint64_t n = media_vstream_forward_gop(b->video, dst);

		b->st.relayed += n;
		if (n)
			b->st.t_last = playlog_now_ms();
	}
	return 0;
}

int bridge_expect(struct bridge *b, const struct sa *far, uint32_t far_ssrc)
{
	if (!b || !far || !sa_isset(far, SA_ALL))
		return EINVAL;

	b->expect_far = *far;
	b->far_ssrc = far_ssrc;
	b->expecting = true;
	b->far_known = true;
	return 0;
}

int bridge_take_from(struct bridge *b, const struct sa *src)
{
	if (!b || !src || !sa_isset(src, SA_ALL))
		return EINVAL;

	b->take_from = *src;
	b->taking = true;
	b->expecting = false;
	for (unsigned i = 0; i < b->nheld; i++) {
		if (sa_cmp(&b->held[i].src, src, SA_ALL))
			(void)splice(b, &b->held[i].hdr, b->held[i].mb);
	}
	drop_held(b);
	return 0;
}

void bridge_stop_own(struct bridge *b)
{
	if (b && b->audio)
		media_stream_splice_begin(b->audio);
	else if (b)
		media_vstream_splice_begin(b->video);
}

int bridge_send_via(struct bridge *b, const struct sa *via,
		    const struct sa *far)
{
	if (!b || !via || !far || !sa_isset(via, SA_ALL) ||
	    !sa_isset(far, SA_ALL))
		return EINVAL;

	b->via = *via;
	b->far = *far;
	b->sending_via = true;
	b->switched = false;
	set_remote(b, via);
	/* the place that splices us has stopped its own frames: ours go
	 * now, not at our next tick */
	if (b->audio)
		media_stream_send_now(b->audio);
	else
		media_vstream_send_now(b->video);
	return 0;
}

int bridge_not_far(struct bridge *b, const struct sa *sa)
{
	if (!b || !sa || !sa_isset(sa, SA_ALL))
		return EINVAL;
	if (b->nrelayers == ARRAY_SIZE(b->relayers))
		return ENOSPC;
	b->relayers[b->nrelayers++] = *sa;
	return 0;
}

bool bridge_switched(const struct bridge *b)
{
	return b && b->switched;
}

void bridge_stats(const struct bridge *b, struct bridge_stats *st)
{
	if (b && st)
		*st = b->st;
}
