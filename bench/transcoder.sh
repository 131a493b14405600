#!/usr/bin/env bash
# Transcoder media engine benchmark (`make bench`, or `bash
# bench/transcoder.sh` with SIPMOB_BUILD set). Each point is one run of
# tc_load (bench/tc_load.c): a forked engine with ONE worker thread on
# CPU 1 carries N pairs PCMU <-> CODEC, and the generator on CPU 0 sends
# 20 ms packets both ways on every pair for a few seconds (BENCH_TC_SECS,
# default 3, for a latency row; 2 s for a point of the capacity search),
# takes everything back, and reads the added one-way latency and the
# engine's CPU.
#
#   capacity  for PCMU<->PCMA, PCMU<->G.722 and PCMU<->Opus: the most pairs
#             one worker (one core) carries with no loss and a p99 under
#             20 ms: doubling from a start, then bisecting to 1/8; a failed
#             point is tried once more (this machine is shared, a stall of
#             a neighbour is not the engine's); the CPU per pair at that
#             point, and the pairs per core that CPU figure gives;
#   latency   at 1 and 500 pairs, without and with 5 % loss + 0-20 ms
#             jitter injected by the generator, and at 1 pair with the
#             engine's PM QoS request (tc_engine_pm_qos, root only).
#
# Bounded: every run at most BENCH_TC_SECS (<= 10) s plus set-up, under a
# 60 s timeout; the capacity search stops when the script has run
# BENCH_TC_BUDGET (default 80) s. A latency row that does not hold is tried
# once more, as a capacity point is, unless the search found it beyond
# capacity, or once the script has run BENCH_TC_BUDGET + 70 s. About 2.5
# minutes in all, at most about 3. Loopback only; tc_load stops its child
# by PID. Exits 0 when it could measure (the numbers are the result).
set -euo pipefail
B=${SIPMOB_BUILD:?SIPMOB_BUILD must name the build folder}
ROW_SECS=${BENCH_TC_SECS:-3}
SEARCH_SECS=$(( ROW_SECS < 2 ? ROW_SECS : 2 ))
SECS=$SEARCH_SECS
BUDGET=${BENCH_TC_BUDGET:-80}
RETRY_UNTIL=$(( BUDGET + 70 ))
MAX=4096
L="$B/tc_load"
[ -x "$L" ] || { echo "transcoder: $L is not built" >&2; exit 1; }

field() { sed -n "s/.*\(^\| \)$1=\([^ ]*\).*/\2/p"; }
# AF_PACKET sockets open (a capture on lo copies every packet we send)
captures() {
	if [ -r /proc/net/packet ]; then
		echo $(( $(wc -l < /proc/net/packet) - 1 ))
	else
		echo 0
	fi
}

LINE=""
CAPTURED=0
# point CODEC PAIRS [tc_load options]: sets LINE; false if it did not run
point() {
	local c=$1 n=$2 before
	shift 2
	before=$(captures)
	LINE=$(timeout 60 "$L" --pairs "$n" --codec "$c" --secs "$SECS" "$@" \
		2>/dev/null) || { LINE=""; return 1; }
	[ "$before" -gt 0 ] || [ "$(captures)" -gt 0 ] && CAPTURED=1
	return 0
}

# The generator, not the engine, was the limit: it sent over 5 % of its
# packets more than 2 ms late while the engine had CPU to spare
gen_bound() {
	[ "$(echo "$LINE" | field gen_ok)" = 0 ] &&
		awk -v c="$(echo "$LINE" | field cpu_pct)" 'BEGIN { exit !(c < 90) }'
}

sustained() {   # CODEC PAIRS [options]: true if the point holds (tried twice)
	local c=$1 n=$2 try
	shift 2
	for try in 1 2; do
		# past RETRY_UNTIL s one try is all: the script stays bounded
		[ "$try" = 2 ] && [ $SECONDS -ge "$RETRY_UNTIL" ] && break
		point "$c" "$n" "$@" || continue
		[ "$(echo "$LINE" | field ok)" = 1 ] && return 0
		gen_bound && return 1     # no second try will do better
	done
	return 1
}

declare -A CAP CPU_PP GEN_BOUND TRIED
search() {      # CODEC START
	local c=$1 n=$2 lo=0 hi=0 mid best="" tried=""
	while [ $SECONDS -lt "$BUDGET" ]; do
		tried="$tried $n"
		if sustained "$c" "$n"; then
			lo=$n
			best=$LINE
			[ "$n" -ge $MAX ] && break
			n=$(( n * 2 > MAX ? MAX : n * 2 ))
		else
			hi=$n
			gen_bound && GEN_BOUND[$c]=1
			break
		fi
	done
	while [ "$hi" -gt 0 ] && [ $(( hi - lo )) -gt $(( lo / 8 > 1 ? lo / 8 : 1 )) ] &&
	      [ $SECONDS -lt "$BUDGET" ]; do
		mid=$(( (lo + hi) / 2 ))
		tried="$tried $mid"
		if sustained "$c" "$mid"; then
			lo=$mid
			best=$LINE
		else
			hi=$mid
		fi
	done
	CAP[$c]=$lo
	TRIED[$c]=$tried
	CPU_PP[$c]=$(echo "$best" | field cpu_pct_per_pair)
}

name() {
	case $1 in pcma) echo "PCMU<->PCMA";; g722) echo "PCMU<->G.722";;
		opus) echo "PCMU<->Opus";; esac
}

search pcma 512
search g722 256
search opus 32

echo "Capacity: one worker thread (one core), both directions of every pair"
echo "(a pair is two 20 ms streams, one each way), no loss, p99 < 20 ms."
echo
printf '| pair | most pairs per core, no loss | CPU %% of a core per pair | pairs per core by CPU | points tried |\n'
printf '|---|---:|---:|---:|---|\n'
for c in pcma g722 opus; do
	cap=${CAP[$c]}
	per=${CPU_PP[$c]:-}
	bycpu=-
	[ -n "$per" ] && [ "$per" != "-1.0000" ] &&
		bycpu=$(awk -v p="$per" 'BEGIN { if (p > 0) printf "%d", 100 / p; else print "-" }')
	[ "${GEN_BOUND[$c]:-0}" = 1 ] && cap=">= $cap (generator-bound)"
	printf '| %s | %s | %s | %s |%s |\n' "$(name $c)" "$cap" "${per:--}" \
		"$bycpu" "${TRIED[$c]}"
done

echo
echo "Added one-way latency (generator's send to the kernel's receive time of"
echo "the converted packet), and the engine's own figure (kernel receive to"
echo "after sendto; mean of the pairs' p50, worst pair's p99)."
echo
printf '| pair | pairs | injected | sent | lost | added p50 / p99 µs | p99 1st / 2nd half µs | engine p50 / p99 µs | CPU %% | sustained |\n'
printf '|---|---:|---|---:|---:|---:|---:|---:|---:|---|\n'
row() {         # CODEC PAIRS LABEL [tc_load options]
	local c=$1 n=$2 label=$3 held=no
	shift 3
	if [ "$n" -le "${CAP[$c]}" ]; then
		sustained "$c" "$n" "$@" && held=yes
	else
		point "$c" "$n" "$@" || LINE=""
		[ -n "$LINE" ] && [ "$(echo "$LINE" | field ok)" = 1 ] && held=yes
	fi
	if [ -z "$LINE" ]; then
		printf '| %s | %s | %s | - | - | - | - | - | - | did not run |\n' \
			"$(name "$c")" "$n" "$label"
		return
	fi
	printf '| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s | %s |\n' \
		"$(name "$c")" "$n" "$label" \
		"$(echo "$LINE" | field sent)" "$(echo "$LINE" | field lost)" \
		"$(echo "$LINE" | field lat_p50_us)" \
		"$(echo "$LINE" | field lat_p99_us)" \
		"$(echo "$LINE" | field lat_p99_first_us)" \
		"$(echo "$LINE" | field lat_p99_second_us)" \
		"$(echo "$LINE" | field eng_p50_us)" \
		"$(echo "$LINE" | field eng_p99_us)" \
		"$(echo "$LINE" | field cpu_pct)" "$held"
}
SECS=$ROW_SECS
for c in pcma g722 opus; do
	row $c 1 none
	row $c 1 "PM QoS 0 µs" --pm-qos
	row $c 1 "5 % loss, 20 ms jitter" --loss 5 --jitter 20
	row $c 500 none
	row $c 500 "5 % loss, 20 ms jitter" --loss 5 --jitter 20
done

echo
echo "($SEARCH_SECS s per capacity point, $ROW_SECS s per latency row; ${SECONDS} s in all.)"
[ $CAPTURED = 1 ] &&
	echo "Note: a packet capture (AF_PACKET socket) was open during some points; it copies every loopback packet and slows both sides."
exit 0
