#!/usr/bin/env bash
# interop/bridge_rollback: a retrieval that the far end refuses undoes its
# bridges. sipp plays the CN (its RTP echo sends each packet back where it
# came from) and takes the move's re-INVITE, then answers the retrieval's
# with 488. Before that re-INVITE the MN has asked the speakerphone to
# bridge the audio back (INFO); on the 488 it tells it to stop, so the
# speaker plays and sends its own audio again, the MN plays nothing, and
# the call goes on at the speaker.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init interop_bridge_rollback
peers_require sipp jq

SP=sip:speaker@127.0.0.1:5071
start sp "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/sp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--codecs PCMU --control "$T/mn.sock"
need "sipmob daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/sp.sock"
need "sipp CN starts" sipp_uas cn 5080 uas_reinvite_ok_488
ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN plays sipp's echo" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25

r=$(ctl "$T/mn.sock" -t 30 --json move --audio "$SP")
log "move: $(jq -c .last_transfer <<<"$r")"
check "move: ok and bridged" eq \
	"$(jq -r '.last_transfer | "\(.ok) \(.bridged)"' <<<"$r")" "true true"
check "the speaker plays (sipp echoes its audio)" \
	grows 10 "$T/sp.sock" '.streams[0].played_packets' 25

r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
log "retrieve: $(jq -c .last_transfer <<<"$r")"
check "retrieve fails" eq "$(jq -r .last_transfer.ok <<<"$r")" false
check "...naming the 488" grep -q 488 <<<"$(jq -r .last_transfer.error <<<"$r")"
check "the speaker was asked to bridge back, then to stop" \
	wait_until 5 grep -q 'bridges back to .* ended' "$T/sp.log"
check "the audio is still at the speaker" \
	eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SP"
check "the speaker plays again" grows 10 "$T/sp.sock" '.streams[0].played_packets' 50
check "...and sends again" grows 10 "$T/sp.sock" '.streams[0].tx_packets' 50
check "the MN plays nothing meanwhile" keeps "$T/mn.sock" \
	'.call.media[0].played_packets' \
	"$(jstat "$T/mn.sock" '.call.media[0].played_packets')" \
	"$T/sp.sock" '.streams[0].played_packets' 25
r=$(ctl "$T/mn.sock" -t 30 --json retrieve)
check "a second retrieval works" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the MN plays sipp's echo again" \
	grows 10 "$T/mn.sock" '.call.media[0].played_packets' 25
ctl "$T/mn.sock" hangup >/dev/null
check "sipp's CN scenario succeeded (exit 0)" sipp_wait cn 10
finish
