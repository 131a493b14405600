# A WAN between the scenario's namespace and a far one, for scenarios that
# put the correspondent node "across a continent". Source after scenario.sh:
#
#   . "$SIPMOB_SRC/tests/lib/scenario.sh"
#   . "$SIPMOB_SRC/tests/lib/wan.sh"
#   scenario_init NAME
#   wan_init                    # second namespace $NS_FAR (lo up)
#   need "wan up" wan_up 100    # wire $NS <-> $NS_FAR, 100 ms each way;
#                               # exports NEAR_IP (in $NS) and FAR_IP
#   start_far cn CMD...         # like `start`, but CMD runs in $NS_FAR
#   in_far CMD...               # run CMD in $NS_FAR and wait for it
#   wan_counters                # the wire's counters now (two lines)
#   wan_down                    # stop the wire (wan_up restarts it)
#
#   wan_up DELAY_MS [LOSS [WIRE_ARGS...]]  e.g. wan_up 100 0.01 --jitter-ms 5
#
# Addresses: WAN_NEAR_CIDR (default 10.99.0.1/24) on the wire's device in $NS,
# WAN_FAR_CIDR (default 10.99.0.2/24) in $NS_FAR; set them before wan_up to
# use others (IPv6 works too: WAN_NEAR_CIDR=fd99::1/64). Both live only
# inside the namespaces this scenario made. Processes in $NS that the far
# side must reach have to listen on (or advertise) $NEAR_IP, not 127.0.0.1.
#
# Cleanup: wan_init replaces the EXIT trap with wan_cleanup, which stops every
# process (near and far, by PID), deletes $NS_FAR, then runs scenario.sh's
# scenario_cleanup with the original exit status (it deletes $NS and keeps
# the logs on failure).

wan_init() {
	: "${NS:?wan_init needs scenario_init first}"
	NS_FAR="$NS-far"
	ip netns add "$NS_FAR" || { log "cannot create netns $NS_FAR"; exit 1; }
	trap wan_cleanup EXIT
	ip netns exec "$NS_FAR" ip link set lo up
	log "far namespace $NS_FAR"
}

_wan_status() { return "$1"; }

# A process started with `start`/`start_far` and killed before it has exec'd
# its command is still a copy of this shell, with this EXIT trap: it would
# run the cleanup too (deleting the namespaces, and $T with status 0). Only
# the main shell cleans up.
wan_cleanup() {
	local rc=$? n
	[ "$BASHPID" = "$$" ] || exit 0
	for n in "${!PIDS[@]}"; do stop "$n"; done
	if [ -n "${NS_FAR:-}" ]; then
		ip netns del "$NS_FAR" 2>/dev/null
	fi
	_wan_status "$rc"
	scenario_cleanup
}

in_far() { ip netns exec "$NS_FAR" "$@"; }

start_far() {
	local name=$1; shift
	ip netns exec "$NS_FAR" "$@" >"$T/$name.log" 2>&1 &
	PIDS[$name]=$!
	log "started $name in far (pid ${PIDS[$name]}): $*"
}

wan_up() {
	local delay=$1 loss=${2:-0}
	shift $(($# < 2 ? $# : 2))
	local near=${WAN_NEAR_CIDR:-10.99.0.1/24} far=${WAN_FAR_CIDR:-10.99.0.2/24}
	: "${NS_FAR:?wan_up needs wan_init first}"
	stop wire
	start wire "$BIN/wire" --ns-a "$NS" --ns-b "$NS_FAR" \
		--addr-a "$near" --addr-b "$far" \
		--delay-ms "$delay" --loss "$loss" --name wan0 "$@"
	wait_log wire '^wire: ready ' 10 || return 1
	NEAR_IP=${near%/*}
	FAR_IP=${far%/*}
	export NEAR_IP FAR_IP
}

wan_down() { stop wire; }

# Prints the wire's current counters: one line per direction,
#   wire: counters a->b frames_in=N frames_out=N lost=N queue_drops=N ...
# (a = $NS, b = $NS_FAR).
wan_counters() {
	local p=${PIDS[wire]:-} before
	[ -n "$p" ] || return 1
	before=$(grep -c '^wire: counters ' "$T/wire.log")
	kill -USR1 "$p" || return 1
	wait_until 5 _wan_more_counters "$before" || return 1
	grep '^wire: counters ' "$T/wire.log" | tail -2
}

_wan_more_counters() {
	[ "$(grep -c '^wire: counters ' "$T/wire.log")" -ge $(($1 + 2)) ]
}

# One counter of one direction from wan_counters output:
#   wan_counter "$(wan_counters)" 'a->b' lost
wan_counter() {
	grep -F " $2 " <<<"$1" | grep -o " $3=[0-9]*" | cut -d= -f2
}
