#!/usr/bin/env bash
# sipmob-transcoder invoked by a controller we did not write (sipp), the
# way RFC 4117 §3.2 draws it: an INVITE with both parties' media (PCMU on
# line A, G.722 on line B). The 2xx answers each line with its own port
# and that party's codec (checked by the scenario); no media ever flows,
# so after --media-timeout the transcoder ends the abandoned session with
# a BYE, and its status shows no session left.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require sipp jq
scenario_init interop_transcoder_sipp

start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --no-slp \
	--media-timeout 2 --control "$T/tc.sock"
need "transcoder up" wait_until 10 test -S "$T/tc.sock"
sipp_uac uac 5062 127.0.0.1:5090 uac_transcoder_4117 -set a_port 9 -set b_port 9
check "the session is up with one pair" \
	wait_stat 5 "$T/tc.sock" '.streams | length' eq 1
log "transcoder: $(ctl "$T/tc.sock" --json status | jq -c .streams[0])"
check "its legs are PCMU and G722" \
	eq "$(jstat "$T/tc.sock" '.streams[0] | "\(.a.codec)/\(.b.codec)"')" PCMU/G722
check "sipp: both lines answered, the abandoned session ended by BYE" \
	sipp_wait uac 30
check "the transcoder says why" wait_log tc "no media for the media timeout" 5
check "no session is left" wait_stat 5 "$T/tc.sock" .sessions eq 0
finish
