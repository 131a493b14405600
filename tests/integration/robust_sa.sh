#!/usr/bin/env bash
# sipmob-sa under bad input (tests/tools/robust_send.py): without a DA it
# listens to the SLP multicast group for SrvRqst and DAAdvert; there it gets
# twice 2,000 SLPv2 datagrams (every function with lying lengths, versions,
# language tags and string lengths, extension loops, predicates nested
# 5,000 deep or 60 KB long, DAAdverts from thousands of DAs that do not
# exist or serve other scopes, random bytes, 64 KB datagrams, and among
# them valid SrvRqsts); then the same twice at its unicast address. It
# stays up, answers every valid multicast SrvRqst, a UA still finds
# the service by multicast afterwards, and the second round does not grow
# its memory by more than $MEM_BOUND kB (tests/lib/robust.sh says why).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/robust.sh"
scenario_init robust_sa
peers_require python3 jq
ns_multicast

echo 'sip:speaker@10.0.0.5 (room=123),(media=audio)' >"$T/sa.txt"
start sa "$BIN/sipmob-sa" -v -L 127.0.0.2:4270 "$T/sa.txt"
need "SA ready" wait_log sa 'ready'
finds_it() {
	eq "$(in_ns timeout 15 "$BIN/sipmob-slp" findsrvs service:sip-device '(room=123)' |
		cut -d, -f1)" sip:speaker@10.0.0.5
}
need "a UA finds its service by multicast" finds_it

for how in multicast unicast; do
	if [ $how = multicast ]; then
		robust_rounds sa slp 127.0.0.1 427 2000 --multicast --tcp 0
	else
		robust_rounds sa slp 127.0.0.2 4270 2000 --tcp 0
	fi
	robust_tally "$how, round one" "$R1"
	robust_tally "$how, round two" "$R2"
	check "$how: 2 x 2,000 datagrams sent" eq "$(rj "$R1" .sent)/$(rj "$R2" .sent)" 2000/2000
	log "$how: $(rj "$R1" .valid) valid SrvRqst a round"
	# it answers requests by multicast (RFC 2608 §6.3: an SA without DA);
	# at its unicast address it only takes SrvAcks
	[ $how = multicast ] && check "$how: every valid SrvRqst was answered (one lost in the flood, once sent again)" \
		eq "$(rj "$R1" .unanswered_valid)/$(rj "$R2" .unanswered_valid)" 0/0
	check "$how: ...and there were some" ge "$(rj "$R2" .valid)" 50
	check "$how: the SA is still running" alive sa
	check "$how: its memory is bounded" mem_bounded
	check "$how: a UA still finds its service" finds_it
done
finish
