#!/usr/bin/env python3
"""Send a REFER (or an INVITE with Replaces) carrying a Referred-By token
signed by the openssl CLI, and print how it was answered.

    sip_refer_aib.py --to URI --from URI --refer-to VALUE [options]

The token (RFC 3892 §4, RFC 3893) is a multipart/signed: a message/sipfrag
of From, To, Call-ID, Date, Refer-To and Referred-By (with a cid naming the
token), and a detached CMS signature made by `openssl cms -sign -binary`
with --cert and --key: an implementation independent of sipmob's own.
Options that make a bad one:

  --no-token           the request carries none
  --date-offset S      the Date is now + S seconds (negative: the past)
  --signed-refer-to V  sign this Refer-To, send the request's own
  --repeat N           send the same request N times (new branch and CSeq,
                       same Call-ID, From tag and token: a replay)

--method INVITE sends an INVITE to --to with the Replaces that --refer-to
embeds, the Referred-By, and a multipart/mixed body of a small SDP offer
and the token (as a referee would, RFC 3892 §5). Without --invite it is a
REFER whose body is the token.

Prints one line per request: "CODE REASON | WARNING"; a final answer to
an INVITE is ACKed as a refused one is (RFC 3261 §17.1.1.3), for the tool
expects refusals. --to must be on a loopback address. Stdlib only, and the
openssl program.
"""
import argparse
import base64
import email.utils
import ipaddress
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse


def host_port(uri):
    m = re.match(r"<?sips?:(?:[^@>]*@)?(\[[^\]]+\]|[^:;>?]+)(?::(\d+))?", uri)
    if not m:
        sys.exit("bad URI: " + uri)
    host = m.group(1).strip("[]")
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("refusing to send to a non-loopback address: " + host)
    return host, int(m.group(2) or 5060)


def sign(part, cert, key):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "part")
        with open(src, "wb") as f:
            f.write(part)
        der = subprocess.run(["openssl", "cms", "-sign", "-binary", "-in",
                              src, "-signer", cert, "-inkey", key,
                              "-outform", "DER"], check=True,
                             capture_output=True).stdout
    b64 = base64.encodebytes(der).replace(b"\n", b"\r\n")
    return b64


def token(a, call_id, frm, cid, referred_by):
    date = email.utils.formatdate(time.time() + a.date_offset, usegmt=True)
    part = ("Content-Type: message/sipfrag\r\n"
            "Content-Disposition: aib; handling=optional\r\n\r\n"
            f"From: {frm}\r\nTo: <{a.to}>\r\nCall-ID: {call_id}\r\n"
            f"Date: {date}\r\n"
            f"Refer-To: {a.signed_refer_to or a.refer_to}\r\n"
            f"Referred-By: {referred_by}\r\n").encode()
    sig = sign(part, a.cert, a.key)
    b = "tok%08x" % random.getrandbits(32)
    body = (f"--{b}\r\n".encode() + part + f"\r\n--{b}\r\n".encode() +
            b"Content-Type: application/pkcs7-signature; name=smime.p7s\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + sig +
            f"\r\n--{b}--\r\n".encode())
    ctype = (f'multipart/signed;protocol="application/pkcs7-signature";'
             f'micalg=sha-256;boundary={b}')
    return ctype, body


def replaces_of(refer_to):
    m = re.search(r"[?&]Replaces=([^&>]*)", refer_to)
    return urllib.parse.unquote(m.group(1)) if m else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--to", required=True)
    p.add_argument("--from", dest="frm", required=True)
    p.add_argument("--refer-to", required=True)
    p.add_argument("--referred-by")
    p.add_argument("--method", default="REFER", choices=["REFER", "INVITE"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--no-token", action="store_true")
    p.add_argument("--date-offset", type=int, default=0)
    p.add_argument("--signed-refer-to")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--port", type=int, default=0, help="our UDP port")
    p.add_argument("--timeout", type=float, default=5)
    a = p.parse_args()
    if not a.no_token and not (a.cert and a.key):
        sys.exit("--cert and --key, or --no-token")

    host, port = host_port(a.to)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, a.port))
    s.settimeout(a.timeout)
    lhost, lport = s.getsockname()[:2]
    lh = f"[{lhost}]" if fam == socket.AF_INET6 else lhost

    call_id = "%016x@%s" % (random.getrandbits(64), lhost)
    ftag = "%08x" % random.getrandbits(32)
    frm = f"<{a.frm}>;tag={ftag}"
    cid = "aib.%016x@%s" % (random.getrandbits(64), lhost)
    rb_uri = a.referred_by or a.frm
    referred_by = f'<{rb_uri}>' + ("" if a.no_token else f';cid="{cid}"')
    ctype, body = (None, b"") if a.no_token else \
        token(a, call_id, frm, cid, referred_by)

    extra = ""
    if a.method == "REFER":
        extra = f"Refer-To: {a.refer_to}\r\nEvent: refer\r\n"
    else:
        rep = replaces_of(a.refer_to)
        if not rep:
            sys.exit("--refer-to has no Replaces")
        extra = f"Replaces: {rep}\r\nRequire: replaces\r\n"
        sdp = (f"v=0\r\no=- 1 1 IN IP4 {lhost}\r\ns=-\r\n"
               f"c=IN IP4 {lhost}\r\nt=0 0\r\n"
               f"m=audio {lport + 2} RTP/AVP 0\r\n").encode()
        if ctype:
            b = "mix%08x" % random.getrandbits(32)
            body = (f"--{b}\r\nContent-Type: application/sdp\r\n\r\n"
                    .encode() + sdp + f"\r\n--{b}\r\nContent-Type: {ctype}"
                    f"\r\nContent-ID: <{cid}>\r\n\r\n".encode() + body +
                    f"\r\n--{b}--\r\n".encode())
            ctype = f"multipart/mixed;boundary={b}"
        else:
            ctype, body = "application/sdp", sdp

    for n in range(1, a.repeat + 1):
        branch = "z9hG4bK%016x" % random.getrandbits(64)
        head = (f"{a.method} {a.to} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {lh}:{lport};branch={branch};rport\r\n"
                f"Max-Forwards: 70\r\nFrom: {frm}\r\nTo: <{a.to}>\r\n"
                f"Call-ID: {call_id}\r\nCSeq: {n} {a.method}\r\n"
                f"Contact: <sip:tool@{lh}:{lport}>\r\n{extra}"
                f"Referred-By: {referred_by}\r\n")
        if ctype:
            head += (f"Content-ID: <{cid}>\r\n" if a.method == "REFER"
                     else "") + f"Content-Type: {ctype}\r\n"
        head += f"Content-Length: {len(body)}\r\n\r\n"
        s.sendto(head.encode() + body, (host, port))
        while True:
            try:
                data = s.recv(65535).decode(errors="replace")
            except socket.timeout:
                print("timeout")
                return 1
            first = data.split("\r\n", 1)[0]
            if not first.startswith("SIP/2.0 "):
                continue   # a request (NOTIFY): not ours to answer here
            code = int(first.split()[1])
            if f"CSeq: {n} {a.method}" not in data or code < 200:
                continue
            warn = re.search(r"^Warning:\s*(.*)$", data, re.M)
            print(first[8:], "|", warn.group(1) if warn else "")
            sys.stdout.flush()
            if a.method == "INVITE":
                to = re.search(r"^To:\s*(.*)$", data, re.M).group(1)
                ack = (f"ACK {a.to} SIP/2.0\r\nVia: SIP/2.0/UDP "
                       f"{lh}:{lport};branch={branch};rport\r\n"
                       f"Max-Forwards: 70\r\nFrom: {frm}\r\nTo: {to}\r\n"
                       f"Call-ID: {call_id}\r\nCSeq: {n} ACK\r\n"
                       f"Content-Length: 0\r\n\r\n")
                s.sendto(ack.encode(), (host, port))
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
