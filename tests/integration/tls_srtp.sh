#!/usr/bin/env bash
# SIP over TLS and SRTP between our components: the MN calls a CN
# (sipmob-device --basic) at its sips: URI with audio and video, then moves
# the audio to a speakerphone (Mobile Node Control), which requires SIP
# Digest as well. Certificates are made
# now (tests/lib/certs.sh); every component trusts the test CA only.
#
# After the move every medium plays both ways: the speaker plays the CN's
# audio and the CN the speaker's (decryption works with the keys the MN
# passed between the legs), the video that stayed plays at the MN and at
# the CN. Every INVITE went over TLS.
#
# The wire (tshark on loopback, every RTP and RTCP port of the three) holds
# no plain RTP, judged packet by packet:
#  - audio: PCMU at 20 ms is a 172-byte RTP packet (12 + 160); SRTP with
#    HMAC-SHA1-80 adds a 10-byte tag: every PCMU packet must be 182 bytes;
#  - video: an H.263-1998 payload (RFC 4629 §5.1) starts with 5 reserved
#    bits that are 0 in every plain packet; encrypted, they are 0 in about
#    1 packet in 32: fewer than 1 in 4 may have them 0;
#  - RTCP: the length fields of a plain compound RTCP packet add up to its
#    size; SRTCP has 14 bytes more (an index whose top bit E says
#    "encrypted", then the tag) and, but for the first header, encrypted
#    lengths: every packet on the RTCP ports must have E set and lengths
#    that do not add up.
# A plain call afterwards, judged the same way, must fail all three: the
# judge can tell.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/certs.sh"
peers_require tshark openssl jq
scenario_init tls_srtp

certs_make "$T/certs" || { log "cannot make certificates"; exit 1; }
TLS=(--tls-cert "$T/certs/good.pem" --tls-ca "$T/certs/ca.pem")
CN=sips:cn@127.0.0.1:5081
SPK=sips:speaker@127.0.0.1:5071

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --tls-port 5081 \
	--name cn --basic --media audio,video --rtp-ports 22000-22999 \
	"${TLS[@]}" --control "$T/cn.sock"
# the speaker also requires Digest: the challenge and the answer go over
# TLS, and the digest covers the Request-URI as sent
printf 'realm room123\nuser alice use,refer\n' >"$T/spk.conf"
printf 'alice correct horse battery\n' >"$T/spk.secrets"
printf 'room123 alice correct horse battery\n' >"$T/alice.creds"
chmod 600 "$T/spk.secrets" "$T/alice.creds"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5070 --tls-port 5071 \
	--name speaker --rtp-ports 21000-21999 "${TLS[@]}" \
	--auth-config "$T/spk.conf" --auth-secrets "$T/spk.secrets" \
	--control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --tls-port 5061 \
	--user alice --media audio,video --rtp-ports 20000-20999 \
	--credentials "$T/alice.creds" \
	"${TLS[@]}" --verbose --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/mn.sock"
check "the device's URI is sips:" eq "$(jstat "$T/spk.sock" .uri)" "$SPK"

start cap tshark -i lo -n -w "$T/cap.pcapng" -f 'udp portrange 20000-22999'
need "capture running" wait_log cap 'Capturing on' 10

ctl "$T/mn.sock" call "$CN" >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
check "MN hears the CN (SRTP decrypts)" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
check "CN hears the MN" \
	wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 25
check "MN decodes the CN's video" \
	wait_stat 10 "$T/mn.sock" '.call.media[1].played_packets' ge 10
check "CN decodes the MN's video" \
	wait_stat 10 "$T/cn.sock" '.streams[1].frames_decoded' ge 10

r=$(ctl "$T/mn.sock" --json move --audio "$SPK")
check "move --audio to the speaker ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the speaker challenged the INVITE and took alice's answer" \
	grep -q "INVITE from 127.0.0.1:[0-9]*: user 'alice' authenticated" "$T/spk.log"
check "the audio is at the speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SPK"
cn_a=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
spk_a=$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')
check "the speaker plays the CN's audio" \
	wait_stat 10 "$T/spk.sock" '.streams[0].rx_ssrc' eq "$cn_a"
check "...and goes on playing it" grows 10 "$T/spk.sock" \
	'.streams[0].played_packets' 50
check "the CN plays the speaker's audio" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$spk_a"
check "...and goes on playing it" grows 10 "$T/cn.sock" \
	'.streams[0].played_packets' 50
check "the video stayed with the MN" \
	eq "$(jstat "$T/mn.sock" '.call.media[1].at')" self
check "the MN still decodes the CN's video" grows 10 "$T/mn.sock" \
	'.call.media[1].played_packets' 15
check "the CN still decodes the MN's video" grows 10 "$T/cn.sock" \
	'.streams[1].frames_decoded' 15
check "no SRTP packet failed to authenticate at the speaker" \
	eq "$(jstat "$T/spk.sock" '.streams[0].srtp_rx_drops')" 0
check "every INVITE went over TLS" eval \
	'! grep -E "tx (UDP|TCP) .* \| INVITE " "$T/mn.log" &&
	 grep -qE "tx TLS .* \| INVITE sip:speaker@" "$T/mn.log"'
ctl "$T/mn.sock" hangup >/dev/null
check "BYE ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
stop cap

# judge PCAP: prints "audio_plain audio_total video_zero video_total
# rtcp_plain rtcp_total" from every UDP payload on the media ports
# (even ports RTP, odd ports RTCP, as libre pairs them)
judge() {
	in_ns tshark -r "$1" -n -Y "udp.srcport >= 20000 &&
		udp.srcport <= 22999" -T fields -e udp.srcport -e udp.payload \
		2>/dev/null | awk '
	function nib(c) { return index("0123456789abcdef", tolower(c)) - 1 }
	function byte(h, i) {
		return 16 * nib(substr(h, 2 * i + 1, 1)) + nib(substr(h, 2 * i + 2, 1))
	}
	NF == 2 {
		n = length($2) / 2
		if ($1 % 2 == 1) {   # plain: its packets fill it exactly
			rt++
			for (o = 0; o + 4 <= n; )
				o += 4 * (256 * byte($2, o + 2) + byte($2, o + 3) + 1)
			if (o == n || n < 14 || byte($2, n - 14) < 128) rp++
			next
		}
		pt = byte($2, 1) % 128
		if (pt == 0) { at++; if (n != 182) ap++ }
		else if (pt >= 96 && pt <= 127 && n > 12) {
			vt++; if (byte($2, 12) < 8) vz++
		}
	}
	END { printf "%d %d %d %d %d %d\n", ap, at, vz, vt, rp, rt }'
}
read -r ap at vz vt rp rt < <(judge "$T/cap.pcapng")
log "TLS call on the wire: PCMU $at packets ($ap not 182 bytes)," \
	"video $vt ($vz with reserved bits 0), RTCP $rt ($rp without E)"
check "audio seen on the wire" ge "$at" 200
check "every PCMU packet carries an SRTP tag (182 bytes)" eq "$ap" 0
check "video seen on the wire" ge "$vt" 50
check "video payloads are encrypted (reserved bits 0 in < 1/4)" \
	test $((vz * 4)) -lt "$vt"
check "RTCP seen on the wire" ge "$rt" 2
check "every RTCP packet is SRTCP (E bit set)" eq "$rp" 0

# The judge on a plain call: it must see plain RTP and plain RTCP.
start cap2 tshark -i lo -n -w "$T/plain.pcapng" \
	-f 'udp portrange 20000-22999 or udp port 5080'
need "capture running" wait_log cap2 'Capturing on' 10
# "Capturing on" may come before the first packet is taken: the capture
# is ready once it holds a datagram we send (the CN drops it as garbage)
probe_seen() {
	in_ns bash -c 'echo probe >/dev/udp/127.0.0.1/5080'
	[ "$(in_ns tshark -r "$T/plain.pcapng" -n -Y 'udp.dstport == 5080' \
		2>/dev/null | wc -l)" -ge 1 ]
}
need "capture taking packets" wait_until 10 probe_seen
ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "plain call established" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
need "plain call carries audio" \
	wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 300
ctl "$T/mn.sock" hangup >/dev/null
stop cap2
read -r ap at vz vt rp rt < <(judge "$T/plain.pcapng")
log "plain call on the wire: PCMU $at packets ($ap not 182 bytes)," \
	"video $vt ($vz with reserved bits 0), RTCP $rt ($rp without E)"
check "the judge: plain PCMU is not 182 bytes" test "$at" -gt 0 -a "$ap" -eq "$at"
check "the judge: plain H.263 has its reserved bits 0" \
	test "$vt" -gt 0 -a "$vz" -eq "$vt"
check "the judge: plain RTCP is plain" test "$rt" -gt 0 -a "$rp" -eq "$rt"
sdp_lines() {   # FILTER: SDP media attributes of the plain call's SIP
	in_ns tshark -r "$T/plain.pcapng" -n -d udp.port==5080,sip \
		-Y "$1" -T fields -e sdp.media_attr 2>/dev/null
}
check "the plain call's SDP was seen on the wire (offer and answer)" \
	test "$(sdp_lines sdp | grep -c rtpmap)" -ge 2
check "...with no a=crypto in it (keys go over TLS only)" \
	eq "$(sdp_lines sdp | grep -c crypto)" 0
finish
