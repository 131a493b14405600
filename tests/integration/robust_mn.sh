#!/usr/bin/env bash
# sipmob-mn under bad input during a call (tests/tools/robust_send.py):
# strangers send it twice 2,000 SIP datagrams (RFC 4475's messages,
# malformed SIP and SDP, INVITEs, re-INVITEs, BYEs, INFOs, NOTIFYs and
# REFERs for dialogs that do not exist, 64 KB datagrams) and 20 TCP
# connections; then 500 bad control socket requests (among them a device
# query longer than its buffer and 33 words) and 200 idle connections. The
# MN stays up, its call to the CN stays established with media flowing
# both ways, it answers OPTIONS with 200 and "status", and the second round
# does not grow its memory by more than $MEM_BOUND kB (tests/lib/robust.sh).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/robust.sh"
scenario_init robust_mn
peers_require python3 jq

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/cn.sock"
ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "the MN calls the CN" wait_stat 10 "$T/mn.sock" .call.state eq established

# the call: established, and media both ways from now on
call_up() {
	local what=$1
	check "$what: the call is still established" \
		eq "$(jstat "$T/mn.sock" .call.state)" established
	check "$what: the MN plays the CN (its count grows by 50)" \
		grows 10 "$T/mn.sock" '.call.media[0].played_packets' 50
	check "$what: the CN plays the MN (its count grows by 50)" \
		grows 10 "$T/cn.sock" '.streams[-1].played_packets' 50
}
call_up "before"

robust_sip mn 5060 alice "the MN"
call_up "after the SIP rounds"

robust_ctl mn "$T/mn.sock"
check "the over-long device query was refused, and said why" \
	grep -q 'predicate is too long' <(ctl "$T/mn.sock" devices --predicate \
		"$(printf '(a=b)%.0s' $(seq 100))" --room 1 2>&1)
check "the MN is still running" alive mn
check "...answers OPTIONS with 200" eq "$(robust options 127.0.0.1 5060 --user alice)" 200
call_up "after the control socket rounds"
ctl "$T/mn.sock" hangup >/dev/null
check "the call ends with hangup" wait_stat 10 "$T/mn.sock" .call.state eq idle
finish
