#!/usr/bin/env bash
# make demo: the sipmob story on loopback, in a network namespace of its own.
#
#   Act 1. Alice's mobile node calls Bob, an ordinary SIP phone (baresip if it
#          is installed, else sipmob-device --basic); audio flows both ways;
#          she hangs up.
#   Act 2. Alice calls Carol's videophone and walks into room 123. Her phone
#          asks the SLP directory agent what devices the room has, moves the
#          audio to the speakerphone and the video to the wall display, splits
#          the video between the display and the camera, and takes everything
#          back. Carol's phone notices nothing.
#   Act 3. Session Handoff: Alice hands the call to the speakerphone and her
#          phone leaves it (REFER; the speakerphone replaces her dialog with
#          Carol), takes it back (nested REFER), then hands it to the room's
#          audio+video system, a speakerphone and a display that Carol sees
#          as one party (a multi-device system), and Carol hangs up.
#   Act 4. The map: Alice's badge is read at room 123's door (the reader
#          PUBLISHes her PIDF-LO to the presence server, Kamailio, which
#          tells her phone: it is subscribed); her phone's map page
#          (sipmob-mn --http) shows the room's devices where they stand; the media move by the page's own HTTP calls, and a
#          screenshot of the page is saved as demo-out/map.png.
#
# Every step prints its SIP ladder (from the capture) and what the user felt:
# transfer latency, lapse (Carol's packets nobody played) and disruption.
# Everything is left in demo-out/: the capture, the ladders, the logs.
# With --screen (make demo SCREEN=1) the wall display opens a window on the
# desktop ($DISPLAY, a real one or Xvfb) and shows the video it receives.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export SIPMOB_BUILD=$(cd "${1:-$here/build}" && pwd) SIPMOB_SRC=$here
SCREEN=()
if [ "${2:-}" = --screen ]; then
	if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
		echo "make demo SCREEN=1: no DISPLAY; run it on a desktop, or under Xvfb (Xvfb :9 & DISPLAY=:9 make demo SCREEN=1)" >&2
		exit 1
	fi
	SCREEN=(--screen sdl)
fi
out=$here/demo-out
. "$here/tests/lib/scenario.sh"
. "$here/tests/lib/peers.sh"
if [ "$(id -u)" -ne 0 ]; then
	echo "make demo: run it as root (it makes a network namespace)" >&2
	exit 1
fi
scenario_init demo >/dev/null
log() { printf '%s\n' "$*" >>"$T/demo-steps.log"; }   # keep the story clean
rm -rf "$out" && mkdir -p "$out"
trap 'cp -f "$T"/*.log "$T"/*.pcap "$out/" 2>/dev/null; scenario_cleanup' EXIT

say()  { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() { printf '\n\033[1m-- %s\033[0m\n' "$*"; }
die()  { printf 'demo: %s\n' "$*" >&2; exit 1; }
now()  { date +%s.%N; }
mn()   { ctl "$T/mn.sock" "$@"; }
PARTIES=()

ladder() {   # SINCE NAME: the SIP messages since SINCE, as a ladder
	local f=$out/ladder-$2.txt
	sleep 0.3   # let the capture write the last packets
	"$here/scripts/ladder" "$T/demo.pcap" --since "$1" "${PARTIES[@]}" \
		>"$f" 2>/dev/null
	sed 's/^/    /' "$f"
}

feel() {   # JSON of a move/retrieve: one line of what the user felt
	jq -r '.last_transfer | if .ok | not then "   FAILED: \(.error)"
	elif .latency_ms == null then
		"   ok in \(.signaling_ms) ms of signalling; the audio did not move: lapse \(.lapse_packets // "-") packets, disruption \(.disruption_ms // "-") ms"
	else
		"   ok: latency \(.latency_ms) ms, lapse \(.lapse_packets) packets, disruption \(.disruption_ms) ms"
	end,
	if .ok and .video then (.video |
		"   video: latency \(.latency_ms // "-") ms, lapse \(.lapse_frames // "-") frames, disruption \(.disruption_ms // "-") ms")
	else empty end' <<<"$1"
}

where() {
	mn status --json | jq -r '.call.media[] |
		"   \(.type) (\(.codec)) \(.dir) at \(.at)"'
}

capture_start demo || die "cannot capture"

# Alice's presence server (Kamailio's presence modules, its database made
# here): the badge reader of act 4 publishes where she is, and her phone
# subscribes to it from the start
KAM=5088
LOCATION=()
SCHEMA=/usr/share/kamailio/db_sqlite
presence_server() {
	command -v kamailio >/dev/null && command -v sqlite3 >/dev/null &&
		[ -f "$SCHEMA/presence-create.sql" ] || return 1
	BADGE_PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
	mkdir -p "$T/kam"
	printf '127.0.0.1 alice %s\n' "$BADGE_PW" >"$T/badge.creds"
	chmod 600 "$T/badge.creds"
	cat "$SCHEMA/standard-create.sql" "$SCHEMA/presence-create.sql" |
		sqlite3 "$T/kam/presence.db" || return 1
	start presence kamailio -f "$PEERS_CONF/kamailio-presence.cfg" -DD -E \
		-Y "$T/kam" -A "KAM_LISTEN=udp:127.0.0.1:$KAM" \
		-A "KAM_CTL=\"unix:$T/kam/ctl\"" \
		-A "KAM_DB=\"sqlite://$T/kam/presence.db\"" \
		-A "KAM_PUBLISH_PW=\"$BADGE_PW\"" >/dev/null &&
		wait_until 10 ns_listening udp "$KAM"
}
if presence_server; then
	LOCATION=(--location-server "sip:127.0.0.1:$KAM")
fi

# ---- Act 1 -----------------------------------------------------------------
say "Act 1: a call with an ordinary SIP phone"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --slp-da 127.0.0.1 --control "$T/mn.sock" \
	--http 127.0.0.1:8080 "${LOCATION[@]}"
if command -v baresip >/dev/null; then
	baresip_start bob 5070 >/dev/null || die "baresip did not start"
	bob_is="baresip $(baresip -h 2>&1 | head -1 | grep -o '[0-9.]\+' | head -1)"
else
	start bob "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name bob --basic \
		--control "$T/bob.sock"
	bob_is="sipmob-device --basic"
fi
wait_until 10 test -S "$T/mn.sock" || die "sipmob-mn did not start"
PARTIES=(alice=5060 bob=5070)
echo "   Bob's phone: $bob_is at sip:bob@127.0.0.1:5070"

t0=$(now)
step "Alice calls Bob"
mn call sip:bob@127.0.0.1:5070 >/dev/null
wait_stat 10 "$T/mn.sock" .call.state eq established || die "no call"
wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 100 ||
	die "no audio from Bob"
mn status --json | jq -r '.call.media[0] |
	"   audio \(.codec): Alice sent \(.tx_packets) packets, received \(.rx_packets), played \(.played_packets)"'
step "Alice hangs up"
mn hangup >/dev/null
wait_stat 10 "$T/mn.sock" .call.state eq idle
if command -v baresip >/dev/null; then
	baresip_rtp_stats bob 10 2>/dev/null |
		awk '{print "   Bob'"'"'s phone: sent " $1 " RTP packets, received " $2}'
fi
ladder "$t0" act1

# ---- Act 2 -----------------------------------------------------------------
say "Act 2: moving a video call around room 123"
in_ns ip link set lo multicast on     # SLP multicast, inside our namespace
in_ns ip route add 224.0.0.0/4 dev lo src 127.0.0.1
start da "$BIN/sipmob-da"
wait_log da 'ready, boot timestamp' 10 || die "sipmob-da did not start"
start carol "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name carol --basic \
	--media audio,video --codecs PCMU --video-sizes 4cif,cif,qcif \
	--control "$T/carol.sock"
ROOM="--room 123 --slp-da 127.0.0.1"
start transcoder "$BIN/sipmob-transcoder" --sip 127.0.0.1:5099 \
	--slp-da 127.0.0.1 --control "$T/transcoder.sock"
start confphone "$BIN/sipmob-device" --sip 127.0.0.1:5094 --name confphone \
	--codecs G722 $ROOM --position 50,50 --control "$T/confphone.sock"
start speaker "$BIN/sipmob-device" --sip 127.0.0.1:5091 --name speaker \
	$ROOM --position 20,75 --control "$T/speaker.sock"
start display "$BIN/sipmob-device" --sip 127.0.0.1:5092 --name display \
	--media video --video display --video-sizes 4cif,cif $ROOM \
	--position 50,12 "${SCREEN[@]}" --control "$T/display.sock"
start camera "$BIN/sipmob-device" --sip 127.0.0.1:5093 --name camera \
	--media video --video camera --video-size cif $ROOM \
	--position 82,30 --control "$T/camera.sock"
wait_until 10 test -S "$T/carol.sock" -a -S "$T/speaker.sock" -a \
	-S "$T/display.sock" -a -S "$T/camera.sock" -a -S "$T/confphone.sock" \
	-a -S "$T/transcoder.sock" || die "devices did not start"
PARTIES=(display=5092 speaker=5091 alice=5060 carol=5080 transcoder=5099
	confphone=5094 camera=5093)
for d in speaker display camera confphone; do
	wait_log "$d" "registered in SLP" 10 || die "$d did not register"
done
step "Alice walks into room 123: what is here? (SLP SrvRqst, then AttrRqst)"
devs=$(mn --json devices --room 123)
jq -r '.devices[] | "   \(.name): \(.url)  media=\(.attrs.media) direction=\(.attrs.direction) codecs=\(.attrs.codecs)"' <<<"$devs"
[ "$(jq '.devices | length' <<<"$devs")" -eq 4 ] || die "room 123 is not all there"
SPK=speaker DSP=display CAM=camera   # names from the answer will do

step "Alice calls Carol (audio and H.263+ video)"
mn call sip:carol@127.0.0.1:5080 >/dev/null
wait_stat 10 "$T/mn.sock" .call.state eq established || die "no call"
wait_stat 10 "$T/carol.sock" '.streams[1].frames_decoded' ge 15 ||
	die "Carol sees no video"
where

t=$(now); step "move the audio to the speakerphone"
feel "$(mn --json move --audio "$SPK")"
where; ladder "$t" move-audio

jstat "$T/mn.sock" '[.call.streams[] | select(.type == "video")][0] |
	"   Alice'"'"'s phone shows Carol at \(.width)x\(.height)"'
t=$(now); step "move the video to the wall display (it shows 4CIF: Carol's picture grows)"
feel "$(mn --json move --video "$DSP")"
wait_stat 10 "$T/display.sock" '.streams[0].width' eq 704 ||
	die "the display does not get Carol's 4CIF picture"
wait_stat 10 "$T/display.sock" '.streams[0].frames_decoded' ge 15
jstat "$T/display.sock" '.streams[0] |
	"   the display decodes Carol'"'"'s video: \(.frames_decoded) frames, \(.width)x\(.height)"'
where; ladder "$t" move-video

step "split the video: Carol's picture on the display, the room's camera to Carol"
mn retrieve --media video >/dev/null
t=$(now)
feel "$(mn --json move --display "$DSP" --camera "$CAM")"
wait_stat 10 "$T/carol.sock" '.streams[1].width' eq 352
jstat "$T/carol.sock" '.streams[1] |
	"   Carol decodes the camera: \(.width)x\(.height), \(.frames_decoded) frames in all"'
where; ladder "$t" split-video

mn retrieve >/dev/null
t=$(now); step "the conference phone speaks only G.722, Carol only PCMU: through the transcoder (Figure 7)"
r=$(mn --json move --audio confphone)
feel "$r"
jq -r '"   codecs: \(.last_transfer.codec_why)"' <<<"$r"
wait_stat 10 "$T/confphone.sock" '.streams[0].played_packets' ge 25
jstat "$T/transcoder.sock" '.streams[0] | "   the transcoder: \(.b.codec) -> \(.a.codec) \(.a.tx_packets) packets, \(.a.codec) -> \(.b.codec) \(.b.tx_packets), added delay p50 \(.delay_p50_us) µs, p99 \(.delay_p99_us) µs"'
jstat "$T/confphone.sock" '.streams[0] | "   the conference phone plays Carol: \(.codec), \(.played_packets) packets"'
where; ladder "$t" transcoder

t=$(now); step "Alice leaves the room: retrieve everything"
feel "$(mn --json retrieve)"
where; ladder "$t" retrieve

step "what Carol saw"
jstat "$T/carol.sock" '"   sessions: \(.sessions | length) (one call throughout); audio streams received: \(.streams[0].rx_ssrcs) senders, \(.streams[0].played_packets) packets played"'
mn hangup >/dev/null
wait_stat 10 "$T/carol.sock" '.sessions | length' eq 0

# ---- Act 3 -----------------------------------------------------------------
say "Act 3: Session Handoff: the call leaves Alice's phone, and comes back"
AV=sip:av@127.0.0.1:5095
start av "$BIN/sipmob-device" --sip 127.0.0.1:5095 --name av --mdsm \
	--member sip:speaker@127.0.0.1:5091 --member sip:display@127.0.0.1:5092 \
	--owner sip:alice@127.0.0.1:5060 $ROOM --control "$T/av.sock"
wait_log av "registered in SLP" 10 || die "the audio+video system did not register"
PARTIES=(display=5092 speaker=5091 av=5095 alice=5060 carol=5080)
echo "   the room's audio+video system: $AV (members: speaker, display)"

live() {   # SOCK: the established sessions of a device, one line
	jstat "$1" '[.sessions[] | select(.state == "established") | .remote] |
		if length == 0 then "none" else join(", ") end'
}
step "Alice calls Carol again"
mn call sip:carol@127.0.0.1:5080 >/dev/null
wait_stat 10 "$T/mn.sock" .call.state eq established || die "no call"
wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || die "no audio"

t=$(now); step "hand the call off to the speakerphone (REFER + Replaces); Alice's phone leaves it"
feel "$(mn --json move --to "$SPK" --mode handoff)"
wait_stat 10 "$T/mn.sock" .call.state eq idle || die "Alice's phone is still in the call"
mn status --json | jq -r '.handoff | "   Alice'"'"'s phone keeps where it went: \(.device), dialog \(.call_id)"'
echo "   Carol's call is with: $(live "$T/carol.sock")"
ladder "$t" handoff

t=$(now); step "take it back (nested REFER: the speakerphone REFERs Alice's phone, which replaces its dialog)"
feel "$(mn --json retrieve)"
where
echo "   Carol's call is with: $(live "$T/carol.sock"); the speakerphone holds: $(live "$T/speaker.sock")"
ladder "$t" handoff-retrieve

t=$(now); step "hand it off to the room's audio+video system (one party for Carol)"
feel "$(mn --json move --to "$AV" --mode handoff)"
wait_stat 10 "$T/display.sock" '.streams[-1].frames_decoded' ge 10
echo "   Carol's call is with: $(live "$T/carol.sock")"
jstat "$T/speaker.sock" '.streams[-1] | "   the speakerphone plays Carol: \(.played_packets) packets"'
jstat "$T/display.sock" '.streams[-1] | "   the display shows Carol: \(.frames_decoded) frames"'
ladder "$t" handoff-mdsm

step "Carol hangs up"
ctl "$T/carol.sock" hangup >/dev/null
wait_stat 10 "$T/av.sock" '.sessions | length' eq 0 ||
	die "the audio+video system still holds the call"
echo "   the system's members: speaker $(live "$T/speaker.sock"), display $(live "$T/display.sock")"

# ---- Act 4 -----------------------------------------------------------------
say "Act 4: the map on Alice's phone"
MAP=http://127.0.0.1:8080
page() {   # ARGS...: a command as the map page sends it (POST /api/command)
	local json
	json=$(printf '%s\n' "$@" | jq -R . | jq -sc '{args: .}')
	in_ns curl -s -X POST -H 'Content-Type: application/json' \
		-d "$json" "$MAP/api/command"
}
# The badge reader at the door says who came in; the MN learns its room.
# With a location service (`location set` on the control socket, fed by a
# PUBLISH from the door's reader), the page follows the MN's location;
# without one, the page is given the room, as a user would type it.
badge_read_at_door() {   # ROOM: sets MAP_URL, the page showing that room
	local room=$1
	MAP_URL=$MAP/
	if [ ${#LOCATION[@]} -gt 0 ] &&
		in_ns "$BIN/sipmob-locpub" --server "sip:127.0.0.1:$KAM" \
			--user alice --sip 127.0.0.1:5089 \
			--credentials "$T/badge.creds" --building N1 --floor 1 \
			--room "$room" >>"$T/locpub.log" 2>&1 &&
		wait_stat 10 "$T/mn.sock" .location.room eq "$room"; then
		echo "   the badge reader PUBLISHed Alice's location (PIDF-LO) to" \
			"the presence server; her phone's subscription says: room" \
			"$(mn status --json | jq -r '.location | "\(.room), floor \(.floor), building \(.building) (\(.source))"')"
	elif mn location set --room "$room" >/dev/null 2>&1; then
		echo "   (no presence server: Alice's location set by hand: room $room)"
	else
		echo "   (no location service: the page is given the room)"
		MAP_URL="$MAP/?room=$room"
	fi
}
step "Alice calls Carol, and her badge is read at room 123's door"
mn call sip:carol@127.0.0.1:5080 >/dev/null
wait_stat 10 "$T/mn.sock" .call.state eq established || die "no call"
wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || die "no audio"
badge_read_at_door 123
step "the map page's view of the room (GET /api/devices, as the page asks)"
in_ns curl -s "$MAP/api/devices?room=123" | jq -r '.devices[] |
	"   \(.name) at (\(.attrs.x // "-"), \(.attrs.y // "-")): \(.attrs.media) \(.attrs.direction)"'
t=$(now); step "on the map: speaker -> \"Move audio here\" (POST /api/command)"
feel "$(page move --audio sip:speaker@127.0.0.1:5091)"
ladder "$t" map-audio
t=$(now); step "on the map: display -> \"Display here\", camera -> \"Camera here\""
feel "$(page move --display sip:display@127.0.0.1:5092 \
	--camera sip:camera@127.0.0.1:5093)"
where
step "the page, as Alice's phone shows it"
if command -v chromium >/dev/null && command -v chromedriver >/dev/null &&
	"$PEERS_PY" -c 'import selenium' 2>/dev/null; then
	in_ns "$PEERS_PY" "$here/tests/tools/web_map.py" shot --url "$MAP_URL" \
		--out "$out/map.png" --expect speaker,display,camera,confphone \
		--height 1400 2>>"$T/browser.log" | sed 's/^/   screenshot: /' ||
		echo "   (the page had JavaScript errors: see browser.log)"
else
	echo "   (no screenshot: chromium, chromium-driver or python3-selenium is" \
		"missing; scripts/install-deps installs them)"
fi
t=$(now); step "on the map: \"Bring back\""
feel "$(page retrieve)"
where
mn hangup >/dev/null
wait_stat 10 "$T/carol.sock" '.sessions | length' eq 0

capture_stop demo
cp -f "$T"/*.log "$T"/*.pcap "$out/" 2>/dev/null

say "Done. The capture, the ladders and the logs are in demo-out/"
ls "$out" | sed 's/^/   /'
