#!/usr/bin/env bash
# sipmob-transcoder takes network input on SIP and on every RTP port it
# opens; bad input is answered or dropped, never a crash. RFC 4475's
# requests get the answers a user agent owes (405/501, 415 with Accept,
# 420 with Unsupported, 416; esc01, valid but with no pair of audio lines,
# 488); a burst of 2,000 malformed SIP datagrams is survived; then, with a
# session set up by sipp the RFC 4117 way, 20,000 datagrams of garbage and
# lying RTP at both legs' ports: the transcoder stays up, counts what it
# dropped, still relays real RTP (PCMU in, G.722 out), its memory grows by
# less than 8 MB (64 MB under AddressSanitizer), and it still ends the
# session cleanly.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require sipp python3 jq
scenario_init interop_transcoder_abuse

start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --no-slp \
	--control "$T/tc.sock"
need "transcoder up" wait_until 10 test -S "$T/tc.sock"

send() { in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/sip_torture.py" 127.0.0.1 5090 "$@"; }
answers() {
	local name=$1 r
	shift
	r=$(send "$name" ${HEADER:-})
	log "$name: $r"
	for c in "$@"; do [ "$r" = "$c" ] || [ "${r%% *}" = "$c" ] && return 0; done
	return 1
}
check "esc01, valid but no pair of audio lines: 488" answers esc01 488
check "intmeth, an unknown method: 405 or 501" answers intmeth 405 501
HEADER=Accept check "invut, an unknown body type: 415, Accept: SDP" \
	answers invut "415 application/sdp"
HEADER=Unsupported check "an extension required that nobody has: 420" \
	answers bext01 "420 nothingSupportsThis"
check "unkscm, an unknown URI scheme: 416" answers unkscm 416
check "REGISTER, not served: 405 or 501" answers register 405 501
out=$(sip_garbage 127.0.0.1 5090 2000 --user transcoder --wait 1)
log "sip_garbage: $out"
check "2,000 malformed SIP datagrams sent" eval '[[ "$out" == "sent 2000,"* ]]'
check "the transcoder is still running" alive tc

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(pid_of tc)/status"; }
rss0=$(rss)
sipp_uac uac 5062 127.0.0.1:5090 uac_transcoder_4117 -set a_port 9 \
	-set b_port 47000
# (the burst's well-formed INVITEs without an offer left sessions waiting
# for an ACK that never comes; they end with Timer H)
S='[.streams[] | select(.b.codec == "G722")][0]'
need "sipp's session, PCMU/G722" wait_stat 5 "$T/tc.sock" "$S.a.codec" eq PCMU
a=$(jstat "$T/tc.sock" "$S.a.local")
b=$(jstat "$T/tc.sock" "$S.b.local")
probe() { in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/rtp_probe.py" "$@"; }
out=$(probe flood "$a" "$b" "${a%:*}:$((${a##*:} + 1))" --packets 20000)
log "flood: $out"
check "20,000 datagrams at its RTP and RTCP ports" eq "$(jq .sent <<<"$out")" 20000
check "the transcoder is still running after the flood" alive tc
log "after the flood: $(jstat "$T/tc.sock" "$S" | jq -c .)"
check "leg A counted what it dropped" ge "$(jstat "$T/tc.sock" "$S.a.dropped")" 1000
check "leg B counted what it dropped" ge "$(jstat "$T/tc.sock" "$S.b.dropped")" 1000
out=$(probe relay --to "$a" --listen 47000 --packets 50)
log "relay: $out"
check "it still relays real RTP (>= 45 of 50 through)" ge "$(jq .received <<<"$out")" 45
check "...converted to G.722 (leg B sent them)" \
	ge "$(jstat "$T/tc.sock" "$S.b.tx_packets")" 45
rss1=$(rss)
# under AddressSanitizer (make check-asan sets ASAN_OPTIONS) freed memory
# is held in quarantine and every allocation has red zones: allow more
bound=8192
[ -n "${ASAN_OPTIONS:-}" ] && bound=65536
log "memory: VmRSS $rss0 kB before the session and flood, $rss1 kB after (bound $bound kB)"
check "its memory grew by less than the bound" le "$((rss1 - rss0))" "$bound"
ctl "$T/tc.sock" hangup >/dev/null
check "sipp: the session ends cleanly with a BYE" sipp_wait uac 15
check "sipp's session is gone" \
	wait_stat 5 "$T/tc.sock" "[.streams[] | select(.b.codec == \"G722\")] | length" eq 0
finish
