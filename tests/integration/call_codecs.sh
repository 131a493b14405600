#!/usr/bin/env bash
# sipmob-mn calls sipmob-device in each codec. For each: the call is
# established, audio flows both ways for at least a second (50 packets of
# 20 ms each way), the device plays what it receives (tone marks decoded),
# the recording holds the tone, and one BYE ends the session on both sides.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init call_codecs


for codec in PCMU PCMA G722 opus; do
	mkdir -p "$T/rec-$codec"
	start dev "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name speaker \
		--codecs "$codec" --control "$T/dev.sock" --record "$T/rec-$codec"
	start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
		--control "$T/mn.sock"
	need "$codec: daemons up" wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock"

	ctl "$T/mn.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
	need "$codec: call established" \
		wait_stat 10 "$T/mn.sock" .call.state eq established

	# One second of audio each way, counted by each receiver.
	check "$codec: MN receives 50 packets" \
		wait_stat 10 "$T/mn.sock" '.call.media[0].rx_packets' ge 50
	check "$codec: device receives 50 packets" \
		wait_stat 10 "$T/dev.sock" '.streams[0].rx_packets' ge 50

	s=$(ctl "$T/dev.sock" status --json)
	m=$(ctl "$T/mn.sock" status --json)
	check "$codec: device negotiated $codec" \
		eq "$(jq -r '.streams[0].codec' <<<"$s")" "$codec"
	check "$codec: MN negotiated $codec" \
		eq "$(jq -r '.call.media[0].codec' <<<"$m")" "$codec"
	check "$codec: MN's medium is at self" \
		eq "$(jq -r '.call.media[0].at' <<<"$m")" self
	rx=$(jq '.streams[0].rx_packets' <<<"$s")
	played=$(jq '.streams[0].played_packets' <<<"$s")
	check "$codec: device played >= 90% of what it got ($played/$rx)" \
		ge $((played * 10)) $((rx * 9))
	mplayed=$(jq '.call.media[0].played_packets' <<<"$m")
	check "$codec: MN played the device's tone ($mplayed)" ge "$mplayed" 45

	ctl "$T/mn.sock" hangup >/dev/null
	check "$codec: BYE ends the device's session" \
		wait_stat 10 "$T/dev.sock" '.sessions | length' eq 0
	check "$codec: MN is idle again" \
		wait_stat 5 "$T/mn.sock" .call.state eq idle

	stop mn
	stop dev
	wav=$(ls "$T/rec-$codec"/*.wav 2>/dev/null | head -1)
	check "$codec: a recording was written" test -s "$wav"
	if [ -s "$wav" ]; then
		r=$("$BIN/wav_tone" "$wav")
		log "$codec recording: $r"
		check "$codec: recording holds >= 1 s of tone" \
			ge "$(jq .toned <<<"$r")" 50
	fi
done
finish
