/**
 * @file video_enc.c  H.263+ (H.263-1998) encoder over libavcodec.
 *
 * One libavcodec "h263p" context per picture size: the stream makes a new
 * encoder when the size changes, which also starts with a keyframe. Frames
 * are I or P only (no B frames, so nothing is delayed: each picture in is
 * one encoded picture out), a keyframe every second (GOP = fps) and on
 * request, rate control aimed at the given bit rate. The private option
 * "ps" makes the encoder start a new GOB, byte aligned, once a GOB has
 * grown past about one RTP payload, so the packetizer can cut the picture
 * at GOB starts. Single threaded: everything runs on the libre event loop.
 * Cost: one copy of the input picture into libavcodec's frame per call.
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <sipmob/media_video.h>

enum {
	/* GOB size the encoder aims for: a payload less the 2-byte header
	 * and one macroblock's worth of slack (it checks after each MB) */
	GOB_TARGET = VIDEO_RTP_PAYLOAD - 200,

	/* Lowest quantiser. Baseline H.263 codes an inter coefficient in
	 * -127..127; at a finer quantiser a sharp change (a mark block
	 * turning from black to white) is clipped and smeared over several
	 * frames. 8 keeps full contrast without Annex T, so the stream stays
	 * decodable by any H.263+ receiver, at little cost on small pictures */
	QMIN = 8,
};

struct video_enc {
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
	int64_t pts;
	bool keyframe;
};


static void enc_destructor(void *arg)
{
	struct video_enc *ve = arg;

	avcodec_free_context(&ve->ctx);
	av_frame_free(&ve->frame);
	av_packet_free(&ve->pkt);
}


/* An errno value for a libavcodec error */
static int av_errno(int ret)
{
	if (ret == AVERROR(ENOMEM))
		return ENOMEM;

	return EPROTO;
}


/** An encoder for w x h pictures at fps frames a second and bitrate
 *  bit/s (0: VIDEO_BITRATE); ENOTSUP if libavcodec lacks h263p */
int video_enc_alloc(struct video_enc **vep, unsigned w, unsigned h,
		    unsigned fps, unsigned bitrate)
{
	const AVCodec *codec;
	struct video_enc *ve;
	int ret, err = 0;

	if (!vep || !video_size_valid(w, h) || !fps || fps > 60)
		return EINVAL;

	codec = avcodec_find_encoder(AV_CODEC_ID_H263P);
	if (!codec)
		return ENOTSUP;

	ve = mem_zalloc(sizeof(*ve), enc_destructor);
	if (!ve)
		return ENOMEM;

	ve->ctx = avcodec_alloc_context3(codec);
	ve->frame = av_frame_alloc();
	ve->pkt = av_packet_alloc();
	if (!ve->ctx || !ve->frame || !ve->pkt) {
		err = ENOMEM;
		goto out;
	}

	ve->ctx->width = (int)w;
	ve->ctx->height = (int)h;
	ve->ctx->time_base = (AVRational){1, (int)fps};
	ve->ctx->framerate = (AVRational){(int)fps, 1};
	ve->ctx->pix_fmt = AV_PIX_FMT_YUV420P;
	ve->ctx->bit_rate = bitrate ? bitrate : VIDEO_BITRATE;
	ve->ctx->gop_size = (int)fps;
	ve->ctx->max_b_frames = 0;
	ve->ctx->thread_count = 1;
	ve->ctx->qmin = QMIN;

	ret = av_opt_set_int(ve->ctx->priv_data, "ps", GOB_TARGET, 0);
	if (ret < 0) {
		err = av_errno(ret);
		goto out;
	}

	ret = avcodec_open2(ve->ctx, codec, NULL);
	if (ret < 0) {
		err = av_errno(ret);
		goto out;
	}

	ve->frame->format = AV_PIX_FMT_YUV420P;
	ve->frame->width = (int)w;
	ve->frame->height = (int)h;
	ret = av_frame_get_buffer(ve->frame, 0);
	if (ret < 0) {
		err = av_errno(ret);
		goto out;
	}

 out:
	if (err)
		mem_deref(ve);
	else
		*vep = ve;

	return err;
}


/** Make the next picture a keyframe (intra) */
void video_enc_keyframe(struct video_enc *ve)
{
	if (ve)
		ve->keyframe = true;
}


/** Encode one picture (of the encoder's size); h is called for each
 *  encoded picture that comes out (one per call, as there are no
 *  B frames). h's error stops the call and is returned. */
int video_enc_encode(struct video_enc *ve, const struct vidpic *pic,
		     video_encoded_h *h, void *arg)
{
	AVFrame *f;
	int ret, err = 0;

	if (!ve || !pic || !h)
		return EINVAL;

	f = ve->frame;
	if (pic->w != (unsigned)f->width || pic->h != (unsigned)f->height)
		return EINVAL;

	ret = av_frame_make_writable(f);
	if (ret < 0)
		return av_errno(ret);

	for (int i = 0; i < 3; i++) {
		unsigned rw = i ? pic->w / 2 : pic->w;
		unsigned rh = i ? pic->h / 2 : pic->h;

		for (unsigned r = 0; r < rh; r++)
			memcpy(f->data[i] + (size_t)r * f->linesize[i],
			       pic->data[i] + (size_t)r * pic->linesize[i],
			       rw);
	}

	f->pts = ve->pts++;
	f->pict_type = ve->keyframe ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	ve->keyframe = false;

	ret = avcodec_send_frame(ve->ctx, f);
	if (ret < 0)
		return av_errno(ret);

	for (;;) {
		ret = avcodec_receive_packet(ve->ctx, ve->pkt);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			break;
		if (ret < 0) {
			err = av_errno(ret);
			break;
		}

		err = h(ve->pkt->data, (size_t)ve->pkt->size,
			ve->pkt->flags & AV_PKT_FLAG_KEY, arg);
		av_packet_unref(ve->pkt);
		if (err)
			break;
	}

	return err;
}
