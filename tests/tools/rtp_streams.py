#!/usr/bin/python3
"""What RTP a far end received, told as runs of one SSRC, from a capture.

    rtp_streams.py PCAP --dst IP:PORT [--from EPOCH_S] [--to EPOCH_S] [--json]
    rtp_streams.py --selftest

Integration tests use it to check on the wire that a media move is seamless
for the far end: the correspondent should see one continuous RTP stream,
not two senders taking turns. tshark reads PCAP, decoding UDP to PORT as RTP
(-d udp.port==PORT,rtp, so no heuristic is needed). The packets sent TO
IP:PORT (IPv4, or IPv6 written [ADDR]:PORT) that arrived between --from and
--to (seconds since the epoch, both ends included) are split, in the order
they were captured, into segments: maximal runs of consecutive packets with
one SSRC. For each segment it prints the SSRC, the sources (ip:port), the
number of packets, the first and last arrival times, the seq of the first
and of the last packet, seq_jumps (how often a packet's seq is not the
previous one's + 1 mod 2^16: a loss, a duplicate, or a late packet) and
reordered (packets whose seq is below the highest seen so far in the segment,
compared as RFC 1982 serial numbers). Then the totals: segments, distinct
SSRCs, packets, and interleaved (true when one SSRC comes back after another
one: two senders alternate).

--json prints one object:
    {"segments": [{"ssrc": "0x...", "sources": [...], "packets": N,
                   "first_time": T, "last_time": T, "first_seq": S,
                   "last_seq": S, "seq_jumps": N, "reordered": N,
                   "payload_types": [...], "first_rtp_ts": TS,
                   "last_rtp_ts": TS}, ...],
     "ssrcs": N, "interleaved": BOOL, "packets": N}

Exit status: 0 on success, 1 when no packet matched, 2 on a usage error or
when tshark fails (messages on stderr). --selftest writes a small capture
itself, checks the analysis of it, prints "selftest ok" and exits 0, or
prints what differed and exits 1. Stdlib only.
"""
import argparse
import collections
import ipaddress
import json
import os
import struct
import subprocess
import sys
import tempfile

# One RTP packet as the far end received it.
Packet = collections.namedtuple("Packet", "time src ssrc seq rtp_ts pt")

# The columns asked of tshark, in this order (see read_packets).
FIELDS = ["frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
          "udp.srcport", "rtp.ssrc", "rtp.seq", "rtp.timestamp", "rtp.p_type"]


class ToolError(Exception):
    """A failure that ends the run with exit status 2."""


def parse_endpoint(text):
    """'IP:PORT' or '[IPV6]:PORT' -> (ipaddress object, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ValueError("%r is not IP:PORT" % text)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:
        # "::1:5004" is itself an IPv6 address: make the port unambiguous
        raise ValueError("write an IPv6 address as [ADDR]:PORT, not %r" % text)
    ip = ipaddress.ip_address(host)     # raises ValueError if not an address
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("bad port in %r" % text)
    return ip, int(port)


def format_endpoint(ip, port):
    ip = ipaddress.ip_address(ip)
    return ("[%s]:%d" if ip.version == 6 else "%s:%d") % (ip, port)


def run_tshark(pcap, port):
    """tshark's field lines for the RTP packets sent to PORT in PCAP."""
    # Only what is cheap and unambiguous is filtered here: the address is
    # compared in Python, where "::1" and "0::1" are the same address. ICMP
    # errors quote a UDP header and would look like a packet to PORT;
    # RTCP multiplexed on the RTP port (RFC 5761) decodes as RTP with a
    # payload type 72..76 and would show up as a bogus SSRC.
    dfilter = ("rtp && rtp.version == 2 && udp.dstport == %d && !icmp && "
               "!icmpv6 && !(rtp.p_type >= 72 && rtp.p_type <= 76)" % port)
    cmd = ["tshark", "-n", "-r", pcap, "-d", "udp.port==%d,rtp" % port,
           "-Y", dfilter, "-T", "fields", "-E", "separator=/t",
           # the last occurrence is the innermost header, should a packet
           # be tunnelled
           "-E", "occurrence=l"]
    for field in FIELDS:
        cmd += ["-e", field]
    try:
        res = subprocess.run(cmd, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True)
    except OSError as e:
        raise ToolError("cannot run tshark: %s" % e)
    if res.returncode != 0:
        # tshark run as root warns so on every run: not the reason it failed
        why = [l for l in res.stderr.splitlines()
               if l.strip() and not l.startswith("Running as user")]
        raise ToolError("tshark failed (exit %d) on %s: %s"
                        % (res.returncode, pcap, " ".join(why)))
    return res.stdout.splitlines()


def read_packets(lines, dst_ip, t_from=None, t_to=None):
    """The Packets of tshark's LINES sent to DST_IP within [t_from, t_to]."""
    packets = []
    for line in lines:
        cols = line.split("\t")
        if len(cols) != len(FIELDS):
            continue
        (t, src4, src6, dst4, dst6, sport, ssrc, seq, rtp_ts, pt) = cols
        dst = dst4 or dst6
        if not dst or ipaddress.ip_address(dst) != dst_ip:
            continue
        t = float(t)
        if (t_from is not None and t < t_from) or \
           (t_to is not None and t > t_to):
            continue
        packets.append(Packet(t, format_endpoint(src4 or src6, int(sport)),
                              int(ssrc, 0), int(seq), int(rtp_ts), int(pt)))
    return packets


def seq_lower(a, b):
    """True when 16-bit seq A comes before B (RFC 1982 serial arithmetic)."""
    return a != b and (b - a) % 65536 < 32768


def new_segment(p):
    return {"ssrc": p.ssrc, "sources": [p.src], "packets": 1,
            "first_time": p.time, "last_time": p.time,
            "first_seq": p.seq, "last_seq": p.seq,
            "seq_jumps": 0, "reordered": 0, "payload_types": [p.pt],
            "first_rtp_ts": p.rtp_ts, "last_rtp_ts": p.rtp_ts,
            "_highest": p.seq}


def extend_segment(seg, p):
    if p.seq != (seg["last_seq"] + 1) % 65536:
        seg["seq_jumps"] += 1
    if seq_lower(p.seq, seg["_highest"]):
        seg["reordered"] += 1
    else:
        seg["_highest"] = p.seq
    if p.src not in seg["sources"]:
        seg["sources"].append(p.src)
    if p.pt not in seg["payload_types"]:
        seg["payload_types"].append(p.pt)
    seg["packets"] += 1
    seg["last_time"] = p.time
    seg["last_seq"] = p.seq
    seg["last_rtp_ts"] = p.rtp_ts


def analyse(packets):
    """The report (see the module docstring) of PACKETS, in arrival order."""
    segments = []
    for p in packets:
        if segments and segments[-1]["ssrc"] == p.ssrc:
            extend_segment(segments[-1], p)
        else:
            segments.append(new_segment(p))
    for seg in segments:
        del seg["_highest"]
        seg["ssrc"] = "0x%08x" % seg["ssrc"]
    ssrcs = set(seg["ssrc"] for seg in segments)
    return {"segments": segments, "ssrcs": len(ssrcs),
            # more segments than SSRCs: some SSRC came back after another
            "interleaved": len(segments) > len(ssrcs),
            "packets": len(packets)}


def print_table(report, out=sys.stdout):
    row = "%-3s %-10s %7s %-17s %-17s %-11s %5s %5s  %s"
    print(row % ("#", "ssrc", "packets", "first", "last", "seq",
                 "jumps", "reord", "from"), file=out)
    for i, s in enumerate(report["segments"], 1):
        print(row % (i, s["ssrc"], s["packets"],
                     "%.6f" % s["first_time"], "%.6f" % s["last_time"],
                     "%d-%d" % (s["first_seq"], s["last_seq"]),
                     s["seq_jumps"], s["reordered"],
                     " ".join(s["sources"])), file=out)
    print("segments %d, ssrcs %d, packets %d, interleaved %s"
          % (len(report["segments"]), report["ssrcs"], report["packets"],
             "yes" if report["interleaved"] else "no"), file=out)


def report_for(pcap, dst, t_from=None, t_to=None):
    dst_ip, port = dst
    return analyse(read_packets(run_tshark(pcap, port), dst_ip, t_from, t_to))


# ---- self-test -----------------------------------------------------------

def ipv4_checksum(header):
    total = sum(struct.unpack("!10H", header))
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def frame(src, sport, dst, dport, ssrc, seq):
    """One Ethernet/IPv4/UDP/RTP (PCMU, 20 ms) frame."""
    rtp = struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + b"\xff" * 160
    udp = struct.pack("!HHHH", sport, dport, 8 + len(rtp), 0) + rtp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq, 0x4000,
                     64, 17, 0, ipaddress.ip_address(src).packed,
                     ipaddress.ip_address(dst).packed)
    ip = ip[:10] + struct.pack("!H", ipv4_checksum(ip)) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + \
        struct.pack("!H", 0x0800)
    return eth + ip + udp


def write_pcap(path, frames):
    """Classic libpcap file, linktype 1 (Ethernet); FRAMES: (time_us, bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for t_us, data in frames:
            f.write(struct.pack("<IIII", t_us // 10**6, t_us % 10**6,
                                len(data), len(data)))
            f.write(data)


T0 = 1700000000 * 10**6         # the self-test's first packet, in us
SSRC_A, SSRC_B = 0x0000aaaa, 0x0000bbbb
DST = ("10.0.0.5", 5004)


def selftest_frames():
    """A sends 100..109, B 5..9, A again 110, 111 and 110 once more (late);
    packets to another address and to another port are mixed into A's first
    run: they must be left out, or they would split it."""
    sends = [("10.0.0.1", 40000, SSRC_A, s) for s in range(100, 110)]
    sends[3:3] = [("10.0.0.1", 40000, 0xdead, 1, ("10.0.0.9", 5004)),
                  ("10.0.0.1", 40000, 0xdead, 2, ("10.0.0.5", 5006))]
    sends += [("10.0.0.2", 40002, SSRC_B, s) for s in range(5, 10)]
    sends += [("10.0.0.1", 40000, SSRC_A, s) for s in (110, 111, 110)]
    frames = []
    for i, (src, sport, ssrc, seq, *to) in enumerate(sends):
        dst, dport = to[0] if to else DST
        frames.append((T0 + i * 20000,
                       frame(src, sport, dst, dport, ssrc, seq)))
    return frames


def seg_summary(seg):
    return (seg["ssrc"], seg["packets"], seg["first_seq"], seg["last_seq"],
            seg["seq_jumps"], seg["reordered"])


def expect(errors, what, got, want):
    if got != want:
        errors.append("%s: got %r, want %r" % (what, got, want))


def check_seq_arithmetic(errors):
    """Wrap-around, without tshark: 65534..1 is continuous; 0 then 65535
    is a late packet."""
    def pkts(seqs):
        return [Packet(0.0, "x:1", 1, s, 0, 0) for s in seqs]
    seg = analyse(pkts([65534, 65535, 0, 1]))["segments"][0]
    expect(errors, "seq wrap: jumps, reordered",
           (seg["seq_jumps"], seg["reordered"]), (0, 0))
    seg = analyse(pkts([65535, 0, 65535]))["segments"][0]
    expect(errors, "late packet across the wrap: jumps, reordered",
           (seg["seq_jumps"], seg["reordered"]), (1, 1))


def selftest():
    errors = []
    check_seq_arithmetic(errors)
    dst = parse_endpoint("%s:%d" % DST)
    with tempfile.TemporaryDirectory() as tmp:
        pcap = os.path.join(tmp, "selftest.pcap")
        write_pcap(pcap, selftest_frames())
        r = report_for(pcap, dst)
        expect(errors, "segments",
               [seg_summary(s) for s in r["segments"]],
               [("0x0000aaaa", 10, 100, 109, 0, 0),
                ("0x0000bbbb", 5, 5, 9, 0, 0),
                ("0x0000aaaa", 3, 110, 110, 1, 1)])
        expect(errors, "ssrcs", r["ssrcs"], 2)
        expect(errors, "interleaved", r["interleaved"], True)
        expect(errors, "packets", r["packets"], 18)
        expect(errors, "sources",
               [seg["sources"] for seg in r["segments"]],
               [["10.0.0.1:40000"], ["10.0.0.2:40002"], ["10.0.0.1:40000"]])
        # B's packets are the 13th to 17th sent, 20 ms apart; the window
        # includes both its ends
        b_first = (T0 + 12 * 20000) / 1e6
        b_last = (T0 + 16 * 20000) / 1e6
        r = report_for(pcap, dst, b_first, b_last)
        expect(errors, "window on B: segments",
               [seg_summary(s) for s in r["segments"]],
               [("0x0000bbbb", 5, 5, 9, 0, 0)])
        expect(errors, "window on B: interleaved", r["interleaved"], False)
    if errors:
        for e in errors:
            print("selftest: " + e)
        return 1
    print("selftest ok")
    return 0


# ---- command line --------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Segments of one SSRC in the RTP sent to IP:PORT.")
    ap.add_argument("pcap", nargs="?", metavar="PCAP")
    ap.add_argument("--dst", metavar="IP:PORT")
    ap.add_argument("--from", dest="t_from", type=float, metavar="EPOCH_S")
    ap.add_argument("--to", dest="t_to", type=float, metavar="EPOCH_S")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--selftest", action="store_true")
    args = ap.parse_args(argv)
    if args.selftest:
        return args
    if not args.pcap or not args.dst:
        ap.error("PCAP and --dst IP:PORT are required")     # exits 2
    try:
        args.dst = parse_endpoint(args.dst)
    except ValueError as e:
        ap.error("--dst: %s" % e)
    return args


def main(argv):
    args = parse_args(argv)
    try:
        if args.selftest:
            return selftest()
        report = report_for(args.pcap, args.dst, args.t_from, args.t_to)
    except ToolError as e:
        print("rtp_streams: %s" % e, file=sys.stderr)
        return 2
    if report["packets"] == 0:
        print("rtp_streams: no RTP packet to %s in %s"
              % (format_endpoint(*args.dst), args.pcap), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
