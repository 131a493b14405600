/**
 * @file sdesc.h  Our SDP model (RFC 4566) and the offer/answer and 3PCC
 * compose operations that session mobility needs (RFC 3264, RFC 3725,
 * spec §5.2, RFC 5631 §5.3).
 *
 * A `struct sdesc` is one session description; a `struct sdesc_media` one of
 * its m= sections. Both are opaque and owned with mem_deref(). Every line of
 * a parsed description is kept, in order, so that printing gives back the
 * same text (with CRLF line ends); the lines we understand (o=, c=, m=,
 * direction, rtpmap, fmtp, ptime) are parsed too and can be changed through
 * the functions below. Names are sdesc_* because libre exports sdp_*.
 *
 * Usage:
 *   sdesc_parse(&sd, buf, len, err, sizeof(err));   // EBADMSG: err names the line
 *   m = sdesc_media(sd, 0); sdesc_media_raddr(m, &sa); sdesc_media_dir(m);
 *   sdesc_answer(&ans, sd, NULL, "dev", lmv, lmc);   // RFC 3264 §6
 *   sdesc_merge(&reoffer, cur, (const struct sdesc_media *[]){a, v}, 2);
 *   sdesc_encode(&mb, reoffer);                       // or re_printf("%H", sdesc_print, sd)
 */

#ifndef SIPMOB_SDESC_H
#define SIPMOB_SDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sdesc;
struct sdesc_media;
struct mbuf;
struct re_printf;
struct sa;

/** Media direction, as bits: SEND = 2, RECV = 1 (so & intersects) */
enum sdesc_dir {
	SDESC_INACTIVE = 0,
	SDESC_RECVONLY = 1,
	SDESC_SENDONLY = 2,
	SDESC_SENDRECV = 3,
};

/** Media type of an m= line */
enum sdesc_mtype {
	SDESC_AUDIO = 0,
	SDESC_VIDEO,
	SDESC_OTHER,
};

/** One codec: an rtpmap (or a static payload type's RFC 3551 default) and
 *  its fmtp. Strings are borrowed: from the caller when given as input, from
 *  the description (valid while it lives) when returned. */
struct sdesc_codec {
	const char *name;     /**< encoding name, e.g. "PCMU", "opus"       */
	int pt;               /**< payload type 0..127                      */
	uint32_t srate;       /**< RTP clock rate                           */
	uint8_t ch;           /**< channels; 0 means 1 (the default)        */
	const char *fmtp;     /**< fmtp parameters, or NULL                 */
};

/** One medium we can handle locally, for building an offer or an answer */
struct sdesc_lmedia {
	enum sdesc_mtype type;             /**< SDESC_AUDIO or SDESC_VIDEO      */
	const struct sa *addr;             /**< where we receive (addr + port)  */
	enum sdesc_dir dir;                /**< what we can do                  */
	const struct sdesc_codec *codecv;  /**< codecs, most preferred first    */
	size_t codecc;
};

/* Parse and print */
int  sdesc_parse(struct sdesc **sdp, const uint8_t *buf, size_t len,
		 char *err, size_t errsz);
int  sdesc_print(struct re_printf *pf, const struct sdesc *sd);
int  sdesc_encode(struct mbuf **mbp, const struct sdesc *sd);
int  sdesc_dup(struct sdesc **dupp, const struct sdesc *sd);

/* Session level */
const char *sdesc_origin_user(const struct sdesc *sd);
const char *sdesc_sess_id(const struct sdesc *sd);
uint64_t    sdesc_sess_version(const struct sdesc *sd);
int         sdesc_version_bump(struct sdesc *sd, const struct sdesc *prev);
int         sdesc_version_set(struct sdesc *sd, const struct sdesc *origin,
			      uint64_t ver);
bool        sdesc_same_content(const struct sdesc *a, const struct sdesc *b);
int         sdesc_version_next(struct sdesc *sd, const struct sdesc *last,
			       uint64_t *counter);
const char *sdesc_attr(const struct sdesc *sd, const char *name);
unsigned    sdesc_media_count(const struct sdesc *sd);
struct sdesc_media *sdesc_media(const struct sdesc *sd, unsigned idx);

/* Media (read) */
enum sdesc_mtype sdesc_media_type(const struct sdesc_media *m);
const char *sdesc_media_name(const struct sdesc_media *m);
uint16_t    sdesc_media_port(const struct sdesc_media *m);
/** The index of the first line of a medium of type that is active (port
 *  not 0) in both a and b, an offer and its answer; -1 if none */
int sdesc_active_line(const struct sdesc *a, const struct sdesc *b,
		      enum sdesc_mtype type);
const char *sdesc_media_proto(const struct sdesc_media *m);
unsigned    sdesc_media_fmtc(const struct sdesc_media *m);
const char *sdesc_media_fmt(const struct sdesc_media *m, unsigned i);
enum sdesc_dir sdesc_media_dir(const struct sdesc_media *m);
int         sdesc_media_raddr(const struct sdesc_media *m, struct sa *sa);
const char *sdesc_media_attr(const struct sdesc_media *m, const char *name);
uint32_t    sdesc_media_ptime(const struct sdesc_media *m);
int         sdesc_media_codec(const struct sdesc_media *m, unsigned i,
			      struct sdesc_codec *codec);
int         sdesc_media_negotiated(const struct sdesc_media *m,
				   struct sdesc_codec *codec);
bool        sdesc_codec_match(const struct sdesc_codec *a,
			      const struct sdesc_codec *b);

/* Directions */
const char    *sdesc_dir_name(enum sdesc_dir dir);
enum sdesc_dir sdesc_dir_flip(enum sdesc_dir dir);

/* Offer / answer (RFC 3264) */
int sdesc_offer(struct sdesc **offerp, const struct sdesc *prev,
		const char *user, const struct sdesc_lmedia *lmv, size_t lmc);
int sdesc_answer(struct sdesc **answerp, const struct sdesc *offer,
		 const struct sdesc *prev, const char *user,
		 const struct sdesc_lmedia *lmv, size_t lmc);

/* Compose (3PCC, RFC 3725; spec §5.2.2) */
int sdesc_media_copy(struct sdesc_media **mp, struct sdesc *dst,
		     const struct sdesc_media *src);
int sdesc_media_replace(struct sdesc *dst, unsigned idx,
			const struct sdesc_media *src);
int sdesc_merge(struct sdesc **outp, const struct sdesc *cur,
		const struct sdesc_media * const *mv, size_t mc);
int sdesc_media_set_dir(struct sdesc_media *m, enum sdesc_dir dir);
int sdesc_media_flip_dir(struct sdesc_media *m);
int sdesc_media_disable(struct sdesc_media *m);
int sdesc_media_set_raddr(struct sdesc_media *m, const struct sa *sa);
int sdesc_media_set_fmtp(struct sdesc_media *m, const char *fmt,
			 const char *params);
/** Appends codec c under its own payload type (rtpmap, fmtp) */
int sdesc_media_add_codec(struct sdesc_media *m, const struct sdesc_codec *c);
/** Keeps only the formats keep() accepts (ENOENT: no real codec would) */
int sdesc_media_keep_codecs(struct sdesc_media *m,
			    bool (*keep)(const struct sdesc_codec *c,
					 void *arg), void *arg);
/** Moves codec c to the front of m's formats, adding it if m lacks it */
int sdesc_media_codec_first(struct sdesc_media *m,
			    const struct sdesc_codec *c);
/** Sets a=name[:value] of the media (value "" gives a=name), in place of
 *  the ones it had; value NULL removes them */
int sdesc_media_set_attr(struct sdesc_media *m, const char *name,
			 const char *value);

/* H.263+ picture sizes and frame rate (RFC 4629 §8.1; spec §6.2) */
enum sdesc_h263_size {
	SDESC_H263_SQCIF = 0,
	SDESC_H263_QCIF,
	SDESC_H263_CIF,
	SDESC_H263_CIF4,
	SDESC_H263_CIF16,
	SDESC_H263_NSIZES
};

/** H.263+ receive capability: sizes in order of preference, each with its
 *  MPI (frame rate = 30000 / (1001 * MPI)); 0 in maxbr / max_fps: no limit */
struct sdesc_h263 {
	struct {
		enum sdesc_h263_size size;
		uint8_t mpi;                  /**< 1..32 */
	} picv[SDESC_H263_NSIZES];
	unsigned picc;
	uint32_t maxbr;                       /**< MAXBR, units of 100 bit/s */
	uint32_t max_fps;                     /**< MAX-FPS                   */
};

int sdesc_h263_parse(struct sdesc_h263 *h, const char *params);
int sdesc_h263_intersect(struct sdesc_h263 *out, const struct sdesc_h263 *a,
			 const struct sdesc_h263 *b);
int sdesc_h263_print(struct re_printf *pf, const struct sdesc_h263 *h);
/** A size list ("4cif,CIF", names in any case) read largest first, each
 *  at mpi; EINVAL names the bad item in *bad, *badlen (may be NULL) */
int sdesc_h263_sizes_parse(struct sdesc_h263 *h, const char *list,
			   uint8_t mpi, const char **bad, size_t *badlen);
/** The size a sender able to make `ours` sends to a receiver whose fmtp is
 *  `theirs`: its most preferred one we have (none listed: QCIF). ENOENT
 *  when we have none of them; *size is then their first. */
int sdesc_h263_choose(const struct sdesc_h263 *theirs,
		      const struct sdesc_h263 *ours,
		      enum sdesc_h263_size *size);
/** Prints the size names as SLP's image-size gives them ("4CIF,CIF") */
int sdesc_h263_print_names(struct re_printf *pf, const struct sdesc_h263 *h);
int sdesc_h263_dim(enum sdesc_h263_size size, unsigned *w, unsigned *h);
/** ENOENT: w x h is none of the five sizes */
int sdesc_h263_size_of(unsigned w, unsigned h, enum sdesc_h263_size *size);
/** "SQCIF", "QCIF", "CIF", "4CIF", "16CIF" (the spec's names) */
const char *sdesc_h263_name(enum sdesc_h263_size size);
/** MPI of a frame rate, rounded (15 fps: 2) */
uint8_t sdesc_h263_mpi(unsigned fps);

#endif /* SIPMOB_SDESC_H */
