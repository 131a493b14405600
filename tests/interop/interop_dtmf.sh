#!/usr/bin/env bash
# interop/dtmf: DTMF digits as RFC 4733 telephone events between
# sipmob-device and phones we did not write, both ways, judged by the
# peers' own logs and on the wire (tshark's rtpevent decode).
#   (a) baresip 1.0.0 calls the device, offering telephone-event; the
#       device answers it under baresip's payload type. `sipmob dtmf 147#`
#       on the device: baresip logs each digit once, in order. baresip's
#       ctrl_tcp `sndcode 2580`: the device's status says dtmf_received
#       "2580" (kept after the call ends). Bad digits and digits without a
#       session are refused with a reason.
#   (b) linphonec (liblinphone 5.1) calls the device (telephone-event at
#       its own payload type): `dtmf 369*` on the device, and linphonec
#       logs "Receiving tone D" for each, in order; digits typed on
#       linphonec's stdin (`147#`, its way of sending DTMF) reach the
#       device's dtmf_received.
#   (c) sipp as a controller: INFO with application/dtmf-relay bodies in the
#       device's dialog ("5", "#": 200, then sent as events to sipp's media
#       port; a bad Signal: 400; text/plain: 415).
#   Wire: every event packet of each call carries the payload type that
#   call negotiated; ours go 7 per digit (one marker, three ends).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_dtmf
peers_require baresip linphonec sipp tshark tcpdump jq

BS=25070    # baresip (TLS 25071, ctrl_tcp 25072, RTP 40000-40099)
LP=25080    # linphonec (RTP 25082)
SIPP=5090   # sipp (media 6090)
DEV=5070

# The telephone-event payload type of the SDP sent from udp port $2.
sdp_dtmf_pt() {
	tshark -r "$1" "${TSHARK_OPTS[@]}" -Y "sdp && udp.srcport == $2" \
		-T fields -e sdp.media_attr 2>/dev/null | tr ',' '\n' |
		sed -nE 's/^rtpmap:([0-9]+) telephone-event\/8000$/\1/p' | head -1
}

# The digits of the distinct events (by RTP timestamp) in the flow FILTER
# ("udp.srcport == A && udp.dstport == B"), in order; their payload types;
# how many event packets also match COND.
ev_digits() {
	tshark -r "$1" "${TSHARK_OPTS[@]}" -Y "rtpevent && !icmp && $2" \
		-T fields -e rtp.timestamp -e rtpevent.event_id 2>/dev/null |
		awk '!seen[$1]++ { printf "%s", substr("0123456789*#ABCD", $2 + 1, 1) }'
}
ev_pts() {
	tshark -r "$1" "${TSHARK_OPTS[@]}" -Y "rtpevent && !icmp && $2" \
		-T fields -e rtp.p_type 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//'
}
ev_count() { tshark_count "$1" "rtpevent && !icmp && $2 && $3"; }
flow() { echo "udp.srcport == $1 && udp.dstport == $2"; }

# A device command that must fail, and its error sentence.
ctl_error() { ctl "$1" --json "${@:2}" | jq -r 'select(.ok == false) | .error'; }

need "capture starts" capture_start cap -f udp
need "baresip starts" baresip_start cn $BS
start dev "$BIN/sipmob-device" --sip 127.0.0.1:$DEV --name speaker \
	--codecs PCMU,PCMA --control "$T/dev.sock"
need "device up" wait_until 10 test -S "$T/dev.sock"

err=$(ctl_error "$T/dev.sock" dtmf 123)
check "no session: dtmf is refused ($err)" eq "$err" "no session to send the digits in"

# (a) baresip
check "a: baresip dials the device" baresip_dial cn "sip:speaker@127.0.0.1:$DEV"
need "a: the device's session is established" \
	wait_stat 10 "$T/dev.sock" '.sessions[0].state' eq established
need "a: audio flows (50 packets played)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].played_packets' ge 50
a_port=$(jstat "$T/dev.sock" '.streams[0].local' | sed 's/.*://')
check "a: nothing received yet" eq "$(jstat "$T/dev.sock" .dtmf_received)" ""
err=$(ctl_error "$T/dev.sock" dtmf 12x)
check "a: a bad digit is refused ($err)" eq "$err" "session 1: bad digit (0-9 * # A-D)"
check "a: the device takes 'dtmf 147#'" eval 'ctl "$T/dev.sock" dtmf "147#" >/dev/null'
check "a: baresip logs the end of all 4 digits" \
	_peer_wait cn 10 _baresip_count_ge cn "received event: '.' \(end=1\)" 4
got=$(_peer_log cn | sed -nE "s/.*received event: '(.)' \(end=0\).*/\1/p" | tr -d '\n')
check "a: baresip received 147# once each, in order (got '$got')" eq "$got" "147#"
check "a: baresip sends 2580 (ctrl_tcp sndcode)" \
	baresip_cmd cn '{"command":"sndcode","params":"2580"}'
check "a: the device received 2580" \
	wait_stat 10 "$T/dev.sock" .dtmf_received eq 2580
check "a: baresip hangs up" baresip_hangup cn
check "a: the session ends" wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
check "a: its digits stay in status" eq "$(jstat "$T/dev.sock" .dtmf_received)" 2580

# (b) linphonec
need "b: linphonec starts" linphone_start lp $LP
linphone_cmd lp "call sip:speaker@127.0.0.1:$DEV"
need "b: the device's session is established" \
	wait_stat 15 "$T/dev.sock" '.sessions[0].state' eq established
need "b: audio flows (50 packets played)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].played_packets' ge 50
b_port=$(jstat "$T/dev.sock" '.streams[0].local' | sed 's/.*://')
check "b: a new session starts with no digits" \
	eq "$(jstat "$T/dev.sock" .dtmf_received)" ""
check "b: the device takes 'dtmf 369*'" eval 'ctl "$T/dev.sock" dtmf "369*" >/dev/null'
check "b: linphonec logs the 4th tone" \
	wait_log lp 'Receiving tone \* from' 10
got=$(grep -a 'Receiving tone' "$T/lp.log" | sed -nE 's/.*Receiving tone (.) from.*/\1/p' | tr -d '\n')
check "b: linphonec received 369* once each, in order (got '$got')" eq "$got" "369*"
linphone_cmd lp "147#"
check "b: the device received 147# from linphonec" \
	wait_stat 15 "$T/dev.sock" .dtmf_received eq "147#"
linphone_cmd lp "terminate"
check "b: the session ends" wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0

# (c) INFO application/dtmf-relay from a controller (sipp)
sipp_uac info $SIPP 127.0.0.1:$DEV uac_dtmf_info -s speaker
check "c: the device's session is established" \
	wait_stat 10 "$T/dev.sock" '.sessions[0].state' eq established
c_port=$(jstat "$T/dev.sock" '.streams[0].local' | sed 's/.*://')
check "c: INFO 5 and # got 200, a bad Signal 400, text/plain 415 (sipp exit 0)" \
	sipp_wait info 20
check "c: the device logged both digits as queued" \
	eval "grep -c \"DTMF '[5#]' from .* queued\" \"$T/dev.log\" | grep -qx 2"

need "capture stops" capture_stop cap
check "wire: the capture is clean" tshark_check "$T/cap.pcap"

bs_pt=$(sdp_dtmf_pt "$T/cap.pcap" $BS)
check "wire a: baresip offered telephone-event ($bs_pt), the device answered it" \
	eq "$(sdp_dtmf_pt "$T/cap.pcap" $DEV | head -1)" "${bs_pt:-none}"
bs_rtp=$(tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" \
	-Y "rtp && udp.dstport == $a_port && udp.srcport >= 40000 && udp.srcport <= 40099" \
	-T fields -e udp.srcport 2>/dev/null | head -1)
to_bs=$(flow "$a_port" "${bs_rtp:-0}")
check "wire a: the device's events are 147#" eq "$(ev_digits "$T/cap.pcap" "$to_bs")" "147#"
check "wire a: ... all with payload type $bs_pt" eq "$(ev_pts "$T/cap.pcap" "$to_bs")" "$bs_pt"
check "wire a: ... 7 packets a digit" eq "$(ev_count "$T/cap.pcap" "$to_bs" rtp)" 28
check "wire a: ... one marker a digit" eq "$(ev_count "$T/cap.pcap" "$to_bs" 'rtp.marker == 1')" 4
check "wire a: ... three ends a digit" \
	eq "$(ev_count "$T/cap.pcap" "$to_bs" 'rtpevent.end_of_event == 1')" 12
from_bs=$(flow "${bs_rtp:-0}" "$a_port")
check "wire a: baresip's events are 2580" eq "$(ev_digits "$T/cap.pcap" "$from_bs")" 2580
check "wire a: ... with payload type $bs_pt" eq "$(ev_pts "$T/cap.pcap" "$from_bs")" "$bs_pt"

lp_pt=$(sdp_dtmf_pt "$T/cap.pcap" $LP)
log "linphonec's telephone-event payload type: ${lp_pt:-none}"
to_lp=$(flow "$b_port" $((LP + 2)))
from_lp=$(flow $((LP + 2)) "$b_port")
check "wire b: the device's events are 369*" eq "$(ev_digits "$T/cap.pcap" "$to_lp")" "369*"
check "wire b: ... with linphonec's payload type" eq "$(ev_pts "$T/cap.pcap" "$to_lp")" "${lp_pt:-none}"
check "wire b: linphonec's events are 147#" eq "$(ev_digits "$T/cap.pcap" "$from_lp")" "147#"
check "wire b: ... with its payload type" eq "$(ev_pts "$T/cap.pcap" "$from_lp")" "${lp_pt:-none}"

to_sipp=$(flow "$c_port" $((SIPP + 1000)))
check "wire c: the device's events to sipp are 5#" eq "$(ev_digits "$T/cap.pcap" "$to_sipp")" "5#"
check "wire c: ... with sipp's payload type 101" eq "$(ev_pts "$T/cap.pcap" "$to_sipp")" 101

check "sipmob-device still running" alive dev
finish
