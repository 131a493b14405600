#!/usr/bin/env bash
# SLP with a DA (spec §4, Figure 1): two devices and a proxy SA for basic
# devices register with sipmob-da; the mobile node's UA finds devices by
# room, reads their attributes, sees a lifetime run out, a device
# deregister, and everything come back after the DA restarts. A check that
# something is gone asks in one query for it and for something that must be
# there, so an empty answer from a DA that did not answer cannot pass.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init slp_discovery
ns_multicast

SLP() { in_ns timeout 15 "$BIN/sipmob-slp" --da 127.0.0.1 "$@"; }
urls() { SLP findsrvs service:sip-device "$@" | cut -d, -f1 | sort | tr '\n' ' '; }

cat >"$T/dev1.txt" <<'X'
sip:audio_rm123@example.com (room=123),(floor=1),(media=audio),(direction=both),(codecs=PCMU,opus),mobility-enhanced 300
X
cat >"$T/dev2.txt" <<'X'
sip:camera@device2.example.com (room=123),(floor=1),(media=video),(direction=out),(codecs=H263)
X
cat >"$T/basic.txt" <<'X'
# basic devices, registered by the proxy SA
sip:phone_rm124@example.com (room=124),(floor=2),(media=audio) 300
sip:shortlived@example.com (room=125),(floor=2),(media=audio) 3
X

start da "$BIN/sipmob-da" -v
need "DA ready" wait_log da 'ready, boot timestamp'
start dev1 "$BIN/sipmob-sa" -v -L 127.0.0.2 "$T/dev1.txt"
start dev2 "$BIN/sipmob-sa" -v -L 127.0.0.3 "$T/dev2.txt"
start proxy "$BIN/sipmob-sa" -v -L 127.0.0.4 "$T/basic.txt"
need "device 1 registered" wait_log dev1 'registered sip:audio_rm123@example.com with DA'
need "device 2 registered" wait_log dev2 'registered sip:camera@device2.example.com with DA'
need "proxy SA registered" wait_log proxy 'registered sip:shortlived@example.com with DA'

check "find by room: the two devices of room 123" \
	eq "$(urls '(room=123)')" "sip:audio_rm123@example.com sip:camera@device2.example.com "
check "integer compare: floor>=2 is the proxy's devices" \
	eq "$(urls '(floor>=2)')" "sip:phone_rm124@example.com sip:shortlived@example.com "
check "and/or/not: audio outside room 123" \
	eq "$(urls '(&(media=audio)(!(room=123)))')" "sip:phone_rm124@example.com sip:shortlived@example.com "
check "substring and presence" \
	eq "$(urls '(&(codecs=op*)(mobility-enhanced=*))')" "sip:audio_rm123@example.com "
check "attributes of one URL" \
	eq "$(SLP findattrs sip:camera@device2.example.com)" "(room=123),(floor=1),(media=video),(direction=out),(codecs=H263)"
words() { tr ',()=' '\n\n\n\n' | sed '/^$/d' | sort | tr '\n' ' '; }
check "attributes by type are the union" \
	eq "$(SLP findattrs service:sip-device media,room | words)" "123 124 125 audio media room video "
check "service types" eq "$(SLP findsrvtypes)" "service:sip-device"
SLP --json finddevices '(room=123)' >"$T/devices.json"
check "Figure 1: devices with typed attributes (JSON)" \
	eq "$(jq -r '[.[] | select(.attrs.room[0] == 123) | .url] | sort | join(" ")' "$T/devices.json")" \
	"sip:audio_rm123@example.com sip:camera@device2.example.com"
check "Figure 1: attributes come with each device" \
	eq "$(jq -r '.[] | select(.url == "sip:camera@device2.example.com") | .attrs.direction[0]' "$T/devices.json")" "out"
SLP findsrvs service:sip-device '(room=123' 2>"$T/bad.err"
rc=$?
check "malformed predicate: PARSE_ERROR, exit 1" eq "$rc:$(grep -c PARSE_ERROR "$T/bad.err")" "1:1"

# registration from the command line
check "register from the UA" SLP register sip:door@example.com '(room=9)' --lifetime 60
check "registered service is found" eq "$(urls '(room=9)')" "sip:door@example.com "
life() { SLP findsrvs service:sip-device '(room=9)' | cut -d, -f2; }
l1=$(life)
check "its lifetime is at most the 60 s it was given ($l1)" \
	eval 'ge "$l1" 1 && le "$l1" 60'
_counted_down() { l2=$(life) && ge "$l2" 1 && [ "$l2" -lt "$l1" ]; }
check "its lifetime counts down (a later read is smaller)" wait_until 5 _counted_down
log "lifetime read $l1, then ${l2:-?}"
check "deregister from the UA" SLP deregister sip:door@example.com
check "deregistered service is gone (room 124's is still found)" \
	eq "$(urls '(|(room=9)(room=124))')" "sip:phone_rm124@example.com "

# lifetime expiry: the proxy dies without deregistering
kill -KILL "$(pid_of proxy)"
gone() { [ "$(urls '(|(room=125)(room=124))')" = "sip:phone_rm124@example.com " ]; }
check "3 s lifetime runs out at the DA (room 124's is still found)" wait_until 6 gone
check "a 300 s lifetime does not" eq "$(urls '(room=124)')" "sip:phone_rm124@example.com "

# clean exit deregisters
stop dev2
check "device 2 deregistered on SIGTERM" grep -q 'deregistered sip:camera@device2.example.com' "$T/dev2.log"
check "only device 1 left in room 123" eq "$(urls '(room=123)')" "sip:audio_rm123@example.com "

# DA restart: the SA sees the new boot timestamp and registers again. Only
# the restart logs "restarted" and a second registration ("DA ... found" is
# from the first discovery).
regs=$(grep -c 'registered sip:audio_rm123@example.com with DA' "$T/dev1.log")
stop da
start da "$BIN/sipmob-da" -v
need "DA back" wait_log da 'ready, boot timestamp'
check "device 1 notices the restart" wait_log dev1 'DA .* restarted'
_registered_again() {
	[ "$(grep -c 'registered sip:audio_rm123@example.com with DA' "$T/dev1.log")" -gt "$regs" ]
}
check "device 1 registers again" wait_until 10 _registered_again
back() { [ "$(urls '(room=123)')" = "sip:audio_rm123@example.com " ]; }
check "device 1 is found again after the restart" wait_until 5 back
finish
