#!/usr/bin/env bash
# interop/peers_selftest: proves the peer harness (tests/lib/peers.sh) against
# the third-party peers themselves, with no sipmob program involved:
#   1. sipp UAC (uac_call.xml) calls baresip, which auto-answers; RTP flows
#   2. baresip dials a sipp UAS (uas_answer.xml) through ctrl_tcp; a sipp
#      UAC re-INVITEs baresip to a new media port and baresip's RTP follows
#   3. baresip re-INVITEs (hold/resume) a sipp UAS that rejects the first one
#      with 488 / 491; baresip calls a sipp UAS that declines (603) and one
#      that never answers (baresip cancels: 200 + 487)
#   4. Kamailio records a sipp REGISTER (uac_register.xml); a sipp UAC calls
#      the address-of-record through Kamailio and reaches a sipp UAS
#   5. the capture of all that passes tshark_check, with RTP decoded
#   6. a burst of malformed SIP at baresip: it stays up and still takes a call
#   7. linphonec auto-answers a sipp UAC call
# A peer missing skips the whole scenario (77): it never passes with a part
# left out.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"

scenario_init peers_selftest
peers_require baresip sipp kamailio linphonec tshark tcpdump jq
peers_conf_drift

BS=25070   # baresip (TLS on 25071, ctrl_tcp on 25072)
UAS=5070   # sipp UAS
UAC=5080   # sipp UAC
KAM=5090   # Kamailio
LIN=25080  # linphonec (RTP 25082)

need "capture starts" capture_start cap
need "baresip starts" baresip_start cn $BS

# 1. sipp calls baresip
sipp_uac uac1 $UAC 127.0.0.1:$BS uac_call -s cn -set hold_ms 1500
check "sipp UAC call to baresip succeeds" sipp_wait uac1 20
check "baresip logged the call as established" baresip_wait_established cn 5 1
stats=$(baresip_rtp_stats cn)
log "baresip RTP packets tx/rx: ${stats:-none}"
check "baresip sent and received RTP (via sipp's echo)" \
	eval 'set -- $stats; ge "${1:-0}" 25 && ge "${2:-0}" 25'

# 2. baresip calls a sipp UAS
need "sipp UAS starts" sipp_uas uas1 $UAS uas_answer
check "baresip takes the dial command" baresip_dial cn "sip:sipp@127.0.0.1:$UAS"
check "baresip's call to the sipp UAS is established" baresip_wait_established cn 10 2
check "baresip lists one active call" eval '[ "$(baresip_calls cn)" = 1 ]'
peer=$(baresip_rtp_peer cn)
log "baresip sends RTP to ${peer:-?} (log)"
check "baresip's RTP goes to sipp's media port (log)" eq "$peer" "127.0.0.1:$((UAS + 1000))"
rtp_on_wire() { [ "$(baresip_rtp_peer cn "$T/cap.pcap")" = "127.0.0.1:$((UAS + 1000))" ]; }
check "baresip's RTP goes to sipp's media port (wire)" wait_until 5 rtp_on_wire
check "baresip hangs up" baresip_hangup cn
check "sipp UAS saw a complete call" sipp_wait uas1 10

# 2b. a sipp UAC re-INVITEs baresip to a new media port: baresip's RTP follows
MOVED=127.0.0.1:$((UAC + 1002)) # sipp -rtp_echo also echoes on media port + 2
rtp_moved() { [ "$(baresip_rtp_peer cn "$T/cap.pcap")" = "$MOVED" ]; }
sipp_uac mv $UAC 127.0.0.1:$BS uac_reinvite -s cn -set hold_ms 2000 -set move_port $((UAC + 1002))
check "baresip's RTP follows the re-INVITE (wire)" wait_until 5 rtp_moved
check "baresip's log names the new RTP address" eval '[ "$(baresip_rtp_peer cn)" = "$MOVED" ]'
check "sipp UAC re-INVITE call succeeds" sipp_wait mv 15

# 3. the scenarios that reject or never answer, with baresip as the caller
for code in 488 491; do
	n=$(baresip_established_count cn)
	a=$(_peer_log cn | grep -c 'got SDP answer')
	need "sipp UAS uas_reinvite_$code starts" sipp_uas rx$code $UAS uas_reinvite_$code
	baresip_dial cn "sip:sipp@127.0.0.1:$UAS"
	check "baresip's call to uas_reinvite_$code is established" \
		baresip_wait_established cn 10 $((n + 1))
	check "baresip puts the call on hold (re-INVITE)" eval 'baresip_cmd cn hold >/dev/null'
	check "uas_reinvite_$code answers that re-INVITE with $code" \
		capture_wait cap "sip.Status-Code == $code" 5
	check "baresip resumes (re-INVITE, answered 200)" eval 'baresip_cmd cn resume >/dev/null'
	check "baresip got the SDP answer of the resume" \
		wait_until 5 eval '[ "$(_peer_log cn | grep -c "got SDP answer")" -ge $((a + 2)) ]'
	baresip_hangup_all cn
	check "sipp uas_reinvite_$code ran to its end" sipp_wait rx$code 10
done
need "sipp UAS uas_decline starts" sipp_uas dec $UAS uas_decline
baresip_dial cn "sip:sipp@127.0.0.1:$UAS"
check "uas_decline: 603 seen and the call ran to its end" sipp_wait dec 10
check "baresip saw the 603" capture_wait cap 'sip.Status-Code == 603' 2
need "sipp UAS uas_noanswer starts" sipp_uas noans $UAS uas_noanswer
rings=$(tshark_count "$T/cap.pcap" 'sip.Status-Code == 180')
baresip_dial cn "sip:sipp@127.0.0.1:$UAS"
check "uas_noanswer rings" capture_wait cap 'sip.Status-Code == 180' 5 $((rings + 1))
baresip_hangup cn
check "uas_noanswer: CANCEL, 200, 487, ACK" sipp_wait noans 10
check "the 487 went out" capture_wait cap 'sip.Status-Code == 487' 2

# 4. Kamailio: REGISTER, then a call to the AOR lands on the registered UAS
need "kamailio starts" kamailio_start kam $KAM
need "sipp UAS for the AOR starts" sipp_uas uas2 $UAS uas_answer
sipp_uac reg $UAC 127.0.0.1:$KAM uac_register -s alice -set cport $UAS -set expires 300
check "sipp REGISTER gets 200" sipp_wait reg 10
check "kamailio's ul.dump has alice" kamailio_registered kam alice
check "alice is bound to the sipp UAS" eq "$(kamailio_contacts kam alice)" "sip:alice@127.0.0.1:$UAS"
sipp_uac uac2 $UAC 127.0.0.1:$KAM uac_call -s alice -set hold_ms 1000
check "sipp UAC call to the AOR through kamailio succeeds" sipp_wait uac2 20
check "the registered sipp UAS took that call" sipp_wait uas2 10
check "kamailio routed the INVITE by AOR" wait_log kam 'routing INVITE to sip:alice@127.0.0.1:5070' 2

# 5. the wire: every SIP and RTP packet decodes
need "capture stops" capture_stop cap
check "tshark: no malformed packet" tshark_check "$T/cap.pcap"
check "tshark: SIP messages seen" ge "$TSHARK_SIP" 20
check "tshark: RTP decoded" ge "$TSHARK_RTP" 100
check "tshark: REGISTER and its 200 seen" \
	eval 'ge "$(tshark_count "$T/cap.pcap" "sip.CSeq.method == \"REGISTER\"")" 2'

# 6. malformed SIP at baresip
out=$(sip_garbage 127.0.0.1 $BS 300 --user cn)
log "sip_garbage: $out"
check "sip_garbage sent its burst" eval '[[ "$out" == "sent 300,"* ]]'
check "baresip is still running" alive cn
check "baresip still answers ctrl_tcp" eval 'baresip_cmd cn listcalls >/dev/null'
# baresip auto-answers the well-formed INVITEs of the burst; clear them
check "baresip hangs up what the burst left" baresip_hangup_all cn 10
sipp_uac uac3 $UAC 127.0.0.1:$BS uac_call -s cn -set hold_ms 500
check "baresip still takes a call after the burst" sipp_wait uac3 15

# 7. linphonec
need "linphonec starts" linphone_start dev $LIN
sipp_uac uac4 $UAC 127.0.0.1:$LIN uac_call -s dev -set hold_ms 1000
check "sipp UAC call to linphonec succeeds" sipp_wait uac4 15
check "linphonec reports the call connected" wait_log dev 'Call [0-9]+ with .* connected' 2
check "linphonec reports media established" wait_log dev 'Media streams established' 2
check "linphonec reports the call ended" wait_log dev 'Call [0-9]+ with .* ended' 5

finish
