#!/usr/bin/env bash
# Authenticated referral (RFC 3892/3893) with a CN that knows nothing of
# Referred-By tokens: linphonec. The MN signs its REFER (--aib-cert), the
# speaker requires and checks the token (--aib-ca); the speaker's INVITE to
# linphonec must be what it was without tokens (SDP only, Replaces and
# Referred-By), for only a CN that asks (429) gets the token. Judged on the
# wire (tshark): the signed REFER decodes clean (its multipart/signed body,
# with the Content-Length libre's sipevent appends in the MIME epilogue);
# the INVITE to linphonec is application/sdp; linphonec asks for nothing;
# the call moves (linphonec has one call, with the speaker; the speaker
# plays it and sends) and comes back on `retrieve`.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_sh_aib_linphone
peers_require linphonec tshark tcpdump jq openssl

MN=5060
SPP=5071
LIN=25080
MNURI=sip:alice@127.0.0.1:$MN
SPK=sip:speaker@127.0.0.1:$SPP

pki() {
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
	cd "$T" || return 1
	openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 1 \
		-subj /CN=sipmob-test-ca &&
	openssl req "${ec[@]}" -keyout mn.key -out mn.csr -subj /CN=alice &&
	openssl x509 -req -in mn.csr -CA ca.crt -CAkey ca.key \
		-CAcreateserial -days 1 -out mn.crt \
		-extfile <(printf 'subjectAltName=URI:%s\n' "$MNURI")
}
need "certificates made by the openssl CLI" pki >"$T/pki.log" 2>&1

need "capture starts" capture_start cap udp
start spk "$BIN/sipmob-device" --sip 127.0.0.1:$SPP --name speaker \
	--owner "$MNURI" --aib-ca "$T/ca.crt" --rtp-ports 30000-30099 \
	--control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:$MN --user alice \
	--aib-cert "$T/mn.crt" --aib-key "$T/mn.key" \
	--rtp-ports 31000-31099 --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/spk.sock"
need "linphonec starts" linphone_start lin $LIN

# linphonec "lin": its calls (peers.sh)
lin_calls() { linphone_calls lin; }
lin_one_call() { linphone_one_call lin "$1"; }
lin_no_call() { linphone_no_call lin; }
wire_n() { tshark_count "$T/cap.pcap" "$1"; }

# ---- 1. the call
ctl "$T/mn.sock" call "sip:lin@127.0.0.1:$LIN" >/dev/null
need "call to linphonec established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays linphonec" \
	grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 50

# ---- 2. the signed handoff
r=$(ctl "$T/mn.sock" -t 30 --json move --to "$SPK" --mode handoff)
log "handoff: $r"
need "the signed handoff is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the MN's call ended" wait_stat 10 "$T/mn.sock" .call.state eq idle
check "the speaker checked the MN's token" \
	grep -q "REFER from $MNURI carries a good token, signed by $MNURI" "$T/spk.log"
check "linphonec has exactly one call, with the speaker" \
	wait_until 10 lin_one_call "$SPK"
check "the speaker plays linphonec (50 packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
check "the speaker sends (25 packets)" \
	grows 10 "$T/spk.sock" '.streams[-1].tx_packets' 25
sp=$(jstat "$T/spk.sock" '.streams[-1].local')
check "the speaker's RTP reaches linphonec (wire, 25 datagrams)" \
	capture_wait cap "rtp && !icmp && udp.srcport == ${sp##*:} && udp.dstport >= $((LIN + 2)) && udp.dstport < $((LIN + 12))" 5 25

# ---- 3. retrieval
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "retrieve: $r"
check "the retrieval is ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the MN's call is established again" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "the MN plays linphonec again (50 packets)" \
	grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 50
check "linphonec has exactly one call, with the MN" \
	wait_until 10 lin_one_call "$MNURI"
ctl "$T/mn.sock" hangup >/dev/null

# ---- the wire
need "capture stops" capture_stop cap
# tshark hands a base64 part to its decoder undecoded unless told to
# remove the Content-Transfer-Encoding (off by default)
B64=(-o mime_multipart.remove_base64_encoding:TRUE)
check "the capture decodes clean" tshark_check "$T/cap.pcap" "${B64[@]}"
check "the MN's REFER carried a multipart/signed token (wire)" \
	ge "$(wire_n "sip.Method == \"REFER\" && udp.srcport == $MN && sip.Content-Type contains \"multipart/signed\" && sip.Referred-by contains \"cid=\"")" 1
check "... which Wireshark reads as a sipfrag and a CMS signature by a certificate naming the MN" \
	ge "$(tshark_count "$T/cap.pcap" "sip.Method == \"REFER\" && udp.srcport == $MN && sipfrag && cms.signerInfos && x509ce.uniformResourceIdentifier == \"$MNURI\"" "${B64[@]}")" 1
check "the speaker's INVITE to linphonec is SDP only, with Replaces and the Referred-By" \
	ge "$(wire_n "sip.Method == \"INVITE\" && udp.srcport == $SPP && udp.dstport == $LIN && sip.Replaces && sip.Referred-by contains \"$MNURI\" && sip.Content-Type == \"application/sdp\"")" 1
check "no INVITE to linphonec carried a multipart body" \
	eq "$(wire_n "sip.Method == \"INVITE\" && udp.dstport == $LIN && sip.Content-Type contains \"multipart\"")" 0
check "linphonec asked nobody for a token (no 429)" \
	eq "$(wire_n "sip.Status-Code == 429")" 0
finish
