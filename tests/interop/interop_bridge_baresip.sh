#!/usr/bin/env bash
# Instant moves with baresip as the far end, 100 ms away (the wire tool
# between two namespaces): baresip is an ordinary phone that knows nothing
# of bridges. The speakerphone plays baresip's stream before baresip's
# answer to the re-INVITE is back (latency below the round trip), no packet
# of baresip's goes unplayed (lapse 0), and baresip receives one stream at
# a time: the MN's (with the speaker's voice spliced in while bridged),
# then the speaker's, with no sequence jump and no second SSRC in between
# (tshark on baresip's side). The same back on retrieval.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
peers_require baresip tcpdump tshark jq
scenario_init interop_bridge_baresip
wan_init
need "wan up (100 ms one way)" wan_up 100
TOOLS=$SIPMOB_SRC/tests/tools

# baresip on the scenario's side of the wire; the user's side across it
# on every interface of baresip's namespace: the RTP comes over the wire
start cap tcpdump -i any --immediate-mode -U -Z root -s 0 -w "$T/cap.pcap" udp
need "capture starts" wait_until 5 grep -q 'listening on' "$T/cap.log"
BARESIP_IP=$NEAR_IP need "baresip up" baresip_start cn 5080
start_far spk "$BIN/sipmob-device" --sip "$FAR_IP:5071" --name speaker \
	--control "$T/spk.sock"
start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call "sip:cn@$NEAR_IP:5080" >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN hears baresip" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25

now_ms() { date +%s%3N; }
# baresip's RTP address: where the MN sends its audio
cn_rtp() {
	tshark -r "$T/cap.pcap" -Y "udp.dstport >= 40000 && udp.dstport <= 40099" \
		-T fields -e ip.dst -e udp.dstport 2>/dev/null | head -1 | tr '\t' ':'
}
wire() {
	/usr/bin/python3 "$TOOLS/rtp_streams.py" "$T/cap.pcap" --dst "$CN" \
		--from "$(awk -v t="$1" 'BEGIN { printf "%.3f", t / 1000 }')" --json
}
need "baresip's RTP address is on the wire" capture_wait cap \
	"udp.dstport >= 40000 && udp.dstport <= 40099"
CN=$(cn_rtp)
log "baresip receives RTP at $CN"

# moved NAME R T0: ok, bridged, lapse 0, played before the round trip, and
# on the wire one stream after the other
moved() {
	local name=$1 r=$2 t0=$3 w
	log "$name: $(jq -c .last_transfer <<<"$r")"
	check "$name: ok and bridged" eq \
		"$(jq -r '.last_transfer | "\(.ok) \(.bridged)"' <<<"$r")" "true true"
	check "$name: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
	check "$name: baresip's answer took its round trip (signaling_ms >= 200)" \
		ge "$(jq -r .last_transfer.signaling_ms <<<"$r")" 200
	check "$name: played before it (latency_ms < 200)" \
		le "$(jq -r .last_transfer.latency_ms <<<"$r")" 199
	sleep 1.5
	w=$(wire "$t0")
	log "$name: on the wire to baresip: $(jq -c '[.segments[] | {ssrc, packets, seq_jumps, reordered}]' <<<"$w")"
	check "$name: wire: two streams one after the other, never interleaved" \
		eval '[ "$(jq -r "(.segments | length) == 2 and .interleaved == false" <<<"$w")" = true ]'
	check "$name: wire: no sequence jump" \
		eq "$(jq -r '[.segments[].seq_jumps] | add' <<<"$w")" 0
}

t0=$(now_ms)
r=$(ctl "$T/mn.sock" --json -t 30 move --audio "sip:speaker@$FAR_IP:5071")
moved "transfer" "$r" "$t0"
check "the speaker plays baresip" grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
check "baresip receives the speaker (the MN sends no more)" keeps "$T/mn.sock" \
	'.call.media[0].tx_packets' "$(jstat "$T/mn.sock" '.call.media[0].tx_packets')" \
	"$T/spk.sock" '.streams[0].played_packets' 25

t0=$(now_ms)
r=$(ctl "$T/mn.sock" --json -t 30 retrieve)
moved "retrieve" "$r" "$t0"
check "the MN plays baresip again" grows 10 "$T/mn.sock" '.call.media[0].played_packets' 50
check "the speaker was hung up" \
	wait_stat 10 "$T/spk.sock" '(.sessions | length) + (.streams | length)' eq 0
ctl "$T/mn.sock" hangup >/dev/null
need "capture stops" capture_stop cap
finish
