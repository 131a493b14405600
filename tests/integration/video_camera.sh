#!/usr/bin/env bash
# A camera read through libavformat reaches the far end, decoded: the
# MN's own (sipmob-mn --camera) and a camera device's. The
# camera's input is a YUV4MPEG2 file made now (tests/tools/video_y4m: the
# moving test pattern drawn with seed 77, 40 frames, QCIF and CIF), read
# with --camera file:PATH, scaled with swscale to the size sent and
# encoded to H.263+. The MN calls the CN and moves its video by direction:
# the far end's picture to a display, the picture it sees from the camera
# (§5.2.2). The CN then decodes the camera's stream: its SSRC, frames that
# keep coming, and in them the file's marks (pattern_seed 77, and only
# those while the 40-frame file plays round more than once). A CIF file sent at
# QCIF arrives at QCIF, scaled, and is not the pattern a camera sends
# while it has no picture. A camera that cannot be opened is refused
# before anything starts (exit 2, the reason named).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init video_camera

DSP=sip:display@127.0.0.1:5072
CAM=sip:camera@127.0.0.1:5073

"$BIN/video_y4m" "$T/qcif.y4m" 176 144 40 77
need "a QCIF test video is made" test -s "$T/qcif.y4m"
"$BIN/video_y4m" "$T/cif.y4m" 352 288 40 77
need "a CIF test video is made" test -s "$T/cif.y4m"
"$BIN/video_y4m" "$T/mn.y4m" 176 144 30 99
need "the MN's test video is made (seed 99)" test -s "$T/mn.y4m"

out=$(in_ns timeout 5 "$BIN/sipmob-device" --sip 127.0.0.1:5099 \
	--media video --video camera --camera "file:$T/none.y4m" 2>&1)
check "a camera that cannot be opened is refused (exit 2)" eq "$?" 2
check "...naming it" eq "$(grep -c "cannot open '$T/none.y4m'" <<<"$out")" 1

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --control "$T/cn.sock"
start dsp "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name display \
	--media video --video display --control "$T/dsp.sock"
start cam "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name camera \
	--media video --video camera --camera "file:$T/qcif.y4m" \
	--control "$T/cam.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --camera "file:$T/mn.y4m" --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/dsp.sock" \
	-a -S "$T/cam.sock" -a -S "$T/mn.sock"

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the CN decodes the MN's video" \
	wait_stat 10 "$T/cn.sock" '.streams[1].frames_decoded' ge 10
check "...the pictures of the MN's own camera (its file's seed 99)" \
	wait_stat 10 "$T/cn.sock" '.streams[1].pattern_seed' eq 99

# the camera's picture to the CN
camera_reaches_cn() {   # LABEL W H
	local r cam_ssrc
	r=$(ctl "$T/mn.sock" --json move --display "$DSP" --camera "$CAM")
	log "$1: $(jq -c .last_transfer <<<"$r")"
	check "$1: the move is done" eq "$(jq -r .last_transfer.ok <<<"$r")" true
	cam_ssrc=$(jstat "$T/cam.sock" '.streams[0].tx_ssrc')
	check "$1: the CN gets the camera's stream (rx_ssrc)" \
		wait_stat 10 "$T/cn.sock" '.streams[1].rx_ssrc' eq "$cam_ssrc"
	check "...and decodes it (30 more frames)" \
		grows 15 "$T/cn.sock" '.streams[1].frames_decoded' 30
	check "...at ${2}x$3" eq \
		"$(jstat "$T/cn.sock" '.streams[1] | "\(.width)x\(.height)"')" "${2}x$3"
	if [ "${4:-}" = marks ]; then
		check "...the file's pictures (their marks: seed 77)" \
			wait_stat 10 "$T/cn.sock" '.streams[1].pattern_seed' eq 77
		check "...and only those, while 45 more frames are decoded" \
			keeps "$T/cn.sock" '.streams[1].pattern_seed' 77 \
			"$T/cn.sock" '.streams[1].frames_decoded' 45 15
		check "...the 40-frame file played in a loop (camera log)" \
			wait_log cam "camera: 40 frames, started over" 10
	else
		check "...the file's pictures, scaled (not the pattern a camera without input sends)" \
			test "$(jstat "$T/cn.sock" '.streams[1].pattern_seed')" != \
			"$((cam_ssrc & 255))"
	fi
	r=$(ctl "$T/mn.sock" --json retrieve)
	check "$1: retrieved" eq "$(jq -r .last_transfer.ok <<<"$r")" true
}
camera_reaches_cn "QCIF file" 176 144 marks

# the same at CIF, sent at QCIF: swscale scales it down
stop cam
start cam "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name camera \
	--media video --video camera --camera "file:$T/cif.y4m" \
	--control "$T/cam.sock"
need "camera up again" wait_until 10 test -S "$T/cam.sock"
sleep 0.3
camera_reaches_cn "CIF file" 176 144

finish
