#!/usr/bin/env bash
# SLP directory agent benchmark (`make bench`, or `bash bench/slp.sh` with
# SIPMOB_BUILD set): sipmob-da on loopback (a random high port, no
# multicast), filled with 10 / 1,000 / 10,000 / 100,000 registrations of
# service:sip-device spread over N/10 rooms; then SrvRqst "(room=<random>)"
# (about 10 URLs per reply) with 1, 4 and 32 requests in flight, 20,000 more
# SrvRegs on top of N, and the worst reply/request byte ratio an
# unauthorised sender (outside --allow-register) can get. Bounded: at most
# 20 s per measurement.
set -euo pipefail
B=${SIPMOB_BUILD:?SIPMOB_BUILD must name the build folder}
port=$((20000 + RANDOM % 20000))
da_pid=
cleanup() { [ -n "$da_pid" ] && kill "$da_pid" 2>/dev/null && wait "$da_pid" 2>/dev/null; true; }
trap cleanup EXIT
field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }

printf '| registrations | SrvRqst/s, 1 in flight | p50 / p99 µs | SrvRqst/s, 4 in flight | p50 / p99 µs | SrvRqst/s, 32 in flight | p50 / p99 µs | SrvReg/s, 32 in flight |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in 10 1000 10000 100000; do
	rooms=$(( n / 10 > 0 ? n / 10 : 1 ))
	"$B/sipmob-da" --port $port --no-multicast --allow-register 127.0.0.1/32 \
		--max-per-source 1000000 2>/dev/null &
	da_pid=$!
	for i in $(seq 50); do
		"$B/slp_load" --da 127.0.0.1:$port --probe >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$B/slp_load" --da 127.0.0.1:$port --register $n --rooms $rooms --inflight 32 --max-seconds 20 >/dev/null
	q1=$("$B/slp_load" --da 127.0.0.1:$port --query 20000 --rooms $rooms --inflight 1 --max-seconds 20)
	q4=$("$B/slp_load" --da 127.0.0.1:$port --query 100000 --rooms $rooms --inflight 4 --max-seconds 20)
	q32=$("$B/slp_load" --da 127.0.0.1:$port --query 100000 --rooms $rooms --inflight 32 --max-seconds 20)
	r=$("$B/slp_load" --da 127.0.0.1:$port --register 20000 --first $n --rooms $rooms --inflight 32 --max-seconds 20)
	printf '| %s | %s | %s / %s | %s | %s / %s | %s | %s / %s | %s |\n' "$n" \
		"$(echo "$q1" | field rate)" "$(echo "$q1" | field p50_us)" "$(echo "$q1" | field p99_us)" \
		"$(echo "$q4" | field rate)" "$(echo "$q4" | field p50_us)" "$(echo "$q4" | field p99_us)" \
		"$(echo "$q32" | field rate)" "$(echo "$q32" | field p50_us)" "$(echo "$q32" | field p99_us)" \
		"$(echo "$r" | field rate)"
	if [ $n = 100000 ]; then
		allowed=$("$B/slp_load" --da 127.0.0.1:$port --probe)
		outside=$("$B/slp_load" --da 127.0.0.1:$port --probe --bind 127.0.0.2)
	fi
	kill $da_pid; wait $da_pid 2>/dev/null || true; da_pid=
done
echo
echo "worst reply/request ratio, unauthorised sender (127.0.0.2): $(echo "$outside" | field worst_ratio)" \
	"(largest UDP reply $(echo "$outside" | field max_udp_payload) bytes)"
echo "worst reply/request ratio, allowed sender (127.0.0.1):      $(echo "$allowed" | field worst_ratio)" \
	"(largest UDP reply $(echo "$allowed" | field max_udp_payload) bytes of SLP, MTU 1400)"
