#!/usr/bin/env bash
# Session Handoff mode (spec §5.3, RFC 5631 §5.4) with our own devices: the
# CN is an ordinary phone that takes Replaces (sipmob-device --basic). The
# MN hands the call to the speakerphone (REFER; the speaker INVITEs the CN
# with Replaces; the CN BYEs the MN), the audio really flows both ways at
# the speaker and the CN's stream goes on; the MN retrieves it with a nested
# REFER (the speaker REFERs the MN back); then it hands it off again, and
# retrieves it by subscribing to the speaker's dialog events after a
# restart forgot where it went (`retrieve --from`). At every step `status`
# is true at every party: the MN's handoff state, the CN's single session
# and its far end, the speaker's sessions.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init sh_handoff

MN=sip:alice@127.0.0.1:5060
SPK=sip:speaker@127.0.0.1:5071
CN=sip:cn@127.0.0.1:5080

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--owner "$MN" --control "$T/spk.sock"
start other "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name other \
	--owner sip:bob@127.0.0.1:5062 --control "$T/other.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/mn.sock" -a -S "$T/other.sock"

ctl "$T/mn.sock" call "$CN" >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays the CN" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20

cn_ssrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')

# plays SOCK: its session's audio plays the CN's stream and sends its own
plays_cn() {
	wait_stat 10 "$1" '.streams[-1].rx_ssrc' eq "$cn_ssrc" &&
		grows 10 "$1" '.streams[-1].played_packets' 20 &&
		grows 10 "$1" '.streams[-1].tx_packets' 20
}

# ---- 0. a device owned by someone else refuses: nothing moves
out=$(ctl "$T/mn.sock" move --to sip:other@127.0.0.1:5073 --mode handoff --json)
log "refused: $out"
check "a device that is not ours refuses the handoff" \
	test "$(echo "$out" | jq -r .ok)" = false
check "... and the MN says why" \
	grep -q "refused the REFER (403)" <<<"$(echo "$out" | jq -r .error)"
check "... the call stays with the MN" \
	test "$(jstat "$T/mn.sock" .call.state)" = established
check "... which still plays the CN" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
check "... the device made no session" \
	test "$(jstat "$T/other.sock" '.sessions | length')" = 0
check "... the CN has its one session, with the MN" \
	test "$(jstat "$T/cn.sock" '[.sessions[] | select(.state == "established")] | map(.remote) | join(",")')" = "$MN"
check "... status keeps the reason" \
	grep -q "403" <<<"$(jstat "$T/mn.sock" .call.last_transfer.error)"

# ---- 1. handoff (Figure 4)
out=$(ctl "$T/mn.sock" move --to "$SPK" --mode handoff --json)
log "move: $out"
check "the handoff succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
check "it was a handoff" test "$(echo "$out" | jq -r .last_transfer.transfer_mode)" = handoff
check "its lapse is 0" test "$(echo "$out" | jq -r .last_transfer.lapse_packets)" = 0
check "its latency is known" ge "$(echo "$out" | jq -r .last_transfer.latency_ms)" 0
need "the MN left the call" wait_stat 10 "$T/mn.sock" .call.state eq idle
check "the MN knows where it went" \
	test "$(jstat "$T/mn.sock" .handoff.state)" = handed-off
check "... the speaker" test "$(jstat "$T/mn.sock" .handoff.device)" = "$SPK"
check "the speaker plays the CN's same stream and sends" plays_cn "$T/spk.sock"
check "the CN has one session, with the speaker" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | length' eq 1
check "... whose far end is the speaker" \
	test "$(jstat "$T/cn.sock" '.sessions[-1].remote')" = "$SPK"
check "the CN plays the speaker" grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20
spk_ssrc=$(jstat "$T/spk.sock" '.streams[-1].tx_ssrc')
check "... the speaker's stream" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$spk_ssrc"
check "the CN's call id is the one the MN keeps" \
	test "$(jstat "$T/spk.sock" '.sessions[-1].state')" = established

# ---- 2. retrieval by nested REFER (Figure 5)
out=$(ctl "$T/mn.sock" retrieve --json)
log "retrieve: $out"
check "the retrieval succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
check "... by handoff" test "$(echo "$out" | jq -r .last_transfer.transfer_mode)" = handoff
check "... with no lapse" test "$(echo "$out" | jq -r .last_transfer.lapse_packets)" = 0
need "the MN holds the call again" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the MN plays the CN's stream" \
	wait_stat 10 "$T/mn.sock" '.call.streams[0].rx_ssrc' eq "$cn_ssrc"
check "... and goes on playing it" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
check "the speaker's session ended" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
check "the CN plays the MN" \
	wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$(jstat "$T/mn.sock" '.call.streams[0].tx_ssrc')"
check "the CN has one session" \
	test "$(jstat "$T/cn.sock" '[.sessions[] | select(.state == "established")] | length')" = 1
check "the MN's handoff state is clear" test "$(jstat "$T/mn.sock" .handoff.state)" = none

# ---- 3. handoff again; the MN restarts; retrieval through dialog events
out=$(ctl "$T/mn.sock" move --to "$SPK" --mode handoff --json)
check "the second handoff succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
need "the MN left the call again" wait_stat 10 "$T/mn.sock" .call.state eq idle
stop mn
start mn2 "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn2.sock"
need "the MN is back, knowing nothing" wait_until 10 test -S "$T/mn2.sock"
check "... nothing handed off" test "$(jstat "$T/mn2.sock" .handoff.state)" = none
out=$(ctl "$T/mn2.sock" retrieve --from "$SPK" --json)
log "retrieve --from: $out"
check "retrieval through the speaker's dialog events succeeds" \
	test "$(echo "$out" | jq -r .last_transfer.ok)" = true
need "the MN holds the call" wait_stat 10 "$T/mn2.sock" .call.state eq established
check "the MN plays the CN's stream" \
	wait_stat 10 "$T/mn2.sock" '.call.streams[0].rx_ssrc' eq "$cn_ssrc"
check "... and goes on" grows 10 "$T/mn2.sock" '.call.streams[0].played_packets' 20
check "the CN plays the MN" grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20
check "the speaker holds nothing" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0

ctl "$T/mn2.sock" hangup >/dev/null
check "hang-up ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
finish
