#!/usr/bin/python3
"""Bad input for one sipmob daemon, counted: malformed, oversized and
torture messages for its SIP, SLP or control socket, and the answers.

    robust_send.py sip HOST PORT COUNT [--user U] [--tcp N] [--seed S]
    robust_send.py slp HOST PORT COUNT [--multicast] [--tcp N] [--seed S]
    robust_send.py ctl SOCKET COUNT [--hold N] [--seed S]
    robust_send.py options HOST PORT [--user U]

sip: COUNT UDP datagrams cycling through RFC 4475's valid (§3.1.1) and
  invalid (§3.1.2) messages, tests/tools/sip_garbage.py's malformed SIP, bad
  SDP, requests in dialogs that do not exist (INVITE, re-INVITE, BYE, INFO,
  NOTIFY, REFER, as a stranger sends them during a call) and oversized
  datagrams (64 KB); then N TCP connections (--tcp, default 20) that send an
  endless header, a body shorter than its Content-Length, a torture message,
  or nothing. A 2xx to an INVITE is acknowledged and ended with BYE, any
  other final answer to an INVITE acknowledged, so that nothing lingers.
slp: COUNT SLPv2 datagrams (to the group 239.255.255.253 with --multicast,
  from HOST's side): every function with bad lengths, versions, language
  tags, string lengths past the end, extension loops, predicates nested
  deep or 60 KB long, auth blocks that lie, DAAdverts from DAs that do not
  exist, random bytes, and a valid SrvRqst among each round of cases;
  then N TCP connections with the same (--tcp, default 20).
ctl: COUNT connections to a control socket, each with one bad line: random
  bytes, 5 KB and 100 KB lines, 33 words, NUL bytes, half a line then
  hang-up, nothing at all, unknown commands, over-long arguments; every
  tenth a valid "status". With --hold N, N more connections are opened and
  held silent while a "status" is asked, then closed.
options: one OPTIONS; prints its final answer's code ("none" after 3 s).

Prints one JSON object: what was sent ("sent", "tcp", by case), the
answers by status class or SLP function ("answers"), and "unanswered_valid"
(valid requests that got nothing). HOST must be a loopback address and the
multicast group is only sent to on the namespace's loopback: this tool
never sends to another machine. Stdlib only.
"""
import ipaddress
import json
import os
import random
import re
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sip_garbage  # noqa: E402  (its malformed-SIP cases)

SLP_GROUP = "239.255.255.253"


def opt(args, name, default, conv=str):
    if name in args:
        i = args.index(name)
        if conv is bool:
            del args[i]
            return True
        v = args[i + 1]
        del args[i:i + 2]
        return conv(v)
    return default


def loopback(host):
    if not ipaddress.ip_address(host).is_loopback:
        sys.exit("robust_send: %s is not a loopback address" % host)


# ---- SIP -------------------------------------------------------------------

SDP = ("v=0\r\no=t 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
       "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


def req(c, method, head, body=b"", ctype=b"application/sdp"):
    """a request whose Via names us (so that answers reach us)"""
    head = head.replace(b"$VIA", b"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-r%d;rport"
                        % (c.lhost.encode(), c.lport, c.n))
    head = head.replace(b"$RURI", ("sip:%s@%s:%d" % (c.user, c.host, c.port)).encode())
    head = head.replace(b"$N", b"%d" % c.n)
    if body and ctype:
        head += b"Content-Type: " + ctype + b"\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


# RFC 4475 §3.1.1 (valid) and §3.1.2 (invalid), each after the RFC's
# message of that name: its Request-URI and Via are ours so that it reaches
# the daemon and the answer comes back; what it tortures is kept.
RFC4475 = {
    "wsinv": lambda c: req(c, b"INVITE",
        b"INVITE $RURI;unknownparam SIP/2.0\r\n"
        b"TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n"
        b"from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n"
        b"  ;\r\n  tag = 98asjd8\r\nMaX-fOrWaRdS: 0068\r\n"
        b"Call-ID: wsinv.ndaksdj@192.0.2.1-$N\r\n"
        b"cseq: 0009\r\n  INVITE\r\n"
        b"$VIA\r\n"
        b"s :\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"
        b"UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n"
        b"v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n"
        b" SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n"
        b"m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n"
        b"      newvalue ;\r\n  secondparam ; q = 0.33\r\n",
        SDP.encode()),
    "esc01": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nTo: sip:%75se%72@example.com\r\n"
        b"From: <sip:I%20have%20spaces@example.net>;tag=938\r\nMax-Forwards: 87\r\n"
        b"i: esc01.239409asdfakjkn23onasd0-$N\r\nCSeq: 234234 INVITE\r\n$VIA\r\n"
        b"Contact:\r\n  <sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31>\r\n",
        SDP.encode()),
    "escnull": lambda c: req(c, b"REGISTER",
        b"REGISTER sip:example.com SIP/2.0\r\nTo: sip:null-%00-null@example.com\r\n"
        b"From: sip:null-%00-null@example.com;tag=839923423\r\nMax-Forwards: 70\r\n"
        b"Call-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd-$N\r\n"
        b"CSeq: 14398234 REGISTER\r\n$VIA\r\n"
        b"Contact: <sip:%00@host5.example.com>\r\nContact: <sip:%00%00@host5.example.com>\r\n"
        b"L:0\r\n"),
    "esc02": lambda c: req(c, b"RE%47IST%45R",
        b"RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n"
        b"To: \"%Z%45\" <sip:resource@example.com>\r\n"
        b"From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\r\n"
        b"Call-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf-$N\r\n$VIA\r\n"
        b"CSeq: 29344 RE%47IST%45R\r\nMax-Forwards: 70\r\n"
        b"Contact: <sip:alias1@host1.example.com>\r\nC%6Fntact: <sip:alias2@host2.example.com>\r\n"
        b"Contact: <sip:alias3@host3.example.com>\r\n"),
    "lwsdisp": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0\r\nTo: sip:user@example.com\r\n"
        b"From: caller<sip:caller@example.com>;tag=323\r\nMax-Forwards: 70\r\n"
        b"Call-ID: lwsdisp.1234abcd@funky.example.com-$N\r\nCSeq: 60 OPTIONS\r\n$VIA\r\n"),
    "longreq": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nTo: \"I have a user name of "
        + b"extremely" * 10 + b" proportion\"<sip:user@example.com:6000;"
        b"unknownparam1=very" + b"long" * 20 + b"value;longparam" + b"name" * 25 + b"=shortvalue;"
        b"very" + b"long" * 25 + b"ParameterNameWithNoValue>\r\n"
        b"F: sip:" + b"amazinglylongcallername" * 5 + b"@example.net;tag=12" + b"982" * 50 + b"424;"
        b"unknownheaderparam" + b"name" * 20 + b"=unknowheaderparamvalue" + b"really" * 20 + b"long;"
        b"shortname=" + b"verylong" * 20 + b"\r\n"
        b"Call-ID: longreq.onereallyreallyreallyreallyreallyreallyreallyreallylongcallid-$N\r\n"
        b"CSeq: 3882340 INVITE\r\n"
        b"Unknown-" + b"Long" * 20 + b"-Name: unknown-" + b"long" * 20 + b"-value; unknown-"
        + b"long" * 20 + b"-parameter-name = unknown-" + b"long" * 20 + b"-parameter-value\r\n"
        b"$VIA\r\n" + b"".join(b"Via: SIP/2.0/TCP sip%d.example.com:5060;branch=z9hG4bK%d\r\n"
                               % (i, i) for i in range(34)) +
        b"Max-Forwards: 70\r\nContact: <sip:amazinglylongcallername@host5.example.net>\r\n"
        b"Subject: " + b"A" * 2048 + b"\r\n", SDP.encode()),
    "dblreq": lambda c: req(c, b"REGISTER",
        b"REGISTER sip:example.com SIP/2.0\r\nTo: sip:j.user@example.com\r\n"
        b"From: sip:j.user@example.com;tag=43251j3j324\r\nMax-Forwards: 8\r\nI: dblreq.0ha0isndaksdj99sdfafnl3lk233412-$N\r\n"
        b"Contact: sip:j.user@host.example.com\r\nCSeq: 8 REGISTER\r\n$VIA\r\n") + (
        b"INVITE sip:joe@example.com SIP/2.0\r\nt: sip:joe@example.com\r\n"
        b"From: sip:caller@example.net;tag=141334\r\nMax-Forwards: 8\r\n"
        b"Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15\r\nCSeq: 8 INVITE\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234\r\n"
        b"Content-Type: application/sdp\r\nContent-Length: 150\r\n\r\n" + SDP.encode()),
    "semiuri": lambda c: req(c, b"OPTIONS",
        b"OPTIONS sip:user;par=u%40example.net@example.com SIP/2.0\r\nTo: sip:j_user@example.com\r\n"
        b"From: sip:caller@example.org;tag=33242\r\nMax-Forwards: 3\r\n$VIA\r\n"
        b"Accept: application/sdp\r\nCall-ID: semiuri.0ha0isndaksdj-$N\r\nCSeq: 8 OPTIONS\r\n"),
    "transports": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0\r\nTo: sip:user@example.com\r\n"
        b"From: <sip:caller@example.com>;tag=323\r\nMax-Forwards: 70\r\n"
        b"Call-ID: transports.kijh4akdnaqjkwendsasfdj-$N\r\nAccept: application/sdp\r\n"
        b"CSeq: 60 OPTIONS\r\n$VIA\r\nVia: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\r\n"
        b"Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\r\n"
        b"Via: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\r\n"
        b"Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\r\n"),
    "mpart01": lambda c: req(c, b"MESSAGE",
        b"MESSAGE $RURI SIP/2.0\r\nTo: <sip:user@example.com>\r\n"
        b"From: <sip:caller@example.net>;tag=2234923\r\nMax-Forwards: 70\r\n"
        b"Call-ID: mpart01.2398yasdfkj23-$N\r\nCSeq: 1 MESSAGE\r\n$VIA\r\n"
        b"MIME-Version: 1.0\r\n",
        b"--boundary42\r\nContent-Type: text/plain\r\n\r\nhi\r\n--boundary42\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n\x30\x82\x01\x52\x06\x09\x2a\x86\r\n--boundary42--\r\n",
        b"multipart/signed;protocol=\"application/pkcs7-signature\";micalg=sha1;boundary=boundary42"),
    "unreason": lambda c: b"SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\r\nCall-ID: unreason.1234ksdfak3j2erwedfsASdf\r\n"
        b"CSeq: 35 INVITE\r\nFrom: sip:user@example.com;tag=11141343\r\n"
        b"To: sip:user@example.edu;tag=2229\r\nContent-Length: 0\r\n\r\n",
    "noreason": lambda c: b"SIP/2.0 100 \r\nVia: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\n"
        b"Call-ID: noreason.asndj203insdf99223ndf\r\nCSeq: 35 INVITE\r\n"
        b"From: <sip:user@example.com>;tag=39ansfi3\r\nTo: <sip:user@example.edu>;tag=902jndnke3\r\n"
        b"Content-Length: 0\r\n\r\n",
    # §3.1.2: invalid
    "badinv01": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nTo: sip:j.user@example.com\r\n"
        b"From: sip:caller@example.net;tag=134161461246\r\nMax-Forwards: 7\r\n"
        b"Call-ID: badinv01.0ha0isndaksdjasdf3234nas-$N\r\nCSeq: 8 INVITE\r\n"
        b"$VIA\r\nContent-Type: application/sdp\r\n", SDP.encode(), None).replace(
        b"Content-Length: %d" % len(SDP), b"Content-Length: 9999", 1),
    "clerr": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nMax-Forwards: 80\r\nTo: sip:j.user@example.com\r\n"
        b"From: sip:caller@example.net;tag=93942939o2\r\nContact: <sip:caller@hungry.example.net>\r\n"
        b"Call-ID: clerr.0ha0isndaksdjweiafasdk3-$N\r\nCSeq: 8 INVITE\r\n$VIA\r\n"
        b"Content-Type: application/sdp\r\n", SDP.encode(), None).replace(
        b"Content-Length: %d" % len(SDP), b"Content-Length: 5000", 1),
    "ncl": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nMax-Forwards: 254\r\nTo: sip:j.user@example.com\r\n"
        b"From: sip:caller@example.net;tag=32394234\r\nCall-ID: ncl.0ha0isndaksdj2193423r542w35-$N\r\n"
        b"CSeq: 0 INVITE\r\n$VIA\r\nContact: <sip:caller@example.com>\r\n"
        b"Content-Type: application/sdp\r\n", SDP.encode(), None).replace(
        b"Content-Length: %d" % len(SDP), b"Content-Length: -999", 1),
    "scalar02": lambda c: req(c, b"REGISTER",
        b"REGISTER sip:example.com SIP/2.0\r\n$VIA\r\nMax-Forwards: 300\r\n"
        b"From: sip:user@example.com;tag=932848\r\nTo: sip:user@example.com\r\n"
        b"Call-ID: scalar02.23o0pd9vanlq3wnrlnewofjas9ui32-$N\r\nCSeq: 39482 REGISTER\r\n"
        b"Contact: <sip:user@host129.example.com>\r\n  ;expires=280297596632815\r\n"),
    "scalarlg": lambda c: req(c, b"REGISTER",
        b"REGISTER sip:example.com SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\n"
        b"From: sip:user@example.com;tag=239232jh3\r\nTo: sip:user@example.com\r\n"
        b"Call-ID: scalarlg.noase0of0234hn2qofoaf0232aewf2394r-$N\r\n"
        b"CSeq: 36893488147419103232 REGISTER\r\nContact: <sip:user@host129.example.com>\r\n"
        b"  ;expires=280297596632815\r\nExpires: 10000000000000000000000000000\r\n"),
    "quotbal": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nTo: \"Mr. J. User <sip:j.user@example.com>\r\n"
        b"From: sip:caller@example.net;tag=93334\r\nMax-Forwards: 10\r\n"
        b"Call-ID: quotbal.aksdj-$N\r\nContact: <sip:caller@host59.example.net>\r\n"
        b"CSeq: 8 INVITE\r\n$VIA\r\n", SDP.encode()),
    "ltgtruri": lambda c: req(c, b"INVITE",
        b"INVITE <$RURI> SIP/2.0\r\nTo: sip:user@example.com\r\n"
        b"From: sip:caller@example.net;tag=39291\r\nMax-Forwards: 23\r\n"
        b"Call-ID: ltgtruri.1@192.0.2.5-$N\r\nCSeq: 1 INVITE\r\n$VIA\r\n"
        b"Contact: <sip:caller@host5.example.net>\r\n", SDP.encode()),
    "lwsruri": lambda c: req(c, b"INVITE",
        b"INVITE sip:user@example.com; lr SIP/2.0\r\nTo: sip:user@example.com;tag=3xfe-9921883-z9f\r\n"
        b"From: sip:caller@example.net;tag=231413434\r\nMax-Forwards: 5\r\n"
        b"Call-ID: lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423-$N\r\nCSeq: 2130706432 INVITE\r\n"
        b"$VIA\r\nContact: <sip:caller@host1.example.net>\r\n", SDP.encode()),
    "lwsstart": lambda c: req(c, b"INVITE",
        b"INVITE  $RURI  SIP/2.0\r\nMax-Forwards: 8\r\nTo: sip:user@example.com\r\n"
        b"From: sip:caller@example.net;tag=8814\r\nCall-ID: lwsstart.dfknq234oi243099adsdfnawe3@example.com-$N\r\n"
        b"CSeq: 1893884 INVITE\r\n$VIA\r\nContact: <sip:caller@host1.example.net>\r\n", SDP.encode()),
    "trws": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0 \r\nMax-Forwards: 70\r\nTo: sip:user@example.com\r\n"
        b"From: <sip:caller@example.net>;tag=2034823\r\nCall-ID: trws.oicu34958239neffasdhr2345r-$N\r\n"
        b"Accept: application/sdp\r\nCSeq: 238923 OPTIONS\r\n$VIA\r\n"),
    "escruri": lambda c: req(c, b"INVITE",
        b"INVITE sip:user@example.com?Route=%3Csip:example.com%3E SIP/2.0\r\n"
        b"To: sip:user@example.com\r\nFrom: sip:caller@example.net;tag=341518\r\n"
        b"Max-Forwards: 7\r\nContact: <sip:caller@host39923.example.net>\r\n"
        b"Call-ID: escruri.23940-asdfhj-aje3br-234q098w-fawerh2q-h4n5-$N\r\nCSeq: 149209342 INVITE\r\n"
        b"$VIA\r\n", SDP.encode()),
    "baddate": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\nTo: sip:user@example.com\r\n"
        b"From: sip:caller@example.net;tag=2234923\r\nMax-Forwards: 70\r\n"
        b"Call-ID: baddate.239423mnsadf3j23lj42--sedfnm234-$N\r\nCSeq: 1392934 INVITE\r\n$VIA\r\n"
        b"Date: Fri, 01 Jan 2010 16:00:00 EST\r\nContact: <sip:caller@host5.example.net>\r\n", SDP.encode()),
    "regbadct": lambda c: req(c, b"REGISTER",
        b"REGISTER sip:example.com SIP/2.0\r\nTo: sip:user@example.com\r\n"
        b"From: sip:user@example.com;tag=998332\r\nMax-Forwards: 70\r\n"
        b"Call-ID: regbadct.k345asrl3fdbv@10.0.0.1-$N\r\nCSeq: 1 REGISTER\r\n$VIA\r\n"
        b"Contact: sip:user@example.com?Route=%3Csip:sip.example.com%3E\r\n"),
    "badaspec": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\n"
        b"From: \"Bell, Alexander\" <sip:a.g.bell@example.com>;tag=43\r\n"
        b"To: \"Watson, Thomas\" < sip:t.watson@example.org >\r\n"
        b"Call-ID: badaspec.sdf0234n2nds0a099u23h3hnnw009cdkne3-$N\r\nAccept: application/sdp\r\n"
        b"CSeq: 3923239 OPTIONS\r\nl: 0\r\n"),
    "baddn": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\n"
        b"From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43\r\n"
        b"To: Watson, Thomas <sip:t.watson@example.org>\r\n"
        b"Call-ID: baddn.31415@c.example.com-$N\r\nAccept: application/sdp\r\nCSeq: 3923239 OPTIONS\r\n"),
    "badvers": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/7.0\r\n$VIA\r\nCall-ID: badvers.ijhwfjksdfoiuwef-$N\r\n"
        b"Max-Forwards: 70\r\nFrom: <sip:caller@example.com>;tag=8932\r\n"
        b"To: <sip:user@example.com>\r\nCSeq: 1 OPTIONS\r\n"),
    "mismatch01": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0\r\nTo: sip:j.user@example.com\r\n"
        b"From: sip:caller@example.net;tag=34525\r\nMax-Forwards: 6\r\n"
        b"Call-ID: mismatch01.dj0234sxdfl3-$N\r\nCSeq: 8 INVITE\r\n$VIA\r\n"),
    "mismatch02": lambda c: req(c, b"NEWMETHOD",
        b"NEWMETHOD $RURI SIP/2.0\r\nTo: sip:j.user@example.com\r\n"
        b"From: sip:caller@example.net;tag=34525\r\nMax-Forwards: 6\r\n"
        b"Call-ID: mismatch02.dl3xj23-$N\r\nCSeq: 8 INVITE\r\nContact: <sip:caller@host.example.net>\r\n"
        b"$VIA\r\n", SDP.encode()),
    "bigcode": lambda c: b"SIP/2.0 4294967301 better not break the receiver\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\r\nCall-ID: bigcode.asdof3uj203asdnf3429uasdhfas3ehjasdfas9i\r\n"
        b"CSeq: 353494 INVITE\r\nFrom: <sip:user@example.com>;tag=39ansfi3\r\n"
        b"To: <sip:user@example.edu>;tag=902jndnke3\r\nContent-Length: 0\r\nContact: <sip:user@host105.example.com>\r\n\r\n",
}


def stranger(c, method, to_tag=True, body=b"", ctype=b"application/sdp", extra=b""):
    """an in-dialog request for a dialog that does not exist"""
    tag = b";tag=nosuch%d" % c.n if to_tag else b""
    return req(c, method,
               method + b" $RURI SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\n"
               b"From: <sip:stranger@example.net>;tag=s$N\r\nTo: <$RURI>" + tag + b"\r\n"
               b"Call-ID: stranger-$N@example.net\r\nCSeq: %d " % (c.n + 2) + method + b"\r\n"
               b"Contact: <sip:stranger@" + c.lhost.encode() + b":%d>\r\n" % c.lport + extra,
               body, ctype)


DIALOG = {
    "reinvite_nosuch": lambda c: stranger(c, b"INVITE", body=SDP.encode()),
    "reinvite_bad_sdp": lambda c: stranger(c, b"INVITE", body=b"v=0\r\nm=audio x\r\n"),
    "bye_nosuch": lambda c: stranger(c, b"BYE"),
    "info_dtmf": lambda c: stranger(c, b"INFO", body=b"Signal=1\r\nDuration=99999999\r\n",
                                    ctype=b"application/dtmf-relay"),
    "info_garbage": lambda c: stranger(c, b"INFO", body=os.urandom(300), ctype=b"application/dtmf-relay"),
    "notify_dialog": lambda c: stranger(c, b"NOTIFY", body=b"<?xml version=\"1.0\"?><dialog-info "
                                        b"version=\"99999999999\" state=\"full\"><dialog id=\"" + b"x" * 3000,
                                        ctype=b"application/dialog-info+xml",
                                        extra=b"Event: dialog\r\nSubscription-State: active\r\n"),
    "notify_refer": lambda c: stranger(c, b"NOTIFY", body=b"SIP/2.0 99999 \r\n\r\n",
                                       ctype=b"message/sipfrag",
                                       extra=b"Event: refer;id=-1\r\nSubscription-State: terminated\r\n"),
    "refer_garbage": lambda c: stranger(c, b"REFER", extra=b"Refer-To: <sip:x?Replaces=%3B%3B%3B>\r\n"
                                        b"Referred-By: <<<>>>\r\n"),
    "invite_replaces_nosuch": lambda c: stranger(c, b"INVITE", to_tag=False, body=SDP.encode(),
                                                 extra=b"Replaces: nosuch@x;to-tag=a;from-tag=b\r\nRequire: replaces\r\n"),
    "cancel_nosuch": lambda c: stranger(c, b"CANCEL", to_tag=False),
    "ack_nosuch": lambda c: stranger(c, b"ACK"),
}


def sdp_case(body):
    return lambda c: req(c, b"INVITE",
                         b"INVITE $RURI SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\n"
                         b"From: <sip:sdp@example.net>;tag=d$N\r\nTo: <$RURI>\r\n"
                         b"Call-ID: sdp-$N@example.net\r\nCSeq: 1 INVITE\r\n"
                         b"Contact: <sip:sdp@example.net>\r\n", body(c))


SDP_BAD = {
    "sdp_many_mlines": sdp_case(lambda c: SDP.encode() + b"m=audio 4002 RTP/AVP 0\r\n" * 1500),
    "sdp_many_fmts": sdp_case(lambda c: SDP.replace("RTP/AVP 0", "RTP/AVP " + " ".join(
        str(i % 128) for i in range(3000))).encode()),
    "sdp_long_attr": sdp_case(lambda c: SDP.encode() + b"a=fmtp:0 " + b"x" * 20000 + b"\r\n"),
    "sdp_rtpmap_junk": sdp_case(lambda c: SDP.encode() + b"a=rtpmap:300 opus/4294967297/99\r\n"
                                b"a=rtpmap:0\r\na=rtpmap:-1 PCMU/-8000\r\na=fmtp:\r\n"),
    "sdp_no_version": sdp_case(lambda c: SDP[5:].encode()),
    "sdp_bad_conn": sdp_case(lambda c: SDP.replace("IN IP4 127.0.0.1", "IN IP6 ::::::1::").encode()),
    "sdp_nul": sdp_case(lambda c: SDP.replace("s=-", "s=\x00\x00").encode()),
    "sdp_no_crlf": sdp_case(lambda c: SDP.replace("\r\n", "\n").encode()[:-1]),
    "sdp_video_junk": sdp_case(lambda c: SDP.encode() + b"m=video 4006 RTP/AVP 96\r\n"
                               b"a=rtpmap:96 H263-1998/90000\r\na=fmtp:96 CIF=0;QCIF=-1;SQCIF=99999999999\r\n"
                               b"a=imageattr:96 send [x=[0:-1]]\r\n"),
    "sdp_dtmf_junk": sdp_case(lambda c: SDP.replace("RTP/AVP 0", "RTP/AVP 0 101").encode()
                              + b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-99999,-,\r\n"),
    "oversized_udp": lambda c: req(c, b"INVITE",
        b"INVITE $RURI SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\nFrom: <sip:big@example.net>;tag=b$N\r\n"
        b"To: <$RURI>\r\nCall-ID: big-$N@example.net\r\nCSeq: 1 INVITE\r\n", SDP.encode()
        + b"a=x:" + b"y" * 62000 + b"\r\n"),
    "oversized_header": lambda c: req(c, b"OPTIONS",
        b"OPTIONS $RURI SIP/2.0\r\n$VIA\r\nMax-Forwards: 70\r\nFrom: <sip:big@example.net>;tag=h$N\r\n"
        b"To: <$RURI>\r\nCall-ID: bigh-$N@example.net\r\nCSeq: 1 OPTIONS\r\nX-Big: " + b"z" * 63000 + b"\r\n"),
}


def sip_cases():
    cases = [(k, v) for k, v in RFC4475.items()]
    cases += [(k, v) for k, v in DIALOG.items()]
    cases += [(k, v) for k, v in SDP_BAD.items()]
    cases += [(f.__name__, f) for f in sip_garbage.CASES]
    return cases


def header(msg, *names):
    for line in msg.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() in names:
            return v.strip()
    return b""


class SipPeer:
    """our end: sends, collects final answers, ends what was accepted"""

    def __init__(self, host, port, user):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.bind((host, 0))
        self.s.setblocking(False)
        self.addr = (host, port)
        self.lhost, self.lport = self.s.getsockname()[:2]
        self.host, self.port, self.user = host, port, user
        self.sent = {}       # (call-id, cseq) -> request
        self.finals = {}     # (call-id, cseq) -> code
        self.answers = {}

    def send(self, msg):
        try:
            self.s.sendto(msg, self.addr)
        except OSError:
            return False
        if not msg.startswith(b"SIP/"):
            cid, cseq = header(msg, b"call-id", b"i"), header(msg, b"cseq")
            self.sent[(cid, cseq)] = msg
        return True

    def drain(self):
        while True:
            try:
                data = self.s.recv(65536)
            except (BlockingIOError, ConnectionRefusedError):
                return
            if not data.startswith(b"SIP/2.0 "):
                self.answer_request(data)
                continue
            try:
                code = int(data[8:11])
            except ValueError:
                continue
            if code < 200:
                continue
            key = (header(data, b"call-id", b"i"), header(data, b"cseq"))
            if key in self.finals:
                continue           # a retransmission
            self.finals[key] = code
            cls = "%dxx" % (code // 100)
            self.answers[cls] = self.answers.get(cls, 0) + 1
            req = self.sent.get(key)
            if req is not None and key[1].endswith(b"INVITE"):
                self.ack(req, data, code)

    def answer_request(self, data):
        """a BYE or anything else the daemon sends us: 200, nothing more"""
        if data.startswith(b"ACK"):
            return
        hs = [l for l in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]
              if re.match(rb"(?i)(via|v|from|f|to|t|call-id|i|cseq):", l)]
        self.s.sendto(b"SIP/2.0 200 OK\r\n" + b"\r\n".join(hs)
                      + b"\r\nContent-Length: 0\r\n\r\n", self.addr)

    def ack(self, req, resp, code):
        first = req.split(b"\r\n", 1)[0].split(b" ")
        if len(first) < 2:
            return
        uri = first[1]
        cseq = re.match(rb"\s*(\d+)", header(req, b"cseq"))
        if not cseq:
            return
        n = int(cseq.group(1))
        via = header(resp, b"via", b"v")
        base = [b"From: " + header(req, b"from", b"f"), b"To: " + header(resp, b"to", b"t"),
                b"Call-ID: " + header(req, b"call-id", b"i"), b"Max-Forwards: 70"]
        if code >= 300:       # the same transaction's ACK (RFC 3261 §17.1.1.3)
            self.s.sendto(b"ACK " + uri + b" SIP/2.0\r\nVia: " + via + b"\r\n" + b"\r\n".join(base)
                          + b"\r\nCSeq: %d ACK\r\nContent-Length: 0\r\n\r\n" % n, self.addr)
            return
        for i, m in enumerate((b"ACK", b"BYE")):
            v = b"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-%s%d;rport" % (
                self.lhost.encode(), self.lport, m.lower(), n + id(req) % 100000)
            self.s.sendto(m + b" " + uri + b" SIP/2.0\r\n" + v + b"\r\n" + b"\r\n".join(base)
                          + b"\r\nCSeq: %d %s\r\nContent-Length: 0\r\n\r\n" % (n + i, m), self.addr)

    def options(self, n):
        n = n * 100000 + os.getpid() % 100000   # a probe of its own each time
        ruri = ("sip:%s@%s:%d" % (self.user, self.host, self.port)).encode()
        msg = (b"OPTIONS " + ruri + b" SIP/2.0\r\nVia: SIP/2.0/UDP %s:%d;branch=z9hG4bK-opt%d;rport\r\n"
               % (self.lhost.encode(), self.lport, n) + b"Max-Forwards: 70\r\n"
               b"From: <sip:probe@example.net>;tag=o%d\r\nTo: <" % n + ruri + b">\r\n"
               b"Call-ID: probe-%d@example.net\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % n)
        self.send(msg)
        return (b"probe-%d@example.net" % n, b"1 OPTIONS")


def tcp_burst(host, port, n, payloads, rnd):
    """n connections, each sending one payload (or nothing) and closing"""
    done = 0
    for i in range(n):
        p = payloads[i % len(payloads)]
        try:
            s = socket.create_connection((host, port), timeout=2)
            if callable(p):
                p(s, rnd)
            elif p:
                s.sendall(p)
            s.close()
            done += 1
        except OSError:
            pass
    return done


def run_sip(args):
    user = opt(args, "--user", "sipmob")
    ntcp = opt(args, "--tcp", 20, int)
    seed = opt(args, "--seed", 1, int)
    host, port, count = args[0], int(args[1]), int(args[2])
    loopback(host)
    peer = SipPeer(host, port, user)
    c = sip_garbage.Ctx()
    c.host, c.port, c.user, c.lhost, c.lport = host, port, user, peer.lhost, peer.lport
    c.rnd = random.Random(seed)
    cases = sip_cases()
    by_case, sent = {}, 0
    base = (os.getpid() % 20000) * 100000   # a round's Call-IDs are its own
    for n in range(count):
        c.n = base + n
        name, fn = cases[n % len(cases)]
        if peer.send(fn(c)[:65000]):
            sent += 1
            by_case[name] = by_case.get(name, 0) + 1
        peer.drain()
        time.sleep(0.0005)
    # TCP: an endless header, a body short of its length, a torture
    # message, nothing at all, and one byte at a time
    c.n = base + count
    endless = b"OPTIONS sip:x@" + host.encode() + b" SIP/2.0\r\nX: " + b"a" * 200000
    short = (b"INVITE sip:x@" + host.encode() + b" SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bKt\r\n"
             b"Content-Length: 100000000\r\n\r\n" + b"v=0\r\n" * 2000)
    torture = RFC4475["wsinv"](c)

    def dribble(s, rnd):
        for b in torture[:200]:
            s.send(bytes([b]))

    tcp = tcp_burst(host, port, ntcp, [endless, short, torture, b"", dribble, os.urandom(5000)],
                    c.rnd) if ntcp else 0
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        peer.drain()
        time.sleep(0.01)
    valid = peer.options(base + count + 1)
    end = time.monotonic() + 3
    while valid not in peer.finals and time.monotonic() < end:
        peer.drain()
        time.sleep(0.01)
    return {"sent": sent, "tcp": tcp, "cases": len(cases), "answers": peer.answers,
            "unanswered_valid": 0 if valid in peer.finals else 1,
            "after": peer.finals.get(valid, "none")}


def run_options(args):
    user = opt(args, "--user", "sipmob")
    host, port = args[0], int(args[1])
    loopback(host)
    peer = SipPeer(host, port, user)
    for n in range(3):      # a lost datagram is not a dead daemon
        k = peer.options(n)
        end = time.monotonic() + 1
        while k not in peer.finals and time.monotonic() < end:
            peer.drain()
            time.sleep(0.01)
        if k in peer.finals:
            print(peer.finals[k])
            return 0
    print("none")
    return 1


# ---- SLP -------------------------------------------------------------------

def s16(b):
    return struct.pack("!H", len(b)) + b


def slp(fn, body, xid=1, flags=0, lang=b"en", ver=2, length=None, ext=0):
    n = 14 + len(lang) + len(body)
    if length is None:
        length = n
    return (struct.pack("!BB", ver, fn) + length.to_bytes(3, "big")
            + struct.pack("!H", flags) + ext.to_bytes(3, "big")
            + struct.pack("!H", xid) + s16(lang) + body)


def srvrqst(pred=b"", stype=b"service:sip-device", scope=b"DEFAULT", prl=b""):
    return s16(prl) + s16(stype) + s16(scope) + s16(pred) + s16(b"")


def slp_cases(rnd, mflag):
    valid = lambda x: slp(1, srvrqst(), xid=x, flags=mflag)
    deep = b"(" * 5000 + b"room=1" + b")" * 5000
    url_entry = lambda url, nauth=0: b"\x00" + struct.pack("!H", 60) + s16(url) + bytes([nauth])
    cases = {
        "valid_srvrqst": None,  # every tenth, see below
        "random": lambda x: os.urandom(rnd.randint(1, 1400)),
        "truncated": lambda x: valid(x)[:rnd.randint(1, 30)],
        "length_long": lambda x: slp(1, srvrqst(), xid=x, flags=mflag, length=60000),
        "length_short": lambda x: slp(1, srvrqst(), xid=x, flags=mflag, length=5),
        "version1": lambda x: slp(1, srvrqst(), xid=x, flags=mflag, ver=1),
        "version255": lambda x: slp(1, srvrqst(), xid=x, flags=mflag, ver=255),
        "function0": lambda x: slp(0, srvrqst(), xid=x, flags=mflag),
        "function99": lambda x: slp(99, os.urandom(40), xid=x, flags=mflag),
        "lang_past_end": lambda x: valid(x)[:12] + struct.pack("!H", 65535) + b"en",
        "lang_empty": lambda x: slp(1, srvrqst(), xid=x, flags=mflag, lang=b""),
        "string_past_end": lambda x: slp(1, struct.pack("!H", 0) + struct.pack("!H", 5000) + b"service:",
                                         xid=x, flags=mflag),
        "ext_past_end": lambda x: slp(1, srvrqst(), xid=x, flags=mflag, ext=0xffffff),
        "ext_loop": lambda x: slp(1, srvrqst() + b"\x00\x02" + (14 + 2 + len(srvrqst())).to_bytes(3, "big"),
                                  xid=x, flags=mflag, ext=14 + 2 + len(srvrqst())),
        "pred_deep": lambda x: slp(1, srvrqst(pred=deep), xid=x, flags=mflag),
        "pred_huge": lambda x: slp(1, srvrqst(pred=b"(room=" + b"9" * 60000 + b")"), xid=x, flags=mflag),
        "pred_junk": lambda x: slp(1, srvrqst(pred=b"(&(room=1)(|(a=*b*c*)(!(x<=)))(\\zz=1)(="),
                                   xid=x, flags=mflag),
        "prlist_huge": lambda x: slp(1, srvrqst(prl=b"127.0.0.1," * 1000), xid=x, flags=mflag),
        "scope_junk": lambda x: slp(1, srvrqst(scope=b",,,\x00\xff,"), xid=x, flags=mflag),
        "srvreg_lying_auth": lambda x: slp(3, url_entry(b"service:sip-device:sip:x@y", 255) + s16(b"service:sip-device")
                                           + s16(b"DEFAULT") + s16(b"(room=1)") + b"\xff", xid=x),
        "srvreg_huge_url": lambda x: slp(3, url_entry(b"s" * 60000) + s16(b"t") + s16(b"DEFAULT")
                                         + s16(b"") + b"\x00", xid=x),
        "srvdereg_junk": lambda x: slp(4, s16(b"DEFAULT") + url_entry(b"\x00\xff") + s16(b"(((("), xid=x),
        "attrrqst_junk": lambda x: slp(6, s16(b"") + s16(b"service:sip-device") + s16(b"DEFAULT")
                                       + s16(b"," * 3000) + s16(b"") , xid=x, flags=mflag),
        "srvtyperqst_all": lambda x: slp(9, s16(b"") + b"\xff\xff" + s16(b"DEFAULT"), xid=x, flags=mflag),
        "daadvert_bogus": lambda x: slp(8, b"\x00\x00" + struct.pack("!I", rnd.getrandbits(32))
                                        + s16(b"service:directory-agent://" + b"9" * 300)
                                        + s16(b"DEFAULT") + s16(b"(x=") + s16(b"") + b"\x09", xid=0,
                                        flags=mflag),
        "daadvert_many": lambda x: slp(8, b"\x00\x00" + struct.pack("!I", rnd.getrandbits(32))
                                       + s16(b"service:directory-agent://127.%d.%d.%d" % (
                                           rnd.randint(1, 254), rnd.randint(0, 255), rnd.randint(1, 254)))
                                       + s16(b"DEFAULT") + s16(b"") + s16(b"") + b"\x00", xid=0),
        "daadvert_other_scope": lambda x: slp(8, b"\x00\x00" + struct.pack("!I", 1)
                                              + s16(b"service:directory-agent://127.0.0.9")
                                              + s16(b"NOTOURS") + s16(b"") + s16(b"") + b"\x00", xid=0),
        "saadvert_junk": lambda x: slp(11, s16(b"service:service-agent://x") + s16(b"") + s16(b"(") + b"\x05",
                                       xid=x, flags=mflag),
        "reply_unasked": lambda x: slp(2, b"\x00\x00\x00\x01" + url_entry(b"service:sip-device:sip:evil@x"), xid=x),
        "oversized": lambda x: slp(1, srvrqst(pred=b"(a=" + b"b" * 64000 + b")"), xid=x, flags=mflag)[:65000],
    }
    return [(k, v) for k, v in cases.items()]


def slp_reply_key(data):
    if len(data) < 16 or data[0] != 2:
        return "other"
    fn = data[1]
    name = {2: "SrvRply", 5: "SrvAck", 7: "AttrRply", 8: "DAAdvert", 10: "SrvTypeRply",
            11: "SAAdvert"}.get(fn, "fn%d" % fn)
    ll = struct.unpack("!H", data[12:14])[0]
    off = 14 + ll
    err = struct.unpack("!H", data[off:off + 2])[0] if len(data) >= off + 2 else -1
    return name if err == 0 else "%s(error %d)" % (name, err)


def run_slp(args):
    mcast = opt(args, "--multicast", False, bool)
    ntcp = opt(args, "--tcp", 20, int)
    seed = opt(args, "--seed", 1, int)
    host, port, count = args[0], int(args[1]), int(args[2])
    loopback(host)
    rnd = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.setblocking(False)
    dest = (host, port)
    mflag = 0
    if mcast:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(host))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        dest = (SLP_GROUP, port)
        mflag = 0x2000
    cases = slp_cases(rnd, mflag)
    answers, by_case, sent = {}, {}, 0
    valid_xids, answered_xids = set(), set()

    def drain():
        while True:
            try:
                data = s.recv(65536)
            except (BlockingIOError, ConnectionRefusedError):
                return
            k = slp_reply_key(data)
            answers[k] = answers.get(k, 0) + 1
            if len(data) >= 12:
                answered_xids.add(struct.unpack("!H", data[10:12])[0])

    for n in range(count):
        xid = (n % 65000) + 1
        name, fn = cases[n % len(cases)]
        if fn is None:
            msg = slp(1, srvrqst(), xid=xid, flags=mflag)
            valid_xids.add(xid)
        else:
            msg = fn(xid)
        try:
            s.sendto(msg, dest)
            sent += 1
            by_case[name] = by_case.get(name, 0) + 1
        except OSError:
            pass
        drain()
        time.sleep(0.0005)
    tcp = 0
    if ntcp:
        def tcp_msg(i):
            fn = cases[i % len(cases)][1]
            return fn(i + 1) if fn else slp(1, srvrqst(), xid=i + 1)
        tcp = tcp_burst(host, port, ntcp, [tcp_msg(i) for i in range(len(cases))]
                        + [b"", b"\x02\x01\xff\xff\xff"], rnd)
    # Late answers: until 2 s go by without one (a daemon under ASan on a
    # loaded machine is slow, not wrong), at most 15 s.
    quiet = time.monotonic() + 2
    end = time.monotonic() + 15
    while time.monotonic() < min(quiet, end):
        before = sum(answers.values())
        drain()
        if sum(answers.values()) != before:
            quiet = time.monotonic() + 2
        time.sleep(0.01)
    # A valid request lost in the flood (a full socket buffer drops it
    # before the daemon sees it) is sent again, as a UA retransmits
    # (RFC 2608 §6.3): the daemon must answer it now.
    lost = sorted(valid_xids - answered_xids)
    for xid in lost:
        try:
            s.sendto(slp(1, srvrqst(), xid=xid, flags=mflag), dest)
        except OSError:
            pass
    end = time.monotonic() + 5
    while lost and time.monotonic() < end and valid_xids - answered_xids:
        drain()
        time.sleep(0.01)
    return {"sent": sent, "tcp": tcp, "cases": len(cases), "answers": answers,
            "valid": len(valid_xids), "retransmitted": len(lost),
            "unanswered_valid": len(valid_xids - answered_xids)}


# ---- control socket --------------------------------------------------------

def ctl_cases(rnd):
    return [
        ("status", b"status\n"),
        ("random", lambda: bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 3000))) + b"\n"),
        ("line_5k", b"status " + b"x" * 5000 + b"\n"),
        ("line_100k_no_newline", b"y" * 100000),
        ("words_33", b"move" + b" --to x" * 16 + b"\n"),
        ("nul", b"sta\x00tus\n"),
        ("half_line", b"stat"),
        ("nothing", b""),
        ("empty_line", b"\n"),
        ("unknown", b"teleport --now sip:x@y\n"),
        ("long_predicate", b"devices --predicate " + b"(a=b)" * 100 + b" --room 1\n"),
        ("long_uri", b"call sip:" + b"u" * 3900 + b"@x\n"),
        ("dtmf_many", b"dtmf " + b"1" * 3000 + b"\n"),
        ("move_lacks", b"move --audio\n"),
        ("bad_mode", b"retrieve --mode sideways\n"),
        ("playout_junk", b"playout -99999999999999999999999\n"),
        ("control_chars", b"\x1b[2J\r\r\r\t\t\x7f\n"),
    ]


def ctl_once(path, payload, timeout=3.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    data = b""
    try:
        end = time.monotonic() + timeout
        while True:   # a full backlog is EAGAIN on a Unix socket: wait
            try:
                s.connect(path)
                break
            except BlockingIOError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.01)
        if payload:
            s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (socket.timeout, OSError):
        return "closed" if not data else "partial"
    finally:
        s.close()
    if not data:
        return "closed"
    try:
        return "ok" if json.loads(data).get("ok") else "refused"
    except ValueError:
        return "bad_json"


def run_ctl(args):
    hold = opt(args, "--hold", 0, int)
    seed = opt(args, "--seed", 1, int)
    path, count = args[0], int(args[1])
    rnd = random.Random(seed)
    cases = ctl_cases(rnd)
    answers, valid, valid_ok = {}, 0, 0
    for n in range(count):
        name, p = cases[n % len(cases)]
        r = ctl_once(path, p() if callable(p) else p)
        answers[r] = answers.get(r, 0) + 1
        if name == "status":
            valid += 1
            valid_ok += r == "ok"
    out = {"sent": count, "cases": len(cases), "answers": answers, "valid": valid,
           "unanswered_valid": valid - valid_ok}
    if hold:
        held = []
        for _ in range(hold):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                held.append(s)
            except OSError:
                s.close()
                break
        out["held"] = len(held)
        out["status_while_held"] = ctl_once(path, b"status\n", timeout=10)
        for s in held:
            s.close()
    return out


def main(argv):
    args = argv[1:]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    mode = args.pop(0)
    if mode == "options":
        return run_options(args)
    fn = {"sip": run_sip, "slp": run_slp, "ctl": run_ctl}.get(mode)
    if fn is None:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps(fn(args), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
