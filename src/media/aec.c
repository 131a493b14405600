/**
 * @file aec.c  speexdsp's echo canceller plus its preprocessor as the
 * residual echo suppressor (media_aec.h).
 */

#include <errno.h>
#include <math.h>
#include <string.h>
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <re.h>
#include <sipmob/media_aec.h>

enum { MAX_FRAME = 960 };

struct aec {
	SpeexEchoState *echo;
	SpeexPreprocessState *pp;
	uint32_t srate;
	size_t frame;
	double in_pow, out_pow;   /* this second's, summed               */
	size_t nsamp;
	double erle;              /* the last whole second's             */
	int16_t out[MAX_FRAME];
};


static void destructor(void *arg)
{
	struct aec *a = arg;

	if (a->pp)
		speex_preprocess_state_destroy(a->pp);
	if (a->echo)
		speex_echo_state_destroy(a->echo);
}


int aec_alloc(struct aec **ap, uint32_t srate, size_t frame, uint32_t tail_ms)
{
	struct aec *a;
	spx_int32_t rate = (spx_int32_t)srate;
	spx_int32_t suppress = -40, active = -15;

	if (!ap || !srate || !frame || frame > MAX_FRAME || !tail_ms)
		return EINVAL;

	a = mem_zalloc(sizeof(*a), destructor);
	if (!a)
		return ENOMEM;

	a->srate = srate;
	a->frame = frame;
	a->echo = speex_echo_state_init((int)frame,
					(int)(srate * tail_ms / 1000));
	a->pp = speex_preprocess_state_init((int)frame, (int)srate);
	if (!a->echo || !a->pp) {
		mem_deref(a);
		return ENOMEM;
	}
	speex_echo_ctl(a->echo, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
	speex_preprocess_ctl(a->pp, SPEEX_PREPROCESS_SET_ECHO_STATE, a->echo);
	speex_preprocess_ctl(a->pp, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS,
			     &suppress);
	speex_preprocess_ctl(a->pp, SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE,
			     &active);
	*ap = a;
	return 0;
}


void aec_run(struct aec *a, const int16_t *played, int16_t *pcm, size_t n)
{
	if (!a || !played || !pcm || n != a->frame)
		return;

	speex_echo_cancellation(a->echo, pcm, played, a->out);
	speex_preprocess_run(a->pp, a->out);

	for (size_t i = 0; i < n; i++) {
		a->in_pow += (double)pcm[i] * pcm[i];
		a->out_pow += (double)a->out[i] * a->out[i];
	}
	a->nsamp += n;
	if (a->nsamp >= a->srate) {
		a->erle = a->in_pow > 0 ?
			10.0 * log10((a->in_pow + 1.0) /
				     (a->out_pow + 1.0)) : 0;
		a->in_pow = a->out_pow = 0;
		a->nsamp = 0;
	}
	memcpy(pcm, a->out, n * sizeof(*pcm));
}


uint32_t aec_srate(const struct aec *a)
{
	return a ? a->srate : 0;
}


size_t aec_frame(const struct aec *a)
{
	return a ? a->frame : 0;
}


double aec_erle_db(const struct aec *a)
{
	return a ? a->erle : 0;
}
