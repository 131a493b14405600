#!/usr/bin/env bash
# Calls over every transport the endpoint offers: UDP and TCP, IPv4 and
# IPv6 ([::1]). Each call must be established and carry audio both ways.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init call_transports

one_call() {   # LABEL MN_LISTEN DEV_LISTEN TARGET_URI
	local label=$1 mnl=$2 devl=$3 uri=$4
	start dev "$BIN/sipmob-device" --sip "$devl" --name speaker \
		--control "$T/dev.sock"
	start mn "$BIN/sipmob-mn" --sip "$mnl" --user alice --verbose \
		--control "$T/mn.sock"
	need "$label: daemons up" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
	ctl "$T/mn.sock" call "$uri" >/dev/null
	check "$label: call established" \
		wait_stat 10 "$T/mn.sock" .call.state eq established
	check "$label: MN receives audio" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_packets' ge 25
	check "$label: device receives audio" \
		wait_stat 10 "$T/dev.sock" '.streams[0].rx_packets' ge 25
	case $label in
	*TCP) check "$label: INVITE went over TCP" \
		grep -q "tx TCP .* | INVITE " "$T/mn.log" ;;
	*UDP) check "$label: INVITE went over UDP" \
		grep -q "tx UDP .* | INVITE " "$T/mn.log" ;;
	esac
	ctl "$T/mn.sock" hangup >/dev/null
	check "$label: BYE ends the session" \
		wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
	stop mn
	stop dev
}

one_call "IPv4 UDP" 127.0.0.1:5060 127.0.0.1:5070 \
	"sip:speaker@127.0.0.1:5070"
one_call "IPv4 TCP" 127.0.0.1:5060 127.0.0.1:5070 \
	"sip:speaker@127.0.0.1:5070;transport=tcp"
one_call "IPv6 UDP" "[::1]:5060" "[::1]:5070" "sip:speaker@[::1]:5070"
one_call "IPv6 TCP" "[::1]:5060" "[::1]:5070" \
	"sip:speaker@[::1]:5070;transport=tcp"

# SIGTERM in a call: the daemon says BYE, closes and exits 0
start dev "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name speaker \
	--control "$T/dev.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up again" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
kill -TERM "$(pid_of mn)"
wait_exit mn
check "sipmob-mn exits 0 on SIGTERM" eq "$?" 0
check "...after a BYE that ended the device's session" \
	wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
check "...and removed its control socket" test ! -e "$T/mn.sock"
kill -TERM "$(pid_of dev)"
wait_exit dev
check "sipmob-device exits 0 on SIGTERM" eq "$?" 0
finish
