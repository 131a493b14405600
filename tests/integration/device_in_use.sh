#!/usr/bin/env bash
# The active-session indicator (spec §8.2): a device whose microphone or
# camera a session uses says so. A speakerphone and a camera register in
# SLP (room 123) with in-use=false; while a call sends the speaker's audio
# its status says in_use (microphone), its log has a line, its --on-in-use
# command runs with "on", and the directory shows in-use=true; a display
# that only shows the far end (no camera) is never in use; after the call
# everything says the device is free again ("off", in-use=false). Last,
# the device hangs up a call itself (`hangup`): it stays up, and is free.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init device_in_use
ns_multicast

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--room 123 --slp-da 127.0.0.1 \
	--on-in-use "echo \$1 >>$T/spk.led" --control "$T/spk.sock"
start dsp "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name display \
	--media video --video display --room 123 --slp-da 127.0.0.1 \
	--on-in-use "echo \$1 >>$T/dsp.led" --control "$T/dsp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --slp-da 127.0.0.1 --control "$T/mn.sock"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --control "$T/cn.sock"
need "daemons up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/dsp.sock" \
	-a -S "$T/mn.sock" -a -S "$T/cn.sock"
need "the devices registered" wait_log dsp "registered in SLP" 10

# in_use_attr NAME: the in-use attribute the directory gives for NAME
in_use_attr() {
	ctl "$T/mn.sock" --json devices --room 123 |
		jq -r ".devices[] | select(.name == \"$1\") | .attrs.\"in-use\""
}
led() { tail -n 1 "$T/$1.led" 2>/dev/null; }

check "the speaker is free" test "$(jstat "$T/spk.sock" .in_use)" = false
check "...and the directory says so" test "$(in_use_attr speaker)" = false

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
r=$(ctl "$T/mn.sock" --json move --audio speaker --video display)
check "audio to the speaker, video to the display" \
	test "$(jq -r .last_transfer.ok <<<"$r")" = true
check "the speaker is in use" wait_stat 10 "$T/spk.sock" .in_use eq true
check "...by its microphone" test "$(jstat "$T/spk.sock" .in_use_by)" = microphone
check "...its log says so" wait_log spk "in use: microphone" 5
check "...its LED command ran with on" wait_until 5 eval '[ "$(led spk)" = on ]'
check "...and the directory shows in-use=true" \
	wait_until 10 eval '[ "$(in_use_attr speaker)" = true ]'
check "the display, which films nobody, is not in use" \
	test "$(jstat "$T/dsp.sock" .in_use)" = false
check "...though it shows the far end" \
	grows 10 "$T/dsp.sock" '.streams[-1].frames_decoded' 5
check "...and its LED command never ran" test ! -e "$T/dsp.led"

ctl "$T/mn.sock" hangup >/dev/null
check "after the call the speaker is free" wait_stat 10 "$T/spk.sock" .in_use eq false
check "...its log says so" wait_log spk "no longer in use" 5
check "...its LED command ran with off" wait_until 5 eval '[ "$(led spk)" = off ]'
check "...and the directory shows in-use=false" \
	wait_until 10 eval '[ "$(in_use_attr speaker)" = false ]'

ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5071 >/dev/null
need "a call straight to the speaker" wait_stat 10 "$T/spk.sock" .in_use eq true
ctl "$T/spk.sock" hangup >/dev/null
check "the speaker hangs up itself: the MN's call ends" \
	wait_stat 10 "$T/mn.sock" .call.state eq idle
check "...the speaker is still up, and free" \
	wait_stat 5 "$T/spk.sock" .in_use eq false
check "...its process is alive" alive spk
finish
