#!/usr/bin/env python3
"""Send malformed SIP over UDP to one loopback address, and count the answers.

    sip_garbage.py HOST PORT COUNT [--seed N] [--wait SECS] [--user USER]

Sends COUNT datagrams (at most 100000) to HOST:PORT, cycling through the
cases below (the random parts are seeded: --seed, default 1), ~1 ms apart,
to request URIs sip:USER@HOST:PORT (--user, default "sipmob").
Vias name the sender's real address, so a target that answers with 400 (or
anything else) is heard; answers are collected during the run and for --wait
seconds (default 0.5) after it. Prints one line:

    sent N, replies M: 400 xA, 488 xB, ...

HOST must be a loopback address (127.0.0.0/8 or ::1): this tool never sends
to another machine. Exit status 0 when all datagrams were sent. Stdlib only.
"""
import ipaddress
import random
import socket
import sys
import time

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


def hdrs(c, method="INVITE", cseq=None, via=None, callid=True, extra="",
         body="", clen=None, ruri=None):
    ruri = ruri or "sip:%s@%s:%d" % (c.user, c.host, c.port)
    lines = ["%s %s SIP/2.0" % (method, ruri)]
    lines.append(via if via is not None else
                 "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-g%d;rport"
                 % (c.lhost, c.lport, c.n))
    lines.append("Max-Forwards: 70")
    lines.append("From: <sip:garbage@%s:%d>;tag=g%d" % (c.lhost, c.lport, c.n))
    lines.append("To: <%s>" % ruri)
    if callid:
        lines.append("Call-ID: garbage-%d@%s" % (c.n, c.lhost))
    lines.append(cseq if cseq is not None else "CSeq: %d %s" % (c.n + 1, method))
    lines.append("Contact: <sip:garbage@%s:%d>" % (c.lhost, c.lport))
    if extra:
        lines.append(extra)
    if body:
        lines.append("Content-Type: application/sdp")
    lines.append("Content-Length: %s" % (len(body.encode()) if clen is None else clen))
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


SDP_OK = ("v=0\r\no=g 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
          "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


@case
def truncated_headers(c):
    m = hdrs(c)
    return m[:c.rnd.randint(20, len(m) - 30)]


@case
def truncated_mid_line(c):
    return hdrs(c).split(b"\r\nCall-ID")[0] + b"\r\nCall-I"


@case
def bad_cseq_text(c):
    return hdrs(c, cseq="CSeq: abc INVITE")


@case
def bad_cseq_huge(c):
    return hdrs(c, cseq="CSeq: 99999999999999999999999 INVITE")


@case
def bad_cseq_method(c):
    return hdrs(c, cseq="CSeq: 1 BYE")


@case
def bad_cseq_missing_method(c):
    return hdrs(c, cseq="CSeq: 7")


@case
def bad_via_transport(c):
    return hdrs(c, via="Via: SIP/2.0/XYZ %s:%d;branch=z9hG4bK-x" % (c.lhost, c.lport))


@case
def bad_via_junk(c):
    return hdrs(c, via="Via: garbage garbage ;;;==")


@case
def bad_via_port(c):
    return hdrs(c, via="Via: SIP/2.0/UDP %s:99999999;branch=z9hG4bK-p" % c.lhost)


@case
def no_via(c):
    return hdrs(c, via="X-No-Via: 1")


@case
def missing_callid(c):
    return hdrs(c, callid=False)


@case
def huge_content_length(c):
    return hdrs(c, body=SDP_OK, clen="4294967296999")


@case
def negative_content_length(c):
    return hdrs(c, body=SDP_OK, clen="-1")


@case
def short_content_length(c):
    return hdrs(c, body=SDP_OK, clen="100000")


@case
def binary_junk(c):
    return bytes(c.rnd.getrandbits(8) for _ in range(c.rnd.randint(1, 1400)))


@case
def binary_after_request_line(c):
    return (b"INVITE sip:x@%s SIP/2.0\r\n" % c.host.encode()
            + bytes(c.rnd.getrandbits(8) for _ in range(300)))


@case
def long_header_line(c):
    return hdrs(c, extra="Subject: " + "A" * 8000)


@case
def long_request_uri(c):
    return hdrs(c, ruri="sip:" + "u" * 6000 + "@%s:%d" % (c.host, c.port))


@case
def many_headers(c):
    return hdrs(c, extra="\r\n".join("X-H%d: %d" % (i, i) for i in range(400)))


@case
def nul_bytes(c):
    return hdrs(c).replace(b"Max-Forwards: 70", b"Max-Forwards: 7\x000")


@case
def broken_sdp(c):
    sdp = ("v=0\r\no=\r\ns=-\r\nc=IN IP4\r\nt=0\r\n"
           "m=audio notaport RTP/AVP\r\na=rtpmap:x\r\nm=\r\n")
    return hdrs(c, body=sdp)


@case
def sdp_bad_ports(c):
    sdp = SDP_OK.replace("m=audio 4000 RTP/AVP 0",
                         "m=audio 99999/-3 RTP/AVP 0 1 2 3 999 -1")
    return hdrs(c, body=sdp)


@case
def sdp_binary(c):
    body = "v=0\r\n" + "".join(chr(c.rnd.randint(1, 255)) for _ in range(200))
    return hdrs(c, body=body)


@case
def bad_request_line(c):
    return b"INVITE\r\nVia: SIP/2.0/UDP 127.0.0.1\r\n\r\n"


@case
def bad_version(c):
    return hdrs(c).replace(b"SIP/2.0\r\n", b"SIP/3.7\r\n", 1)


@case
def bad_status_line(c):
    return (b"SIP/2.0 9999999 Weird\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\n"
            b"Call-ID: r\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")


@case
def unknown_method_bare(c):
    return b"FOOBAR sip:x SIP/2.0\r\n\r\n"


@case
def bye_no_dialog(c):
    m = hdrs(c, method="BYE")
    return m.replace(b"To: <sip", b"To: ;tag=;;<sip", 1)


@case
def header_without_colon(c):
    return hdrs(c, extra="ThisIsNotAHeader")


@case
def folded_garbage(c):
    return hdrs(c, extra="Subject: a\r\n \r\n \r\n\tb")


@case
def empty(c):
    return b"\r\n\r\n\r\n"


@case
def max_forwards_zero(c):
    return hdrs(c).replace(b"Max-Forwards: 70", b"Max-Forwards: 0")


class Ctx:
    pass


def main(argv):
    args = [a for a in argv[1:]]
    seed, wait, user = 1, 0.5, "sipmob"
    for opt in ("--seed", "--wait", "--user"):
        if opt in args:
            i = args.index(opt)
            val = args[i + 1]
            del args[i:i + 2]
            if opt == "--seed":
                seed = int(val)
            elif opt == "--user":
                user = val
            else:
                wait = float(val)
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 2
    host, port, count = args[0], int(args[1]), int(args[2])
    ip = ipaddress.ip_address(host)
    if not ip.is_loopback:
        sys.stderr.write("sip_garbage: %s is not a loopback address\n" % host)
        return 2
    if not 0 < count <= 100000 or not 0 < port < 65536:
        sys.stderr.write("sip_garbage: bad COUNT or PORT\n")
        return 2
    fam = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    c = Ctx()
    c.host, c.port, c.user = host, port, user
    c.lhost, c.lport = sock.getsockname()[:2]
    c.rnd = random.Random(seed)
    replies = {}
    sent = 0

    def drain():
        while True:
            try:
                data, _ = sock.recvfrom(65536)
            except (BlockingIOError, ConnectionRefusedError):
                return
            line = data.split(b"\r\n", 1)[0].decode("latin-1")
            parts = line.split(" ")
            key = parts[1] if line.startswith("SIP/2.0 ") and len(parts) > 1 else "other"
            replies[key] = replies.get(key, 0) + 1

    for n in range(count):
        c.n = n
        msg = CASES[n % len(CASES)](c)
        try:
            sock.sendto(msg[:65000], (host, port))
            sent += 1
        except OSError as e:
            sys.stderr.write("sip_garbage: send %s: %s\n"
                             % (CASES[n % len(CASES)].__name__, e))
        drain()
        time.sleep(0.001)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        drain()
        time.sleep(0.01)
    total = sum(replies.values())
    detail = ", ".join("%s x%d" % (k, v) for k, v in sorted(replies.items()))
    print("sent %d, replies %d%s" % (sent, total, ": " + detail if detail else ""))
    return 0 if sent == count else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
