#!/usr/bin/env bash
# The jitter buffer in front of a sound card. The far end (the MN) is
# across the wire tool's WAN: 40 ms one way with 30 ms of jitter (uniform
# 10..70 ms, never reordered) and 5 % loss each way. The device plays into
# a file through ALSA's `file` plugin. Checks: the jitter buffer measures
# the jitter and sets its target above it; the sound card receives a
# continuous signal (no run of near-silence longer than one 20 ms frame,
# 160 samples, between the first and the last sound); and the concealment
# count matches the loss. Tolerance: concealed - late (a late packet is
# concealed, then dropped) is within 4 + 1 % of the packets received of
# the packets lost (the device's meter: the gaps in the sequence numbers it
# received); the difference comes from the packets still in the buffer
# when the status is read, whose losses are counted but not yet concealed.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init audio_jitter
peers_require python3 jq
wan_init
need "wan up (40 ms, 30 ms jitter, 5 % loss)" wan_up 40 0.05 --jitter-ms 30
CHECK="$SIPMOB_SRC/tests/tools/audio_check.py"

cat >"$T/.asoundrc" <<ASOUNDRC
pcm.tplay { type file; slave.pcm "null"; file "$T/played.raw"; format "raw" }
ASOUNDRC

start dev env HOME="$T" "$BIN/sipmob-device" --sip "$NEAR_IP:5070" \
	--name speaker --codecs PCMU --control "$T/dev.sock" \
	--audio-out alsa:tplay
start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call "sip:speaker@$NEAR_IP:5070" >/dev/null
need "call established across the WAN" \
	wait_stat 15 "$T/mn.sock" .call.state eq established
check "the device receives 1000 packets (20 s)" \
	wait_stat 60 "$T/dev.sock" '.streams[0].rx_packets' ge 1000
s=$(ctl "$T/dev.sock" status --json)
log "device: $(jq -c '.streams[0]' <<<"$s")"
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the device's session" \
	wait_stat 15 "$T/dev.sock" '.sessions | length' eq 0
stop dev

rx=$(jq '.streams[0].rx_packets' <<<"$s")
lost=$(jq '.streams[0].lost' <<<"$s")
late=$(jq '.streams[0].late' <<<"$s")
concealed=$(jq '.streams[0].concealed' <<<"$s")
jitter=$(jq '.streams[0].jb_jitter_ms' <<<"$s")
target=$(jq '.streams[0].jb_target_ms' <<<"$s")
log "rx $rx lost $lost late $late concealed $concealed jitter ${jitter}ms" \
	"target ${target}ms delay $(jq '.streams[0].jb_delay_ms' <<<"$s")ms"
check "the loss is there to conceal (>= 2 % lost)" ge $((lost * 50)) "$rx"
check "the jitter is measured (>= 5 ms)" ge "$jitter" 5
check "the target delay is above the jitter" ge "$target" "$jitter"
check "late packets are few (<= 2 %)" le $((late * 50)) "$rx"
d=$((concealed - late - lost))
d=${d#-}
check "concealed - late matches lost (|$((concealed - late)) - $lost| <= 4 + 1 %)" \
	le $((d * 100)) $((400 + rx))
shrunk=$(jq '.streams[0].jb_shrunk' <<<"$s")
check "every packet received was played, but the late, the $shrunk dropped to cut the delay and <= 5 in the buffer" \
	ge $(($(jq '.streams[0].played_packets' <<<"$s") + late + shrunk)) $((rx - 5))

"$CHECK" wav "$T/played.raw" 8000 "$T/played.wav" >/dev/null
r=$("$CHECK" gaps "$T/played.raw")
log "played: $r"
check "ALSA played >= 20 s" ge "$(jq .samples <<<"$r")" 160000
check "no gap longer than one frame (160 samples)" \
	le "$(jq .longest_quiet <<<"$r")" 160
r=$("$BIN/wav_tone" "$T/played.wav")
log "played through ALSA: $r"
check "the far end's tone is in it (>= 90 % of the packets received)" \
	ge $(($(jq .toned <<<"$r") * 10)) $((rx * 9))
finish
