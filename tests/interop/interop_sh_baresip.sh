#!/usr/bin/env bash
# interop/sh_baresip: Session Handoff mode with a correspondent node that
# does not take Replaces (RFC 3891): baresip 1.0.0. It answers 420 Bad
# Extension to an INVITE with `Require: replaces`, and an INVITE whose
# Replaces it does not understand is to it a second, independent call
# (../shared/PEERS.md). sipmob-mn calls baresip; the speaker is a
# mobility-enhanced sipmob-device owned by the MN, registered in SLP (room
# 123) with a sipmob-da.
#
#  (a) `move --to SPK --mode handoff` (forced) must fail cleanly: the reply
#      says ok=false with an error sentence naming Replaces, and nothing
#      moved: the MN's call is still established, still plays baresip's
#      stream (same rx_ssrc, played_packets grows) and still sends;
#      baresip's RTP still goes to the MN on the wire; baresip still has
#      its one call, with the MN, and established no other; the speaker
#      holds no established session. A handoff "done" by a second call
#      that baresip takes beside the first, followed by a BYE of the MN's
#      own, is not a handoff: the far end noticed, and these checks fail.
#      (A device INVITE with `Require: replaces` gets baresip's 420; what
#      the device sent and what baresip answered is logged from the wire.)
#  (b) the MN finds the speaker with `devices --room 123` (mobility-
#      enhanced), so `move --to speaker` in auto mode (the default) could
#      hand off; but the MN asks baresip (one OPTIONS, as baresip's 200 did
#      not say) and learns that it does not say it
#      takes Replaces, so it must choose Mobile Node Control: transfer_mode
#      "mnc", transfer_mode_why naming Replaces; the move works: the
#      speaker plays baresip's stream (its rx_ssrc is the one the MN
#      played) and sends, baresip's RTP goes to the speaker, baresip keeps
#      its one call and the MN sends no more.
# The capture must decode with no malformed packet.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_sh_baresip
peers_require baresip tshark tcpdump jq
ns_multicast

BS=25070                      # baresip: SIP 25070, RTP 40000-40099
MN=5060
SPP=5071
MNURI=sip:alice@127.0.0.1:$MN
SPK=sip:speaker@127.0.0.1:$SPP

need "capture starts" capture_start cap udp
start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
need "baresip starts" baresip_start cn $BS
start spk "$BIN/sipmob-device" --sip 127.0.0.1:$SPP --name speaker \
	--owner "$MNURI" --room 123 --slp-da 127.0.0.1 \
	--rtp-ports 30000-30099 --control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--slp-da 127.0.0.1 --rtp-ports 31000-31099 --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/spk.sock"
need "the speaker registered in SLP" wait_log spk 'registered in SLP' 10

# spk_sessions: established sessions at the speaker, from a status that
# names it (so that 0 is an answer, not a silence)
spk_sessions() {
	jstat "$T/spk.sock" 'if .name == "speaker" then
		[.sessions[] | select(.state == "established")] | length
	else "no answer" end'
}
spk_idle() { [ "$(spk_sessions)" = 0 ]; }
# bs_with_mn: baresip lists exactly one call, and it is with the MN
bs_with_mn() {
	local d
	d=$(baresip_cmd cn listcalls | jq -r .data) || return 1
	[[ "$d" == *"Active calls (1)"* && "$d" == *"$MNURI"* ]]
}
# rtp_to ADDR:PORT: baresip's last RTP packet on the wire went there
rtp_to() { [ "$(baresip_rtp_peer cn "$T/cap.pcap")" = "$1" ]; }
# call_up: a fresh call from the MN to baresip, audio both ways
call_up() {
	ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$BS" >/dev/null
	wait_stat 10 "$T/mn.sock" .call.state eq established &&
		grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 25 &&
		grows 10 "$T/mn.sock" '.call.streams[0].tx_packets' 25
}

need "call to baresip established, audio both ways" call_up
check "baresip has the call, with the MN" wait_until 5 bs_with_mn
check "baresip's 200 does not say it takes Replaces (cn_replaces not known)" \
	eq "$(jstat "$T/mn.sock" .call.cn_replaces)" null

# ---------------------------------------------- (a) forced handoff fails
log "---- (a) move --mode handoff to a CN that does not take Replaces"
cn_ssrc=$(jstat "$T/mn.sock" '.call.streams[0].rx_ssrc')
mn_addr=$(jstat "$T/mn.sock" '.call.streams[0].local')
est0=$(baresip_established_count cn)
log "a: the MN plays baresip's SSRC $cn_ssrc at $mn_addr"
r=$(ctl "$T/mn.sock" -t 30 --json move --to "$SPK" --mode handoff)
rc=$?
log "a: move --mode handoff (exit $rc): $r"
err=$(jq -r '.last_transfer.error // .error // empty' <<<"$r")
check "a: the handoff is refused (ok false)" eq "$(jq -r .ok <<<"$r")" false
check "a: ...and last_transfer says so" \
	eq "$(jq -r '.last_transfer.ok // false' <<<"$r")" false
check "a: ...with an error sentence naming Replaces" \
	eval '[[ ${#err} -ge 20 && "$err" == *Replaces* ]]'
check "a: ...and a non-zero exit status" test "$rc" -ne 0
log "a: wire: the speaker's INVITE to baresip: $(tshark -r "$T/cap.pcap" \
	-Y "udp.srcport == $SPP && udp.dstport == $BS && sip.Method == \"INVITE\"" \
	-T fields -E separator=';' -e sip.Require -e sip.Supported -e sip.Replaces 2>/dev/null |
	head -1 | sed -E 's/^([^;]*);([^;]*);(.*)$/Require "\1", Supported "\2", Replaces "\3"/'); baresip answered it: $(tshark -r "$T/cap.pcap" \
	-Y "udp.srcport == $BS && udp.dstport == $SPP && sip.CSeq.method == \"INVITE\" && sip.Status-Code >= 200" \
	-T fields -e sip.Status-Code 2>/dev/null | sort -u | tr '\n' ' ')"
check "a: the MN's call is still established" \
	eq "$(jstat "$T/mn.sock" .call.state)" established
check "a: the MN has handed nothing off (handoff.state none)" \
	eq "$(jstat "$T/mn.sock" .handoff.state)" none
check "a: the MN still plays baresip's stream (rx_ssrc $cn_ssrc)" \
	eq "$(jstat "$T/mn.sock" '.call.streams[0].rx_ssrc')" "$cn_ssrc"
check "a: ...and goes on playing it (50 more packets)" \
	grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 50
check "a: the MN still sends (25 more packets)" \
	grows 10 "$T/mn.sock" '.call.streams[0].tx_packets' 25
check "a: baresip's RTP still goes to the MN, $mn_addr (wire)" rtp_to "$mn_addr"
check "a: baresip still has its one call, with the MN" bs_with_mn
check "a: baresip established no other call" \
	eq "$(baresip_established_count cn)" "$est0"
check "a: the speaker holds no established session" wait_until 5 spk_idle
log "a: the speaker's sessions: $(jstat "$T/spk.sock" '.sessions' | jq -c .)"

# ------------------------------------- (b) auto mode chooses MNC, it works
log "---- (b) move --to speaker in auto mode: MNC, since baresip takes no Replaces"
if [ "$(jstat "$T/mn.sock" .call.state)" != established ] || ! bs_with_mn; then
	log "b: (a) left no call of the MN's with baresip; starting afresh"
	ctl "$T/mn.sock" hangup >/dev/null 2>&1
	baresip_hangup_all cn 10 || log "b: baresip still has a call"
	wait_until 10 spk_idle || log "b: the speaker still holds a session"
	need "b: a fresh call to baresip, audio both ways" call_up
fi
r=$(ctl "$T/mn.sock" --json devices --room 123)
log "b: devices --room 123: $(jq -c '[.devices[]? | {name, url, me: .attrs."mobility-enhanced"}]' <<<"$r")"
check "b: SLP finds the speaker, mobility-enhanced" \
	eq "$(jq -r '[.devices[]? | select(.url == "'"$SPK"'") | .attrs."mobility-enhanced"] | join(",")' <<<"$r")" true

cn_ssrc=$(jstat "$T/mn.sock" '.call.streams[0].rx_ssrc')
reinv=$(_peer_log cn | grep -c 'got re-INVITE')
r=$(ctl "$T/mn.sock" -t 30 --json move --to speaker)
log "b: move --to speaker: $(jq -c '.last_transfer // .' <<<"$r")"
why=$(jq -r '.last_transfer.transfer_mode_why // empty' <<<"$r")
need "b: the move is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "b: auto mode chose MNC" eq "$(jq -r .last_transfer.transfer_mode <<<"$r")" mnc
check "b: ...saying why: the CN and Replaces ($why)" \
	eval '[[ "$why" == *Replaces* ]]'
check "b: the MN asked baresip with OPTIONS, once: cn_replaces false" \
	eq "$(jstat "$T/mn.sock" .call.cn_replaces)" false
log "b: baresip's OPTIONS answer: Supported: $(tshark -r "$T/cap.pcap" -Y "udp.srcport == $BS && sip.CSeq.method == \"OPTIONS\" && sip.Status-Code" \
	-T fields -e sip.Supported 2>/dev/null | head -1)"
check "b: the MN's audio is at the speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SPK"
check "b: baresip was re-INVITEd" \
	eval '[ "$(_peer_log cn | grep -c "got re-INVITE")" -gt "$reinv" ]'
check "b: the speaker plays baresip's stream (rx_ssrc $cn_ssrc)" \
	wait_stat 10 "$T/spk.sock" '.streams[-1].rx_ssrc' eq "$cn_ssrc"
check "b: ...and goes on playing it (50 more packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
check "b: the speaker sends (25 more packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].tx_packets' 25
sp_addr=$(jstat "$T/spk.sock" '.streams[-1].local')
check "b: baresip's RTP goes to the speaker, $sp_addr (wire)" wait_until 5 rtp_to "$sp_addr"
check "b: the speaker's RTP reaches baresip (wire, 25 datagrams)" \
	capture_wait cap "rtp && !icmp && udp.srcport == ${sp_addr#*:} && udp.dstport >= 40000 && udp.dstport <= 40099" 5 25
check "b: the MN sends no more while the speaker plays 25" \
	keeps "$T/mn.sock" '.call.streams[0].tx_packets' \
	"$(jstat "$T/mn.sock" '.call.streams[0].tx_packets')" \
	"$T/spk.sock" '.streams[-1].played_packets' 25
check "b: baresip still has its one call, with the MN" bs_with_mn
check "b: the speaker has one session" eq "$(spk_sessions)" 1

ctl "$T/mn.sock" hangup >/dev/null
check "hang-up: the MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "hang-up: baresip has no call left" wait_until 10 eval '[ "$(baresip_calls cn)" = 0 ]'
check "hang-up: the speaker was hung up" wait_until 10 spk_idle

need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
finish
