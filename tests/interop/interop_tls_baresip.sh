#!/usr/bin/env bash
# interop/tls_baresip: a device we did not write over TLS and SRTP. The MN
# calls the CN (sipmob-device --basic) at its sips: URI, then moves the
# audio to baresip 1.0.0 (TLS with a certificate from the test CA, SRTP
# mandatory through its srtp module, SDES keys). baresip takes the MN's
# INVITE carrying the CN's key and answers with its own; the CN takes
# baresip's key in the MN's re-INVITE. Both must decrypt: baresip reports
# SRTP on and no packet it could not decrypt, and counts the CN's packets;
# the CN plays baresip's stream (its receive SSRC is baresip's) with no
# SRTP drop since. On the wire every PCMU packet from baresip's ports is an
# SRTP one (182 bytes: 172 and the 10-byte tag).
#
# baresip as the CN is not used for a move: 1.0.0 keeps the first key it
# took, so after a move it cannot decrypt the device (its log says
# "srtp: failed to decrypt"); a call with it alone works.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/certs.sh"
scenario_init interop_tls_baresip
peers_require baresip tshark tcpdump jq openssl

certs_make "$T/certs" || { log "cannot make certificates"; exit 1; }
TLS=(--tls-cert "$T/certs/good.pem" --tls-ca "$T/certs/ca.pem")
DEV=sips:dev@127.0.0.1:25071
BARESIP_RTP_PORTS=40000-40099

need "capture starts" capture_start cap udp portrange 40000-40099
BARESIP_CONFIG_EXTRA=$(printf 'sip_certificate\t%s\nsip_cafile\t%s\nmodule\t\tsrtp.so' \
	"$T/certs/good.pem" "$T/certs/ca.pem") \
BARESIP_AOR="sips:dev@127.0.0.1:25071;transport=tls" \
	need "baresip starts" baresip_start dev 25070 ";mediaenc=srtp-mand"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --tls-port 5081 \
	--name cn --basic "${TLS[@]}" --control "$T/cn.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --tls-port 5061 \
	--user alice --codecs PCMU "${TLS[@]}" --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/cn.sock"

ctl "$T/mn.sock" call sips:cn@127.0.0.1:5081 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the CN hears the MN" wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 25
mn_ssrc=$(jstat "$T/cn.sock" '.streams[0].rx_ssrc')

r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$DEV")
log "move: $(jq -c .last_transfer <<<"$r")"
check "move to baresip over TLS ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "baresip runs SRTP" \
	wait_until 5 _peer_grep dev 'SRTP is Enabled'
check "the CN's stream changes to baresip's" \
	wait_until 10 eval '[ "$(jstat "$T/cn.sock" ".streams[0].rx_ssrc")" != "$mn_ssrc" ]'
check "the CN plays baresip's stream (decrypts it)" \
	grows 10 "$T/cn.sock" '.streams[0].played_packets' 100
# (the MN's last packets, still on their way when the keys changed, may
# have been refused: they do not authenticate with baresip's key)
drops=$(jstat "$T/cn.sock" '.streams[0].srtp_rx_drops')
check "...and refuses none of baresip's while it plays 100 more" \
	keeps "$T/cn.sock" '.streams[0].srtp_rx_drops' "$drops" \
	"$T/cn.sock" '.streams[0].played_packets' 100
check "the CN's SRTP is on" eq "$(jstat "$T/cn.sock" '.streams[0].srtp')" true
ctl "$T/mn.sock" hangup >/dev/null
need "baresip's call ends" baresip_wait_closed dev 10
read -r btx brx < <(baresip_rtp_stats dev)
log "baresip RTP: sent $btx, received $brx"
check "baresip received the CN's packets" ge "${brx:-0}" 100
check "baresip decrypted every packet" eval '! _peer_grep dev "failed to decrypt"'
capture_stop cap
lens() {   # the UDP lengths of baresip's PCMU packets, one a line
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -d udp.port==40000-40099,rtp \
		-Y "rtp.p_type == 0 && udp.srcport >= 40000 && udp.srcport <= 40099" \
		-T fields -e udp.length 2>/dev/null
}
log "baresip's PCMU packets by UDP length: $(lens | sort | uniq -c | tr -s '\n ' ' ')"
check "baresip's PCMU is on the wire" ge "$(lens | wc -l)" 100
check "every one is SRTP (UDP length 190: 8 + 182)" \
	eq "$(lens | sort -u | tr '\n' ' ')" "190 "
finish
