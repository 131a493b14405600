#!/usr/bin/env bash
# Session Handoff benchmark (issue: "100 handoffs + 100 nested-REFER
# retrievals with CN = linphonec at 0 and 100 ms one-way CN delay"). The CN
# (linphonec, which takes Replaces) is on one side of the wire tool; the MN
# and the speakerphone (sipmob-device) on the other. Each handoff (REFER,
# the device's INVITE with Replaces, the CN's BYE) and each retrieval
# (nested REFER, the MN's INVITE with Replaces) is measured by the MN from
# real playout: latency to the CN's first packet played at the new place,
# lapse (the CN's packets nobody played, counted within each of its
# streams: linphonec starts a new one for every dialog) and disruption.
# Prints p50/p99 next to the target: one MN-device round trip, one
# device-CN round trip, one packet interval (20 ms) and 5 ms. The same runs
# with our own ordinary phone as the CN (sipmob-device --basic, which goes
# on with the same stream when its dialog is replaced) show what is ours
# and what is the CN's: linphonec takes a while to start the new dialog's
# stream.
# Bounded: BENCH_HANDOFFS pairs (default 100) per delay and CN
# (BENCH_DELAYS, default "0 100"; BENCH_CNS, default "linphonec basic"),
# namespaces made here, every process stopped by PID.
# the source tree is where this script is, unless said otherwise
export SIPMOB_SRC=${SIPMOB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
N=${BENCH_HANDOFFS:-100}
scenario_init bench_handoff
peers_require linphonec
wan_init

pct() {   # FILE P: the P-th percentile of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{v[NR]=$1} END {
		if (!NR) { print "-"; exit }
		i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print v[i] }'
}
port_free() { ! ns_listening udp "$1"; }
sum() { awk '{s+=$1} END {print s+0}' "$1"; }
row() { printf '%-9s %-6s %-9s %5s %12s %12s %8s %14s %14s %9s %7s\n' "$@"; }

# measure CN DELAY: N handoffs to the speakerphone and N retrievals
measure() {
	local cn=$1 delay=$2 i mode r m target
	for mode in handoff retrieve; do
		: >"$T/$mode.lat"; : >"$T/$mode.lapse"; : >"$T/$mode.dis"
		echo 0 >"$T/$mode.fail"
	done
	for i in $(seq "$N"); do
		for mode in handoff retrieve; do
			if [ $mode = handoff ]; then
				r=$(ctl "$T/mn.sock" -t 60 --json move --to \
					"sip:speaker@$FAR_IP:5071" --mode handoff)
			else
				r=$(ctl "$T/mn.sock" -t 60 --json retrieve)
			fi
			m=$(jq -c '.last_transfer | select(.ok)' <<<"$r")
			if [ -z "$m" ] || [ "$(jq -r .latency_ms <<<"$m")" = null ]; then
				echo $(( $(cat "$T/$mode.fail") + 1 )) >"$T/$mode.fail"
				log "$mode $i: $r"
				# a failed retrieval leaves the call on the device
				[ $mode = retrieve ] &&
					[ "$(jstat "$T/mn.sock" .call.state)" != established ] &&
					return 1
				continue
			fi
			jq -r .latency_ms <<<"$m" >>"$T/$mode.lat"
			jq -r .lapse_packets <<<"$m" >>"$T/$mode.lapse"
			jq -r .disruption_ms <<<"$m" >>"$T/$mode.dis"
			# the next step starts once the media are settled here
			if [ $mode = retrieve ]; then
				wait_stat 10 "$T/mn.sock" '.call.streams[0].played_packets' ge 5
			fi
		done
	done
	target=$((2 * delay + 20 + 5))
	for mode in handoff retrieve; do
		row "$cn" "${delay}ms" $mode "$(wc -l <"$T/$mode.lat")" \
			"$(pct "$T/$mode.lat" 50)" "$(pct "$T/$mode.lat" 99)" \
			"$(sum "$T/$mode.lapse")" "$(pct "$T/$mode.dis" 50)" \
			"$(pct "$T/$mode.dis" 99)" "$(cat "$T/$mode.fail")" \
			"$target"
	done
}

row cn delay mode runs latency_p50 latency_p99 lapse disruption_p50 \
	disruption_p99 failures target
for delay in ${BENCH_DELAYS:-0 100}; do
	wan_up "$delay" || { log "no wire"; exit 1; }
	for cn in ${BENCH_CNS:-linphonec basic}; do
	if [ $cn = linphonec ]; then
		LINPHONE_IP=$NEAR_IP linphone_start "cn$delay" 5080 || exit 1
	else
		start "cn$delay" "$BIN/sipmob-device" --sip "$NEAR_IP:5080" \
			--name cn --basic --control "$T/cn.sock"
	fi
	start_far dev "$BIN/sipmob-device" --sip "$FAR_IP:5071" \
		--name speaker --control "$T/dev.sock"
	start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
		--control "$T/mn.sock"
	wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock" || exit 1
	ctl "$T/mn.sock" call "sip:cn@$NEAR_IP:5080" >/dev/null
	wait_stat 10 "$T/mn.sock" .call.state eq established || exit 1
	wait_stat 10 "$T/mn.sock" '.call.streams[0].played_packets' ge 25 ||
		exit 1
	measure "$cn" "$delay" ||
		log "stopped: the call could not be brought back"
	ctl "$T/mn.sock" hangup >/dev/null
	stop mn; stop dev; stop "cn$delay"
	wait_until 5 port_free 5080
	done
done
echo "(latency and disruption in ms; lapse = the CN's packets no device played,"
echo " summed; target = the latency the issue allows: MN-device and device-CN"
echo " round trips (the CN is DELAY away one way, the device beside the MN),"
echo " one 20 ms packet interval and 5 ms)"
