#!/usr/bin/env bash
# integration/location_manual: the MN's location without a presence
# server (issue "Where am I, what is here", items 1 and 3): set by hand
# (`location set`) and announced by the room's beacon with its civic
# fields (sipmob-beacon --floor --building); the latest change is in
# force. Devices register with a sipmob-da: a speaker in room 122, a desk
# phone in room 123.
#   - by hand in room 122: the speaker is the room's device; bad values
#     are refused and change nothing
#   - the call's audio at the speaker; the beacon of room 123 is heard:
#     the MN is in 123 (source beacon), the desk phone is the room's
#     device, and the retrieval of the audio left at the speaker is offered
#     (the audio stays there)
#   - a second MN with --auto-retrieve, set by hand from 122 to 123: the
#     audio comes back by itself, the MN and the CN hear each other again
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init location_manual
ns_multicast
command -v jq >/dev/null || { log "skipped: no jq"; exit 77; }

SPK=sip:speaker@127.0.0.1:5071
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/room.secret"

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--room 122 --floor 1 --slp-da 127.0.0.1 --control "$T/spk.sock"
start desk "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name deskphone \
	--room 123 --floor 2 --slp-da 127.0.0.1 --control "$T/desk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--slp-da 127.0.0.1 --control "$T/mn.sock" \
	--beacon-file "$T/beacon.txt"
need "daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/cn.sock" \
	-a -S "$T/spk.sock" -a -S "$T/desk.sock"
need "devices registered" wait_until 10 eval \
	'grep -q "registered in SLP" "$T/spk.log" && grep -q "registered in SLP" "$T/desk.log"'

devs() { jstat "$1" '[.location.devices[].name] | sort | join(",")'; }
check "no location at first" eq "$(jstat "$T/mn.sock" '.location | "\(.room) \(.source) \(.age_ms)"')" \
	"null null null"

r=$(ctl "$T/mn.sock" --json location set --room 122 --floor 1 --building N1)
check "location set by hand" eq "$(jq -r '.location | "\(.room) \(.floor) \(.building) \(.source)"' <<<"$r")" \
	"122 1 N1 manual"
check "room 122's devices: the speaker" wait_until 10 eval '[ "$(devs "$T/mn.sock")" = speaker ]'
out=$(ctl "$T/mn.sock" location set --floor 3 2>&1)
rc=$?
check "set without --room is refused" eval '[[ $rc -ne 0 && "$out" == *"needs --room"* ]]'
out=$(ctl "$T/mn.sock" location set --room ' 12  2' 2>&1)
check "a bad value is refused" eval '[[ "$out" == *"--room"* ]]'
check "...and the location stays" eq "$(jstat "$T/mn.sock" .location.room)" 122
out=$(ctl "$T/mn.sock" devices --here --room 1 2>&1)
check "devices --here takes nothing more" eval '[[ "$out" == *"usage"* ]]'

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
r=$(ctl "$T/mn.sock" --json move --audio speaker)
need "audio moved to the speaker" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "no retrieval offered while in the speaker's room" \
	eq "$(jstat "$T/mn.sock" .location.retrieve_offered)" null

start beacon "$BIN/sipmob-beacon" --room 123 --floor 2 --civic building=N1 \
	--secret-file "$T/room.secret" --file "$T/beacon.txt" --interval 200
need "beacon ready" wait_log beacon 'ready'
check "the beacon's announcement carries its civic fields" \
	eval 'grep -q " floor=2 building=N1" "$T/beacon.txt"'
check "the beacon moves the MN to room 123" \
	wait_stat 10 "$T/mn.sock" .location.room eq 123
check "...source beacon, floor and building from it" \
	eq "$(jstat "$T/mn.sock" '.location | "\(.source) \(.floor) \(.building)"')" "beacon 2 N1"
check "room 123's devices: the desk phone" wait_until 10 eval '[ "$(devs "$T/mn.sock")" = deskphone ]'
check "retrieval of the audio at the speaker offered" wait_stat 10 "$T/mn.sock" \
	'.location.retrieve_offered | "\(.left_room) \(.media) \(.devices) \(.auto)"' \
	eq "122 audio $SPK null"
check "...and not done: the audio is still at the speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SPK"
check "the beacon's next announcements change nothing" \
	eq "$(jstat "$T/mn.sock" .location.changes)" 2
ctl "$T/mn.sock" location clear >/dev/null
check "location clear: the beacon's room stays, no change" \
	eq "$(jstat "$T/mn.sock" '.location | "\(.room) \(.source) \(.changes)"')" "123 beacon 2"
check "...and nothing is set by hand any more" \
	eval '! ctl "$T/mn.sock" location clear >/dev/null 2>&1'
ctl "$T/mn.sock" hangup >/dev/null
need "the first call ends" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
stop mn
stop beacon

# --auto-retrieve: leaving room 122 brings the audio back
start mn2 "$BIN/sipmob-mn" --sip 127.0.0.1:5062 --user bob \
	--slp-da 127.0.0.1 --control "$T/mn2.sock" --auto-retrieve
need "MN 2 up" wait_until 10 test -S "$T/mn2.sock"
ctl "$T/mn2.sock" location set --room 122 >/dev/null
need "MN 2 sees the speaker" wait_until 10 eval '[ "$(devs "$T/mn2.sock")" = speaker ]'
ctl "$T/mn2.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call 2 established" wait_stat 10 "$T/mn2.sock" .call.state eq established
r=$(ctl "$T/mn2.sock" --json move --audio speaker)
need "audio at the speaker" eq "$(jq -r .last_transfer.ok <<<"$r")" true
cn_ssrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
mn_ssrc=$(jstat "$T/mn2.sock" '.call.media[0].tx_ssrc')
ctl "$T/mn2.sock" location set --room 123 >/dev/null
check "leaving room 122 retrieves the audio" \
	wait_stat 15 "$T/mn2.sock" '.location.retrieve_offered.auto' eq done
r=$(ctl "$T/mn2.sock" status --json)
log "auto-retrieve: $(jq -c '.location.retrieve_offered, .call.last_transfer' <<<"$r")"
check "...a retrieval that went well" eq "$(jq -r '.call.last_transfer | "\(.mode) \(.ok)"' <<<"$r")" "retrieve true"
check "...the audio is at the MN" eq "$(jq -r '.call.media[0].at' <<<"$r")" self
check "the MN plays the CN's stream again" \
	wait_stat 10 "$T/mn2.sock" '.call.media[0].rx_ssrc' eq "$cn_ssrc"
check "...and keeps playing it (50 more)" \
	grows 10 "$T/mn2.sock" '.call.media[0].played_packets' 50
check "the CN hears the MN again" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$mn_ssrc"
check "...and keeps hearing it (50 more)" \
	grows 10 "$T/cn.sock" '.streams[0].played_packets' 50
check "the speaker is left with nothing" \
	wait_stat 10 "$T/spk.sock" '(.sessions | length) + (.streams | length)' eq 0
finish
