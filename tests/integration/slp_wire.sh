#!/usr/bin/env bash
# SLP wire conformance: every one of the eleven message types we send is
# captured on lo and decoded by tshark's srvloc dissector with no malformed
# packet, and the fields tshark reads are the ones we meant.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init slp_wire
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require tshark
ns_multicast

SLP() { in_ns timeout 15 "$BIN/sipmob-slp" "$@"; }
P="$T/cap.pcapng"
TS() { in_ns tshark -r "$P" -n -d udp.port==427,srvloc -d tcp.port==427,srvloc "$@" 2>/dev/null; }

start cap tshark -i lo -n -w "$P" -f 'udp port 427 or tcp port 427'
need "capture running" wait_log cap 'Capturing on'

start da "$BIN/sipmob-da" -v                          # DAAdvert (multicast)
need "DA ready" wait_log da 'ready, boot timestamp'
echo 'sip:audio_rm123@example.com (room=123),(media=audio),(codecs=PCMU,opus) 120' >"$T/dev.txt"
# the SA on port 427 (next to the DA), so that its replies are on 427 too
start sa "$BIN/sipmob-sa" -v -L 127.0.0.2:427 "$T/dev.txt"   # SrvRqst(DA), SrvReg
need "SA registered" wait_log sa 'registered sip:audio_rm123@example.com'
SLP findsrvs service:sip-device '(room=123)' >/dev/null  # discovery, SrvRqst/SrvRply
SLP --da 127.0.0.1 findattrs sip:audio_rm123@example.com >/dev/null  # AttrRqst/AttrRply
SLP --da 127.0.0.1 findsrvtypes >/dev/null             # SrvTypeRqst/SrvTypeRply
stop sa                                                # SrvDeReg/SrvAck
need "SA deregistered" grep -q 'deregistered' "$T/sa.log"
stop da
start sa "$BIN/sipmob-sa" -v -L 127.0.0.2:427 "$T/dev.txt"
need "SA back" wait_log sa 'ready'
SLP -T 1500 findsrvs service:service-agent >/dev/null  # SAAdvert from the SA
SLP findsrvs service:sip-device '(media=audio)' >"$T/mc.out"  # SA's own SrvRply
stop sa
stop cap

check "packets captured" test "$(TS | wc -l)" -gt 10
check "no malformed SLP packet" eq "$(TS -Y '_ws.malformed || _ws.expert.severity >= "warning"' | wc -l)" 0
check "all eleven function IDs on the wire" \
	eq "$(TS -Y srvloc -T fields -e srvloc.function | tr ',' '\n' | sort -n | uniq | tr '\n' ' ')" \
	"1 2 3 4 5 6 7 8 9 10 11 "
check "every message is version 2" eq "$(TS -Y srvloc -T fields -e srvloc.version | sort -u)" "2"
check "SrvReg: URL, lifetime, attributes, FRESH" \
	eq "$(TS -Y 'srvloc.function == 3' -T fields -e srvloc.url.url -e srvloc.url.lifetime -e srvloc.srvreq.attrlist -e srvloc.flags_v2.fresh | head -1)" \
	"$(printf 'sip:audio_rm123@example.com\t120\t(room=123),(media=audio),(codecs=PCMU,opus)\t1')"
check "SrvRqst: type, scope and predicate" \
	test "$(TS -Y 'srvloc.function == 1 && srvloc.srvreq.predicate == "(room=123)"' -T fields -e srvloc.srvreq.srvtypelist -e srvloc.srvreq.scopelist | head -1)" \
	= "$(printf 'service:sip-device\tDEFAULT')"
check "multicast SrvRqst carries REQUEST_MCAST" \
	test "$(TS -Y 'srvloc.function == 1 && ip.dst == 239.255.255.253 && srvloc.flags_v2.reqmulti == 1' | wc -l)" -ge 1
check "SrvRply: one URL, the device's SIP URI" \
	test "$(TS -Y 'srvloc.function == 2 && srvloc.srvreq.urlcount == 1 && srvloc.url.url == "sip:audio_rm123@example.com"' | wc -l)" -ge 1
check "DAAdvert: DA URL and boot timestamp" \
	test "$(TS -Y 'srvloc.function == 8 && srvloc.daadvert.url == "service:directory-agent://127.0.0.1" && srvloc.daadvert.timestamp' | wc -l)" -ge 1
check "AttrRply: the attribute list" \
	test "$(TS -Y 'srvloc.function == 7 && srvloc.attrrply.attrlist contains "codecs=PCMU,opus"' | wc -l)" -ge 1
check "SrvDeReg: the URL" \
	test "$(TS -Y 'srvloc.function == 4 && srvloc.url.url == "sip:audio_rm123@example.com"' | wc -l)" -ge 1
check "SrvAck: no error" test "$(TS -Y 'srvloc.function == 5 && srvloc.errv2 == 0' | wc -l)" -ge 2
check "the SA answered without a DA" grep -q 'sip:audio_rm123@example.com' "$T/mc.out"
finish
