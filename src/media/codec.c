/**
 * @file codec.c  The codec registry and the coder-state wrapper.
 *
 * The registry is a constant, NULL-terminated list of the descriptors the
 * codec files define, in our order of preference for offers. A codec_state
 * is the descriptor plus the codec's private coder state; it checks the
 * arguments of every call once here so the codec files need not.
 */

#include <errno.h>
#include <strings.h>
#include <re.h>
#include "codec_priv.h"

struct codec_state {
	const struct codec_desc *desc;
	void *priv;
};

static const struct codec_desc *const codecv[] = {
	&codec_opus,
	&codec_g722,
	&codec_pcmu,
	&codec_pcma,
	NULL,
};


/** The codec whose SDP encoding name is name (case-insensitive), or NULL */
const struct codec_desc *codec_find(const char *name)
{
	if (!name)
		return NULL;

	for (size_t i = 0; codecv[i]; i++) {
		if (!strcasecmp(codecv[i]->name, name))
			return codecv[i];
	}

	return NULL;
}


/** All codecs, NULL-terminated, most preferred first */
const struct codec_desc *const *codec_list(void)
{
	return codecv;
}


static void state_destructor(void *arg)
{
	struct codec_state *st = arg;

	mem_deref(st->priv);
}


/** A new encoder + decoder for desc */
int codec_state_alloc(struct codec_state **stp, const struct codec_desc *desc)
{
	struct codec_state *st;
	int err;

	if (!stp || !desc || !desc->ops)
		return EINVAL;

	st = mem_zalloc(sizeof(*st), state_destructor);
	if (!st)
		return ENOMEM;

	st->desc = desc;
	err = desc->ops->alloc(&st->priv, desc);
	if (err)
		goto out;

 out:
	if (err)
		mem_deref(st);
	else
		*stp = st;

	return err;
}


const struct codec_desc *codec_state_desc(const struct codec_state *st)
{
	return st ? st->desc : NULL;
}


/**
 * Encode n samples of pcm into out. *outlen is the room in out on entry and
 * the payload length on return. ENOMEM if out is too small, EINVAL if n is
 * not a frame size the codec takes.
 */
int codec_encode(struct codec_state *st, const int16_t *pcm, size_t n,
		 uint8_t *out, size_t *outlen)
{
	if (!st || !pcm || !n || !out || !outlen)
		return EINVAL;

	return st->desc->ops->encode(st->priv, pcm, n, out, outlen);
}


/**
 * Decode one payload. *n is the room in pcm (samples) on entry and the
 * samples produced on return. The payload is network input: any bytes give
 * either audio or an error (EPROTO, ENOMEM if pcm is too small).
 */
int codec_decode(struct codec_state *st, const uint8_t *in, size_t len,
		 int16_t *pcm, size_t *n)
{
	if (!st || !in || !len || !pcm || !n)
		return EINVAL;

	return st->desc->ops->decode(st->priv, in, len, pcm, n);
}
