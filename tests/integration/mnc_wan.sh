#!/usr/bin/env bash
# Mobile Node Control with the CN "across a continent": 100 ms one way
# between the CN's network and the user's (the wire tool joins two
# namespaces). Transfer to a speakerphone and retrieval both complete with
# no CN packet unplayed (lapse 0); the measured latency includes the CN's
# round trip. After each, both ends play: the new place plays the CN's stream
# and the CN plays the new place's (receive SSRC, growing played count), and
# the place left behind sends no more.
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
need "the CN hears the MN" wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 25
cn_ssrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
mn_ssrc=$(jstat "$T/mn.sock" '.call.media[0].tx_ssrc')
need "the CN receives the SSRC the MN's status gives" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$mn_ssrc"

# the CN's current sender is SSRC, and stays it while the CN plays 50 more
cn_hears() {
	check "the CN hears $1 (rx_ssrc)" \
		wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$2"
	check "...only $1, while it plays 50 more" \
		keeps "$T/cn.sock" '.streams[0].rx_ssrc' "$2" \
		"$T/cn.sock" '.streams[0].played_packets' 50
}

r=$(ctl "$T/mn.sock" --json move --audio "sip:speaker@$NEAR_IP:5071")
log "transfer over the WAN: $(jq -c .last_transfer <<<"$r")"
check "transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "transfer: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "transfer: signalling took at least the CN's round trip" \
	ge "$(jq -r .last_transfer.signaling_ms <<<"$r")" 200
check "the speaker plays the CN's stream (rx_ssrc)" \
	wait_stat 10 "$T/spk.sock" '.streams[0].rx_ssrc' eq "$cn_ssrc"
check "...and keeps playing it (50 more)" \
	grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
sp_ssrc=$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')
cn_hears "the speaker" "$sp_ssrc"
# the move answers after the MN's safety interval
check "the MN sends no more (tx_packets still for a second)" \
	keeps "$T/mn.sock" '.call.media[0].tx_packets' \
	"$(jstat "$T/mn.sock" '.call.media[0].tx_packets')" \
	"$T/cn.sock" '.streams[0].played_packets' 50

played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
r=$(ctl "$T/mn.sock" --json retrieve)
log "retrieve over the WAN: $(jq -c .last_transfer <<<"$r")"
check "retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "retrieve: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "the MN plays the CN again" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 50))
check "the MN plays the CN's stream (rx_ssrc)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].rx_ssrc' eq "$cn_ssrc"
check "...only the CN's, while it plays 50 more" \
	keeps "$T/mn.sock" '.call.media[0].rx_ssrc' "$cn_ssrc" \
	"$T/mn.sock" '.call.media[0].played_packets' 50
check "the speaker was hung up (no session, no stream)" \
	wait_stat 10 "$T/spk.sock" '(.sessions | length) + (.streams | length)' eq 0
cn_hears "the MN again" "$mn_ssrc"
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up reaches the far CN" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
finish
