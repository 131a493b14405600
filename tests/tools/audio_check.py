#!/usr/bin/env python3
"""Checks on audio the tests capture (16-bit mono little-endian PCM).

  audio_check.py wav RAW RATE OUT.wav   wrap raw PCM (what ALSA's file
                                        plugin wrote) in a WAV header
  audio_check.py gaps RAW|WAV [RATE]    {"samples","first","last",
                                        "longest_quiet"}: the longest run
                                        of samples within +-QUIET between
                                        the first and the last sound
  audio_check.py power WAV SKIP_S       {"db","seconds"}: mean power
                                        (dB re 1 LSB^2) after SKIP_S
"""
import json
import math
import struct
import sys
import wave

QUIET = 8


def samples(path, rate=8000):
    if path.endswith('.wav'):
        with wave.open(path) as w:
            rate = w.getframerate()
            data = w.readframes(w.getnframes())
    else:
        with open(path, 'rb') as f:
            data = f.read()
    data = data[:len(data) // 2 * 2]
    return list(struct.unpack('<%dh' % (len(data) // 2), data)), rate


def cmd_wav(raw, rate, out):
    s, _ = samples(raw)
    with wave.open(out, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(int(rate))
        w.writeframes(struct.pack('<%dh' % len(s), *s))
    print(json.dumps({"samples": len(s)}))


def cmd_gaps(path, rate=8000):
    s, rate = samples(path, int(rate))
    loud = [i for i, x in enumerate(s) if abs(x) > QUIET]
    longest = run = 0
    if loud:
        for x in s[loud[0]:loud[-1] + 1]:
            run = run + 1 if abs(x) <= QUIET else 0
            longest = max(longest, run)
    print(json.dumps({"samples": len(s), "rate": rate,
                      "first": loud[0] if loud else -1,
                      "last": loud[-1] if loud else -1,
                      "longest_quiet": longest}))


def cmd_power(path, skip):
    s, rate = samples(path)
    s = s[int(float(skip) * rate):]
    p = sum(x * x for x in s) / len(s) if s else 0
    print(json.dumps({"db": round(10 * math.log10(p + 1e-3), 2),
                      "seconds": round(len(s) / rate, 2)}))


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cmd = {"wav": cmd_wav, "gaps": cmd_gaps, "power": cmd_power}.get(
        sys.argv[1])
    if not cmd:
        sys.exit(__doc__)
    cmd(*sys.argv[2:])
