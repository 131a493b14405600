#!/usr/bin/env bash
# MNC transfer benchmark (issue: "100 transfers + retrievals each at 0 ms and
# 100 ms one-way CN delay, CN = baresip"). baresip is the CN on one side of
# the wire tool; the MN and a speakerphone (sipmob-device) on the other.
# For each delay: N transfers to the speaker and N retrievals, each measured
# by the MN from real playout (latency, lapse, disruption). Prints p50/p99.
# Bounded: BENCH_TRANSFERS pairs (default 100) per delay, loopback-only
# namespaces made here, every process stopped by PID.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
N=${BENCH_TRANSFERS:-100}
scenario_init bench_mnc
peers_require baresip
wan_init

pct() {   # FILE P: the P-th percentile of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{v[NR]=$1} END {
		if (!NR) { print "-"; exit }
		i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print v[i] }'
}
sum() { awk '{s+=$1} END {print s+0}' "$1"; }

printf '%-9s %-9s %5s %12s %12s %8s %14s %14s %9s\n' delay mode runs \
	latency_p50 latency_p99 lapse disruption_p50 disruption_p99 failures
for delay in 0 100; do
	wan_up "$delay" || { log "no wire"; exit 1; }
	# the CN on the scenario's side of the wire, the user on the far side
	BARESIP_IP=$NEAR_IP baresip_start cn 5080 || exit 1
	start_far spk "$BIN/sipmob-device" --sip "$FAR_IP:5071" --name speaker \
		--control "$T/spk.sock"
	start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
		--control "$T/mn.sock"
	wait_until 10 test -S "$T/spk.sock" -a -S "$T/mn.sock" || exit 1
	ctl "$T/mn.sock" call "sip:cn@$NEAR_IP:5080" >/dev/null
	wait_stat 10 "$T/mn.sock" .call.state eq established || exit 1
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || exit 1

	for mode in transfer retrieve; do
		: >"$T/$mode.lat"; : >"$T/$mode.lapse"; : >"$T/$mode.dis"
		echo 0 >"$T/$mode.fail"
	done
	for i in $(seq "$N"); do
		for mode in transfer retrieve; do
			if [ $mode = transfer ]; then
				r=$(ctl "$T/mn.sock" -t 60 --json move --audio \
					"sip:speaker@$FAR_IP:5071")
			else
				r=$(ctl "$T/mn.sock" -t 60 --json retrieve)
			fi
			if [ "$(jq -r .last_transfer.ok <<<"$r")" != true ] ||
			   [ "$(jq -r .last_transfer.latency_ms <<<"$r")" = null ]; then
				echo $(( $(cat "$T/$mode.fail") + 1 )) >"$T/$mode.fail"
				log "$mode $i: $(jq -c .last_transfer <<<"$r")"
				continue
			fi
			jq -r .last_transfer.latency_ms <<<"$r" >>"$T/$mode.lat"
			jq -r .last_transfer.lapse_packets <<<"$r" >>"$T/$mode.lapse"
			jq -r .last_transfer.disruption_ms <<<"$r" >>"$T/$mode.dis"
		done
	done
	for mode in transfer retrieve; do
		printf '%-9s %-9s %5s %12s %12s %8s %14s %14s %9s\n' \
			"${delay}ms" $mode "$(wc -l <"$T/$mode.lat")" \
			"$(pct "$T/$mode.lat" 50)" "$(pct "$T/$mode.lat" 99)" \
			"$(sum "$T/$mode.lapse")" "$(pct "$T/$mode.dis" 50)" \
			"$(pct "$T/$mode.dis" 99)" "$(cat "$T/$mode.fail")"
	done
	ctl "$T/mn.sock" hangup >/dev/null
	stop mn; stop spk; stop cn
done
echo "(latency and disruption in ms; lapse = CN packets no device played, summed)"
