#!/usr/bin/env bash
# sipmob-device under bad input (tests/tools/robust_send.py): twice 2,000
# SIP datagrams (RFC 4475's valid and invalid messages, malformed SIP and
# SDP, requests for dialogs that do not exist, 64 KB datagrams) and 20 TCP
# connections each (endless headers, short bodies, random bytes), at a
# mobility-enhanced device and at an ordinary one (--basic); then 500 bad
# control socket requests and 200 idle connections held. Each stays up,
# answers OPTIONS with 200 and "status" on its control socket afterwards,
# and the second round of the same input does not grow its memory by more
# than $MEM_BOUND kB (tests/lib/robust.sh says why).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/robust.sh"
scenario_init robust_device
peers_require python3 jq

start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/spk.sock"
start basic "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name phone --basic \
	--control "$T/basic.sock"
need "devices up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/basic.sock"

for who in spk:5071:speaker basic:5072:phone; do
	IFS=: read -r n port user <<<"$who"
	robust_sip "$n" "$port" "$user" "$n"
	check "$n: OPTIONS now: 200" eq "$(robust options 127.0.0.1 "$port" --user "$user")" 200
	check "$n: its control socket names it" eq "$(jstat "$T/$n.sock" .name)" "$user"
done

# the control socket: bad lines, then idle connections held
robust_ctl spk "$T/spk.sock"
check "the device is still running" alive spk
check "...and answers OPTIONS with 200" eq "$(robust options 127.0.0.1 5071 --user speaker)" 200
finish
