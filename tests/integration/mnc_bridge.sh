#!/usr/bin/env bash
# Instant moves: the bridges of Mobile Node Control with the CN "across a
# continent" (100 ms one way, the wire tool between two namespaces). The
# CN is our basic videophone, so that both directions can be measured at
# both ends:
#  - downstream: the new place plays the CN's stream before the CN's answer
#    to the re-INVITE is back (latency below the CN's round trip), and no
#    packet of the CN goes unplayed (lapse 0), audio and video;
#  - upstream: the CN hears the MN, then the new place through the MN's
#    stream, then the new place itself, with no packet of the user's voice
#    missing (the CN's own playout report), and on the wire one stream per
#    sender, one after the other: no sequence jump, no second SSRC while
#    bridged (tshark, tests/tools/rtp_streams.py);
#  - the medium that did not move goes on, both ways;
#  - retrieval the same way back, through the device;
#  - an ordinary phone as the new place, and --bridge off: today's moves.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
peers_require tcpdump tshark jq
scenario_init mnc_bridge
wan_init
need "wan up (100 ms one way)" wan_up 100
TOOLS=$SIPMOB_SRC/tests/tools

start_far cn "$BIN/sipmob-device" --sip "$FAR_IP:5080" --name cn --basic \
	--media audio,video --control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip "$NEAR_IP:5071" --name speaker \
	--control "$T/spk.sock"
start disp "$BIN/sipmob-device" --sip "$NEAR_IP:5072" --name display \
	--media video --video display --control "$T/disp.sock"
start cam "$BIN/sipmob-device" --sip "$NEAR_IP:5073" --name camera \
	--media video --video camera --control "$T/cam.sock"
start basic "$BIN/sipmob-device" --sip "$NEAR_IP:5074" --name phone \
	--basic --control "$T/basic.sock"
start mn "$BIN/sipmob-mn" --sip "$NEAR_IP:5060" --user alice \
	--media audio,video --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/disp.sock" -a -S "$T/cam.sock" -a -S "$T/basic.sock" \
	-a -S "$T/mn.sock"
# what reaches the CN, captured in its own namespace
start_far cap tcpdump -i any --immediate-mode -U -Z root -s 0 \
	-w "$T/cap.pcap" udp
need "capture starts" wait_until 5 grep -q 'listening on' "$T/cap.log"

ctl "$T/mn.sock" call "sip:cn@$FAR_IP:5080" >/dev/null
need "call established across the WAN" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
need "MN hears and sees the CN" wait_stat 10 "$T/mn.sock" \
	'[.call.media[0].played_packets, .call.media[1].played_packets] | min' ge 25
need "the CN hears the MN" wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 25
CN_A=$(jstat "$T/cn.sock" '.streams[] | select(.type == "audio") | .local')
CN_V=$(jstat "$T/cn.sock" '.streams[] | select(.type == "video") | .local')
log "CN's audio at $CN_A, video at $CN_V"

now_ms() { date +%s%3N; }

# upstream TYPE FROM_MS: what the CN played of us since FROM_MS (lapse,
# disruption, senders), from its own playout report
upstream() {
	sleep 1.5   # the CN has played the new sender for a while
	ctl "$T/cn.sock" --json playout "$2" |
		/usr/bin/python3 "$TOOLS/playout_metrics.py" --type "$1"
}
# wire DST FROM_MS: the RTP streams that reached DST since FROM_MS
wire() {
	/usr/bin/python3 "$TOOLS/rtp_streams.py" "$T/cap.pcap" --dst "$1" \
		--from "$(awk -v t="$2" 'BEGIN { printf "%.3f", t / 1000 }')" --json
}

# one_after_other NAME DST FROM_MS WHAT: on the wire to DST since FROM_MS,
# two streams (WHAT says whose), never interleaved, no sequence jump
one_after_other() {
	local w
	w=$(wire "$2" "$3")
	log "$1: on the wire to the CN: $(jq -c '[.segments[] | {ssrc, packets, seq_jumps, reordered}]' <<<"$w")"
	check "wire: $4, never interleaved" \
		eval '[ "$(jq -r "(.segments | length) == 2 and .interleaved == false" <<<"$w")" = true ]'
	check "wire: no sequence jump ($4)" \
		eq "$(jq -r '[.segments[].seq_jumps] | add' <<<"$w")" 0
}

# still_flows MEDIUM: the medium that did not move goes on at the MN and
# the CN, both ways (packets or frames counted)
still_flows() {
	local i=0 what=packets count=played_packets
	if [ "$1" = video ]; then i=1; what=frames; count=frames_decoded; fi
	check "$1 did not move: the MN still gets the CN's $what" \
		grows 10 "$T/mn.sock" ".call.media[$i].played_packets" 10
	check "$1 did not move: the CN still gets the MN's $what" \
		grows 10 "$T/cn.sock" ".streams[$i].$count" 10
}

# moved NAME R: the move R was ok, bridged, with no lapse, and the new place
# played before the CN's answer came back (a round trip is 200 ms here)
moved() {
	local name=$1 r=$2 path=${3:-.last_transfer}
	log "$name: $(jq -c .last_transfer <<<"$r")"
	check "$name: ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
	check "$name: bridged" eq "$(jq -r .last_transfer.bridged <<<"$r")" true
	check "$name: lapse 0" eq "$(jq -r "$path | (.lapse_packets // .lapse_frames)" <<<"$r")" 0
	check "$name: the CN's answer took its round trip (signaling_ms >= 200)" \
		ge "$(jq -r .last_transfer.signaling_ms <<<"$r")" 200
	check "$name: the new place played before it (latency_ms < 200)" \
		le "$(jq -r "$path.latency_ms" <<<"$r")" 199
}

# ---- audio to the speakerphone -------------------------------------------
sync
t0=$(now_ms)
r=$(ctl "$T/mn.sock" --json move --audio "sip:speaker@$NEAR_IP:5071")
moved "audio transfer" "$r"
check "audio transfer: packets carried both ways" \
	eval '[ "$(jq -r ".last_transfer.bridge_relayed > 0 and .last_transfer.bridge_spliced > 0" <<<"$r")" = true ]'
up=$(upstream audio "$t0")
log "audio transfer: the CN heard $up"
check "audio transfer upstream: the CN missed no packet of ours" \
	eq "$(jq -r .lapse <<<"$up")" 0
check "audio transfer upstream: two senders (the MN, then the speaker)" \
	eq "$(jq -r .ssrcs <<<"$up")" 2
check "the speaker plays the CN" grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
check "the CN hears the speaker" wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' \
	eq "$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')"
still_flows video
one_after_other "audio transfer" "$CN_A" "$t0" "the MN's stream, then the speaker's"

# ---- audio back ---------------------------------------------------------------
sleep 1
t0=$(now_ms)
r=$(ctl "$T/mn.sock" --json retrieve --media audio)
moved "audio retrieve" "$r"
up=$(upstream audio "$t0")
log "audio retrieve: the CN heard $up"
check "audio retrieve upstream: the CN missed no packet of ours" \
	eq "$(jq -r .lapse <<<"$up")" 0
check "the MN plays the CN again" grows 10 "$T/mn.sock" '.call.media[0].played_packets' 50
check "the CN hears the MN again" wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' \
	eq "$(jstat "$T/mn.sock" '.call.media[0].tx_ssrc')"
one_after_other "audio retrieve" "$CN_A" "$t0" "the speaker's stream, then the MN's"
still_flows video

# ---- video split: the display shows the CN, the camera films us ---------------
sleep 1
t0=$(now_ms)
r=$(ctl "$T/mn.sock" --json move --display "sip:display@$NEAR_IP:5072" \
	--camera "sip:camera@$NEAR_IP:5073")
moved "video split" "$r" .last_transfer.video
check "the display decodes the CN's video" grows 10 "$T/disp.sock" \
	'.streams[0].frames_decoded' 10
up=$(upstream video "$t0")
log "video split: the CN saw $up"
check "video split upstream: the CN missed no frame of ours" \
	eq "$(jq -r .lapse <<<"$up")" 0
one_after_other "video split" "$CN_V" "$t0" "the MN's video, then the camera's"
still_flows audio

sleep 1
t0=$(now_ms)
r=$(ctl "$T/mn.sock" --json retrieve --media video)
moved "video retrieve" "$r" .last_transfer.video
up=$(upstream video "$t0")
log "video retrieve: the CN saw $up"
check "video retrieve upstream: the CN missed no frame of ours" \
	eq "$(jq -r .lapse <<<"$up")" 0
one_after_other "video retrieve" "$CN_V" "$t0" "the camera's video, then the MN's"
still_flows audio
check "the MN sees the CN again" grows 10 "$T/mn.sock" '.call.media[1].played_packets' 10
check "the CN sees the MN again" grows 10 "$T/cn.sock" '.streams[1].frames_decoded' 10

# ---- an ordinary phone takes no bridge: the move is as before -----------------
sleep 1
r=$(ctl "$T/mn.sock" --json move --audio "sip:phone@$NEAR_IP:5074")
log "basic phone: $(jq -c .last_transfer <<<"$r")"
check "basic phone: ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "basic phone: not bridged, and why" eval \
	'[ "$(jq -r ".last_transfer.bridged == false and (.last_transfer.bridge_note | test(\"ordinary phone\"))" <<<"$r")" = true ]'
check "basic phone: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "basic phone: it waited for the CN (latency_ms >= 200)" \
	ge "$(jq -r .last_transfer.latency_ms <<<"$r")" 200
r=$(ctl "$T/mn.sock" --json retrieve)
check "basic phone: retrieve ok, not bridged" eq \
	"$(jq -r '.last_transfer | "\(.ok) \(.bridged)"' <<<"$r")" "true false"
ctl "$T/mn.sock" hangup >/dev/null
need "hang-up reaches the far CN" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0

# ---- --bridge off: the moves of before ----------------------------------------
stop mn
start mn "$BIN/sipmob-mn" --sip "$NEAR_IP:5060" --user alice --bridge off \
	--control "$T/mn.sock"
need "MN up again" wait_until 10 ctl "$T/mn.sock" status
ctl "$T/mn.sock" call "sip:cn@$FAR_IP:5080" >/dev/null
need "call again" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
r=$(ctl "$T/mn.sock" --json move --audio "sip:speaker@$NEAR_IP:5071")
log "bridge off: $(jq -c .last_transfer <<<"$r")"
check "bridge off: ok, not bridged, and why" eq \
	"$(jq -r '.last_transfer | "\(.ok) \(.bridged) \(.bridge_note)"' <<<"$r")" \
	"true false bridges are off (--bridge off)"
check "bridge off: the speaker waited for the CN (latency_ms >= 200)" \
	ge "$(jq -r .last_transfer.latency_ms <<<"$r")" 200
check "bridge off: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
ctl "$T/mn.sock" hangup >/dev/null
stop cap
finish
