#!/usr/bin/env bash
# Both ends hand off at once (RFC 5631 §7): alice and bob, two mobile
# nodes in a call, each hand the call to their own speakerphone at the
# same moment. Each refuses the other's INVITE with Replaces while its own
# REFER is out (491), the 491 comes back in the NOTIFYs, and each tries
# again after a random wait, the Call-ID's owner waiting longer. In the
# end both handoffs succeed, the two speakerphones hold one session with
# each other, the audio flows both ways between them, and neither MN is
# left in the call. Bob and his speakerphone are 100 ms away (the wire), so
# that both REFERs are surely out when the other side's INVITE arrives.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
scenario_init sh_simultaneous
wan_init
need "wan up (100 ms one way)" wan_up 100

BOB=sip:bob@$FAR_IP:5062
SPKA=sip:spka@$NEAR_IP:5071
SPKB=sip:spkb@$FAR_IP:5072

start spka "$BIN/sipmob-device" --sip "$NEAR_IP:5071" --name spka \
	--control "$T/spka.sock"
start_far spkb "$BIN/sipmob-device" --sip "$FAR_IP:5072" --name spkb \
	--control "$T/spkb.sock"
start alice "$BIN/sipmob-mn" --sip "$NEAR_IP:5060" --user alice \
	--control "$T/alice.sock"
start_far bob "$BIN/sipmob-mn" --sip "$FAR_IP:5062" --user bob \
	--control "$T/bob.sock"
need "daemons up" wait_until 10 test -S "$T/spka.sock" -a -S "$T/spkb.sock" \
	-a -S "$T/alice.sock" -a -S "$T/bob.sock"

ctl "$T/alice.sock" call "$BOB" >/dev/null
need "call established" wait_stat 10 "$T/bob.sock" .call.state eq established
need "bob plays alice" grows 10 "$T/bob.sock" '.call.streams[0].played_packets' 20

ctl "$T/alice.sock" move --to "$SPKA" --mode handoff --json >"$T/a.json" &
pa=$!
ctl "$T/bob.sock" move --to "$SPKB" --mode handoff --json >"$T/b.json" &
pb=$!
wait $pa $pb
log "alice: $(cat "$T/a.json")"
log "bob: $(cat "$T/b.json")"
check "alice's handoff succeeds" test "$(jq -r .last_transfer.ok "$T/a.json")" = true
check "bob's handoff succeeds" test "$(jq -r .last_transfer.ok "$T/b.json")" = true
check "both handed off at once: a glare, 491, tried again" \
	grep -q "trying again" "$T/alice.log" "$T/bob.log"
check "alice left the call" wait_stat 10 "$T/alice.sock" .call.state eq idle
check "bob left the call" wait_stat 10 "$T/bob.sock" .call.state eq idle

live() { jstat "$1" '[.sessions[] | select(.state == "established")]'; }
check "speaker A holds one session, with speaker B" \
	wait_stat 10 "$T/spka.sock" '[.sessions[] | select(.state == "established")] | map(.remote) | join(",")' eq "$SPKB"
check "speaker B holds one session, with speaker A" \
	wait_stat 10 "$T/spkb.sock" '[.sessions[] | select(.state == "established")] | map(.remote) | join(",")' eq "$SPKA"
a_tx=$(jstat "$T/spka.sock" '.streams[-1].tx_ssrc')
b_tx=$(jstat "$T/spkb.sock" '.streams[-1].tx_ssrc')
check "speaker B plays speaker A" wait_stat 10 "$T/spkb.sock" '.streams[-1].rx_ssrc' eq "$a_tx"
check "... and goes on" grows 10 "$T/spkb.sock" '.streams[-1].played_packets' 20
check "speaker A plays speaker B" wait_stat 10 "$T/spka.sock" '.streams[-1].rx_ssrc' eq "$b_tx"
check "... and goes on" grows 10 "$T/spka.sock" '.streams[-1].played_packets' 20
finish
