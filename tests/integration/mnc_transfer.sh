#!/usr/bin/env bash
# Mobile Node Control with our own devices (spec §5.2): the MN calls a CN
# (an ordinary phone: sipmob-device --basic), moves its audio to a
# speakerphone, on to a second one, and retrieves it. After each step the
# medium is where status says, the new place really plays the CN's stream,
# the CN hears the new place, no CN packet went unplayed (lapse 0), and the
# device left behind was hung up.
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

# transfer (Figure 2): the move command answers when the metrics are in
r=$(ctl "$T/mn.sock" --json move --audio "$SP1")
log "move to speaker1: $(jq -c .last_transfer <<<"$r")"
check "transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "transfer: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "transfer: latency measured" ge "$(jq -r .last_transfer.latency_ms <<<"$r")" 0
check "status: audio is at speaker1" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SP1"
check "speaker1 plays the CN's stream" \
	wait_stat 10 "$T/sp1.sock" '.streams[0].played_packets' ge 50
sp1_ssrc=$(jstat "$T/sp1.sock" '.streams[0].tx_ssrc')
check "the CN hears speaker1" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$sp1_ssrc"
mn_tx=$(jstat "$T/mn.sock" '.call.media[0].tx_packets')
check "the MN stopped sending after its safety interval" \
	wait_stat 5 "$T/cn.sock" '.streams[0].played_packets' ge \
	$(( $(jstat "$T/cn.sock" '.streams[0].played_packets') + 25 ))
check "...and sends no more" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].tx_packets')" "$mn_tx"

# move on, device to device
r=$(ctl "$T/mn.sock" --json move --audio "$SP2")
log "move to speaker2: $(jq -c .last_transfer <<<"$r")"
check "second transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "second transfer: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "speaker2 plays the CN's stream" \
	wait_stat 10 "$T/sp2.sock" '.streams[0].played_packets' ge 50
check "speaker1 was hung up" \
	wait_stat 10 "$T/sp1.sock" '.sessions | length' eq 0

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
check "speaker2 was hung up" \
	wait_stat 10 "$T/sp2.sock" '.sessions | length' eq 0
check "the CN hears the MN again" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrcs' ge 2

# the far end saw one call throughout
check "the CN had one session all along" \
	eq "$(jstat "$T/cn.sock" '.sessions | length')" 1
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
finish
