/*
 * The bridges of an instant move (bridge.h): one tap on one stream that
 * sorts each arriving packet by where it comes from.
 *
 *   from take_from's source   -> spliced into our stream to the far end
 *   from anyone else          -> relayed to relay_to's address, if set,
 *                                and not played here
 *   from anyone but send_via's
 *   address                   -> ends send_via: the far end has switched
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
	struct bridge_stats st;
};

static void set_remote(struct bridge *b, const struct sa *to)
{
	if (b->audio)
		(void)media_stream_set_remote(b->audio, to);
	else
		(void)media_vstream_set_remote(b->video, to);
}

static void destructor(void *arg)
{
	struct bridge *b = arg;

	if (b->audio) {
		media_stream_set_tap(b->audio, NULL, NULL);
		media_stream_splice_end(b->audio);
	}
	if (b->video) {
		media_vstream_set_tap(b->video, NULL, NULL);
		media_vstream_splice_end(b->video);
	}
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

static bool from_far_end(const struct bridge *b, const struct sa *src)
{
	if (sa_cmp(src, &b->via, SA_ALL))
		return false;
	for (unsigned i = 0; i < b->nrelayers; i++) {
		if (sa_cmp(src, &b->relayers[i], SA_ALL))
			return false;
	}
	return true;
}

static bool tap(const struct sa *src, const struct rtp_header *hdr,
		struct mbuf *mb, void *arg)
{
	struct bridge *b = arg;

	if (b->sending_via && from_far_end(b, src)) {
		/* the far end's own packet: it sends to us now */
		b->sending_via = false;
		b->switched = true;
		b->st.t_switched = playlog_now_ms();
		set_remote(b, &b->far);
	}

	if (b->taking && sa_cmp(src, &b->take_from, SA_ALL)) {
		int err = b->audio ? media_stream_splice(b->audio, hdr, mb)
				   : media_vstream_splice(b->video, hdr, mb);

		if (!err)
			carried(b, &b->st.spliced);
		return true;
	}
	if (b->relaying) {
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

int bridge_take_from(struct bridge *b, const struct sa *src)
{
	if (!b || !src || !sa_isset(src, SA_ALL))
		return EINVAL;

	b->take_from = *src;
	b->taking = true;
	return 0;
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
