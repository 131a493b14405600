#!/usr/bin/env bash
# SLP without a DA (the distributed model, RFC 2608 §6.3): the UA finds no
# DA, asks the SAs by multicast on lo (239.255.255.253) with the PRList
# growing each round, and the SAs answer for their own services.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init slp_multicast
ns_multicast

SLP() { in_ns timeout 15 "$BIN/sipmob-slp" "$@"; }

echo 'sip:audio@10.0.0.5 (room=123),(media=audio),(floor=1)' >"$T/a.txt"
echo 'sip:video@10.0.0.6 (room=123),(media=video),(floor=1)' >"$T/b.txt"
printf '%s\n' 'sip:phone@10.0.0.7 (room=124),(media=audio),(floor=2)' \
	'sip:tv@10.0.0.8 (room=123),(media=video),(floor=1)' >"$T/c.txt"
start a "$BIN/sipmob-sa" -vv -L 127.0.0.2 "$T/a.txt"
start b "$BIN/sipmob-sa" -vv -L 127.0.0.3 "$T/b.txt"
start c "$BIN/sipmob-sa" -vv -L 127.0.0.4 "$T/c.txt"
for n in a b c; do need "SA $n ready" wait_log $n 'ready'; done

SLP -v findsrvs service:sip-device >"$T/all.out" 2>"$T/all.err"
check "no DA found" grep -q 'no DA answered' "$T/all.err"
check "every service of the three SAs" \
	eq "$(cut -d, -f1 "$T/all.out" | sort | tr '\n' ' ')" \
	"sip:audio@10.0.0.5 sip:phone@10.0.0.7 sip:tv@10.0.0.8 sip:video@10.0.0.6 "
check "by room, answered by the SAs themselves" \
	eq "$(SLP findsrvs service:sip-device '(&(room=123)(media=video))' | cut -d, -f1 | sort | tr '\n' ' ')" \
	"sip:tv@10.0.0.8 sip:video@10.0.0.6 "
# the union's order follows which SA answered first
words() { tr ',()=' '\n\n\n\n' | sed '/^$/d' | sort | tr '\n' ' '; }
check "attributes by multicast, union over SAs" \
	eq "$(SLP findattrs service:sip-device media | words)" "audio media video "
check "service types by multicast" eq "$(SLP findsrvtypes)" "service:sip-device"
check "Figure 1 without a DA" \
	eq "$(SLP --json finddevices '(room=124)' | jq -r '.[0].url + " " + .[0].attrs.media[0]')" \
	"sip:phone@10.0.0.7 audio"
check "SAs answered multicast requests" grep -q 'SrvRply to' "$T/a.log"
finish
