#!/usr/bin/env bash
# interop/baresip_call: calls with baresip 1.0.0, an ordinary phone we did not
# write (issue 2, interop (a)).
#   (a) sipmob-mn calls baresip (auto-answer, PCMU): established; a second of
#       audio each way (the MN plays 50 of baresip's packets; baresip's
#       rtp_stats table counts what it got); the MN's BYE ends both sides.
#   (b) baresip dials sipmob-device: the device answers, plays 50 of
#       baresip's packets; baresip hangs up and the device's session ends.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_baresip_call
peers_require baresip jq

BS=25070    # baresip (TLS 25071, ctrl_tcp 25072)
MN=5060
DEV=5070

need "baresip starts" baresip_start cn $BS
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--codecs PCMU --control "$T/mn.sock"
start dev "$BIN/sipmob-device" --sip 127.0.0.1:$DEV --name speaker \
	--control "$T/dev.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/dev.sock"

# (a) the MN calls baresip
ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$BS" >/dev/null
need "a: MN's call to baresip is established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "a: baresip logs the call as established" baresip_wait_established cn 5 1
check "a: PCMU negotiated" eq "$(jstat "$T/mn.sock" '.call.media[0].codec')" PCMU
check "a: the MN plays 50 of baresip's packets (1 s)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 50
check "a: the MN sent 50 packets (1 s)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].tx_packets' ge 50
mn_tx=$(jstat "$T/mn.sock" '.call.media[0].tx_packets')
ctl "$T/mn.sock" hangup >/dev/null
check "a: BYE: MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "a: BYE: baresip's call ended" baresip_wait_closed cn 5 1
check "a: baresip has no call left" eq "$(baresip_calls cn)" 0
stats=$(baresip_rtp_stats cn)
log "a: baresip RTP tx/rx: ${stats:-none}; MN sent $mn_tx"
set -- $stats
check "a: baresip received the MN's RTP (>= 50)" ge "${2:-0}" 50
check "a: baresip sent RTP (>= 50)" ge "${1:-0}" 50

# (b) baresip calls the device
n=$(baresip_established_count cn)
check "b: baresip takes the dial command" baresip_dial cn "sip:speaker@127.0.0.1:$DEV"
check "b: the device has an established session" \
	wait_stat 10 "$T/dev.sock" '.sessions[0].state' eq established
check "b: baresip logs the call as established" baresip_wait_established cn 5 $((n + 1))
check "b: the device plays 50 of baresip's packets" \
	wait_stat 10 "$T/dev.sock" '.streams[0].played_packets' ge 50
check "b: the device sends (50 packets)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].tx_packets' ge 50
check "b: baresip hangs up" baresip_hangup cn
check "b: the device's session ends" wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
check "b: baresip's call ended" baresip_wait_closed cn 5 2
# the second call's rtp_stats table, not the first one's
check "b: baresip printed the call's RTP stats" \
	_peer_wait cn 5 _baresip_count_ge cn '^packets:' 2
stats=$(baresip_rtp_stats cn)
log "b: baresip RTP tx/rx: ${stats:-none}"
set -- $stats
check "b: baresip received the device's RTP (>= 50)" ge "${2:-0}" 50

check "sipmob daemons still running" eval 'alive mn && alive dev'
finish
