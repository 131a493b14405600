#!/usr/bin/env python3
"""sip_digest.py: a SIP client that answers Digest challenges (RFC 3261
§22, RFC 7616, RFC 8760) by itself, to check a server from outside: its
own hashing, not the server's code. Over UDP, loopback only.

  sip_digest.py --to sip:USER@HOST:PORT --method REFER|SUBSCRIBE|INVITE
      --user U --password P [--alg SHA-256|MD5] [--bind IP:PORT]
      [--foreign IP:PORT] [--header 'Name: value' ...] [--from URI]
      --steps none,auth,replay,nc2,foreign,wrong

Steps, in the order given, each one request and one line "STEP CODE
[stale]" on stdout:
  none     no credentials (the challenge it gets is kept for the others)
  auth     the answer to that challenge, nc=00000001
  replay   the same Authorization again, byte for byte, in a new request
  nc2      the same nonce with nc=00000002 (a new cnonce)
  foreign  the same nonce, nc=00000003, sent from --foreign
  wrong    a fresh challenge answered with a wrong password
Requests that reach the client meanwhile (NOTIFY) get 200.
"""
import argparse
import hashlib
import os
import re
import socket
import sys
import time


def h(alg, s):
    f = hashlib.sha256 if alg == "SHA-256" else hashlib.md5
    return f(s.encode()).hexdigest()


def params(v):
    """The parameters of a Digest header value"""
    out = {}
    for m in re.finditer(r'([a-zA-Z-]+)\s*=\s*("([^"]*)"|[^\s,]+)', v):
        out[m.group(1).lower()] = m.group(3) if m.group(3) is not None \
            else m.group(2)
    return out


class Client:
    def __init__(self, a):
        self.a = a
        self.callid = "%x@sip-digest" % int.from_bytes(os.urandom(8), "big")
        self.cseq = 0
        self.socks = {}

    def sock(self, bind):
        if bind not in self.socks:
            ip, port = bind.rsplit(":", 1)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((ip, int(port)))
            s.settimeout(0.2)
            self.socks[bind] = s
        return self.socks[bind]

    def request(self, bind, auth=None):
        a = self.a
        s = self.sock(bind)
        ip, port = s.getsockname()
        self.cseq += 1
        branch = "z9hG4bK%x" % int.from_bytes(os.urandom(6), "big")
        hdrs = "".join(x + "\r\n" for x in a.header)
        frm = a.from_uri or f"sip:{a.user}@{ip}:{port}"
        if a.method == "SUBSCRIBE" and "Event:" not in hdrs:
            hdrs += "Event: dialog\r\nExpires: 60\r\n"
        msg = (f"{a.method} {a.to} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {ip}:{port};branch={branch};rport\r\n"
               f"From: <{frm}>;tag=t{self.cseq}\r\n"
               f"To: <{a.to}>\r\n"
               f"Call-ID: {self.cseq}-{self.callid}\r\n"
               f"CSeq: {self.cseq} {a.method}\r\n"
               f"Contact: <sip:{a.user}@{ip}:{port}>\r\n"
               f"Max-Forwards: 70\r\n{hdrs}"
               + (f"Authorization: {auth}\r\n" if auth else "")
               + "Content-Length: 0\r\n\r\n")
        host, rport = re.match(r"sip:[^@]*@([^:;>]+):(\d+)", a.to).groups()
        dst = (host, int(rport))
        deadline = time.time() + 10
        last = 0
        while time.time() < deadline:
            if time.time() - last > 0.5:      # Timer A, roughly
                s.sendto(msg.encode(), dst)
                last = time.time()
            try:
                data, src = s.recvfrom(65535)
            except socket.timeout:
                continue
            text = data.decode(errors="replace")
            first = text.split("\r\n", 1)[0]
            if not first.startswith("SIP/2.0 "):
                self.answer_request(s, text, src)
                continue
            if branch not in text:
                continue
            code = int(first.split()[1])
            if code >= 200:
                return code, text
        return 0, ""

    @staticmethod
    def answer_request(s, text, src):
        lines = text.split("\r\n")
        keep = [l for l in lines if re.match(
            r"(?i)(via|from|to|call-id|cseq):", l)]
        if lines[0].startswith("ACK "):
            return
        resp = "SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + \
            "\r\nContent-Length: 0\r\n\r\n"
        s.sendto(resp.encode(), src)

    def challenge(self, text):
        """The challenge we answer: --alg's, else the first"""
        chs = [params(m.group(1)) | {"_order": i} for i, m in enumerate(
            re.finditer(r"(?im)^WWW-Authenticate:\s*Digest\s+(.*)$", text))]
        for c in chs:
            c.setdefault("algorithm", "MD5")
        want = [c for c in chs if c["algorithm"].upper() == self.a.alg]
        return (want or chs or [None])[0], [c["algorithm"] for c in chs]

    def authorization(self, ch, nc, password=None, cnonce=None):
        a = self.a
        alg = ch["algorithm"].upper()
        cnonce = cnonce or os.urandom(8).hex()
        ha1 = h(alg, f"{a.user}:{ch['realm']}:{password or a.password}")
        ha2 = h(alg, f"{a.method}:{a.to}")
        resp = h(alg, f"{ha1}:{ch['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        return (f'Digest username="{a.user}", realm="{ch["realm"]}", '
                f'nonce="{ch["nonce"]}", uri="{a.to}", response="{resp}", '
                f'algorithm={ch["algorithm"]}, qop=auth, nc={nc}, '
                f'cnonce="{cnonce}"')


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--to", required=True)
    p.add_argument("--method", default="REFER")
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--alg", default="SHA-256")
    p.add_argument("--bind", default="127.0.0.1:5095")
    p.add_argument("--foreign", default="127.0.0.2:5095")
    p.add_argument("--header", action="append", default=[])
    p.add_argument("--from", dest="from_uri", default=None,
                   help="the From URI (default sip:USER@BIND)")
    p.add_argument("--steps", default="none,auth")
    a = p.parse_args()
    c = Client(a)
    ch, last_auth = None, None

    for step in a.steps.split(","):
        if step == "none":
            code, text = c.request(a.bind)
            ch, algs = c.challenge(text)
            print(f"none {code} algorithms={','.join(algs)}")
            continue
        if step == "wrong":
            code, text = c.request(a.bind)
            ch, _ = c.challenge(text)
        if ch is None:
            print(f"{step} 0 no-challenge")
            continue
        if step == "auth":
            last_auth = c.authorization(ch, "00000001")
            code, text = c.request(a.bind, last_auth)
        elif step == "replay":
            code, text = c.request(a.bind, last_auth)
        elif step == "nc2":
            code, text = c.request(a.bind, c.authorization(ch, "00000002"))
        elif step == "foreign":
            code, text = c.request(a.foreign,
                                   c.authorization(ch, "00000003"))
        elif step == "wrong":
            code, text = c.request(a.bind, c.authorization(
                ch, "00000001", password=a.password + "x"))
        else:
            sys.exit(f"unknown step {step}")
        stale = " stale" if re.search(r"(?i)stale=\"?true", text) else ""
        print(f"{step} {code}{stale}", flush=True)
    time.sleep(0.5)   # answer the NOTIFYs of an accepted REFER


if __name__ == "__main__":
    main()
