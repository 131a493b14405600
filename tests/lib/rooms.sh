# Two rooms and a router between them, unicast routed end to end, each
# room's multicast kept on its own link (proof of presence, spec §8.2):
#
#   room ($NS, a0 10.77.1.1) -- r0 router ($NSR) r1 -- (b0 10.77.2.1) next door ($NSB)
#
# Source after scenario_init; then `need "..." wire_rooms`. The router's
# and next door's namespaces go with the scenario.
NSR="$NS-router"
NSB="$NS-next"
rooms_cleanup() {
	local rc=$? n
	[ "$BASHPID" = "$$" ] || exit 0
	for n in "${!PIDS[@]}"; do stop "$n"; done
	ip netns del "$NSR" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	(exit "$rc")
	scenario_cleanup
}
trap rooms_cleanup EXIT
in_r() { ip netns exec "$NSR" "$@"; }
in_b() { ip netns exec "$NSB" "$@"; }

wire_rooms() {
	ip netns add "$NSR" && ip netns add "$NSB" &&
	ip link add a0 netns "$NS" type veth peer r0 netns "$NSR" &&
	ip link add b0 netns "$NSB" type veth peer r1 netns "$NSR" &&
	in_ns ip addr add 10.77.1.1/24 dev a0 && in_ns ip link set a0 up &&
	in_r ip addr add 10.77.1.2/24 dev r0 && in_r ip link set r0 up &&
	in_r ip addr add 10.77.2.2/24 dev r1 && in_r ip link set r1 up &&
	in_r ip link set lo up &&
	in_r sysctl -qw net.ipv4.ip_forward=1 &&
	in_b ip link set lo up &&
	in_b ip addr add 10.77.2.1/24 dev b0 && in_b ip link set b0 up &&
	in_ns ip route add default via 10.77.1.2 &&
	in_b ip route add default via 10.77.2.2 &&
	# each room's multicast goes out on its own link
	in_ns ip route add 224.0.0.0/4 dev a0 &&
	in_b ip route add 224.0.0.0/4 dev b0
}
