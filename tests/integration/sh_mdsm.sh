#!/usr/bin/env bash
# Session Handoff to a multi-device system (spec §5.3.3, RFC 5631 Figure
# 6): an audio+video call between the MN and an ordinary videophone (the
# CN) is handed to "av", a system manager whose members are a
# speakerphone (audio) and a wall display (video). The manager INVITEs
# each member without SDP, sends the CN one INVITE with Replaces made of
# their offers, and ACKs each member with its part of the CN's answer. The
# CN sees one session; each medium flows both ways at its member, checked
# at both ends by SSRC. Then the MN retrieves the session by nested REFER
# and both media come back; then a system whose member is down fails the
# handoff and the call stays with the MN. Last, a system that finds its
# members through SLP (--members-from-slp) registers itself with their
# media, is found by the MN, and `move --to` it picks Session Handoff on
# its own (mode auto: a mobility-enhanced target, a CN that takes
# Replaces).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init sh_mdsm

MN=sip:alice@127.0.0.1:5060
SPK=sip:speaker@127.0.0.1:5071
TV=sip:tv@127.0.0.1:5072
AV=sip:av@127.0.0.1:5075
BROKEN=sip:broken@127.0.0.1:5076
CN=sip:cn@127.0.0.1:5080

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/spk.sock"
start tv "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name tv \
	--media video --control "$T/tv.sock"
start av "$BIN/sipmob-device" --sip 127.0.0.1:5075 --name av --mdsm \
	--member "$SPK" --member "$TV" --owner "$MN" --control "$T/av.sock"
start broken "$BIN/sipmob-device" --sip 127.0.0.1:5076 --name broken --mdsm \
	--member "$SPK" --member sip:nobody@127.0.0.1:5099 \
	--control "$T/broken.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/tv.sock" -a -S "$T/av.sock" -a -S "$T/broken.sock" \
	-a -S "$T/mn.sock"

sel() { echo "[.${2:-streams}[] | select(.type == \"$1\")][-1]"; }
played() { [ "$1" = video ] && echo frames_decoded || echo played_packets; }

ctl "$T/mn.sock" call "$CN" >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN decodes the CN's video" \
	grows 10 "$T/mn.sock" "$(sel video call.streams).frames_decoded" 5
cn_a=$(jstat "$T/cn.sock" "$(sel audio).tx_ssrc")
cn_v=$(jstat "$T/cn.sock" "$(sel video).tx_ssrc")

# at SOCK MEDIUM: SOCK plays the CN's MEDIUM and sends its own, and the CN
# plays what SOCK sends
at() {
	local sock=$1 m=$2 f ssrc cnssrc
	f=$(played "$m")
	[ "$m" = video ] && cnssrc=$cn_v || cnssrc=$cn_a
	wait_stat 10 "$sock" "$(sel "$m").rx_ssrc" eq "$cnssrc" || return 1
	grows 10 "$sock" "$(sel "$m").$f" 5 || return 1
	ssrc=$(jstat "$sock" "$(sel "$m").tx_ssrc")
	wait_stat 10 "$T/cn.sock" "$(sel "$m").rx_ssrc" eq "$ssrc" &&
		grows 10 "$T/cn.sock" "$(sel "$m").$f" 5
}

# ---- a system with a member down: the handoff fails, the call stays
out=$(ctl "$T/mn.sock" move --to "$BROKEN" --mode handoff --json)
log "broken system: $out"
check "a handoff to a system with a member down fails" \
	test "$(echo "$out" | jq -r .ok)" = false
check "... the call stays with the MN" \
	test "$(jstat "$T/mn.sock" .call.state)" = established
check "... whose audio still plays the CN" \
	grows 10 "$T/mn.sock" "$(sel audio call.streams).played_packets" 20
check "... the working member's session ended" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
check "... the CN still has one session, with the MN" \
	test "$(jstat "$T/cn.sock" '[.sessions[] | select(.state == "established")] | .[0].remote')" = "$MN"

# ---- handoff to the system
out=$(ctl "$T/mn.sock" move --to "$AV" --mode handoff --json)
log "handoff: $out"
check "the handoff to the system succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
check "... with no lapse" test "$(echo "$out" | jq -r .last_transfer.lapse_packets)" = 0
need "the MN left the call" wait_stat 10 "$T/mn.sock" .call.state eq idle
check "the CN has one session, with the system" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established")] | .[0].remote' eq "$AV"
check "the system's session has 2 members" \
	test "$(jstat "$T/av.sock" '.sessions[-1].members')" = 2
check "audio flows both ways at the speaker" at "$T/spk.sock" audio
check "video flows both ways at the display" at "$T/tv.sock" video

# ---- retrieval by nested REFER
out=$(ctl "$T/mn.sock" retrieve --json)
log "retrieve: $out"
check "the retrieval succeeds" test "$(echo "$out" | jq -r .last_transfer.ok)" = true
need "the MN holds the call" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the MN plays the CN's audio" \
	wait_stat 10 "$T/mn.sock" "$(sel audio call.streams).rx_ssrc" eq "$cn_a"
check "... and its video" \
	wait_stat 10 "$T/mn.sock" "$(sel video call.streams).rx_ssrc" eq "$cn_v"
check "... which goes on" grows 10 "$T/mn.sock" "$(sel video call.streams).frames_decoded" 5
check "the members' sessions ended" \
	wait_stat 10 "$T/tv.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
check "... the speaker's too" \
	wait_stat 10 "$T/spk.sock" '[.sessions[] | select(.state == "established")] | length' eq 0
check "the system holds nothing" \
	wait_stat 10 "$T/av.sock" '.sessions | length' eq 0
check "the CN plays the MN's audio" grows 10 "$T/cn.sock" "$(sel audio).played_packets" 20

# ---- a system whose members come from SLP, chosen in auto mode
ns_multicast
start da "$BIN/sipmob-da"
need "the DA is up" wait_log da 'ready, boot timestamp' 10
stop spk; stop tv
start spk2 "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--room 123 --slp-da 127.0.0.1 --control "$T/spk2.sock"
start tv2 "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name tv \
	--media video --room 123 --slp-da 127.0.0.1 --control "$T/tv2.sock"
need "the members registered" wait_log tv2 "registered in SLP" 10
need "... both" wait_log spk2 "registered in SLP" 10
start room "$BIN/sipmob-device" --sip 127.0.0.1:5077 --name room --mdsm \
	--members-from-slp "(room=123)" --room 123 --slp-da 127.0.0.1 \
	--control "$T/room.sock"
need "the system registered in SLP" wait_log room "registered in SLP" 10
check "... with its members' media" grep -q "media=audio,video" "$T/room.log"
check "... as a multi-device system" grep -q "multi-device-system" "$T/room.log"
devs=$(ctl "$T/mn.sock" --json devices --room 123)
check "the MN finds the system and its members" \
	test "$(jq '.devices | length' <<<"$devs")" = 3
r=$(ctl "$T/mn.sock" --json move --to room)
log "auto: $r"
check "auto mode hands off to the system" \
	test "$(jq -r .last_transfer.transfer_mode <<<"$r")" = handoff
check "... and it succeeds" test "$(jq -r .last_transfer.ok <<<"$r")" = true
check "audio flows both ways at the speaker" at "$T/spk2.sock" audio
check "video flows both ways at the display" at "$T/tv2.sock" video
finish
