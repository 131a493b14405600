/**
 * @file wav.c  WAV sink: what a stream played, as a file a person can hear.
 *
 * RIFF/WAVE with one 16-byte PCM fmt chunk, mono, 16-bit little-endian. The
 * header goes out first with sizes 0 (a reader of a crashed recording still
 * sees the format); closing seeks back and writes the real sizes. The data
 * size field is 32 bits, so a recording stops growing at 2 GiB (about 6 h at
 * 48 kHz); later samples are dropped and wav_write returns EFBIG.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_wav.h>

enum {
	WAV_HDR_SIZE = 44,
	WAV_MAX_DATA = 0x7fffffff - WAV_HDR_SIZE,
};

struct wav {
	FILE *f;
	uint32_t srate;
	uint64_t samples;
};


static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}


static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}


static int write_header(FILE *f, uint32_t srate, uint32_t data_bytes)
{
	uint8_t h[WAV_HDR_SIZE];

	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);              /* fmt chunk size   */
	put_le16(h + 20, 1);               /* PCM              */
	put_le16(h + 22, 1);               /* mono             */
	put_le32(h + 24, srate);
	put_le32(h + 28, srate * 2);       /* byte rate        */
	put_le16(h + 32, 2);               /* block align      */
	put_le16(h + 34, 16);              /* bits per sample  */
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, data_bytes);

	if (fseek(f, 0, SEEK_SET) < 0)
		return errno;
	if (fwrite(h, 1, sizeof(h), f) != sizeof(h))
		return EIO;
	if (fflush(f))
		return errno;

	return 0;
}


/* Patch the header and close the file; idempotent */
static int finish(struct wav *w)
{
	int err;

	if (!w->f)
		return 0;

	err = write_header(w->f, w->srate, (uint32_t)(w->samples * 2));
	if (fclose(w->f) && !err)
		err = errno;
	w->f = NULL;

	return err;
}


static void wav_destructor(void *arg)
{
	struct wav *w = arg;

	(void)finish(w);
}


/** Create (truncate) path as a mono 16-bit WAV at srate */
int wav_open(struct wav **wp, const char *path, uint32_t srate)
{
	struct wav *w;
	int err;

	if (!wp || !path || !srate)
		return EINVAL;

	w = mem_zalloc(sizeof(*w), wav_destructor);
	if (!w)
		return ENOMEM;

	w->srate = srate;
	w->f = fopen(path, "wb");
	if (!w->f) {
		err = errno;
		goto out;
	}

	err = write_header(w->f, srate, 0);

 out:
	if (err)
		mem_deref(w);
	else
		*wp = w;

	return err;
}


/** Append n samples */
int wav_write(struct wav *w, const int16_t *pcm, size_t n)
{
	uint8_t buf[512];

	if (!w || (!pcm && n))
		return EINVAL;
	if (!w->f)
		return EBADF;
	if ((w->samples + n) * 2 > WAV_MAX_DATA)
		return EFBIG;

	for (size_t i = 0; i < n; ) {
		size_t k = 0;

		for (; i < n && k < sizeof(buf); i++, k += 2)
			put_le16(buf + k, (uint16_t)pcm[i]);

		if (fwrite(buf, 1, k, w->f) != k)
			return EIO;
	}

	w->samples += n;

	return 0;
}


/** Patch the header and close the file now (mem_deref still needed) */
int wav_close(struct wav *w)
{
	if (!w)
		return EINVAL;

	return finish(w);
}


/** Samples written so far */
uint64_t wav_samples(const struct wav *w)
{
	return w ? w->samples : 0;
}
