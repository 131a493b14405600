#!/usr/bin/env bash
# A transfer that fails on the device's side never drops the call (issue:
# "failure never drops the call"): a device that declines (sipp 603), one
# that rings and never answers (CANCEL after the MN's timeout), one that
# answers with its medium refused (port 0: BYE). Each time the CN is left
# alone and the audio stays with the MN. Then devices die mid-session: one
# hangs up (BYE), one is killed (OPTIONS go unanswered); the MN reports the
# device lost and retrieve brings the audio back.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init mnc_failures_device
peers_require sipp

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start sp "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/sp.sock"
start sp2 "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name speaker2 \
	--control "$T/sp2.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--device-timeout-ms 3000 --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/sp.sock" \
	-a -S "$T/sp2.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established

call_survives() {   # LABEL: the call and the MN's audio are as before
	local label=$1 played
	played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
	check "$label: call still established" \
		eq "$(jstat "$T/mn.sock" .call.state)" established
	check "$label: audio still at self" \
		eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
	check "$label: the MN still plays the CN" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 25))
	check "$label: the CN still has its one session" \
		eq "$(jstat "$T/cn.sock" '.sessions | length')" 1
}

failed_move() {   # LABEL URI EXPECTED-ERROR-REGEX
	local r
	r=$(ctl "$T/mn.sock" --json move --audio "$2")
	log "$1: $(jq -c .last_transfer <<<"$r")"
	check "$1: the move fails" eq "$(jq -r .last_transfer.ok <<<"$r")" false
	check "$1: error says why" grep -Eq "$3" <<<"$(jq -r .last_transfer.error <<<"$r")"
	call_survives "$1"
}

sipp_uas decline 5091 uas_decline.xml
failed_move "device declines" sip:decline@127.0.0.1:5091 "603"
check "device declines: sipp saw its scenario through" sipp_wait decline 10

sipp_uas ring 5092 uas_noanswer.xml
failed_move "device never answers" sip:ring@127.0.0.1:5092 "did not answer"
check "device never answers: it got a CANCEL" sipp_wait ring 10

# its 200 crosses the MN's CANCEL: the MN ACKs it, then BYEs it
sipp_uas late 5094 uas_answer_after_cancel.xml
failed_move "device answers after the CANCEL" sip:late@127.0.0.1:5094 "did not answer"
check "device answers after the CANCEL: its 200 got ACK and BYE" sipp_wait late 10

sipp_uas port0 5093 uas_port0.xml
failed_move "device refuses the medium" sip:port0@127.0.0.1:5093 "unusable"
check "device refuses the medium: it got a BYE" sipp_wait port0 10

# a device that hangs up mid-session
r=$(ctl "$T/mn.sock" --json move --audio sip:speaker@127.0.0.1:5071)
check "move to speaker" eq "$(jq -r .last_transfer.ok <<<"$r")" true
ctl "$T/sp.sock" hangup >/dev/null
check "a BYE from the device makes it lost" \
	wait_stat 10 "$T/mn.sock" '.call.devices[0].state' eq lost
check "status says the audio went with it" \
	test -n "$(jstat "$T/mn.sock" '.call.media[0].lost // empty')"
r=$(ctl "$T/mn.sock" --json retrieve)
check "retrieve after the device hung up" eq "$(jq -r .last_transfer.ok <<<"$r")" true
call_survives "after BYE and retrieve"

# a device that dies without a word
r=$(ctl "$T/mn.sock" --json move --audio sip:speaker2@127.0.0.1:5072)
check "move to speaker2" eq "$(jq -r .last_transfer.ok <<<"$r")" true
kill -KILL "$(pid_of sp2)"
check "unanswered OPTIONS make it lost" \
	wait_stat 15 "$T/mn.sock" '.call.devices[0].state' eq lost
r=$(ctl "$T/mn.sock" --json retrieve)
check "retrieve after the device died" eq "$(jq -r .last_transfer.ok <<<"$r")" true
log "retrieve from a dead device: $(jq -c .last_transfer <<<"$r")"
call_survives "after death and retrieve"
finish
