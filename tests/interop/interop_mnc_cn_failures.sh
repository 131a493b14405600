#!/usr/bin/env bash
# interop/mnc_cn_failures: a transfer that fails on the CN's side never drops
# the call (issue 4, item 6, the CN side). sipp plays the CN and answers the
# MN's re-INVITE with 488, 491 (then 200 to the retry), or never answers.
# Each case: a fresh sipp and a fresh call from sipmob-mn, then `move --audio`
# to a sipmob-device.
#   488: the move fails naming 488, the audio stays with the MN, the device
#        is hung up, the call goes on and the MN keeps receiving (sipp echo).
#   491: the MN backs off (RFC 3261 §14.1, as the owner of the Call-ID:
#        2.1-4 s), then retries with a new CSeq; the retry gets 200 and the
#        audio is at the device.
#   timeout: the re-INVITE goes unanswered through its retransmissions; the
#        move fails only after libre's Timer B (32 s), and the call survives.
# Only lower bounds of time are checked here, where they prove that a wait
# happened (a back-off, Timer B); how long things take is `make bench`'s.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_mnc_cn_failures
peers_require sipp tshark tcpdump jq

CN=5080    # sipp, media 6080 (echoed)
MN=5060
SP=sip:speaker@127.0.0.1:5071

need "capture starts" capture_start cap udp port $CN
start sp "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--codecs PCMU --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock"

# new_call LABEL SCENARIO: a sipp CN running SCENARIO and an established call
new_call() {
	need "$1: sipp CN starts" sipp_uas "cn$1" $CN "$2"
	ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$CN" >/dev/null
	need "$1: call established" wait_stat 10 "$T/mn.sock" .call.state eq established
	need "$1: the MN receives (sipp's echo)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_packets' ge 25
}

# call_survives LABEL: the call and the MN's audio are as before
call_survives() {
	local rx
	rx=$(jstat "$T/mn.sock" '.call.media[0].rx_packets')
	check "$1: the call is still established" \
		eq "$(jstat "$T/mn.sock" .call.state)" established
	check "$1: the audio is still at self" \
		eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
	check "$1: the MN keeps receiving (25 more packets)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_packets' ge $((rx + 25))
	check "$1: the device was hung up" \
		wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0
}

# end_call LABEL: the MN hangs up, sipp's scenario ends with success
end_call() {
	ctl "$T/mn.sock" hangup >/dev/null
	check "$1: hang-up: the MN is idle" wait_stat 5 "$T/mn.sock" .call.state eq idle
	check "$1: sipp's CN scenario succeeded (exit 0)" sipp_wait "cn$1" 10
}

# reinvites_of_last_call: a display filter for the re-INVITE transactions
# (requests and answers) in the dialog of the last call to the CN: its
# INVITEs but the first (the call's own, which has no To tag)
reinvites_of_last_call() {
	local cid cseq
	read -r cid cseq < <(tshark -r "$T/cap.pcap" -Y "sip.Method == \"INVITE\" && !sip.to.tag && udp.dstport == $CN" \
		-T fields -e sip.Call-ID -e sip.CSeq.seq 2>/dev/null | tail -1)
	echo "sip.CSeq.method == \"INVITE\" && sip.Call-ID == \"$cid\" && sip.CSeq.seq != ${cseq:-0}"
}

# ---- 488: re-INVITE refused
new_call 488 uas_reinvite_488
r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
log "488: $(jq -c .last_transfer <<<"$r")"
check "488: the move fails" eq "$(jq -r .last_transfer.ok <<<"$r")" false
check "488: the error names 488" grep -q 488 <<<"$(jq -r .last_transfer.error <<<"$r")"
check "488: a 488 went over the wire" capture_wait cap 'sip.Status-Code == 488' 2
call_survives 488
check "488: the MN's status has no device in use" \
	eq "$(jstat "$T/mn.sock" '[.call.devices[] | select(.state == "ok")] | length')" 0
end_call 488

# ---- 491: retried, then ok
new_call 491 uas_reinvite_491
r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
log "491: $(jq -c .last_transfer <<<"$r")"
check "491: the move succeeds after the retry" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "491: the audio is at the device" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SP"
check "491: the device plays the CN's stream (sipp's echo)" \
	wait_stat 10 "$T/sp.sock" '.streams[0].rx_packets' ge 50
# The re-INVITEs to the CN and the CN's answers, in wire order: in-dialog
# (To has a tag) INVITE transactions on the CN's port. Retransmissions of
# the first re-INVITE (UDP Timer A) are not retries: a retry has a new CSeq.
need "491: capture holds the 491" capture_wait cap 'sip.Status-Code == 491' 2
# lines: TIME CSEQ INVITE|CODE, for this call's dialog only
tshark -r "$T/cap.pcap" -Y "$(reinvites_of_last_call)" \
	-T fields -e frame.time_epoch -e sip.CSeq.seq -e sip.Method -e sip.Status-Code \
	2>/dev/null | awk '{ print $1, $2, $3 }' >"$T/491.ladder"
log "491: re-INVITE ladder (time, CSeq, INVITE or answer):"
sed 's/^/    /' "$T/491.ladder"
read -r t_first c_first _ < <(awk '$3 == "INVITE"' "$T/491.ladder" | head -1)
read -r t_491 c_491 _ < <(awk '$3 == 491' "$T/491.ladder" | head -1)
read -r t_retry c_retry _ < <(awk -v c="${c_first:-x}" '$3 == "INVITE" && $2 != c' "$T/491.ladder" | head -1)
read -r _ c_ok _ < <(awk -v c="${c_retry:-x}" '$2 == c && $3 == 200' "$T/491.ladder" | head -1)
gap=none
[ -n "${t_491:-}" ] && [ -n "${t_retry:-}" ] &&
	gap=$(awk -v a="$t_491" -v b="$t_retry" 'BEGIN { printf "%d", (b - a) * 1000 }')
log "491: retry came ${gap} ms after the 491"
check "491: the 491 answered the first re-INVITE" eq "${c_491:-none}" "${c_first:-?}"
check "491: a retry with a new CSeq came after it" \
	eval '[ -n "${c_retry:-}" ] && [ "$c_retry" -gt "$c_first" ] && ge "$gap" 1'
check "491: the MN backed off at least 2.1 s (RFC 3261 §14.1; ${gap} ms)" \
	ge "$gap" 2100
check "491: the retry got 200" eq "${c_ok:-none}" "${c_retry:-?}"
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
check "491: retrieve after the retried move" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "491: the device was hung up after retrieve" \
	wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0
end_call 491

# ---- timeout: the CN never answers the re-INVITE
SIPP_TIMEOUT=90 new_call timeout uas_reinvite_timeout
t0=$SECONDS
r=$(ctl "$T/mn.sock" -t 60 --json move --audio "$SP")
took=$((SECONDS - t0))
log "timeout: after ${took}s: $(jq -c .last_transfer <<<"$r")"
check "timeout: the move fails" eq "$(jq -r .last_transfer.ok <<<"$r")" false
check "timeout: it waited for Timer B (at least 31 s; took ${took}s)" \
	ge "$took" 31
# the wait was the re-INVITE's transaction: sent again and again (Timer A),
# never answered
mapfile -t tx < <(tshark -r "$T/cap.pcap" -Y "$(reinvites_of_last_call)" \
	-T fields -e sip.CSeq.seq -e sip.Method -e sip.Status-Code 2>/dev/null)
log "timeout: re-INVITE transaction on the wire: $(printf '%s; ' "${tx[@]}")"
check "timeout: the re-INVITE was retransmitted (Timer A), 4 copies or more" \
	ge "$(printf '%s\n' "${tx[@]}" | grep -c 'INVITE')" 4
check "timeout: ...all of one CSeq, and never answered" \
	eq "$(printf '%s\n' "${tx[@]}" | awk '{ print $1, $2 }' | sort -u | wc -l)" 1
check "timeout: the error says why" test -n "$(jq -r '.last_transfer.error // empty' <<<"$r")"
call_survives timeout
end_call timeout

need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
finish
