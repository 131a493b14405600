/**
 * @file media_aec.h  Acoustic echo cancellation for a speakerphone:
 * speexdsp's echo canceller (MDF) and its residual echo suppressor.
 *
 * The canceller learns the path from what the speaker plays (aec_playback,
 * the far end's signal) to what the microphone hears (aec_capture) and
 * subtracts its estimate of that echo from the microphone's frame, so the
 * far end does not hear itself. Both calls take frames of the same size
 * and rate, alternately, from the same 20 ms clocks (speexdsp's
 * playback/capture pair absorbs up to two frames of skew between them).
 *
 * Usage:
 *   aec_alloc(&a, 8000, 160, AEC_TAIL_MS);
 *   aec_playback(a, played, 160);          each frame played
 *   aec_capture(a, mic, 160);              each frame captured (in place)
 *   aec_erle_db(a);                        echo return loss enhancement
 */

#ifndef SIPMOB_MEDIA_AEC_H
#define SIPMOB_MEDIA_AEC_H

#include <stddef.h>
#include <stdint.h>

enum { AEC_TAIL_MS = 200 };   /**< longest echo path it learns */

struct aec;

int    aec_alloc(struct aec **ap, uint32_t srate, size_t frame,
		 uint32_t tail_ms);
void   aec_playback(struct aec *a, const int16_t *pcm, size_t n);
void   aec_capture(struct aec *a, int16_t *pcm, size_t n);
uint32_t aec_srate(const struct aec *a);
size_t aec_frame(const struct aec *a);
/** 10 log10(microphone power / power sent) over the last second, in dB
 *  (0 when the microphone was silent) */
double aec_erle_db(const struct aec *a);

#endif /* SIPMOB_MEDIA_AEC_H */
