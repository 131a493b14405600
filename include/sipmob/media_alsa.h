/**
 * @file media_alsa.h  One ALSA PCM (libasound): a sound card's playback or
 * capture, or whatever an ALSA configuration names (PulseAudio and
 * PipeWire through their ALSA plugins, a file, the null device).
 *
 * The caller works in frames of the codec's rate (20 ms, mono, 16 bit);
 * the PCM opens at the rate nearest to it the card takes and resamples
 * with speexdsp's resampler only when that differs. Periods are 10 ms, the
 * buffer four periods. The PCM is non-blocking: the caller's 20 ms clock
 * writes or reads one frame at a time.
 *
 * Nothing here is fatal: an underrun (playback) or overrun (capture) is
 * counted, logged and recovered (snd_pcm_prepare); a device that vanishes
 * (a USB headset unplugged: -ENODEV) is closed, logged, and opened again
 * every second until it is back. While it is closed, writes are dropped
 * and reads give silence.
 *
 * Usage:
 *   alsa_pcm_alloc(&p, "default", false);           playback
 *   alsa_pcm_write(p, pcm, 160, 8000);               each 20 ms
 *   alsa_pcm_alloc(&c, "default", true);            capture
 *   alsa_pcm_read(c, pcm, 160, 8000);
 */

#ifndef SIPMOB_MEDIA_ALSA_H
#define SIPMOB_MEDIA_ALSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct alsa_pcm;

struct alsa_stats {
	bool open;
	uint32_t rate;            /**< the card's rate (0: not open)        */
	bool resampling;          /**< ...differs from the codec's          */
	uint64_t frames;          /**< samples written or read (codec rate) */
	uint64_t xruns;           /**< underruns / overruns recovered       */
	uint64_t dropped;         /**< 20 ms frames dropped: buffer full    */
	uint64_t opens;           /**< successful opens                     */
	uint64_t failures;        /**< failed opens and vanished devices    */
	int32_t delay_ms;         /**< playback: snd_pcm_delay (-1: none)   */
};

int  alsa_pcm_alloc(struct alsa_pcm **pp, const char *device, bool capture);
int  alsa_pcm_write(struct alsa_pcm *p, const int16_t *pcm, size_t n,
		    uint32_t srate);
size_t alsa_pcm_read(struct alsa_pcm *p, int16_t *pcm, size_t n,
		     uint32_t srate);
void alsa_pcm_stats(const struct alsa_pcm *p, struct alsa_stats *st);
/** Test hook: the next write meets an underrun (-EPIPE) as if the card
 *  had run dry, and recovers from it the same way */
void alsa_pcm_inject_xrun(struct alsa_pcm *p);

#endif /* SIPMOB_MEDIA_ALSA_H */
