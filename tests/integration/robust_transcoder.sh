#!/usr/bin/env bash
# sipmob-transcoder under bad input (tests/tools/robust_send.py): twice
# 2,000 SIP datagrams (RFC 4475's valid and invalid messages, malformed SIP
# and SDP, requests for dialogs that do not exist, 64 KB datagrams) and 20
# TCP connections; then 500 bad control socket requests and 200 idle
# connections held. It stays up, answers OPTIONS with 200 and "status",
# and the second round does not grow its memory by more than $MEM_BOUND kB
# (tests/lib/robust.sh says why). Garbage at its RTP ports is
# interop/interop_transcoder_abuse's.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/robust.sh"
scenario_init robust_transcoder
peers_require python3 jq

start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --no-slp \
	--control "$T/tc.sock"
need "transcoder up" wait_until 10 test -S "$T/tc.sock"

robust_sip tc 5090 transcoder "the transcoder"

robust_ctl tc "$T/tc.sock"
check "the transcoder is still running" alive tc
check "...answers OPTIONS with 200" eq "$(robust options 127.0.0.1 5090 --user transcoder)" 200
check "...and status" eval 'jstat "$T/tc.sock" .ok | grep -q true'
finish
