#!/usr/bin/env bash
# The MN with the user's own microphone and speaker (ALSA `null` in and
# out, the echo canceller on) moves its call's audio to a speakerphone that
# plays through ALSA too, and takes it back. The playout log and the move's
# metrics work on what the cards play (the jitter buffers' output): both
# moves complete with no CN packet unplayed (lapse 0) but those a jitter
# buffer dropped (late beyond one frame, or dropped to cut its delay: each
# counted in its status; on an idle machine there are none) and a
# disruption measured; the speakerphone plays the CN through its jitter buffer while
# it holds the call; the MN's speaker goes quiet meanwhile (its jitter
# buffer stops concealing once the CN's packets have stopped), and plays
# the CN again after the retrieval.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init audio_mnc
peers_require jq

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/spk.sock" --audio-out alsa:null --audio-in alsa:null
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock" --audio-out alsa:null --audio-in alsa:null
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/mn.sock"

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the MN's card plays the CN (jitter buffer frames)" \
	wait_stat 10 "$T/mn.sock" '.call.streams[0].jb_frames' ge 50
check "the MN's echo canceller is on (one card)" \
	eq "$(jstat "$T/mn.sock" '.call.streams[0].aec')" true
check "the MN proves what its card plays" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 50

r=$(ctl "$T/mn.sock" --json move --audio sip:speaker@127.0.0.1:5071)
log "move to the speaker: $(jq -c .last_transfer <<<"$r")"
check "transfer ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
# packets the jitter buffers dropped so far (MN and speaker)
jb_dropped() {
	local a b
	a=$(jstat "$T/mn.sock" '.call.streams[0] | .late_dropped + .jb_shrunk')
	b=$(jstat "$T/spk.sock" '[.streams[0] | .late_dropped + .jb_shrunk] | add // 0')
	echo $((a + b))
}
d=$(jb_dropped)
check "transfer: lapse 0 but what the jitter buffers dropped ($d)" \
	le "$(jq -r .last_transfer.lapse_packets <<<"$r")" "$d"
check "transfer: disruption measured" \
	ge "$(jq -r '.last_transfer.disruption_ms // -1' <<<"$r")" 0
check "the speaker's card plays the CN through its jitter buffer" \
	grows 10 "$T/spk.sock" '.streams[0].jb_frames' 50
check "...and proves it" grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
c=$(jstat "$T/mn.sock" '.call.streams[0].concealed')
check "the MN conceals no more while the speaker holds the call" \
	keeps "$T/mn.sock" '.call.streams[0].concealed' "$c" \
	"$T/spk.sock" '.streams[0].played_packets' 50

d0=$(jb_dropped)   # the speaker's, before it is hung up
r=$(ctl "$T/mn.sock" --json retrieve)
log "retrieve: $(jq -c .last_transfer <<<"$r")"
check "retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
d=$((d0 + $(jb_dropped)))
check "retrieve: lapse 0 but what the jitter buffers dropped ($d)" \
	le "$(jq -r .last_transfer.lapse_packets <<<"$r")" "$d"
check "the MN's card plays the CN again" \
	grows 10 "$T/mn.sock" '.call.streams[0].jb_frames' 50
check "...and the CN hears the MN's microphone again" \
	grows 10 "$T/cn.sock" '.streams[0].rx_packets' 50
check "no underrun, no lost device at the MN" \
	eq "$(jstat "$T/mn.sock" '.call.streams[0] | "\(.underruns) \(.out_failures)"')" "0 0"
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up reaches the CN" wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0
finish
