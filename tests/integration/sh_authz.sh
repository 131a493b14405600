#!/usr/bin/env bash
# Who may hand a session where (spec §5.3.2, RFC 3515, RFC 3891 §6, RFC
# 3892), checked with real messages from a stranger (sipp as mallory)
# against our daemons:
#  1. a device with --owner refuses a stranger's REFER (403): no session,
#     no INVITE to the would-be CN;
#  2. a device without an owner takes anyone's REFER: 202, it INVITEs the
#     target (an ordinary phone, which gets the session and plays it) and
#     reports in sipfrag NOTIFYs, the last one terminated and "SIP/2.0 200";
#     a nested REFER about that session from eve (not the referrer) 403;
#  3. a nested REFER (retrieval) about a session the device holds, from a
#     stranger: 403, the session stays, nobody is REFERred (one naming no
#     session: 481; a malformed or missing Refer-To, or two: 400);
#  4. INVITE with Replaces to the ordinary phone (CN): an unknown dialog (or
#     the tags the wrong way round) 481; its confirmed dialog but from a
#     stranger 403 and the call goes on; early-only 486; malformed 400;
#  5. SUBSCRIBE to the device's dialogs from a stranger 403, another event
#     package 489; the MN refuses a REFER it did not ask for (403) and the
#     ordinary phone has no REFER at all (501);
#  6. all of it on the wire, with no malformed packet.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init sh_authz
peers_require sipp tshark tcpdump jq

MN=sip:alice@127.0.0.1:5060
SPK=sip:speaker@127.0.0.1:5071     # owned by the MN's user
OPEN=sip:open@127.0.0.1:5073       # nobody's: takes anyone's REFER
# (not 5072: tshark decodes that port as AYIYA, and would not judge its SIP)
CN=sip:cn@127.0.0.1:5080           # ordinary phone, the MN's correspondent
TGT=sip:target@127.0.0.1:5081      # ordinary phone, a REFER's target
MPORT=5090                         # sipp as mallory
MALLORY=sip:mallory@127.0.0.1:$MPORT
export SIPP_TIMEOUT=15

need "capture" capture_start cap
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--owner "$MN" --control "$T/spk.sock"
start open "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name open \
	--control "$T/open.sock"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start tgt "$BIN/sipmob-device" --sip 127.0.0.1:5081 --name target --basic \
	--control "$T/tgt.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/open.sock" \
	-a -S "$T/cn.sock" -a -S "$T/tgt.sock" -a -S "$T/mn.sock"


# nested R [OUTER [INNER]]: a nested Refer-To, <OUTER;method=REFER?Refer-To=
# ESC(<INNER?Replaces=ESC(R)>)> (RFC 5631 Figure 5); OUTER is the MN and
# INNER the CN unless given
nested() {
	local inner="<${3:-$CN}?Replaces=$(hesc "$1")>"
	printf '<%s;method=REFER?Refer-To=%s>' "${2:-$MN}" "$(hesc "$inner")"
}

NSIPP=0
# mallory EXPECT HOST:PORT SERVICE SCENARIO [sipp args]: one sipp call from
# sip:mallory@127.0.0.1:5090 (FROM_URI=... names another sender); succeeds
# when sipp says the scenario's expectation (the final code EXPECT, and
# what follows it) held.
mallory() {
	local expect=$1 target=$2 service=$3 scen=$4 rc
	shift 4
	NSIPP=$((NSIPP + 1))
	local name=sipp$NSIPP
	sipp_uac "$name" "$MPORT" "$target" "$scen" -s "$service" \
		-set expect "$expect" -key from_uri "${FROM_URI:-$MALLORY}" \
		-trace_msg -message_file "$T/$name.msg.log" "$@" || return 1
	sipp_wait "$name" 25
	rc=$?
	[ $rc -eq 0 ] || log "$name ($scen, want $expect) exited $rc; see $T/$name.msg.log"
	return $rc
}

# refer EXPECT HOST:PORT SERVICE REFER-TO: a REFER with that one Refer-To
refer() {
	mallory "$1" "$2" "$3" sh_refer -key rt_name Refer-To -key referto "$4" \
		-key rt2_name X-Note -key referto2 none
}

# invite_replaces EXPECT REPLACES [HEADER VALUE]: INVITE to the CN
invite_replaces() {
	mallory "$1" 127.0.0.1:5080 cn sh_invite_replaces -key replaces "$2" \
		-key xh_name "${3:-X-Note}" -key xh_val "${4:-none}"
}

nsessions() { jstat "$1" '[.sessions[] | select(.state == "established")] | length'; }
count() { tshark_count "$T/cap.pcap" "$1"; }
# ncalls FILTER: how many Call-IDs the matching SIP messages carry
ncalls() {
	tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -Y "$1" -T fields \
		-e sip.Call-ID 2>/dev/null | sort -u | grep -c .
}
logged() { grep -Eq -- "$2" "$T/$1.log"; }

# ---- 1. a stranger's REFER to an owned device
check "an owned device answers a stranger's REFER 403" \
	refer 403 127.0.0.1:5071 speaker "<$TGT>"
check "... and logs why" logged spk "REFER from $MALLORY refused \(403\)"
check "... and starts no session (its status says so)" \
	test "$(jstat "$T/spk.sock" '.sessions | length')" = 0
check "the would-be CN has no session" \
	test "$(jstat "$T/tgt.sock" '.sessions | length')" = 0

# ---- 2. anyone's REFER to a device without an owner
check "a device without an owner accepts a stranger's REFER: 202, NOTIFYs, the last terminated and 200" \
	refer 202 127.0.0.1:5073 open "<$TGT>"
check "it has one session, with the target" \
	wait_stat 10 "$T/open.sock" '[.sessions[] | select(.state == "established" and .remote == "'"$TGT"'")] | length' eq 1
check "the target has one session, with that device" \
	wait_stat 10 "$T/tgt.sock" '[.sessions[] | select(.state == "established" and .remote == "'"$OPEN"'")] | length' eq 1
check "... and plays it" grows 10 "$T/tgt.sock" '.streams[-1].played_packets' 20
check "the device sent NOTIFYs to mallory (at least 2)" \
	capture_wait cap "sip.Method == \"NOTIFY\" && udp.srcport == 5073 && udp.dstport == $MPORT" 5 2
check "... a terminated one whose sipfrag says 200" \
	capture_wait cap "sip.Method == \"NOTIFY\" && udp.srcport == 5073 && sip.Subscription-State contains \"terminated\" && sipfrag.line contains \"SIP/2.0 200\""
need "the open device's INVITE to the target is on the wire" \
	capture_wait cap 'sip.Method == "INVITE" && udp.srcport == 5073 && udp.dstport == 5081'
# by now the target has taken a referred call: the owned device's refusal
# had as long to send one
check "the owned device sent no INVITE at all" \
	test "$(count 'sip.Method == "INVITE" && udp.srcport == 5071')" = 0
check "every INVITE the target got came from the open device" \
	test "$(count 'sip.Method == "INVITE" && udp.dstport == 5081 && udp.srcport != 5073')" = 0
check "... and the owned device still has none" \
	test "$(jstat "$T/spk.sock" '.sessions | length')" = 0
# the session mallory put there: only mallory may ask for it back (the
# device has no owner); eve may not
frag=$(tshark -r "$T/cap.pcap" "${TSHARK_OPTS[@]}" -T fields -e sipfrag.line -Y \
	'sip.Method == "NOTIFY" && udp.srcport == 5073 && sipfrag.line contains "SIP/2.0 200"' \
	2>/dev/null | head -1 | tr ',' '\n')
ocid=$(echo "$frag" | sed -n 's/^Call-ID: *//p')
otag=$(echo "$frag" | sed -n 's/^From:.*;tag=//p')
ttag=$(echo "$frag" | sed -n 's/^To:.*;tag=//p')
log "the referred dialog (from the final NOTIFY): Call-ID $ocid, device tag $otag, target tag $ttag"
need "the final NOTIFY names the new dialog" test -n "$ocid" -a -n "$otag" -a -n "$ttag"
EVE=sip:eve@127.0.0.1:$MPORT
FROM_URI=$EVE check "a nested REFER from eve naming no session of the open device gets 481" \
	refer 481 127.0.0.1:5073 open "$(nested "x$ocid;to-tag=$ttag;from-tag=$otag" "$MALLORY" "$TGT")"
FROM_URI=$EVE check "... naming the session mallory put there gets 403" \
	refer 403 127.0.0.1:5073 open "$(nested "$ocid;to-tag=$ttag;from-tag=$otag" "$MALLORY" "$TGT")"
check "... logged as not the session's participant nor the owner" \
	logged open "REFER from $EVE refused \(403\): neither"
check "the open device keeps the session" \
	keeps "$T/open.sock" '[.sessions[] | select(.state == "established") | .remote] | join(",")' "$TGT" \
	"$T/tgt.sock" '.streams[-1].played_packets' 20
ctl "$T/open.sock" hangup >/dev/null
check "the referred call ends" wait_stat 10 "$T/tgt.sock" '.sessions | length' eq 0

# ---- 3. a session handed off to the owned device; a stranger's nested REFER
ctl "$T/mn.sock" call "$CN" >/dev/null
need "the MN's call is up" wait_stat 10 "$T/mn.sock" .call.state eq established
out=$(ctl "$T/mn.sock" move --to "$SPK" --mode handoff --json)
need "the owner hands it to its device" \
	test "$(echo "$out" | jq -r .last_transfer.ok)" = true
need "the device holds it" wait_stat 10 "$T/spk.sock" \
	'[.sessions[] | select(.state == "established" and .remote == "'"$CN"'")] | length' eq 1
need "the CN's one session is with the device" \
	wait_stat 10 "$T/cn.sock" '[.sessions[] | select(.state == "established" and .remote == "'"$SPK"'")] | length' eq 1
need "the MN left the call" wait_stat 10 "$T/mn.sock" .call.state eq idle
cid=$(jstat "$T/mn.sock" .handoff.call_id)
devtag=$(jstat "$T/mn.sock" .handoff.device_tag)
cntag=$(jstat "$T/mn.sock" .handoff.cn_tag)
log "handed-off dialog: Call-ID $cid, device tag $devtag, CN tag $cntag"
need "the MN knows the handed-off dialog" test -n "$cid" -a "$cid" != null \
	-a -n "$devtag" -a "$devtag" != null -a -n "$cntag" -a "$cntag" != null

rep="$cid;to-tag=$cntag;from-tag=$devtag"
log "nested Refer-To: $(nested "$rep")"
check "a stranger's nested REFER about the device's session gets 403" \
	refer 403 127.0.0.1:5071 speaker "$(nested "$rep")"
check "... logged as not the session's participant nor the owner" \
	logged spk "REFER from $MALLORY refused \(403\): neither"
check "one naming no session of the device gets 481" \
	refer 481 127.0.0.1:5071 speaker "$(nested "x$cid;to-tag=$cntag;from-tag=$devtag")"
check "a malformed Refer-To gets 400" \
	refer 400 127.0.0.1:5071 speaker "<$MN;method=REFER?Refer-To=%3Csip:cn%ZZ%3E>"
check "a REFER without Refer-To gets 400" \
	mallory 400 127.0.0.1:5071 speaker sh_refer -key rt_name X-Refer-To \
	-key referto "$(nested "$rep")" -key rt2_name X-Note -key referto2 none
check "a REFER with two Refer-To gets 400" \
	mallory 400 127.0.0.1:5071 speaker sh_refer -key rt_name Refer-To \
	-key referto "$(nested "$rep")" -key rt2_name Refer-To -key referto2 "<$TGT>"
check "the device keeps the session while the CN plays on" \
	keeps "$T/spk.sock" '[.sessions[] | select(.state == "established" and .remote == "'"$CN"'")] | length' 1 \
	"$T/cn.sock" '.streams[-1].played_packets' 50
check "... its only one" test "$(jstat "$T/spk.sock" '.sessions | length')" = 1
check "the CN still has one session, with the device" \
	test "$(jstat "$T/cn.sock" '[.sessions[] | {remote, state}]' | jq -c .)" = \
	"[{\"remote\":\"$SPK\",\"state\":\"established\"}]"
check "the device REFERred nobody (the MN least of all)" \
	test "$(count 'sip.Method == "REFER" && udp.srcport == 5071')" = 0
check "the MN was not asked to take the call back" \
	test "$(jstat "$T/mn.sock" '[.call.state, .handoff.state] | join(" ")')" = "idle handed-off"

# ---- 4. INVITE with Replaces to the ordinary phone (the CN)
check "Replaces naming an unknown dialog gets 481" \
	invite_replaces 481 "x$cid;to-tag=$cntag;from-tag=$devtag"
check "Replaces with the tags the wrong way round gets 481" \
	invite_replaces 481 "$cid;to-tag=$devtag;from-tag=$cntag"
check "Replaces of the CN's dialog with the device, from a stranger, gets 403" \
	invite_replaces 403 "$rep"
check "... also with a stranger's Referred-By" \
	invite_replaces 403 "$rep" Referred-By "<sip:eve@127.0.0.1:5099>"
check "early-only on the confirmed dialog gets 486" \
	invite_replaces 486 "$rep;early-only"
check "a Replaces without from-tag gets 400" \
	invite_replaces 400 "$cid;to-tag=$cntag"
check "a Replaces that is no Call-ID gets 400" \
	invite_replaces 400 ";to-tag=$cntag;from-tag=$devtag"
check "the CN's call with the device goes on (its far end stays the device)" \
	keeps "$T/cn.sock" '[.sessions[] | .remote] | join(",")' "$SPK" \
	"$T/cn.sock" '.streams[-1].played_packets' 50
check "... and the device plays the CN" grows 10 "$T/spk.sock" '.streams[-1].played_packets' 20
check "the device still holds it" test "$(nsessions "$T/spk.sock")" = 1

# ---- 5. dialog events, and REFERs to those who take none from strangers
check "SUBSCRIBE to the device's dialog events from a stranger gets 403" \
	mallory 403 127.0.0.1:5071 speaker sh_subscribe -key event dialog
check "SUBSCRIBE for presence gets 489" \
	mallory 489 127.0.0.1:5071 speaker sh_subscribe -key event presence
check "the MN answers a REFER it did not ask for 403" \
	refer 403 127.0.0.1:5060 alice "<$CN?Replaces=$(hesc "$rep")>"
check "... and places no call" test "$(jstat "$T/mn.sock" .call.state)" = idle
check "the ordinary phone takes no REFER (501)" \
	refer 501 127.0.0.1:5080 cn "<$TGT>"
check "the CN's call is still the device's" \
	keeps "$T/cn.sock" '[.sessions[] | .remote] | join(",")' "$SPK" \
	"$T/cn.sock" '.streams[-1].played_packets' 20
check "the target got no call from any of it" \
	test "$(jstat "$T/tgt.sock" '.sessions | length')" = 0

# ---- 6. the wire
ctl "$T/spk.sock" hangup >/dev/null
check "the device's hang-up ends the CN's session" \
	wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
need "capture stops" capture_stop cap
check "the wire is clean (no malformed packet)" tshark_check "$T/cap.pcap"
check "... and judged whole: every datagram on a SIP port decoded as SIP" \
	test "$(count "udp.port in {5060 5071 5073 5080 5081 $MPORT} && !sip && !icmp")" = 0
check "sipp's 11 REFERs are on the wire" \
	test "$(ncalls "sip.Method == \"REFER\" && udp.srcport == $MPORT")" = 11
check "... the owner's REFER to its device" \
	test "$(ncalls 'sip.Method == "REFER" && udp.srcport == 5060 && udp.dstport == 5071')" = 1
check "... the NOTIFYs of both accepted REFERs, with sipfrag bodies" \
	test "$(ncalls 'sip.Method == "NOTIFY" && sipfrag && udp.dstport == 5060')" = 1 -a \
	"$(ncalls "sip.Method == \"NOTIFY\" && sipfrag && udp.dstport == $MPORT")" = 1
check "... mallory's 7 INVITEs with Replaces and the device's handoff one" \
	test "$(ncalls "sip.Method == \"INVITE\" && sip.Replaces && udp.srcport == $MPORT")" = 7 -a \
	"$(ncalls 'sip.Method == "INVITE" && sip.Replaces && udp.srcport == 5071')" = 1
check "... and a final answer to each of sipp's 20 requests" \
	test "$(ncalls "sip.Status-Code >= 200 && udp.dstport == $MPORT")" = 20
finish
