/**
 * @file video_dec.c  H.263 / H.263+ decoder over libavcodec.
 *
 * FFmpeg decodes H.263-1998 with its "h263" decoder (it reads PLUSPTYPE),
 * and follows a change of picture size from the picture header, so one
 * decoder serves a sender that changes size mid-stream. Input is network
 * data: any byte string gives a picture, no picture (EAGAIN) or an error
 * (EPROTO), and the decoder stays usable afterwards. Each call copies the
 * frame into a padded packet, as libavcodec may read past the end of its
 * input. Single threaded.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <re.h>
#include <libavcodec/avcodec.h>
#include <sipmob/media_video.h>

struct video_dec {
	AVCodecContext *ctx;
	AVFrame *frame;
	AVFrame *next;
	AVPacket *pkt;
};


static void dec_destructor(void *arg)
{
	struct video_dec *vd = arg;

	avcodec_free_context(&vd->ctx);
	av_frame_free(&vd->frame);
	av_frame_free(&vd->next);
	av_packet_free(&vd->pkt);
}


/** A decoder for H.263 pictures (any size); ENOTSUP without libavcodec's
 *  h263 decoder */
int video_dec_alloc(struct video_dec **vdp)
{
	const AVCodec *codec;
	struct video_dec *vd;
	int ret, err = 0;

	if (!vdp)
		return EINVAL;

	codec = avcodec_find_decoder(AV_CODEC_ID_H263);
	if (!codec)
		return ENOTSUP;

	vd = mem_zalloc(sizeof(*vd), dec_destructor);
	if (!vd)
		return ENOMEM;

	vd->ctx = avcodec_alloc_context3(codec);
	vd->frame = av_frame_alloc();
	vd->next = av_frame_alloc();
	vd->pkt = av_packet_alloc();
	if (!vd->ctx || !vd->frame || !vd->next || !vd->pkt) {
		err = ENOMEM;
		goto out;
	}

	vd->ctx->thread_count = 1;

	ret = avcodec_open2(vd->ctx, codec, NULL);
	if (ret < 0) {
		err = ret == AVERROR(ENOMEM) ? ENOMEM : EPROTO;
		goto out;
	}

 out:
	if (err)
		mem_deref(vd);
	else
		*vdp = vd;

	return err;
}


/** Decode one complete H.263 picture. On 0, pic shows the decoded
 *  picture (YUV 4:2:0), valid until the next call; EAGAIN: no picture
 *  came out; EPROTO: the data did not decode. */
int video_dec_decode(struct video_dec *vd, const uint8_t *buf, size_t len,
		     struct vidpic *pic)
{
	bool got = false;
	int ret;

	if (!vd || !buf || !len || !pic)
		return EINVAL;
	if (len > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
		return EMSGSIZE;

	av_packet_unref(vd->pkt);
	ret = av_new_packet(vd->pkt, (int)len);
	if (ret < 0)
		return ENOMEM;
	memcpy(vd->pkt->data, buf, len);

	ret = avcodec_send_packet(vd->ctx, vd->pkt);
	av_packet_unref(vd->pkt);
	if (ret < 0)
		return ret == AVERROR(ENOMEM) ? ENOMEM : EPROTO;

	/* keep the latest picture if more than one comes out */
	for (;;) {
		ret = avcodec_receive_frame(vd->ctx, vd->next);
		if (ret < 0)
			break;

		av_frame_unref(vd->frame);
		av_frame_move_ref(vd->frame, vd->next);
		got = true;
	}

	if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF && !got)
		return EPROTO;
	if (!got)
		return EAGAIN;

	if (vd->frame->format != AV_PIX_FMT_YUV420P ||
	    vd->frame->width <= 0 || vd->frame->height <= 0 ||
	    vd->frame->linesize[0] <= 0 || vd->frame->linesize[1] <= 0 ||
	    vd->frame->linesize[2] <= 0)
		return EPROTO;

	for (int i = 0; i < 3; i++) {
		pic->data[i] = vd->frame->data[i];
		pic->linesize[i] = (unsigned)vd->frame->linesize[i];
	}
	pic->w = (unsigned)vd->frame->width;
	pic->h = (unsigned)vd->frame->height;

	return 0;
}
