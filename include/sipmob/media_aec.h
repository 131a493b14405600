/**
 * @file media_aec.h  Acoustic echo cancellation for a speakerphone:
 * speexdsp's echo canceller (MDF) and its residual echo suppressor.
 *
 * The canceller learns the path from what the speaker plays (the far
 * end's signal) to what the microphone hears and subtracts its estimate of
 * that echo from the microphone's frame, so the far end does not hear
 * itself. aec_run takes the frame just given to the card and the frame
 * the microphone gave in the same tick of one clock: the echo path it
 * learns is then constant (the card's queue plus the room), whatever the
 * order in which other timers run.
 *
 * Usage:
 *   aec_alloc(&a, 8000, 160, AEC_TAIL_MS);
 *   aec_run(a, played, mic, 160);          each 20 ms (mic: in place)
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
void   aec_run(struct aec *a, const int16_t *played, int16_t *mic,
	       size_t n);
uint32_t aec_srate(const struct aec *a);
size_t aec_frame(const struct aec *a);
/** 10 log10(microphone power / power sent) over the last second, in dB
 *  (0 when the microphone was silent) */
double aec_erle_db(const struct aec *a);

#endif /* SIPMOB_MEDIA_AEC_H */
