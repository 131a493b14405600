#!/usr/bin/env bash
# baresip as the far end, speaking only PCMU; a speakerphone that speaks
# only G.722. The MN's move goes through sipmob-transcoder (found in SLP):
# the move works, the speakerphone plays baresip's 440 Hz sine (its
# recording correlates with it, > 0.95) and baresip receives the
# speakerphone's tone as PCMU (decoded from the capture of what reached
# baresip: correlation > 0.95). Retrieval hangs the transcoder up and the
# MN and baresip hear each other again.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require baresip tcpdump tshark jq
scenario_init interop_transcoder_baresip
TOOLS=$SIPMOB_SRC/tests/tools
ns_multicast

start cap tcpdump -i lo --immediate-mode -U -Z root -s 0 -w "$T/cap.pcap" udp
need "capture starts" wait_until 5 grep -q 'listening on' "$T/cap.log"
need "baresip up" baresip_start cn 25070 "audio_codecs=PCMU/8000/1"
start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --slp-da 127.0.0.1 \
	--rtp-ports 30000-30999 --control "$T/tc.sock"
mkdir -p "$T/rec"
start spk "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name speaker \
	--codecs G722 --room 123 --slp-da 127.0.0.1 --record "$T/rec" \
	--control "$T/spk.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--slp-da 127.0.0.1 --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/spk.sock" -a -S "$T/mn.sock" \
	-a -S "$T/tc.sock"
need "speaker registered" wait_log spk "registered in SLP" 10
need "transcoder up" wait_log tc "transcoder: ready" 10

ctl "$T/mn.sock" call sip:cn@127.0.0.1:25070 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
need "the MN hears baresip" wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25
check "PCMU with baresip" eq "$(jstat "$T/mn.sock" '.call.media[0].codec')" PCMU
ctl "$T/mn.sock" devices --room 123 >/dev/null

t0=$(date +%s.%N)
r=$(ctl "$T/mn.sock" --json move --audio speaker)
log "move: $(jq -c .last_transfer <<<"$r")"
check "move ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "through the transcoder" eq "$(jq -r .last_transfer.codec_choice <<<"$r")" transcoder
check "the speaker receives G722" eq "$(jstat "$T/spk.sock" '.streams[0].codec')" G722
check "the speaker plays baresip" \
	grows 10 "$T/spk.sock" '.streams[0].played_packets' 50
check "the transcoder carries both ways" \
	wait_stat 10 "$T/tc.sock" '[.streams[0].a.tx_packets, .streams[0].b.tx_packets] | min' ge 100
log "transcoder: $(ctl "$T/tc.sock" --json status | jq -c '.streams[0]')"
sleep 1
# where baresip receives RTP: the transcoder's B leg sends there
dst=$(tshark -r "$T/cap.pcap" -Y "udp.srcport >= 30000 && udp.srcport <= 30999 && udp.dstport >= 40000 && udp.dstport <= 40099" \
	-T fields -e ip.dst -e udp.dstport 2>/dev/null | head -1 | tr '\t' ':')
log "baresip receives the transcoded audio at $dst"
res=$(/usr/bin/python3 "$TOOLS/rtp_wav.py" "$T/cap.pcap" --dst "$dst" \
	--out "$T/baresip-rx.wav" --from "$(awk -v t="$t0" 'BEGIN { printf "%.3f", t + 1 }')" 2>&1) || true
log "to baresip: $res"
res=$("$BIN/wav_tone" "$T/baresip-rx.wav" 2>&1) || true
log "what baresip received: $res"
check "baresip receives the speaker's tone (correlation > 0.95)" \
	test "$(jq '.corr > 0.95' <<<"$res" 2>/dev/null)" = true

r=$(ctl "$T/mn.sock" --json retrieve)
check "retrieve ok" eq "$(jq -r .last_transfer.ok <<<"$r")" true
check "the transcoder was hung up" wait_stat 10 "$T/tc.sock" .sessions eq 0
check "the MN plays baresip again" grows 10 "$T/mn.sock" '.call.media[0].played_packets' 50
ctl "$T/mn.sock" hangup >/dev/null
wait_stat 10 "$T/spk.sock" '.sessions | length' eq 0 >/dev/null
stop spk
wav=$(ls -S "$T/rec"/*.wav 2>/dev/null | head -1)
check "the speaker recorded the call" test -s "$wav"
res=$("$BIN/wav_tone" --freq 440 "$wav" 2>&1) || true
log "the speaker's recording: $res"
check "the speaker played baresip's 440 Hz (correlation > 0.95)" \
	test "$(jq '.corr > 0.95' <<<"$res" 2>/dev/null)" = true
finish
