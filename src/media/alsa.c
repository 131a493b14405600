/**
 * @file alsa.c  One ALSA PCM, non-blocking, recovered from every error
 * (media_alsa.h).
 *
 * The PCM opens lazily, at the first frame, because only then is the
 * codec's rate known; a frame at another rate (a re-INVITE changed the
 * codec) reopens it. Playback starts with one period of silence queued,
 * so that a 20 ms writer on a 10 ms period does not run the card dry
 * between two frames; it keeps between one and three periods queued.
 * Capture discards what piles up beyond two frames, so that the
 * microphone's delay stays bounded when our clock lags the card's.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <alsa/asoundlib.h>
#include <speex/speex_resampler.h>
#include <re.h>
#include <sipmob/media_alsa.h>

enum {
	PERIOD_MS    = 10,
	PERIODS      = 4,
	RETRY_MS     = 1000,
	MAX_CH       = 2,
	MAX_FRAME    = 48000 / 50 * 2,   /* 20 ms at 96 kHz */
	RESAMPLE_Q   = 3,
};

struct alsa_pcm {
	char *device;
	bool capture;
	snd_pcm_t *pcm;
	uint32_t srate;           /* the codec's (what the caller gives)   */
	uint32_t rate;            /* the card's                            */
	unsigned ch;
	snd_pcm_uframes_t period;
	SpeexResamplerState *rs;
	uint64_t retry_at;        /* closed after a failure: next attempt  */
	bool inject;
	bool warned;
	struct alsa_stats st;
	int16_t buf[MAX_FRAME * MAX_CH];
	int16_t mono[MAX_FRAME];
};


/* ALSA's own messages on a retry would repeat every second: those of the
 * first attempt are printed, the retries' are not */
static bool quiet;

static void error_handler(const char *file, int line, const char *function,
			  int err, const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "ALSA lib %s:%i:(%s) ", file, line, function);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", snd_strerror(err));
	fputc('\n', stderr);
	va_end(ap);
}


static void pcm_close(struct alsa_pcm *p)
{
	if (p->pcm)
		snd_pcm_close(p->pcm);
	p->pcm = NULL;
	if (p->rs)
		speex_resampler_destroy(p->rs);
	p->rs = NULL;
	p->st.open = false;
	p->st.rate = 0;
	p->st.resampling = false;
}


static void destructor(void *arg)
{
	struct alsa_pcm *p = arg;

	pcm_close(p);
	mem_deref(p->device);
}


static const char *dir_name(const struct alsa_pcm *p)
{
	return p->capture ? "capture" : "playback";
}


static int hw_setup(struct alsa_pcm *p)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t buffer;
	unsigned rate = p->srate, ch = 1;
	int dir = 0, e;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);

	if ((e = snd_pcm_hw_params_any(p->pcm, hw)) < 0 ||
	    (e = snd_pcm_hw_params_set_access(p->pcm, hw,
				SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (e = snd_pcm_hw_params_set_format(p->pcm, hw,
				SND_PCM_FORMAT_S16)) < 0 ||
	    (e = snd_pcm_hw_params_set_channels_near(p->pcm, hw, &ch)) < 0 ||
	    (e = snd_pcm_hw_params_set_rate_near(p->pcm, hw, &rate,
						 &dir)) < 0)
		return e;
	if (ch > MAX_CH || rate > 96000 || rate < 8000)
		return -EINVAL;

	p->period = rate * PERIOD_MS / 1000;
	buffer = p->period * PERIODS;
	dir = 0;
	if ((e = snd_pcm_hw_params_set_period_size_near(p->pcm, hw,
							&p->period,
							&dir)) < 0 ||
	    (e = snd_pcm_hw_params_set_buffer_size_near(p->pcm, hw,
							&buffer)) < 0 ||
	    (e = snd_pcm_hw_params(p->pcm, hw)) < 0)
		return e;

	if ((e = snd_pcm_sw_params_current(p->pcm, sw)) < 0 ||
	    (e = snd_pcm_sw_params_set_start_threshold(p->pcm, sw,
				p->capture ? 1 : p->period)) < 0 ||
	    (e = snd_pcm_sw_params_set_avail_min(p->pcm, sw,
						 p->period)) < 0 ||
	    (e = snd_pcm_sw_params(p->pcm, sw)) < 0)
		return e;

	p->rate = rate;
	p->ch = ch;
	return 0;
}


static void prefill(struct alsa_pcm *p)
{
	memset(p->buf, 0, p->period * p->ch * sizeof(int16_t));
	(void)snd_pcm_writei(p->pcm, p->buf, p->period);
}


/* Opens at the codec's rate srate, or the nearest the card takes */
static void pcm_open(struct alsa_pcm *p, uint32_t srate)
{
	uint64_t now = tmr_jiffies();
	int e, err;

	if (p->pcm && p->srate == srate)
		return;
	if (!p->pcm && p->retry_at && now < p->retry_at && p->srate == srate)
		return;

	pcm_close(p);
	p->srate = srate;

	/* a retry reads the configuration again: a card plugged in, an
	 * asoundrc that names the PCM now */
	quiet = p->warned;
	if (p->warned)
		(void)snd_config_update_free_global();
	e = snd_pcm_open(&p->pcm, p->device, p->capture ?
			 SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK,
			 SND_PCM_NONBLOCK);
	if (e >= 0)
		e = hw_setup(p);
	if (e >= 0 && p->rate != srate) {
		p->rs = p->capture ?
			speex_resampler_init(1, p->rate, srate, RESAMPLE_Q,
					     &err) :
			speex_resampler_init(1, srate, p->rate, RESAMPLE_Q,
					     &err);
		if (!p->rs)
			e = -ENOMEM;
	}
	if (e >= 0)
		e = snd_pcm_prepare(p->pcm);
	quiet = false;
	if (e < 0) {
		if (!p->warned)
			re_fprintf(stderr, "audio: cannot open %s %s: %s "
				   "(retrying every second)\n",
				   dir_name(p), p->device, snd_strerror(e));
		p->warned = true;
		++p->st.failures;
		pcm_close(p);
		p->retry_at = now + RETRY_MS;
		return;
	}

	p->warned = false;
	p->retry_at = 0;
	p->st.open = true;
	p->st.rate = p->rate;
	p->st.resampling = p->rs != NULL;
	++p->st.opens;
	re_fprintf(stderr, "audio: %s %s open at %u Hz, %u channel(s), "
		   "period %lu%s\n", dir_name(p), p->device, p->rate, p->ch,
		   (unsigned long)p->period,
		   p->rs ? " (resampling)" : "");
	if (p->capture)
		(void)snd_pcm_start(p->pcm);
	else
		prefill(p);
}


/* After an error: an xrun is recovered in place; anything else (the
 * device vanished) closes it until the next attempt */
static void recover(struct alsa_pcm *p, int e)
{
	if (e == -EPIPE || e == -ESTRPIPE) {
		++p->st.xruns;
		re_fprintf(stderr, "audio: %s %s: %s (%llu), recovered\n",
			   dir_name(p), p->device, p->capture ?
			   "overrun" : "underrun",
			   (unsigned long long)p->st.xruns);
		if (snd_pcm_recover(p->pcm, e, 1) >= 0) {
			if (p->capture)
				(void)snd_pcm_start(p->pcm);
			else
				prefill(p);
			return;
		}
	}

	re_fprintf(stderr, "audio: %s %s lost: %s (reopening every "
		   "second)\n", dir_name(p), p->device, snd_strerror(e));
	++p->st.failures;
	pcm_close(p);
	p->warned = true;
	p->retry_at = tmr_jiffies() + RETRY_MS;
}


int alsa_pcm_alloc(struct alsa_pcm **pp, const char *device, bool capture)
{
	struct alsa_pcm *p;
	int err;

	if (!pp || !device || !*device)
		return EINVAL;

	p = mem_zalloc(sizeof(*p), destructor);
	if (!p)
		return ENOMEM;

	(void)snd_lib_error_set_handler(error_handler);
	err = str_dup(&p->device, device);
	if (err) {
		mem_deref(p);
		return err;
	}
	p->capture = capture;
	p->st.delay_ms = -1;
	*pp = p;
	return 0;
}


/** Plays n samples at srate (the codec's); 0 also when it was dropped
 *  (the device closed or its buffer full: counted) */
int alsa_pcm_write(struct alsa_pcm *p, const int16_t *pcm, size_t n,
		   uint32_t srate)
{
	const int16_t *in = pcm;
	spx_uint32_t ilen = (spx_uint32_t)n, olen = MAX_FRAME;
	snd_pcm_sframes_t w, delay;

	if (!p || !pcm || !srate || n > MAX_FRAME)
		return EINVAL;

	pcm_open(p, srate);
	if (!p->pcm)
		return 0;

	if (p->rs) {
		speex_resampler_process_int(p->rs, 0, pcm, &ilen, p->mono,
					    &olen);
		in = p->mono;
		n = olen;
	}
	if (p->ch == 2) {
		for (size_t i = 0; i < n; i++)
			p->buf[2 * i] = p->buf[2 * i + 1] = in[i];
		in = p->buf;
	}

	if (p->inject) {
		p->inject = false;
		recover(p, -EPIPE);
		if (!p->pcm)
			return 0;
	}

	w = snd_pcm_writei(p->pcm, in, n);
	if (w == -EPIPE || w == -ESTRPIPE) {
		recover(p, (int)w);
		if (!p->pcm)
			return 0;
		w = snd_pcm_writei(p->pcm, in, n);
	}
	if (w == -EAGAIN) {
		++p->st.dropped;   /* the card is behind our clock */
		return 0;
	}
	if (w < 0) {
		recover(p, (int)w);
		return 0;
	}

	p->st.frames += (uint64_t)w * srate / p->rate;
	if (snd_pcm_delay(p->pcm, &delay) >= 0)
		p->st.delay_ms = (int32_t)(delay * 1000 / p->rate);
	return 0;
}


/** Reads n samples at srate into pcm; what the card has not got is
 *  silence. Returns the samples that came from the card. */
size_t alsa_pcm_read(struct alsa_pcm *p, int16_t *pcm, size_t n,
		     uint32_t srate)
{
	snd_pcm_sframes_t avail, r;
	size_t want;

	if (!p || !pcm || !srate || n > MAX_FRAME)
		return 0;

	memset(pcm, 0, n * sizeof(*pcm));
	pcm_open(p, srate);
	if (!p->pcm)
		return 0;

	want = p->rs ? (size_t)((uint64_t)n * p->rate / srate) : n;
	if (want > MAX_FRAME)
		want = MAX_FRAME;

	avail = snd_pcm_avail_update(p->pcm);
	if (avail < 0) {
		recover(p, (int)avail);
		return 0;
	}
	if ((size_t)avail > 3 * want)   /* we lag: keep the delay down */
		(void)snd_pcm_forward(p->pcm,
				      (snd_pcm_uframes_t)avail - 2 * want);

	r = snd_pcm_readi(p->pcm, p->buf, want);
	if (r == -EAGAIN)
		return 0;
	if (r < 0) {
		recover(p, (int)r);
		return 0;
	}
	if (p->ch == 2) {
		for (snd_pcm_sframes_t i = 0; i < r; i++)
			p->buf[i] = (int16_t)((p->buf[2 * i] +
					       p->buf[2 * i + 1]) / 2);
	}
	if (p->rs) {
		spx_uint32_t ilen = (spx_uint32_t)r, olen = (spx_uint32_t)n;

		speex_resampler_process_int(p->rs, 0, p->buf, &ilen, pcm,
					    &olen);
		r = olen;
	}
	else {
		memcpy(pcm, p->buf, (size_t)r * sizeof(*pcm));
	}
	p->st.frames += (uint64_t)r;
	return (size_t)r;
}


void alsa_pcm_stats(const struct alsa_pcm *p, struct alsa_stats *st)
{
	if (p && st)
		*st = p->st;
}


void alsa_pcm_inject_xrun(struct alsa_pcm *p)
{
	if (p)
		p->inject = true;
}
