# Helpers of the robustness scenarios (tests/integration/robust_*.sh): bad
# input from tests/tools/robust_send.py, counted, and the daemon's memory
# between two equal rounds of it.
#
#   robust MODE ARGS...        # robust_send.py in $NS; prints its JSON
#   rss NAME                   # VmRSS (kB) of the process started as NAME
#   robust_rounds NAME MODE ARGS...
#                              # two rounds of the same input; sets R1 and R2
#                              # (each round's JSON), RSS0/RSS1/RSS2 (kB:
#                              # before, after round one, after round two)
#   mem_bounded NAME           # check: round two grew NAME by < $MEM_BOUND kB
#   robust_tally WHAT JSON     # one log line to quote: sent, answers
#
# The bound (MEM_BOUND) is 12 MB. What a daemon keeps of a round for a
# while, transactions that wait out Timer J/H (32 s) and calls waiting for
# their ACK, is up to 6 MB for a device's 2,000 messages; round two starts
# before round one's has gone, so it may add as much again: the bound is
# twice that. A leak of what a message brings (its buffer, a transaction,
# a call: kilobytes each) would add more than 12 MB in 2,000 messages;
# smaller leaks are LeakSanitizer's (make check-asan). With round one's
# state given time to go (40 s), a device's round two adds under 100 kB.
#
# Under AddressSanitizer (make check-asan sets ASAN_OPTIONS) the bound is
# 64 MB: ASan pads every allocation with red zones and keeps freed memory in
# quarantine before reusing it, 256 MB by default, more than a round frees
# (a device's 680 calls a round free 75 MB); the daemons started after this
# file is sourced get a 16 MB quarantine, so that round two reuses what
# round one freed.

robust() { in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/robust_send.py" "$@"; }

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$(pid_of "$1")/status" 2>/dev/null; }

MEM_BOUND=12288
if [ -n "${ASAN_OPTIONS:-}" ]; then
	MEM_BOUND=65536
	export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
fi

robust_rounds() {
	local name=$1; shift
	RSS0=$(rss "$name")
	R1=$(robust "$@")
	RSS1=$(rss "$name")
	R2=$(robust "$@")
	RSS2=$(rss "$name")
	log "memory of $name: VmRSS $RSS0 kB before, $RSS1 kB after round one," \
		"$RSS2 kB after round two (bound on round two: $MEM_BOUND kB)"
}

mem_bounded() {
	[ -n "$RSS1" ] && [ -n "$RSS2" ] && le "$((RSS2 - RSS1))" "$MEM_BOUND"
}

robust_tally() {
	log "$1: $(jq -c '{sent, tcp, answers, retransmitted, unanswered_valid, after, held, status_while_held}' <<<"$2")"
}

# jq over a round's JSON: rj JSON FILTER
rj() { jq -r "$2" <<<"$1"; }

# robust_sip NAME PORT USER WHAT: two rounds of 2,000 bad SIP datagrams
# and 20 TCP connections at daemon NAME, then: every one sent, some
# answered, NAME still running, an OPTIONS after each round answered 200,
# memory bounded (checks labelled WHAT)
robust_sip() {
	local n=$1 port=$2 user=$3 what=$4
	robust_rounds "$n" sip 127.0.0.1 "$port" 2000 --user "$user"
	robust_tally "$what, SIP round one" "$R1"
	robust_tally "$what, SIP round two" "$R2"
	check "$what: 2 x 2,000 datagrams sent" eq "$(rj "$R1" .sent)/$(rj "$R2" .sent)" 2000/2000
	check "$what: ...and 2 x 20 TCP connections" eq "$(rj "$R1" .tcp)/$(rj "$R2" .tcp)" 20/20
	check "$what: it answered some (4xx)" ge "$(rj "$R2" '.answers["4xx"] // 0')" 1
	check "$what: still running" alive "$n"
	check "$what: an OPTIONS after each round got 200" \
		eq "$(rj "$R1" .after)/$(rj "$R2" .after)" 200/200
	check "$what: its memory is bounded" mem_bounded
}

# robust_ctl NAME SOCK: two rounds of 500 bad control lines at daemon
# NAME's control socket, 200 idle connections held in each, then: every
# valid status answered ok, bad lines refused, status answered while the
# idle ones are held, memory bounded
robust_ctl() {
	robust_rounds "$1" ctl "$2" 500 --hold 200
	robust_tally "control socket, round one" "$R1"
	robust_tally "control socket, round two" "$R2"
	check "control socket: every valid status answered ok" \
		eq "$(rj "$R1" .unanswered_valid)/$(rj "$R2" .unanswered_valid)" 0/0
	check "control socket: bad lines refused with ok=false" \
		ge "$(rj "$R2" '.answers.refused // 0')" 100
	check "control socket: status answered while 200 idle connections are held" \
		eq "$(rj "$R2" .held)/$(rj "$R2" .status_while_held)" 200/ok
	check "control socket: memory bounded" mem_bounded
}
