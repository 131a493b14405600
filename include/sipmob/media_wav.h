/**
 * @file media_wav.h  A WAV file sink: 16-bit PCM mono at a given rate.
 *
 * The RIFF and data sizes are written as 0 at open and patched when the
 * file is closed (wav_close, or mem_deref of the writer).
 */

#ifndef SIPMOB_MEDIA_WAV_H
#define SIPMOB_MEDIA_WAV_H

#include <stddef.h>
#include <stdint.h>

struct wav;

int  wav_open(struct wav **wp, const char *path, uint32_t srate);
int  wav_write(struct wav *w, const int16_t *pcm, size_t n);
int  wav_close(struct wav *w);
uint64_t wav_samples(const struct wav *w);

#endif /* SIPMOB_MEDIA_WAV_H */
