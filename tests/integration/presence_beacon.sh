#!/usr/bin/env bash
# Proof of presence (spec §8.2): sipmob-beacon announces the room's token on
# the room's link only. Three namespaces: the room ($NS), a router, and a
# room next door, wired by veth pairs, unicast routed end to end:
#
#   room (MN "in", beacon)  a0 10.77.1.1 -- r0 router r1 -- b0 10.77.2.1  next door (MN "out")
#
# The beacon sends to its group on a0 with TTL 1. The MN in the room hears
# it; the MN next door, joined to the same group on its own link and able
# to reach the room by unicast, never does. A third MN reads the beacon's
# file. The token is checked against an independent TOTP (Python's hmac),
# changes with the step, and stops being offered once the beacon is gone.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init presence_beacon
peers_require tcpdump python3 jq

. "$SIPMOB_SRC/tests/lib/rooms.sh"
need "two rooms and a router between them" wire_rooms

GROUP=239.255.83.77:5085
head -c 24 /dev/urandom | base64 >"$T/room.secret"

# bad invocations are refused before anything starts, saying why
refuses() {   # WHY CMD...: exits 2 with WHY on stderr
	local why=$1 out; shift
	out=$("$@" 2>&1 </dev/null)
	[ $? -eq 2 ] && grep -q -- "$why" <<<"$out"
}
echo short >"$T/short.secret"
check "a beacon without a secret does not start" \
	refuses 'no room secret' env -u SIPMOB_ROOM_SECRET "$BIN/sipmob-beacon" --room lab-1
check "...nor with a short one" refuses 'want 16 to 128' \
	"$BIN/sipmob-beacon" --room lab-1 --secret-file "$T/short.secret"
check "...nor with a room name it cannot announce" refuses 'want 1 to 63' \
	"$BIN/sipmob-beacon" --room 'lab 1' --secret-file "$T/room.secret"
check "an MN takes --beacon or --beacon-file, not both" refuses 'give one' \
	"$BIN/sipmob-mn" --sip 127.0.0.1:5070 --beacon $GROUP --beacon-file x
check "a device with --require-presence needs the room secret" \
	refuses 'needs the room' env -u SIPMOB_ROOM_SECRET "$BIN/sipmob-device" \
	--sip 127.0.0.1:5080 --require-presence

start cap ip netns exec "$NSR" tcpdump -n -v -l -i r0 -c 4 udp port 5085
start beacon "$BIN/sipmob-beacon" -v --room lab-1 --secret-file "$T/room.secret" \
	--step 2 --interval 200 --group $GROUP --iface a0 --file "$T/beacon.txt"
need "beacon ready" wait_log beacon 'ready'
start mn_in "$BIN/sipmob-mn" --sip 10.77.1.1:5070 -C "$T/in.sock" --beacon $GROUP
start mn_file "$BIN/sipmob-mn" --sip 127.0.0.1:5072 -C "$T/file.sock" \
	--beacon-file "$T/beacon.txt"
NS=$NSB start mn_out "$BIN/sipmob-mn" --sip 10.77.2.1:5070 -C "$T/out.sock" \
	--beacon $GROUP
for n in mn_in mn_file mn_out; do need "$n ready" wait_log $n 'ready at'; done
outstat() { NS=$NSB jstat "$T/out.sock" "$1"; }
next_wait_stat() { NS=$NSB wait_stat "$@"; }

# --- in the room ---
need "the MN in the room hears room lab-1" \
	wait_stat 10 "$T/in.sock" '.presence.room' eq lab-1
check "...from the beacon's address on the room's link" \
	eq "$(jstat "$T/in.sock" '.presence.from')" 10.77.1.1
check "...with a token it can use" \
	eq "$(jstat "$T/in.sock" '.presence.token_valid')" true
check "...and keeps hearing it" grows 10 "$T/in.sock" '.presence.heard' 5
check "the announcement is on the room's link with TTL 1" \
	wait_until 10 grep -q 'ttl 1,.*UDP' "$T/cap.log"
check "...and only TTL 1" bash -c "! grep -E 'ttl ([02-9]|[1-9][0-9])' '$T/cap.log'"

# --- next door: connected, not in the room ---
check "next door reaches the room by unicast (SIP over TCP)" \
	in_b timeout 5 bash -c 'exec 3<>/dev/tcp/10.77.1.1/5070'
check "next door hears no beacon while the room hears five more" \
	keeps "$T/out.sock" '.presence.heard' 0 "$T/in.sock" '.presence.heard' 5
check "...so it has no room" eq "$(outstat '.presence.room')" null
check "...and no token" eq "$(outstat '.presence.token_valid')" false
# its ear works: a beacon in its own room is heard there, and only there
head -c 24 /dev/urandom | base64 >"$T/next.secret"
NS=$NSB start beacon_next "$BIN/sipmob-beacon" --room lab-2 --secret-file \
	"$T/next.secret" --step 2 --interval 200 --group $GROUP --iface b0
check "next door hears its own room's beacon, lab-2" \
	next_wait_stat 10 "$T/out.sock" '.presence.room' eq lab-2
check "...while the room keeps hearing only lab-1" \
	keeps "$T/in.sock" '.presence.room' lab-1 "$T/in.sock" '.presence.heard' 5
stop beacon_next

# --- the token: TOTP of the secret, new each step, never shown ---
totp() {   # SECRET_FILE UNIX_TIME STEP: RFC 6238, HMAC-SHA1, 8 digits
	python3 - "$@" <<'EOF'
import hmac, hashlib, struct, sys
key = open(sys.argv[1], 'rb').read().rstrip(b'\n')
c = int(sys.argv[2]) // int(sys.argv[3])
h = hmac.new(key, struct.pack('>Q', c), hashlib.sha1).digest()
o = h[19] & 15
print('%08d' % ((struct.unpack('>I', h[o:o + 4])[0] & 0x7fffffff) % 10**8))
EOF
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$T/beacon.txt"; }
tok1=$(field token); t1=$(field time)
check "the file holds a whole announcement" \
	grep -Eq '^SIPMOB-BEACON/1 room=lab-1 step=2 token=[0-9]{8} seq=[0-9]+ time=[0-9]+$' "$T/beacon.txt"
check "its token is RFC 6238 TOTP of the room secret" \
	eq "$tok1" "$(totp "$T/room.secret" "$t1" 2)"
newtok() { [ "$(field token)" != "$tok1" ] && [ -n "$(field token)" ]; }
check "the token changes" wait_until 10 newtok
tok2=$(field token); t2=$(field time)
check "...in a later step" ge $((t2 / 2)) $((t1 / 2 + 1))
check "...to the TOTP of that step" eq "$tok2" "$(totp "$T/room.secret" "$t2" 2)"
check "the MN's status never shows the token" \
	bash -c "! '$BIN/sipmob' -C '$T/in.sock' status --json | grep -q -e '$tok1' -e '$tok2'" 
check "the beacon's log never shows the token" \
	bash -c "! grep -q -e '$tok1' -e '$tok2' '$T/beacon.log'"

# --- the file mode ---
check "the MN reading the file knows room lab-1" \
	wait_stat 10 "$T/file.sock" '.presence.room' eq lab-1
check "...with a usable token" \
	eq "$(jstat "$T/file.sock" '.presence.token_valid')" true
check "...fresh announcement after announcement" grows 10 "$T/file.sock" '.presence.heard' 3

# --- garbage on the group is counted and ignored ---
in_ns python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
for m in (b"garbage", b"SIPMOB-BEACON/1 room=evil step=2 token=1 seq=1 time=1\n"):
    s.sendto(m, ("239.255.83.77", 5085))'
check "datagrams that are no announcement are refused" \
	wait_stat 10 "$T/in.sock" '.presence.refused' ge 2
check "...and change nothing" eq "$(jstat "$T/in.sock" '.presence.room')" lab-1

# --- the beacon gone: the token stops being offered ---
stop beacon
check "without the beacon the token expires" \
	wait_stat 15 "$T/in.sock" '.presence.token_valid' eq false
check "...not before one whole step after it was heard" \
	ge "$(jstat "$T/in.sock" '.presence.token_age_ms')" 2000
check "...in the file mode as well" \
	wait_stat 15 "$T/file.sock" '.presence.token_valid' eq false
check "...the room is still the last one heard" \
	eq "$(jstat "$T/in.sock" '.presence.room')" lab-1
finish
