#!/usr/bin/env bash
# How long a transfer takes when the CN answers the re-INVITE with 491, or
# never (`make bench`, or `bash bench/mnc_failures.sh` with SIPMOB_BUILD and
# SIPMOB_SRC set). interop/interop_mnc_cn_failures checks what happens (the
# back-off happened, the retry came and got 200; the move failed only after
# Timer B); this prints the times: the 491 move's signalling time over
# BENCH_491_RUNS calls (default 5; RFC 3261 §14.1 puts the retry 2.1-4 s
# after the 491, the MN owning the Call-ID), and the unanswered move's time
# (libre's Timer B is 64 x T1 = 32 s). Bounded: sipp -timeout, ctl -t 60.
# the source tree is where this script is, unless said otherwise
export SIPMOB_SRC=${SIPMOB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
N=${BENCH_491_RUNS:-5}
scenario_init bench_mnc_failures
peers_require sipp jq

CN=5080
SP=sip:speaker@127.0.0.1:5071
start sp "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--codecs PCMU --control "$T/mn.sock"
wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock" || exit 1

call() {   # NAME SCENARIO: a sipp CN and an established call
	sipp_uas "$1" $CN "$2" >/dev/null || exit 1
	ctl "$T/mn.sock" call "sip:cn@127.0.0.1:$CN" >/dev/null
	wait_stat 10 "$T/mn.sock" .call.state eq established || exit 1
}
hang_up() {
	ctl "$T/mn.sock" hangup >/dev/null
	wait_stat 5 "$T/mn.sock" .call.state eq idle
	sipp_wait "$1" 10 >/dev/null
}

: >"$T/491.ms"
for i in $(seq "$N"); do
	call "cn491_$i" uas_reinvite_491
	r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
	if [ "$(jq -r .last_transfer.ok <<<"$r")" = true ]; then
		jq -r .last_transfer.signaling_ms <<<"$r" >>"$T/491.ms"
		ctl "$T/mn.sock" -t 30 retrieve >/dev/null
	else
		log "491 run $i failed: $(jq -c .last_transfer <<<"$r")"
	fi
	hang_up "cn491_$i"
done
echo "491 then 200: move signalling in ms over $(wc -l <"$T/491.ms") of $N runs:" \
	"min $(sort -n "$T/491.ms" | head -1), max $(sort -n "$T/491.ms" | tail -1)" \
	"(RFC 3261 §14.1: the retry 2100-4000 ms after the 491)"

SIPP_TIMEOUT=90 call cnto uas_reinvite_timeout
t0=$(date +%s.%N)
r=$(ctl "$T/mn.sock" -t 60 --json move --audio "$SP")
t1=$(date +%s.%N)
echo "unanswered re-INVITE: the move failed after" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" \
	"(Timer B 32 s): $(jq -r .last_transfer.error <<<"$r")"
hang_up cnto
