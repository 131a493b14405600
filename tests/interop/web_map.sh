#!/usr/bin/env bash
# The MN's map page in a real browser (Debian's chromium, headless, driven by
# python3-selenium and chromium-driver; tests/tools/web_map.py). An SLP DA, a
# speakerphone and a display in room 123 with their places in the room, a
# basic CN; the MN, with --http on loopback, calls the CN. On a phone-sized
# page: the room's devices are drawn; a click on the speakerphone and "Move
# audio here" moves the audio (checked through the control sockets: the
# speakerphone plays the CN and the CN the speakerphone, the video stays);
# "Bring back" retrieves it; no JavaScript error. The screenshots are kept in
# $SIPMOB_BUILD/test-output/web_map/. Then the API's guards: bound beyond
# loopback, no token is 401 and the token 200; on loopback, a request naming
# another host, a command from another site's page or not sent as JSON are
# refused; a command's reply is the control socket's.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init web_map
peers_require chromium chromedriver curl jq
if ! "$PEERS_PY" -c 'import selenium' 2>/dev/null; then
	log "skipped: missing python3-selenium (scripts/install-deps installs it)"
	exit 77
fi
ns_multicast
OUT=$BIN/test-output/web_map
rm -rf "$OUT" && mkdir -p "$OUT"

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speakerphone \
	--room 123 --floor 1 --building CEPSR --position 25,70 \
	--slp-da 127.0.0.1 --control "$T/spk.sock"
start dsp "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name display \
	--media video --video display --room 123 --floor 1 --building CEPSR \
	--position 75,20 --slp-da 127.0.0.1 --control "$T/dsp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --slp-da 127.0.0.1 --control "$T/mn.sock" \
	--http 127.0.0.1:8080
need "daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/dsp.sock" -a -S "$T/cn.sock"
need "the MN serves its map" wait_log mn 'the map page: http://127.0.0.1:8080/$' 10
for d in spk dsp; do
	need "$d registered" wait_log "$d" "registered in SLP" 10
done
r=$(ctl "$T/mn.sock" --json devices --room 123)
check "SLP gives the speakerphone's place in the room (x, y)" \
	eq "$(jq -r '.devices[] | select(.name=="speakerphone") | .attrs | "\(.x),\(.y)"' <<<"$r")" 25,70

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays the CN" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25

# ---- the page, in the browser ----
in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/web_map.py" check \
	--url "http://127.0.0.1:8080/?room=123" --out "$OUT" \
	--device speakerphone --expect speakerphone,display \
	--sipmob "$BIN/sipmob" --mn-sock "$T/mn.sock" --dev-sock "$T/spk.sock" \
	--cn-sock "$T/cn.sock" >"$T/browser.log" 2>&1
rc=$?
sed 's/^/    /' "$T/browser.log"
check "the page moves the audio to the speakerphone and brings it back" \
	test "$rc" -eq 0
summary=$(tail -1 "$T/browser.log")
check "no JavaScript errors" eq "$(jq -r .javascript_errors <<<"$summary" 2>/dev/null)" 0
check "a screenshot of the page" test -s "$OUT/map-moved.png"
log "screenshot: $OUT/map-moved.png"
check "status has the transfer's ladder" \
	wait_stat 5 "$T/mn.sock" '.call.last_transfer.ladder | length' ge 3

# ---- the API ----
code() { in_ns curl -s -o /dev/null -w '%{http_code}' "$@"; }
api=http://127.0.0.1:8080
check "on loopback, no token is needed" eq "$(code $api/api/status)" 200
check "a request naming another host is refused (403)" \
	eq "$(code -H 'Host: evil.example:8080' $api/api/status)" 403
check "a command from another site's page is refused (403)" \
	eq "$(code -X POST -H 'Content-Type: application/json' \
		-H 'Origin: http://evil.example' -d '{"args":["hangup"]}' \
		$api/api/command)" 403
check "a command not sent as JSON is refused (415)" \
	eq "$(code -X POST -d '{"args":["hangup"]}' $api/api/command)" 415
r=$(in_ns curl -s -X POST -H 'Content-Type: application/json' \
	-d '{"args":["move","--audio"]}' $api/api/command)
check "a bad command says why, as the control socket does" \
	eq "$(jq -r .error <<<"$r")" \
	"$(ctl "$T/mn.sock" --json move --audio | jq -r .error)"
check "a word with a space is refused" \
	eq "$(code -X POST -H 'Content-Type: application/json' \
		-d '{"args":["call","sip:a b"]}' $api/api/command)" 400
check "the call is still up" eq "$(jstat "$T/mn.sock" .call.state)" established

start mn2 "$BIN/sipmob-mn" --sip 127.0.0.1:5062 --user bob \
	--http 0.0.0.0:8081
need "an MN on every address prints its token" \
	wait_log mn2 'the map page: http://0.0.0.0:8081/\?token=[0-9a-f]{32}$' 10
tok=$(grep -Eo 'token=[0-9a-f]{32}' "$T/mn2.log" | head -1)
tok=${tok#token=}
api=http://127.0.0.1:8081
check "beyond loopback, the API without the token: 401" \
	eq "$(code $api/api/status)" 401
check "...the page without the token: 401" eq "$(code $api/)" 401
check "...a wrong token: 401" eq "$(code "$api/api/status?token=${tok%?}0")" 401
check "...a command without it: 401" \
	eq "$(code -X POST -H 'Content-Type: application/json' \
		-d '{"args":["status"]}' $api/api/command)" 401
check "...with ?token=: 200" eq "$(code "$api/api/status?token=$tok")" 200
check "...with Authorization: Bearer: 200" \
	eq "$(code -H "Authorization: Bearer $tok" $api/api/status)" 200
check "...the page with the token: 200" eq "$(code "$api/?token=$tok")" 200
finish
