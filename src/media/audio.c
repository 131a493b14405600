/**
 * @file audio.c  A stream's microphone and speaker (media_audio.h).
 *
 * The output's clock (an absolute schedule, as the sender's) drives the
 * playout: every 20 ms it takes one frame from the stream's jitter buffer
 * (media_stream_playout) and gives it to the loop source's delay line and
 * the card, in two 10 ms halves, one per 10 ms tick, so that the card needs
 * 10 ms less queued to bridge the time between two writes. In the same
 * tick it reads the microphone's frame and runs the echo canceller on the
 * two: one clock for both keeps the echo path the canceller learns
 * constant. The cleaned frames wait (at most MIC_FRAMES) for the sender's
 * clock, which takes them as the stream's frame source. Without the
 * playout clock (an input only) the sender's clock reads the card. The input is
 * the stream's frame source: the sender's tick reads one frame from the
 * card (or the loop), and the echo canceller takes the echo out of it.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include <sipmob/media.h>
#include <sipmob/media_aec.h>
#include <sipmob/media_audio.h>

enum {
	PTIME_MS   = 20,
	TICK_MS    = 10,          /* half a frame to the card per tick    */
	MAX_LAG_MS = 200,
	LOOP_MAX_MS = 1000,
	MIC_FRAMES = 3,
	IDLE_MS    = 100,         /* the clock's pace before a codec is set */
	RING       = 2 * 48000,   /* the loop's delay line: 2 s at 48 kHz */
};

struct audio_dev {
	struct media_stream *ms;
	struct alsa_pcm *out;
	struct alsa_pcm *in;
	bool clock;               /* the playout clock runs               */
	struct tmr tmr;
	uint64_t next_ms;

	bool loop;
	uint32_t loop_ms;
	double loop_gain;
	int16_t *ring;
	uint32_t ring_rate;
	int64_t wr;               /* samples into the delay line          */
	int64_t rd;               /* ...and out                           */
	bool rd_set;

	bool aec_on;
	struct aec *aec;
	uint64_t xrun_every;      /* test hook: SIPMOB_AUDIO_XRUN_MS      */
	uint64_t xrun_at;
	uint64_t played;
	int16_t mic[MIC_FRAMES][CODEC_MAX_SAMPLES]; /* captured, cleaned  */
	size_t mic_n[MIC_FRAMES];
	uint32_t mic_rate[MIC_FRAMES];
	unsigned mic_head, mic_count;
	size_t half;              /* samples of the frame still to write  */
	size_t half_at;           /* ...from here                         */
	uint32_t half_rate;

	int16_t pcm[CODEC_MAX_SAMPLES];
};


static void destructor(void *arg)
{
	struct audio_dev *ad = arg;

	tmr_cancel(&ad->tmr);
	media_stream_set_source(ad->ms, NULL, NULL);
	mem_deref(ad->out);
	mem_deref(ad->in);
	mem_deref(ad->ring);
	mem_deref(ad->aec);
}


static int dev_name(const char *spec, const char **dev)
{
	if (!spec || strncmp(spec, "alsa:", 5) || !spec[5])
		return EINVAL;
	*dev = spec + 5;
	return 0;
}


static int loop_parse(const char *spec, uint32_t *ms, double *db)
{
	char *e;
	long d;
	double g;

	if (!spec || strncmp(spec, "loop:", 5))
		return EINVAL;
	d = strtol(spec + 5, &e, 10);
	if (e == spec + 5 || *e != ',' || d < 0 || d > LOOP_MAX_MS)
		return EINVAL;
	g = strtod(e + 1, &e);
	if (*e || g < -80 || g > 20)
		return EINVAL;
	if (ms)
		*ms = (uint32_t)d;
	if (db)
		*db = g;
	return 0;
}


int audio_conf_parse(struct audio_conf *conf, const char *out,
		     const char *in, const char *aec)
{
	const char *dev;

	if (!conf)
		return EINVAL;
	memset(conf, 0, sizeof(*conf));

	if (out && dev_name(out, &dev))
		return EINVAL;
	if (in && dev_name(in, &dev) && loop_parse(in, NULL, NULL))
		return EINVAL;
	if (!aec || !strcmp(aec, "auto"))
		conf->aec = AUDIO_AEC_AUTO;
	else if (!strcmp(aec, "on"))
		conf->aec = AUDIO_AEC_ON;
	else if (!strcmp(aec, "off"))
		conf->aec = AUDIO_AEC_OFF;
	else
		return EINVAL;

	conf->out = out;
	conf->in = in;
	return 0;
}


int audio_conf_cli(struct audio_conf *conf, const char *out, const char *in,
		   const char *aec, char *why, size_t whysz)
{
	struct audio_conf c;

	if (out && audio_conf_parse(&c, out, NULL, NULL)) {
		re_snprintf(why, whysz, "bad --audio-out '%s' (want alsa:DEV)",
			    out);
		return EINVAL;
	}
	if (in && audio_conf_parse(&c, NULL, in, NULL)) {
		re_snprintf(why, whysz, "bad --audio-in '%s' (want alsa:DEV or"
			    " loop:MS,DB with MS 0-%d, DB -80..20)", in,
			    LOOP_MAX_MS);
		return EINVAL;
	}
	if (aec && audio_conf_parse(&c, NULL, NULL, aec)) {
		re_snprintf(why, whysz, "bad --aec '%s' (want on, off or auto)",
			    aec);
		return EINVAL;
	}
	return audio_conf_parse(conf, out, in, aec);
}


bool audio_conf_used(const struct audio_conf *conf)
{
	return conf && (conf->out || conf->in);
}


/* The canceller works on the stream's frames: a new codec, a new one */
static struct aec *aec_for(struct audio_dev *ad, uint32_t srate, size_t n)
{
	if (!ad->aec_on)
		return NULL;
	if (ad->aec && aec_srate(ad->aec) == srate && aec_frame(ad->aec) == n)
		return ad->aec;
	ad->aec = mem_deref(ad->aec);
	if (aec_alloc(&ad->aec, srate, n, AEC_TAIL_MS))
		re_fprintf(stderr, "audio: no echo canceller at %u Hz\n",
			   srate);
	return ad->aec;
}


static void loop_put(struct audio_dev *ad, const int16_t *pcm, size_t n,
		     uint32_t srate)
{
	if (!ad->ring)
		return;
	if (ad->ring_rate != srate) {
		ad->ring_rate = srate;
		ad->wr = 0;
		ad->rd_set = false;
	}
	for (size_t i = 0; i < n; i++)
		ad->ring[(ad->wr + (int64_t)i) % RING] = pcm[i];
	ad->wr += (int64_t)n;
}


static void loop_get(struct audio_dev *ad, int16_t *pcm, size_t n,
		     uint32_t srate)
{
	int64_t delay = (int64_t)ad->loop_ms * srate / 1000;

	if (ad->ring_rate != srate) {
		memset(pcm, 0, n * sizeof(*pcm));
		return;
	}
	/* the two clocks keep step; after a stall, the echo delay again */
	if (!ad->rd_set || llabs(ad->wr - ad->rd - delay) > 2 * (int64_t)n) {
		ad->rd = ad->wr - delay;
		ad->rd_set = true;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t pos = ad->rd + (int64_t)i;
		double v = 0;

		if (pos >= 0 && pos < ad->wr && ad->wr - pos <= RING)
			v = ad->ring[pos % RING] * ad->loop_gain;
		if (v > 32767)
			v = 32767;
		if (v < -32768)
			v = -32768;
		pcm[i] = (int16_t)lrint(v);
	}
	ad->rd += (int64_t)n;
}


/* The microphone's frame of this tick, the echo taken out, queued for the
 * sender */
static void mic_frame(struct audio_dev *ad, size_t n, uint32_t srate)
{
	unsigned i;
	int16_t *m;

	if (!ad->in && !ad->loop)
		return;
	if (ad->mic_count == MIC_FRAMES) {   /* the sender lags: drop one */
		ad->mic_head = (ad->mic_head + 1) % MIC_FRAMES;
		--ad->mic_count;
	}
	i = (ad->mic_head + ad->mic_count) % MIC_FRAMES;
	m = ad->mic[i];
	if (ad->loop)
		loop_get(ad, m, n, srate);
	else
		(void)alsa_pcm_read(ad->in, m, n, srate);
	aec_run(aec_for(ad, srate, n), ad->pcm, m, n);
	ad->mic_n[i] = n;
	ad->mic_rate[i] = srate;
	++ad->mic_count;
}


static void tick(void *arg)
{
	struct audio_dev *ad = arg;
	uint32_t srate;
	uint64_t now;
	size_t n;
	int err = 0;

	if (ad->half) {
		/* the second half of the frame taken 10 ms ago */
		if (ad->out)
			(void)alsa_pcm_write(ad->out, ad->pcm + ad->half_at,
					     ad->half, ad->half_rate);
		ad->half = 0;
	}
	else if (!(err = media_stream_playout(ad->ms, ad->pcm,
					      CODEC_MAX_SAMPLES, &n,
					      &srate))) {
		loop_put(ad, ad->pcm, n, srate);
		mic_frame(ad, n, srate);
		if (ad->out) {
			if (ad->xrun_every &&
			    tmr_jiffies() >= ad->xrun_at) {
				alsa_pcm_inject_xrun(ad->out);
				ad->xrun_at = tmr_jiffies() + ad->xrun_every;
			}
			(void)alsa_pcm_write(ad->out, ad->pcm, n / 2, srate);
		}
		ad->half_at = n / 2;
		ad->half = n - n / 2;
		ad->half_rate = srate;
		++ad->played;
	}

	now = tmr_jiffies();
	ad->next_ms += err == ENOENT ? IDLE_MS : TICK_MS;   /* no codec yet */
	if (now > ad->next_ms + MAX_LAG_MS)
		ad->next_ms = now;
	tmr_start(&ad->tmr, ad->next_ms > now ? ad->next_ms - now : 0, tick,
		  ad);
}


static int capture(int16_t *pcm, size_t n, uint32_t srate, uint16_t seq,
		   void *arg)
{
	struct audio_dev *ad = arg;
	(void)seq;

	if (!ad->clock) {
		(void)alsa_pcm_read(ad->in, pcm, n, srate);
		return 0;
	}
	/* frames of another size (a codec changed) are dropped */
	while (ad->mic_count && (ad->mic_n[ad->mic_head] != n ||
				 ad->mic_rate[ad->mic_head] != srate)) {
		ad->mic_head = (ad->mic_head + 1) % MIC_FRAMES;
		--ad->mic_count;
	}
	if (!ad->mic_count) {
		memset(pcm, 0, n * sizeof(*pcm));   /* none yet: silence */
		return 0;
	}
	memcpy(pcm, ad->mic[ad->mic_head], n * sizeof(*pcm));
	ad->mic_head = (ad->mic_head + 1) % MIC_FRAMES;
	--ad->mic_count;
	return 0;
}


int audio_dev_alloc(struct audio_dev **adp, struct media_stream *ms,
		    const struct audio_conf *conf)
{
	struct audio_dev *ad;
	const char *odev = NULL, *idev = NULL;
	const char *xrun = getenv("SIPMOB_AUDIO_XRUN_MS");
	double db = 0;
	int err = 0;

	if (!adp || !ms || !conf)
		return EINVAL;

	ad = mem_zalloc(sizeof(*ad), destructor);
	if (!ad)
		return ENOMEM;
	ad->ms = ms;
	tmr_init(&ad->tmr);

	if (conf->out) {
		err = dev_name(conf->out, &odev);
		err = err ? err : alsa_pcm_alloc(&ad->out, odev, false);
		if (err)
			goto out;
	}
	if (conf->in && !loop_parse(conf->in, &ad->loop_ms, &db)) {
		ad->loop = true;
		ad->loop_gain = pow(10.0, db / 20.0);
		ad->ring = mem_zalloc(RING * sizeof(*ad->ring), NULL);
		if (!ad->ring) {
			err = ENOMEM;
			goto out;
		}
	}
	else if (conf->in) {
		err = dev_name(conf->in, &idev);
		err = err ? err : alsa_pcm_alloc(&ad->in, idev, true);
		if (err)
			goto out;
	}

	ad->aec_on = conf->aec == AUDIO_AEC_ON ||
		(conf->aec == AUDIO_AEC_AUTO &&
		 (ad->loop || (odev && idev && !strcmp(odev, idev))));

	if (ad->out || ad->loop) {
		err = media_stream_set_jitbuf(ms, true);
		if (err)
			goto out;
		ad->clock = true;
		ad->next_ms = tmr_jiffies();
		tmr_start(&ad->tmr, 0, tick, ad);
	}
	if (ad->in || ad->loop)
		media_stream_set_source(ms, capture, ad);

	if (xrun && atoi(xrun) > 0) {
		ad->xrun_every = (uint64_t)atoi(xrun);
		ad->xrun_at = tmr_jiffies() + ad->xrun_every;
	}

 out:
	if (err)
		mem_deref(ad);
	else
		*adp = ad;
	return err;
}


void audio_dev_stats(const struct audio_dev *ad, struct audio_stats *st)
{
	if (!ad || !st)
		return;
	memset(st, 0, sizeof(*st));
	st->aec = ad->aec_on;
	st->erle_db = aec_erle_db(ad->aec);
	alsa_pcm_stats(ad->out, &st->out);
	alsa_pcm_stats(ad->in, &st->in);
	if (!ad->out)
		st->out.delay_ms = -1;
	if (!ad->in)
		st->in.delay_ms = -1;
	st->played_frames = ad->played;
}
