#!/usr/bin/python3
"""Garbage and real RTP at a relay's ports, on loopback only.

    rtp_probe.py flood HOST:PORT [HOST:PORT...] [--packets N] [--seed S]
    rtp_probe.py relay --to HOST:PORT --listen PORT [--pt PT] [--packets N]

flood sends N datagrams (default 20000, at most 200000, within 10 s) spread
over the ports: empty ones, random bytes of random length up to 1500,
RTP version 2 headers with random payload types, CSRC counts, extension
and padding bits that lie about the length, and well-formed packets with
sequence numbers jumping around. Prints {"sent": N, "seconds": S}.

relay binds 127.0.0.1:PORT (where the relay's other leg sends), sends N
(default 50) well-formed 20 ms packets of payload type PT (default 0,
PCMU silence) to HOST:PORT every 20 ms, and counts the RTP that comes back
to PORT within 1 s after the last. Prints {"sent": N, "received": M}.
Exit status 0, or 2 on a usage error or a non-loopback address. Stdlib only.
"""
import ipaddress
import json
import random
import socket
import struct
import sys
import time


def addr(s):
    host, _, port = s.rpartition(":")
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError("%s is not a loopback address" % host)
    return host, int(port)


def rtp(pt, seq, ts, ssrc, payload, first=0x80):
    return struct.pack("!BBHII", first, pt & 0x7F, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + payload


def garbage(rnd, i):
    kind = i % 5
    if kind == 0:
        return b"" if rnd.random() < 0.2 else rnd.randbytes(rnd.randrange(1, 12))
    if kind == 1:
        return rnd.randbytes(rnd.randrange(1, 1500))
    if kind == 2:   # v2 header, flags that lie about the length
        first = 0x80 | rnd.choice([0x20, 0x10, 0x0F, 0x3F])
        return rtp(rnd.randrange(128), i, i * 160, 7, rnd.randbytes(rnd.randrange(0, 40)), first)
    if kind == 3:   # well-formed, a payload type it may not take
        return rtp(rnd.randrange(128), i, i * 160, 8, rnd.randbytes(160))
    # well-formed PCMU, sequence jumping around
    return rtp(0, rnd.randrange(65536), rnd.randrange(1 << 32), 9, rnd.randbytes(rnd.choice([0, 1, 80, 160, 1000])))


def flood(targets, n, seed):
    rnd = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    t0 = time.monotonic()
    sent = 0
    for i in range(n):
        if time.monotonic() - t0 > 10:
            break
        try:
            s.sendto(garbage(rnd, i), targets[i % len(targets)])
            sent += 1
        except OSError:
            time.sleep(0.001)
        if i % 500 == 499:
            time.sleep(0.01)   # bounded rate: ~50k packets a second
    print(json.dumps({"sent": sent, "seconds": round(time.monotonic() - t0, 2)}))


def relay(to, listen, pt, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", listen))
    s.settimeout(0.005)
    payload = bytes([0xFF]) * 160
    received = 0
    end = None
    i = 0
    next_t = time.monotonic()
    while True:
        now = time.monotonic()
        if i < n and now >= next_t:
            s.sendto(rtp(pt, 1000 + i, 160 * i, 0x5150, payload), to)
            i += 1
            next_t += 0.02
            if i == n:
                end = now + 1.0
        if end and now > end:
            break
        try:
            data = s.recv(2048)
            if len(data) >= 12 and data[0] >> 6 == 2:
                received += 1
        except socket.timeout:
            pass
    print(json.dumps({"sent": n, "received": received}))


def main():
    a = sys.argv[1:]
    try:
        if a and a[0] == "flood":
            targets = [addr(x) for x in a[1:] if not x.startswith("--") and ":" in x]
            n = int(a[a.index("--packets") + 1]) if "--packets" in a else 20000
            seed = int(a[a.index("--seed") + 1]) if "--seed" in a else 1
            if not targets or not 0 < n <= 200000:
                raise ValueError("flood wants HOST:PORT... and 1..200000 packets")
            flood(targets, n, seed)
            return 0
        if a and a[0] == "relay":
            to = addr(a[a.index("--to") + 1])
            listen = int(a[a.index("--listen") + 1])
            pt = int(a[a.index("--pt") + 1]) if "--pt" in a else 0
            n = int(a[a.index("--packets") + 1]) if "--packets" in a else 50
            relay(to, listen, pt, n)
            return 0
    except (ValueError, IndexError) as e:
        print("rtp_probe: %s" % e, file=sys.stderr)
        return 2
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
