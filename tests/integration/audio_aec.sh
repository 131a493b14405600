#!/usr/bin/env bash
# Echo cancellation on a speakerphone. The far end (the MN) sends noise,
# a broadband signal as speech is, captured from a file through ALSA's
# `file` plugin. The device plays it (ALSA `null`) and its microphone is the
# test source loop:40,-6: what it played, 40 ms later and 6 dB quieter, as
# a speaker's echo, with a silent near end. The far end records what comes
# back: the echo. Once with --aec off, once with the default (on: input and
# output are the same card). ERLE = 10 log10(echo power without AEC / with
# AEC), both measured at the far end after 3 s (convergence): >= 20 dB.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
scenario_init audio_aec
peers_require python3 jq
CHECK="$SIPMOB_SRC/tests/tools/audio_check.py"

python3 - "$T/noise.raw" <<'PY'
import random, struct, sys
random.seed(7)
with open(sys.argv[1], 'wb') as f:
    f.write(b''.join(struct.pack('<h', max(-32768, min(32767, int(random.gauss(0, 3000)))))
                     for i in range(8000 * 60)))
PY
cat >"$T/.asoundrc" <<ASOUNDRC
pcm.farmic { type file; slave.pcm "null"; file "/dev/null"; infile "$T/noise.raw"; format "raw" }
ASOUNDRC

# one call of 8 s; the far end records the echo into $T/echo-$1.wav
echo_call() {
	local aec=$1
	shift
	start dev "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name speaker \
		--codecs PCMU --control "$T/dev.sock" --audio-out alsa:null \
		--audio-in loop:40,-6 "$@"
	start mn env HOME="$T" "$BIN/sipmob-mn" --sip 127.0.0.1:5060 \
		--user alice --control "$T/mn.sock" --record "$T/echo-$aec.wav" \
		--audio-in alsa:farmic
	need "AEC $aec: daemons up" \
		wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"
	ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
	need "AEC $aec: call established" \
		wait_stat 10 "$T/mn.sock" .call.state eq established
	check "AEC $aec: the device plays 8 s of the far end" \
		wait_stat 30 "$T/dev.sock" '.streams[0].played_packets' ge 400
	check "AEC $aec: the far end receives 8 s" \
		wait_stat 30 "$T/mn.sock" '.call.media[0].rx_packets' ge 400
	s=$(ctl "$T/dev.sock" status --json)
	log "AEC $aec: $(jq -c '.streams[0] | {aec, aec_erle_db, played_packets, concealed}' <<<"$s")"
	check "AEC $aec: the device says aec $([ "$aec" = on ] && echo true || echo false)" \
		eq "$(jq -r '.streams[0].aec' <<<"$s")" \
		"$([ "$aec" = on ] && echo true || echo false)"
	ctl "$T/mn.sock" hangup >/dev/null
	wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
	stop mn
	stop dev
}

echo_call off --aec off
echo_call on

off=$("$CHECK" power "$T/echo-off.wav" 3)
on=$("$CHECK" power "$T/echo-on.wav" 3)
log "echo at the far end after 3 s: without AEC $off, with AEC $on"
check "without AEC the echo comes back (>= 55 dB, >= 4 s measured)" \
	python3 -c "import json,sys; o=json.loads('$off'); sys.exit(0 if o['db'] >= 55 and o['seconds'] >= 4 else 1)"
check "with AEC >= 4 s measured" \
	python3 -c "import json,sys; sys.exit(0 if json.loads('$on')['seconds'] >= 4 else 1)"
erle=$(python3 -c "import json; print(round(json.loads('$off')['db'] - json.loads('$on')['db'], 1))")
log "ERLE $erle dB"
check "ERLE >= 20 dB ($erle)" \
	python3 -c "import sys; sys.exit(0 if $erle >= 20 else 1)"
finish
