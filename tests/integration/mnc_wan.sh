#!/usr/bin/env bash
# Mobile Node Control with the CN "across a continent": 100 ms one way
# between the CN's network and the user's (the wire tool joins two
# namespaces). Transfer to a speakerphone and retrieval both complete with
# no CN packet unplayed (lapse 0); the measured latency includes the CN's
# round trip.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
scenario_init mnc_wan
wan_init
need "wan up (100 ms one way)" wan_up 100

start_far cn "$BIN/sipmob-device" --sip "$FAR_IP:5080" --name cn --basic \
	--control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip "$NEAR_IP:5071" --name speaker \
	--control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip "$NEAR_IP:5060" --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/mn.sock"

ctl "$T/mn.sock" call "sip:cn@$FAR_IP:5080" >/dev/null
need "call established across the WAN" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
need "MN hears the CN" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25

r=$(ctl "$T/mn.sock" --json move --audio "sip:speaker@$NEAR_IP:5071")
log "transfer over the WAN: $(jq -c .last_transfer <<<"$r")"
check "transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "transfer: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "transfer: signalling took at least the CN's round trip" \
	ge "$(jq -r .last_transfer.signaling_ms <<<"$r")" 200
check "the speaker plays the CN" \
	wait_stat 10 "$T/spk.sock" '.streams[0].played_packets' ge 50
sp_ssrc=$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')
check "the CN hears the speaker" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$sp_ssrc"

r=$(ctl "$T/mn.sock" --json retrieve)
log "retrieve over the WAN: $(jq -c .last_transfer <<<"$r")"
check "retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "retrieve: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up reaches the far CN" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
finish
