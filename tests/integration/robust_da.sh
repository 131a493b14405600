#!/usr/bin/env bash
# sipmob-da under bad input (tests/tools/robust_send.py): twice 2,000 SLPv2
# datagrams (every function with lying lengths, versions, language tags and
# string lengths, extension loops, predicates nested 5,000 deep or 60 KB
# long, auth blocks that lie, DAAdverts and replies nobody asked for,
# random bytes, 64 KB datagrams, and among them valid SrvRqsts) and 20
# TCP connections with the same, unicast; then the same to the multicast
# group. The DA stays up, answers every valid SrvRqst, still finds the
# service registered before, and the second round does not grow its memory
# by more than $MEM_BOUND kB (tests/lib/robust.sh says why).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/robust.sh"
scenario_init robust_da
peers_require python3 jq
ns_multicast

SLP() { in_ns timeout 20 "$BIN/sipmob-slp" --da 127.0.0.1 "$@"; }
start da "$BIN/sipmob-da" -v --allow-register 127.0.0.1/32
need "DA ready" wait_log da 'ready, boot timestamp'
need "a service registers" SLP register sip:speaker@example.com '(room=123)' --lifetime 600
finds_it() {
	eq "$(SLP findsrvs service:sip-device '(room=123)' | cut -d, -f1)" sip:speaker@example.com
}

for how in unicast multicast; do
	opt=; [ $how = multicast ] && opt=--multicast
	robust_rounds da slp 127.0.0.1 427 2000 $opt
	robust_tally "$how, round one" "$R1"
	robust_tally "$how, round two" "$R2"
	check "$how: 2 x 2,000 datagrams sent" eq "$(rj "$R1" .sent)/$(rj "$R2" .sent)" 2000/2000
	[ $how = unicast ] &&
		check "$how: ...and 2 x 20 TCP connections" eq "$(rj "$R1" .tcp)/$(rj "$R2" .tcp)" 20/20
	log "$how: $(rj "$R1" .valid) valid SrvRqst a round"
	check "$how: every valid SrvRqst was answered (one lost in the flood, once sent again)" \
		eq "$(rj "$R1" .unanswered_valid)/$(rj "$R2" .unanswered_valid)" 0/0
	check "$how: ...and there were some" ge "$(rj "$R2" .valid)" 50
	check "$how: the DA is still running" alive da
	check "$how: its memory is bounded" mem_bounded
	check "$how: it still finds the service registered before" finds_it
done
check "the DA logged what it dropped" grep -Eqi 'drop|bad|malformed|refus' "$T/da.log"
finish
