#!/usr/bin/env bash
# Proof of presence with Digest (spec §8.2): a speaker in room lab-1 that
# requires presence (--require-presence, realm lab-1) takes alice's
# password only followed by the room's current or previous token, which
# sipmob-beacon announces on the room's link (TTL 1). Two rooms and a
# router between them, unicast routed end to end:
#
#   room: beacon, speaker, CN, MN "in"  10.77.1.1 -- router -- 10.77.2.1  next door: MN "out"
#
#  1. the MN next door, with alice's right password but no token (it hears
#     no beacon), calls the CN and tries the MNC move and the handoff to
#     the speaker: both refused (401, logged), and nothing moved: the MN
#     still plays the CN and sends, the CN hears only the MN, the speaker
#     holds no session;
#  2. the MN in the room, the same credentials file, hears the beacon: the
#     MNC move works (the speaker plays the CN, the CN the speaker), then
#     the retrieval, then the handoff (REFER) and its nested-REFER
#     retrieval; the token never appears in the MN's status.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init presence_transfer
peers_require jq

. "$SIPMOB_SRC/tests/lib/rooms.sh"
need "two rooms and a router between them" wire_rooms

GROUP=239.255.83.77:5085
SPK=sip:speaker@10.77.1.1:5071
CN=sip:cn@10.77.1.1:5080
head -c 24 /dev/urandom | base64 >"$T/room.secret"
printf 'realm lab-1\nuser alice use,refer,watch\n' >"$T/speaker.conf"
printf 'alice correct horse battery\n' >"$T/speaker.secrets"
printf 'lab-1 alice correct horse battery\n' >"$T/alice.creds"
chmod 600 "$T/room.secret" "$T/speaker.secrets" "$T/alice.creds"

start beacon "$BIN/sipmob-beacon" --room lab-1 --secret-file "$T/room.secret" \
	--interval 200 --group $GROUP --iface a0
need "beacon ready" wait_log beacon 'ready'
start spk "$BIN/sipmob-device" --sip 10.77.1.1:5071 --name speaker \
	--auth-config "$T/speaker.conf" --auth-secrets "$T/speaker.secrets" \
	--require-presence --room-secret-file "$T/room.secret" \
	--control "$T/spk.sock"
start cn "$BIN/sipmob-device" --sip 10.77.1.1:5080 --name cn --basic \
	--control "$T/cn.sock"
need "devices up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/cn.sock"

logged() { grep -Eq -- "$2" "$T/$1.log"; }
nspk() { jstat "$T/spk.sock" '.sessions | length'; }

# mn_start NAME NAMESPACE ADDR: alice's MN there, hearing the beacon's
# group on its own link, in a call with the CN
mn_start() {
	local name=$1 ns=$2 addr=$3
	NS=$ns start "$name" "$BIN/sipmob-mn" --sip "$addr:5060" --user alice \
		--credentials "$T/alice.creds" --beacon $GROUP \
		--control "$T/$name.sock"
	need "$name up" wait_until 10 test -S "$T/$name.sock"
	MN_SOCK=$T/$name.sock
	mctl call "$CN" >/dev/null
	need "$name: call established" mwait 10 .call.state eq established
	need "$name hears the CN" mwait 10 '.call.media[0].played_packets' ge 25
	cn_ssrc=$(jstat "$T/cn.sock" '.streams[-1].tx_ssrc')
	mn_ssrc=$(mstat '.call.media[0].tx_ssrc')
	need "the CN hears $name" wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc"
}
# the control sockets are files: any namespace reaches them
mctl() { ctl "$MN_SOCK" "$@"; }
mstat() { jstat "$MN_SOCK" "$1"; }
mwait() { wait_stat "$1" "$MN_SOCK" "${@:2}"; }

# ---- 1. next door: the right password, no token
mn_start out "$NSB" 10.77.2.1
check "next door hears no beacon" eq "$(mstat '.presence.token_valid')" false
for how in "--audio $SPK" "--to $SPK --mode handoff"; do
	# shellcheck disable=SC2086
	r=$(mctl --json move $how)
	log "out: move $how: $(jq -c .last_transfer <<<"$r")"
	check "out: move $how is refused" eq "$(jq -r .last_transfer.ok <<<"$r")" false
	check "out: the audio is still at the MN" eq "$(mstat '.call.media[0].at')" self
	check "out: the MN still plays the CN (50 more)" \
		grows 10 "$T/out.sock" '.call.media[0].played_packets' 50
	check "out: the MN still sends (50 more)" \
		grows 10 "$T/out.sock" '.call.media[0].tx_packets' 50
	check "out: the CN hears only the MN while it plays 50 more" \
		keeps "$T/cn.sock" '.streams[-1].rx_ssrc' "$mn_ssrc" \
		"$T/cn.sock" '.streams[-1].played_packets' 50
	check "out: the speaker holds no session" eq "$(nspk)" 0
done
check "the speaker logged the INVITE from next door as wrong credentials" \
	logged spk "INVITE from 10.77.2.1:5060 \(user 'alice'\) unauthorized: wrong credentials: 401"
check "... and the REFER" \
	logged spk "REFER from 10.77.2.1:5060 \(user 'alice'\) unauthorized: wrong credentials: 401"
mctl hangup >/dev/null
check "hang-up ends the CN's session" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
stop out

# ---- 2. in the room: the same credentials and the token it hears
mn_start in "$NS" 10.77.1.1
check "in: the MN hears room lab-1 with a good token" \
	eq "$(mstat '.presence.room') $(mstat '.presence.token_valid')" "lab-1 true"
r=$(mctl --json move --audio "$SPK")
log "in: move: $(jq -c .last_transfer <<<"$r")"
check "in: the MNC move works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "in: the speaker plays the CN" \
	wait_stat 10 "$T/spk.sock" '.streams[0].rx_ssrc' eq "$cn_ssrc"
check "in: ... 50 more" grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
spk_ssrc=$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')
check "in: the CN hears the speaker" \
	keeps "$T/cn.sock" '.streams[-1].rx_ssrc' "$spk_ssrc" \
	"$T/cn.sock" '.streams[-1].played_packets' 50
check "the speaker logged alice authenticated" \
	logged spk "INVITE from 10.77.1.1:5060: user 'alice' authenticated"
r=$(mctl --json retrieve)
check "in: retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "in: the CN hears the MN again" \
	wait_stat 10 "$T/cn.sock" '.streams[-1].rx_ssrc' eq "$mn_ssrc"
check "in: the MN plays the CN again" \
	grows 10 "$T/in.sock" '.call.media[0].played_packets' 50

r=$(mctl --json move --to "$SPK" --mode handoff)
log "in: handoff: $(jq -c .last_transfer <<<"$r")"
check "in: the handoff works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "in: the speaker holds the call with the CN and plays it" \
	grows 10 "$T/spk.sock" '.streams[-1].played_packets' 50
r=$(mctl --json retrieve)
log "in: retrieve: $(jq -c .last_transfer <<<"$r")"
check "in: the nested-REFER retrieval works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "in: the MN plays the CN again" \
	grows 10 "$T/in.sock" '.call.media[0].played_packets' 50
check "in: the speaker holds no session" wait_stat 10 "$T/spk.sock" '.sessions | length' eq 0
check "the MN's status does not show the token" \
	eq "$(mstat '.presence | has("token")')" false
mctl hangup >/dev/null
finish
