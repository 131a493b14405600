#!/usr/bin/env bash
# Be strict only where it matters (RFC 4475, RFC 3261 §8.2): RFC 4475's
# esc01 (a valid INVITE whose SDP has "a=rtpmap:31 LPC" on a video line we
# would not use) is answered 200 with audio; intmeth (an unknown method with
# quoted-pair control bytes in a display name) gets 405 or 501, not 400;
# invut (an INVITE with an unknown body type) gets 415 with Accept; and
# an extension required that nobody has gets 420 with Unsupported (after
# bext01) and unkscm (an unknown Request-URI scheme) 416; REGISTER, MESSAGE
# and SUBSCRIBE to an unknown package get 405/501 and 489, so that the
# sender's transaction ends. (badvers, SIP/7.0, never reaches us: libre's
# parser drops it, where RFC 4475 §3.3.9 would have a 505.) Each at a mobility-enhanced
# device, an ordinary one (--basic) and the MN; each of them still takes a
# call with audio both ways afterwards.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init sip_torture
peers_require python3

start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/spk.sock"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/cn.sock" \
	-a -S "$T/mn.sock"

send() { in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/sip_torture.py" 127.0.0.1 "$@"; }
# answers PORT NAME CODES...: NAME's final answer at PORT is one of CODES
# (a code, or "code header-value" with HEADER set: the answer's HEADER)
answers() {
	local port=$1 name=$2 r
	shift 2
	r=$(send "$port" "$name" ${HEADER:-})
	log "$name at $port: $r"
	for c in "$@"; do [ "$r" = "$c" ] || [ "${r%% *}" = "$c" ] && return 0; done
	return 1
}

for who in spk:5071 cn:5080 mn:5060; do
	n=${who%%:*} p=${who##*:}
	check "$n: esc01 is a valid INVITE: 200" answers "$p" esc01 200
	check "$n: intmeth, an unknown method: 405 or 501" answers "$p" intmeth 405 501
	HEADER=Accept check "$n: invut, an unknown body type: 415, Accept: SDP" \
		answers "$p" invut "415 application/sdp"
	HEADER=Unsupported check "$n: an extension required that nobody has: 420, Unsupported" \
		answers "$p" bext01 "420 nothingSupportsThis"
	check "$n: unkscm, an unknown URI scheme: 416" answers "$p" unkscm 416
	check "$n: REGISTER, not served: 405 or 501" answers "$p" register 405 501
	check "$n: MESSAGE, not served: 405 or 501" answers "$p" message 405 501
	check "$n: SUBSCRIBE to presence: 489" answers "$p" subscribe_presence 489
done
check "the esc01 calls ended (BYE): the speaker holds none" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0

# each still serves a call, with audio both ways
ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5071 >/dev/null
check "the MN calls the speaker afterwards" wait_stat 10 "$T/mn.sock" .call.state eq established
check "...audio both ways" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
check "...the speaker plays the MN" grows 10 "$T/spk.sock" '.streams[-1].played_packets' 20
ctl "$T/mn.sock" hangup >/dev/null
wait_stat 10 "$T/mn.sock" .call.state eq idle
ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
check "the MN calls the ordinary phone afterwards" wait_stat 10 "$T/mn.sock" .call.state eq established
check "...audio both ways" grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20
finish
