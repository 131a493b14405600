#!/usr/bin/env bash
# Codec reconciliation in Mobile Node Control (spec §6.1, Figure 7). The CN
# is an ordinary videophone that speaks PCMU and PCMA (it sends PCMU); the
# devices of room 123 take PCMU, PCMA only, and G.722 only. The MN moves
# the audio to each in turn:
#   PCMU device  -> common codec, offered as is;
#   PCMA device  -> the CN changes to PCMA in the same re-INVITE;
#   G.722 device -> through sipmob-transcoder (found in SLP, invited
#                   without an offer, answered in the ACK): both ends play
#                   the other's tone, the recordings correlate with the
#                   tone (> 0.95), the video that did not move flows both
#                   ways; retrieval hangs the transcoder up;
# and a transcoder killed mid-call gives the audio back to the MN.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init mnc_transcoder
ns_multicast

start da "$BIN/sipmob-da"
need "DA up" wait_log da 'ready, boot timestamp' 10
start tc "$BIN/sipmob-transcoder" --sip 127.0.0.1:5090 --slp-da 127.0.0.1 \
	--threads 2 --rtp-ports 40000-40999 --control "$T/tc.sock"
mkdir -p "$T/rec-cn" "$T/rec-g722"
start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --codecs PCMU,PCMA --record "$T/rec-cn" \
	--control "$T/cn.sock"
start pcmu "$BIN/sipmob-device" --sip 127.0.0.1:5071 --name pcmu \
	--codecs PCMU,G722 --room 123 --slp-da 127.0.0.1 --control "$T/pcmu.sock"
start pcma "$BIN/sipmob-device" --sip 127.0.0.1:5072 --name pcma \
	--codecs PCMA --room 123 --slp-da 127.0.0.1 --control "$T/pcma.sock"
start g722 "$BIN/sipmob-device" --sip 127.0.0.1:5073 --name g722 \
	--codecs G722 --room 123 --slp-da 127.0.0.1 --record "$T/rec-g722" \
	--control "$T/g722.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --slp-da 127.0.0.1 --safety-ms 200 \
	--control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/mn.sock" -a -S "$T/tc.sock" \
	-a -S "$T/cn.sock" -a -S "$T/pcmu.sock" -a -S "$T/pcma.sock" \
	-a -S "$T/g722.sock"
for d in pcmu pcma g722; do
	need "$d registered" wait_log "$d" "registered in SLP" 10
done
need "the transcoder registered" wait_log tc "transcoder: ready" 10

sel() { echo "[.${2:-streams}[] | select(.type == \"$1\")][0]"; }
# plays SOCK MEDIUM [PATH]: SOCK goes on playing MEDIUM (10 more)
plays() {
	local sock=$1 medium=$2 path=${3:-streams} f=played_packets n
	[ "$medium" = video ] && f=frames_decoded
	n=$(jstat "$sock" "$(sel "$medium" "$path").$f")
	wait_stat 10 "$sock" "$(sel "$medium" "$path").$f" ge $((${n:-0} + 10))
}
at() { jstat "$T/mn.sock" "[.call.media[] | select(.type == \"$1\")][0].at"; }
move() { ctl "$T/mn.sock" --json move --audio "$1"; }
retrieve() { ctl "$T/mn.sock" --json retrieve --media audio; }
lt() { jq -r ".last_transfer.$1" <<<"$r"; }
video_flows() {
	check "$1: the CN still decodes the MN's video" plays "$T/cn.sock" video
	check "$1: the MN still decodes the CN's video" \
		plays "$T/mn.sock" video call.streams
}

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
ndev() { eq "$(ctl "$T/mn.sock" --json devices --room 123 | jq '.devices | length')" "$1"; }
need "devices of room 123" wait_until 10 ndev 3
check "the call starts with PCMU" eq \
	"$(jstat "$T/cn.sock" "$(sel audio).codec")" PCMU

# 1. a common codec
r=$(move pcmu)
check "PCMU device: move ok" eq "$(lt ok)" true
check "PCMU device: common codec" eq "$(lt codec_choice)" common
check "PCMU device plays the CN" plays "$T/pcmu.sock" audio
check "the CN plays the PCMU device" plays "$T/cn.sock" audio
r=$(retrieve)
check "retrieval from the PCMU device ok" eq "$(lt ok)" true

# 2. the CN changes codec
r=$(move pcma)
log "PCMA: $(lt codec_why)"
check "PCMA device: move ok" eq "$(lt ok)" true
check "PCMA device: the CN re-negotiates" eq "$(lt codec_choice)" renegotiate
check "the CN now sends PCMA" wait_stat 10 "$T/cn.sock" "$(sel audio).codec" eq PCMA
check "PCMA device plays the CN" plays "$T/pcma.sock" audio
check "the CN plays the PCMA device" plays "$T/cn.sock" audio
video_flows PCMA
r=$(retrieve)
check "retrieval from the PCMA device ok" eq "$(lt ok)" true
check "the MN plays the CN again" plays "$T/mn.sock" audio call.streams

# 3. no codec in common: the transcoder
r=$(move g722)
log "G.722: $(lt codec_why)"
check "G.722 device: move ok" eq "$(lt ok)" true
check "G.722 device: through the transcoder" eq "$(lt codec_choice)" transcoder
log "G.722: latency $(lt latency_ms) ms, lapse $(lt lapse_packets), disruption $(lt disruption_ms) ms"
check "G.722 device: lapse measured through the transcoder, 0" eq "$(lt lapse_packets)" 0
check "the transcoder named" eq "$(lt transcoder)" sip:transcoder@127.0.0.1:5090
check "not bridged, and why" eq "$(lt bridge_note | grep -c transcoder)" 1
check "audio is at the G.722 device" eq "$(at audio)" sip:g722@127.0.0.1:5073
check "the G.722 device receives G722" eq \
	"$(jstat "$T/g722.sock" "$(sel audio).codec")" G722
check "the G.722 device plays the CN" plays "$T/g722.sock" audio
check "the CN plays the G.722 device" plays "$T/cn.sock" audio
tcs() { jstat "$T/tc.sock" ".streams[0].$1"; }
check "the transcoder relays PCMU <-> G722" eq "$(tcs a.codec)/$(tcs b.codec)" G722/PCMU
a0=$(tcs a.tx_packets); b0=$(tcs b.tx_packets)
check "the transcoder sends to the device" wait_stat 5 "$T/tc.sock" '.streams[0].a.tx_packets' ge $((a0 + 25))
check "the transcoder sends to the CN" wait_stat 5 "$T/tc.sock" '.streams[0].b.tx_packets' ge $((b0 + 25))
log "transcoder: $(ctl "$T/tc.sock" --json status | jq -c '.streams[0]')"
video_flows G.722
sleep 2   # two seconds of transcoded audio in the recordings
r=$(retrieve)
check "retrieval from the G.722 device ok" eq "$(lt ok)" true
check "the transcoder was hung up" wait_stat 10 "$T/tc.sock" .sessions eq 0
check "the MN plays the CN after the transcoder" plays "$T/mn.sock" audio call.streams
check "the CN plays the MN after the transcoder" plays "$T/cn.sock" audio

# 4. the transcoder dies mid-call: the audio comes back to the MN
r=$(move g722)
check "G.722 again: move ok" eq "$(lt ok)" true
check "G.722 again: the CN plays the device" plays "$T/cn.sock" audio
kill -9 "$(pid_of tc)"
audio_at() { eq "$(at audio)" "$1"; }
check "the MN notices and takes the audio back" wait_until 20 audio_at self
check "the MN plays the CN after the loss" wait_until 10 plays "$T/mn.sock" audio call.streams
check "the CN plays the MN after the loss" plays "$T/cn.sock" audio
video_flows "after the loss"

ctl "$T/mn.sock" hangup >/dev/null
wait_stat 10 "$T/cn.sock" '.sessions | length' eq 0 >/dev/null
stop g722
stop cn
for who in cn g722; do
	wav=$(ls -S "$T/rec-$who"/*.wav 2>/dev/null | head -1)
	check "$who: a recording was written" test -s "$wav"
	[ -s "$wav" ] || continue
	res=$("$BIN/wav_tone" "$wav")
	log "$who recording: $res"
	check "$who: the played tone correlates with the tone (> 0.95)" \
		test "$(jq '.corr > 0.95' <<<"$res")" = true
done
finish
