#!/usr/bin/python3
"""What a far end received, as sound: the G.711 RTP sent to one address in a
capture, decoded into a WAV file.

    rtp_wav.py PCAP --dst IP:PORT --out FILE.wav [--from EPOCH_S]

tshark reads PCAP (UDP to PORT decoded as RTP); the payloads of the packets
sent TO IP:PORT since --from are decoded by their payload type, 0 (PCMU) or
8 (PCMA), and written one after the other as 16-bit mono 8 kHz PCM. Other
payload types (telephone-event, comfort noise) are skipped. Tests run
wav_tone on the result to check that a phone we cannot record (baresip)
received a tone that still correlates with the one sent. Exit status 0, or
1 when no packet matched, 2 on a usage error or when tshark fails.
Stdlib only.
"""
import argparse
import subprocess
import sys
import wave


def ulaw(b):
    b = ~b & 0xFF
    t = ((b & 0x0F) << 3) + 0x84
    t <<= (b & 0x70) >> 4
    return (0x84 - t) if (b & 0x80) else (t - 0x84)


def alaw(b):
    b ^= 0x55
    t = (b & 0x0F) << 4
    seg = (b & 0x70) >> 4
    if seg == 0:
        t += 8
    elif seg == 1:
        t += 0x108
    else:
        t = (t + 0x108) << (seg - 1)
    return t if (b & 0x80) else -t


TABLES = {0: [ulaw(i) for i in range(256)], 8: [alaw(i) for i in range(256)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("--dst", required=True, metavar="IP:PORT")
    ap.add_argument("--out", required=True)
    ap.add_argument("--from", dest="t_from", type=float, default=0.0)
    a = ap.parse_args()
    ip, _, port = a.dst.rpartition(":")
    if not ip or not port.isdigit():
        print("rtp_wav: --dst wants IP:PORT", file=sys.stderr)
        return 2
    flt = "rtp && udp.dstport == %s && ip.dst == %s && frame.time_epoch >= %f" % (
        port, ip, a.t_from)
    try:
        out = subprocess.run(
            ["tshark", "-r", a.pcap, "-d", "udp.port==%s,rtp" % port,
             "-Y", flt, "-T", "fields", "-e", "rtp.p_type",
             "-e", "rtp.payload"],
            check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print("rtp_wav: tshark: %s" % e, file=sys.stderr)
        return 2
    pcm = bytearray()
    n = 0
    for line in out.splitlines():
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].isdigit():
            continue
        table = TABLES.get(int(fields[0]))
        if table is None:
            continue
        payload = bytes.fromhex(fields[1].replace(":", ""))
        for b in payload:
            pcm += int(table[b]).to_bytes(2, "little", signed=True)
        n += 1
    if not n:
        print("rtp_wav: no G.711 packet to %s" % a.dst, file=sys.stderr)
        return 1
    with wave.open(a.out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(pcm))
    print('{"packets": %d, "seconds": %.2f}' % (n, len(pcm) / 16000.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
