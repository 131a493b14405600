#!/usr/bin/env bash
# A configuration file (--config FILE: `option = value` lines mirroring the
# long options) gives the same device as the command line: a display in
# room 12 started with options is compared with one started from a file
# holding them (comments, blank lines, spaces around "=", a quoted value,
# a bare boolean), each registering with its own DA. Their status answers
# are the same, and so are their SLP registrations (URL and attributes,
# finddevices). An option given both in the file and on the command line
# takes the command line's value; `basic = false` leaves it off. A file
# with an unknown option, an option without its value, a bad boolean, or
# a file that is missing stops the program before it starts (exit 2),
# naming the file and the line. Every other program takes --config too.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init config_file
ns_multicast

start da1 "$BIN/sipmob-da" --listen 127.0.0.1 --no-multicast
start da2 "$BIN/sipmob-da" --listen 127.0.0.2 --no-multicast
need "DAs up" wait_log da1 'ready, boot timestamp' 10
need "...both" wait_log da2 'ready, boot timestamp' 10

OPTS=(--sip 127.0.0.1:5071 --name wall --media audio,video --video display
	--video-sizes 4cif,cif --room 12 --floor 2 --building "B 7"
	--codecs PCMA,PCMU)
cat >"$T/wall.conf" <<'CONF'
# the wall display of room 12
sip = 127.0.0.1:5071
name=wall
media   =   audio,video
video = display

video-sizes = 4cif,cif
room = 12
floor = 2
building = "B 7"
codecs = PCMA,PCMU
CONF

# status and SLP registration of a device: one JSON line
describe() {   # SOCK DA
	local st slp
	st=$(ctl "$1" status --json | jq -c 'del(.ok)') || return 1
	slp=$(in_ns "$BIN/sipmob-slp" -d "$2" -j finddevices "(room=12)" |
		jq -c '[.[] | del(.lifetime)]') || return 1
	echo "{\"status\":$st,\"slp\":$slp}"
}
registered() { in_ns "$BIN/sipmob-slp" -d "$1" -j finddevices "(room=12)" | jq -e "length >= 1" >/dev/null; }

start cmdline "$BIN/sipmob-device" "${OPTS[@]}" --slp-da 127.0.0.1 \
	--control "$T/a.sock"
need "the device from the command line is up" wait_until 10 test -S "$T/a.sock"
need "...registered in SLP" wait_until 10 registered 127.0.0.1
a=$(describe "$T/a.sock" 127.0.0.1)
log "from the command line: $a"
stop cmdline

start file "$BIN/sipmob-device" --config "$T/wall.conf" --slp-da 127.0.0.2 \
	--control "$T/b.sock"
need "the device from the file is up" wait_until 10 test -S "$T/b.sock"
need "...registered in SLP" wait_until 10 registered 127.0.0.2
b=$(describe "$T/b.sock" 127.0.0.2)
log "from the file:         $b"
check "the status names the same device (name, uri, basic, presence)" \
	eq "$(jq -c .status <<<"$b")" "$(jq -c .status <<<"$a")"
check "...with the same SLP URL and attributes (media, room, floor, building, sizes)" \
	eq "$(jq -c .slp <<<"$b")" "$(jq -c .slp <<<"$a")"
check "...which say room 12, building B 7" \
	eq "$(grep -c '"B 7"' <<<"$b")" 1
stop file

# the command line wins; a boolean
printf 'basic = false\n' >>"$T/wall.conf"
start win "$BIN/sipmob-device" --config "$T/wall.conf" --name door \
	--sip 127.0.0.1:5073 --control "$T/c.sock"
need "a device from the file and options is up" wait_until 10 test -S "$T/c.sock"
check "the command line's --name wins over the file's" \
	eq "$(jstat "$T/c.sock" .name)" door
check "...and its --sip" eq "$(jstat "$T/c.sock" .uri)" sip:door@127.0.0.1:5073
check "basic = false leaves it a mobility device" \
	eq "$(jstat "$T/c.sock" .basic)" false
stop win
printf 'name = hall\nbasic\n' >"$T/basic.conf"
start bare "$BIN/sipmob-device" --config "$T/basic.conf" \
	--sip 127.0.0.1:5074 --control "$T/d.sock"
need "a device from a file with a bare boolean is up" wait_until 10 test -S "$T/d.sock"
check "a bare 'basic' turns it on" eq "$(jstat "$T/d.sock" .basic)" true
check "...the file's name" eq "$(jstat "$T/d.sock" .name)" hall
stop bare

# bad files: exit 2, the file and the line named
refused() {   # LABEL WANT_MESSAGE FILE_TEXT [PROGRAM]
	local out rc
	printf '%b' "$3" >"$T/bad.conf"
	out=$(in_ns timeout 5 "$BIN/${4:-sipmob-device}" --config "$T/bad.conf" \
		--sip 127.0.0.1:5099 2>&1)
	rc=$?
	check "$1: exit 2" eq "$rc" 2
	check "...saying \"$2\"" eq "$(grep -cF -- "$2" <<<"$out")" 1
}
refused "an unknown option" "$T/bad.conf:3: unknown option 'colour'" \
	"# ok\nname = x\ncolour = blue\n"
refused "an option without its value" "$T/bad.conf:2: 'room' needs a value" \
	"name = x\nroom\n"
refused "a bad boolean" "$T/bad.conf:1: 'basic' takes true or false, not 'maybe'" \
	"basic = maybe\n"
refused "--config in a file" "$T/bad.conf:1: unknown option 'config'" \
	"config = /etc/other.conf\n"
out=$(in_ns timeout 5 "$BIN/sipmob-device" --config "$T/none.conf" 2>&1)
check "a missing file: exit 2" eq "$?" 2
check "...naming it" eq "$(grep -c "$T/none.conf: No such file" <<<"$out")" 1

# every program reads one
for p in sipmob-da sipmob-sa sipmob-slp sipmob-mn sipmob-transcoder \
	sipmob-beacon sipmob; do
	printf 'no-such-option = 1\n' >"$T/$p.conf"
	out=$(in_ns timeout 5 "$BIN/$p" --config "$T/$p.conf" --help 2>&1)
	check "$p reads --config (its unknown option: exit 2)" eq "$?" 2
	check "...naming the line" \
		eq "$(grep -c "$T/$p.conf:1: unknown option 'no-such-option'" <<<"$out")" 1
done
printf 'verbose\n' >"$T/da.conf"
check "sipmob-da --config with a good file, then --help: exit 0" \
	in_ns "$BIN/sipmob-da" --config "$T/da.conf" --help

finish
