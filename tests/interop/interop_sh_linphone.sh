#!/usr/bin/env bash
# interop/sh_linphone: Session Handoff mode (spec §5.3, RFC 5631 §5.4) with
# a correspondent node we did not write: linphonec (liblinphone 5.1), which
# takes INVITEs with Replaces (RFC 3891) and says so (`Supported: replaces`
# in its 200). sipmob-mn calls linphonec (auto-answer, it plays a 440 Hz
# WAV); the speaker is a mobility-enhanced sipmob-device owned by the MN,
# registered in SLP (room 123) with a sipmob-da. linphonec's RTP SSRC and
# port change with every new call, so "plays linphonec" is judged on the
# wire: the SSRC of the RTP that reaches a holder's port must be the one
# it plays, and its played_packets must grow.
#
#  1. The call: established, audio both ways (the MN plays and sends; on
#     the wire RTP goes both ways); the MN learns linphonec takes Replaces.
#  2. `move --to SPK --mode handoff`: ok; the MN's call ends, and it is
#     linphonec that BYEs it (the MN sends no BYE of its own); the MN
#     knows where the call went (handoff.state handed-off, the speaker);
#     the speaker plays linphonec's stream and sends to it; linphonec has
#     exactly one call, with the speaker (its `calls` table).
#  3. `retrieve` (nested REFER): ok; the MN's call is established again,
#     plays linphonec's stream and sends; the speaker's session ends
#     (linphonec BYEs it); linphonec has one call, with the MN.
#  4. Auto mode: once `devices --room 123` has listed the speaker as
#     mobility-enhanced, and the CN takes Replaces, `move --to speaker`
#     (no --mode) must choose the handoff, saying why; the speaker plays
#     linphonec; `retrieve` brings it back.
#  4b. A multi-device system (`av`: the speaker for audio and a video
#     display, RFC 5631 Figure 6): `move --to AV --mode handoff` makes one
#     INVITE with Replaces out of both members' offers; linphonec (audio
#     only here) takes it, refusing the video line, so the display leaves
#     the system's session (ACK, then BYE) and the speaker stays; linphonec
#     has one call, with the system; the speaker plays linphonec's stream;
#     linphonec holds and resumes the call, and the system passes each
#     re-INVITE on to the speaker (held: it sends nothing; resumed: it
#     plays and sends again); `retrieve` brings the call back to the MN
#     and the speaker's session ends.
#  5. The wire: tshark decodes the capture with no malformed packet; it
#     holds the REFERs (ours with Refer-To ...?Replaces=, the nested one,
#     the speaker's to the MN), NOTIFYs with message/sipfrag (a 200 among
#     them), and INVITEs with a Replaces header, from the speaker and from
#     the MN (with Referred-By).
# The transfer metrics of every handoff and retrieval are logged.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_sh_linphone
peers_require linphonec tshark tcpdump jq
ns_multicast

MN=5060
SPP=5071
LIN=25080                     # linphonec: SIP 25080, audio RTP 25082...
MNURI=sip:alice@127.0.0.1:$MN
SPK=sip:speaker@127.0.0.1:$SPP

need "capture starts" capture_start cap udp
start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start spk "$BIN/sipmob-device" --sip 127.0.0.1:$SPP --name speaker \
	--owner "$MNURI" --room 123 --slp-da 127.0.0.1 \
	--rtp-ports 30000-30099 --control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--slp-da 127.0.0.1 --rtp-ports 31000-31099 --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/spk.sock"
need "the speaker registered in SLP" wait_log spk 'registered in SLP' 10
need "linphonec starts" linphone_start lin $LIN

# ------------------------------------------------------------------ helpers

# linphonec "lin": its calls (peers.sh)
lin_calls() { linphone_calls lin; }
lin_one_call() { linphone_one_call lin "$1"; }
lin_no_call() { linphone_no_call lin; }

# wire_ssrc PORT: the SSRC (decimal) of the last RTP packet sent to PORT
wire_ssrc() {
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" \
		-Y "rtp && !icmp && rtp.ssrc && udp.dstport == $1" \
		-T fields -e rtp.ssrc 2>/dev/null | tail -1 |
		{ read -r x && printf '%d\n' "$x"; }
}
# plays_wire SOCK PREFIX: the holder's rx_ssrc is set and is the SSRC that
# linphonec's RTP to its port carries on the wire
plays_wire() {
	local rx port w
	rx=$(jstat "$1" "$2.rx_ssrc")
	port=$(jstat "$1" "$2.local")
	port=${port##*:}
	w=$(wire_ssrc "$port")
	[ -n "$rx" ] && [ "$rx" != null ] && [ "$rx" != 0 ] && [ "$rx" = "$w" ]
}
# wire_n FILTER: packets of the capture matching FILTER
wire_n() { tshark_count "$T/cap.pcap" "$1"; }
# spk_sessions: established sessions at the speaker, from a status that
# names it (so that 0 is an answer, not a silence)
spk_sessions() {
	jstat "$T/spk.sock" 'if .name == "speaker" then
		[.sessions[] | select(.state == "established")] | length
	else "no answer" end'
}
# metrics LABEL REPLY: log the transfer's metrics; they must be known
metrics() {
	local lt
	lt=$(jq -c '.last_transfer | {transfer_mode, transfer_mode_why, ok, signaling_ms, latency_ms, lapse_packets, disruption_ms, packets, error}' <<<"$2")
	log "$1: metrics: $lt"
	jq -e '.last_transfer | [.signaling_ms, .latency_ms, .lapse_packets, .disruption_ms]
		| all(type == "number" and . >= 0)' <<<"$2" >/dev/null
}

# handed_to_speaker LABEL: after a handoff, everything says the call is
# the speaker's (step 2 and step 4)
handed_to_speaker() {
	local l=$1 sp
	check "$l: the MN's call ended" wait_stat 10 "$T/mn.sock" .call.state eq idle
	check "$l: the MN knows it handed the call off (handoff.state)" \
		eq "$(jstat "$T/mn.sock" .handoff.state)" handed-off
	check "$l: ...to the speaker" eq "$(jstat "$T/mn.sock" .handoff.device)" "$SPK"
	check "$l: linphonec has exactly one call, with the speaker" \
		wait_until 10 lin_one_call "$SPK"
	check "$l: the speaker holds one session" wait_stat 10 "$T/spk.sock" \
		'[.sessions[] | select(.state == "established")] | length' eq 1
	check "$l: the speaker plays linphonec's stream (rx_ssrc, as on the wire)" \
		wait_until 10 plays_wire "$T/spk.sock" '.streams[-1]'
	check "$l: ...and goes on playing it (50 more packets)" \
		grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
	check "$l: the speaker sends (25 more packets)" \
		grows 10 "$T/spk.sock" '.streams[-1].tx_packets' 25
	sp=$(jstat "$T/spk.sock" '.streams[-1].local')
	check "$l: the speaker's RTP reaches linphonec (wire, 25 datagrams)" \
		capture_wait cap "rtp && !icmp && udp.srcport == ${sp##*:} && udp.dstport >= $((LIN + 2)) && udp.dstport < $((LIN + 12))" 5 25
	log "$l: the speaker's audio is at $sp, rx_ssrc $(jstat "$T/spk.sock" '.streams[-1].rx_ssrc'); linphonec's calls: $(lin_calls | tr '\n' ' ')"
}

# back_at_mn LABEL: after a retrieval, the call is the MN's again
back_at_mn() {
	local l=$1 mn
	check "$l: the MN's call is established again" \
		wait_stat 10 "$T/mn.sock" .call.state eq established
	check "$l: the MN's handoff state is clear" \
		eq "$(jstat "$T/mn.sock" .handoff.state)" none
	check "$l: the MN plays linphonec's stream (rx_ssrc, as on the wire)" \
		wait_until 10 plays_wire "$T/mn.sock" '.call.streams[0]'
	check "$l: ...and goes on playing it (50 more packets)" \
		grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 50
	check "$l: the MN sends (25 more packets)" \
		grows 10 "$T/mn.sock" '.call.streams[0].tx_packets' 25
	mn=$(jstat "$T/mn.sock" '.call.streams[0].local')
	check "$l: the MN's RTP reaches linphonec (wire, 25 datagrams)" \
		capture_wait cap "rtp && !icmp && udp.srcport == ${mn##*:} && udp.dstport >= $((LIN + 2)) && udp.dstport < $((LIN + 12))" 5 25
	check "$l: the speaker's session ended" \
		wait_until 10 eval '[ "$(spk_sessions)" = 0 ]'
	check "$l: linphonec has exactly one call, with the MN" \
		wait_until 10 lin_one_call "$MNURI"
}

# ------------------------------------------------------------- 1. the call
ctl "$T/mn.sock" call "sip:lin@127.0.0.1:$LIN" >/dev/null
need "1: call to linphonec established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "1: linphonec says connected" wait_log lin 'Call [0-9]+ with .* connected' 10
need "1: the MN plays linphonec (50 packets)" \
	grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 50
check "1: the MN sends (25 packets)" \
	grows 10 "$T/mn.sock" '.call.streams[0].tx_packets' 25
check "1: the MN plays linphonec's stream (rx_ssrc, as on the wire)" \
	wait_until 10 plays_wire "$T/mn.sock" '.call.streams[0]'
mn_addr=$(jstat "$T/mn.sock" '.call.streams[0].local')
check "1: the MN's RTP reaches linphonec (wire, 25 datagrams)" \
	capture_wait cap "rtp && !icmp && udp.srcport == ${mn_addr##*:} && udp.dstport == $((LIN + 2))" 5 25
check "1: linphonec has exactly one call, with the MN" lin_one_call "$MNURI"
log "1: linphonec's 200 to our INVITE: Supported: $(tshark -r "$T/cap.pcap" \
	-Y "udp.srcport == $LIN && udp.dstport == $MN && sip.CSeq.method == \"INVITE\" && sip.Status-Code == 200" \
	-T fields -e sip.Supported 2>/dev/null | head -1)"
check "1: the MN learns linphonec takes Replaces (cn_replaces true)" \
	wait_stat 5 "$T/mn.sock" .call.cn_replaces eq true

# ------------------------------------------------------------- 2. handoff
log "---- 2. move --to speaker --mode handoff"
byes_mn=$(wire_n "sip.Method == \"BYE\" && udp.srcport == $MN && udp.dstport == $LIN")
r=$(ctl "$T/mn.sock" -t 30 --json move --to "$SPK" --mode handoff)
log "2: handoff: $r"
need "2: the handoff is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "2: it was a handoff" eq "$(jq -r .last_transfer.transfer_mode <<<"$r")" handoff
check "2: its metrics are known (the speaker's playout report)" metrics "2: handoff" "$r"
handed_to_speaker 2
check "2: linphonec ended the MN's dialog itself (its BYE, wire)" \
	capture_wait cap "sip.Method == \"BYE\" && udp.srcport == $LIN && udp.dstport == $MN" 5
check "2: the MN sent linphonec no BYE of its own (wire)" \
	eq "$(wire_n "sip.Method == \"BYE\" && udp.srcport == $MN && udp.dstport == $LIN")" "$byes_mn"
check "2: the speaker's INVITE to linphonec carried Replaces (wire)" \
	capture_wait cap "sip.Method == \"INVITE\" && udp.srcport == $SPP && udp.dstport == $LIN && sip.Replaces && sip.Referred-by contains \"$MNURI\"" 5

# ------------------------------------------------------------- 3. retrieve
log "---- 3. retrieve (nested REFER)"
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "3: retrieve: $r"
need "3: the retrieval is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "3: ...by handoff" eq "$(jq -r .last_transfer.transfer_mode <<<"$r")" handoff
check "3: its metrics are known" metrics "3: retrieve" "$r"
back_at_mn 3
check "3: linphonec BYEd the speaker (wire)" \
	capture_wait cap "sip.Method == \"BYE\" && udp.srcport == $LIN && udp.dstport == $SPP" 5
check "3: the MN's INVITE to linphonec carried Replaces, referred by the speaker (wire)" \
	capture_wait cap "sip.Method == \"INVITE\" && udp.srcport == $MN && udp.dstport == $LIN && sip.Replaces && sip.Referred-by contains \"$SPK\"" 5

# ------------------------------------------------------------- 4. auto mode
log "---- 4. move --to speaker in auto mode, the speaker known through SLP"
check "4: the MN knows linphonec takes Replaces on the new dialog" \
	wait_stat 5 "$T/mn.sock" .call.cn_replaces eq true
r=$(ctl "$T/mn.sock" --json devices --room 123)
log "4: devices --room 123: $(jq -c '[.devices[]? | {name, url, me: .attrs."mobility-enhanced"}]' <<<"$r")"
check "4: SLP finds the speaker, mobility-enhanced" \
	eq "$(jq -r '[.devices[]? | select(.url == "'"$SPK"'") | .attrs."mobility-enhanced"] | join(",")' <<<"$r")" true
r=$(ctl "$T/mn.sock" -t 30 --json move --to speaker)
log "4: move --to speaker: $r"
why=$(jq -r '.last_transfer.transfer_mode_why // empty' <<<"$r")
need "4: the move is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "4: auto mode chose the handoff" \
	eq "$(jq -r .last_transfer.transfer_mode <<<"$r")" handoff
check "4: ...saying why: mobility-enhanced, Replaces ($why)" \
	eval '[[ "$why" == *mobility-enhanced* && "$why" == *Replaces* ]]'
check "4: its metrics are known" metrics "4: auto handoff" "$r"
handed_to_speaker 4
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "4: retrieve: $r"
need "4: the retrieval is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "4: its metrics are known" metrics "4: retrieve" "$r"
back_at_mn 4

# ------------------------------------------------- 4b. a multi-device system
log "---- 4b. move --to av --mode handoff (speaker + display)"
AV=sip:av@127.0.0.1:5075
start tv "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name tv --media video \
	--rtp-ports 32000-32099 --control "$T/tv.sock"
start av "$BIN/sipmob-device" --sip 127.0.0.1:5075 --name av --mdsm \
	--member "$SPK" --member sip:tv@127.0.0.1:5072 --owner "$MNURI" \
	--control "$T/av.sock"
need "4b: the system is up" wait_until 10 test -S "$T/av.sock" -a -S "$T/tv.sock"
wait_stat 10 "$T/mn.sock" '.call.streams[0].played_packets' ge 25
r=$(ctl "$T/mn.sock" -t 30 --json move --to "$AV" --mode handoff)
log "4b: handoff to the system: $r"
need "4b: the handoff is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "4b: its metrics are known" metrics "4b: system handoff" "$r"
check "4b: the MN's call ended" wait_stat 10 "$T/mn.sock" .call.state eq idle
check "4b: linphonec has exactly one call, with the system" \
	wait_until 10 lin_one_call "$AV"
check "4b: the display, whose video linphonec refused, left the session" \
	wait_stat 10 "$T/av.sock" '.sessions[-1].members' eq 1
check "4b: ...and holds no session" wait_stat 10 "$T/tv.sock" \
	'[.sessions[] | select(.state == "established")] | length' eq 0
check "4b: the speaker plays linphonec's stream (rx_ssrc, as on the wire)" \
	wait_until 10 plays_wire "$T/spk.sock" '.streams[-1]'
check "4b: ...and goes on playing it (50 more packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
check "4b: the speaker sends (25 more packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].tx_packets' 25
spk_dir() { local d; d=$(jstat "$T/spk.sock" '.streams[-1].dir'); for v; do [ "$d" = "$v" ] && return 0; done; return 1; }
linphone_cmd lin pause
check "4b: linphonec holds the call" wait_log lin 'Call [0-9]+ with .* is now paused' 10
check "4b: the system passed the hold on to the speaker (recvonly/inactive)" \
	wait_until 10 spk_dir recvonly inactive
check "4b: ...its log says so" wait_log av 'change passed on' 5
tx=$(jstat "$T/spk.sock" '.streams[-1].tx_packets')
sleep 0.5
check "4b: held: the speaker sends nothing" \
	eq "$(jstat "$T/spk.sock" '.streams[-1].tx_packets')" "$tx"
linphone_cmd lin resume
check "4b: linphonec resumes the call" wait_log lin 'Resuming call [0-9]+' 10
check "4b: the speaker is sendrecv again" wait_until 10 spk_dir sendrecv
check "4b: resumed: the speaker sends again (25 more packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].tx_packets' 25
check "4b: resumed: the speaker plays linphonec again (50 more packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "4b: retrieve: $r"
need "4b: the retrieval is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
back_at_mn 4b
check "4b: the display's session ended" wait_stat 10 "$T/tv.sock" \
	'[.sessions[] | select(.state == "established")] | length' eq 0
check "4b: the system holds nothing" wait_stat 10 "$T/av.sock" '.sessions | length' eq 0

ctl "$T/mn.sock" hangup >/dev/null
check "hang-up: the MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "hang-up: linphonec has no call left" wait_until 10 lin_no_call
check "hang-up: the speaker holds nothing" eq "$(spk_sessions)" 0

# ------------------------------------------------------------- 5. the wire
need "capture stops" capture_stop cap
check "5: the wire is clean (no malformed packet)" tshark_check "$T/cap.pcap"
check "5: our REFERs to the speaker name the CN with ?Replaces= (2)" \
	ge "$(wire_n "sip.Method == \"REFER\" && udp.srcport == $MN && udp.dstport == $SPP && sip.Refer-To contains \"Replaces=\" && !(sip.Refer-To contains \"method=REFER\")")" 2
check "5: our nested REFERs (Refer-To ...;method=REFER, 2)" \
	ge "$(wire_n "sip.Method == \"REFER\" && udp.srcport == $MN && udp.dstport == $SPP && sip.Refer-To contains \"method=REFER\"")" 2
check "5: the speaker's REFERs to the MN, referred by it (2)" \
	ge "$(wire_n "sip.Method == \"REFER\" && udp.srcport == $SPP && udp.dstport == $MN && sip.Referred-by contains \"$SPK\"")" 2
check "5: NOTIFYs with message/sipfrag" \
	ge "$(wire_n 'sip.Method == "NOTIFY" && sip.Content-Type contains "message/sipfrag" && sipfrag')" 4
check "5: ...a final one saying 200" \
	ge "$(wire_n 'sip.Method == "NOTIFY" && sip.Content-Type contains "message/sipfrag" && sipfrag.line contains "SIP/2.0 200"')" 1
check "5: INVITEs with a Replaces header to linphonec (4)" \
	ge "$(wire_n "sip.Method == \"INVITE\" && udp.dstport == $LIN && sip.Replaces")" 4
check "5: ...one from the system, with an m-line per member" \
	ge "$(wire_n "sip.Method == \"INVITE\" && udp.srcport == 5075 && udp.dstport == $LIN && sip.Replaces && sdp.media.media == \"video\" && sdp.media.media == \"audio\"")" 1
finish
