#!/usr/bin/env bash
# interop/kamailio: Kamailio 5.6 as registrar and record-routing proxy (issue
# 2 interop (d)). sipmob-device and sipmob-mn register there; the MN calls
# the device by its address-of-record through Kamailio: established, audio
# both ways, and the MN's BYE (routed through the proxy) ends both sides.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_kamailio
peers_require kamailio jq

KAM=5090
MN=5060
DEV=5070

need "capture starts" capture_start cap udp
need "kamailio starts" kamailio_start kam $KAM
start dev "$BIN/sipmob-device" --sip 127.0.0.1:$DEV --name speaker \
	--registrar "sip:127.0.0.1:$KAM" --control "$T/dev.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--registrar "sip:127.0.0.1:$KAM" --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/dev.sock"

check "the device is registered" wait_until 10 kamailio_registered kam speaker
check "the MN is registered" wait_until 10 kamailio_registered kam alice
log "speaker bound to: $(kamailio_contacts kam speaker | tr '\n' ' ')"
log "alice bound to: $(kamailio_contacts kam alice | tr '\n' ' ')"
check "the device's binding is its own address" \
	eval 'kamailio_contacts kam speaker | grep -q "127.0.0.1:$DEV"'
check "the MN's binding is its own address" \
	eval 'kamailio_contacts kam alice | grep -q "127.0.0.1:$MN"'

ctl "$T/mn.sock" call "sip:speaker@127.0.0.1:$KAM" >/dev/null
need "call by AOR through kamailio is established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "kamailio routed the INVITE by AOR" \
	wait_log kam "routing INVITE to sip:speaker@127.0.0.1:$DEV" 2
check "the device has the session" \
	wait_stat 5 "$T/dev.sock" '.sessions[0].state' eq established
check "the device plays 50 of the MN's packets" \
	wait_stat 10 "$T/dev.sock" '.streams[0].played_packets' ge 50
check "the MN plays 50 of the device's packets" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 50
ctl "$T/mn.sock" hangup >/dev/null
check "BYE: the MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "BYE: the device's session ended" \
	wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
check "the MN's BYE went to kamailio (record-routed dialog)" \
	capture_wait cap "sip.Method == \"BYE\" && udp.dstport == $KAM" 5
check "...and kamailio relayed it to the device" \
	capture_wait cap "sip.Method == \"BYE\" && udp.dstport == $DEV" 5
check "the device's 200 for the BYE came back through kamailio" \
	capture_wait cap "sip.CSeq.method == \"BYE\" && sip.Status-Code == 200 && udp.dstport == $KAM" 5
need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
check "REGISTERs on the wire (2 + 2 answers)" \
	ge "$(tshark_count "$T/cap.pcap" 'sip.CSeq.method == "REGISTER"')" 4
check "sipmob daemons still running" eval 'alive mn && alive dev'
finish
