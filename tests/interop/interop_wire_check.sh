#!/usr/bin/env bash
# interop/wire_check: tshark judges everything sipmob puts on the wire (issue
# 2: "tshark decodes every SIP and RTP packet of these runs with no malformed
# packet"). One capture holds: sipmob-mn calling baresip, an MNC move of the
# audio to a sipmob-device (INVITE without SDP to the device, re-INVITE to
# baresip, held ACKs), a retrieve (re-INVITE back), BYE; then sipmob-mn
# calling sipmob-device directly. No malformed packet; SIP and RTP decoded;
# every SIP message that went out is one tshark parsed as SIP; the RTP of
# each call carries the payload type of the codec its offer/answer chose.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_wire_check
peers_require baresip tshark tcpdump jq

BS=25070
MN=5060
SP=sip:speaker@127.0.0.1:5071

need "capture starts" capture_start cap udp
need "baresip starts" baresip_start cn $BS
start sp "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock"

# call 1: MN -> baresip, move, retrieve
ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$BS" >/dev/null
need "call 1 (to baresip) established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "call 1: the MN plays baresip" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
codec1=$(jstat "$T/mn.sock" '.call.media[0].codec')
log "call 1: negotiated codec $codec1"
r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
log "move: $(jq -c .last_transfer <<<"$r")"
check "call 1: move to the device ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "call 1: the device plays baresip" \
	wait_stat 10 "$T/sp.sock" '.streams[0].played_packets' ge 25
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "retrieve: $(jq -c .last_transfer <<<"$r")"
check "call 1: retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
check "call 1: the MN plays baresip again" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 25))
ctl "$T/mn.sock" hangup >/dev/null
check "call 1 ends" wait_stat 5 "$T/mn.sock" .call.state eq idle
check "call 1: baresip's side ended" baresip_wait_closed cn 5 1
check "call 1: the device has no session left" \
	wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0

# call 2: MN -> device
ctl "$T/mn.sock" call "$SP" >/dev/null
need "call 2 (to the device) established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "call 2: the MN plays the device" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
check "call 2: the device plays the MN" \
	wait_stat 10 "$T/sp.sock" '.streams[0].played_packets' ge 25
codec2=$(jstat "$T/mn.sock" '.call.media[0].codec')
dcodec2=$(jstat "$T/sp.sock" '.streams[0].codec')
dport2=$(jstat "$T/sp.sock" '.streams[0].local'); dport2=${dport2##*:}
log "call 2: the MN's codec $codec2, the device's $dcodec2 (RTP port $dport2)"
check "call 2: both ends use one codec" eq "$dcodec2" "$codec2"
ctl "$T/mn.sock" hangup >/dev/null
check "call 2 ends" wait_stat 10 "$T/sp.sock" '.sessions | length' eq 0

need "capture stops" capture_stop cap
P=$T/cap.pcap
check "tshark: no malformed packet" tshark_check "$P"
check "tshark: SIP decoded (count > 0)" ge "$TSHARK_SIP" 1
check "tshark: RTP decoded (count > 0)" ge "$TSHARK_RTP" 1
# every datagram on a SIP port is a decoded SIP message
sipports="udp.port == $MN || udp.port == 5071 || udp.port == $BS"
dec=$(tshark_count "$P" "sip && !icmp")
udp_sip=$(tshark_count "$P" "udp && !icmp && (udp.srcport == $MN || udp.srcport == 5071 || udp.srcport == $BS || udp.dstport == $MN || udp.dstport == 5071 || udp.dstport == $BS)")
log "datagrams to/from SIP ports: $udp_sip; decoded as SIP: $dec"
check "every datagram to/from a SIP port decodes as SIP" eq "$dec" "$udp_sip"
# and every other datagram (the media) decodes as RTP or RTCP
media=$(tshark_count "$P" "udp && !icmp && !($sipports)")
rtp=$(tshark_count "$P" "(rtp || rtcp) && !icmp && !($sipports)")
log "media datagrams: $media; decoded as RTP/RTCP: $rtp"
check "every media datagram decodes as RTP or RTCP" eq "$rtp" "$media"
check "no SIP message tshark flags with an expert error" \
	eq "$(tshark_count "$P" 'sip && _ws.expert.severity == error')" 0
for what in 'sip.Method == "INVITE"' 'sip.Method == "ACK"' 'sip.Method == "BYE"' \
	'sip.Status-Code == 200' 'sdp'; do
	check "tshark saw $what" ge "$(tshark_count "$P" "$what")" 1
done
check "re-INVITEs to baresip (move and retrieve) are on the wire" \
	ge "$(tshark_count "$P" "sip.Method == \"INVITE\" && udp.dstport == $BS")" 3
check "RTP in both directions with baresip" \
	eval 'ge "$(tshark_count "$P" "rtp && udp.srcport >= 40000 && udp.srcport < 40100")" 25 &&
	      ge "$(tshark_count "$P" "rtp && udp.dstport >= 40000 && udp.dstport < 40100")" 25'
# pt_of SIPPORT CODEC: the payload type the last SDP answer (a 200) sent
# from SIPPORT gives CODEC (its rtpmap; the static number if it has none)
pt_of() {
	local pt
	pt=$(tshark -r "$P" -Y "sip.Status-Code == 200 && sdp && udp.srcport == $1" \
		-T fields -e sdp.media_attr 2>/dev/null | tail -1 | tr ',' '\n' |
		sed -n "s|^rtpmap:\([0-9]*\) $2/.*|\1|p" | head -1)
	[ -z "$pt" ] && case $2 in PCMU) pt=0 ;; PCMA) pt=8 ;; G722) pt=9 ;; esac
	echo "${pt:-none}"
}
pt1=$(pt_of $BS "$codec1")
pt2=$(pt_of 5071 "$codec2")
log "negotiated payload types: call 1 $codec1 = $pt1, call 2 $codec2 = $pt2"
bs_rtp="rtp && !icmp && ((udp.srcport >= 40000 && udp.srcport < 40100) || (udp.dstport >= 40000 && udp.dstport < 40100))"
dev_rtp="rtp && !icmp && udp.port == $dport2"
pts() {   # FILTER: "PT xCOUNT ..." of the matching RTP
	tshark -r "$P" "${TSHARK_OPTS[@]}" -Y "$1" -T fields -e rtp.p_type 2>/dev/null |
		sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }'
}
log "payload types on the wire: call 1: $(pts "$bs_rtp"); call 2: $(pts "$dev_rtp")"
check "call 1: RTP with baresip carries the negotiated payload type ($pt1)" \
	ge "$(tshark_count "$P" "$bs_rtp && rtp.p_type == ${pt1/none/-1}")" 50
check "call 1: ...and no other" \
	eq "$(tshark_count "$P" "$bs_rtp && rtp.p_type != ${pt1/none/-1}")" 0
check "call 2: RTP with the device carries the negotiated payload type ($pt2)" \
	ge "$(tshark_count "$P" "$dev_rtp && rtp.p_type == ${pt2/none/-1}")" 25
check "call 2: ...and no other" \
	eq "$(tshark_count "$P" "$dev_rtp && rtp.p_type != ${pt2/none/-1}")" 0
finish
