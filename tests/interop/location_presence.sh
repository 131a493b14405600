#!/usr/bin/env bash
# interop/location_presence: the user's location through a real presence
# server, and the devices that follow it (issue "Where am I, what is here",
# items 1 to 3; spec §4, Figure 1). Kamailio 5.6 with presence and
# presence_xml keeps the user's presence in an SQLite database made here
# from Kamailio's own schema; sipmob-locpub (a badge reader's stand-in)
# PUBLISHes alice's civic location (PIDF-LO); sipmob-mn SUBSCRIBEs to
# alice's presence and reads it from each NOTIFY. Devices register with a
# sipmob-da in rooms 122 and 123.
#   - Kamailio challenges every PUBLISH: refused without credentials and
#     with a wrong password (nothing stored), accepted with the right one
#   - alice in room 122: the MN's location (all civic fields, source
#     presence) and its list of the room's devices (the speaker)
#   - she moves to 123: location and devices follow with one NOTIFY
#   - a camera registered later in 123 appears (re-check every 2 s here)
#   - Kamailio restarts (watchers in memory only: it forgets the MN's
#     subscription, whose refresh gets 481): the MN subscribes again and
#     still follows her back to 122
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init location_presence
peers_require kamailio jq sqlite3
ns_multicast

SCHEMA=/usr/share/kamailio/db_sqlite
if [ ! -f "$SCHEMA/presence-create.sql" ]; then
	log "skipped: no $SCHEMA/presence-create.sql (kamailio-sqlite-modules)"
	exit 77
fi
KAM=5090
PW=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$T/kam"
printf '127.0.0.1 alice %s\n' "$PW" >"$T/pub.creds"
printf '127.0.0.1 alice wrong-%s\n' "$PW" >"$T/bad.creds"
chmod 600 "$T/pub.creds" "$T/bad.creds"
cat "$SCHEMA/standard-create.sql" "$SCHEMA/presence-create.sql" |
	sqlite3 "$T/kam/presence.db" || { log "cannot create the database"; exit 1; }

kam_start() {
	start kam kamailio -f "$PEERS_CONF/kamailio-presence.cfg" -DD -E \
		-Y "$T/kam" -A "KAM_LISTEN=udp:127.0.0.1:$KAM" \
		-A "KAM_CTL=\"unix:$T/kam/ctl\"" \
		-A "KAM_DB=\"sqlite://$T/kam/presence.db\"" \
		-A "KAM_PUBLISH_PW=\"$PW\""
	_peer_wait kam 10 ns_listening udp "$KAM"
}
loc() { jstat "$T/mn.sock" ".location$1"; }
devs() { jstat "$T/mn.sock" '[.location.devices[].name] | sort | join(",")'; }

need "kamailio (presence) starts" kam_start
start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--room 122 --floor 1 --slp-da 127.0.0.1 --control "$T/spk.sock"
start dsp "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name display \
	--media video --video display --room 123 --floor 1 \
	--slp-da 127.0.0.1 --control "$T/dsp.sock"
need "devices registered" wait_until 10 eval \
	'grep -q "registered in SLP" "$T/spk.log" && grep -q "registered in SLP" "$T/dsp.log"'

# values that are no civic address are refused before anything is sent
for bad in "--room: 12" "--civic:XYZ=1" "--civic:ROOM" "--floor:1  2"; do
	in_ns "$BIN/sipmob-locpub" --server "sip:127.0.0.1:$KAM" --user alice \
		--sip 127.0.0.1:5082 "${bad%%:*}" "${bad#*:}" >/dev/null 2>"$T/err"
	rc=$?
	check "locpub ${bad%%:*} '${bad#*:}' refused (exit 2)" eval \
		'[ $rc -eq 2 ] && grep -q "sipmob-locpub: " "$T/err"'
done

# PUBLISH needs Digest here: without credentials, or with wrong ones, the
# one-shot publisher is refused; nothing is stored
out=$(in_ns "$BIN/sipmob-locpub" --server "sip:127.0.0.1:$KAM" --user alice \
	--sip 127.0.0.1:5082 --room 999 2>&1)
rc=$?
check "a PUBLISH without credentials is refused (401)" eval '[[ $rc -eq 1 && "$out" == *401* ]]'
out=$(in_ns "$BIN/sipmob-locpub" --server "sip:127.0.0.1:$KAM" --user alice \
	--sip 127.0.0.1:5082 --room 999 --credentials "$T/bad.creds" 2>&1)
rc=$?
check "...and with a wrong password" eval '[[ $rc -eq 1 && "$out" == *"credentials refused"* ]]'
check "...nothing stored" eq "$(sqlite3 "$T/kam/presence.db" 'select count(*) from presentity')" 0

start pub "$BIN/sipmob-locpub" --server "sip:127.0.0.1:$KAM" --user alice \
	--sip 127.0.0.1:5081 --stay --control "$T/pub.sock" --expires 60 \
	--credentials "$T/pub.creds" \
	--country DE --a1 Bayern --a3 Munich --street Arcisstrasse --hno 21 \
	--building N1 --floor 1 --room 122
need "alice's location published" wait_stat 10 "$T/pub.sock" .published ge 1
log "etag $(jstat "$T/pub.sock" .etag)"
check "the presence server stored it" eval \
	'[ "$(sqlite3 "$T/kam/presence.db" "select count(*) from presentity where username='"'"'alice'"'"' and event='"'"'presence'"'"'")" = 1 ]'

start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--slp-da 127.0.0.1 --control "$T/mn.sock" \
	--location-server "sip:127.0.0.1:$KAM" --location-expires 10 \
	--location-recheck 2
need "MN up" wait_until 10 test -S "$T/mn.sock"
need "the MN is in room 122" wait_stat 10 "$T/mn.sock" .location.room eq 122
r=$(ctl "$T/mn.sock" --json location)
log "location: $(jq -c .location <<<"$r")"
check "every civic field read" eq "$(jq -r '.location | [.country, .a1, .a3, .street, .hno, .building, .floor, .room] | join("|")' <<<"$r")" \
	"DE|Bayern|Munich|Arcisstrasse|21|N1|1|122"
check "source presence, subscription active" eq \
	"$(jq -r '.location | "\(.source) \(.server.state)"' <<<"$r")" "presence active"
check "age is a number of ms" ge "$(jq -r .location.age_ms <<<"$r")" 0
check "room 122's devices: the speaker" wait_until 10 eval '[ "$(devs)" = speaker ]'

n0=$(loc .server.notifies)
ctl "$T/pub.sock" set --room 123 >/dev/null
check "she moves to 123: the MN follows" wait_stat 10 "$T/mn.sock" .location.room eq 123
check "...with one NOTIFY" eq "$(loc .server.notifies)" $((n0 + 1))
check "...the rest of the address kept" eq "$(loc '| "\(.street) \(.floor)"')" "Arcisstrasse 1"
check "room 123's devices: the display" wait_until 10 eval '[ "$(devs)" = display ]'
check "devices --here asks for room 123" eq \
	"$(ctl "$T/mn.sock" --json devices --here | jq -r '"\(.room) \([.devices[].name] | join(","))"')" "123 display"

start cam "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name camera \
	--media video --video camera --room 123 --slp-da 127.0.0.1 \
	--control "$T/cam.sock"
check "a camera registered later appears" wait_until 15 eval '[ "$(devs)" = camera,display ]'
check "...listed as appeared" eq "$(loc '.appeared[0].name')" camera
stop cam
check "...and vanishes when it stops" wait_until 15 eval '[ "$(devs)" = display ]'
check "...listed as vanished" eq "$(loc '.vanished[0].name')" camera

# the server restarts: it forgets the MN's subscription
s0=$(loc .server.subscribes)
stop kam
need "kamailio restarts" kam_start
check "the MN subscribes again" wait_until 30 eval \
	'[ "$(loc .server.subscribes)" -gt "$s0" ] && [ "$(loc .server.state)" = active ]'
log "after the restart: $(ctl "$T/mn.sock" status --json | jq -c .location.server)"
ctl "$T/pub.sock" set --room 122 >/dev/null
check "after the restart the MN still follows her (122)" \
	wait_stat 15 "$T/mn.sock" .location.room eq 122
check "...and room 122's devices" wait_until 10 eval '[ "$(devs)" = speaker ]'

# a state the MN cannot read: a PIDF without a civic address replaces hers
# (in her publication's name); the MN refuses it and stays where it was
cat >"$T/nocivic.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1">
 <tuple id="loc"><status><basic>open</basic></status></tuple>
</presence>
XML
etag=$(jstat "$T/pub.sock" .etag)
rf0=$(loc .server.refused)
in_ns "$BIN/sipmob-locpub" --server "sip:127.0.0.1:$KAM" --user alice \
	--sip 127.0.0.1:5082 --credentials "$T/pub.creds" --if-match "$etag" \
	--pidf "$T/nocivic.xml" >"$T/replace.out" 2>&1
check "a PIDF without location replaces hers (200)" eval 'grep -q "^etag=" "$T/replace.out"'
check "the MN refuses its NOTIFY" wait_stat 10 "$T/mn.sock" .location.server.refused eq $((rf0 + 1))
check "...saying why" eval '[[ "$(loc .server.last_error)" == *"no civic address"* ]]'
check "...and stays in 122" eq "$(loc .room)" 122
p0=$(jstat "$T/pub.sock" .published)
ctl "$T/pub.sock" set --room 124 >/dev/null
check "the publisher's tag is gone (412): it publishes her whole state again" \
	wait_stat 10 "$T/pub.sock" .published ge $((p0 + 1))
check "...after a 412" wait_log pub "412, the server does not know tag" 5
check "...and the MN follows her to 124" wait_stat 10 "$T/mn.sock" .location.room eq 124
check "...where there are no devices" wait_until 10 eval '[ -z "$(devs)" ] && [ "$(loc .devices_room)" = 124 ]'
log "publisher: $(ctl "$T/pub.sock" --json status | jq -c .)"
finish
