/**
 * @file camera.c  A camera: pictures from any libavdevice / libavformat
 * input (a V4L2 device, a video file), for a video stream to send.
 *
 * "v4l2:/dev/video0" opens the device through libavdevice's v4l2 input;
 * "file:PATH" (or a bare PATH) opens a file in any format libavformat
 * knows, and starts it again at its end. Each call of the picture source
 * (one per frame the stream sends) takes the next decoded frame and scales
 * it with swscale to the size being sent, in YUV 4:2:0. The input is read
 * non-blocking: when a device has no new frame yet, the last picture is
 * sent again, so a slow camera never stalls the event loop. A file gives
 * one frame per tick: it plays at the stream's rate, not its own.
 */

#include <errno.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <re.h>
#include <sipmob/media_video.h>
#include <sipmob/media_camera.h>

enum { READ_TRIES = 64 };   /* packets read for one frame at most */

struct camera {
	AVFormatContext *fmt;
	AVCodecContext *dec;
	AVFrame *frame;
	AVPacket *pkt;
	struct SwsContext *sws;
	int stream;
	bool file;              /* loop at the end                    */
	bool have;              /* pic holds a picture                */
	uint8_t *buf;
	struct vidpic pic;
	uint64_t frames;        /* frames decoded from the input      */
	uint64_t loops;
};


static void camera_destructor(void *arg)
{
	struct camera *cam = arg;

	sws_freeContext(cam->sws);
	av_packet_free(&cam->pkt);
	av_frame_free(&cam->frame);
	avcodec_free_context(&cam->dec);
	avformat_close_input(&cam->fmt);
	mem_deref(cam->buf);
}


static int open_input(struct camera *cam, const char *spec, char *why,
		      size_t whysz)
{
	const AVInputFormat *ifmt = NULL;
	const char *url = spec;
	const AVCodec *codec;
	int ret;

	if (!strncmp(spec, "file:", 5)) {
		url = spec + 5;
		cam->file = true;
	}
	else if (!strncmp(spec, "v4l2:", 5)) {
		url = spec + 5;
		ifmt = av_find_input_format("video4linux2");
		if (!ifmt) {
			re_snprintf(why, whysz, "no v4l2 input in libavdevice");
			return ENOENT;
		}
	}
	else {
		cam->file = true;
	}

	cam->fmt = avformat_alloc_context();
	if (!cam->fmt)
		return ENOMEM;
	cam->fmt->flags |= AVFMT_FLAG_NONBLOCK;

	ret = avformat_open_input(&cam->fmt, url, ifmt, NULL);
	if (ret < 0) {
		re_snprintf(why, whysz, "cannot open '%s': %s", url,
			    av_err2str(ret));
		return ENOENT;
	}

	ret = avformat_find_stream_info(cam->fmt, NULL);
	if (ret >= 0)
		ret = av_find_best_stream(cam->fmt, AVMEDIA_TYPE_VIDEO, -1, -1,
					  &codec, 0);
	if (ret < 0) {
		re_snprintf(why, whysz, "'%s' has no video we can decode",
			    url);
		return ENOENT;
	}
	cam->stream = ret;

	cam->dec = avcodec_alloc_context3(codec);
	if (!cam->dec)
		return ENOMEM;
	ret = avcodec_parameters_to_context(cam->dec,
				cam->fmt->streams[cam->stream]->codecpar);
	if (ret >= 0)
		ret = avcodec_open2(cam->dec, codec, NULL);
	if (ret < 0) {
		re_snprintf(why, whysz, "cannot decode '%s': %s", url,
			    av_err2str(ret));
		return ENOENT;
	}

	cam->frame = av_frame_alloc();
	cam->pkt = av_packet_alloc();

	return cam->frame && cam->pkt ? 0 : ENOMEM;
}


/**
 * Open a camera. spec: "v4l2:DEVICE", "file:PATH" or a path. On error,
 * why says what failed (ENOENT: it cannot be opened or decoded).
 */
int camera_alloc(struct camera **camp, const char *spec, char *why,
		 size_t whysz)
{
	struct camera *cam;
	int err;

	if (!camp || !spec || !*spec)
		return EINVAL;

	avdevice_register_all();

	cam = mem_zalloc(sizeof(*cam), camera_destructor);
	if (!cam)
		return ENOMEM;

	err = open_input(cam, spec, why, whysz);
	if (err)
		mem_deref(cam);
	else
		*camp = cam;

	return err;
}


/* The next decoded frame into cam->frame: 0, EAGAIN (none yet) or an
 * error */
static int next_frame(struct camera *cam)
{
	for (int i = 0; i < READ_TRIES; i++) {
		int ret = avcodec_receive_frame(cam->dec, cam->frame);

		if (ret >= 0) {
			++cam->frames;
			return 0;
		}
		if (ret != AVERROR(EAGAIN) && ret != AVERROR_EOF)
			return EIO;

		ret = av_read_frame(cam->fmt, cam->pkt);
		if (ret == AVERROR(EAGAIN))
			return EAGAIN;
		if (ret == AVERROR_EOF && cam->file && cam->frames) {
			/* from the start again */
			if (av_seek_frame(cam->fmt, cam->stream, 0,
					  AVSEEK_FLAG_BACKWARD) < 0)
				return EIO;
			avcodec_flush_buffers(cam->dec);
			if (!cam->loops++)
				re_fprintf(stderr, "camera: %llu frames,"
					   " started over\n",
					   (unsigned long long)cam->frames);
			continue;
		}
		if (ret < 0)
			return EIO;

		if (cam->pkt->stream_index == cam->stream)
			(void)avcodec_send_packet(cam->dec, cam->pkt);
		av_packet_unref(cam->pkt);
	}

	return EAGAIN;
}


/* Scale cam->frame into cam->pic at w x h */
static int scale(struct camera *cam, unsigned w, unsigned h)
{
	const AVFrame *f = cam->frame;
	size_t ysz = (size_t)w * h;
	uint8_t *dst[4];
	int dstride[4];

	if (cam->pic.w != w || cam->pic.h != h || !cam->buf) {
		uint8_t *buf = mem_alloc(ysz + ysz / 2, NULL);

		if (!buf)
			return ENOMEM;
		mem_deref(cam->buf);
		cam->buf = buf;
		cam->pic.w = w;
		cam->pic.h = h;
		cam->pic.data[0] = buf;
		cam->pic.data[1] = buf + ysz;
		cam->pic.data[2] = buf + ysz + ysz / 4;
		cam->pic.linesize[0] = w;
		cam->pic.linesize[1] = w / 2;
		cam->pic.linesize[2] = w / 2;
		cam->have = false;
	}

	cam->sws = sws_getCachedContext(cam->sws, f->width, f->height,
					f->format, (int)w, (int)h,
					AV_PIX_FMT_YUV420P, SWS_BILINEAR,
					NULL, NULL, NULL);
	if (!cam->sws)
		return ENOTSUP;

	for (int i = 0; i < 3; i++) {
		dst[i] = cam->pic.data[i];
		dstride[i] = (int)cam->pic.linesize[i];
	}
	dst[3] = NULL;
	dstride[3] = 0;

	sws_scale(cam->sws, (const uint8_t * const *)f->data, f->linesize, 0,
		  f->height, dst, dstride);
	cam->have = true;

	return 0;
}


/** The picture source of a video stream (media_vpic_src_h): the next
 *  frame at w x h, the last one again if none is ready, NULL if there
 *  has been none yet (the stream sends its pattern then) */
const struct vidpic *camera_picture(unsigned w, unsigned h, void *arg)
{
	struct camera *cam = arg;
	int err;

	if (!cam)
		return NULL;

	err = next_frame(cam);
	if (!err) {
		err = scale(cam, w, h);
		av_frame_unref(cam->frame);
		if (err)
			return NULL;
	}

	return cam->have && cam->pic.w == w && cam->pic.h == h ?
		&cam->pic : NULL;
}


/** Frames decoded from the input so far, and times a file started over */
void camera_counts(const struct camera *cam, uint64_t *frames,
		   uint64_t *loops)
{
	if (frames)
		*frames = cam ? cam->frames : 0;
	if (loops)
		*loops = cam ? cam->loops : 0;
}
