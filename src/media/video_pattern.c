/**
 * @file video_pattern.c  The moving test pattern a camera sends.
 *
 * A YUV 4:2:0 picture of eight colour bars (75 % bars, their order rotated
 * by the seed), a box in the seed's colour bouncing over them, a scrolling
 * ramp with a little noise across the bottom quarter, and, across
 * the top 32 lines, two rows of black and white blocks: the 16-bit frame
 * number (16 blocks, most significant first) and the 8-bit seed (8 blocks).
 * The rows are two macroblock rows tall, so they survive a lossy encoder
 * and video_pattern_read() can tell from a decoded picture which frame of
 * which camera it is looking at. Cost: one pass over the picture per frame
 * (about 40 kB at QCIF); no allocation after video_pattern_alloc().
 */

#include <errno.h>
#include <string.h>
#include <re.h>
#include <sipmob/media_video.h>

enum {
	MARK_ROWS = 32,     /* lines taken by the two rows of blocks     */
	MARK_ONE  = 235,
	MARK_ZERO = 16,
	READ_ONE  = 170,    /* a block reads as 1 above, 0 below ZERO    */
	READ_ZERO = 80,
};

struct video_pattern {
	struct vidpic pic;
	uint8_t *buf;
	uint8_t seed;
};

/* 75 % colour bars, BT.601 limited range: Y, Cb, Cr */
static const uint8_t bars[8][3] = {
	{180, 128, 128}, {162,  44, 142}, {131, 156,  44}, {112,  72,  58},
	{ 84, 184, 198}, { 65, 100, 212}, { 35, 212, 114}, { 16, 128, 128},
};


static void pattern_destructor(void *arg)
{
	struct video_pattern *vp = arg;

	mem_deref(vp->buf);
}


/** Whether w x h can be sent: multiples of 4 (H.263+ custom picture
 *  format), at most 2048 x 1152, and room for the pattern's marks */
bool video_size_valid(unsigned w, unsigned h)
{
	return w >= 64 && h >= 48 && w <= VIDEO_MAX_W && h <= VIDEO_MAX_H &&
		!(w & 3) && !(h & 3);
}


/** A pattern of w x h pixels; the seed picks bar order and box colour */
int video_pattern_alloc(struct video_pattern **vpp, unsigned w, unsigned h,
			uint8_t seed)
{
	struct video_pattern *vp;
	size_t ysz, csz;
	int err = 0;

	if (!vpp || !video_size_valid(w, h))
		return EINVAL;

	vp = mem_zalloc(sizeof(*vp), pattern_destructor);
	if (!vp)
		return ENOMEM;

	ysz = (size_t)w * h;
	csz = ysz / 4;
	vp->buf = mem_alloc(ysz + 2 * csz, NULL);
	if (!vp->buf) {
		err = ENOMEM;
		goto out;
	}

	vp->seed = seed;
	vp->pic.w = w;
	vp->pic.h = h;
	vp->pic.data[0] = vp->buf;
	vp->pic.data[1] = vp->buf + ysz;
	vp->pic.data[2] = vp->buf + ysz + csz;
	vp->pic.linesize[0] = w;
	vp->pic.linesize[1] = w / 2;
	vp->pic.linesize[2] = w / 2;

 out:
	if (err)
		mem_deref(vp);
	else
		*vpp = vp;

	return err;
}


/* Fill a rectangle (luma coordinates, even) with one colour */
static void fill(struct vidpic *p, unsigned x0, unsigned y0, unsigned x1,
		 unsigned y1, uint8_t y, uint8_t u, uint8_t v)
{
	for (unsigned r = y0; r < y1; r++)
		memset(p->data[0] + (size_t)r * p->linesize[0] + x0, y,
		       x1 - x0);

	for (unsigned r = y0 / 2; r < y1 / 2; r++) {
		memset(p->data[1] + (size_t)r * p->linesize[1] + x0 / 2, u,
		       x1 / 2 - x0 / 2);
		memset(p->data[2] + (size_t)r * p->linesize[2] + x0 / 2, v,
		       x1 / 2 - x0 / 2);
	}
}


/* A row of n blocks at line y0 (16 lines), bit n-1 first */
static void draw_bits(struct vidpic *p, unsigned y0, unsigned n,
		      uint32_t bits)
{
	unsigned bw = p->w / n;

	for (unsigned i = 0; i < n; i++) {
		bool one = (bits >> (n - 1 - i)) & 1;
		unsigned x1 = (i == n - 1) ? p->w : (i + 1) * bw;

		fill(p, (i * bw) & ~1u, y0, x1 & ~1u, y0 + 16,
		     one ? MARK_ONE : MARK_ZERO, 128, 128);
	}
}


/* Position along [0, range], bouncing at the ends */
static unsigned bounce(uint32_t t, unsigned range)
{
	uint32_t p;

	if (!range)
		return 0;

	p = t % (2 * range);

	return p > range ? 2 * range - p : p;
}


/* The bottom quarter: a diagonal ramp scrolling to the right with a
 * little noise on it, as a camera's picture has, so that P pictures carry
 * motion and residual and the encoder works as it would on real video */
static void texture(struct vidpic *p, uint16_t frame)
{
	uint32_t rnd = 0x9e3779b9u * (frame + 1u);

	for (unsigned r = p->h - p->h / 4; r < p->h; r++) {
		uint8_t *row = p->data[0] + (size_t)r * p->linesize[0];

		for (unsigned c = 0; c < p->w; c++) {
			unsigned v = (c + r + 4u * frame) & 127;

			rnd = rnd * 1664525u + 1013904223u;
			row[c] = (uint8_t)(48 + v + (rnd >> 29));
		}
	}
}


/** Draw frame number `frame`; the picture stays valid until the next draw
 *  or until vp is freed */
const struct vidpic *video_pattern_draw(struct video_pattern *vp,
					uint16_t frame)
{
	struct vidpic *p;
	unsigned bw, s, x, y;

	if (!vp)
		return NULL;

	p = &vp->pic;
	bw = (p->w / 8) & ~1u;

	for (unsigned i = 0; i < 8; i++) {
		const uint8_t *c = bars[(i + vp->seed) & 7];
		unsigned x1 = (i == 7) ? p->w : (i + 1) * bw;

		fill(p, i * bw, MARK_ROWS, x1, p->h, c[0], c[1], c[2]);
	}

	s = (p->h / 4) & ~1u;
	x = bounce((uint32_t)frame * 4, p->w - s) & ~1u;
	y = (MARK_ROWS + bounce((uint32_t)frame * 2,
				p->h - MARK_ROWS - s)) & ~1u;
	fill(p, x, y, x + s, y + s, 200,
	     (uint8_t)(64 + (vp->seed * 37) % 128),
	     (uint8_t)(64 + (vp->seed * 91) % 128));

	texture(p, frame);

	draw_bits(p, 0, 16, frame);
	draw_bits(p, 16, 8, vp->seed);

	return p;
}


/* Read n blocks of the row at line y0; ENOENT if a block is unclear */
static int read_bits(const struct vidpic *p, unsigned y0, unsigned n,
		     uint32_t *bits)
{
	unsigned bw = p->w / n;
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned xa = i * bw + bw / 4, xb = i * bw + 3 * bw / 4;
		unsigned sum = 0, cnt = 0, avg;

		for (unsigned r = y0 + 4; r < y0 + 12; r++) {
			const uint8_t *row = p->data[0] +
				(size_t)r * p->linesize[0];

			for (unsigned c = xa; c < xb; c++) {
				sum += row[c];
				++cnt;
			}
		}

		if (!cnt)
			return ENOENT;

		avg = sum / cnt;
		if (avg >= READ_ONE)
			v = v << 1 | 1;
		else if (avg <= READ_ZERO)
			v = v << 1;
		else
			return ENOENT;
	}

	*bits = v;

	return 0;
}


/** Read the frame number and seed drawn into a (decoded) picture;
 *  ENOENT if it does not carry our marks */
int video_pattern_read(const struct vidpic *pic, uint16_t *frame,
		       uint8_t *seed)
{
	uint32_t f, s;
	int err;

	if (!pic || !pic->data[0] || pic->w < 64 || pic->h < MARK_ROWS ||
	    pic->linesize[0] < pic->w)
		return EINVAL;

	err = read_bits(pic, 0, 16, &f);
	if (err)
		return err;

	err = read_bits(pic, 16, 8, &s);
	if (err)
		return err;

	if (frame)
		*frame = (uint16_t)f;
	if (seed)
		*seed = (uint8_t)s;

	return 0;
}
