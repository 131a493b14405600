#!/usr/bin/env bash
# interop/mn_dtmf: DTMF (RFC 4733 telephone events) both ways between the
# mobile node and a real correspondent node, first with the user's audio at
# the MN, then with it moved to a local device (the speaker). The MN's
# `dtmf DIGITS` sends from wherever the audio is: from its own stream, or,
# once the audio is at the speaker, by asking the speaker (in-dialog INFO,
# application/dtmf-relay) to send them in the speaker's own RTP.
#
# For each CN, baresip 1.0.0 and linphonec (liblinphone 5.1), one call:
#  (a) audio at the MN: `sipmob dtmf 147#` on the MN → the CN logs the four
#      digits once each, in order (baresip: "received event: 'D' (end=0)";
#      linphonec: "Receiving tone D from …"); on the wire they are events
#      from the MN's RTP port. The CN sends 2580 (baresip: ctrl_tcp
#      sndcode; linphonec: digits typed on its stdin) → the MN's status
#      says dtmf_received "2580". The move waits until the CN's last
#      event has ended on the wire (the MN counts a digit at its first
#      packet; the tail of an event still running at the move would reach
#      the speaker and count there too).
#  (b) `move --audio` to the speaker, then `sipmob dtmf 369*` on the MN →
#      the MN sends the speaker four INFOs (the speaker logs each digit as
#      queued), the CN logs 369* in order, and on the wire these events come
#      from the speaker's RTP port (none from the MN's after the move). The
#      CN sends 1590 → the speaker's dtmf_received is "1590" and the MN's is
#      still "2580". On the wire the CN's events to the speaker are 1590 and
#      carry the telephone-event payload type the speaker answered; the
#      payload types the speaker was offered and answered and those of every
#      event flow are logged (and on a failure of that direction, the
#      speaker's log). The MN's own events are 147# only: after the move it
#      sends none itself.
# Both CNs are needed: without either, the scenario is skipped (77).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_mn_dtmf
peers_require baresip linphonec tshark tcpdump jq

MN=5060
SPP=5071
SP=sip:speaker@127.0.0.1:$SPP
BS=25070           # baresip: TLS 25071, ctrl_tcp 25072, RTP 40000-40099
BS_RTP_LO=40000 BS_RTP_HI=40099
LIN=25080          # linphonec: audio RTP 25082, video 25092
# sipmob's RTP ranges: away from baresip's and linphonec's ports
MN_RTP=31000-31099
SP_RTP=30000-30099

need "capture starts" capture_start cap udp
start sp "$BIN/sipmob-device" --sip 127.0.0.1:$SPP --name speaker \
	--rtp-ports $SP_RTP --control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--rtp-ports $MN_RTP --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock"

# ------------------------------------------------------------------ helpers

# The digits of the distinct events (by RTP timestamp) in the flow FILTER,
# in order; their payload types; how many datagrams of the flow are events.
ev_digits() {
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -Y "rtpevent && !icmp && $1" \
		-T fields -e rtp.timestamp -e rtpevent.event_id 2>/dev/null |
		awk '!seen[$1]++ { printf "%s", substr("0123456789*#ABCD", $2 + 1, 1) }'
}
ev_pts() {
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -Y "rtpevent && !icmp && $1" \
		-T fields -e rtp.p_type 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//'
}
flow() { echo "udp.srcport == $1 && udp.dstport == $2"; }
# ev_ended FLOW N: N events of the flow have ended on the wire (an end
# packet, E bit set, for N distinct timestamps)
ev_ended() {
	local n
	n=$(tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" \
		-Y "rtpevent && !icmp && rtpevent.end_of_event == 1 && $1" \
		-T fields -e rtp.timestamp 2>/dev/null | sort -u | wc -l)
	[ "$n" -ge "$2" ]
}

# sdp_te FILTER: the telephone-event payload types in the SDP of the SIP
# messages matching FILTER (in order, each once; "-" for SDP without one)
sdp_te() {
	tshark -r "$T/cap.pcap" -Y "sdp && !icmp && ($1)" \
		-T fields -e sdp.media_attr 2>/dev/null | while IFS= read -r attrs; do
		tr ',' '\n' <<<"$attrs" |
			sed -nE 's/^rtpmap:([0-9]+) telephone-event\/8000.*/\1/p' |
			head -1 | grep . || echo -
	done | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

# digits the CN logged receiving, all so far, in order
cn_got() {
	case $1 in
	baresip) _peer_log bs | sed -nE "s/.*received event: '(.)' \(end=0\).*/\1/p" | tr -d '\n' ;;
	linphonec) grep -a 'Receiving tone' "$T/lin.log" |
		sed -nE 's/.*Receiving tone (.) from.*/\1/p' | tr -d '\n' ;;
	esac
}
# cn_got_has KIND N: the CN logged at least N digits
cn_got_has() { local g; g=$(cn_got "$1"); [ ${#g} -ge "$2" ]; }

# cn_send KIND DIGITS: the CN sends DIGITS as telephone events
cn_send() {
	case $1 in
	baresip) baresip_cmd bs "$(jq -cn --arg d "$2" '{command:"sndcode",params:$d}')" >/dev/null ;;
	linphonec) linphone_cmd lin "$2" ;;
	esac
}

# at_speaker: the MN's audio is at the speaker
at_speaker() { [ "$(jstat "$T/mn.sock" '.call.media[0].at')" = "$SP" ]; }

# queued_count: how many digits the speaker logged as queued from an INFO
queued_count() { grep -c "DTMF '.' from .* queued" "$T/sp.log"; }
queued_ge() { [ "$(queued_count)" -ge "$1" ]; }

# step DESCRIPTION CMD...: a check the rest of its part depends on; fails
# (returns 1) when the check did, so the part stops there
step() { local f=$FAILED; check "$@"; [ "$FAILED" -eq "$f" ]; }

# ------------------------------------------------------------------ a part

# part KIND NAME PORT: one call from the MN to the CN KIND (baresip or
# linphonec) started as NAME on PORT
part() {
	local kind=$1 name=$2 port=$3 tag=$1 r got0 got q0 mnport cnport spport
	local te_off te_ans te_cn f0 ok_before
	log "---- $kind as the CN"
	ctl "$T/mn.sock" call "sip:$name@127.0.0.1:$port" >/dev/null
	step "$tag: the call is established" \
		wait_stat 15 "$T/mn.sock" .call.state eq established || return
	step "$tag: the MN plays the CN (25 packets)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || return
	mnport=$(jstat "$T/mn.sock" '.call.streams[0].local')
	mnport=${mnport##*:}
	if [ "$kind" = baresip ]; then
		capture_wait cap "rtp && !icmp && udp.dstport == $mnport && udp.srcport >= $BS_RTP_LO && udp.srcport <= $BS_RTP_HI" 5 ||
			log "$tag: no RTP from baresip to the MN on the wire yet"
		cnport=$(tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" \
			-Y "rtp && !icmp && udp.dstport == $mnport && udp.srcport >= $BS_RTP_LO && udp.srcport <= $BS_RTP_HI" \
			-T fields -e udp.srcport 2>/dev/null | head -1)
	else
		cnport=$((port + 2))
	fi
	log "$tag: the MN's RTP port is ${mnport:-?}, the CN's ${cnport:-?}"
	step "$tag: both RTP ports known" test -n "$mnport" -a -n "$cnport" || return
	check "$tag: a: the MN has received no digit yet" \
		eq "$(jstat "$T/mn.sock" .dtmf_received)" ""

	# (a) the audio at the MN
	got0=$(cn_got "$kind")
	check "$tag: a: the MN takes 'dtmf 147#'" eval 'ctl "$T/mn.sock" dtmf "147#" >/dev/null'
	check "$tag: a: the CN logs four digits" \
		wait_until 10 cn_got_has "$kind" $((${#got0} + 4))
	got=$(cn_got "$kind")
	got=${got:${#got0}}
	check "$tag: a: the CN received 147# once each, in order (got '$got')" eq "$got" "147#"
	check "$tag: a: the CN sends 2580" cn_send "$kind" 2580
	check "$tag: a: the MN's dtmf_received is 2580" \
		wait_stat 15 "$T/mn.sock" .dtmf_received eq 2580
	log "$tag: a: the MN's dtmf_received: '$(jstat "$T/mn.sock" .dtmf_received)'"
	# the MN counts a digit at its first packet: let the last event end
	# before the move, or its tail would go to the speaker as a digit
	check "$tag: a: wire: the CN's four events to the MN have ended" \
		wait_until 10 ev_ended "$(flow "$cnport" "$mnport")" 4

	# the move
	r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
	log "$tag: move: $(jq -c .last_transfer <<<"$r")"
	step "$tag: move ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true || return
	check "$tag: the audio is at the speaker" at_speaker
	step "$tag: the speaker plays the CN (50 more packets)" \
		grows 10 "$T/sp.sock" '.streams[0].played_packets' 50 || return
	spport=$(jstat "$T/sp.sock" '.streams[0].local')
	spport=${spport##*:}
	log "$tag: the speaker's RTP port is ${spport:-?}"
	check "$tag: the speaker's stream is sendrecv" \
		eq "$(jstat "$T/sp.sock" '.streams[0].dir')" sendrecv
	check "$tag: b: the speaker's session starts with no digit" \
		eq "$(jstat "$T/sp.sock" .dtmf_received)" ""

	# (b) MN → CN, sent by the speaker
	got0=$(cn_got "$kind")
	q0=$(queued_count)
	check "$tag: b: the MN takes 'dtmf 369*'" eval 'ctl "$T/mn.sock" dtmf "369*" >/dev/null'
	check "$tag: b: the speaker queued four digits from the MN's INFOs" \
		wait_until 10 queued_ge $((q0 + 4))
	check "$tag: b: the CN logs four more digits" \
		wait_until 10 cn_got_has "$kind" $((${#got0} + 4))
	got=$(cn_got "$kind")
	got=${got:${#got0}}
	check "$tag: b: the CN received 369* once each, in order (got '$got')" eq "$got" "369*"
	check "$tag: b: wire: the MN sent the speaker four INFOs (dtmf-relay)" \
		capture_wait cap "udp.srcport == $MN && udp.dstport == $SPP && sip.Method == \"INFO\" && sip.CSeq.seq && frame contains \"dtmf-relay\"" 5 4

	# (b) CN → the speaker
	cn_send "$kind" 1590 || log "$tag: b: the CN did not take the digits"
	ok_before=$FAILED
	check "$tag: b: the speaker's dtmf_received is 1590 (the CN's digits)" \
		wait_stat 15 "$T/sp.sock" .dtmf_received eq 1590
	log "$tag: b: the speaker's dtmf_received: '$(jstat "$T/sp.sock" .dtmf_received)'; the MN's: '$(jstat "$T/mn.sock" .dtmf_received)'"
	check "$tag: b: the MN's dtmf_received is still 2580 (the CN sends to the speaker)" \
		eq "$(jstat "$T/mn.sock" .dtmf_received)" 2580

	# the wire, while the capture runs (each packet of this call is in it)
	wait_until 10 ev_ended "$(flow "$cnport" "$spport")" 4 ||
		log "$tag: not four ended events from the CN to the speaker on the wire"
	check "$tag: wire a: the MN's events to the CN are 147#" \
		eq "$(ev_digits "$(flow "$mnport" "$cnport")")" "147#"
	check "$tag: wire a: the CN's events to the MN are 2580" \
		eq "$(ev_digits "$(flow "$cnport" "$mnport")")" 2580
	check "$tag: wire b: the speaker's events to the CN are 369* (from its RTP port $spport)" \
		eq "$(ev_digits "$(flow "$spport" "$cnport")")" "369*"
	check "$tag: wire b: the CN's events to the speaker are 1590" \
		eq "$(ev_digits "$(flow "$cnport" "$spport")")" 1590
	te_off=$(sdp_te "udp.srcport == $MN && udp.dstport == $SPP && sip.Method == \"INVITE\"")
	te_ans=$(sdp_te "udp.srcport == $SPP && udp.dstport == $MN && sip.Status-Code == 200")
	te_cn=$(ev_pts "$(flow "$cnport" "$spport")")
	log "$tag: telephone-event payload types: in the speaker's offers ${te_off:-(none)}, in its answers ${te_ans:-(none)}; the CN's events to the speaker carry ${te_cn:-(none)}; to the MN before the move $(ev_pts "$(flow "$cnport" "$mnport")"); the speaker's events to the CN $(ev_pts "$(flow "$spport" "$cnport")")"
	check "$tag: wire b: the CN's events to the speaker carry a payload type the speaker answered for telephone-event (${te_cn:-none} in '${te_ans:-}')" \
		eval '[ -n "$te_cn" ] && [[ " $te_ans " == *" $te_cn "* ]]'
	if [ "$FAILED" -ne "$ok_before" ]; then
		log "$tag: the CN's digits did not reach the speaker; its log:"
		sed 's/^/    sp.log: /' "$T/sp.log" | tail -40
	fi

	ctl "$T/mn.sock" hangup >/dev/null
	check "$tag: hang-up: the MN is idle" wait_stat 10 "$T/mn.sock" .call.state eq idle
	check "$tag: hang-up: the speaker was hung up" \
		wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0
	case $kind in
	baresip) check "$tag: baresip's call ended" baresip_wait_closed bs 10 1 ;;
	linphonec) check "$tag: linphonec's call ended" wait_log lin 'Call [0-9]+ with .* ended' 10 ;;
	esac
}

# end_part NAME: whatever state a part stopped in, the next starts idle
end_part() {
	if [ "$(jstat "$T/mn.sock" .call.state)" != idle ]; then
		log "a call is left over; hanging up"
		ctl "$T/mn.sock" hangup >/dev/null
		wait_stat 10 "$T/mn.sock" .call.state eq idle ||
			log "the MN did not become idle"
	fi
	stop "$1"
}

if step "baresip starts" baresip_start bs $BS; then
	part baresip bs $BS
fi
end_part bs
if step "linphonec starts" linphone_start lin $LIN; then
	part linphonec lin $LIN
fi
end_part lin

need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
check "sipmob-mn still running" alive mn
check "sipmob-device still running" alive sp
finish
