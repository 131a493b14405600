#!/usr/bin/env bash
# Mobile Node Control with audio and real H.263+ video (spec §5.2.2,
# Figure 3; RFC 5631 §5.3.2). The MN and the CN (an ordinary videophone:
# sipmob-device --basic) talk audio and video; then:
#  - split: audio to a speakerphone, video to a wall display, at once;
#  - partial retrieval of the audio; then of everything;
#  - split one medium by direction: the CN's video to the display, the
#    camera's video to the CN. The camera's line takes the old video line's
#    place and the display's is appended.
# Every video move is checked by frames decoded at the new place, and by
# whose picture it is: the test pattern carries its sender's seed (the low
# byte of the sender's SSRC). The pattern also carries its frame number, so
# the MN measures video like audio: no frame of the CN's decoded nowhere.
# After every move, split and retrieval both ends of each moved stream are
# checked: the new place plays the CN's stream (receive SSRC, a growing
# played or decoded count) and the CN plays the new place's; the place left
# behind sends no more (the MN's tx count stands still, a device is hung up,
# and the CN hears no other SSRC meanwhile).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init mnc_split

SPK=sip:speaker@127.0.0.1:5071
DSP=sip:display@127.0.0.1:5072
CAM=sip:camera@127.0.0.1:5073

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --control "$T/cn.sock"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--control "$T/spk.sock"
start dsp "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name display \
	--media video --video display --control "$T/dsp.sock"
start cam "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name camera \
	--media video --video camera --video-size cif --control "$T/cam.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/spk.sock" \
	-a -S "$T/dsp.sock" -a -S "$T/cam.sock" -a -S "$T/mn.sock"

seed_of() { echo $(( $1 & 255 )); }

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the CN decodes the MN's video" \
	wait_stat 10 "$T/cn.sock" '.streams[1].frames_decoded' ge 10
need "the CN plays the MN's audio" \
	wait_stat 10 "$T/cn.sock" '.streams[0].played_packets' ge 25
cn_assrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
cn_vssrc=$(jstat "$T/cn.sock" '.streams[1].tx_ssrc')
mn_assrc=$(jstat "$T/mn.sock" '.call.media[0].tx_ssrc')
mn_vssrc=$(jstat "$T/mn.sock" '.call.media[1].tx_ssrc')
log "the CN sends SSRCs $cn_assrc (audio) $cn_vssrc (video); the MN $mn_assrc $mn_vssrc"
need "the CN receives the audio SSRC the MN's status gives" \
	wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$mn_assrc"
need "the CN receives the video SSRC the MN's status gives" \
	wait_stat 10 "$T/cn.sock" '.streams[1].rx_ssrc' eq "$mn_vssrc"

# An SSRC filter and a count filter per stream kind: audio plays packets,
# video decodes frames. 50 packets and 15 frames are a second each.
#   at DEV STREAM: the CN's stream reaches DEV's .streams[STREAM] and plays
dev_gets_cn() {   # LABEL SOCK STREAM audio|video
	local want=$cn_assrc count=played_packets n=50
	[ "$4" = video ] && want=$cn_vssrc count=frames_decoded n=15
	check "$1 gets the CN's $4 (rx_ssrc)" \
		wait_stat 10 "$2" ".streams[$3].rx_ssrc" eq "$want"
	check "...and plays it ($n more $count)" \
		grows 10 "$2" ".streams[$3].$count" $n
}
cn_gets() {       # LABEL SSRC audio|video: the CN plays only SSRC's stream
	local i=0 count=played_packets n=50
	[ "$3" = video ] && i=1 count=frames_decoded n=15
	check "the CN gets $1's $3 (rx_ssrc)" \
		wait_stat 10 "$T/cn.sock" ".streams[$i].rx_ssrc" eq "$2"
	check "...only $1's, while it plays $n more $count" \
		keeps "$T/cn.sock" ".streams[$i].rx_ssrc" "$2" \
		"$T/cn.sock" ".streams[$i].$count" $n
}
# LINE audio|video: the MN plays the CN's stream of that kind again: its
# latest receive SSRC on LINE is the CN's and stays it while its played (or
# decoded) count rises (the SSRC alone may be left over from before a move)
mn_gets_cn() {
	local want=$cn_assrc n=50 what=plays
	[ "$2" = video ] && want=$cn_vssrc n=15 what=decodes
	check "the MN gets the CN's $2 (rx_ssrc)" \
		wait_stat 10 "$T/mn.sock" ".call.media[$1].rx_ssrc" eq "$want"
	check "...only the CN's, while it $what $n more" \
		keeps "$T/mn.sock" ".call.media[$1].rx_ssrc" "$want" \
		"$T/mn.sock" ".call.media[$1].played_packets" $n
}
# LINE KIND CLOCK N: the MN's tx count of LINE stands still while the CN's
# count CLOCK (a moved stream's) rises by N
mn_silent() {
	check "the MN sends no more $2 (tx_packets still for a second)" \
		keeps "$T/mn.sock" ".call.media[$1].tx_packets" \
		"$(jstat "$T/mn.sock" ".call.media[$1].tx_packets")" \
		"$T/cn.sock" "$3" "$4"
}
hung_up() {       # LABEL SOCK: no session and no stream left
	check "$1 was hung up (no session, no stream)" \
		wait_stat 10 "$2" '(.sessions | length) + (.streams | length)' eq 0
}

# split across two devices (Figure 3); the command answers after the MN's
# safety interval
r=$(ctl "$T/mn.sock" --json move --audio "$SPK" --video "$DSP")
log "split: $(jq -c .last_transfer <<<"$r")"
check "split ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "split: audio lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "split: video lapse 0 frames" eq "$(jq -r .last_transfer.video.lapse_frames <<<"$r")" 0
check "split: the display's first frame was timed" \
	ge "$(jq -r '.last_transfer.video.latency_ms // -1' <<<"$r")" 0
check "split: frames counted in the window" \
	ge "$(jq -r '.last_transfer.video.frames // 0' <<<"$r")" 1
check "audio is at the speaker" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" "$SPK"
check "video is at the display" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" "$DSP"
dev_gets_cn "the speaker" "$T/spk.sock" 0 audio
spk_ssrc=$(jstat "$T/spk.sock" '.streams[0].tx_ssrc')
cn_gets "the speaker" "$spk_ssrc" audio
mn_silent 0 audio '.streams[0].played_packets' 50
dev_gets_cn "the display" "$T/dsp.sock" 0 video
check "...the CN's picture" \
	eq "$(jstat "$T/dsp.sock" '.streams[0].pattern_seed')" "$(seed_of "$cn_vssrc")"
check "...at QCIF" eq "$(jstat "$T/dsp.sock" '.streams[0].width')" 176
# a display only renders: nobody sends the CN video now
mn_silent 1 video '.streams[0].played_packets' 50
check "the CN decodes no video while the display has it" \
	keeps "$T/cn.sock" '.streams[1].frames_decoded' \
	"$(jstat "$T/cn.sock" '.streams[1].frames_decoded')" \
	"$T/cn.sock" '.streams[0].played_packets' 50

# partial retrieval: audio only
played=$(jstat "$T/mn.sock" '.call.media[0].played_packets')
r=$(ctl "$T/mn.sock" --json retrieve --media audio)
check "audio retrieval ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "audio retrieval: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "audio retrieval: no video metrics (video did not move)" \
	eq "$(jq -r 'has("video")' <<<"$(jq .last_transfer <<<"$r")")" false
check "audio is back at self" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
check "video stays at the display" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" "$DSP"
check "the MN plays the CN's audio again" \
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge $((played + 50))
mn_gets_cn 0 audio
hung_up "the speaker" "$T/spk.sock"
cn_gets "the MN" "$mn_assrc" audio
f=$(jstat "$T/dsp.sock" '.streams[0].frames_decoded')
check "the display goes on decoding" \
	wait_stat 10 "$T/dsp.sock" '.streams[0].frames_decoded' ge $((f + 10))

r=$(ctl "$T/mn.sock" --json retrieve)
log "full retrieval: $(jq -c .last_transfer <<<"$r")"
check "full retrieval ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "full retrieval: video lapse 0 frames" eq "$(jq -r .last_transfer.video.lapse_frames <<<"$r")" 0
check "full retrieval: the MN's first frame was timed" \
	ge "$(jq -r '.last_transfer.video.latency_ms // -1' <<<"$r")" 0
check "video is back at self" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" self
hung_up "the display" "$T/dsp.sock"
check "the MN decodes the CN's video again" \
	grows 10 "$T/mn.sock" '.call.media[1].played_packets' 10
mn_gets_cn 1 video
cn_gets "the MN" "$mn_vssrc" video
check "...the MN's picture" \
	eq "$(jstat "$T/cn.sock" '.streams[1].pattern_seed')" "$(seed_of "$mn_vssrc")"

# split one medium by direction (§5.2.2)
r=$(ctl "$T/mn.sock" --json move --video-out "$DSP" --video-in "$CAM")
log "direction split: $(jq -c .last_transfer <<<"$r")"
check "direction split ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "direction split: video lapse 0 frames" eq "$(jq -r .last_transfer.video.lapse_frames <<<"$r")" 0
check "line 1 (the old video line) is the camera's" \
	eq "$(jstat "$T/mn.sock" '.call.media[1] | .at + " " + .role + " " + .dir')" "$CAM in sendonly"
check "line 2 (appended) is the display's" \
	eq "$(jstat "$T/mn.sock" '.call.media[2] | .at + " " + .role + " " + .dir')" "$DSP out recvonly"
dev_gets_cn "the display" "$T/dsp.sock" 0 video
check "...it is the CN's picture" \
	eq "$(jstat "$T/dsp.sock" '.streams[0].pattern_seed')" "$(seed_of "$cn_vssrc")"
cam_ssrc=$(jstat "$T/cam.sock" '.streams[0].tx_ssrc')
cn_gets "the camera" "$cam_ssrc" video
check "...the camera's picture" \
	wait_stat 10 "$T/cn.sock" '.streams[1].pattern_seed' eq "$(seed_of "$cam_ssrc")"
check "...at CIF" wait_stat 10 "$T/cn.sock" '.streams[1].width' eq 352
mn_silent 1 video '.streams[1].frames_decoded' 15
check "audio stayed at self" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self

r=$(ctl "$T/mn.sock" --json retrieve)
check "retrieval after the direction split ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "two active lines again" eq "$(jstat "$T/mn.sock" '.call.media | length')" 2
check "video is back at self" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" self
hung_up "the camera" "$T/cam.sock"
hung_up "the display" "$T/dsp.sock"
check "the MN decodes the CN's video again" \
	grows 10 "$T/mn.sock" '.call.media[1].played_packets' 10
mn_gets_cn 1 video
cn_gets "the MN" "$mn_vssrc" video
check "the CN decodes QCIF again (the MN's picture)" \
	wait_stat 10 "$T/cn.sock" '.streams[1].width' eq 176
check "...the MN's pattern" \
	eq "$(jstat "$T/cn.sock" '.streams[1].pattern_seed')" "$(seed_of "$mn_vssrc")"
ctl "$T/mn.sock" hangup >/dev/null
finish
