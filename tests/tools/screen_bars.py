#!/usr/bin/env python3
"""screen_bars: whether an X display shows sipmob's test pattern across the
whole screen (a --screen sdl:fullscreen window), judged by its colour bars.

  screen_bars.py DISPLAY SEED PIC_W PIC_H [PNG]

Takes a screenshot of the root window of DISPLAY (":N"), works out where
each of the pattern's eight bars lands once the PIC_W x PIC_H picture is
stretched over the screen (src/media/video_pattern.c: bars of (w/8)&~1
pixels from line 32 to the bottom quarter, their order rotated by SEED),
and counts, down the middle of each bar, the pixels whose colour is the
bar's (BT.601 limited range to RGB, each channel within 40). Prints one
JSON line {"size":[W,H],"bars":[fraction, ...]} and exits 0 when every bar
has its colour on at least 60% of its samples (the moving box covers less),
1 otherwise. PNG: where to keep the screenshot.
"""
import json
import sys

from PIL import ImageGrab

BARS = [(180, 128, 128), (162, 44, 142), (131, 156, 44), (112, 72, 58),
        (84, 184, 198), (65, 100, 212), (35, 212, 114), (16, 128, 128)]


def rgb(y, u, v):
    c = 1.164 * (y - 16)
    r = c + 1.596 * (v - 128)
    g = c - 0.392 * (u - 128) - 0.813 * (v - 128)
    b = c + 2.017 * (u - 128)
    return tuple(max(0, min(255, round(x))) for x in (r, g, b))


def main():
    disp, seed, pw, ph = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4])
    img = ImageGrab.grab(xdisplay=disp).convert("RGB")
    if len(sys.argv) > 5:
        img.save(sys.argv[5])
    sw, sh = img.size
    sx, sy = sw / pw, sh / ph
    bw = (pw // 8) & ~1
    y0, y1 = int((32 + 4) * sy), int((ph - ph // 4 - 4) * sy)
    fracs = []
    for i in range(8):
        want = rgb(*BARS[(i + seed) & 7])
        xc = int((i * bw + bw / 2) * sx)
        n = ok = 0
        for x in range(xc - 4, xc + 5, 2):
            for y in range(y0, y1, 3):
                px = img.getpixel((x, y))
                n += 1
                ok += all(abs(px[k] - want[k]) <= 40 for k in range(3))
        fracs.append(round(ok / n, 2))
    print(json.dumps({"size": [sw, sh], "bars": fracs}))
    return 0 if min(fracs) >= 0.6 else 1


if __name__ == "__main__":
    sys.exit(main())
