/**
 * @file media_tone.h  A test tone whose frequency carries the RTP sequence
 * number it was sent in, and the detector that reads it back.
 *
 * Frame k of a stream (20 ms) is a sine of frequency tone_freq(seq & 7):
 * 500, 700, ..., 1900 Hz, at -12 dBFS, phase-continuous across frames. The
 * receiver decodes a packet and runs tone_detect() on the decoded frame: it
 * looks only at the second half of the frame (the last 10 ms), where every
 * codec's delay (Opus: 6.5 ms, G.722: ~1.5 ms) has passed and the frame holds
 * only its own packet's tone. A frame whose symbol equals seq & 7 of the RTP
 * packet it was decoded from proves that packet was played.
 */

#ifndef SIPMOB_MEDIA_TONE_H
#define SIPMOB_MEDIA_TONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TONE_SYMBOLS 8

struct tone;

int      tone_alloc(struct tone **tp, uint32_t srate);
void     tone_fill(struct tone *t, uint16_t seq, int16_t *pcm, size_t n);
unsigned tone_freq(unsigned symbol);
int      tone_detect(const int16_t *pcm, size_t n, uint32_t srate);
bool     tone_match(const int16_t *pcm, size_t n, uint32_t srate,
		    uint16_t seq);

#endif /* SIPMOB_MEDIA_TONE_H */
