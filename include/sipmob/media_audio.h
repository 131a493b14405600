/**
 * @file media_audio.h  A stream's own microphone and speaker: where its
 * received audio is played and what it sends is captured.
 *
 * Outputs (conf.out):
 *   NULL       the default: no sound card; each packet is played (metered,
 *              proven, recorded) as it arrives
 *   alsa:DEV   ALSA PCM DEV ("default", "hw:1", "pulse", a name from an
 *              asoundrc): a 20 ms clock takes frames from the stream's
 *              jitter buffer and writes them to the card
 * Inputs (conf.in):
 *   NULL       the default: the sequence-marked tone
 *   alsa:DEV   captured from ALSA PCM DEV
 *   loop:MS,DB a test source: what is played comes back MS milliseconds
 *              later, DB dB louder (negative: quieter), as a speaker's
 *              echo would, with a silent near end
 * Echo cancellation (conf.aec): AUDIO_AEC_AUTO is on when input and output
 * are the same card (the same DEV, or loop).
 */

#ifndef SIPMOB_MEDIA_AUDIO_H
#define SIPMOB_MEDIA_AUDIO_H

#include <stdbool.h>
#include <stdint.h>
#include <sipmob/media_alsa.h>
#include <sipmob/media_jitbuf.h>

enum audio_aec {
	AUDIO_AEC_AUTO = 0,
	AUDIO_AEC_ON,
	AUDIO_AEC_OFF,
};

struct audio_conf {
	const char *out;          /**< "alsa:DEV" or NULL                   */
	const char *in;           /**< "alsa:DEV", "loop:MS,DB" or NULL     */
	enum audio_aec aec;
};

struct audio_stats {
	bool aec;                 /**< echo cancellation on                 */
	double erle_db;           /**< its echo return loss enhancement     */
	struct alsa_stats out;
	struct alsa_stats in;
	uint64_t played_frames;   /**< 20 ms frames given to the output     */
};

struct media_stream;
struct audio_dev;

/** Checks an output, input and "on"/"off"/"auto" AEC setting (CLI); NULL
 *  means the default */
int  audio_conf_parse(struct audio_conf *conf, const char *out,
		      const char *in, const char *aec);
/** The same for a command line: on error, why says which option is bad
 *  and what it wants ("bad --aec 'x' (want on, off or auto)") */
int  audio_conf_cli(struct audio_conf *conf, const char *out, const char *in,
		    const char *aec, char *why, size_t whysz);
bool audio_conf_used(const struct audio_conf *conf);
int  audio_dev_alloc(struct audio_dev **adp, struct media_stream *ms,
		     const struct audio_conf *conf);
void audio_dev_stats(const struct audio_dev *ad, struct audio_stats *st);

#endif /* SIPMOB_MEDIA_AUDIO_H */
