#!/usr/bin/env bash
# Authenticated referral (spec §5.3.1, §5.3.2; RFC 3892, RFC 3893): the MN
# signs its REFERs (a Referred-By token: an S/MIME-signed message/sipfrag of
# the REFER's headers), the speakerphone takes only REFERs whose token is
# good, and the CN (sipmob-device --basic with --aib-ca) takes an INVITE
# with Replaces only with a good token naming that Replaces. Certificates
# come from the openssl CLI, made here; bad tokens come from
# tests/tools/sip_refer_aib.py, signed by the openssl CLI as well.
#
#  0. Attacks while the MN holds the call, each REFER naming the real
#     dialog (the Replaces a thief needs) and claiming to come from the
#     MN: no token (429), a token signed by a CA nobody trusts (403), one
#     signed with the MN's own key but 10 min old (403), one whose signed
#     Refer-To is not the REFER's (403), and a good one sent twice: the
#     copy is refused (403, a replay). Straight at the CN, an INVITE with
#     that Replaces: no token (429), a forged one (403). After all that
#     the call is where it was: the MN plays the CN and the CN the MN, one
#     CN session, the speaker holds nothing.
#  1. The MN hands the call to the speaker with a signed REFER: the CN asks
#     the speaker for the token (429), gets it, checks it; the speaker
#     plays the CN and the CN the speaker, both ways, the MN left.
#  2. Retrieval (nested REFER): the speaker signs its REFER to the MN with
#     its own certificate, the MN checks it and gives it to the CN, which
#     checks it; the MN and the CN hear each other again.
#  3. Both measures at once: a second speaker that also requires Digest
#     (--auth-config). The MN, now with --credentials, hands the call over:
#     its signed REFER is challenged (401) and goes again signed anew and
#     authorized; the speaker checks both, the CN asks it for the token
#     (429); the media flow both ways; the signed retrieval brings it back.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init sh_aib
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require openssl python3 jq

MN=sip:alice@127.0.0.1:5060
SPK=sip:speaker@127.0.0.1:5071
SPK2=sip:speaker2@127.0.0.1:5073
CN=sip:cn@127.0.0.1:5080
TOOL=(in_ns python3 "$SIPMOB_SRC/tests/tools/sip_refer_aib.py")

# ---- certificates: our CA, the MN's and the speaker's; a rogue CA's
# certificate in the MN's name
pki() {
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
	cd "$T" || return 1
	openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 1 \
		-subj /CN=sipmob-test-ca &&
	openssl req -x509 "${ec[@]}" -keyout rogue-ca.key -out rogue-ca.crt \
		-days 1 -subj /CN=rogue-ca || return 1
	# NAME URI CA
	issue() {
		openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" \
			-subj "/CN=$1" &&
		openssl x509 -req -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" \
			-CAcreateserial -days 1 -out "$1.crt" \
			-extfile <(printf 'subjectAltName=URI:%s\n' "$2")
	}
	issue mn "$MN" ca && issue spk "$SPK" ca && issue rogue "$MN" rogue-ca &&
	issue spk2 "$SPK2" ca
}
need "certificates made by the openssl CLI" pki >"$T/pki.log" 2>&1

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--aib-ca "$T/ca.crt" --control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--owner "$MN" --aib-ca "$T/ca.crt" --aib-cert "$T/spk.crt" \
	--aib-key "$T/spk.key" --control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--aib-cert "$T/mn.crt" --aib-key "$T/mn.key" --aib-ca "$T/ca.crt" \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/mn.sock"

ctl "$T/mn.sock" call "$CN" >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays the CN" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
cn_ssrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
mn_ssrc=$(jstat "$T/mn.sock" '.call.streams[0].tx_ssrc')

# the Replaces that takes the MN's call, as the CN sees the dialog
callid=$(jstat "$T/mn.sock" .call.call_id)
ltag=$(jstat "$T/mn.sock" .call.local_tag)
rtag=$(jstat "$T/mn.sock" .call.remote_tag)
need "the MN names its dialog" test -n "$callid" -a "$callid" != null
repl=$(python3 -c 'import sys, urllib.parse as u; print(u.quote(sys.argv[1], safe=""))' \
	"$callid;to-tag=$rtag;from-tag=$ltag")
STEAL="<$CN;audio?Replaces=$repl>"

# refer WHAT ARGS...: the tool's REFER to the speaker in the MN's name
refer() { "${TOOL[@]}" --to "$SPK" --from "$MN" --refer-to "$STEAL" "$@"; }

# the call has not moved: both ends play each other, one CN session
call_unmoved() {
	grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20 &&
		wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc" &&
		grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20 &&
		test "$(jstat "$T/cn.sock" '[.sessions[] | select(.state == "established")] | map(.remote) | join(",")')" = "$MN" &&
		test "$(jstat "$T/spk.sock" '.sessions | length')" = 0
}

# ---- 0. attacks at the referee
out=$(refer --no-token); log "no token: $out"
check "a REFER without a token gets 429" grep -q '^429 Provide Referrer Identity' <<<"$out"

out=$(refer --cert "$T/rogue.crt" --key "$T/rogue.key"); log "rogue CA: $out"
check "a token from an untrusted CA gets 403" grep -q '^403 ' <<<"$out"
check "... saying the signature is bad" grep -q 'bad signature' <<<"$out"

out=$(refer --cert "$T/mn.crt" --key "$T/mn.key" --date-offset -600)
log "expired: $out"
check "a token 10 minutes old gets 403" grep -q '^403 ' <<<"$out"
check "... naming its Date" grep -q 'more than 60 s from now' <<<"$out"

out=$(refer --cert "$T/mn.crt" --key "$T/mn.key" \
	--signed-refer-to "<$CN;audio?Replaces=other%3Bto-tag%3D1%3Bfrom-tag%3D2>")
log "tampered: $out"
check "a token for another Refer-To gets 403" grep -q '^403 .*refers to' <<<"$out"

# a good token sent twice: the first REFER is taken (202); it names a
# dialog that does not exist, so the speaker's INVITE gets 481 from the CN
# and nothing moves. The copy is refused as a replay.
out=$("${TOOL[@]}" --to "$SPK" --from "$MN" --cert "$T/mn.crt" \
	--key "$T/mn.key" --repeat 2 \
	--refer-to "<$CN;audio?Replaces=gone%40x%3Bto-tag%3D1%3Bfrom-tag%3D2>")
log "replay: $out"
check "a good token is taken once (202)" grep -q '^202 ' <<<"$(sed -n 1p <<<"$out")"
check "... and its copy refused (403, a replay)" \
	grep -q '^403 .*replay' <<<"$(sed -n 2p <<<"$out")"
check "... the speaker called the CN once, which found no such dialog" \
	wait_log spk "INVITE to $CN failed: 481" 10
check "the speaker logged why it refused each" \
	test "$(grep -c 'REFER from .* refused (4[02][39])' "$T/spk.log")" -ge 5

# ---- attacks at the refer target (the CN)
out=$("${TOOL[@]}" --method INVITE --to "$CN" --from sip:thief@127.0.0.1:5099 \
	--referred-by "$MN" --refer-to "$STEAL" --no-token)
log "INVITE without token: $out"
check "an INVITE with Replaces and no token gets 429 at the CN" \
	grep -q '^429 ' <<<"$out"
out=$("${TOOL[@]}" --method INVITE --to "$CN" --from sip:thief@127.0.0.1:5099 \
	--referred-by "$MN" --refer-to "$STEAL" --cert "$T/rogue.crt" \
	--key "$T/rogue.key")
log "INVITE with a forged token: $out"
check "... and with a forged token 403" grep -q '^403 .*bad signature' <<<"$out"

check "after every attack the call is where it was" call_unmoved

# ---- 1. the MN's own, signed handoff (Figure 4)
good=$(grep -c "REFER from $MN carries a good token" "$T/spk.log")
out=$(ctl "$T/mn.sock" move --to "$SPK" --mode handoff --json)
log "move: $out"
check "the signed handoff succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
need "the MN left the call" wait_stat 10 "$T/mn.sock" .call.state eq idle
check "the speaker checked the MN's token" test \
	"$(grep -c "REFER from $MN carries a good token, signed by $MN" "$T/spk.log")" -gt "$good"
check "the CN asked the speaker for it (429)" \
	grep -q "asks for the referrer's token (429)" "$T/spk.log"
check "the CN checked it" \
	grep -q "INVITE with Replaces from .* carries a good token, signed by $MN" "$T/cn.log"
check "the speaker plays the CN" wait_stat 10 "$T/spk.sock" '.streams[-1].rx_ssrc' eq "$cn_ssrc"
check "... and goes on" grows 10 "$T/spk.sock" '.streams[-1].played_packets' 20
check "... and sends" grows 10 "$T/spk.sock" '.streams[-1].tx_packets' 20
spk_ssrc=$(jstat "$T/spk.sock" '.streams[-1].tx_ssrc')
check "the CN plays the speaker" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$spk_ssrc"
check "... and goes on" grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20
check "the CN has one session, with the speaker" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | map(.remote) | join(",")' eq "$SPK"

# ---- 2. retrieval (Figure 5): the speaker's signed REFER to the MN
out=$(ctl "$T/mn.sock" retrieve --json)
log "retrieve: $out"
check "the retrieval succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
need "the MN holds the call again" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the MN checked the speaker's token" \
	grep -q "carries a good token, signed by $SPK" "$T/mn.log"
check "the CN checked it too" \
	test "$(grep -c "INVITE with Replaces from .* carries a good token, signed by $SPK" "$T/cn.log")" = 1
check "the MN plays the CN" wait_stat 10 "$T/mn.sock" '.call.streams[0].rx_ssrc' eq "$cn_ssrc"
check "... and goes on" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
mn_ssrc=$(jstat "$T/mn.sock" '.call.streams[0].tx_ssrc')
check "the CN plays the MN" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc"
check "... and goes on" grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20
check "the speaker holds nothing" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
check "the CN has one session, with the MN" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | map(.remote) | join(",")' eq "$MN"

ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | length' eq 0

# ---- 3. a token and Digest together
printf 'realm room123\nowner alice\nuser alice\n' >"$T/spk2.conf"
printf 'alice correct horse battery\n' >"$T/spk2.secrets"
printf 'room123 alice correct horse battery\n' >"$T/alice.creds"
chmod 600 "$T/spk2.secrets" "$T/alice.creds"
start spk2 "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name speaker2 \
	--auth-config "$T/spk2.conf" --auth-secrets "$T/spk2.secrets" \
	--aib-ca "$T/ca.crt" --aib-cert "$T/spk2.crt" --aib-key "$T/spk2.key" \
	--control "$T/spk2.sock"
stop mn
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--aib-cert "$T/mn.crt" --aib-key "$T/mn.key" --aib-ca "$T/ca.crt" \
	--credentials "$T/alice.creds" --control "$T/mn.sock"
need "speaker2 and the MN up" wait_until 10 test -S "$T/spk2.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call "$CN" >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays the CN" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
cn_ssrc=$(jstat "$T/cn.sock" '.streams[-1].tx_ssrc')
out=$(ctl "$T/mn.sock" move --to "$SPK2" --mode handoff --json)
log "move: $out"
check "Digest + token: the handoff succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
check "speaker2 challenged the signed REFER (401)" \
	grep -q "REFER from 127.0.0.1:5060 (sip:alice@127.0.0.1:5060) without credentials: 401" "$T/spk2.log"
check "... took the one sent again, authorized" \
	grep -q "REFER from 127.0.0.1:5060: user 'alice' authenticated" "$T/spk2.log"
check "... and checked its token" \
	grep -q "REFER from $MN carries a good token, signed by $MN" "$T/spk2.log"
check "the CN asked speaker2 for the token (429) and checked it" \
	grep -q "asks for the referrer's token (429)" "$T/spk2.log"
check "speaker2 plays the CN" wait_stat 10 "$T/spk2.sock" '.streams[-1].rx_ssrc' eq "$cn_ssrc"
check "... and goes on" grows 10 "$T/spk2.sock" '.streams[-1].played_packets' 20
spk_ssrc=$(jstat "$T/spk2.sock" '.streams[-1].tx_ssrc')
check "the CN plays speaker2" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$spk_ssrc"
check "... and goes on" grows 10 "$T/cn.sock" '.streams[-1].played_packets' 20
out=$(ctl "$T/mn.sock" retrieve --json)
log "retrieve: $out"
check "Digest + token: the retrieval succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
check "the MN checked speaker2's token" \
	grep -q "carries a good token, signed by $SPK2" "$T/mn.log"
check "the MN plays the CN again" grows 10 "$T/mn.sock" '.call.streams[0].played_packets' 20
mn_ssrc=$(jstat "$T/mn.sock" '.call.streams[0].tx_ssrc')
check "the CN plays the MN" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc"
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
finish
