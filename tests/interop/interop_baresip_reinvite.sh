#!/usr/bin/env bash
# interop/baresip_reinvite: baresip 1.0.0 as the correspondent node of a
# Mobile Node Control transfer (issue 2 interop (c), issue 4 "with a real CN").
# sipmob-mn calls baresip, then `move --audio` to a sipmob-device: the MN
# re-INVITEs baresip with the device's media, and baresip's RTP must follow
# (the wire says where it goes). Then `retrieve` brings it back to the MN.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_baresip_reinvite
peers_require baresip tshark tcpdump jq

BS=25070
MN=5060
SP=sip:speaker@127.0.0.1:5071

need "capture starts" capture_start cap udp
need "baresip starts" baresip_start cn $BS
start sp "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--codecs PCMU --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock"

ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$BS" >/dev/null
need "call to baresip established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays baresip (25 packets)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
rtp_to() { [ "$(baresip_rtp_peer cn "$T/cap.pcap")" = "$1" ]; }
need "baresip's RTP is on the wire" capture_wait cap 'rtp' 5 10
mn_addr=$(baresip_rtp_peer cn "$T/cap.pcap")
log "baresip sends its RTP to the MN at $mn_addr"
check "baresip's RTP goes to a loopback address" eval '[[ "$mn_addr" == 127.0.0.1:* ]]'

# the move: re-INVITE to baresip with the device's media
reinv=$(_peer_log cn | grep -c 'got re-INVITE')
r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
log "move: $(jq -c .last_transfer <<<"$r")"
check "move: ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "move: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "move: audio is at the device" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SP"
check "baresip was re-INVITEd" \
	eval '[ "$(_peer_log cn | grep -c "got re-INVITE")" -gt "$reinv" ]'
check "the device plays 50 of baresip's packets" \
	wait_stat 10 "$T/sp.sock" '.streams[0].played_packets' ge 50
sp_addr=$(jstat "$T/sp.sock" '.streams[0].local')
log "the device's audio is at $sp_addr"
check "baresip's RTP goes to the device (wire)" wait_until 5 rtp_to "$sp_addr"
check "baresip's log names the device's address" eq "$(baresip_rtp_peer cn)" "$sp_addr"
check "baresip still has one call" eq "$(baresip_calls cn)" 1
check "baresip receives the device (its RTP on the wire to baresip)" \
	capture_wait cap "rtp && ip.src == ${sp_addr%:*} && udp.srcport == ${sp_addr#*:}" 5 25

# retrieve: back to the MN
played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "retrieve: $(jq -c .last_transfer <<<"$r")"
check "retrieve: ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "retrieve: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "retrieve: audio is at self" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
check "the MN plays baresip again (50 more packets)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 50))
check "baresip's RTP goes back to the MN (wire)" wait_until 5 rtp_to "$mn_addr"
check "the device was hung up" wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0

ctl "$T/mn.sock" hangup >/dev/null
check "BYE: MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "BYE: baresip's call ended" baresip_wait_closed cn 5 1
need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
finish
