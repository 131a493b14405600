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
cn_vssrc=$(jstat "$T/cn.sock" '.streams[1].tx_ssrc')

# split across two devices (Figure 3)
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
check "the speaker plays the CN" \
	wait_stat 10 "$T/spk.sock" '.streams[0].played_packets' ge 50
check "the display decodes 20 frames" \
	wait_stat 10 "$T/dsp.sock" '.streams[0].frames_decoded' ge 20
check "...of the CN's picture" \
	eq "$(jstat "$T/dsp.sock" '.streams[0].pattern_seed')" "$(seed_of "$cn_vssrc")"
check "...at QCIF" eq "$(jstat "$T/dsp.sock" '.streams[0].width')" 176

# partial retrieval: audio only
r=$(ctl "$T/mn.sock" --json retrieve --media audio)
check "audio retrieval ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "audio retrieval: lapse 0" eq "$(jq -r .last_transfer.lapse_packets <<<"$r")" 0
check "audio retrieval: no video metrics (video did not move)" \
	eq "$(jq -r 'has("video")' <<<"$(jq .last_transfer <<<"$r")")" false
check "audio is back at self" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self
check "video stays at the display" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" "$DSP"
check "the speaker was hung up" wait_stat 10 "$T/spk.sock" '.sessions | length' eq 0
f=$(jstat "$T/dsp.sock" '.streams[0].frames_decoded')
check "the display goes on decoding" \
	wait_stat 10 "$T/dsp.sock" '.streams[0].frames_decoded' ge $((f + 10))

r=$(ctl "$T/mn.sock" --json retrieve)
log "full retrieval: $(jq -c .last_transfer <<<"$r")"
check "full retrieval ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "full retrieval: video lapse 0 frames" eq "$(jq -r .last_transfer.video.lapse_frames <<<"$r")" 0
check "full retrieval: the MN's first frame was timed" \
	ge "$(jq -r '.last_transfer.video.latency_ms // -1' <<<"$r")" 0
check "the display was hung up" wait_stat 10 "$T/dsp.sock" '.sessions | length' eq 0
f=$(jstat "$T/mn.sock" '.call.media[1].played_packets')
check "the MN decodes the CN's video again" \
	wait_stat 10 "$T/mn.sock" '.call.media[1].played_packets' ge $((f + 10))

# split one medium by direction (§5.2.2)
r=$(ctl "$T/mn.sock" --json move --video-out "$DSP" --video-in "$CAM")
log "direction split: $(jq -c .last_transfer <<<"$r")"
check "direction split ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "direction split: video lapse 0 frames" eq "$(jq -r .last_transfer.video.lapse_frames <<<"$r")" 0
check "line 1 (the old video line) is the camera's" \
	eq "$(jstat "$T/mn.sock" '.call.media[1] | .at + " " + .role + " " + .dir')" "$CAM in sendonly"
check "line 2 (appended) is the display's" \
	eq "$(jstat "$T/mn.sock" '.call.media[2] | .at + " " + .role + " " + .dir')" "$DSP out recvonly"
check "the display decodes the CN's picture" \
	wait_stat 10 "$T/dsp.sock" '.streams[0].frames_decoded' ge 20
check "...it is the CN's" \
	eq "$(jstat "$T/dsp.sock" '.streams[0].pattern_seed')" "$(seed_of "$cn_vssrc")"
cam_ssrc=$(jstat "$T/cam.sock" '.streams[0].tx_ssrc')
check "the CN decodes the camera's picture" \
	wait_stat 10 "$T/cn.sock" '.streams[1].pattern_seed' eq "$(seed_of "$cam_ssrc")"
check "...at CIF" wait_stat 10 "$T/cn.sock" '.streams[1].width' eq 352
check "audio stayed at self" eq "$(jstat "$T/mn.sock" '.call.media[0].at')" self

r=$(ctl "$T/mn.sock" --json retrieve)
check "retrieval after the direction split ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "two active lines again" eq "$(jstat "$T/mn.sock" '.call.media | length')" 2
check "video is back at self" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" self
check "the CN decodes QCIF again (the MN's picture)" \
	wait_stat 10 "$T/cn.sock" '.streams[1].width' eq 176
check "the camera and display were hung up" \
	wait_stat 10 "$T/cam.sock" '.sessions | length' eq 0
ctl "$T/mn.sock" hangup >/dev/null
finish
