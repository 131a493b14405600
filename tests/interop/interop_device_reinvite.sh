#!/usr/bin/env bash
# interop/device_reinvite: a local device's own re-INVITE is forwarded by the
# MN to the CN (RFC 5631 §7): the device holds the user's audio after a move
# and puts the call on hold, then resumes it; the MN re-INVITEs the CN with
# the device's media and gives the device the CN's answer in the device's
# layout.
#
#   The CN is a real phone: baresip 1.0.0, then linphonec (liblinphone
#   5.1), both auto-answering. The MN calls it, then moves the audio to a
#   basic device played by sipp (tests/interop/sipp/uas_device_reinvite.xml):
#   it answers the MN's INVITE with PCMU at its media port; ~1 s after the
#   last request of the MN it re-INVITEs the MN with a=sendonly (hold) and
#   expects a 200 with the CN's port and a=recvonly; ~1 s later it
#   re-INVITEs with sendrecv (resume) and expects the CN's port and no hold
#   direction; it ends on the MN's BYE. Its exit status is its verdict on
#   those answers.
#
#   Checked here, for each CN: on the wire the CN got a re-INVITE holding
#   the call (a=sendonly) whose audio c=/port is the sipp device's, answered
#   it recvonly, and sent nothing to the device while held; then a re-INVITE
#   resuming it (sendrecv, the same c=/port), and it sends to the device
#   again. The CN's own view: linphonec logs "Call N has been paused by …"
#   and then its media streams established again; baresip 1.0.0 logs no
#   direction (nor does its callstat show one, logged for the record), so
#   its log shows one "got re-INVITE" for each, and its answer and its RTP
#   above show that it held. The MN logs both forwardings; its status shows
#   the call established with the audio at the device at every look (every
#   ~0.1 s) from the move until the resume was ACKed, the hold included;
#   the hang-up BYEs the device; sipp exits 0; the CN's call ends.
# Without baresip, linphonec or sipp the scenario is skipped (77).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_device_reinvite
peers_require baresip linphonec sipp tshark tcpdump jq

MN=5060
BS=25070                   # baresip: TLS 25071, ctrl_tcp 25072, RTP 40000-40099
LIN=25080                  # linphonec: audio RTP 25082, video 25092
MN_RTP=31000-31099         # the MN's RTP: away from the peers'
# sipp as the device: SIP port P, media P+1000 (and P+1002); one per part
DEV_BS=5071
DEV_LIN=5075

need "capture starts" capture_start cap udp
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--rtp-ports $MN_RTP --control "$T/mn.sock"
need "sipmob-mn up" wait_until 10 test -S "$T/mn.sock"

# ------------------------------------------------------------------ helpers

# mn_where: "STATE AT" of the MN's call
mn_where() { jstat "$T/mn.sock" '[.call.state, (.call.media[0].at // "-")] | join(" ")'; }

# sipp_sent NAME RE: sipp NAME's message trace has a message it sent with
# a line matching RE (the trace: "UDP message sent (N bytes):", the message)
sipp_sent() {
	awk -v re="$2" '/message sent/ { s = 1; next } /message received/ { s = 0 }
		s && $0 ~ re { f = 1 } END { exit !f }' "$T/$1.messages.log" 2>/dev/null
}

# sample_mn DEVNAME SECS [CMD...]: samples the MN's call every ~0.1 s into
# $T/DEVNAME.samples ("EPOCH STATE AT") until sipp DEVNAME has sent the ACK
# of its resume (CSeq 2), within SECS. Once, after sipp ACKed the hold and
# before it resumes, runs CMD (output to $T/DEVNAME.held).
sample_mn() {
	local name=$1 end=$((SECONDS + $2)) held=false
	shift 2
	: >"$T/$name.samples"
	while :; do
		echo "$(date +%s.%N) $(mn_where)" >>"$T/$name.samples"
		if ! $held && [ $# -gt 0 ] && sipp_sent "$name" '^CSeq: *1 ACK' &&
			! sipp_sent "$name" '^CSeq: *2 INVITE'; then
			"$@" >"$T/$name.held" 2>&1
			held=true
		fi
		sipp_sent "$name" '^CSeq: *2 ACK' && return 0
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

# samples_in FILE T0 T1: how many samples between T0 and T1
samples_in() {
	awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b { n++ } END { print n + 0 }' "$1"
}
# samples_all FILE T0 T1 WANT: every sample between T0 and T1 reads WANT
# (the others are printed)
samples_all() {
	awk -v a="$2" -v b="$3" -v want="$4" \
		'$1 >= a && $1 <= b && $2 " " $3 != want { print; n++ } END { exit n > 0 }' "$1"
}

# the epoch time of the first packet matching FILTER
first_time() {
	tshark -r "$T/cap.pcap" -Y "$1" -T fields -e frame.time_epoch 2>/dev/null | head -1
}

# udp_between FILTER T0 T1: datagrams matching FILTER between T0 and T1
udp_between() {
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -Y "udp && !icmp && ($1)" \
		-T fields -e frame.time_epoch 2>/dev/null |
		awk -v a="$2" -v b="$3" '$1 > a && $1 < b { n++ } END { print n + 0 }'
}
udp_after_ge() { [ "$(udp_between "$1" "$2" 9999999999)" -ge "$3" ]; }

# sdp_of FILTER: "ADDR PORT DIR" of the first SIP message matching FILTER
# (DIR: its audio direction attribute, sendrecv when it has none)
sdp_of() {
	local f addr port attrs dir=sendrecv
	f=$(tshark -r "$T/cap.pcap" -Y "$1" -T fields -E separator='|' \
		-e sdp.connection_info.address -e sdp.media.port -e sdp.media_attr \
		2>/dev/null | head -1)
	[ -n "$f" ] || return 1
	IFS='|' read -r addr port attrs <<<"$f"
	case ,$attrs, in
	*,sendonly,*) dir=sendonly ;;
	*,recvonly,*) dir=recvonly ;;
	*,inactive,*) dir=inactive ;;
	esac
	echo "${addr%%,*} ${port%%,*} $dir"
}

fwd_count() { grep -c "$1 re-offers; forwarding to the CN" "$T/mn.log"; }
fwd_ge() { [ "$(fwd_count "$1")" -ge "$2" ]; }

# bs_lines_ge REGEX N: baresip's log has at least N lines matching
bs_lines_ge() { _baresip_count_ge bs "$1" "$2"; }
lin_lines_ge() { [ "$(grep -Ec -- "$1" "$T/lin.log")" -ge "$2" ]; }

# step DESCRIPTION CMD...: a check the rest of its part depends on
step() { local f=$FAILED; check "$@"; [ "$FAILED" -eq "$f" ]; }

# ------------------------------------------------------------------ a part

# part KIND NAME PORT DEVPORT: the MN calls the CN KIND (baresip or
# linphonec, started as NAME on PORT), moves the audio to a sipp device on
# DEVPORT, which holds and resumes
part() {
	local kind=$1 name=$2 port=$3 devp=$4 tag=$1
	local dev=sip:dev@127.0.0.1:$4 devm=$(($4 + 1000)) dname=dev_$2
	local cnrtp rtp other r rc n span reinv0=0 paused0=0 streams0=0 held_cmd=()
	local hold_dev res_dev res_ack inv_cn hold_cn res_cn ans_hold dev_hold_ok
	local h_addr h_port h_dir r_addr r_port r_dir d_addr d_port d_dir
	local t_hold t_hold_ok t_res t_res_ack t_at t_hold_dev
	log "---- $kind as the CN, sipp as the device at $dev"
	case $kind in
	baresip)
		cnrtp="udp.srcport >= 40000 && udp.srcport <= 40099"
		held_cmd=(baresip_cmd "$name" callstat)
		;;
	linphonec) cnrtp="udp.srcport == $((port + 2))" ;;
	esac
	# the CN's RTP to the device (RTCP goes to the media port + 1)
	cnrtp="$cnrtp && udp.dstport == $devm"

	# -m 1000: every OPTIONS of the MN is a call to sipp (see the scenario)
	step "$tag: the sipp device starts" sipp_uas "$dname" "$devp" uas_device_reinvite -m 1000 \
		-trace_msg -message_file "$T/$dname.messages.log" \
		-trace_logs -log_file "$T/$dname.actions.log" || return
	ctl "$T/mn.sock" call "sip:$name@127.0.0.1:$port" >/dev/null
	step "$tag: the call is established" \
		wait_stat 15 "$T/mn.sock" .call.state eq established || return
	case $kind in
	baresip) check "$tag: baresip says established" baresip_wait_established "$name" 10 ;;
	linphonec) check "$tag: linphonec says connected" \
		wait_log "$name" 'Call [0-9]+ with .* connected' 10 ;;
	esac
	step "$tag: the MN plays the CN (25 packets)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || return
	case $kind in
	baresip) reinv0=$(_peer_log "$name" | grep -c 'call: got re-INVITE') ;;
	linphonec)
		paused0=$(grep -Ec 'Call [0-9]+ has been paused by' "$T/$name.log")
		streams0=$(grep -Ec 'Media streams established with' "$T/$name.log")
		;;
	esac

	# The move answers after its safety interval (1 s), by when sipp may
	# hold already: it runs in the background while the MN is sampled.
	start "move_$name" "$BIN/sipmob" -C "$T/mn.sock" -t 30 --json move --audio "$dev"
	check "$tag: the MN's call sampled until the device's resume is ACKed" \
		sample_mn "$dname" 30 "${held_cmd[@]}"
	wait_until 30 _peer_dead "move_$name"
	wait_exit "move_$name"
	r=$(cat "$T/move_$name.log")
	log "$tag: move: $(jq -c .last_transfer <<<"$r" 2>/dev/null || echo "$r")"
	step "$tag: move to the sipp device ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true || return
	check "$tag: wire: the CN sent its RTP to the device's media port ($devm)" \
		capture_wait cap "rtp && !icmp && $cnrtp" 5 25

	# the device's re-INVITEs and what the MN made of them
	hold_dev="udp.srcport == $devp && udp.dstport == $MN && sip.Method == \"INVITE\" && sip.CSeq.seq == 1"
	res_dev="udp.srcport == $devp && udp.dstport == $MN && sip.Method == \"INVITE\" && sip.CSeq.seq == 2"
	res_ack="udp.srcport == $devp && udp.dstport == $MN && sip.Method == \"ACK\" && sip.CSeq.seq == 2"
	check "$tag: wire: the device re-INVITEd the MN with a=sendonly (hold)" \
		eq "$(sdp_of "$hold_dev" | cut -d' ' -f3)" sendonly
	check "$tag: wire: ... then with sendrecv (resume)" \
		eq "$(sdp_of "$res_dev" | cut -d' ' -f3)" sendrecv
	check "$tag: the MN logged both forwardings to the CN" wait_until 5 fwd_ge "$dev" 2

	inv_cn="udp.srcport == $MN && udp.dstport == $port && sip.Method == \"INVITE\" && sdp"
	hold_cn="$inv_cn && frame contains \"a=sendonly\""
	check "$tag: wire: the CN got a re-INVITE holding the call (a=sendonly)" \
		capture_wait cap "$hold_cn" 5
	read -r h_addr h_port h_dir < <(sdp_of "$hold_cn")
	log "$tag: the hold re-INVITE to the CN: c=${h_addr:-?} m=audio ${h_port:-?} (${h_dir:-?})"
	check "$tag: wire: ... its audio c=/port is the device's (127.0.0.1:$devm)" \
		eq "${h_addr:-}:${h_port:-}" "127.0.0.1:$devm"
	t_hold=$(first_time "$hold_cn")
	res_cn="$inv_cn && frame.time_epoch > ${t_hold:-0} && !(frame contains \"a=sendonly\") && !(frame contains \"a=inactive\") && !(frame contains \"a=recvonly\")"
	check "$tag: wire: then a re-INVITE resuming it (sendrecv)" capture_wait cap "$res_cn" 5
	read -r r_addr r_port r_dir < <(sdp_of "$res_cn")
	log "$tag: the resume re-INVITE to the CN: c=${r_addr:-?} m=audio ${r_port:-?} (${r_dir:-?})"
	check "$tag: wire: ... its audio c=/port is the device's too" \
		eq "${r_addr:-}:${r_port:-}" "127.0.0.1:$devm"
	ans_hold="udp.srcport == $port && udp.dstport == $MN && sip.Status-Code == 200 && sip.CSeq.method == \"INVITE\" && sdp && frame.time_epoch > ${t_hold:-0} && frame contains \"a=recvonly\""
	check "$tag: wire: the CN answered the hold with a=recvonly" capture_wait cap "$ans_hold" 5
	dev_hold_ok="udp.srcport == $MN && udp.dstport == $devp && sip.Status-Code == 200 && sip.CSeq.seq == 1 && sip.CSeq.method == \"INVITE\""
	read -r d_addr d_port d_dir < <(sdp_of "$dev_hold_ok")
	log "$tag: the MN's 200 to the device's hold: c=${d_addr:-?} m=audio ${d_port:-?} (${d_dir:-?})"
	check "$tag: wire: the MN's 200 to the device's hold says recvonly" eq "${d_dir:-}" recvonly

	# the CN's own view
	case $kind in
	baresip)
		check "$tag: baresip's log: two more re-INVITEs (hold, resume)" \
			_peer_wait "$name" 5 bs_lines_ge 'call: got re-INVITE' $((reinv0 + 3))
		log "$tag: baresip's callstat while held (it shows no direction): $(jq -r .data "$T/$dname.held" 2>/dev/null | tr '\n' ' ' | tr -s ' ')"
		;;
	linphonec)
		check "$tag: linphonec logs that the call was paused by the remote" \
			wait_until 5 lin_lines_ge 'Call [0-9]+ has been paused by' $((paused0 + 1))
		check "$tag: ... and its media streams established again (resumed)" \
			wait_until 5 lin_lines_ge 'Media streams established with' $((streams0 + 2))
		log "$tag: linphonec's log from the move on:"
		sed -n "/Media streams established/,\$p" "$T/$name.log" | grep -av '^linphonec> *$' |
			tail -n +2 | head -12 | sed 's/^/    lin.log: /'
		;;
	esac

	# RTP: the CN sends nothing to the device while held, then sends again
	t_hold_ok=$(first_time "$ans_hold")
	t_res=$(first_time "$res_cn")
	t_res_ack=$(first_time "$res_ack")
	# RTP only: linphonec also sends STUN Binding Requests to a new peer,
	# which the RTP heuristics half-decode (hence rtp.version and !stun)
	rtp="rtp.version == 2 && !stun && $cnrtp"
	n=$(udp_between "$rtp" "${t_hold_ok:-0}" "${t_res:-0}")
	other=$(udp_between "!($rtp) && $cnrtp" "${t_hold_ok:-0}" "${t_res:-0}")
	span=$(awk -v a="${t_hold_ok:-0}" -v b="${t_res:-0}" 'BEGIN { printf "%.2f", b - a }')
	log "$tag: held: $n RTP packets (and $other other datagrams) from the CN to the device in the ${span}s between its recvonly answer and the resume"
	check "$tag: wire: held: the CN sent no RTP to the device (${span}s)" eq "$n" 0
	check "$tag: wire: held for at least 0.5 s (so that window means something)" \
		awk -v s="$span" 'BEGIN { exit !(s >= 0.5) }'
	check "$tag: wire: resumed: the CN sends to the device again (25 packets)" \
		wait_until 10 udp_after_ge "$rtp" "${t_res:-0}" 25

	# the MN's status throughout: from the first look at the device to the
	# resume's ACK, every look, the hold included
	t_at=$(awk -v want="established $dev" '$2 " " $3 == want { print $1; exit }' "$T/$dname.samples")
	t_hold_dev=$(first_time "$hold_dev")
	log "$tag: looks at the MN's call: $(wc -l <"$T/$dname.samples") in all, $(samples_in "$T/$dname.samples" "${t_at:-0}" "${t_res_ack:-0}") from the first at the device to the resume's ACK, $(samples_in "$T/$dname.samples" "${t_hold_dev:-0}" "${t_res:-0}") while held"
	check "$tag: the MN's status reached 'established, audio at the device'" test -n "$t_at"
	check "$tag: ... and said so at every look until the resume's ACK" \
		samples_all "$T/$dname.samples" "${t_at:-0}" "${t_res_ack:-0}" "established $dev"
	check "$tag: ... with at least 2 looks while held" \
		eval '[ "$(samples_in "$T/$dname.samples" "${t_hold_dev:-0}" "${t_res:-0}")" -ge 2 ]'
	check "$tag: resumed: the call is established with the audio at the device" \
		eq "$(mn_where)" "established $dev"

	ctl "$T/mn.sock" hangup >/dev/null
	check "$tag: hang-up: the MN is idle" wait_stat 10 "$T/mn.sock" .call.state eq idle
	check "$tag: hang-up: the MN sent the device a BYE" \
		capture_wait cap "udp.srcport == $MN && udp.dstport == $devp && sip.Method == \"BYE\"" 5
	sipp_wait "$dname" 15
	rc=$?
	check "$tag: the sipp device's scenario succeeded (exit $rc)" eq "$rc" 0
	case $kind in
	baresip) check "$tag: baresip's call ended" baresip_wait_closed "$name" 10 1 ;;
	linphonec) check "$tag: linphonec's call ended" wait_log "$name" 'Call [0-9]+ with .* ended' 10 ;;
	esac
}

# end_part NAME...: whatever state a part stopped in, the next starts idle
end_part() {
	local n
	if [ "$(jstat "$T/mn.sock" .call.state)" != idle ]; then
		log "a call is left over; hanging up"
		ctl "$T/mn.sock" hangup >/dev/null
		wait_stat 10 "$T/mn.sock" .call.state eq idle ||
			log "the MN did not become idle"
	fi
	for n in "$@"; do stop "$n"; done
}

if step "baresip starts" baresip_start bs $BS; then
	part baresip bs $BS $DEV_BS
fi
end_part bs dev_bs move_bs
if step "linphonec starts" linphone_start lin $LIN; then
	part linphonec lin $LIN $DEV_LIN
fi
end_part lin dev_lin move_lin

need "capture stops" capture_stop cap
check "the wire is clean" tshark_check "$T/cap.pcap"
check "sipmob-mn still running" alive mn
finish
