/**
 * @file test_media_video.c  The video pieces without sockets: the test
 * pattern reads back its frame number and seed, the real H.263+ encoder's
 * output survives the RFC 4629 packetizer and depacketizer byte for byte
 * and decodes at its size, a lost or broken payload costs only its own
 * picture, and garbage never crashes. h263_picture_intra() tells the first
 * payload of each picture, intra or not, from the rest, both on real
 * H.263+ (PLUSPTYPE) and baseline H.263 (PTYPE) encoder output and on
 * hand-built headers, and rejects what is cut short or broken. What a
 * frame costs in CPU is a figure of bench/units.sh, not a test.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <re.h>
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
#include <sipmob/media_video.h>

enum {
	MAX_FRAMES  = 64,
	MAX_PACKETS = 4096,
};

/* One encoded picture */
struct enc_frame {
	uint8_t *buf;
	size_t len;
	bool key;
};

/* One RTP payload, as the packetizer made it */
struct payload {
	uint8_t buf[VIDEO_RTP_PAYLOAD];
	size_t len;
	bool marker;
	unsigned frame;
};

struct capture {
	struct enc_frame frames[MAX_FRAMES];
	unsigned nframes;
	struct payload *pkts;
	unsigned npkts;
	unsigned cur_frame;
	unsigned pbits;
};


static int encoded_h(const uint8_t *buf, size_t len, bool key, void *arg)
{
	struct capture *c = arg;
	struct enc_frame *f;

	assert_true(c->nframes < MAX_FRAMES);
	f = &c->frames[c->nframes++];
	f->buf = malloc(len);
	assert_non_null(f->buf);
	memcpy(f->buf, buf, len);
	f->len = len;
	f->key = key;

	return 0;
}


static int packet_h(bool marker, const uint8_t phdr[2], const uint8_t *data,
		    size_t len, void *arg)
{
	struct capture *c = arg;
	struct payload *p;

	assert_true(c->npkts < MAX_PACKETS);
	assert_true(2 + len <= VIDEO_RTP_PAYLOAD);

	/* RR=0, V=0, PLEN=0, PEBIT=0; only P may be set */
	assert_int_equal(0, phdr[0] & ~0x04);
	assert_int_equal(0, phdr[1]);
	if (phdr[0] & 0x04) {
		assert_true(len >= 1);
		assert_true(data[0] & 0x80);   /* rest of a start code */
		++c->pbits;
	}

	p = &c->pkts[c->npkts++];
	p->buf[0] = phdr[0];
	p->buf[1] = phdr[1];
	memcpy(p->buf + 2, data, len);
	p->len = 2 + len;
	p->marker = marker;
	p->frame = c->cur_frame;

	return 0;
}


static void capture_free(struct capture *c)
{
	for (unsigned i = 0; i < c->nframes; i++)
		free(c->frames[i].buf);
	free(c->pkts);
	memset(c, 0, sizeof(*c));
}


/* Encode n pattern frames at w x h, keyframe asked for at key_at, and
 * packetize each */
static void encode_and_packetize(struct capture *c, unsigned w, unsigned h,
				 unsigned n, unsigned key_at)
{
	struct video_pattern *vp = NULL;
	struct video_enc *ve = NULL;

	memset(c, 0, sizeof(*c));
	c->pkts = calloc(MAX_PACKETS, sizeof(*c->pkts));
	assert_non_null(c->pkts);

	assert_int_equal(0, video_pattern_alloc(&vp, w, h, 7));
	assert_int_equal(0, video_enc_alloc(&ve, w, h, VIDEO_FPS, 0));

	for (unsigned i = 0; i < n; i++) {
		const struct vidpic *pic = video_pattern_draw(vp, (uint16_t)i);
		unsigned before = c->nframes, first = c->npkts;

		if (i == key_at)
			video_enc_keyframe(ve);

		assert_int_equal(0, video_enc_encode(ve, pic, encoded_h, c));
		assert_int_equal(before + 1, c->nframes);

		c->cur_frame = i;
		assert_int_equal(0, h263_packetize(c->frames[i].buf,
						   c->frames[i].len,
						   VIDEO_RTP_PAYLOAD,
						   packet_h, c));

		/* the picture's first payload carries its start code; only
		 * its last has the marker */
		assert_true(c->pkts[first].buf[0] & 0x04);
		assert_int_equal(0x80, c->pkts[first].buf[2] & 0xfc);
		for (unsigned k = first; k < c->npkts; k++)
			assert_int_equal(k == c->npkts - 1,
					 c->pkts[k].marker);
	}

	mem_deref(ve);
	mem_deref(vp);
}


static void pattern_reads_back_frame_and_seed(void **state)
{
	static const unsigned sizes[][2] = {{128, 96}, {176, 144}, {352, 288}};
	struct video_pattern *a = NULL, *b = NULL;
	const struct vidpic *pa, *pb;
	uint16_t frame;
	uint8_t seed;
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned w = sizes[i][0], h = sizes[i][1];

		assert_int_equal(0, video_pattern_alloc(&a, w, h, 0xa5));
		assert_int_equal(0, video_pattern_alloc(&b, w, h, 0x3c));

		pa = video_pattern_draw(a, 0x1234);
		assert_int_equal(w, pa->w);
		assert_int_equal(h, pa->h);
		assert_int_equal(0, video_pattern_read(pa, &frame, &seed));
		assert_int_equal(0x1234, frame);
		assert_int_equal(0xa5, seed);

		/* a moving picture: the next frame differs, and so does
		 * another camera's pattern of the same frame */
		pb = video_pattern_draw(b, 0x1234);
		assert_int_equal(0, video_pattern_read(pb, &frame, &seed));
		assert_int_equal(0x3c, seed);
		assert_memory_not_equal(pa->data[1], pb->data[1],
					(size_t)w * h / 4);

		a = mem_deref(a);
		b = mem_deref(b);
	}

	/* not a size H.263+ can carry */
	assert_int_equal(EINVAL, video_pattern_alloc(&a, 175, 144, 0));
	assert_int_equal(EINVAL, video_pattern_alloc(&a, 176, 1156, 0));
	assert_false(video_size_valid(4096, 2048));
	assert_true(video_size_valid(176, 144));
}


static void pattern_read_rejects_a_plain_picture(void **state)
{
	static uint8_t grey[176 * 144 * 3 / 2];
	struct vidpic pic = {
		.data = {grey, grey + 176 * 144, grey + 176 * 144 * 5 / 4},
		.linesize = {176, 88, 88},
		.w = 176, .h = 144,
	};
	(void)state;

	memset(grey, 128, sizeof(grey));
	assert_int_equal(ENOENT, video_pattern_read(&pic, NULL, NULL));
}


/* Every frame of real encoder output: packetize, depacketize, compare,
 * decode at its size, read the pattern's frame number back */
static void roundtrip_size(unsigned w, unsigned h)
{
	struct h263_depack *d = NULL;
	struct video_dec *vd = NULL;
	struct h263_depack_stats ds;
	struct capture c;
	unsigned nkeys = 0, ndecoded = 0, nread = 0;
	uint16_t seq = 65530;   /* wraps during the run */
	uint32_t ts = 0xfffff000;

	encode_and_packetize(&c, w, h, 45, 20);
	assert_int_equal(0, h263_depack_alloc(&d, VIDEO_MAX_FRAME));
	assert_int_equal(0, video_dec_alloc(&vd));

	for (unsigned k = 0; k < c.npkts; k++) {
		const struct payload *p = &c.pkts[k];
		const uint8_t *frame;
		size_t flen;
		struct vidpic pic;
		uint16_t fno;
		int err;

		if (k && c.pkts[k - 1].frame != p->frame)
			ts += VIDEO_CLOCK / VIDEO_FPS;

		err = h263_depack_input(d, seq++, ts, p->marker, p->buf,
					p->len, &frame, &flen);
		if (!p->marker) {
			assert_int_equal(ENODATA, err);
			continue;
		}

		assert_int_equal(0, err);
		assert_int_equal(c.frames[p->frame].len, flen);
		assert_memory_equal(c.frames[p->frame].buf, frame, flen);

		assert_int_equal(0, video_dec_decode(vd, frame, flen, &pic));
		++ndecoded;
		assert_int_equal(w, pic.w);
		assert_int_equal(h, pic.h);
		if (!video_pattern_read(&pic, &fno, NULL)) {
			assert_int_equal(p->frame, fno);
			++nread;
		}
	}

	for (unsigned i = 0; i < c.nframes; i++)
		nkeys += c.frames[i].key;

	h263_depack_stats(d, &ds);
	printf("  %ux%u: %u frames, %u payloads (%u with P=1), "
	       "%u keyframes, %u frame numbers read back\n",
	       w, h, c.nframes, c.npkts, c.pbits, nkeys, nread);

	assert_int_equal(45, ndecoded);
	assert_int_equal(45, ds.frames);
	assert_int_equal(0, ds.dropped);
	assert_int_equal(0, ds.bad);
	assert_int_equal(45, nread);
	/* frame 0, the GOP at 15 and 30, and the one asked for at 20 */
	assert_true(c.frames[0].key);
	assert_true(c.frames[20].key);
	assert_true(nkeys >= 4);
	assert_false(c.frames[1].key);

	mem_deref(vd);
	mem_deref(d);
	capture_free(&c);
}


static void roundtrip_real_encoder_output(void **state)
{
	(void)state;

	roundtrip_size(128, 96);
	roundtrip_size(176, 144);
	roundtrip_size(352, 288);
}


static void cif_keyframe_spans_several_gob_payloads(void **state)
{
	struct capture c;
	unsigned n0 = 0;
	(void)state;

	encode_and_packetize(&c, 352, 288, 2, 99);

	for (unsigned k = 0; k < c.npkts; k++)
		n0 += c.pkts[k].frame == 0;

	/* a CIF keyframe is several kB: several payloads, each <= 1200
	 * bytes (checked in packet_h), cut at GOB starts */
	assert_true(c.frames[0].len > 2 * VIDEO_RTP_PAYLOAD);
	assert_true(n0 >= 3);
	assert_true(c.pbits > 2);

	capture_free(&c);
}


/* Feed the capture with payload `skip` left out (a sequence gap) or, with
 * `shorten`, cut to one byte (unparsable); return frames completed */
static unsigned feed_with_damage(const struct capture *c, unsigned bad,
				 bool shorten, struct h263_depack_stats *ds,
				 bool *got)
{
	struct h263_depack *d = NULL;
	struct video_dec *vd = NULL;
	unsigned n = 0;
	uint16_t seq = 100;

	assert_int_equal(0, h263_depack_alloc(&d, VIDEO_MAX_FRAME));
	assert_int_equal(0, video_dec_alloc(&vd));

	for (unsigned k = 0; k < c->npkts; k++) {
		const struct payload *p = &c->pkts[k];
		const uint8_t *frame;
		size_t flen;
		uint16_t s = seq++;

		if (k == bad && !shorten)
			continue;

		if (!h263_depack_input(d, s, p->frame * 6000, p->marker,
				       p->buf,
				       k == bad ? 1 : p->len, &frame, &flen)) {
			struct vidpic pic;

			assert_memory_equal(c->frames[p->frame].buf, frame,
					    flen);
			/* and the decoder goes on after the lost picture */
			assert_int_equal(0, video_dec_decode(vd, frame, flen,
							     &pic));
			assert_int_equal(352, pic.w);
			got[p->frame] = true;
			++n;
		}
	}

	h263_depack_stats(d, ds);
	mem_deref(vd);
	mem_deref(d);

	return n;
}


static void lost_or_broken_payload_costs_only_its_frame(void **state)
{
	struct h263_depack_stats ds;
	struct capture c;
	unsigned first = 0, mid = 0, last = 0;
	(void)state;

	/* frame 5 a keyframe: a CIF one spans several payloads */
	encode_and_packetize(&c, 352, 288, 12, 5);

	/* frame 5's first, a middle and the last (marker) payload */
	for (unsigned k = 0; k < c.npkts; k++) {
		if (c.pkts[k].frame != 5)
			continue;
		if (!first)
			first = k;
		last = k;
	}
	mid = (first + last) / 2;
	assert_true(last - first >= 2);

	const unsigned which[] = {first, mid, last};

	for (size_t i = 0; i < ARRAY_SIZE(which); i++) {
		for (int shorten = 0; shorten < 2; shorten++) {
			bool got[MAX_FRAMES] = {false};
			unsigned n;

			n = feed_with_damage(&c, which[i], shorten, &ds, got);
			assert_int_equal(11, n);
			assert_false(got[5]);
			assert_true(got[4]);
			assert_true(got[6]);
			assert_int_equal(11, ds.frames);
			assert_int_equal(shorten ? 1 : 0, ds.bad);
		}
	}

	capture_free(&c);
}


static void garbage_never_crashes(void **state)
{
	struct h263_depack *d = NULL;
	struct video_dec *vd = NULL;
	struct capture c;
	uint8_t buf[VIDEO_RTP_PAYLOAD];
	unsigned frames = 0, pictures = 0;
	struct vidpic pic;
	uint16_t seq = 0;
	(void)state;

	encode_and_packetize(&c, 176, 144, 20, 99);
	assert_int_equal(0, h263_depack_alloc(&d, 4096));
	assert_int_equal(0, video_dec_alloc(&vd));
	srand(4629);

	for (unsigned i = 0; i < 20000; i++) {
		const struct payload *p = &c.pkts[i % c.npkts];
		const uint8_t *frame;
		size_t len, flen;

		/* real payloads with bytes flipped, cut short, or noise */
		len = p->len;
		memcpy(buf, p->buf, len);
		switch (rand() % 4) {

		case 0:
			for (int f = rand() % 8; f >= 0; f--)
				buf[rand() % len] ^= (uint8_t)(1 + rand() % 255);
			break;
		case 1:
			len = (size_t)rand() % (len + 1);
			break;
		case 2:
			len = (size_t)rand() % sizeof(buf);
			for (size_t b = 0; b < len; b++)
				buf[b] = (uint8_t)rand();
			if (rand() % 2)
				buf[0] |= 0x04;
			if (len > 2 && rand() % 2)
				buf[2] = 0x80 | (buf[2] & 0x03);
			break;
		default:
			break;
		}

		if (h263_depack_input(d, rand() % 8 ? seq++ : (uint16_t)rand(),
				      i / 4, rand() % 3 == 0, buf, len,
				      &frame, &flen))
			continue;

		++frames;
		if (!video_dec_decode(vd, frame, flen, &pic)) {
			++pictures;
			assert_true(pic.w > 0 && pic.w <= VIDEO_MAX_W);
			assert_true(pic.h > 0 && pic.h <= VIDEO_MAX_H);
			(void)video_pattern_read(&pic, NULL, NULL);
		}
	}

	/* NULL and empty input */
	{
		const uint8_t *fr;
		size_t fl;

		assert_int_equal(EBADMSG, h263_depack_input(d, seq++, 0, true,
							    NULL, 0, &fr,
							    &fl));
	}
	assert_int_equal(EINVAL, video_dec_decode(vd, buf, 0, &pic));

	/* the decoder is still good: the stream from its keyframe decodes */
	h263_depack_reset(d);
	assert_int_equal(0, video_dec_decode(vd, c.frames[0].buf,
					     c.frames[0].len, &pic));
	assert_int_equal(176, pic.w);

	printf("  garbage: %u frames assembled, %u decoded to a picture\n",
	       frames, pictures);

	mem_deref(vd);
	mem_deref(d);
	capture_free(&c);
}


static void packetize_checks_its_arguments(void **state)
{
	uint8_t f[16] = {0, 0, 0x80};
	(void)state;

	assert_int_equal(EINVAL, h263_packetize(NULL, 10, 1200, packet_h,
						NULL));
	assert_int_equal(EINVAL, h263_packetize(f, 0, 1200, packet_h, NULL));
	assert_int_equal(EINVAL, h263_packetize(f, sizeof(f), 4, packet_h,
						NULL));
	assert_int_equal(EINVAL, video_enc_alloc((struct video_enc **)f,
						 176, 144, 0, 0));
}


/* h263_picture_intra() */

/* Source format (PTYPE bits 6-8) of a payload that starts a picture,
 * PLEN = 0 and V = 0: 7 is PLUSPTYPE */
static unsigned payload_src_format(const struct payload *p)
{
	return (p->buf[2 + 2] >> 2) & 7;
}


/* Every payload of a capture: the first of each picture starts it and
 * tells its frame type as the encoder flagged it; the rest do not start
 * one. Returns how many pictures were intra; counts continuation payloads
 * with P=1 (GOB starts) and P=0 */
static unsigned check_capture_intra(const struct capture *c, unsigned *gob,
				    unsigned *follow)
{
	unsigned nintra = 0;

	*gob = *follow = 0;

	for (unsigned k = 0; k < c->npkts; k++) {
		const struct payload *p = &c->pkts[k];
		bool first = !k || c->pkts[k - 1].frame != p->frame;
		bool intra = !c->frames[p->frame].key;

		if (!first) {
			assert_int_equal(ENOENT, h263_picture_intra(p->buf,
								    p->len,
								    &intra));
			/* left alone */
			assert_int_equal(!c->frames[p->frame].key, intra);
			if (p->buf[0] & 0x04)
				++*gob;
			else
				++*follow;
			continue;
		}

		assert_int_equal(0, h263_picture_intra(p->buf, p->len,
						       &intra));
		assert_int_equal(c->frames[p->frame].key, intra);
		nintra += intra;
	}

	return nintra;
}


static void picture_intra_of_real_encoder_output(void **state)
{
	/* 128x96 is a custom size (PLUSPTYPE for sure); QCIF and CIF are
	 * standard formats, which H.263+ may code either way */
	static const unsigned sizes[][2] = {{128, 96}, {176, 144}, {352, 288}};
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned w = sizes[i][0], h = sizes[i][1];
		unsigned nintra, nkeys = 0, nplus = 0, gob, follow;
		struct capture c;

		encode_and_packetize(&c, w, h, 32, 20);

		nintra = check_capture_intra(&c, &gob, &follow);
		for (unsigned f = 0; f < c.nframes; f++)
			nkeys += c.frames[f].key;

		for (unsigned k = 0; k < c.npkts; k++) {
			bool first = !k || c.pkts[k - 1].frame !=
				c.pkts[k].frame;

			if (first)
				nplus += payload_src_format(&c.pkts[k]) == 7;
		}

		printf("  %ux%u: %u pictures, %u intra, %u with PLUSPTYPE; "
		       "%u GOB-start and %u follow-on payloads\n",
		       w, h, c.nframes, nintra, nplus, gob, follow);

		assert_int_equal(nkeys, nintra);
		assert_true(c.frames[0].key);
		assert_true(c.frames[20].key);
		assert_false(c.frames[1].key);
		assert_true(nintra >= 3);     /* 0, the GOP at 15, 20 */
		assert_true(nintra < c.nframes);
		if (w == 128)
			assert_int_equal(c.nframes, nplus);
		if (w == 352)
			assert_true(gob > 0);  /* CIF keyframes span GOBs */

		capture_free(&c);
	}
}


/* Baseline H.263 straight from libavcodec (not our encoder): standard
 * source formats in a plain 13-bit PTYPE, and one GOB per picture, so
 * large pictures go on in P=0 follow-on payloads */
static void baseline_capture(struct capture *c, unsigned w, unsigned h,
			     unsigned n)
{
	const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_H263);
	struct video_pattern *vp = NULL;
	AVCodecContext *ctx;
	AVFrame *fr;
	AVPacket *pkt;

	memset(c, 0, sizeof(*c));
	c->pkts = calloc(MAX_PACKETS, sizeof(*c->pkts));
	assert_non_null(c->pkts);
	if (!codec)
		return;

	ctx = avcodec_alloc_context3(codec);
	fr = av_frame_alloc();
	pkt = av_packet_alloc();
	assert_non_null(ctx);
	assert_non_null(fr);
	assert_non_null(pkt);

	ctx->width = (int)w;
	ctx->height = (int)h;
	ctx->time_base = (AVRational){1, VIDEO_FPS};
	ctx->pix_fmt = AV_PIX_FMT_YUV420P;
	ctx->bit_rate = VIDEO_BITRATE;
	ctx->gop_size = 100;
	ctx->max_b_frames = 0;
	ctx->thread_count = 1;
	assert_int_equal(0, avcodec_open2(ctx, codec, NULL));

	fr->format = AV_PIX_FMT_YUV420P;
	fr->width = (int)w;
	fr->height = (int)h;
	assert_int_equal(0, av_frame_get_buffer(fr, 0));
	assert_int_equal(0, video_pattern_alloc(&vp, w, h, 9));

	for (unsigned i = 0; i < n; i++) {
		const struct vidpic *pic = video_pattern_draw(vp, (uint16_t)i);

		assert_int_equal(0, av_frame_make_writable(fr));
		for (int pl = 0; pl < 3; pl++) {
			unsigned rw = pl ? w / 2 : w, rh = pl ? h / 2 : h;

			for (unsigned r = 0; r < rh; r++)
				memcpy(fr->data[pl] +
				       (size_t)r * fr->linesize[pl],
				       pic->data[pl] +
				       (size_t)r * pic->linesize[pl], rw);
		}
		fr->pts = i;
		/* I at 0 and 6, P otherwise */
		fr->pict_type = i % 6 ? AV_PICTURE_TYPE_NONE
				      : AV_PICTURE_TYPE_I;

		assert_int_equal(0, avcodec_send_frame(ctx, fr));
		assert_int_equal(0, avcodec_receive_packet(ctx, pkt));
		(void)encoded_h(pkt->data, (size_t)pkt->size,
				pkt->flags & AV_PKT_FLAG_KEY, c);
		av_packet_unref(pkt);

		c->cur_frame = i;
		assert_int_equal(0, h263_packetize(c->frames[i].buf,
						   c->frames[i].len,
						   VIDEO_RTP_PAYLOAD,
						   packet_h, c));
	}

	mem_deref(vp);
	av_packet_free(&pkt);
	av_frame_free(&fr);
	avcodec_free_context(&ctx);
}


static void picture_intra_of_baseline_h263_ptype(void **state)
{
	static const unsigned sizes[][2] = {{176, 144}, {352, 288}};
	(void)state;

	if (!avcodec_find_encoder(AV_CODEC_ID_H263)) {
		printf("  libavcodec has no H.263 encoder\n");
		skip();
	}

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned w = sizes[i][0], h = sizes[i][1];
		unsigned nintra, gob, follow;
		struct capture c;

		baseline_capture(&c, w, h, 12);
		assert_int_equal(12, c.nframes);

		/* QCIF 010, CIF 011: no PLUSPTYPE */
		for (unsigned k = 0; k < c.npkts; k++) {
			const struct payload *p = &c.pkts[k];

			if (!k || c.pkts[k - 1].frame != p->frame)
				assert_int_equal(w == 176 ? 2 : 3,
						 payload_src_format(p));
		}

		nintra = check_capture_intra(&c, &gob, &follow);
		printf("  baseline %ux%u: %u pictures, %u intra; "
		       "%u GOB-start and %u follow-on payloads\n",
		       w, h, c.nframes, nintra, gob, follow);

		assert_true(c.frames[0].key);
		assert_true(c.frames[6].key);
		assert_false(c.frames[1].key);
		assert_int_equal(2, nintra);
		if (w == 352)
			assert_true(follow > 0);  /* keyframes > 1 payload */

		capture_free(&c);
	}
}


/* A payload made bit by bit */
struct bitbuf {
	uint8_t b[64];
	size_t at;      /* bits written */
};


static void put_bits(struct bitbuf *bb, unsigned n, uint32_t v)
{
	while (n--) {
		assert_true(bb->at < 8 * sizeof(bb->b));
		if ((v >> n) & 1)
			bb->b[bb->at >> 3] |= (uint8_t)(0x80 >> (bb->at & 7));
		++bb->at;
	}
}


static size_t bitbuf_len(const struct bitbuf *bb)
{
	return (bb->at + 7) / 8;
}


/* Payload header: P, V, PLEN (PEBIT 0) */
static void put_phdr(struct bitbuf *bb, bool p, bool v, unsigned plen)
{
	put_bits(bb, 5, 0);
	put_bits(bb, 1, p);
	put_bits(bb, 1, v);
	put_bits(bb, 6, plen);
	put_bits(bb, 3, 0);
}


/* A picture header without its PSC's two zero bytes: PSC's last 6 bits,
 * TR, PTYPE bits 1-8 with bits 1-2 as given (2: "10", right) */
static void put_psc_ptype(struct bitbuf *bb, unsigned fixed, unsigned fmt)
{
	put_bits(bb, 6, 0x20);
	put_bits(bb, 8, 0x5a);    /* TR */
	put_bits(bb, 2, fixed);
	put_bits(bb, 3, 0);       /* split screen, camera, freeze */
	put_bits(bb, 3, fmt);
}


/* The rest of a standard PTYPE (bits 9-13), then some of PQUANT */
static void put_ptype_rest(struct bitbuf *bb, bool inter)
{
	put_bits(bb, 1, inter);
	put_bits(bb, 4, 0);
	put_bits(bb, 5, 8);
}


enum { OPP_OK = 1 << 3 };  /* OPPTYPE bits 15-18: "1000" */

/* PLUSPTYPE: UFEP, OPPTYPE (if UFEP is 1) with the given source format
 * and bits 15-18, MPPTYPE with the given type and last bit */
static void put_plusptype(struct bitbuf *bb, unsigned ufep, unsigned oppfmt,
			  unsigned opp_tail, unsigned type, bool mpp_last)
{
	put_bits(bb, 3, ufep);
	if (ufep == 1) {
		put_bits(bb, 3, oppfmt);
		put_bits(bb, 11, 0);
		put_bits(bb, 4, opp_tail);
	}
	put_bits(bb, 3, type);
	put_bits(bb, 5, 0);
	put_bits(bb, 1, mpp_last);
}


enum { ALL = -1 };

/* Run h263_picture_intra on bb's first len bytes (ALL: all written),
 * copied to a buffer of exactly that size; intra is left as it was
 * unless the answer is 0 */
static int intra_of(const struct bitbuf *bb, size_t len, bool *intra)
{
	uint8_t *p;
	bool was = *intra;
	int err;

	if (len == (size_t)ALL)
		len = bitbuf_len(bb);
	p = malloc(len ? len : 1);
	assert_non_null(p);
	memcpy(p, bb->b, len);

	err = h263_picture_intra(p, len, intra);
	if (err)
		assert_int_equal(was, *intra);

	free(p);

	return err;
}


static void picture_intra_reads_ptype(void **state)
{
	struct bitbuf bb;
	bool intra;
	(void)state;

	/* every standard source format, INTRA and INTER */
	for (unsigned fmt = 1; fmt <= 5; fmt++) {
		for (int inter = 0; inter < 2; inter++) {
			memset(&bb, 0, sizeof(bb));
			put_phdr(&bb, true, false, 0);
			put_psc_ptype(&bb, 2, fmt);
			put_ptype_rest(&bb, inter);

			intra = inter;
			assert_int_equal(0, intra_of(&bb, ALL, &intra));
			assert_int_equal(!inter, intra);

			/* PTYPE ends in the 4th byte after the header */
			assert_int_equal(0, intra_of(&bb, 2 + 4, &intra));
			for (size_t n = 0; n < 2 + 4; n++)
				assert_int_equal(EBADMSG,
						 intra_of(&bb, n, &intra));
		}
	}

	/* forbidden (000) and reserved (110) source formats; PTYPE bits
	 * 1-2 other than "10" */
	const unsigned bad[][2] = {{2, 0}, {2, 6}, {0, 2}, {3, 2}, {1, 2}};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&bb, 0, sizeof(bb));
		put_phdr(&bb, true, false, 0);
		put_psc_ptype(&bb, bad[i][0], bad[i][1]);
		put_ptype_rest(&bb, false);
		intra = false;
		assert_int_equal(EBADMSG, intra_of(&bb, ALL, &intra));
	}
}


static void picture_intra_reads_plusptype(void **state)
{
	struct bitbuf bb;
	bool intra;
	(void)state;

	/* UFEP 001 (OPPTYPE present) and 000; every picture type */
	for (unsigned ufep = 0; ufep < 2; ufep++) {
		for (unsigned type = 0; type < 8; type++) {
			size_t need = ufep ? 7 : 5;   /* through MPPTYPE */

			memset(&bb, 0, sizeof(bb));
			put_phdr(&bb, true, false, 0);
			put_psc_ptype(&bb, 2, 7);
			put_plusptype(&bb, ufep, 2, OPP_OK, type, true);
			put_bits(&bb, 8, 0xff);    /* CPM... */
			assert_int_equal(2 + need + 1, bitbuf_len(&bb));

			intra = type != 0;
			if (type >= 6) {   /* 110, 111: reserved */
				assert_int_equal(EBADMSG,
						 intra_of(&bb, ALL, &intra));
				continue;
			}
			assert_int_equal(0, intra_of(&bb, ALL, &intra));
			assert_int_equal(type == 0, intra);

			assert_int_equal(0, intra_of(&bb, 2 + need, &intra));
			for (size_t n = 0; n < 2 + need; n++)
				assert_int_equal(EBADMSG,
						 intra_of(&bb, n, &intra));
		}
	}

	/* OPPTYPE's source formats: custom (110) is fine, 000 forbidden,
	 * 111 reserved */
	for (unsigned fmt = 0; fmt < 8; fmt++) {
		memset(&bb, 0, sizeof(bb));
		put_phdr(&bb, true, false, 0);
		put_psc_ptype(&bb, 2, 7);
		put_plusptype(&bb, 1, fmt, OPP_OK, 0, true);
		intra = false;
		assert_int_equal(fmt == 0 || fmt == 7 ? EBADMSG : 0,
				 intra_of(&bb, ALL, &intra));
	}

	/* UFEP 010..111 are forbidden */
	for (unsigned ufep = 2; ufep < 8; ufep++) {
		memset(&bb, 0, sizeof(bb));
		put_phdr(&bb, true, false, 0);
		put_psc_ptype(&bb, 2, 7);
		put_plusptype(&bb, ufep, 2, OPP_OK, 0, true);
		put_bits(&bb, 32, 0x8000080);
		intra = false;
		assert_int_equal(EBADMSG, intra_of(&bb, ALL, &intra));
	}

	/* a 0 where OPPTYPE bit 15 or MPPTYPE bit 9 keeps start codes
	 * from being emulated; reserved OPPTYPE bits 16-18 are not ours to
	 * judge */
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, false, 0);
	put_psc_ptype(&bb, 2, 7);
	put_plusptype(&bb, 1, 2, 0, 0, true);
	assert_int_equal(EBADMSG, intra_of(&bb, ALL, &intra));

	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, false, 0);
	put_psc_ptype(&bb, 2, 7);
	put_plusptype(&bb, 1, 2, OPP_OK | 7, 0, true);
	intra = false;
	assert_int_equal(0, intra_of(&bb, ALL, &intra));
	assert_true(intra);

	for (unsigned ufep = 0; ufep < 2; ufep++) {
		memset(&bb, 0, sizeof(bb));
		put_phdr(&bb, true, false, 0);
		put_psc_ptype(&bb, 2, 7);
		put_plusptype(&bb, ufep, 2, OPP_OK, 0, false);
		assert_int_equal(EBADMSG, intra_of(&bb, ALL, &intra));
	}
}


static void picture_intra_payload_header(void **state)
{
	struct bitbuf bb;
	bool intra;
	(void)state;

	/* V=1: the VRC byte comes first */
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, true, 0);
	put_bits(&bb, 8, 0x80);    /* VRC byte that looks like a PSC */
	put_psc_ptype(&bb, 2, 2);
	put_ptype_rest(&bb, true);
	intra = true;
	assert_int_equal(0, intra_of(&bb, ALL, &intra));
	assert_false(intra);
	assert_int_equal(EBADMSG, intra_of(&bb, 3, &intra));
	assert_int_equal(EBADMSG, intra_of(&bb, 3 + 3, &intra));
	assert_int_equal(0, intra_of(&bb, 3 + 4, &intra));

	/* PLEN: an extra picture header (a redundant copy, an INTRA one
	 * here) before the bitstream, which starts an INTER picture: the
	 * bitstream decides */
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, false, 5);
	put_psc_ptype(&bb, 2, 2);
	put_ptype_rest(&bb, false);
	put_bits(&bb, 8, 0);       /* to 5 bytes */
	assert_int_equal(2 + 5, bitbuf_len(&bb));
	put_psc_ptype(&bb, 2, 2);
	put_ptype_rest(&bb, true);
	intra = true;
	assert_int_equal(0, intra_of(&bb, ALL, &intra));
	assert_false(intra);
	/* cut inside the extra header, or just after it */
	for (size_t n = 0; n < 2 + 5 + 4; n++)
		assert_int_equal(EBADMSG, intra_of(&bb, n, &intra));

	/* ... and with V=1 too: header, VRC, extra header, bitstream */
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, true, 4);
	put_bits(&bb, 8, 0x3c);
	put_bits(&bb, 32, 0xdeadbeef);
	put_psc_ptype(&bb, 2, 7);
	put_plusptype(&bb, 0, 0, 0, 0, true);
	intra = false;
	assert_int_equal(0, intra_of(&bb, ALL, &intra));
	assert_true(intra);

	/* PLEN's extra INTRA header before a GOB start: not a picture
	 * start, it belongs to a picture begun earlier */
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, false, 5);
	put_psc_ptype(&bb, 2, 2);
	put_ptype_rest(&bb, false);
	put_bits(&bb, 8, 0);
	put_bits(&bb, 8, 0x84);    /* GBSC, GN 1 */
	put_bits(&bb, 24, 0x123456);
	assert_int_equal(ENOENT, intra_of(&bb, ALL, &intra));

	/* P=0: a follow-on payload, even with an extra picture header or
	 * data that looks like a picture header */
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, false, false, 5);
	put_psc_ptype(&bb, 2, 2);
	put_ptype_rest(&bb, false);
	put_bits(&bb, 8, 0);
	put_psc_ptype(&bb, 2, 2);
	put_ptype_rest(&bb, false);
	assert_int_equal(ENOENT, intra_of(&bb, ALL, &intra));
	assert_int_equal(ENOENT, intra_of(&bb, 2 + 5, &intra));
	assert_int_equal(EBADMSG, intra_of(&bb, 2 + 4, &intra));

	/* P=1 with the other start codes: GBSC (GN 1..17), SSC, EOSBS,
	 * EOS */
	for (unsigned gn = 1; gn < 32; gn++) {
		memset(&bb, 0, sizeof(bb));
		put_phdr(&bb, true, false, 0);
		put_bits(&bb, 1, 1);
		put_bits(&bb, 5, gn);
		put_bits(&bb, 26, 0x2aaaaaa);
		assert_int_equal(ENOENT, intra_of(&bb, ALL, &intra));
		assert_int_equal(ENOENT, intra_of(&bb, 3, &intra));
	}

	/* P=1 promises a start code: none there, or no data at all */
	for (unsigned b0 = 0; b0 < 0x80; b0 += 0x11) {
		memset(&bb, 0, sizeof(bb));
		put_phdr(&bb, true, false, 0);
		put_bits(&bb, 8, b0);
		put_bits(&bb, 32, 0x80000000);
		assert_int_equal(EBADMSG, intra_of(&bb, ALL, &intra));
	}
	memset(&bb, 0, sizeof(bb));
	put_phdr(&bb, true, false, 0);
	assert_int_equal(EBADMSG, intra_of(&bb, ALL, &intra));

	/* too short for the payload header; NULL */
	assert_int_equal(EBADMSG, intra_of(&bb, 1, &intra));
	assert_int_equal(EBADMSG, h263_picture_intra(NULL, 0, &intra));
	assert_int_equal(EINVAL, h263_picture_intra(NULL, 4, &intra));
	assert_int_equal(EINVAL, h263_picture_intra(bb.b, 2, NULL));
}


/* Real first payloads cut at every length, and damaged at random: each
 * in a buffer of exactly its size (so a sanitizer sees any over-read),
 * and never an answer other than 0, ENOENT or EBADMSG */
static void picture_intra_truncated_and_garbage(void **state)
{
	struct capture c;
	unsigned ok = 0, noent = 0, bad = 0;
	(void)state;

	encode_and_packetize(&c, 352, 288, 4, 99);
	srand(2429);

	for (unsigned f = 0; f < 2; f++) {
		const struct payload *p = NULL;
		size_t need;

		for (unsigned k = 0; k < c.npkts && !p; k++)
			if (c.pkts[k].frame == f)
				p = &c.pkts[k];
		assert_non_null(p);

		/* through MPPTYPE: 52 bits with OPPTYPE, 34 without, or a
		 * 13-bit PTYPE */
		if (payload_src_format(p) != 7)
			need = 4;
		else
			need = ((p->buf[2 + 2] & 3) << 1 |
				p->buf[2 + 3] >> 7) == 1 ? 7 : 5;

		for (size_t n = 0; n <= p->len; n++) {
			uint8_t *m = malloc(n ? n : 1);
			bool intra = !c.frames[f].key;

			assert_non_null(m);
			memcpy(m, p->buf, n);
			if (n < 2 + need) {
				assert_int_equal(EBADMSG,
						 h263_picture_intra(m, n,
								    &intra));
				assert_int_equal(!c.frames[f].key, intra);
			}
			else {
				assert_int_equal(0, h263_picture_intra(m, n,
								       &intra));
				assert_int_equal(c.frames[f].key, intra);
			}
			free(m);
		}
	}

	for (unsigned i = 0; i < 50000; i++) {
		const struct payload *p = &c.pkts[i % c.npkts];
		size_t len = p->len;
		uint8_t *m;
		bool intra;
		int err;

		if (rand() % 2)
			len = (size_t)rand() % 16;
		m = malloc(len ? len : 1);
		assert_non_null(m);
		memcpy(m, p->buf, len < p->len ? len : p->len);
		if (len > p->len)
			len = p->len;

		switch (rand() % 3) {

		case 0:
			for (int k = rand() % 4; k >= 0 && len; k--)
				m[rand() % len] ^= (uint8_t)(1 << rand() % 8);
			break;
		case 1:
			for (size_t b = 0; b < len; b++)
				m[b] = (uint8_t)rand();
			if (len > 2 && rand() % 2)
				m[2] = 0x80 | (m[2] & 3);
			break;
		default:
			break;
		}

		err = h263_picture_intra(m, len, &intra);
		free(m);
		switch (err) {

		case 0:       ++ok;    break;
		case ENOENT:  ++noent; break;
		case EBADMSG: ++bad;   break;
		default:      fail_msg("unexpected %d", err);
		}
	}

	printf("  garbage: %u pictures, %u not starts, %u rejected\n",
	       ok, noent, bad);
	assert_true(ok && noent && bad);

	capture_free(&c);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pattern_reads_back_frame_and_seed),
		cmocka_unit_test(pattern_read_rejects_a_plain_picture),
		cmocka_unit_test(roundtrip_real_encoder_output),
		cmocka_unit_test(cif_keyframe_spans_several_gob_payloads),
		cmocka_unit_test(lost_or_broken_payload_costs_only_its_frame),
		cmocka_unit_test(garbage_never_crashes),
		cmocka_unit_test(packetize_checks_its_arguments),
		cmocka_unit_test(picture_intra_of_real_encoder_output),
		cmocka_unit_test(picture_intra_of_baseline_h263_ptype),
		cmocka_unit_test(picture_intra_reads_ptype),
		cmocka_unit_test(picture_intra_reads_plusptype),
		cmocka_unit_test(picture_intra_payload_header),
		cmocka_unit_test(picture_intra_truncated_and_garbage),
	};

	av_log_set_level(AV_LOG_QUIET);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
