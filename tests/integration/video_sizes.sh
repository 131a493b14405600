#!/usr/bin/env bash
# The display's own picture size (spec §6.2; RFC 4629 §8.1). The CN is a
# videophone (sipmob-device --basic) that can send up to 4CIF; the MN
# (sipmob-mn, default sizes: its fmtp "QCIF=1;CIF=1" prefers QCIF) calls
# it. Two wall displays register in SLP with the sizes they show:
# --video-sizes cif and --video-sizes 4cif,cif. The MN moves the video to
# one, then to the other (Mobile Node Control), and retrieves it. After
# each step the sender at the far end sends the size the receiver's fmtp
# prefers (its status: tx_width), the receiver decodes pictures at that
# size (width, height of the frames decoded since), and they are the
# sender's pictures (pattern_seed). The audio, never moved, flows both
# ways after every step.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init video_sizes
ns_multicast

D1=sip:wall1@127.0.0.1:5071
D2=sip:wall2@127.0.0.1:5072
ROOM="--room 7 --slp-da 127.0.0.1"

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --video-sizes 4cif,cif,qcif --control "$T/cn.sock"
start d1 "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name wall1 \
	--media video --video display --video-sizes cif $ROOM \
	--control "$T/d1.sock"
start d2 "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name wall2 \
	--media video --video display --video-sizes 4CIF,cif $ROOM \
	--control "$T/d2.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --slp-da 127.0.0.1 --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/d1.sock" \
	-a -S "$T/d2.sock" -a -S "$T/mn.sock"
for d in d1 d2; do
	need "$d registered" wait_log "$d" "registered in SLP" 10
done

# a bad list is refused with the reason, before anything starts
out=$(in_ns timeout 5 "$BIN/sipmob-device" --sip 127.0.0.1:5099 \
	--media video --video-sizes cif,vga 2>&1)
check "--video-sizes cif,vga is refused (exit 2)" eq "$?" 2
check "...naming the bad size" eq "$(grep -c "unknown picture size 'vga'" <<<"$out")" 1

# SLP says what each display shows, largest first (image-size)
has2() { eq "$(ctl "$T/mn.sock" --json devices --room 7 |
	jq -r '.devices | length')" 2; }
check "both displays are in room 7" wait_until 10 has2
r=$(ctl "$T/mn.sock" --json devices --room 7)
log "room 7: $(jq -c '[.devices[] | {name, attrs}]' <<<"$r")"
size_attr() {
	jq -r --arg n "$1" '.devices[] | select(.name==$n) | .attrs."image-size"
		| if type == "array" then join(",") else . end' <<<"$r"
}
check "wall1's image-size is CIF" eq "$(size_attr wall1)" CIF
check "wall2's image-size is 4CIF,CIF" eq "$(size_attr wall2)" 4CIF,CIF

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the CN decodes the MN's video" \
	wait_stat 10 "$T/cn.sock" '.streams[1].frames_decoded' ge 10
need "the MN decodes the CN's video" \
	wait_stat 10 "$T/mn.sock" '.call.streams[1].frames_decoded' ge 10
cn_assrc=$(jstat "$T/cn.sock" '.streams[0].tx_ssrc')
cn_vssrc=$(jstat "$T/cn.sock" '.streams[1].tx_ssrc')
mn_assrc=$(jstat "$T/mn.sock" '.call.media[0].tx_ssrc')
seed_of() { echo $(( $1 & 255 )); }

# SOCK FILTER W H: the stream FILTER names decodes 15 more frames, and
# the latest is W x H (a frame left over from before cannot pass: the
# size is read after frames decoded since)
decodes_at() {
	check "...it decodes on (15 more frames)" \
		grows 10 "$1" "$2.frames_decoded" 15
	check "...at $3x$4" \
		eq "$(jstat "$1" "$2 | \"\(.width)x\(.height)\"")" "$3x$4"
}
# the audio stayed with the MN: both ends play each other's stream
audio_both_ways() {
	check "$1: the MN plays the CN's audio (rx_ssrc)" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_ssrc' eq "$cn_assrc"
	check "...50 more packets" grows 10 "$T/mn.sock" \
		'.call.media[0].played_packets' 50
	check "$1: the CN plays the MN's audio (rx_ssrc)" \
		wait_stat 10 "$T/cn.sock" '.streams[0].rx_ssrc' eq "$mn_assrc"
	check "...50 more packets" grows 10 "$T/cn.sock" \
		'.streams[0].played_packets' 50
}

# the call: each side's fmtp decides what the other sends. The MN's
# prefers QCIF; the CN's lists 4CIF first, and CIF is the MN's largest.
check "the CN sends the MN QCIF" \
	wait_stat 10 "$T/cn.sock" '.streams[1].tx_width' eq 176
log "the MN decodes the CN's video"
decodes_at "$T/mn.sock" '.call.streams[1]' 176 144
check "the MN sends the CN CIF (the largest it has of the CN's)" \
	eq "$(jstat "$T/mn.sock" '.call.streams[1].tx_width')" 352
log "the CN decodes the MN's video"
decodes_at "$T/cn.sock" '.streams[1]' 352 288
audio_both_ways "in the call"

# to the CIF display
r=$(ctl "$T/mn.sock" --json move --video "$D1")
log "move to wall1: $(jq -c .last_transfer <<<"$r")"
check "move to wall1 ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "video is at wall1" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" "$D1"
check "the CN sends wall1 CIF" \
	wait_stat 10 "$T/cn.sock" '.streams[1].tx_width' eq 352
check "wall1 gets the CN's video (rx_ssrc)" \
	wait_stat 10 "$T/d1.sock" '.streams[0].rx_ssrc' eq "$cn_vssrc"
decodes_at "$T/d1.sock" '.streams[0]' 352 288
check "...the CN's picture" \
	eq "$(jstat "$T/d1.sock" '.streams[0].pattern_seed')" "$(seed_of "$cn_vssrc")"
check "wall1 sends nothing (a display)" \
	eq "$(jstat "$T/d1.sock" '.streams[0].tx_packets')" 0
audio_both_ways "after the move to wall1"

# on to the 4CIF display
r=$(ctl "$T/mn.sock" --json move --video "$D2")
log "move to wall2: $(jq -c .last_transfer <<<"$r")"
check "move to wall2 ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "video is at wall2" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" "$D2"
check "the CN sends wall2 4CIF" \
	wait_stat 10 "$T/cn.sock" '.streams[1].tx_width' eq 704
check "wall2 gets the CN's video (rx_ssrc)" \
	wait_stat 10 "$T/d2.sock" '.streams[0].rx_ssrc' eq "$cn_vssrc"
decodes_at "$T/d2.sock" '.streams[0]' 704 576
check "...the CN's picture" \
	eq "$(jstat "$T/d2.sock" '.streams[0].pattern_seed')" "$(seed_of "$cn_vssrc")"
check "wall1 was hung up" \
	wait_stat 10 "$T/d1.sock" '(.sessions | length) + (.streams | length)' eq 0
audio_both_ways "after the move to wall2"

# retrieval: the MN's own offer says QCIF again (spec §6.2, last lines)
r=$(ctl "$T/mn.sock" --json retrieve)
log "retrieval: $(jq -c .last_transfer <<<"$r")"
check "retrieval ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "video is back at self" eq "$(jstat "$T/mn.sock" '.call.media[1].at')" self
check "the CN sends the MN QCIF again" \
	wait_stat 10 "$T/cn.sock" '.streams[1].tx_width' eq 176
check "the MN gets the CN's video (rx_ssrc)" \
	wait_stat 10 "$T/mn.sock" '.call.streams[1].rx_ssrc' eq "$cn_vssrc"
decodes_at "$T/mn.sock" '.call.streams[1]' 176 144
check "wall2 was hung up" \
	wait_stat 10 "$T/d2.sock" '(.sessions | length) + (.streams | length)' eq 0
audio_both_ways "after the retrieval"

ctl "$T/mn.sock" hangup >/dev/null
finish
