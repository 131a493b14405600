#!/usr/bin/env bash
# The MN finds the devices of its room (spec §4, Figure 1) and moves media
# to one by name: sipmob-da; three devices in room 123 and one in room 200
# registering themselves (sipmob-device --room); `devices --room 123` lists
# the three with their attributes, `--media video` narrows it to the video
# ones; then `move --audio speaker` uses the name from that answer.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init mn_discovery
ns_multicast

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--room 123 --floor 1 --slp-da 127.0.0.1 --control "$T/spk.sock"
start dsp "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name display \
	--media video --video display --room 123 --slp-da 127.0.0.1 \
	--control "$T/dsp.sock"
start cam "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name camera \
	--media video --video camera --room 123 --slp-da 127.0.0.1 \
	--control "$T/cam.sock"
start far "$BIN/sipmob-device" --sip 127.0.0.1:5074 --name hallphone \
	--room 200 --slp-da 127.0.0.1 --control "$T/far.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--slp-da 127.0.0.1 --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/dsp.sock" -a -S "$T/cam.sock" -a -S "$T/far.sock"
for d in spk dsp cam far; do
	need "$d registered" wait_log "$d" "registered in SLP" 10
done

# the number of devices listed; an answer without a list (an SLP error) is
# no number, so "0" means the query was answered with none
n_in() {
	ctl "$T/mn.sock" --json devices "$@" |
		jq -r 'if .devices then (.devices | length) else "error: \(.error)" end'
}
# has N ARGS...: `devices ARGS` lists N (asked again on every retry)
has() { local n=$1; shift; eq "$(n_in "$@")" "$n"; }
check "room 123 has three devices" wait_until 10 has 3 --room 123
r=$(ctl "$T/mn.sock" --json devices --room 123)
log "room 123: $(jq -c '[.devices[] | {name, attrs}]' <<<"$r")"
check "their names" eq "$(jq -r '[.devices[].name] | sort | join(",")' <<<"$r")" \
	camera,display,speaker
check "the speaker's attributes" \
	eq "$(jq -r '.devices[] | select(.name=="speaker") | .attrs | "\(.room) \(.floor) \(.media) \(.direction) \(."mobility-enhanced")"' <<<"$r")" \
	"123 1 audio both true"
check "the display renders video" \
	eq "$(jq -r '.devices[] | select(.name=="display") | .attrs.direction' <<<"$r")" in
check "room 123 with video: display and camera" eq "$(n_in --room 123 --media video)" 2
check "room 200 has the hall phone" eq "$(n_in --room 200)" 1
check "room 999 has none" eq "$(n_in --room 999)" 0

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
ctl "$T/mn.sock" devices --room 123 >/dev/null
r=$(ctl "$T/mn.sock" --json move --audio speaker)
check "move --audio speaker (by name) ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "audio is at the speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" sip:speaker@127.0.0.1:5071
check "the speaker plays the CN" \
	wait_stat 10 "$T/spk.sock" '.streams[0].played_packets' ge 25
out=$(ctl "$T/mn.sock" move --audio nosuch 2>&1)
rc=$?
log "move to an unknown name: exit $rc: $out"
check "an unknown name is refused (exit status not 0)" test "$rc" -ne 0
check "...saying there is no device of that name" \
	eval '[[ "$out" == *"no device"* && "$out" == *"nosuch"* ]]'
check "...and the audio stays at the speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" sip:speaker@127.0.0.1:5071

stop far
check "a device that stops deregisters" wait_until 10 has 0 --room 200
finish
