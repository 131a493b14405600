/*
 * A media set: the glue between our SDP model (sdesc) and RTP streams
 * (media_stream) for one SIP leg. It offers every configured codec, answers
 * by RFC 3264 §6 (the first offered codec we have wins), and applies the
 * negotiated codec, the far side's address and the mirrored direction to the
 * streams. Applying is idempotent, so a re-INVITE that moves the far side's
 * media (3PCC, spec §5.2) only changes where our packets go.
 *
 * Limits: one audio stream per set. Video joins when the video engine does.
 */
#include <string.h>
#include <re.h>
#include <sipmob/sdesc.h>
#include <sipmob/media.h>
#include <sipmob/media_playlog.h>
#include <sipmob/ctl.h>
#include <sipmob/mediaset.h>

enum { MSET_MAX_CODECS = 8, OPUS_PT = 111, PLAYLOG_RUNS = 256 };

struct mset {
	struct media_stream *audio;
	struct sdesc_codec codecv[MSET_MAX_CODECS];
	size_t codecc;
	struct sdesc *local;       /* our last description (o= version)   */
	struct sdesc *remote;      /* theirs                              */
	enum sdesc_dir dir;        /* what we do now                      */
	bool mute;                 /* sending stopped by mset_set_sending */
	struct playlog *playlog;   /* what we played, when                */
	char *user;
};

static void destructor(void *arg)
{
	struct mset *ms = arg;

	mem_deref(ms->audio);
	mem_deref(ms->local);
	mem_deref(ms->remote);
	mem_deref(ms->playlog);
	mem_deref(ms->user);
}

static void played_handler(uint32_t ssrc, uint16_t seq, uint64_t ext,
			   void *arg)
{
	struct mset *ms = arg;
	(void)ext;

	playlog_add(ms->playlog, ssrc, seq, playlog_now_ms());
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

	err = str_dup(&ms->user, conf->user ? conf->user : "sipmob");
	if (err)
		goto out;

	if (conf->port_min)
		err = media_stream_alloc_ports(&ms->audio, "audio", conf->addr,
					       conf->port_min, conf->port_max);
	else
		err = media_stream_alloc(&ms->audio, "audio", conf->addr);
	if (err)
		goto out;

	if (conf->record_path)
		err = media_stream_record(ms->audio, conf->record_path);
	err = err ? err : playlog_alloc(&ms->playlog, PLAYLOG_RUNS);
	if (err)
		goto out;
	media_stream_set_played_handler(ms->audio, played_handler, ms);
	ms->dir = SDESC_SENDRECV;

 out:
	if (err)
		mem_deref(ms);
	else
		*msp = ms;
	return err;
}

static void local_media(const struct mset *ms, struct sdesc_lmedia *lm)
{
	memset(lm, 0, sizeof(*lm));
	lm->type = SDESC_AUDIO;
	lm->addr = media_stream_laddr(ms->audio);
	lm->dir = SDESC_SENDRECV;
	lm->codecv = ms->codecv;
	lm->codecc = ms->codecc;
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

int mset_offer(struct mset *ms, struct mbuf **mbp)
{
	struct sdesc_lmedia lm;
	struct sdesc *sd;
	int err;

	if (!ms || !mbp)
		return EINVAL;

	local_media(ms, &lm);
	err = sdesc_offer(&sd, ms->local, ms->user, &lm, 1);
	if (err)
		return err;
	return keep_local(ms, sd, mbp);
}

int mset_caps(struct mset *ms, struct mbuf **mbp)
{
	struct sdesc_lmedia lm;
	struct sdesc *sd;
	int err;

	local_media(ms, &lm);
	err = sdesc_offer(&sd, NULL, ms->user, &lm, 1);
	if (err)
		return err;
	err = sdesc_encode(mbp, sd);
	mem_deref(sd);
	return err;
}

static const struct codec_desc *find_codec(const struct sdesc_codec *c)
{
	const struct codec_desc *cd = codec_find(c->name);

	return cd && cd->clock == c->srate ? cd : NULL;
}

/*
 * Applies a negotiated pair to the audio stream: the codec from the answer
 * (theirs or ours), the far side's address from their description, and the
 * direction mirrored from theirs.
 */
static int apply(struct mset *ms, const struct sdesc *answer,
		 const struct sdesc *theirs, char *err, size_t errsz)
{
	const struct codec_desc *cd;
	struct sdesc_media *am = NULL, *tm;
	struct sdesc_codec codec;
	struct sa raddr;
	enum sdesc_dir dir;
	unsigned i;

	for (i = 0; i < sdesc_media_count(answer); i++) {
		am = sdesc_media(answer, i);
		if (sdesc_media_type(am) == SDESC_AUDIO)
			break;
	}
	if (i == sdesc_media_count(answer) || i >= sdesc_media_count(theirs)) {
		re_snprintf(err, errsz, "no audio stream");
		return EPROTO;
	}
	tm = sdesc_media(theirs, i);

	if (!sdesc_media_port(am) || !sdesc_media_port(tm)) {
		media_stream_stop(ms->audio);
		ms->dir = SDESC_INACTIVE;
		return 0;
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
	media_stream_set_remote(ms->audio, &raddr);
	media_stream_set_dir(ms->audio, (dir & SDESC_SENDONLY) && !ms->mute,
			     dir & SDESC_RECVONLY);
	ms->dir = dir;
	return media_stream_start(ms->audio);
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

int mset_answer(struct mset *ms, const struct mbuf *offer,
		struct mbuf **mbp, char *err, size_t errsz)
{
	struct sdesc *theirs = NULL, *ans = NULL;
	struct sdesc_lmedia lm;
	int e;

	e = parse(&theirs, offer, err, errsz);
	if (e)
		return e;

	local_media(ms, &lm);
	e = sdesc_answer(&ans, theirs, ms->local, ms->user, &lm, 1);
	if (e) {
		re_snprintf(err, errsz, "cannot answer: %m", e);
		goto out;
	}
	e = apply(ms, ans, theirs, err, errsz);
	if (e)
		goto out;
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
	e = apply(ms, theirs, theirs, err, errsz);
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

int mset_status(const struct mset *ms, struct odict *array)
{
	struct media_stats st;
	struct odict *o;
	char addr[64];
	int err;

	if (!ms || !array)
		return EINVAL;

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
	return err;
}

void mset_set_sending(struct mset *ms, bool send)
{
	if (!ms)
		return;
	ms->mute = !send;
	media_stream_set_dir(ms->audio, (ms->dir & SDESC_SENDONLY) && send,
			     ms->dir & SDESC_RECVONLY);
}

int mset_playout(const struct mset *ms, uint64_t since_ms,
		 struct odict *array)
{
	struct playlog_run runs[64];
	size_t n;
	int err = 0;

	if (!ms || !array)
		return EINVAL;

	n = playlog_runs(ms->playlog, since_ms, runs, ARRAY_SIZE(runs));
	for (size_t i = 0; i < n && !err; i++) {
		struct odict *o;

		err  = ctl_array_obj(array, &o);
		err |= ctl_put_str(o, "type", "audio");
		err |= ctl_put_int(o, "ssrc", runs[i].ssrc);
		err |= ctl_put_int(o, "seq", runs[i].seq);
		err |= ctl_put_int(o, "n", runs[i].n);
		err |= ctl_put_int(o, "t0", (int64_t)runs[i].t0_ms);
		err |= ctl_put_int(o, "t1", (int64_t)runs[i].t1_ms);
		err |= ctl_put_int(o, "max_gap", runs[i].max_gap_ms);
	}
	return err;
}

size_t mset_runs(const struct mset *ms, uint64_t since_ms,
		 struct playlog_run *v, size_t max)
{
	return ms ? playlog_runs(ms->playlog, since_ms, v, max) : 0;
}

void mset_counts(const struct mset *ms, uint64_t *tx, uint64_t *rx,
		 uint64_t *played)
{
	struct media_stats st;

	memset(&st, 0, sizeof(st));
	if (ms)
		(void)media_stream_stats(ms->audio, &st);
	if (tx)
		*tx = st.tx_packets;
	if (rx)
		*rx = st.rx_packets;
	if (played)
		*played = st.played_packets;
}
