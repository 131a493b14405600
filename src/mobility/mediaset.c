/*
 * A media set: the glue between our SDP model (sdesc) and RTP streams for
 * one SIP leg: an audio stream (media_stream) and an H.263+ video stream
 * (media_vstream), either or both. It offers every configured codec, answers
 * by RFC 3264 §6 (the first offered codec we have wins), and applies the
 * negotiated codec, the far side's address and the mirrored direction to the
 * streams. Applying is idempotent, so a re-INVITE that moves the far side's
 * media (3PCC, spec §5.2) only changes where our packets go.
 *
 * Video split by direction (spec §5.2.2, RFC 5631 §5.3.2) gives the far
 * side two video lines: one it receives on (from a camera) and one it sends
 * on (to a display). One video stream serves both: it receives whatever
 * arrives on its port and sends to the line that wants our video, so an
 * answer may give the same port to both lines.
 *
 * DTMF (RFC 4733): telephone-event/8000 is offered after the audio codecs
 * and answered when the other side offered it. Its payload type is ours
 * (DTMF_PT) in a first offer, the offerer's in an answer, and then stays
 * what our last description said for the rest of the session (RFC 3264
 * §8.3.2), through every move. Events go out with the far side's number
 * and come in with ours.
 *
 * Video picture sizes (spec §6.2, RFC 4629 §8.1): our fmtp lists the H.263
 * sizes we can receive (conf.video_sizes, largest first, each at the MPI
 * of our frame rate; without them "QCIF=1;CIF=1", as before sizes could
 * be configured). On every offer/answer the video we send takes its size
 * from the fmtp of the line we send to: the receiver's most preferred size
 * that we can make (sdesc_h263_choose; no sizes there: QCIF). A change
 * rebuilds the encoder, so the first picture at the new size is a keyframe.
 * What we receive is decoded at whatever size it comes.
 *
 * Limits: one audio and one video stream per set. The frame rate stays
 * ours (15 fps unless configured): a receiver's MPI or MAX-FPS asking for
 * fewer frames, and MAXBR, are not followed. When the receiver lists no
 * size we can make, we send its first (it is the one it surely takes).
 */
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/media.h>
#include <sipmob/media_dtmf.h>
#include <sipmob/media_playlog.h>
#include <sipmob/media_video.h>
#include <sipmob/media_relay.h>
#include <sipmob/media_audio.h>
#include <sipmob/ctl.h>
#include <sipmob/mediaset.h>
#include "bridge.h"
#include "mset_sdes.h"

enum { MSET_MAX_CODECS = 8, OPUS_PT = 111,
       PLAYLOG_RUNS = 256 };

/* The frame numbering of the video stream being logged (vframe_handler) */
struct vlog {
	bool known;
	uint32_t ssrc;
	uint32_t ts;             /* of the last marked frame              */
	uint16_t mark;           /* ...and its pattern number             */
	uint32_t spacing;        /* RTP ticks between consecutive frames  */
	bool learnt;
};

struct mset {
	struct media_stream *audio;       /* NULL: no audio                */
	struct media_vstream *video;      /* NULL: no video                */
	struct media_rtcp_gate *gate[2];  /* audio's, video's; or NULL     */
	struct rtp_sock *gated[2];        /* ...on which stream (not owned) */
	enum mset_video vrole;
	enum sdesc_dir vdir;              /* video: what we do now          */
	struct sdesc_codec vcodec;
	char vfmtp[64];                   /* ...its fmtp: what we receive   */
	struct sdesc_h263 vsend;          /* the sizes we can send          */
	unsigned vfps;
	struct sdesc_codec codecv[MSET_MAX_CODECS + 1]; /* + telephone-event */
	size_t codecc;             /* telephone-event included, the last */
	struct sdesc *local;       /* our last description (o= version)   */
	struct sdesc *remote;      /* theirs                              */
	enum sdesc_dir dir;        /* what we do now                      */
	bool mute;                 /* audio sending stopped by the MN    */
	bool vmute;                /* video sending stopped by the MN    */
	struct playlog *playlog;   /* audio packets we played, when        */
	struct playlog *vplaylog;  /* marked video frames we decoded, when */
	struct vlog vlog;
	bool take_bridge;          /* conf.bridge                         */
	bool recv_forced[2];       /* receive whatever was negotiated     */
	struct bridge *bridge[2];  /* offered bridges: [SDESC_AUDIO/VIDEO] */
	char *user;
	struct mset_sdes *sdes;    /* SRTP (mset_sdes.c), NULL: off      */
	struct audio_dev *adev;    /* microphone and speaker, NULL: none */
};

static void destructor(void *arg)
{
	struct mset *ms = arg;

	mem_deref(ms->adev);    /* before the stream it plays */
	mem_deref(ms->audio);   /* their RTCP BYE goes out through sdes */
	mem_deref(ms->video);
	mem_deref(ms->gate[SDESC_AUDIO]);
	mem_deref(ms->gate[SDESC_VIDEO]);
	mem_deref(ms->sdes);
	mem_deref(ms->local);
	mem_deref(ms->remote);
	mem_deref(ms->playlog);
	mem_deref(ms->vplaylog);
	mem_deref(ms->user);
	mset_bridge_end(ms);
}

static void played_handler(uint32_t ssrc, uint16_t seq, uint64_t ext,
			   uint64_t wall_ms, void *arg)
{
	struct mset *ms = arg;
	(void)ext;

	playlog_add(ms->playlog, ssrc, seq, wall_ms);
}

/* A video frame's place in its sender's sequence is its RTP timestamp
 * in frame intervals: the same at every place that decodes the frame, and
 * continued by a bridge that splices another camera's pictures into the
 * stream (media_relay.h), whose pattern numbers are another's. The
 * pattern's mark only vouches that the picture decoded right; a frame
 * without one (a foreign sender) is not logged. The interval is learnt
 * from two consecutive marks of the stream (15 frames/s until then). */
static void vframe_handler(const struct media_vframe *f, void *arg)
{
	struct mset *ms = arg;
	struct vlog *v = &ms->vlog;

	if (!f->marked)
		return;
	if (!v->known || v->ssrc != f->ssrc) {
		memset(v, 0, sizeof(*v));
		v->known = true;
		v->ssrc = f->ssrc;
		v->spacing = VIDEO_CLOCK / VIDEO_FPS;
	}
	else if (!v->learnt && f->mark == (uint16_t)(v->mark + 1) &&
		 f->ts != v->ts && f->ts - v->ts < VIDEO_CLOCK) {
		v->spacing = f->ts - v->ts;
		v->learnt = true;
	}
	v->mark = f->mark;
	v->ts = f->ts;
	playlog_add(ms->vplaylog, f->ssrc, (uint16_t)(f->ts / v->spacing),
		    playlog_now_ms());
}

/* Visits each name of a comma-separated codec list. */
static int codec_names(const char *codecs, int (*h)(const char *name,
						      void *arg), void *arg)
{
	char name[32];
	const char *p = codecs;

	while (p && *p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int err;

		if (n == 0 || n >= sizeof(name))
			return EINVAL;
		memcpy(name, p, n);
		name[n] = '\0';
		err = h(name, arg);
		if (err)
			return err;
		p = e ? e + 1 : NULL;
	}
	return 0;
}

static int add_codec(const char *name, void *arg)
{
	struct mset *ms = arg;
	const struct codec_desc *cd = codec_find(name);
	struct sdesc_codec *c;

	if (!cd)
		return ENOENT;
	if (ms->codecc >= MSET_MAX_CODECS)
		return E2BIG;

	c = &ms->codecv[ms->codecc++];
	c->name = cd->name;
	c->pt = cd->pt >= 0 ? cd->pt : OPUS_PT + (int)ms->codecc - 1;
	c->srate = cd->clock;
	c->ch = cd->channels > 1 ? cd->channels : 0;
	c->fmtp = cd->fmtp;
	return 0;
}

/* The payload type of telephone-event/8000 on a media line, or -1 */
static int dtmf_pt(const struct sdesc_media *m)
{
	for (unsigned i = 0; m && i < sdesc_media_fmtc(m); i++) {
		struct sdesc_codec c;

		if (!sdesc_media_codec(m, i, &c) &&
		    !str_casecmp(c.name, DTMF_SDP_NAME) &&
		    c.srate == DTMF_CLOCK)
			return c.pt;
	}
	return -1;
}

/* Whether one of our codecs other than telephone-event (the last) has pt */
static bool codec_pt_used(const struct mset *ms, int pt)
{
	for (size_t i = 0; i + 1 < ms->codecc; i++) {
		if (ms->codecv[i].pt == pt)
			return true;
	}
	return false;
}

/* telephone-event after the codecs, on the first free number from
 * DTMF_PT */
static void add_dtmf(struct mset *ms)
{
	struct sdesc_codec *c = &ms->codecv[ms->codecc++];
	int pt = DTMF_PT;

	while (codec_pt_used(ms, pt))
		pt++;
	c->name = DTMF_SDP_NAME;
	c->pt = pt;
	c->srate = DTMF_CLOCK;
	c->ch = 0;
	c->fmtp = DTMF_FMTP;
}

/* A re-offer keeps the number our last description gave telephone-event
 * (an answer's is the offerer's), unless one of our codecs has it. */
static void keep_dtmf_pt(struct mset *ms)
{
	struct sdesc_codec *c = &ms->codecv[ms->codecc - 1];

	for (unsigned i = 0; ms->audio && i < sdesc_media_count(ms->local);
	     i++) {
		const struct sdesc_media *m = sdesc_media(ms->local, i);
		int pt = dtmf_pt(m);

		if (sdesc_media_type(m) != SDESC_AUDIO ||
		    !sdesc_media_port(m) || pt < 0)
			continue;
		if (!codec_pt_used(ms, pt))
			c->pt = pt;
		return;
	}
}

static int check_codec(const char *name, void *arg)
{
	char *bad = arg;

	if (!codec_find(name)) {
		str_ncpy(bad, name, 32);
		return ENOENT;
	}
	return 0;
}

int mset_codecs_valid(const char *codecs, char *err, size_t errsz)
{
	char bad[32] = "";
	int e = codec_names(codecs, check_codec, bad);

	if (e == ENOENT)
		re_snprintf(err, errsz, "unknown codec '%s' (have PCMU, PCMA,"
			    " G722, opus)", bad);
	else if (e)
		re_snprintf(err, errsz, "bad codec list '%s'", codecs);
	return e;
}

/* The H.263 parameters of a peer's line for payload type pt: none (QCIF)
 * without an fmtp, or with one we cannot read */
static void peer_h263(const struct sdesc_media *tm, int pt,
		      struct sdesc_h263 *h)
{
	struct sdesc_codec c;

	memset(h, 0, sizeof(*h));
	for (unsigned i = 0; tm && i < sdesc_media_fmtc(tm); i++) {
		if (sdesc_media_codec(tm, i, &c) || c.pt != pt)
			continue;
		if (c.fmtp && sdesc_h263_parse(h, c.fmtp))
			memset(h, 0, sizeof(*h));
		return;
	}
}

/* The picture we send to the line tm (NULL: before any, as to a line
 * without sizes): see the top of the file. A change takes effect at the
 * next frame, from a new encoder (a keyframe). */
static int send_size(struct mset *ms, const struct sdesc_media *tm, int pt)
{
	enum sdesc_h263_size size;
	struct sdesc_h263 theirs;
	unsigned w, h;

	peer_h263(tm, pt, &theirs);
	/* ENOENT: none of theirs is ours; size is their first, which they
	 * surely take (our encoder makes any size) */
	(void)sdesc_h263_choose(&theirs, &ms->vsend, &size);
	if (sdesc_h263_dim(size, &w, &h))
		return EINVAL;
	return media_vstream_set_size(ms->video, w, h, ms->vfps);
}

/* What we receive (our fmtp) and can send, from the configuration: the
 * sizes listed; a picture size given alone is the only one we send */
static int video_sizes(struct mset *ms, const struct mset_conf *conf)
{
	struct sdesc_h263 recv;
	enum sdesc_h263_size one;
	uint8_t mpi;
	int err;

	ms->vfps = conf->video_fps ? conf->video_fps : VIDEO_FPS;
	if (ms->vfps > 60)
		return EINVAL;
	mpi = sdesc_h263_mpi(ms->vfps);

	if (conf->video_sizes) {
		err = sdesc_h263_sizes_parse(&recv, conf->video_sizes, mpi,
					     NULL, NULL);
		if (err)
			return err;
		if (re_snprintf(ms->vfmtp, sizeof(ms->vfmtp), "%H",
				sdesc_h263_print, &recv) < 0)
			return ENOMEM;
	}
	else {
		err = sdesc_h263_sizes_parse(&recv, "CIF,QCIF", 1, NULL, NULL);
		if (err)
			return err;
		str_ncpy(ms->vfmtp, "QCIF=1;CIF=1", sizeof(ms->vfmtp));
	}
	ms->vsend = recv;

	if (conf->video_width || conf->video_height) {
		if (sdesc_h263_size_of(conf->video_width, conf->video_height,
				       &one))
			return EINVAL;
		memset(&ms->vsend, 0, sizeof(ms->vsend));
		ms->vsend.picv[0].size = one;
		ms->vsend.picv[0].mpi = mpi;
		ms->vsend.picc = 1;
	}
	return 0;
}

int mset_alloc(struct mset **msp, const struct mset_conf *conf)
{
	struct mset *ms;
	int err;

	if (!msp || !conf || !conf->addr)
		return EINVAL;

	ms = mem_zalloc(sizeof(*ms), destructor);
	if (!ms)
		return ENOMEM;

	err = codec_names(conf->codecs ? conf->codecs : "PCMU,PCMA,G722,opus",
			  add_codec, ms);
	if (!err && !ms->codecc)
		err = EINVAL;
	if (err)
		goto out;
	add_dtmf(ms);

	ms->take_bridge = conf->bridge;
	err = str_dup(&ms->user, conf->user ? conf->user : "sipmob");
	if (err)
		goto out;

	if (!conf->no_audio) {
		err = conf->port_min ?
			media_stream_alloc_ports(&ms->audio, "audio",
						 conf->addr, conf->port_min,
						 conf->port_max) :
			media_stream_alloc(&ms->audio, "audio", conf->addr);
		if (!err && conf->record_path)
			err = media_stream_record(ms->audio,
						  conf->record_path);
		if (err)
			goto out;
		media_stream_set_played_handler(ms->audio, played_handler,
						ms);
		if (audio_conf_used(conf->audio))
			err = audio_dev_alloc(&ms->adev, ms->audio,
					      conf->audio);
		if (err)
			goto out;
	}
	if (conf->video != MSET_VIDEO_NONE) {
		err = video_sizes(ms, conf);
		if (err)
			goto out;
		err = conf->port_min ?
			media_vstream_alloc_ports(&ms->video, conf->addr,
						  conf->port_min,
						  conf->port_max) :
			media_vstream_alloc(&ms->video, conf->addr);
		err = err ? err : send_size(ms, NULL, -1);
		if (err)
			goto out;
		ms->vrole = conf->video;
		media_vstream_set_io(ms->video, conf->vio);
		ms->vcodec.name = VIDEO_SDP_NAME;
		ms->vcodec.pt = VIDEO_PT;
		ms->vcodec.srate = 90000;
		ms->vcodec.fmtp = ms->vfmtp;
	}
	if (!ms->audio && !ms->video) {
		err = EINVAL;
		goto out;
	}
	err = playlog_alloc(&ms->playlog, PLAYLOG_RUNS);
	if (!err && ms->video) {
		err = playlog_alloc(&ms->vplaylog, PLAYLOG_RUNS);
		media_vstream_set_frame_handler(ms->video, vframe_handler, ms);
	}
	ms->dir = SDESC_SENDRECV;

 out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;
	return err;
}

static enum sdesc_dir video_caps(enum mset_video role)
{
	switch (role) {

	case MSET_VIDEO_DISPLAY: return SDESC_RECVONLY;
	case MSET_VIDEO_CAMERA:  return SDESC_SENDONLY;
	default:                 return SDESC_SENDRECV;
	}
}

/* Our media for an offer (video once) or an answer (video twice, for a
 * direction-split pair); returns how many. */
static size_t local_media(const struct mset *ms, struct sdesc_lmedia *lm,
			  bool answering)
{
	size_t n = 0;

	memset(lm, 0, 3 * sizeof(*lm));
	if (ms->audio) {
		lm[n].type = SDESC_AUDIO;
		lm[n].addr = media_stream_laddr(ms->audio);
		lm[n].dir = SDESC_SENDRECV;
		lm[n].codecv = ms->codecv;
		lm[n].codecc = ms->codecc;
		n++;
	}
	if (ms->video) {
		for (int k = 0; k < (answering ? 2 : 1); k++) {
			lm[n].type = SDESC_VIDEO;
			lm[n].addr = media_vstream_laddr(ms->video);
			lm[n].dir = video_caps(ms->vrole);
			lm[n].codecv = &ms->vcodec;
			lm[n].codecc = 1;
			n++;
		}
	}
	return n;
}

static int keep_local(struct mset *ms, struct sdesc *sd, struct mbuf **mbp)
{
	int err = sdesc_encode(mbp, sd);

	if (err) {
		mem_deref(sd);
		return err;
	}
	mem_deref(ms->local);
	ms->local = sd;
	return 0;
}

/* RFC 3264 §5.1: once it has sent an offer, the offerer must be ready to
 * receive the media it offered, before the answer comes. A first offer's
 * audio plays what comes in our first codec at once, so that the far
 * end's first packets are heard, not dropped (they may overtake its
 * answer); the answer then sets what was negotiated. */
static const struct codec_desc *find_codec(const struct sdesc_codec *c);

static void receive_early(struct mset *ms)
{
	const struct sdesc_media *m = NULL;
	const struct codec_desc *cd;
	struct sdesc_codec c;

	for (unsigned i = 0; i < sdesc_media_count(ms->local) && !m; i++) {
		if (sdesc_media_type(sdesc_media(ms->local, i)) == SDESC_AUDIO)
			m = sdesc_media(ms->local, i);
	}
	if (!ms->audio || !m || sdesc_media_codec(m, 0, &c) ||
	    !(cd = find_codec(&c)) || c.pt < 0 ||
	    media_stream_set_codec(ms->audio, cd, (uint8_t)c.pt))
		return;
	media_stream_set_dir(ms->audio, false, true);
}

int mset_offer(struct mset *ms, struct mbuf **mbp)
{
	struct sdesc_lmedia lm[3];
	struct sdesc *sd;
	bool first;
	size_t n;
	int err;

	if (!ms || !mbp)
		return EINVAL;

	first = !ms->remote;
	keep_dtmf_pt(ms);
	n = local_media(ms, lm, false);
	err = sdesc_offer(&sd, ms->local, ms->user, lm, n);
	err = err ? err : mset_sdes_offer(ms->sdes, sd);
	if (err) {
		mem_deref(sd);
		return err;
	}
	err = keep_local(ms, sd, mbp);
	if (!err && first)
		receive_early(ms);
	return err;
}

int mset_caps(struct mset *ms, struct mbuf **mbp)
{
	struct sdesc_lmedia lm[3];
	struct sdesc *sd;
	int err;

	err = sdesc_offer(&sd, NULL, ms->user, lm,
			  local_media(ms, lm, false));
	if (err)
		return err;
	err = mset_sdes_offer(ms->sdes, sd);
	err = err ? err : sdesc_encode(mbp, sd);
	mem_deref(sd);
	return err;
}

static const struct codec_desc *find_codec(const struct sdesc_codec *c)
{
	const struct codec_desc *cd = codec_find(c->name);

	return cd && cd->clock == c->srate ? cd : NULL;
}

/* The telephone-event numbers of a negotiated audio line: we send with
 * theirs, and take ours (the answer's when we have none on record); none
 * when the answer left telephone-event out. */
static void apply_dtmf(struct mset *ms, const struct sdesc_media *am,
		       const struct sdesc_media *tm,
		       const struct sdesc_media *om)
{
	int apt = dtmf_pt(am), opt = dtmf_pt(om);

	if (apt < 0)
		media_stream_set_dtmf_pt(ms->audio, -1, -1);
	else
		media_stream_set_dtmf_pt(ms->audio, dtmf_pt(tm),
					 opt >= 0 ? opt : apt);
}

/* Both directions of a medium's stream from what was negotiated, what
 * the MN stopped sending and what it wants to hear anyway */
static void set_dirs(struct mset *ms, enum sdesc_mtype type)
{
	if (type == SDESC_AUDIO && ms->audio)
		media_stream_set_dir(ms->audio,
				     (ms->dir & SDESC_SENDONLY) && !ms->mute,
				     (ms->dir & SDESC_RECVONLY) ||
				     ms->recv_forced[SDESC_AUDIO]);
	if (type == SDESC_VIDEO && ms->video)
		media_vstream_set_dir(ms->video,
				      (ms->vdir & SDESC_SENDONLY) && !ms->vmute,
				      (ms->vdir & SDESC_RECVONLY) ||
				      ms->recv_forced[SDESC_VIDEO]);
}

/* Applies the first active audio line of a negotiated pair: the codec
 * from the answer (theirs or ours), the far side's address from their
 * description, and the direction mirrored from theirs; telephone-event
 * from all three (ours: our description of the line, or NULL). */
static int apply_audio(struct mset *ms, const struct sdesc *answer,
		       const struct sdesc *theirs, const struct sdesc *ours,
		       char *err, size_t errsz)
{
	const struct sdesc_media *am = NULL, *tm = NULL;
	const struct codec_desc *cd;
	struct sdesc_codec codec;
	struct sa raddr;
	enum sdesc_dir dir;
	unsigned i;

	for (i = 0; i < sdesc_media_count(answer); i++) {
		am = sdesc_media(answer, i);
		tm = sdesc_media(theirs, i);
		if (sdesc_media_type(am) == SDESC_AUDIO && tm &&
		    sdesc_media_port(am) && sdesc_media_port(tm))
			break;
	}
	if (i == sdesc_media_count(answer)) {
		media_stream_stop(ms->audio);
		media_stream_set_dtmf_pt(ms->audio, -1, -1);
		ms->dir = SDESC_INACTIVE;
		return 0;   /* no audio in this session (any more) */
	}
	if (sdesc_media_negotiated(am, &codec) ||
	    !(cd = find_codec(&codec))) {
		re_snprintf(err, errsz, "no usable audio codec");
		return EPROTO;
	}
	if (sdesc_media_raddr(tm, &raddr)) {
		re_snprintf(err, errsz, "no usable audio address");
		return EPROTO;
	}

	dir = sdesc_dir_flip(sdesc_media_dir(tm)) & SDESC_SENDRECV;

	media_stream_set_codec(ms->audio, cd, (uint8_t)codec.pt);
	apply_dtmf(ms, am, tm, ours ? sdesc_media(ours, i) : NULL);
	media_stream_set_remote(ms->audio, &raddr);
	ms->dir = dir;
	set_dirs(ms, SDESC_AUDIO);
	return media_stream_start(ms->audio);
}

/* Video: receive if any active line lets us, send to the first line that
 * wants our video (a direction-split pair has one of each). */
static int apply_video(struct mset *ms, const struct sdesc *answer,
		       const struct sdesc *theirs, char *err, size_t errsz)
{
	const struct sdesc_media *send_tm = NULL;
	enum sdesc_dir dir = SDESC_INACTIVE;
	struct sa send_to;
	bool have_send = false;
	int pt = -1, send_pt = -1;
	unsigned i;

	for (i = 0; i < sdesc_media_count(answer); i++) {
		const struct sdesc_media *am = sdesc_media(answer, i);
		const struct sdesc_media *tm = sdesc_media(theirs, i);
		struct sdesc_codec codec;
		enum sdesc_dir d;

		if (sdesc_media_type(am) != SDESC_VIDEO || !tm ||
		    !sdesc_media_port(am) || !sdesc_media_port(tm))
			continue;
		if (sdesc_media_negotiated(am, &codec) ||
		    str_casecmp(codec.name, VIDEO_SDP_NAME)) {
			re_snprintf(err, errsz, "no usable video codec");
			return EPROTO;
		}
		d = sdesc_dir_flip(sdesc_media_dir(tm)) & SDESC_SENDRECV;
		if ((d & SDESC_SENDONLY) && !have_send) {
			if (sdesc_media_raddr(tm, &send_to)) {
				re_snprintf(err, errsz, "no usable video"
					    " address");
				return EPROTO;
			}
			have_send = true;
			send_tm = tm;
			send_pt = codec.pt;
		}
		dir |= d;
		if (pt < 0)
			pt = codec.pt;
	}

	ms->vdir = dir & video_caps(ms->vrole);
	if (ms->vdir == SDESC_INACTIVE) {
		media_vstream_stop(ms->video);
		return 0;
	}
	media_vstream_set_pt(ms->video, (uint8_t)pt);
	if (have_send) {
		int e = send_size(ms, send_tm, send_pt);

		if (e) {
			re_snprintf(err, errsz, "cannot send video at the"
				    " size asked (%m)", e);
			return e;
		}
		media_vstream_set_remote(ms->video, &send_to);
	}
	set_dirs(ms, SDESC_VIDEO);
	return media_vstream_start(ms->video);
}

static unsigned active_lines(const struct sdesc *sd)
{
	unsigned i, n = 0;

	for (i = 0; i < sdesc_media_count(sd); i++)
		n += sdesc_media_port(sdesc_media(sd, i)) != 0;
	return n;
}

static int apply(struct mset *ms, const struct sdesc *answer,
		 const struct sdesc *theirs, const struct sdesc *ours,
		 char *err, size_t errsz)
{
	int e = 0;

	if (!active_lines(answer)) {
		re_snprintf(err, errsz, "no medium in common");
		return EPROTO;
	}

	if (sdesc_media_count(answer) > sdesc_media_count(theirs)) {
		re_snprintf(err, errsz, "answer has more m-lines than offer");
		return EPROTO;
	}
	e = mset_sdes_apply(ms->sdes, answer, theirs, err, errsz);
	if (!e && ms->audio)
		e = apply_audio(ms, answer, theirs, ours, err, errsz);
	if (!e && ms->video)
		e = apply_video(ms, answer, theirs, err, errsz);
	return e;
}

static int parse(struct sdesc **sdp, const struct mbuf *mb, char *err,
		 size_t errsz)
{
	if (!mb || !mbuf_get_left(mb)) {
		re_snprintf(err, errsz, "no SDP");
		return EBADMSG;
	}
	return sdesc_parse(sdp, mbuf_buf(mb), mbuf_get_left(mb), err, errsz);
}

/* "ADDRESS PORT" of a=sipmob-bridge, nothing more */
static int bridge_addr(const char *val, struct sa *sa)
{
	const char *sp = val ? strchr(val, ' ') : NULL;
	struct pl addr;
	char *end;
	long port;

	if (!sp || sp == val || !sp[1] || strchr(sp + 1, ' ') ||
	    sp[1] < '0' || sp[1] > '9')
		return EBADMSG;
	port = strtol(sp + 1, &end, 10);
	if (*end || port < 1 || port > 65535)
		return EBADMSG;
	pl_set_str(&addr, val);
	addr.l = (size_t)(sp - val);
	return sa_set(sa, &addr, (uint16_t)port) ? EBADMSG : 0;
}

/* The offer's bridges, where we send (sendonly or sendrecv): our packets
 * go to the MN until the far end's own arrive, and the answer says we
 * took them. Without a bridge the line is as it was: never fatal. */
static void take_bridges(struct mset *ms, const struct sdesc *theirs,
			 struct sdesc *ans)
{
	for (int k = SDESC_AUDIO; k <= SDESC_VIDEO && ms->take_bridge; k++) {
		int i = sdesc_active_line(theirs, ans, (enum sdesc_mtype)k);
		const struct sdesc_media *tm;
		struct sa via, far;

		if (i < 0)
			continue;
		tm = sdesc_media(theirs, (unsigned)i);
		if (bridge_addr(sdesc_media_attr(tm, MSET_BRIDGE_ATTR), &via) ||
		    sdesc_media_raddr(tm, &far))
			continue;
		if ((sdesc_media_dir(sdesc_media(ans, (unsigned)i)) &
		     SDESC_SENDONLY) &&
		    (mset_bridge(ms, (enum sdesc_mtype)k, &ms->bridge[k]) ||
		     bridge_send_via(ms->bridge[k], &via, &far))) {
			ms->bridge[k] = mem_deref(ms->bridge[k]);
			continue;
		}
		(void)sdesc_media_set_attr(sdesc_media(ans, (unsigned)i),
					   MSET_BRIDGE_ATTR, "");
	}
}

void mset_bridge_end(struct mset *ms)
{
	if (!ms)
		return;
	ms->bridge[SDESC_AUDIO] = mem_deref(ms->bridge[SDESC_AUDIO]);
	ms->bridge[SDESC_VIDEO] = mem_deref(ms->bridge[SDESC_VIDEO]);
}

bool mset_bridge_accepted(const struct sdesc_media *m)
{
	return sdesc_media_attr(m, MSET_BRIDGE_ATTR) != NULL;
}

const struct sa *mset_laddr(const struct mset *ms, enum sdesc_mtype type)
{
	if (!ms)
		return NULL;
	if (type == SDESC_AUDIO)
		return ms->audio ? media_stream_laddr(ms->audio) : NULL;
	return ms->video ? media_vstream_laddr(ms->video) : NULL;
}

int mset_bridge_offer(const struct mset *ms, struct sdesc_media *m)
{
	const struct sa *la = mset_laddr(ms, sdesc_media_type(m));
	char val[80];

	if (!la)
		return ENOENT;
	re_snprintf(val, sizeof(val), "%j %u", la, sa_port(la));
	return sdesc_media_set_attr(m, MSET_BRIDGE_ATTR, val);
}

int mset_bridge(struct mset *ms, enum sdesc_mtype type, struct bridge **bp)
{
	if (!ms || !bp)
		return EINVAL;
	if (type == SDESC_AUDIO && ms->audio)
		return bridge_alloc(bp, ms->audio, NULL);
	if (type == SDESC_VIDEO && ms->video)
		return bridge_alloc(bp, NULL, ms->video);
	return ENOENT;
}

int mset_set_srtp(struct mset *ms, bool on)
{
	if (!ms)
		return EINVAL;
	if (!on) {
		ms->sdes = mem_deref(ms->sdes);
		return 0;
	}
	if (ms->sdes)
		return 0;
	return mset_sdes_alloc(&ms->sdes,
			       ms->audio ? media_stream_rtp(ms->audio) : NULL,
			       ms->video ? media_vstream_rtp(ms->video) : NULL);
}

int mset_answer(struct mset *ms, const struct mbuf *offer,
		struct mbuf **mbp, char *err, size_t errsz)
{
	struct sdesc *theirs = NULL, *ans = NULL, *plain = NULL;
	struct sdesc_lmedia lm[3];
	int e;

	e = parse(&theirs, offer, err, errsz);
	if (e)
		return e;

	e = mset_sdes_plain_offer(ms->sdes, theirs, &plain);
	e = e ? e : sdesc_answer(&ans, plain, ms->local, ms->user, lm,
				 local_media(ms, lm, true));
	e = e ? e : mset_sdes_answer(ms->sdes, theirs, ans);
	mem_deref(plain);
	if (e) {
		re_snprintf(err, errsz, "cannot answer: %m", e);
		goto out;
	}
	mset_bridge_end(ms);
	e = apply(ms, ans, theirs, ans, err, errsz);
	if (e)
		goto out;
	take_bridges(ms, theirs, ans);
	e = keep_local(ms, ans, mbp);
	ans = NULL;
	if (e)
		goto out;
	mem_deref(ms->remote);
	ms->remote = mem_ref(theirs);

 out:
	mem_deref(ans);
	mem_deref(theirs);
	return e;
}

int mset_accept_answer(struct mset *ms, const struct mbuf *answer,
		       char *err, size_t errsz)
{
	struct sdesc *theirs = NULL;
	int e;

	e = parse(&theirs, answer, err, errsz);
	if (e)
		return e;
	mset_bridge_end(ms);
	e = apply(ms, theirs, theirs, ms->local, err, errsz);
	if (!e) {
		mem_deref(ms->remote);
		ms->remote = mem_ref(theirs);
	}
	mem_deref(theirs);
	return e;
}

const struct sdesc *mset_remote(const struct mset *ms)
{
	return ms ? ms->remote : NULL;
}

const struct sdesc *mset_local(const struct mset *ms)
{
	return ms ? ms->local : NULL;
}

/* "srtp" (on or not) and the packets it dropped: not authentic, or
 * with no key yet */
static int srtp_status(const struct mset *ms, enum sdesc_mtype type,
		       struct odict *o)
{
	uint64_t tx, rx;
	int err;

	mset_sdes_drops(ms->sdes, type, &tx, &rx);
	err  = ctl_put_bool(o, "srtp", ms->sdes != NULL);
	err |= ctl_put_int(o, "srtp_tx_drops", (int64_t)tx);
	err |= ctl_put_int(o, "srtp_rx_drops", (int64_t)rx);
	return err;
}

/* The sound card's side: the jitter buffer and the devices */
static int sound_status(const struct mset *ms, struct odict *o)
{
	struct jitbuf_stats jb;
	struct audio_stats as;
	int err = 0;

	if (!ms->adev)
		return 0;

	if (!media_stream_jitbuf_stats(ms->audio, &jb)) {
		err |= ctl_put_int(o, "jb_delay_ms", jb.delay_ms);
		err |= ctl_put_int(o, "jb_target_ms", jb.target_ms);
		err |= ctl_put_int(o, "jb_jitter_ms", jb.jitter_ms);
		err |= ctl_put_int(o, "jb_frames", (int64_t)jb.frames);
		err |= ctl_put_int(o, "late", (int64_t)jb.late);
		err |= ctl_put_int(o, "late_dropped", (int64_t)jb.late_dropped);
		err |= ctl_put_int(o, "concealed", (int64_t)jb.concealed);
		err |= ctl_put_int(o, "jb_stretched", (int64_t)jb.stretched);
		err |= ctl_put_int(o, "jb_shrunk", (int64_t)jb.shrunk);
	}
	audio_dev_stats(ms->adev, &as);
	err |= ctl_put_bool(o, "aec", as.aec);
	if (as.aec)
		err |= ctl_put_int(o, "aec_erle_db", (int64_t)as.erle_db);
	err |= ctl_put_int(o, "audio_frames", (int64_t)as.played_frames);
	err |= ctl_put_bool(o, "out_open", as.out.open);
	err |= ctl_put_int(o, "out_rate", as.out.rate);
	err |= ctl_put_int(o, "out_samples", (int64_t)as.out.frames);
	err |= ctl_put_int(o, "out_delay_ms", as.out.delay_ms);
	err |= ctl_put_int(o, "underruns", (int64_t)as.out.xruns);
	err |= ctl_put_int(o, "out_dropped", (int64_t)as.out.dropped);
	err |= ctl_put_int(o, "out_failures", (int64_t)as.out.failures);
	err |= ctl_put_bool(o, "in_open", as.in.open);
	err |= ctl_put_int(o, "in_rate", as.in.rate);
	err |= ctl_put_int(o, "in_samples", (int64_t)as.in.frames);
	err |= ctl_put_int(o, "overruns", (int64_t)as.in.xruns);
	err |= ctl_put_int(o, "in_failures", (int64_t)as.in.failures);
	return err;
}

static int audio_status(const struct mset *ms, struct odict *array)
{
	struct media_stats st;
	struct odict *o;
	char addr[64];
	int err;

	err = media_stream_stats(ms->audio, &st);
	err |= ctl_array_obj(array, &o);
	if (err)
		return err;

	re_snprintf(addr, sizeof(addr), "%J", media_stream_laddr(ms->audio));
	err |= ctl_put_str(o, "type", "audio");
	err |= ctl_put_str(o, "codec", st.codec);
	err |= ctl_put_str(o, "dir", sdesc_dir_name(ms->dir));
	err |= ctl_put_str(o, "local", addr);
	err |= ctl_put_int(o, "tx_packets", (int64_t)st.tx_packets);
	err |= ctl_put_int(o, "rx_packets", (int64_t)st.rx_packets);
	err |= ctl_put_int(o, "played_packets", (int64_t)st.played_packets);
	err |= ctl_put_int(o, "lost", (int64_t)st.lost);
	err |= ctl_put_int(o, "rx_ssrcs", (int64_t)st.rx_nssrc);
	err |= ctl_put_int(o, "tx_ssrc", (int64_t)st.tx_ssrc);
	err |= ctl_put_int(o, "rx_ssrc", (int64_t)st.rx_ssrc);
	err |= srtp_status(ms, SDESC_AUDIO, o);
	err |= sound_status(ms, o);
	return err;
}

static int video_status(const struct mset *ms, struct odict *array)
{
	struct media_vstats st;
	struct odict *o;
	char addr[64];
	int err;

	err = media_vstream_stats(ms->video, &st);
	err |= ctl_array_obj(array, &o);
	if (err)
		return err;

	re_snprintf(addr, sizeof(addr), "%J",
		    media_vstream_laddr(ms->video));
	err |= ctl_put_str(o, "type", "video");
	err |= ctl_put_str(o, "codec", VIDEO_SDP_NAME);
	err |= ctl_put_str(o, "dir", sdesc_dir_name(ms->vdir));
	err |= ctl_put_str(o, "local", addr);
	err |= ctl_put_int(o, "tx_packets", (int64_t)st.tx_packets);
	err |= ctl_put_int(o, "tx_frames", (int64_t)st.tx_frames);
	err |= ctl_put_int(o, "rx_packets", (int64_t)st.rx_packets);
	err |= ctl_put_int(o, "frames_decoded", (int64_t)st.frames_decoded);
	err |= ctl_put_int(o, "width", st.width);
	err |= ctl_put_int(o, "height", st.height);
	err |= ctl_put_int(o, "tx_width", st.tx_width);
	err |= ctl_put_int(o, "tx_height", st.tx_height);
	err |= ctl_put_int(o, "lost", (int64_t)st.lost);
	err |= ctl_put_int(o, "tx_ssrc", (int64_t)st.tx_ssrc);
	err |= ctl_put_int(o, "rx_ssrc", (int64_t)st.rx_ssrc);
	if (st.pattern_ok)
		err |= ctl_put_int(o, "pattern_seed", st.pattern_seed);
	err |= srtp_status(ms, SDESC_VIDEO, o);
	return err;
}

int mset_status(const struct mset *ms, struct odict *array)
{
	int err = 0;

	if (!ms || !array)
		return EINVAL;
	if (ms->audio)
		err = audio_status(ms, array);
	if (!err && ms->video)
		err = video_status(ms, array);
	return err;
}

int mset_video_size(const char *name, unsigned *w, unsigned *h, char *err,
		    size_t errsz)
{
	struct sdesc_h263 one;

	if (name && !strchr(name, ',') &&
	    !sdesc_h263_sizes_parse(&one, name, 1, NULL, NULL) &&
	    !sdesc_h263_dim(one.picv[0].size, w, h))
		return 0;
	re_snprintf(err, errsz, "unknown picture size '%s' (sqcif, qcif,"
		    " cif, 4cif, 16cif)", name ? name : "");
	return EINVAL;
}

int mset_video_sizes_valid(const char *list, char *err, size_t errsz)
{
	struct sdesc_h263 h;
	const char *bad = NULL;
	size_t badlen = 0;

	if (!list || !sdesc_h263_sizes_parse(&h, list, 1, &bad, &badlen))
		return 0;
	if (badlen)
		re_snprintf(err, errsz, "unknown picture size '%b' in '%s'"
			    " (sqcif, qcif, cif, 4cif, 16cif)", bad, badlen,
			    list);
	else
		re_snprintf(err, errsz, "bad picture size list '%s' (e.g."
			    " 4cif,cif)", list);
	return EINVAL;
}

int mset_media_parse(struct mset_conf *conf, const char *media,
		     const char *video_role, char *err, size_t errsz)
{
	bool audio = false, video = false;
	char buf[64], *p, *save = NULL;

	str_ncpy(buf, media ? media : "audio", sizeof(buf));
	for (p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",",
							      &save)) {
		if (!strcmp(p, "audio"))
			audio = true;
		else if (!strcmp(p, "video"))
			video = true;
		else {
			re_snprintf(err, errsz, "unknown medium '%s' (audio,"
				    " video)", p);
			return EINVAL;
		}
	}
	conf->no_audio = !audio;
	conf->video = MSET_VIDEO_NONE;
	if (video) {
		if (!video_role || !strcmp(video_role, "both"))
			conf->video = MSET_VIDEO_BOTH;
		else if (!strcmp(video_role, "display"))
			conf->video = MSET_VIDEO_DISPLAY;
		else if (!strcmp(video_role, "camera"))
			conf->video = MSET_VIDEO_CAMERA;
		else {
			re_snprintf(err, errsz, "unknown video role '%s'"
				    " (both, display, camera)", video_role);
			return EINVAL;
		}
	}
	if (!audio && !video) {
		re_snprintf(err, errsz, "no media");
		return EINVAL;
	}
	return 0;
}

/* Our RTCP for a medium we no longer send goes nowhere (rtcp_gate.c):
 * the far end talks to the device that took it now. */
static void gate_rtcp(struct mset *ms, enum sdesc_mtype type, bool open)
{
	struct rtp_sock *rtp = type == SDESC_AUDIO ?
		media_stream_rtp(ms->audio) : media_vstream_rtp(ms->video);

	if (!rtp)
		return;
	if (ms->gated[type] != rtp) {   /* a new stream: a new gate */
		ms->gate[type] = mem_deref(ms->gate[type]);
		ms->gated[type] = NULL;
		if (open || media_rtcp_gate_alloc(&ms->gate[type], rtp))
			return;
		ms->gated[type] = rtp;
	}
	media_rtcp_gate_set(ms->gate[type], open);
}

void mset_set_sending(struct mset *ms, enum sdesc_mtype type, bool send)
{
	if (!ms || type > SDESC_VIDEO)
		return;
	if (type == SDESC_AUDIO)
		ms->mute = !send;
	else
		ms->vmute = !send;
	set_dirs(ms, type);
	gate_rtcp(ms, type, send);
}

void mset_send_now(struct mset *ms, enum sdesc_mtype type)
{
	if (ms && type == SDESC_AUDIO && ms->audio)
		media_stream_send_now(ms->audio);
	else if (ms && type == SDESC_VIDEO && ms->video)
		media_vstream_send_now(ms->video);
}

void mset_set_receiving(struct mset *ms, enum sdesc_mtype type, bool force)
{
	if (!ms || type > SDESC_VIDEO)
		return;
	ms->recv_forced[type] = force;
	set_dirs(ms, type);
}

bool mset_sending(const struct mset *ms, enum sdesc_mtype type)
{
	if (!ms)
		return false;
	if (type == SDESC_AUDIO)
		return ms->audio && !ms->mute && (ms->dir & SDESC_SENDONLY);
	return ms->video && !ms->vmute && (ms->vdir & SDESC_SENDONLY);
}

static const struct playlog *mset_playlog(const struct mset *ms,
					  enum sdesc_mtype type)
{
	if (!ms)
		return NULL;
	return type == SDESC_VIDEO ? ms->vplaylog : ms->playlog;
}

static int put_runs(const struct mset *ms, enum sdesc_mtype type,
		    uint64_t since_ms, struct odict *array)
{
	const struct playlog *pl = mset_playlog(ms, type);
	struct playlog_run runs[64];
	size_t n;
	int err = 0;

	if (!pl)
		return 0;

	n = playlog_runs(pl, since_ms, runs, ARRAY_SIZE(runs));
	for (size_t i = 0; i < n && !err; i++) {
		struct odict *o;

		err  = ctl_array_obj(array, &o);
		err |= ctl_put_str(o, "type", type == SDESC_VIDEO ? "video"
				   : "audio");
		err |= ctl_put_int(o, "ssrc", runs[i].ssrc);
		err |= ctl_put_int(o, "seq", runs[i].seq);
		err |= ctl_put_int(o, "n", runs[i].n);
		err |= ctl_put_int(o, "t0", (int64_t)runs[i].t0_ms);
		err |= ctl_put_int(o, "t1", (int64_t)runs[i].t1_ms);
		err |= ctl_put_int(o, "max_gap", runs[i].max_gap_ms);
	}
	return err;
}

int mset_playout(const struct mset *ms, uint64_t since_ms,
		 struct odict *array)
{
	if (!ms || !array)
		return EINVAL;

	return put_runs(ms, SDESC_AUDIO, since_ms, array) |
	       put_runs(ms, SDESC_VIDEO, since_ms, array);
}

size_t mset_runs(const struct mset *ms, enum sdesc_mtype type,
		 uint64_t since_ms, struct playlog_run *v, size_t max)
{
	const struct playlog *pl = mset_playlog(ms, type);

	return pl ? playlog_runs(pl, since_ms, v, max) : 0;
}

void mset_counts(const struct mset *ms, const char *type, uint64_t *tx,
		 uint64_t *rx, uint64_t *played)
{
	uint64_t t = 0, r = 0, p = 0;

	if (ms && ms->audio && !strcmp(type, "audio")) {
		struct media_stats st;

		(void)media_stream_stats(ms->audio, &st);
		t = st.tx_packets;
		r = st.rx_packets;
		p = st.played_packets;
	}
	else if (ms && ms->video && !strcmp(type, "video")) {
		struct media_vstats st;

		(void)media_vstream_stats(ms->video, &st);
		t = st.tx_packets;
		r = st.rx_packets;
		p = st.frames_decoded;
	}
	if (tx)
		*tx = t;
	if (rx)
		*rx = r;
	if (played)
		*played = p;
}

uint64_t mset_played(const struct mset *ms)
{
	uint64_t audio, frames;

	mset_counts(ms, "audio", NULL, NULL, &audio);
	mset_counts(ms, "video", NULL, NULL, &frames);
	return audio + 4 * frames;
}

/* DTMF: sent as RFC 4733 events in this set's audio, to the far side */
int mset_dtmf_send(struct mset *ms, const char *digits)
{
	if (!ms || !dtmf_digits_valid(digits))
		return EINVAL;
	if (!mset_sending(ms, SDESC_AUDIO))
		return ENOTCONN;
	return media_stream_dtmf_send(ms->audio, digits);
}

const char *mset_dtmf_received(const struct mset *ms)
{
	return ms && ms->audio ? media_stream_dtmf_received(ms->audio) : "";
}

void mset_ssrcs(const struct mset *ms, enum sdesc_mtype type, uint32_t *tx,
		uint32_t *rx)
{
	uint32_t t = 0, r = 0;

	if (ms && ms->audio && type == SDESC_AUDIO) {
		struct media_stats st;

		(void)media_stream_stats(ms->audio, &st);
		t = st.tx_ssrc;
		r = st.rx_ssrc;
	}
	else if (ms && ms->video && type == SDESC_VIDEO) {
		struct media_vstats st;

		(void)media_vstream_stats(ms->video, &st);
		t = st.tx_ssrc;
		r = st.rx_ssrc;
	}
	*tx = t;
	*rx = r;
}
