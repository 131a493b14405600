#!/usr/bin/env bash
# Audio through ALSA without a sound card. An asoundrc made here routes the
# device's playback into a file (ALSA's `file` plugin over the `null`
# device) and its capture from a file of a 1 kHz sine. The far end (the MN,
# sending the sequence-marked tone) calls the device: its tone is found in
# the file ALSA wrote, and the sine the device captured reaches the far
# end's recording. Then the `null` device with underruns injected (the test
# hook SIPMOB_AUDIO_XRUN_MS): each is reported and playback goes on; and a
# PCM that does not exist yet: the device keeps the call, retries every
# second, and opens it once the asoundrc names it; and a PCM that fails
# while it plays (the file plugin's writes to /dev/full fail with EIO, as
# an unplugged card's do): closed, logged, reopened every second, and
# played again once its file is writable.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init audio_alsa
peers_require python3 jq
CHECK="$SIPMOB_SRC/tests/tools/audio_check.py"

python3 - "$T/sine.raw" <<'PY'
import math, struct, sys
with open(sys.argv[1], 'wb') as f:
    f.write(b''.join(struct.pack('<h', int(8000 * math.sin(2 * math.pi * 1000 * i / 8000)))
                     for i in range(8000 * 120)))
PY
cat >"$T/.asoundrc" <<ASOUNDRC
pcm.tplay { type file; slave.pcm "null"; file "$T/played.raw"; format "raw" }
pcm.tcap { type file; slave.pcm "null"; file "/dev/null"; infile "$T/sine.raw"; format "raw" }
ASOUNDRC

# ---- playback to a file, capture from a file -------------------------------
start dev env HOME="$T" "$BIN/sipmob-device" --sip 127.0.0.1:5070 \
	--name speaker --codecs PCMU --control "$T/dev.sock" \
	--audio-out alsa:tplay --audio-in alsa:tcap
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock" --record "$T/mn.wav"
need "daemons up" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the device plays 150 of the far end's packets" \
	wait_stat 20 "$T/dev.sock" '.streams[0].played_packets' ge 150
s=$(ctl "$T/dev.sock" status --json)
log "device: $(jq -c '.streams[0]' <<<"$s")"
check "playback PCM open at 8000 Hz, no resampling" \
	eq "$(jq -r '.streams[0] | "\(.out_open) \(.out_rate)"' <<<"$s")" "true 8000"
check "capture PCM open at 8000 Hz" \
	eq "$(jq -r '.streams[0] | "\(.in_open) \(.in_rate)"' <<<"$s")" "true 8000"
check "the card took >= 3 s of audio" \
	ge "$(jq '.streams[0].out_samples' <<<"$s")" 24000
check "the jitter buffer played the packets (jb_frames)" \
	ge "$(jq '.streams[0].jb_frames' <<<"$s")" 150
check "no echo canceller (two different PCMs)" \
	eq "$(jq -r '.streams[0].aec' <<<"$s")" false
ctl "$T/mn.sock" hangup >/dev/null
check "hang-up ends the device's session" \
	wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
stop mn
stop dev

"$CHECK" wav "$T/played.raw" 8000 "$T/played.wav" >/dev/null
r=$("$BIN/wav_tone" "$T/played.wav")
log "played through ALSA: $r"
check "the far end's tone is in what ALSA played (>= 3 s of marks)" \
	ge "$(jq .toned <<<"$r")" 150
r=$("$CHECK" gaps "$T/played.raw")
log "played: $r"
check "...without a gap longer than one frame" \
	le "$(jq .longest_quiet <<<"$r")" 160
r=$("$BIN/wav_tone" --freq 1000 "$T/mn.wav")
log "far end's recording against 1 kHz: $r"
check "the captured 1 kHz sine reaches the far end (corr >= 0.95)" \
	python3 -c "import sys; sys.exit(0 if $(jq .corr <<<"$r") >= 0.95 else 1)"
check "...for >= 3 s" \
	python3 -c "import sys; sys.exit(0 if $(jq .seconds <<<"$r") >= 3 else 1)"
r=$("$BIN/wav_tone" "$T/mn.wav")
check "...and not the device's marked tone" le "$(jq .toned <<<"$r")" 5

# ---- the null device, underruns injected -----------------------------------
start dev env HOME="$T" SIPMOB_AUDIO_XRUN_MS=700 "$BIN/sipmob-device" \
	--sip 127.0.0.1:5070 --name speaker --codecs PCMU \
	--control "$T/dev.sock" --audio-out alsa:null
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up again" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
need "call established (null)" wait_stat 10 "$T/mn.sock" .call.state eq established
check "an underrun is reported in status" \
	wait_stat 10 "$T/dev.sock" '.streams[0].underruns' ge 1
check "...and in the log" wait_log dev 'playback null: underrun .*recovered' 5
u=$(jstat "$T/dev.sock" '.streams[0].underruns')
check "playback goes on after it (the card takes 1 s more)" \
	grows 10 "$T/dev.sock" '.streams[0].out_samples' 8000
check "...and the far end's packets are played" \
	grows 10 "$T/dev.sock" '.streams[0].played_packets' 50
check "more underruns, each recovered" \
	wait_stat 10 "$T/dev.sock" '.streams[0].underruns' ge $((u + 2))
check "the playback PCM is still open" \
	eq "$(jstat "$T/dev.sock" '.streams[0].out_open')" true
check "the device is alive" alive dev
ctl "$T/mn.sock" hangup >/dev/null
stop mn
stop dev

# ---- a PCM that is not there: retried, never fatal --------------------------
start dev env HOME="$T" "$BIN/sipmob-device" --sip 127.0.0.1:5070 \
	--name speaker --codecs PCMU --control "$T/dev.sock" \
	--audio-out alsa:later
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up a third time" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
check "the call is established without the card" \
	wait_stat 10 "$T/mn.sock" .call.state eq established
check "the failure is logged" wait_log dev 'cannot open playback later' 10
check "...and retried (3 failed opens)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].out_failures' ge 3
check "...while the far end's packets are still played" \
	grows 10 "$T/dev.sock" '.streams[0].played_packets' 25
echo "pcm.later { type file; slave.pcm \"null\"; file \"$T/later.raw\"; format \"raw\" }" \
	>>"$T/.asoundrc"
check "once the asoundrc names it, the PCM opens" \
	wait_stat 10 "$T/dev.sock" '.streams[0].out_open' eq true
check "...and the card takes 1 s of audio" \
	wait_stat 10 "$T/dev.sock" '.streams[0].out_samples' ge 8000
ctl "$T/mn.sock" hangup >/dev/null
stop mn
stop dev

# ---- a PCM that fails while it plays ---------------------------------------
ln -s /dev/full "$T/flaky.raw"
echo "pcm.flaky { type file; slave.pcm \"null\"; file \"$T/flaky.raw\"; format \"raw\" }" \
	>>"$T/.asoundrc"
start dev env HOME="$T" "$BIN/sipmob-device" --sip 127.0.0.1:5070 \
	--name speaker --codecs PCMU --control "$T/dev.sock" \
	--audio-out alsa:flaky
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--control "$T/mn.sock"
need "daemons up a fourth time" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
need "call established (flaky)" wait_stat 10 "$T/mn.sock" .call.state eq established
check "the failing device is logged as lost" \
	wait_log dev 'playback flaky lost: .*reopening every second' 10
check "...and reopened every second (3 failures)" \
	wait_stat 10 "$T/dev.sock" '.streams[0].out_failures' ge 3
check "the call goes on (the far end's packets still played)" \
	grows 10 "$T/dev.sock" '.streams[0].played_packets' 25
rm -f "$T/flaky.raw"
: >"$T/flaky.raw"
check "once the device works again, the card takes 1 s of audio" \
	wait_stat 10 "$T/dev.sock" '.streams[0].out_samples' ge 8000
size_ge() { [ "$(stat -c %s "$1")" -ge "$2" ]; }
check "...written to it" wait_until 10 size_ge "$T/flaky.raw" 16000
check "the device is alive" alive dev
ctl "$T/mn.sock" hangup >/dev/null
finish
