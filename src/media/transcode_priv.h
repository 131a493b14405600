/**
 * @file transcode_priv.h  What the transcoder's files share: the pair as
 * its worker sees it, the coder of one leg, the resampler and the G.711
 * tables. Nothing here is called from outside src/media/transcode_*.c.
 *
 * Who touches what: the main thread allocates and frees everything (the
 * worker never calls libre); the worker owns a pair's packet state (the
 * side structs below, the histogram) from the moment the pair is attached
 * to it until it is detached. The main thread changes a pair only through
 * a call run on the worker between two batches (transcode_engine.c:
 * worker_call), so nothing here needs a lock or an atomic.
 */

#ifndef SIPMOB_TRANSCODE_PRIV_H
#define SIPMOB_TRANSCODE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sipmob/transcode.h>

enum {
	TC_MTU           = 1500,  /* largest RTP packet taken or made       */
	TC_RTP_HDR       = 12,    /* the header we send: no CSRC, no ext    */
	TC_MAX_PCM       = 9600,  /* 200 ms at 48 kHz: the longest payload
				     that fits a packet, decoded, resampled */
	TC_MAX_OUT       = 8,     /* packets out for one packet in          */
	TC_PLC_FRAMES    = 5,     /* frames concealed for one gap, at most  */
	TC_RS_TAPS       = 32,    /* resampler taps per phase               */
	TC_RS_MAX_FACTOR = 6,     /* 8 kHz <-> 48 kHz                        */
	TC_RS_MAX_HIST   = TC_RS_TAPS * TC_RS_MAX_FACTOR,
	TC_HIST_SUB      = 32,    /* delay histogram: buckets per octave    */
	TC_HIST_LINEAR   = 64,    /* ...and 1 µs buckets below this         */
	TC_HIST_BUCKETS  = TC_HIST_LINEAR + (24 - 6) * TC_HIST_SUB, /* 16 s */
};

/* ---- G.711 tables (transcode_g711.c) ---- */

extern const uint8_t tc_ulaw_to_alaw[256];
extern const uint8_t tc_alaw_to_ulaw[256];
void tc_g711_convert(const uint8_t *table, const uint8_t *in, uint8_t *out,
		     size_t n);

/* ---- resampler (transcode_resample.c) ---- */

struct tc_resampler {
	unsigned up, down;        /* one of them is 1; both: a copy         */
	unsigned ntaps;           /* taps per output sample                 */
	unsigned phase;           /* down: input samples before the next out */
	const int16_t *taps;
	int16_t hist[TC_RS_MAX_HIST]; /* the last ntaps - 1 input samples   */
};

int    tc_resampler_init(struct tc_resampler *rs, uint32_t from,
			 uint32_t to);
size_t tc_resample_room(const struct tc_resampler *rs, size_t n);
size_t tc_resample(struct tc_resampler *rs, const int16_t *in, size_t n,
		   int16_t *out, int16_t *x);

/* ---- one leg's decoder and encoder (transcode_coder.c) ---- */

struct tc_coder;

int    tc_coder_alloc(struct tc_coder **cp, const struct codec_desc *desc,
		      uint32_t srate);
bool   tc_coder_known(const struct codec_desc *desc);
uint32_t tc_coder_rate(const struct codec_desc *desc,
		       const struct codec_desc *other);
uint32_t tc_coder_srate(const struct tc_coder *c);
int    tc_coder_decode(struct tc_coder *c, const uint8_t *p, size_t len,
		       int16_t *pcm, size_t room, size_t *n);
size_t tc_coder_conceal(struct tc_coder *c, int16_t *pcm, size_t room);
size_t tc_coder_chunk(const struct tc_coder *c, size_t n);
int    tc_coder_encode(struct tc_coder *c, const int16_t *pcm, size_t n,
		       uint8_t *out, size_t room, size_t *len);
uint32_t tc_coder_duration(const struct tc_coder *c, const uint8_t *p,
			   size_t len);

/* ---- the pair as its worker sees it ---- */

/* A worker's buffers for one packet's conversion: the packets out */
struct tc_scratch {
	int16_t pcm[TC_MAX_PCM];              /* decoded                  */
	int16_t rpcm[TC_MAX_PCM];             /* resampled                */
	int16_t x[TC_RS_MAX_HIST + TC_MAX_PCM]; /* the resampler's        */
	uint8_t discard[TC_MTU];              /* concealment encoded      */
	unsigned nout;
	size_t  outlen[TC_MAX_OUT];
	uint8_t out[TC_MAX_OUT][TC_MTU];
};

/* How one leg's input becomes the other leg's output */
enum tc_how {
	TC_PASS,       /* same codec: the payload as it came               */
	TC_TABLE,      /* PCMU <-> PCMA: a byte table                       */
	TC_CODE,       /* decode, resample if the rates differ, encode     */
};

/* What a leg receives: its sequence and how its timeline maps onto the
 * other leg's (RTP timestamps scaled by the ratio of the clocks) */
struct tc_rx {
	bool started;
	uint32_t ssrc;
	uint16_t max_seq;         /* the newest sequence number taken       */
	uint32_t bad_seq;         /* a far jump's seq + 1: it resyncs if the
				     next packet follows it (RFC 3550 A.1)  */
	bool mapped;              /* an epoch of the mapping has started    */
	uint32_t ts_ref;          /* input ts of the latest audio packet    */
	int64_t ext_ref;          /* ...its distance from the epoch start   */
	uint32_t out_base;        /* output ts at the epoch start           */
	unsigned last_npkt;       /* packets sent for the latest audio      */
	enum tc_how how;
	const uint8_t *table;
	uint32_t in_clock, out_clock;
	struct tc_resampler rs;
};

/* What a leg sends: the sender's SSRC and sequence (a translator), and
 * its own timeline */
struct tc_tx {
	uint32_t ssrc;
	uint16_t seq;             /* the last sent                          */
	uint16_t seq_shift;       /* extra packets sent for inputs split in
				     several (Opus): out seq = in seq + it  */
	uint32_t ts_next;         /* the last sent's ts + its duration      */
};

/* One leg */
struct tc_side {
	struct tc_pair *pair;
	enum tc_leg id;
	int fd, rtcp_fd;
	struct sa laddr;
	bool set;                 /* conf and coder are valid               */
	struct tc_leg_conf conf;
	struct tc_coder *coder;   /* decodes what it receives, encodes what
				     it sends                               */
	struct tc_rx rx;
	struct tc_tx tx;
	struct tc_leg_stats st;
};

struct tc_worker;

struct tc_pair {
	struct tc_engine *eng;
	struct tc_worker *w;
	bool attached;
	struct tc_side side[2];
	/* added delay, µs: worker-owned */
	uint64_t delay_count;
	uint32_t delay_max;
	uint32_t delay_hist[TC_HIST_BUCKETS];
};

/* transcode_pair.c: on the pair's worker */
void tc_pair_apply(struct tc_pair *p, enum tc_leg leg,
		   const struct tc_leg_conf *c, struct tc_coder **coderp,
		   struct tc_coder **otherp);
void tc_pair_convert(struct tc_pair *p, enum tc_leg from,
		     const uint8_t *pkt, size_t len, struct tc_scratch *s);

#endif /* SIPMOB_TRANSCODE_PRIV_H */
