# Shared harness for tests/integration and tests/interop scenarios.
#
#   . "$SIPMOB_SRC/tests/lib/scenario.sh"
#   scenario_init NAME          # temp dir $T, network namespace $NS (lo up)
#   start NAME CMD...           # run CMD inside $NS, log to $T/NAME.log
#   wait_log NAME REGEX [SECS]  # wait until NAME's log has a matching line
#   wait_until SECS CMD...      # retry CMD (every 50 ms) until it succeeds
#   stop NAME                   # SIGTERM by PID, SIGKILL after 5 s
#   ctl SOCK ARGS...            # the sipmob command against a control socket
#   jstat SOCK FILTER           # jq FILTER over the daemon's status --json
#   wait_stat SECS SOCK FILTER TEST VALUE
#                               # wait until `TEST "$(jstat SOCK FILTER)" VALUE`
#                               # holds (TEST: eq, ge, le), re-read each time
#   grows SECS SOCK FILTER N    # FILTER (a count) rises by N from now
#   keeps SOCK FILTER VALUE CSOCK CFILTER N [SECS]
#                               # FILTER reads VALUE at every look until the
#                               # count CFILTER at CSOCK has risen by N
#   check DESCRIPTION CMD...    # one assertion: CMD must succeed
#   finish                      # prints "N passed, M failed", exit status
#
# Every test runs in a namespace of its own, so ports never clash between tests
# running in parallel and no packet leaves the machine. Every process is
# started through `start` and stopped by its PID on exit, whatever happens.
# Needs root (ip netns); without it the scenario is skipped (exit 77).

set -uo pipefail

: "${SIPMOB_BUILD:?SIPMOB_BUILD must name the build folder}"
: "${SIPMOB_SRC:?SIPMOB_SRC must name the source folder}"
BIN=$(cd "$SIPMOB_BUILD" && pwd)   # a relative path works from anywhere
PASSED=0
FAILED=0
declare -A PIDS=()

log() { printf '%s: %s\n' "${SCENARIO:-scenario}" "$*"; }

scenario_init() {
	SCENARIO=$1
	if [ "$(id -u)" -ne 0 ]; then
		log "skipped: needs root for network namespaces"
		exit 77
	fi
	T=$(mktemp -d "/tmp/sipmob-$SCENARIO.XXXXXX")
	NS="sipmob-$SCENARIO-$$"
	ip netns add "$NS" || { log "cannot create netns"; exit 1; }
	ip netns exec "$NS" ip link set lo up
	trap scenario_cleanup EXIT
	trap 'exit 130' INT TERM
	log "work dir $T, namespace $NS"
}

in_ns() { ip netns exec "$NS" "$@"; }
# SLP's multicast (239.255.255.253) inside the namespace: loopback only
ns_multicast() {
	in_ns ip link set lo multicast on
	in_ns ip route add 224.0.0.0/4 dev lo src 127.0.0.1
}

start() {
	local name=$1; shift
	ip netns exec "$NS" "$@" >"$T/$name.log" 2>&1 &
	PIDS[$name]=$!
	log "started $name (pid ${PIDS[$name]}): $*"
}

# Like start, but stdin comes from a fifo $T/NAME.in held open by us.
start_fed() {
	local name=$1; shift
	mkfifo "$T/$name.in"
	ip netns exec "$NS" "$@" <"$T/$name.in" >"$T/$name.log" 2>&1 &
	PIDS[$name]=$!
	exec {fd}>"$T/$name.in"
	eval "FEED_$name=$fd"
	log "started $name (pid ${PIDS[$name]}): $*"
}

feed() { local name=$1; shift; local v="FEED_$name"; printf '%s\n' "$*" >&"${!v}"; }

pid_of() { echo "${PIDS[$1]:-}"; }

alive() { local p=${PIDS[$1]:-}; [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

stop() {
	local name=$1 p=${PIDS[$1]:-} i
	[ -n "$p" ] || return 0
	if kill -0 "$p" 2>/dev/null; then
		kill -TERM "$p" 2>/dev/null
		for i in $(seq 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	fi
	wait "$p" 2>/dev/null
	unset "PIDS[$name]"
}

# Exit status of a stopped process (after `stop`, use `wait_exit` first).
wait_exit() {
	local p=${PIDS[$1]:-}
	[ -n "$p" ] || return 0
	wait "$p"
	local rc=$?
	unset "PIDS[$1]"
	return $rc
}

scenario_cleanup() {
	local rc=$?
	# A child of `start` killed before it ran its command is still a copy
	# of this shell with this trap: it must not clean up for us.
	[ "$BASHPID" = "$$" ] || exit 0
	local n
	for n in "${!PIDS[@]}"; do stop "$n"; done
	ip netns del "$NS" 2>/dev/null
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		log "FAILED (exit $rc); logs in $T:"
		local f
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $(basename "$f") (last 30 lines)"
			tail -30 "$f"
		done
	elif [ -z "${KEEP:-}" ]; then
		rm -rf "$T"
	fi
	exit $rc
}

wait_until() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
	return 0
}

wait_log() {
	local name=$1 re=$2 secs=${3:-10}
	if ! wait_until "$secs" grep -Eq -- "$re" "$T/$name.log"; then
		log "timeout (${secs}s) waiting for /$re/ in $name.log"
		return 1
	fi
}

ctl() { local sock=$1; shift; in_ns "$BIN/sipmob" -C "$sock" "$@"; }

# jq over a daemon's status: jstat SOCK FILTER
jstat() { ctl "$1" status --json | jq -r "$2"; }

_stat_holds() { local v; v=$(jstat "$1" "$2") && "$3" "$v" "$4"; }

wait_stat() {
	local secs=$1 sock=$2 filter=$3 op=$4 want=$5
	wait_until "$secs" _stat_holds "$sock" "$filter" "$op" "$want"
}

# grows SECS SOCK FILTER N: the count FILTER rises by N from its value now
# (a stream that plays, not one that once played).
grows() {
	local v
	v=$(jstat "$2" "$3") || return 1
	ge "$v" 0 || return 1
	wait_stat "$1" "$2" "$3" ge $((v + $4))
}

# keeps SOCK FILTER VALUE CSOCK CFILTER N [SECS]: FILTER reads VALUE at every
# look (every 50 ms) until the count CFILTER at CSOCK has risen by N (within
# SECS, default 10). An absence (a sender that stopped, a stream nobody else
# sends into) can only be shown over a window; counting media that really
# flow as the window's clock keeps it from passing on a frozen call.
keeps() {
	local sock=$1 filter=$2 want=$3 csock=$4 cfilter=$5 n=$6 secs=${7:-10}
	local c0 c v end=$((SECONDS + secs))
	if [ -z "$want" ] || [ "$want" = null ]; then
		log "keeps: no value to compare $filter with"
		return 1
	fi
	c0=$(jstat "$csock" "$cfilter") && ge "$c0" 0 || return 1
	while :; do
		v=$(jstat "$sock" "$filter")
		if [ "$v" != "$want" ]; then
			log "$filter at $(basename "$sock") is ${v:-(none)}, not $want"
			return 1
		fi
		c=$(jstat "$csock" "$cfilter")
		ge "$c" $((c0 + n)) && return 0
		if [ $SECONDS -ge $end ]; then
			log "$cfilter at $(basename "$csock") rose $c0 -> $c, not by $n, in ${secs}s"
			return 1
		fi
		sleep 0.05
	done
}

check() {
	local what=$1; shift
	if "$@"; then
		PASSED=$((PASSED + 1)); log "ok: $what"
	else
		FAILED=$((FAILED + 1)); log "FAIL: $what"
	fi
}

# Fails the scenario at once (for a step everything after depends on).
need() {
	local what=$1; shift
	if "$@"; then
		PASSED=$((PASSED + 1)); log "ok: $what"
	else
		FAILED=$((FAILED + 1)); log "FAIL: $what (cannot go on)"
		finish
	fi
}

ge() { [ "${1:-0}" -ge "$2" ] 2>/dev/null; }
le() { [ "${1:-0}" -le "$2" ] 2>/dev/null; }
eq() { [ "${1:-}" = "$2" ]; }

# hesc STRING: escaped as a URI header value (RFC 3261 §19.1.1): all but
# alphanumerics and -_.!~*'():/+ as %HH, so it nests at any depth.
hesc() {
	local s=$1 out= c h i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [[ $c == [[:alnum:]] || "-_.!~*'():/+" == *"$c"* ]]; then
			out+=$c
		else
			printf -v h '%%%02X' "'$c"
			out+=$h
		fi
	done
	printf '%s' "$out"
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ] && exit 0 || exit 1
}

# Free UDP/TCP port numbers are no concern inside a fresh namespace: tests use
# fixed ports, and these name the usual ones.
SIP_PORT=5060
