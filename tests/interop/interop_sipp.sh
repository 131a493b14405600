#!/usr/bin/env bash
# interop/sipp: sipp 3.6 as UAS and as UAC (issue 2 interop (b)).
#   UAS: sipmob-mn calls sipp (uas_answer.xml, -rtp_echo): established, the
#        MN's RTP comes back through sipp's echo (50 packets), the MN's BYE
#        ends sipp's scenario with success (exit 0).
#   UAC: sipp (uac_call.xml) calls sipmob-device: sipp's scenario succeeds
#        (exit 0). uac_call sends no RTP of its own; with -rtp_echo the
#        device's RTP comes back to it, so the device receives 50 packets;
#        sipp's BYE ends the device's session.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_sipp
peers_require sipp jq

UAS=5070   # sipp UAS (media 6070)
UAC=5080   # sipp UAC (media 6080)
MN=5060
DEV=5071

start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--codecs PCMU --control "$T/mn.sock"
start dev "$BIN/sipmob-device" --sip 127.0.0.1:$DEV --name speaker \
	--control "$T/dev.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/dev.sock"

# sipp as UAS
need "sipp UAS starts" sipp_uas uas $UAS uas_answer
ctl "$T/mn.sock" call "sip:sipp@127.0.0.1:$UAS" >/dev/null
check "UAS: call established" wait_stat 10 "$T/mn.sock" .call.state eq established
check "UAS: PCMU negotiated" eq "$(jstat "$T/mn.sock" '.call.media[0].codec')" PCMU
check "UAS: the MN gets its audio back through sipp's echo (50 packets)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].rx_packets' ge 50
log "UAS: MN media $(jstat "$T/mn.sock" '.call.media[0] | {tx_packets, rx_packets, played_packets}' | jq -c .)"
check "UAS: the MN sent 50 packets" \
	wait_stat 5 "$T/mn.sock" '.call.media[0].tx_packets' ge 50
ctl "$T/mn.sock" hangup >/dev/null
check "UAS: the MN is idle after BYE" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "UAS: sipp's scenario succeeded (exit 0)" sipp_wait uas 10

# sipp as UAC
sipp_uac uac $UAC 127.0.0.1:$DEV uac_call -s speaker -set hold_ms 3000
check "UAC: the device has an established session" \
	wait_stat 10 "$T/dev.sock" '.sessions[0].state' eq established
check "UAC: the device sends RTP (50 packets)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].tx_packets' ge 50
check "UAC: the device receives RTP through sipp's echo (50 packets)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].rx_packets' ge 50
log "UAC: device stream $(jstat "$T/dev.sock" '.streams[0] | {codec, tx_packets, rx_packets, played_packets}' | jq -c .)"
check "UAC: sipp's scenario succeeded (exit 0)" sipp_wait uac 15
check "UAC: the device's session ended" \
	wait_stat 5 "$T/dev.sock" '.sessions | length' eq 0
check "sipmob daemons still running" eval 'alive mn && alive dev'
finish
