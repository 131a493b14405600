#!/usr/bin/env bash
# interop/cn_reinvite: the correspondent node re-INVITEs the MN while the
# MN's audio is at a local device (RFC 5631 §7, RFC 3725 §4). The MN forwards
# the re-INVITE to the device, in the device's own dialog, and the CN gets
# the answer the device gave. The CN is software we did not write:
#
#  1. linphonec (liblinphone 5.1): the MN calls it, moves the audio to the
#     speaker device, then linphonec puts the call on hold (`pause`) and
#     takes it back (`resume`). Held: the device's audio direction is
#     recvonly (or inactive), it sends nothing (tx_packets stands still, and
#     no datagram from its RTP port to linphonec's on the wire while held).
#     Resumed: sendrecv, it sends and plays again. The audio stays at the
#     speaker throughout, and the SIP on the wire shows the forwarding (a
#     re-INVITE to the device with the hold, a 200 to linphonec with the
#     device's answer).
#  2. sipp (tests/interop/sipp/uas_cn_reinvite.xml): after the move, a
#     re-INVITE without SDP (the 200 must offer the device's media: its port
#     on the wire and in sipp's own check), then one offering PCMA only (the
#     device ends up sending PCMA, the 200 chooses PCMA). The device still
#     plays, the call stays established with the audio at the speaker, and
#     sipp's scenario succeeds.
#
# A part whose peer is not installed is skipped (logged); the scenario is
# skipped (77) only when neither linphonec nor sipp is there.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_cn_reinvite
peers_require tshark tcpdump jq

have_lin=false have_sipp=false
command -v linphonec >/dev/null && have_lin=true
command -v sipp >/dev/null && have_sipp=true
if ! $have_lin && ! $have_sipp; then
	log "skipped: neither linphonec nor sipp is installed (scripts/install-deps installs them)"
	exit 77
fi

MN=5060
SPP=5071
SP=sip:speaker@127.0.0.1:$SPP
LIN=25080          # linphonec as the CN: SIP 25080, audio RTP 25082
LIN_RTP=$((LIN + 2))
CN=5090            # sipp as the CN: SIP 5090, media 6090 (echoed)
CN_MEDIA=$((CN + 1000))

need "capture starts" capture_start cap udp
# RTP ranges of their own, away from linphonec's and sipp's fixed ports
start sp "$BIN/sipmob-device" --sip 127.0.0.1:$SPP --name speaker \
	--rtp-ports 30000-30099 --control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--rtp-ports 31000-31099 --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock"

# ------------------------------------------------------------------ helpers

# dir_is SOCK VALUE...: the device's audio direction is one of VALUE...
dir_is() {
	local d v sock=$1; shift
	d=$(jstat "$sock" '.streams[0].dir') || return 1
	for v in "$@"; do [ "$d" = "$v" ] && return 0; done
	return 1
}

# at_speaker: the MN's audio is at the speaker
at_speaker() { [ "$(jstat "$T/mn.sock" '.call.media[0].at')" = "$SP" ]; }

# held_still SECS: for SECS (sampled every 0.1 s) the device's tx_packets
# does not move, its direction stays held, and the MN's audio stays at the
# speaker. A deliberate window: proving that nothing is sent takes time.
held_still() {
	local secs=$1 tx0 tx d i
	tx0=$(jstat "$T/sp.sock" '.streams[0].tx_packets')
	ge "$tx0" 0 || return 1
	for i in $(seq $((secs * 10))); do
		sleep 0.1
		tx=$(jstat "$T/sp.sock" '.streams[0].tx_packets')
		d=$(jstat "$T/sp.sock" '.streams[0].dir')
		if [ "$tx" != "$tx0" ]; then
			log "held: the device's tx_packets moved $tx0 -> $tx"
			return 1
		fi
		if [ "$d" != recvonly ] && [ "$d" != inactive ]; then
			log "held: the device's direction became $d"
			return 1
		fi
		if ! at_speaker; then
			log "held: the MN's audio left the speaker"
			return 1
		fi
	done
	log "held: the device's tx_packets stood at $tx0 for ${secs}s"
}

# udp_between SRCPORT DSTPORT T0 [T1]: prints how many datagrams went from
# SRCPORT to DSTPORT between the epoch times T0 and T1 (or after T0)
udp_between() {
	tshark -r "$T/cap.pcap" -Y "udp && !icmp && udp.srcport == $1 && udp.dstport == $2" \
		-T fields -e frame.time_epoch 2>/dev/null |
		awk -v a="$3" -v b="${4:-}" '$1 >= a && (b == "" || $1 <= b) { n++ } END { print n + 0 }'
}

# udp_after_ge SRCPORT DSTPORT T0 N: at least N such datagrams after T0
udp_after_ge() { [ "$(udp_between "$1" "$2" "$3")" -ge "$4" ]; }

# mn_updates: how many times the MN forwarded the CN's media to the speaker
mn_updates() { grep -c "CN's media changed; updating $SP" "$T/mn.log"; }

now() { date +%s.%N; }

# step DESCRIPTION CMD...: a check the rest of its part depends on; fails
# (returns 1) when the check did, so the part can stop there
step() { local f=$FAILED; check "$@"; [ "$FAILED" -eq "$f" ]; }

# ------------------------------------------------ 1. linphonec holds, resumes

part_linphone() {
	local r dev devport tx played t_held t_end t_res n up0 f
	log "---- part 1: linphonec as the CN puts the call on hold and resumes"
	step "lin: linphonec starts" linphone_start lin $LIN || return
	ctl "$T/mn.sock" call "sip:lin@127.0.0.1:$LIN" >/dev/null
	step "lin: call to linphonec established" \
		wait_stat 10 "$T/mn.sock" .call.state eq established || return
	check "lin: linphonec says connected" \
		wait_log lin 'Call [0-9]+ with .* connected' 10
	step "lin: the MN plays linphonec (25 packets)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || return

	r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
	log "lin: move: $(jq -c .last_transfer <<<"$r")"
	step "lin: move ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true || return
	check "lin: the audio is at the speaker" at_speaker
	check "lin: the speaker plays linphonec (50 more packets)" \
		grows 10 "$T/sp.sock" '.streams[0].played_packets' 50
	dev=$(jstat "$T/sp.sock" '.streams[0].local')
	devport=${dev##*:}
	log "lin: the speaker's audio is at $dev, linphonec's at 127.0.0.1:$LIN_RTP"
	check "lin: the speaker sends to linphonec (wire, 25 datagrams)" \
		capture_wait cap "udp && !icmp && udp.srcport == $devport && udp.dstport == $LIN_RTP" 5 25
	check "lin: the speaker's direction is sendrecv" dir_is "$T/sp.sock" sendrecv

	# hold
	up0=$(mn_updates)
	linphone_cmd lin pause
	check "lin: linphonec paused the call" wait_log lin 'Call [0-9]+ with .* is now paused' 10
	check "lin: the speaker got the hold (dir recvonly or inactive)" \
		wait_until 10 dir_is "$T/sp.sock" recvonly inactive
	log "lin: held: the speaker's direction is $(jstat "$T/sp.sock" '.streams[0].dir'), the MN's: $(jstat "$T/mn.sock" '.call.media[0].dir')"
	check "lin: the MN forwarded the hold to the speaker (its log)" \
		wait_until 5 eval '[ "$(mn_updates)" -gt "$up0" ]'
	check "lin: held: the audio is still at the speaker" at_speaker
	t_held=$(now)
	check "lin: held: the speaker sends nothing (tx_packets still for 1 s)" held_still 1
	t_end=$(now)
	sleep 0.2   # let the capture catch up with the window's end
	n=$(udp_between "$devport" "$LIN_RTP" "$t_held" "$t_end")
	log "lin: held: $n datagrams from $devport to $LIN_RTP on the wire between $t_held and $t_end"
	check "lin: held: no datagram from the speaker's RTP port to linphonec (wire)" eq "$n" 0
	f="udp.dstport == $SPP && sip.Method == \"INVITE\" && sip.to.tag && (frame contains \"a=sendonly\" || frame contains \"a=inactive\")"
	check "lin: wire: the MN re-INVITEd the speaker with the hold (in its dialog)" \
		capture_wait cap "$f" 5
	f="udp.srcport == $MN && udp.dstport == $LIN && sip.Status-Code == 200 && sip.CSeq.method == \"INVITE\" && (frame contains \"a=recvonly\" || frame contains \"a=inactive\")"
	check "lin: wire: linphonec got a 200 with the device's held answer" \
		capture_wait cap "$f" 5

	# resume
	up0=$(mn_updates)
	tx=$(jstat "$T/sp.sock" '.streams[0].tx_packets')
	played=$(jstat "$T/sp.sock" '.streams[0].played_packets')
	t_res=$(now)
	linphone_cmd lin resume
	check "lin: linphonec resumes the call" wait_log lin 'Resuming call [0-9]+' 10
	check "lin: resumed: the speaker's direction is sendrecv again" \
		wait_until 10 dir_is "$T/sp.sock" sendrecv
	check "lin: the MN forwarded the resume to the speaker (its log)" \
		wait_until 5 eval '[ "$(mn_updates)" -gt "$up0" ]'
	check "lin: resumed: the speaker sends again (25 more packets)" \
		wait_stat 10 "$T/sp.sock" '.streams[0].tx_packets' ge $((tx + 25))
	check "lin: resumed: the speaker plays again (50 more packets)" \
		wait_stat 10 "$T/sp.sock" '.streams[0].played_packets' ge $((played + 50))
	check "lin: resumed: the speaker's RTP reaches linphonec again (wire, 25 datagrams)" \
		wait_until 5 udp_after_ge "$devport" "$LIN_RTP" "$t_res" 25
	check "lin: resumed: the speaker kept its address" \
		eq "$(jstat "$T/sp.sock" '.streams[0].local')" "$dev"
	check "lin: resumed: the audio is still at the speaker" at_speaker
	check "lin: the speaker had one session throughout" \
		eq "$(jstat "$T/sp.sock" '.sessions | length')" 1

	ctl "$T/mn.sock" hangup >/dev/null
	check "lin: hang-up: the MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
	check "lin: linphonec's call ended" wait_log lin 'Call [0-9]+ with .* ended' 10
	check "lin: the speaker was hung up" \
		wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0
}

# --------------------------------- 2. sipp: offerless re-INVITE, then PCMA

part_sipp() {
	local r dev devport port addr rc
	log "---- part 2: sipp as the CN re-INVITEs without SDP, then changes the codec"
	step "sipp: CN starts" sipp_uas cn $CN uas_cn_reinvite \
		-trace_logs -log_file "$T/cn.actions.log" || return
	ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$CN" >/dev/null
	step "sipp: call established" \
		wait_stat 10 "$T/mn.sock" .call.state eq established || return
	check "sipp: the MN receives (sipp's echo)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_packets' ge 25

	r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
	log "sipp: move: $(jq -c .last_transfer <<<"$r")"
	step "sipp: move ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true || return
	check "sipp: the audio is at the speaker" at_speaker
	check "sipp: the speaker plays (sipp's echo, 50 packets)" \
		grows 10 "$T/sp.sock" '.streams[0].played_packets' 50
	dev=$(jstat "$T/sp.sock" '.streams[0].local')
	devport=${dev##*:}
	log "sipp: the speaker's audio is at $dev"

	# the offerless re-INVITE (CSeq 101): the MN's 200 offers the device
	check "sipp: wire: sipp's re-INVITE without SDP" \
		capture_wait cap "udp.srcport == $CN && sip.Method == \"INVITE\" && sip.CSeq.seq == 101 && !sdp" 10
	check "sipp: wire: the MN answered it 200 with an offer (SDP)" \
		capture_wait cap "udp.srcport == $MN && udp.dstport == $CN && sip.Status-Code == 200 && sip.CSeq.seq == 101 && sdp" 10
	read -r port addr < <(tshark -r "$T/cap.pcap" -Y "udp.srcport == $MN && sip.Status-Code == 200 && sip.CSeq.seq == 101 && sdp" \
		-T fields -e sdp.media.port -e sdp.connection_info.address 2>/dev/null | head -1)
	log "sipp: the MN's offer: m=audio port ${port:-?}, c= ${addr:-?}"
	check "sipp: the offer's m=audio port is the speaker's ($devport)" eq "${port:-}" "$devport"
	check "sipp: the offer's c= address is the speaker's (${dev%:*})" eq "${addr:-}" "${dev%:*}"
	check "sipp: wire: sipp's ACK carries the answer" \
		capture_wait cap "udp.srcport == $CN && sip.Method == \"ACK\" && sip.CSeq.seq == 101 && sdp" 5
	check "sipp: after the offerless exchange: the speaker is still sendrecv" \
		wait_until 5 dir_is "$T/sp.sock" sendrecv
	check "sipp: ...and plays on (50 more packets)" \
		grows 10 "$T/sp.sock" '.streams[0].played_packets' 50
	check "sipp: ...with the audio at the speaker" at_speaker

	# the PCMA re-INVITE (CSeq 102): the device takes PCMA, the CN is told
	check "sipp: the speaker's codec becomes PCMA" \
		wait_stat 15 "$T/sp.sock" '.streams[0].codec' eq PCMA
	log "sipp: speaker: $(jstat "$T/sp.sock" '.streams[0] | {codec, dir, tx_packets, played_packets}' | jq -c .); MN: $(jstat "$T/mn.sock" '.call.media[0]' | jq -c .)"
	check "sipp: wire: the MN's 200 to the PCMA offer chooses PCMA (RTP/AVP 8)" \
		capture_wait cap "udp.srcport == $MN && sip.Status-Code == 200 && sip.CSeq.seq == 102 && frame matches \"m=audio [0-9]+ RTP/AVP 8[^0-9]\"" 5
	check "sipp: wire: the speaker sends PCMA (payload type 8) to sipp" \
		capture_wait cap "rtp && !icmp && udp.srcport == $devport && udp.dstport == $CN_MEDIA && rtp.p_type == 8" 5 25
	check "sipp: PCMA: the speaker is sendrecv" dir_is "$T/sp.sock" sendrecv
	check "sipp: PCMA: the speaker plays (50 more packets)" \
		grows 10 "$T/sp.sock" '.streams[0].played_packets' 50
	check "sipp: PCMA: the speaker kept its address" \
		eq "$(jstat "$T/sp.sock" '.streams[0].local')" "$dev"
	check "sipp: PCMA: the call is established" \
		eq "$(jstat "$T/mn.sock" .call.state)" established
	check "sipp: PCMA: the audio is at the speaker" at_speaker
	check "sipp: the speaker had one session throughout" \
		eq "$(jstat "$T/sp.sock" '.sessions | length')" 1

	ctl "$T/mn.sock" hangup >/dev/null
	check "sipp: hang-up: the MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
	sipp_wait cn 15
	rc=$?
	check "sipp: the CN scenario succeeded (exit $rc)" eq "$rc" 0
	check "sipp: the speaker was hung up" \
		wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0
}

# end_part PEER: whatever state a part stopped in, the next starts idle:
# the MN hangs up a call left over, the part's CN is stopped
end_part() {
	if [ "$(jstat "$T/mn.sock" .call.state)" != idle ]; then
		log "a call is left over; hanging up"
		ctl "$T/mn.sock" hangup >/dev/null
		wait_stat 5 "$T/mn.sock" .call.state eq idle ||
			log "the MN did not become idle"
	fi
	stop "$1"
}

if $have_lin; then
	part_linphone
	end_part lin
else
	log "linphonec not installed: part 1 skipped"
fi
if $have_sipp; then
	part_sipp
	end_part cn
else
	log "sipp not installed: part 2 skipped"
fi

need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
finish
