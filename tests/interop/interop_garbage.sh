#!/usr/bin/env bash
# interop/garbage: bad input at sipmob-device (issue 2 "Bad input").
#   1. a burst of 500 malformed SIP datagrams (tests/tools/sip_garbage.py):
#      the device stays up, answers some with 400 or drops them with a log
#      line, and a following call from sipmob-mn works with audio both ways.
#   2. INVITEs with bad SDP from sipp (uac_bad_sdp.xml): a malformed m-line
#      (`m=audio x RTP/AVP 0`) gets 400; G.729 only (no common codec) gets
#      488; the device stays up and still takes a call.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_garbage
peers_require python3 sipp tshark tcpdump jq

MN=5060
DEV=5070
UAC=5080

start dev "$BIN/sipmob-device" --sip 127.0.0.1:$DEV --name speaker \
	--control "$T/dev.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/dev.sock"

# jq over the device's audio stream of the session whose remote matches
# REGEX (audio streams follow sessions one to one): dev_stream REGEX FIELD
dev_stream() {
	jstat "$T/dev.sock" ". as \$s | ([.sessions[].remote | test(\"$1\")] | index(true)) as \$i |
		if \$i == null then empty else [\$s.streams[] | select(.type == \"audio\")][\$i].$2 end"
}
_dev_stream_ge() { local v; v=$(dev_stream "$1" "$2") && ge "$v" "$3"; }

# a call from the MN: established, audio both ways, BYE ends it
call_works() {
	local label=$1
	ctl "$T/mn.sock" call "sip:speaker@127.0.0.1:$DEV" >/dev/null
	check "$label: call established" \
		wait_stat 10 "$T/mn.sock" .call.state eq established
	check "$label: the MN plays 50 of the device's packets" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 50
	check "$label: the device plays 50 of the MN's packets" \
		wait_until 10 _dev_stream_ge alice played_packets 50
	ctl "$T/mn.sock" hangup >/dev/null
	check "$label: BYE ends the MN's call" \
		wait_stat 5 "$T/mn.sock" .call.state eq idle
	check "$label: ...and the device's session" \
		wait_until 10 dev_answers_without alice
}

# dev_answers_without REGEX: the device's status came (it names the device:
# an empty answer from a dead device does not pass) and no session's remote
# matches REGEX
dev_answers_without() {
	local st
	st=$(ctl "$T/dev.sock" status --json) || return 1
	[ "$(jq -r .name <<<"$st")" = speaker ] || return 1
	! jq -r '.sessions[].remote' <<<"$st" | grep -Eq -- "$1"
}

# 1. the burst
out=$(sip_garbage 127.0.0.1 $DEV 500 --user speaker --wait 1)
log "sip_garbage: $out"
check "the burst was sent" eval '[[ "$out" == "sent 500,"* ]]'
check "the device is still running" alive dev
check "the device still answers its control socket" \
	eval 'jstat "$T/dev.sock" .name >/dev/null'
n400=$(sed -nE 's/.* 400 x([0-9]+).*/\1/p' <<<"$out")
ndrop=$(grep -Ec '^sip: ' "$T/dev.log")
ndec=$(grep -c 'sip: msg decode err' "$T/dev.log")
log "400 answers: ${n400:-0}; device log: $ndrop 'sip:' lines ($ndec decode errors)"
check "the device answered some with 400" ge "${n400:-0}" 1
check "the device logged what it dropped ('sip:' lines)" ge "$ndrop" 1
check "libre logged undecodable messages ('sip: msg decode err')" ge "$ndec" 1
log "sessions left by the burst's well-formed INVITEs: $(jstat "$T/dev.sock" '.sessions | length')"
call_works "after the burst"

# 1b. one INVITE of each kind RFC 3261 calls malformed, alone, so each answer
# is known: none may be taken as a call (2xx); 400 or silence is right.
# Silence counts only if the device then answers a well-formed OPTIONS (a
# dead device is silent too): the probe prints "dead" when it does not.
#  - Content-Length beyond the datagram (§18.3: a request SHOULD get 400)
#  - Content-Length -1 and 2^42 (not a 1*DIGIT that fits)
#  - CSeq number 2^32 and more (§8.1.1.5: less than 2^31)
#  - a NUL byte inside a header value
probe_invite() {   # KIND: prints the final answer's code, or "none"
	in_ns "$PEERS_PY" - "$1" "$DEV" <<-'PY'
	import socket, sys
	kind, port = sys.argv[1], int(sys.argv[2])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.bind(("127.0.0.1", 0))
	s.settimeout(1.0)
	lp = s.getsockname()[1]
	sdp = ("v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
	       "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
	clen, cseq, mf = str(len(sdp)), "1", "70"
	if kind == "clen_beyond": clen = "100000"
	if kind == "clen_negative": clen = "-1"
	if kind == "clen_huge": clen = "4398046511104"
	if kind == "cseq_huge": cseq = "4294967297"
	if kind == "nul_byte": mf = "7\x000"
	ctype = "text/plain" if kind == "text_body" else "application/sdp"
	ruri = "sip:speaker@127.0.0.1:%d" % port
	msg = ("INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-%s\r\n"
	       "Max-Forwards: %s\r\nFrom: <sip:probe@127.0.0.1:%d>;tag=p1\r\nTo: <%s>\r\n"
	       "Call-ID: probe-%s@127.0.0.1\r\nCSeq: %s INVITE\r\n"
	       "Contact: <sip:probe@127.0.0.1:%d>\r\nContent-Type: %s\r\n"
	       "Content-Length: %s\r\n\r\n%s") % (ruri, lp, kind, mf, lp, ruri, kind,
	                                             cseq, lp, ctype, clen, sdp)
	s.sendto(msg.encode("latin-1"), ("127.0.0.1", port))
	code = "none"
	try:
	    while True:
	        d = s.recv(65536).split(b"\r\n", 1)[0].split(b" ")
	        if len(d) > 1 and not d[1].startswith(b"1"):
	            code = d[1].decode()
	            if code.startswith("2"):   # be polite: hang the call up
	                pass
	            break
	except socket.timeout:
	    pass
	if code == "none":
	    opt = ("OPTIONS %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-o%s\r\n"
	           "Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1:%d>;tag=o1\r\nTo: <%s>\r\n"
	           "Call-ID: alive-%s@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	           ) % (ruri, lp, kind, lp, ruri, kind)
	    s.sendto(opt.encode(), ("127.0.0.1", port))
	    code = "dead"
	    try:
	        while code == "dead":
	            if b"CSeq: 1 OPTIONS" in s.recv(65536):
	                code = "none"
	    except socket.timeout:
	        pass
	print(code)
	PY
}
for kind in clen_beyond clen_negative clen_huge cseq_huge nul_byte; do
	code=$(probe_invite $kind)
	log "malformed INVITE ($kind): answered ${code}"
	check "malformed INVITE ($kind) gets 400 or is dropped, not taken (got $code)" \
		eval '[ "$code" = 400 ] || [ "$code" = none ]'
done
# a well-formed INVITE whose body is not SDP: 415, with what we accept
code=$(probe_invite text_body)
check "an INVITE with a text/plain body gets 415 (got $code)" eq "$code" 415
check "the device is still running after the probes" alive dev

# 2. bad SDP
need "capture starts" capture_start cap udp
sipp_uac bad1 $UAC 127.0.0.1:$DEV uac_bad_sdp -s speaker \
	-set mport x -set pt 0 -set expect 400
check "malformed m-line: sipp got the 400 it expects (exit 0)" sipp_wait bad1 10
check "malformed m-line: a 400 on the wire" \
	capture_wait cap "sip.Status-Code == 400 && udp.dstport == $UAC" 5
check "malformed m-line: the device names the bad line" \
	wait_log dev 'device: bad SDP from' 2
sipp_uac bad2 $UAC 127.0.0.1:$DEV uac_bad_sdp -s speaker \
	-set mport 4000 -set pt 18 -set expect 488
check "G.729 only: sipp got the 488 it expects (exit 0)" sipp_wait bad2 10
check "G.729 only: a 488 on the wire" \
	capture_wait cap "sip.Status-Code == 488 && udp.dstport == $UAC" 5
need "capture stops" capture_stop cap
check "no session was left by the refused INVITEs" dev_answers_without sipp
check "the device is still running" alive dev
call_works "after bad SDP"
check "the device is still running after its last call" alive dev
check "...and answers its control socket" \
	eq "$(jstat "$T/dev.sock" .name)" speaker
finish
