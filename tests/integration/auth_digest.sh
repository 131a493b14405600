#!/usr/bin/env bash
# Device authorization with SIP Digest (RFC 3261 §22, RFC 8760): a speaker
# that requires it (--auth-config, secrets from --auth-secrets) and MNs
# that answer its challenges from their --credentials file, or cannot.
#  1. an MN without credentials, then one with a wrong password: the
#     MNC move (INVITE) and the handoff (REFER) are refused (401, logged),
#     and nothing moves: the MN still plays the CN and sends, the CN still
#     hears the MN's SSRC, the speaker holds no session, the CN gets no
#     re-INVITE;
#  2. the MN with the right credentials: the MNC move and its retrieval,
#     then the handoff (REFER) and its retrieval (nested REFER), all work;
#     meanwhile carol, who may REFER, asks for alice's session back with
#     alice's URI in From: 403, and the session stays; after a second
#     handoff a restarted MN finds the call through the speaker's dialog
#     events (an authenticated SUBSCRIBE) and takes it back;
#  3. a client of our own (tests/tools/sip_digest.py, its own hashing)
#     REFERs the speaker: the challenge offers SHA-256 then MD5; its answer
#     is taken (202) and the speaker calls the target; the same
#     Authorization replayed, and the same nonce from another address, are
#     refused (401) and call nobody; nc 2 is taken; a user without the
#     "refer" permission gets 403; a user set to MD5 is offered MD5 only
#     and subscribes with it; a wrong password gets 401;
#  4. the wire is clean.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init auth_digest
peers_require python3 jq tcpdump tshark

SPK=sip:speaker@127.0.0.1:5071
CN=sip:cn@127.0.0.1:5080
TGT=sip:target@127.0.0.1:5081
REALM=room123.example

cat >"$T/speaker.conf" <<CONF
# the speaker in room 123
realm $REALM
owner alice
user alice
user bob use
user carol use,refer
user legacy use,watch algorithms=md5
CONF
cat >"$T/speaker.secrets" <<CONF
alice correct horse battery
bob bob-secret
carol carol-secret
legacy legacy-secret
CONF
chmod 600 "$T/speaker.secrets"
printf '%s\n' "$REALM alice correct horse battery" >"$T/alice.creds"
printf '%s\n' "$REALM alice correct horse staple" >"$T/wrong.creds"
chmod 600 "$T/alice.creds" "$T/wrong.creds"

# bad_conf CONF SECRETS: sipmob-device's exit status and message for them
bad_conf() {
	printf '%b' "$1" >"$T/bad.conf"
	printf '%b' "$2" >"$T/bad.secrets"
	chmod 600 "$T/bad.secrets"
	in_ns "$BIN/sipmob-device" --sip 127.0.0.1:5079 --auth-config "$T/bad.conf" \
		--auth-secrets "$T/bad.secrets" >"$T/bad.out" 2>&1
	echo "$? $(cat "$T/bad.out")"
}
r=$(bad_conf 'user alice\n' 'alice x\n')
check "a configuration without realm: exit 2, saying so" grep -q '^2 .*no realm' <<<"$r"
r=$(bad_conf 'realm r\nuser alice use,fly\n' 'alice x\n')
check "an unknown permission: exit 2, naming the line" grep -q '^2 .*bad.conf:2: user alice: permissions' <<<"$r"
r=$(bad_conf 'realm r\nuser alice\n' 'bob x\n')
check "a secret for no configured user: exit 2" grep -q '^2 .*secrets line 1: not a configured user' <<<"$r"
r=$(bad_conf 'realm r\nuser alice\nuser bob\n' 'alice x\n')
check "a user without a secret: exit 2" grep -q '^2 .*user bob has no secret' <<<"$r"
r=$(bad_conf 'realm r\nowner eve\nuser alice\n' 'alice x\n')
check "an owner who is no user: exit 2" grep -q '^2 .*the owner eve is not a user' <<<"$r"

need "capture" capture_start cap
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--auth-config "$T/speaker.conf" --auth-secrets "$T/speaker.secrets" \
	--control "$T/spk.sock"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start tgt "$BIN/sipmob-device" --sip 127.0.0.1:5081 --name target --basic \
	--control "$T/tgt.sock"
need "devices up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/cn.sock" \
	-a -S "$T/tgt.sock"

logged() { grep -Eq -- "$2" "$T/$1.log"; }
digest() { in_ns /usr/bin/python3 "$SIPMOB_SRC/tests/tools/sip_digest.py" --to "$SPK" "$@"; }
step() { awk -v s="$1" '$1 == s {print $2}' <<<"$out"; }
count() { tshark_count "$T/cap.pcap" "$1"; }
nspk() { jstat "$T/spk.sock" '.sessions | length'; }

# mn_start NAME [--credentials FILE]: an MN (alice) on 5060 that calls the CN
mn_start() {
	local name=$1; shift
	start "$name" "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
		--control "$T/$name.sock" "$@"
	need "$name up" wait_until 10 test -S "$T/$name.sock"
	MN_SOCK=$T/$name.sock
	ctl "$MN_SOCK" call "$CN" >/dev/null
	need "$name: call established" wait_stat 10 "$MN_SOCK" .call.state eq established
	need "$name hears the CN" wait_stat 10 "$MN_SOCK" '.call.media[0].played_packets' ge 25
	cn_ssrc=$(jstat "$T/cn.sock" '.streams[-1].tx_ssrc')
	mn_ssrc=$(jstat "$MN_SOCK" '.call.media[0].tx_ssrc')
	need "the CN hears $name" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc"
}

mn_stop() {
	ctl "$MN_SOCK" hangup >/dev/null
	check "hang-up ends the CN's session" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
	stop "$1"
}

# media_stayed WHO: nothing moved after a refused move
media_stayed() {
	check "$1: status: the audio is still at the MN" \
		eq "$(jstat "$MN_SOCK" '.call.media[0].at')" self
	check "$1: the MN still plays the CN (50 more)" \
		keeps "$MN_SOCK" '.call.media[0].rx_ssrc' "$cn_ssrc" \
		"$MN_SOCK" '.call.media[0].played_packets' 50
	check "$1: the MN still sends (tx_packets grows by 50)" \
		grows 10 "$MN_SOCK" '.call.media[0].tx_packets' 50
	check "$1: the CN hears only the MN while it plays 50 more" \
		keeps "$T/cn.sock" '.streams[-1].rx_ssrc' "$mn_ssrc" \
		"$T/cn.sock" '.streams[-1].played_packets' 50
	check "$1: the speaker holds no session" eq "$(nspk)" 0
	check "$1: the CN has one session, with the MN" \
		eq "$(jstat "$T/cn.sock" '[.sessions[] | .remote] | join(",")')" \
		sip:alice@127.0.0.1:5060
}

# refused WHO: the MNC move and the handoff are both refused
refused() {
	local r
	r=$(ctl "$MN_SOCK" --json move --audio "$SPK")
	log "$1: move: $(jq -c .last_transfer <<<"$r")"
	check "$1: the MNC move fails" eq "$(jq -r .last_transfer.ok <<<"$r")" false
	media_stayed "$1 (MNC)"
	r=$(ctl "$MN_SOCK" --json move --to "$SPK" --mode handoff)
	log "$1: handoff: $(jq -c .last_transfer <<<"$r")"
	check "$1: the handoff fails" eq "$(jq -r .last_transfer.ok <<<"$r")" false
	media_stayed "$1 (handoff)"
}

# ---- 1. no credentials, wrong credentials
mn_start mn0
refused "no credentials"
check "the speaker logged the INVITE without credentials" \
	logged spk "INVITE from 127.0.0.1:5060 \(sip:alice@127.0.0.1:5060\) without credentials: 401"
check "... and the REFER" \
	logged spk "REFER from 127.0.0.1:5060 \(sip:alice@127.0.0.1:5060\) without credentials: 401"
check "the MN says it has no credentials for the realm" \
	logged mn0 "INVITE to $SPK: 401 and no credentials for its realm"
mn_stop mn0

mn_start mnw --credentials "$T/wrong.creds"
refused "wrong password"
check "the speaker logged the wrong INVITE with its source and user" \
	logged spk "INVITE from 127.0.0.1:5060 \(user 'alice'\) unauthorized: wrong credentials: 401"
check "... and the wrong REFER" \
	logged spk "REFER from 127.0.0.1:5060 \(user 'alice'\) unauthorized: wrong credentials: 401"
check "the MN answered each challenge once, and gave up" \
	logged mnw "INVITE to $SPK: credentials refused \(401\)"
mn_stop mnw

# ---- 2. the right credentials
mn_start mna --credentials "$T/alice.creds"
r=$(ctl "$MN_SOCK" --json move --audio "$SPK")
log "move: $(jq -c .last_transfer <<<"$r")"
check "MNC: the move works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "MNC: the audio is at the speaker" eq "$(jstat "$MN_SOCK" '.call.media[0].at')" "$SPK"
check "MNC: the speaker plays the CN's stream" \
	wait_stat 10 "$T/spk.sock" '.streams[0].rx_ssrc' eq "$cn_ssrc"
check "... 50 more" grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
spk_ssrc=$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')
check "MNC: the CN hears the speaker" \
	keeps "$T/cn.sock" '.streams[-1].rx_ssrc' "$spk_ssrc" \
	"$T/cn.sock" '.streams[-1].played_packets' 50
check "the speaker logged alice authenticated with SHA-256" \
	logged spk "INVITE from 127.0.0.1:5060: user 'alice' authenticated \(SHA-256\)"
r=$(ctl "$MN_SOCK" --json retrieve)
check "MNC: retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "MNC: the CN hears the MN again" \
	wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc"
check "MNC: the speaker was hung up" wait_stat 10 "$T/spk.sock" '.sessions | length' eq 0

r=$(ctl "$MN_SOCK" --json move --to "$SPK" --mode handoff)
log "handoff: $(jq -c .last_transfer <<<"$r")"
check "SH: the handoff works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "SH: the speaker holds the call with the CN" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established" and .remote == "'"$CN"'")] | length' eq 1
check "SH: ... and plays the CN" grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
check "SH: the MN left the call" wait_stat 10 "$MN_SOCK" .call.state eq idle
check "the speaker logged alice's REFER authenticated" \
	logged spk "REFER from 127.0.0.1:5060: user 'alice' authenticated \(SHA-256\)"
# carol may REFER, but the session is alice's: writing alice's URI in
# From does not make her alice
cid=$(jstat "$MN_SOCK" .handoff.call_id)
devtag=$(jstat "$MN_SOCK" .handoff.device_tag)
cntag=$(jstat "$MN_SOCK" .handoff.cn_tag)
inner="<$CN?Replaces=$(hesc "$cid;to-tag=$cntag;from-tag=$devtag")>"
nested="<sip:alice@127.0.0.1:5060;method=REFER?Refer-To=$(hesc "$inner")>"
out=$(digest --user carol --password carol-secret --from sip:alice@127.0.0.1:5060 \
	--header "Refer-To: $nested" --steps none,auth)
log "carol as alice: $(echo $out)"
check "SH: carol's nested REFER with alice's From gets 403" eq "$(step auth)" 403
check "... logged as neither the session's participant nor the owner" \
	logged spk "REFER from sip:alice@127.0.0.1:5060 refused \(403\): neither"
check "SH: the speaker keeps the session while the CN plays on" \
	keeps "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' 1 \
	"$T/cn.sock" '.streams[-1].played_packets' 50
check "SH: the MN was not asked to take it back" eq "$(jstat "$MN_SOCK" .call.state)" idle
r=$(ctl "$MN_SOCK" --json retrieve)
log "retrieve: $(jq -c .last_transfer <<<"$r")"
check "SH: retrieve ok (the nested REFER authenticated)" \
	eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "SH: the MN plays the CN again" \
	grows 10 "$MN_SOCK" '.call.media[0].played_packets' 50
check "SH: the speaker's session ended" wait_stat 10 "$T/spk.sock" '.sessions | length' eq 0

# handed off again; the MN restarts and finds the call through the
# speaker's dialog events (its SUBSCRIBE answers a challenge too)
r=$(ctl "$MN_SOCK" --json move --to "$SPK" --mode handoff)
check "SH: the second handoff works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
need "SH: the MN left the call" wait_stat 10 "$MN_SOCK" .call.state eq idle
stop mna
start mnb "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mnb.sock" --credentials "$T/alice.creds"
need "the MN is back, knowing nothing" wait_until 10 test -S "$T/mnb.sock"
MN_SOCK=$T/mnb.sock
r=$(ctl "$MN_SOCK" --json retrieve --from "$SPK")
log "retrieve --from: $(jq -c .last_transfer <<<"$r")"
check "SH: retrieval through the dialog events works" \
	eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the speaker logged alice's SUBSCRIBE authenticated" \
	logged spk "SUBSCRIBE from 127.0.0.1:5060: user 'alice' authenticated \(SHA-256\)"
check "SH: the MN holds the call and plays the CN" \
	grows 10 "$MN_SOCK" '.call.media[0].played_packets' 50
check "SH: the speaker's session ended" wait_stat 10 "$T/spk.sock" '.sessions | length' eq 0
mn_stop mnb

# ---- 3. our own Digest client: replay, source binding, permissions
out=$(digest --user alice --password 'correct horse battery' \
	--header "Refer-To: <$TGT>" --steps none,auth,replay,foreign,nc2)
log "alice: $(echo $out)"
check "no credentials: 401" eq "$(step none)" 401
check "... offering SHA-256, then MD5 (RFC 8760 §2.4)" \
	grep -q "algorithms=SHA-256,MD5" <<<"$out"
check "the answer (SHA-256, nc 1): 202" eq "$(step auth)" 202
check "the same Authorization replayed: 401" eq "$(step replay)" 401
check "the nonce from another address: 401" eq "$(step foreign)" 401
check "the same nonce with nc 2: 202" eq "$(step nc2)" 202
check "the replay is logged with source and user" \
	logged spk "REFER from 127.0.0.1:5095 \(user 'alice'\) unauthorized: replayed nonce count: 401"
check "... the other address too" \
	logged spk "REFER from 127.0.0.2:5095 \(user 'alice'\) unauthorized: nonce not ours"
check "the target has exactly the two calls the accepted REFERs asked for" \
	wait_stat 10 "$T/tgt.sock" '[.sessions[] | select(.remote == "'"$SPK"'")] | length' eq 2
check "... and keeps two while it plays 20 more" \
	keeps "$T/tgt.sock" '.sessions | length' 2 "$T/tgt.sock" '.streams[-1].played_packets' 20
ctl "$T/spk.sock" hangup >/dev/null
need "the referred calls end" wait_stat 10 "$T/tgt.sock" '.sessions | length' eq 0

out=$(digest --user bob --password bob-secret --header "Refer-To: <$TGT>" \
	--steps none,auth)
log "bob: $(echo $out)"
check "bob (use only) proves his secret, and his REFER gets 403" eq "$(step auth)" 403
check "... logged" logged spk "REFER from 127.0.0.1:5095: user 'bob' not permitted: 403"
out=$(digest --user legacy --password legacy-secret --alg MD5 --method SUBSCRIBE \
	--steps none,auth,wrong)
log "legacy: $(echo $out)"
check "legacy (algorithms=md5) is offered MD5 only" grep -q "algorithms=MD5$" <<<"$(grep ^none <<<"$out")"
check "... and subscribes with it (200)" eq "$(step auth)" 200
check "a wrong password: 401" eq "$(step wrong)" 401
check "nobody else called the target" \
	test "$(jstat "$T/tgt.sock" '.sessions | length')" = 0 -a \
	"$(count 'sip.Method == "INVITE" && udp.dstport == 5081')" -ge 2

# ---- 4. the wire
need "capture stops" capture_stop cap
check "the wire is clean (no malformed packet)" tshark_check "$T/cap.pcap"
check "every 401 carries WWW-Authenticate" \
	test "$(count 'sip.Status-Code == 401 && !sip.WWW-Authenticate')" = 0
check "the refused MNs sent the CN no re-INVITE: only mna's two moves and two retrievals did (plus 3 calls)" \
	test "$(count 'sip.Method == "INVITE" && udp.dstport == 5080 && udp.srcport == 5060')" -le 7
finish
