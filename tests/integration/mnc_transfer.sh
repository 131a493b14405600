#!/usr/bin/env bash
# Mobile Node Control with our own devices (spec §5.2): the MN calls a CN
# (an ordinary phone: sipmob-device --basic), moves its audio to a
# speakerphone, on to a second one, and retrieves it. After each step the
# medium is where status says; both ends of the moved stream play: the new
# place plays the CN's stream (its receive SSRC is the CN's, its played
# count grows) and the CN plays the new place's (the same, the other way);
# the place left behind sends no more (the MN's tx count stands still, a
# device is hung up, and the CN hears no other SSRC meanwhile); no CN packet
# went unplayed (lapse 0).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init mnc_transfer

SP1=sip:speaker1@127.0.0.1:5071
SP2=sip:speaker2@127.0.0.1:5072

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start sp1 "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker1 \
	--control "$T/sp1.sock"
start sp2 "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name speaker2 \
	--control "$T/sp2.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/sp1.sock" \
	-a -S "$T/sp2.sock" -a -S "$T/mn.sock"

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "MN hears the CN" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
need "the CN hears the MN" wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 25
cn_ssrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
mn_ssrc=$(jstat "$T/mn.sock" '.call.media[0].tx_ssrc')
log "the CN sends SSRC $cn_ssrc, the MN $mn_ssrc"
need "the CN receives the SSRC the MN's status gives" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$mn_ssrc"

# the CN's stream reaches DEV (a device's control socket): its current
# sender is the CN and it plays 50 more packets
plays_cn() {
	check "$1 plays the CN's stream (rx_ssrc)" \
		wait_stat 10 "$2" '.streams[0].rx_ssrc' eq "$cn_ssrc"
	check "...and keeps playing it (50 more)" \
		grows 10 "$2" '.streams[0].played_packets' 50
}
# the MN plays the CN's stream: its latest receive SSRC is the CN's and
# stays it while its played count rises by 50 (the SSRC alone may be left
# over from before a move)
mn_plays_cn() {
	check "the MN plays the CN's stream (rx_ssrc)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_ssrc' eq "$cn_ssrc"
	check "...only the CN's, while it plays 50 more" \
		keeps "$T/mn.sock" '.call.media[0].rx_ssrc' "$cn_ssrc" \
		"$T/mn.sock" '.call.media[0].played_packets' 50
}
# the CN's current sender is SSRC, and stays it while the CN plays 50 more
# packets (the place left behind sends nothing in between)
cn_hears() {
	check "the CN hears $1 (rx_ssrc)" \
		wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$2"
	check "...only $1, while it plays 50 more" \
		keeps "$T/cn.sock" '.streams[0].rx_ssrc' "$2" \
		"$T/cn.sock" '.streams[0].played_packets' 50
}

# transfer (Figure 2): the move command answers when the metrics are in,
# which is after the MN's safety interval
r=$(ctl "$T/mn.sock" --json move --audio "$SP1")
log "move to speaker1: $(jq -c .last_transfer <<<"$r")"
check "transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "transfer: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "transfer: latency measured" ge "$(jq -r .last_transfer.latency_ms <<<"$r")" 0
check "status: audio is at speaker1" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SP1"
plays_cn speaker1 "$T/sp1.sock"
sp1_ssrc=$(jstat "$T/sp1.sock" '.streams[0].tx_ssrc')
cn_hears speaker1 "$sp1_ssrc"
check "the MN sends no more after its safety interval (tx_packets still)" \
	keeps "$T/mn.sock" '.call.media[0].tx_packets' \
	"$(jstat "$T/mn.sock" '.call.media[0].tx_packets')" \
	"$T/cn.sock" '.streams[0].played_packets' 50

# move on, device to device
r=$(ctl "$T/mn.sock" --json move --audio "$SP2")
log "move to speaker2: $(jq -c .last_transfer <<<"$r")"
check "second transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "second transfer: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "status: audio is at speaker2" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SP2"
plays_cn speaker2 "$T/sp2.sock"
sp2_ssrc=$(jstat "$T/sp2.sock" '.streams[0].tx_ssrc')
check "speaker2 sends another SSRC than speaker1" \
	eval '[ "$sp2_ssrc" != "$sp1_ssrc" ]'
check "speaker1 was hung up (no session, no stream)" \
	wait_stat 10 "$T/sp1.sock" '(.sessions | length) + (.streams | length)' eq 0
cn_hears speaker2 "$sp2_ssrc"

# retrieval (§5.2.3)
played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
r=$(ctl "$T/mn.sock" --json retrieve)
log "retrieve: $(jq -c .last_transfer <<<"$r")"
check "retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "retrieve: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "status: audio is back at self" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
check "the MN plays the CN again" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 50))
mn_plays_cn
check "speaker2 was hung up (no session, no stream)" \
	wait_stat 10 "$T/sp2.sock" '(.sessions | length) + (.streams | length)' eq 0
cn_hears "the MN again" "$mn_ssrc"

# the far end saw one call throughout
check "the CN had one session all along" \
	eq "$(jstat "$T/cn.sock" '.sessions | length')" 1
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
finish
