#!/usr/bin/python3
"""Requests from RFC 4475 (SIP torture tests) that a user agent must answer
as RFC 4475 says, and requests a device does not serve, each sent to one
SIP UA; prints the status code of the final answer ("none" when there is
none within 5 s) and, after a space, the value of the header asked for.

    sip_torture.py HOST PORT NAME [HEADER]

esc01 (§3.1.1.5), intmeth (§3.1.1.4 'unknown method'), invut (§3.3.11)
and unkscm (§3.3.7) are RFC 4475's messages, bext01 after §3.3.5, with one change so that the answer can come back to us: a
Via sent over UDP says UDP and asks for rport (RFC 3581), as its host is
not ours; the rest are ordinary requests of
methods and event packages a device does not serve. A 2xx to an INVITE is
acknowledged and the call ended with BYE, so that nothing lingers.
"""
import re
import socket
import sys

ESC01_SDP = (b"v=0\r\n"
             b"o=mhandley 29739 7272939 IN IP4 192.0.2.1\r\n"
             b"s=-\r\n"
             b"c=IN IP4 192.0.2.1\r\n"
             b"t=0 0\r\n"
             b"m=audio 49217 RTP/AVP 0 12\r\n"
             b"m=video 3227 RTP/AVP 31\r\n"
             b"a=rtpmap:31 LPC\r\n")

INVUT_BODY = (b"<audio>\r\n"
              b" <pcmu port=\"443\"/>\r\n"
              b"</audio>\r\n")

MESSAGES = {
    "esc01": ("udp",
              b"INVITE sip:sips%3Auser%40example.com@example.net SIP/2.0\r\n"
              b"To: sip:%75se%72@example.com\r\n"
              b"From: <sip:I%20have%20spaces@example.net>;tag=938\r\n"
              b"Max-Forwards: 87\r\n"
              b"i: esc01.239409asdfakjkn23onasd0-3234\r\n"
              b"CSeq: 234234 INVITE\r\n"
              b"Via: SIP/2.0/UDP host5.example.net;branch=z9hG4bKkdjuw\r\n"
              b"C: application/sdp\r\n"
              b"Contact:\r\n"
              b"  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n",
              ESC01_SDP),
    "intmeth": ("tcp",
                b"!interesting-Method0123456789_*+`.%indeed'~ "
                b"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,"
                b"weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\r\n"
                b"Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\r\n"
                b"To: \"BEL:\\\x07 NUL:\\\x00 DEL:\\\x7F\" "
                b"<sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\r\n"
                b"From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>"
                b";fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82"
                b"\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token~1'+`*%!-.\r\n"
                b"Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\r\n"
                b"CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\r\n"
                b"Max-Forwards: 255\r\n"
                b"extensionHeader-!.%*+_`'~: \xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c"
                b"\xe9\x9b\xbb\r\n",
                b""),
    "invut": ("udp",
              b"INVITE sip:user@example.com SIP/2.0\r\n"
              b"Contact: <sip:caller@host5.example.net>\r\n"
              b"To: sip:j.user@example.com\r\n"
              b"From: sip:caller@example.net;tag=8392034\r\n"
              b"Max-Forwards: 70\r\n"
              b"Call-ID: invut.0ha0isndaksdjadsfij34n23d\r\n"
              b"CSeq: 235448 INVITE\r\n"
              b"Via: SIP/2.0/UDP somehost.example.com;branch=z9hG4bKkdjuw\r\n"
              b"Content-Type: application/unknownformat\r\n",
              INVUT_BODY),
    # after RFC 4475 §3.3.5 (bext01): an extension nobody has, required
    "bext01": ("udp",
               b"OPTIONS sip:user@example.com SIP/2.0\r\n"
               b"To: sip:j_user@example.com\r\n"
               b"From: sip:caller@example.net;tag=242etr\r\n"
               b"Max-Forwards: 6\r\n"
               b"Call-ID: bext01.0ha0isndaksdj\r\n"
               b"Require: nothingSupportsThis, nothingSupportsThisEither\r\n"
               b"Proxy-Require: noProxiesSupportThis, norDoAnyProxiesSupportThis\r\n"
               b"CSeq: 8 OPTIONS\r\n"
               b"Via: SIP/2.0/UDP host4.example.com;branch=z9hG4bKkdjuw\r\n",
               b""),
    # RFC 4475 §3.3.7 (unkscm): a Request-URI of an unknown scheme
    "unkscm": ("udp",
               b"OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
               b"To: sip:user@example.com\r\n"
               b"From: sip:caller@example.net;tag=384\r\n"
               b"Max-Forwards: 3\r\n"
               b"Call-ID: unkscm.nasdfasser0q239nwsdfasdkl34\r\n"
               b"CSeq: 3923423 OPTIONS\r\n"
               b"Via: SIP/2.0/TCP host9.example.com;branch=z9hG4bKkdjuw39234\r\n",
               b""),
    "register": ("udp",
                 b"REGISTER sip:example.com SIP/2.0\r\n"
                 b"Via: SIP/2.0/UDP host9.example.com;branch=z9hG4bKreg01\r\n"
                 b"To: <sip:user@example.com>\r\n"
                 b"From: <sip:user@example.com>;tag=reg01\r\n"
                 b"Call-ID: reg01.torture\r\n"
                 b"CSeq: 1 REGISTER\r\n"
                 b"Max-Forwards: 70\r\n"
                 b"Contact: <sip:user@host9.example.com>\r\n",
                 b""),
    "message": ("udp",
                b"MESSAGE sip:user@example.com SIP/2.0\r\n"
                b"Via: SIP/2.0/UDP host9.example.com;branch=z9hG4bKmsg01\r\n"
                b"To: <sip:user@example.com>\r\n"
                b"From: <sip:other@example.com>;tag=msg01\r\n"
                b"Call-ID: msg01.torture\r\n"
                b"CSeq: 1 MESSAGE\r\n"
                b"Max-Forwards: 70\r\n"
                b"Content-Type: text/plain\r\n",
                b"hello\r\n"),
    "subscribe_presence": ("udp",
                           b"SUBSCRIBE sip:user@example.com SIP/2.0\r\n"
                           b"Via: SIP/2.0/UDP host9.example.com;branch=z9hG4bKsub01\r\n"
                           b"To: <sip:user@example.com>\r\n"
                           b"From: <sip:other@example.com>;tag=sub01\r\n"
                           b"Call-ID: sub01.torture\r\n"
                           b"CSeq: 1 SUBSCRIBE\r\n"
                           b"Max-Forwards: 70\r\n"
                           b"Event: presence\r\n"
                           b"Contact: <sip:other@host9.example.com>\r\n"
                           b"Expires: 60\r\n",
                           b""),
}


def message(name):
    tp, head, body = MESSAGES[name]
    if tp == "udp":
        head = re.sub(rb"(?m)^(Via: *SIP/[0-9.]+/)(UDP|TCP)( [^;\r\n]+)",
                      rb"\1UDP\3;rport", head, count=1)
    return tp, head + b"Content-Length: %d\r\n\r\n" % len(body) + body


def header(resp, name):
    for line in resp.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name.lower().encode():
            return v.strip().decode(errors="replace")
    return ""


def finals(data):
    """(code, response) of each final response found in data"""
    out = []
    for m in re.finditer(rb"SIP/2\.0 (\d\d\d)[^\r\n]*\r\n", data):
        code = int(m.group(1))
        end = data.find(b"\r\n\r\n", m.start())
        if code >= 200 and end > 0:
            out.append((code, data[m.start():end + 4]))
    return out


def end_call(sock, addr, req, resp, send):
    """ACK a 2xx to our INVITE, then BYE (RFC 3261 §13.2.2.4)"""
    to = header(resp, "To") or header(resp, "t")
    first = req.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    keep = [l for l in first[1:] if re.match(rb"(?i)(via|from|f|call-id|i|max-forwards):", l)]
    cseq = int(re.search(rb"(?im)^CSeq: *(\d+)", req).group(1))
    uri = first[0].split(b" ")[1]
    for i, meth in enumerate((b"ACK", b"BYE")):
        lines = [meth + b" " + uri + b" SIP/2.0", b"To: " + to.encode()]
        for l in keep:
            if meth == b"BYE" and l.lower().startswith(b"via"):
                l = l.replace(b"branch=z9hG4bK", b"branch=z9hG4bKbye")
            lines.append(l)
        lines.append(b"CSeq: %d %s" % (cseq + i, meth))
        lines.append(b"Content-Length: 0")
        send(b"\r\n".join(lines) + b"\r\n\r\n")


def main():
    host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    want = sys.argv[4] if len(sys.argv) > 4 else None
    tp, req = message(name)
    addr = (host, port)
    if tp == "udp":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((host, 0))
        send = lambda b: sock.sendto(b, addr)
    else:
        sock = socket.create_connection(addr, timeout=5)
        send = sock.sendall
    sock.settimeout(5)
    send(req)
    data = b""
    got = None
    try:
        while got is None:
            data += sock.recv(65535)
            f = finals(data)
            if f:
                got = f[0]
    except (socket.timeout, OSError):
        pass
    if got is None:
        print("none")
        return 1
    code, resp = got
    if req.startswith(b"INVITE") and 200 <= code < 300:
        end_call(sock, addr, req, resp, send)
    print(code, header(resp, want) if want else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
