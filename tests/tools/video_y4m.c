/*
 * video_y4m: writes sipmob's moving test pattern as a YUV4MPEG2 video
 * file, for a camera to read (sipmob-device --camera file:PATH):
 *   video_y4m OUT.y4m W H FRAMES SEED
 * Every frame carries its frame number and the seed as the pattern's
 * marks, so whoever decodes the camera's pictures can tell they are the
 * file's (media_vstream_stats: pattern_ok, pattern_seed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <re.h>
#include <sipmob/media_video.h>

int main(int argc, char *argv[])
{
	struct video_pattern *vp = NULL;
	unsigned w, h, n, seed;
	FILE *f;
	int err;

	if (argc != 6) {
		fprintf(stderr, "usage: video_y4m OUT.y4m W H FRAMES SEED\n");
		return 2;
	}
	w = (unsigned)atoi(argv[2]);
	h = (unsigned)atoi(argv[3]);
	n = (unsigned)atoi(argv[4]);
	seed = (unsigned)atoi(argv[5]);
	if (!video_size_valid(w, h) || !n || seed > 255) {
		fprintf(stderr, "video_y4m: bad size, count or seed\n");
		return 2;
	}

	err = video_pattern_alloc(&vp, w, h, (uint8_t)seed);
	f = err ? NULL : fopen(argv[1], "wb");
	if (!f) {
		fprintf(stderr, "video_y4m: cannot write %s\n", argv[1]);
		mem_deref(vp);
		return 1;
	}

	fprintf(f, "YUV4MPEG2 W%u H%u F15:1 Ip A1:1 C420jpeg\n", w, h);
	for (unsigned i = 0; i < n; i++) {
		const struct vidpic *p = video_pattern_draw(vp, (uint16_t)i);

		fprintf(f, "FRAME\n");
		for (unsigned pl = 0; pl < 3; pl++) {
			unsigned pw = pl ? w / 2 : w, ph = pl ? h / 2 : h;

			for (unsigned r = 0; r < ph; r++)
				fwrite(p->data[pl] + (size_t)r *
				       p->linesize[pl], 1, pw, f);
		}
	}

	err = ferror(f);
	fclose(f);
	mem_deref(vp);

	return err ? 1 : 0;
}
