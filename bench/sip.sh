#!/usr/bin/env bash
# Call setup + teardown rate of sipmob-device under sipp load (issue 2).
# sipp sends INVITE (PCMU offer) / ACK / BYE as fast as the device answers,
# at a few target rates, 10 s each (bounded: -m and -timeout). Reports calls
# per second completed, failed calls, and the device's CPU per call (user +
# system time from /proc, divided by the calls it completed).
# the source tree is where this script is, unless said otherwise
export SIPMOB_SRC=${SIPMOB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init bench_sip
command -v sipp >/dev/null || { log "sipp missing"; exit 77; }
SECS=${BENCH_SECS:-10}
HZ=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

printf '%-10s %10s %10s %8s %14s %10s\n' target_cps calls calls/s failed \
	cpu_us/call rss_kB
for rate in 250 500 1000 2000 4000; do
	start dev "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name dev \
		--codecs PCMU --control "$T/dev.sock"
	wait_until 10 test -S "$T/dev.sock" || exit 1
	pid=$(pid_of dev)
	c0=$(cpu_ticks "$pid")
	t0=$(date +%s.%N)
	mkdir -p "$T/sipp-$rate"
	in_ns env -C "$T/sipp-$rate" sipp -sf "$SIPMOB_SRC/bench/sipp/uac_setup_teardown.xml" \
		-s dev -i 127.0.0.1 -p 5090 -mi 127.0.0.1 -mp 6000 \
		-r "$rate" -m $((rate * SECS)) -timeout $((SECS + 10))s \
		-l 2000 -nostdin -trace_stat -stf "$T/sipp-$rate/stat.csv" \
		-fd 1 127.0.0.1:5070 >"$T/sipp-$rate.log" 2>&1
	t1=$(date +%s.%N)
	c1=$(cpu_ticks "$pid")
	rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	stats=$(tail -1 "$T/sipp-$rate/stat.csv")
	# sipp's stat CSV: the counters by column name
	head=$(head -1 "$T/sipp-$rate/stat.csv")
	col() { awk -F';' -v n="$1" 'NR==1 {for (i=1;i<=NF;i++) if ($i==n) c=i}
		NR==2 {print $c}' <(printf '%s\n%s\n' "$head" "$stats"); }
	ok=$(col SuccessfulCall\(C\))
	failed=$(col FailedCall\(C\))
	cps=$(awk -v n="$ok" -v a="$t0" -v b="$t1" \
		'BEGIN {printf "%.0f", (b > a ? n / (b - a) : 0)}')
	cpu=$(awk -v d=$((c1 - c0)) -v n="$ok" -v hz="$HZ" \
		'BEGIN {printf "%.0f", (n > 0 ? d * 1e6 / hz / n : 0)}')
	printf '%-10s %10s %10s %8s %14s %10s\n' "$rate" "$ok" "$cps" \
		"$failed" "$cpu" "$rss"
	stop dev
done
