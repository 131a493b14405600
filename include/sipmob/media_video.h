/**
 * @file media_video.h  Real video for an m=video line: a moving test
 * pattern, H.263+ through libavcodec, the RFC 4629 RTP payload, and a
 * video stream that sends and receives it.
 *
 * A camera sends its own pattern (colour bars, a moving box, and the frame
 * number and the pattern's seed drawn as black and white blocks, so a
 * receiver can read back which frame of whose camera it decoded). A display
 * receives, reassembles frames from RTP, decodes them and reports their
 * size. The module knows nothing of SIP: SDP gives the payload type
 * (dynamic, rtpmap "H263-1998/90000"), the size and the remote address.
 *
 * Usage:
 *   media_vstream_alloc(&vs, &laddr);               port 0: pick one
 *   media_vstream_set_pt(vs, 96);
 *   media_vstream_set_size(vs, 176, 144, 15);      QCIF at 15 fps
 *   media_vstream_set_dir(vs, true, false);        a camera
 *   media_vstream_set_remote(vs, &raddr);
 *   media_vstream_start(vs);
 *   media_vstream_stats(vs, &st);
 *   mem_deref(vs);
 */

#ifndef SIPMOB_MEDIA_VIDEO_H
#define SIPMOB_MEDIA_VIDEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sa;
struct meter;

enum {
	VIDEO_CLOCK       = 90000,   /**< RTP clock rate (RFC 4629)         */
	VIDEO_PT          = 96,      /**< our default dynamic payload type  */
	VIDEO_FPS         = 15,      /**< default frame rate                */
	VIDEO_BITRATE     = 256000,  /**< encoder target, bit/s             */
	VIDEO_RTP_PAYLOAD = 1200,    /**< max RTP payload incl. 2-byte hdr  */
	VIDEO_MAX_FRAME   = 262144,  /**< largest encoded frame we take     */
	VIDEO_MAX_W       = 2048,    /**< H.263+ custom picture limits      */
	VIDEO_MAX_H       = 1152,
};

/** SDP encoding name of the payload (rtpmap "H263-1998/90000") */
#define VIDEO_SDP_NAME "H263-1998"

/* Pictures */

/** A planar YUV 4:2:0 picture, 8 bit; planes are borrowed, not owned */
struct vidpic {
	uint8_t *data[3];      /**< Y, U (Cb), V (Cr)                        */
	unsigned linesize[3];  /**< bytes per row of each plane              */
	unsigned w, h;         /**< luma size in pixels (both even)          */
};

bool video_size_valid(unsigned w, unsigned h);

/* Test pattern */
struct video_pattern;

int  video_pattern_alloc(struct video_pattern **vpp, unsigned w, unsigned h,
			 uint8_t seed);
const struct vidpic *video_pattern_draw(struct video_pattern *vp,
					uint16_t frame);
int  video_pattern_read(const struct vidpic *pic, uint16_t *frame,
			uint8_t *seed);

/* Encoder (H.263+) */
struct video_enc;

/** One encoded frame (a complete H.263 picture), valid during the call */
typedef int (video_encoded_h)(const uint8_t *buf, size_t len, bool key,
			      void *arg);

int  video_enc_alloc(struct video_enc **vep, unsigned w, unsigned h,
		     unsigned fps, unsigned bitrate);
void video_enc_keyframe(struct video_enc *ve);
int  video_enc_encode(struct video_enc *ve, const struct vidpic *pic,
		      video_encoded_h *h, void *arg);

/* Decoder (H.263 and H.263+) */
struct video_dec;

int  video_dec_alloc(struct video_dec **vdp);
int  video_dec_decode(struct video_dec *vd, const uint8_t *buf, size_t len,
		      struct vidpic *pic);

/* RFC 4629 payload */

/** One RTP payload: the 2-byte payload header, then len bytes of data */
typedef int (h263_packet_h)(bool marker, const uint8_t phdr[2],
			    const uint8_t *data, size_t len, void *arg);

int  h263_packetize(const uint8_t *frame, size_t len, size_t max_payload,
		    h263_packet_h *h, void *arg);

struct h263_depack;

/** What a depacketizer has taken */
struct h263_depack_stats {
	uint64_t frames;     /**< complete frames returned                 */
	uint64_t dropped;    /**< frames begun but dropped (gap, bad data) */
	uint64_t bad;        /**< payloads that failed to parse            */
	uint64_t skipped;    /**< payloads ignored waiting for a picture   */
};

int  h263_depack_alloc(struct h263_depack **dp, size_t max_frame);
int  h263_depack_input(struct h263_depack *d, uint16_t seq, uint32_t ts,
		       bool marker, const uint8_t *p, size_t len,
		       const uint8_t **frame, size_t *frame_len);
void h263_depack_reset(struct h263_depack *d);
void h263_depack_stats(const struct h263_depack *d,
		       struct h263_depack_stats *st);

/**
 * Whether an RFC 4629 payload (its 2-byte payload header included) starts
 * a picture (P bit set) and, if so, whether that picture is intra-coded
 * (a keyframe), from the H.263 / H.263+ picture header (PTYPE bit 9 for
 * standard source formats; for source format 111 read PLUSPTYPE: UFEP,
 * OPPTYPE when UFEP is 001, then MPPTYPE whose first three bits are the
 * picture type, 000 = I). Returns 0 and sets *intra; ENOENT when the
 * payload does not start a picture; EBADMSG when the header is truncated
 * or not a picture start code.
 *
 * In detail: the VRC byte (V=1) and PLEN bytes of extra picture header
 * are skipped, as the payload's bitstream follows them (the extra header
 * is a redundant copy of the header of the picture the payload belongs
 * to, §5.1, so it makes no payload a picture start). ENOENT: P=0, or P=1
 * with a GOB, slice, EOS or EOSBS start code. EBADMSG: shorter than its
 * payload header, VRC byte and PLEN; P=1 without a start code; a PSC
 * whose PTYPE / PLUSPTYPE is cut short, has PTYPE bits 1-2 not "10", a
 * forbidden or reserved source format, UFEP other than 000 / 001, an
 * OPPTYPE or MPPTYPE anti-emulation bit of 0, or picture type 110 / 111.
 * Only MPPTYPE 000 is intra (P, improved PB, B, EI, EP are not). EINVAL:
 * intra NULL, or payload NULL with len > 0. *intra is set only on 0.
 */
int  h263_picture_intra(const uint8_t *payload, size_t len, bool *intra);

/* Video stream */
struct media_vstream;

/** A summary of a video stream, for status reports */
struct media_vstats {
	uint32_t tx_ssrc;
	uint64_t tx_packets;
	uint64_t tx_bytes;
	uint64_t tx_frames;      /**< frames encoded and sent              */
	uint64_t tx_keyframes;
	unsigned tx_width;       /**< size being sent                      */
	unsigned tx_height;
	unsigned tx_fps;
	uint32_t rx_ssrc;        /**< SSRC of the latest packet received   */
	uint64_t rx_packets;     /**< unique packets, all SSRCs            */
	uint64_t rx_bytes;
	uint64_t lost;           /**< all SSRCs (sequence gaps)            */
	uint64_t frames_decoded;
	uint64_t frames_dropped; /**< incomplete or corrupt, not decoded   */
	uint64_t decode_errors;
	unsigned width;          /**< of the last decoded frame (0: none)  */
	unsigned height;
	bool pattern_ok;         /**< last decoded frame carried a pattern */
	uint16_t pattern_frame;  /**< ... whose frame number was this      */
	uint8_t pattern_seed;    /**< ... drawn with this seed             */
	uint64_t first_ms;       /**< first arrival, monotonic ms (0: none)*/
	uint64_t last_ms;        /**< latest arrival                       */
};

/** A decoded frame, as the frame handler sees it */
struct media_vframe {
	uint32_t ssrc;
	uint32_t ts;             /**< RTP timestamp                        */
	unsigned w, h;
	bool marked;             /**< it carries our pattern's marks...    */
	uint16_t mark;           /**< ...and this is its frame number      */
	uint8_t seed;            /**< ...of the pattern of this sender     */
};

/** Called for every decoded frame */
typedef void (media_vframe_h)(const struct media_vframe *f, void *arg);

/** A picture source in place of the pattern (a camera): a w x h picture
 *  to send now, or NULL to send the pattern's */
typedef const struct vidpic *(media_vpic_src_h)(unsigned w, unsigned h,
						 void *arg);
/** A picture sink (a screen): every decoded picture, borrowed */
typedef void (media_vpic_sink_h)(const struct vidpic *pic, void *arg);

/** Where a stream's pictures come from and go, besides the pattern */
struct media_vio {
	media_vpic_src_h *srch;
	void *src_arg;
	media_vpic_sink_h *sinkh;
	void *sink_arg;
};

int  media_vstream_alloc(struct media_vstream **vsp, const struct sa *laddr);
int  media_vstream_alloc_ports(struct media_vstream **vsp,
			       const struct sa *laddr, uint16_t port_min,
			       uint16_t port_max);
const struct sa *media_vstream_laddr(const struct media_vstream *vs);
struct rtp_sock;
struct rtp_sock *media_vstream_rtp(const struct media_vstream *vs);
int  media_vstream_set_pt(struct media_vstream *vs, uint8_t pt);
void media_vstream_set_rx_pt(struct media_vstream *vs, uint8_t pt);
int  media_vstream_set_remote(struct media_vstream *vs,
			      const struct sa *raddr);
void media_vstream_set_dir(struct media_vstream *vs, bool send, bool recv);
int  media_vstream_set_size(struct media_vstream *vs, unsigned w, unsigned h,
			    unsigned fps);
void media_vstream_set_pattern(struct media_vstream *vs, uint8_t seed);
void media_vstream_keyframe(struct media_vstream *vs);
void media_vstream_set_frame_handler(struct media_vstream *vs,
				     media_vframe_h *h, void *arg);
void media_vstream_set_io(struct media_vstream *vs,
			  const struct media_vio *io);
int  media_vio_open(struct media_vio *io, const char *camera,
		    const char *screen, const char *title, char *why,
		    size_t whysz);
void media_vio_close(struct media_vio *io);
int  media_vstream_start(struct media_vstream *vs);
void media_vstream_stop(struct media_vstream *vs);
int  media_vstream_stats(const struct media_vstream *vs,
			 struct media_vstats *st);
const struct meter *media_vstream_meter(const struct media_vstream *vs);

#endif /* SIPMOB_MEDIA_VIDEO_H */
