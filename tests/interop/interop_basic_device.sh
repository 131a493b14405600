#!/usr/bin/env bash
# interop/basic_device: the local device is an ordinary phone that knows
# nothing of sipmob (issue 4 "with a basic device", spec REQ 2). The CN is
# sipmob-device --basic; sipmob-mn calls it and moves its audio to baresip
# (auto-answer), then retrieves it. The CN must end up hearing baresip's
# stream (its receive SSRC is baresip's, on the wire) and keep playing; the
# transfer metrics are null with a note (baresip has no playout report);
# retrieve brings the audio back to the MN. Then the same with linphonec as
# the device. Without baresip or linphonec the scenario is skipped (77), not
# passed with half of it.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_basic_device
peers_require baresip linphonec tshark tcpdump jq

BS=25070   # baresip as the device (RTP 40000-40099)
LIN=25080  # linphonec as the device (RTP 25082)
CNP=5080
MN=5060

need "capture starts" capture_start cap udp
need "baresip starts" baresip_start dev $BS
start cn "$BIN/sipmob-device" --sip 127.0.0.1:$CNP --name cn --basic \
	--control "$T/cn.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--codecs PCMU --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/cn.sock"

# ssrc_from PORTFILTER: the SSRC (decimal) of the last RTP packet matching
ssrc_from() {
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -Y "rtp && !icmp && ($1)" \
		-T fields -e rtp.ssrc 2>/dev/null | tail -1 | { read -r x && printf '%d\n' "$x"; }
}
_cn_hears() { [ -n "$1" ] && [ "$(jstat "$T/cn.sock" '.streams[0].rx_ssrc')" = "$1" ]; }

# basic_move LABEL DEVURI RTPFILTER: move, check, retrieve
basic_move() {
	local label=$1 uri=$2 filter=$3 r played ssrc mn_ssrc
	mn_ssrc=$(jstat "$T/cn.sock" '.streams[0].rx_ssrc')
	r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$uri")
	log "$label move: $(jq -c .last_transfer <<<"$r")"
	check "$label: move ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
	check "$label: the audio is at the device" \
		eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$uri"
	check "$label: metrics are null (no playout report)" \
		eq "$(jq -r .last_transfer.latency_ms <<<"$r")" null
	check "$label: with a note saying why" \
		test -n "$(jq -r '.last_transfer.metrics_note // empty' <<<"$r")"
	log "$label: metrics_note: $(jq -r '.last_transfer.metrics_note // "(none)"' <<<"$r")"
	check "$label: the device's RTP to the CN is on the wire" \
		capture_wait cap "rtp && ($filter) && udp.dstport != $MN" 5 25
	ssrc=$(ssrc_from "$filter")
	log "$label: the CN heard SSRC $mn_ssrc from the MN; the device sends SSRC ${ssrc:-?}"
	check "$label: the CN now hears the device's stream (rx_ssrc)" \
		wait_until 5 _cn_hears "$ssrc"
	check "$label: rx_ssrc changed" eval '[ "$ssrc" != "$mn_ssrc" ]'
	played=$(jstat "$T/cn.sock" '.streams[0].played_packets')
	check "$label: the CN keeps playing (50 more packets)" \
		wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge $((played + 50))
	check "$label: the CN still has its one session" \
		eq "$(jstat "$T/cn.sock" '.sessions | length')" 1

	played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
	r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
	log "$label retrieve: $(jq -c .last_transfer <<<"$r")"
	check "$label: retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
	check "$label: the audio is back at self" \
		eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
	check "$label: the MN plays the CN again" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 50))
	check "$label: the CN hears the MN again" wait_until 5 _cn_hears "$mn_ssrc"
}

ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$CNP" >/dev/null
need "call to the CN established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays the CN" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25

basic_move baresip "sip:dev@127.0.0.1:$BS" "udp.srcport >= 40000 && udp.srcport <= 40099"
check "baresip: the device's call ended after retrieve" baresip_wait_closed dev 10 1

need "linphonec starts" linphone_start lin $LIN
basic_move linphonec "sip:lin@127.0.0.1:$LIN" "udp.srcport == $((LIN + 2))"
check "linphonec: its call ended after retrieve" \
	wait_log lin 'Call [0-9]+ with .* ended' 10

ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the CN's session" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
finish
