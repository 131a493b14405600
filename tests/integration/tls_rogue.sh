#!/usr/bin/env bash
# A rogue SLP registration of a sips: device is never used. In room 123 the
# genuine speaker (a certificate from the test CA for 127.0.0.1) registers
# sips:speaker@127.0.0.1:5071; two rogues register the same name and room:
# one with a self-signed certificate for 127.0.0.1, one with a certificate
# from the same CA but for another name (127.0.0.9, rogue.invalid).
# Certificates are made now (tests/lib/certs.sh).
#
# The MN lists only the genuine speaker (and logs why each rogue is left
# out), `move --audio speaker` lands there, and a move to a rogue's URI
# given by hand fails at the TLS handshake: the audio stays where it was
# and plays on. No rogue ever receives a SIP request (its TLS handshakes
# fail before one is sent) nor a media packet.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/certs.sh"
peers_require openssl jq
scenario_init tls_rogue
ns_multicast

certs_make "$T/certs" || { log "cannot make certificates"; exit 1; }
CA=(--tls-ca "$T/certs/ca.pem")
GOOD=(--tls-cert "$T/certs/good.pem" "${CA[@]}")
SPK=sips:speaker@127.0.0.1:5071
R1=sips:speaker@127.0.0.1:5091
R2=sips:speaker@127.0.0.1:5093

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --tls-port 5081 \
	--name cn --basic "${GOOD[@]}" --control "$T/cn.sock"
start r1 "$BIN/sipmob-device" --sip 127.0.0.1:5090 --tls-port 5091 \
	--name speaker --room 123 --slp-da 127.0.0.1 \
	--tls-cert "$T/certs/selfsigned.pem" --control "$T/r1.sock"
start r2 "$BIN/sipmob-device" --sip 127.0.0.1:5092 --tls-port 5093 \
	--name speaker --room 123 --slp-da 127.0.0.1 \
	--tls-cert "$T/certs/othername.pem" "${CA[@]}" --control "$T/r2.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5070 --tls-port 5071 \
	--name speaker --room 123 --slp-da 127.0.0.1 "${GOOD[@]}" \
	--control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --tls-port 5061 \
	--user alice --slp-da 127.0.0.1 "${GOOD[@]}" --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/r1.sock" -a -S "$T/r2.sock" -a -S "$T/cn.sock"
for d in spk r1 r2; do
	need "$d registered" wait_log "$d" "registered in SLP" 10
done
check "the rogues registered sips: URLs in room 123 too" eval \
	'grep -q "$R1" "$T/r1.log" && grep -q "$R2" "$T/r2.log"'

ctl "$T/mn.sock" call sips:cn@127.0.0.1:5081 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "MN hears the CN" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25

r=$(ctl "$T/mn.sock" --json devices --room 123)
log "devices in room 123: $(jq -c '[.devices[]?.url]' <<<"$r")"
check "room 123 lists exactly one device" eq "$(jq '.devices | length' <<<"$r")" 1
check "...the genuine speaker" eq "$(jq -r '.devices[0].url' <<<"$r")" "$SPK"
check "the self-signed rogue is left out, saying why" \
	grep -qE "device $R1 not used: .*self-signed" "$T/mn.log"
check "the rogue with another name is left out, saying why" \
	grep -qE "device $R2 not used: .*IP address mismatch" "$T/mn.log"

r=$(ctl "$T/mn.sock" --json move --audio speaker)
check "move --audio speaker ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the audio is at the genuine speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SPK"
cn_a=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
check "the genuine speaker plays the CN" \
	wait_stat 10 "$T/spk.sock" '.streams[0].rx_ssrc' eq "$cn_a"

for R in "$R1" "$R2"; do
	out=$(ctl "$T/mn.sock" move --audio "$R" 2>&1)
	rc=$?
	log "move to $R by its URI: exit $rc: $out"
	check "a move to the rogue $R fails" test "$rc" -ne 0
	check "...and the audio stays at the genuine speaker" \
		eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SPK"
done
check "the MN refused the rogues' certificates at the handshake" \
	test "$(grep -c 'sip: tls: certificate .* refused' "$T/mn.log")" -ge 4
check "the genuine speaker still plays the CN" \
	grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
check "the CN plays the genuine speaker" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq \
	"$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')"
for d in r1 r2; do
	check "rogue $d never got a SIP request" \
		eval '! grep -qE "INVITE from|OPTIONS|REFER" "$T/$d.log"'
	check "rogue $d has no session and no media" \
		eq "$(jstat "$T/$d.sock" '[(.sessions | length), ((.streams // []) | length)] | add')" 0
done
finish
