/**
 * @file test_media_video.c  The video pieces without sockets: the test
 * pattern reads back its frame number and seed, the real H.263+ encoder's
 * output survives the RFC 4629 packetizer and depacketizer byte for byte
 * and decodes at its size, a lost or broken payload costs only its own
 * picture, and garbage never crashes. What a frame costs in CPU is a figure
 * of bench/units.sh, not a test.
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
	};

	av_log_set_level(AV_LOG_QUIET);

	return cmocka_run_group_tests(tests, NULL, NULL);
}
