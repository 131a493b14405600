#!/usr/bin/env bash
# SLP abuse: registrations from outside --allow-register are refused (and
# logged); oversized registrations are refused; with 5,000 services no UDP
# reply is larger than the MTU (the UA gets them all over TCP); a sender
# outside the allowed networks cannot get more bytes back than it sends.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init slp_abuse
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require tshark
ns_multicast

SLP() { in_ns timeout 20 "$BIN/sipmob-slp" --da 127.0.0.1 "$@"; }

start da "$BIN/sipmob-da" -v --allow-register 127.0.0.1/32 --mtu 1400
need "DA ready" wait_log da 'ready, boot timestamp'

# a disallowed source
echo 'sip:intruder@evil.example (room=123)' >"$T/evil.txt"
start evil "$BIN/sipmob-sa" -v --da 127.0.0.1 -L 127.0.0.66 "$T/evil.txt"
check "SA outside --allow-register is refused" \
	wait_log evil 'refused by DA 127.0.0.1:427: AUTHENTICATION_ABSENT'
check "DA logs the refusal" grep -q 'SrvReg from 127.0.0.66.* refused: not in --allow-register' "$T/da.log"
# one query for the room, in which an allowed registration must show: the
# DA answered, and the intruder is not in its answer
check "an allowed source registers" \
	SLP register sip:allowed@example.com '(room=123)' --lifetime 60
check "refused service is not listed (the allowed one is)" \
	eq "$(SLP findsrvs service:sip-device '(room=123)' | cut -d, -f1)" sip:allowed@example.com
SLP deregister sip:allowed@example.com
stop evil

# size limits
long=$(printf 'x%.0s' $(seq 1100))
SLP register "sip:$long@example.com" '(room=1)' 2>"$T/long.err"
check "a 1,100-byte URL is INVALID_REGISTRATION" grep -q INVALID_REGISTRATION "$T/long.err"

# 5,000 services, all in one room
start cap tshark -i lo -n -w "$T/cap.pcapng" -f 'udp port 427 or tcp port 427'
need "capture running" wait_log cap 'Capturing on'
need "5,000 registrations" in_ns "$BIN/slp_load" --da 127.0.0.1 --register 5000 --rooms 1 --inflight 32
SLP findsrvs service:sip-device '(room=0)' >"$T/all.out" 2>"$T/all.err"
check "the UA gets all 5,000 (over TCP after OVERFLOW)" eq "$(wc -l <"$T/all.out")" 5000
SLP -v findsrvs service:sip-device >/dev/null 2>"$T/v.err"
check "the UA saw OVERFLOW and went to TCP" grep -q 'overflowed' "$T/v.err"
in_ns "$BIN/slp_load" --da 127.0.0.1 --probe >"$T/probe_ok.out"
in_ns "$BIN/slp_load" --da 127.0.0.1 --probe --bind 127.0.0.99 >"$T/probe_evil.out"
log "allowed sender:   $(cat "$T/probe_ok.out")"
log "outside sender:   $(cat "$T/probe_evil.out")"
ratio=$(sed -n 's/.*worst_ratio=\([0-9.]*\).*/\1/p' "$T/probe_evil.out")
check "outside sender: no reply larger than its request" awk -v r="$ratio" 'BEGIN { exit !(r != "" && r <= 1.0) }'
stop cap
maxlen=$(in_ns tshark -r "$T/cap.pcapng" -n -Y 'udp' -T fields -e ip.len 2>/dev/null | sort -n | tail -1)
log "largest UDP packet on the wire: $maxlen bytes (IP)"
check "no UDP packet larger than the 1400-byte MTU" test "${maxlen:-99999}" -le 1400
check "OVERFLOW flag on the wire" \
	test "$(in_ns tshark -r "$T/cap.pcapng" -n -d udp.port==427,srvloc -Y 'srvloc.flags_v2.overflow == 1' 2>/dev/null | wc -l)" -ge 1
finish
