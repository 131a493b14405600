#!/usr/bin/env bash
# Audio through a sound card (`make bench`, or `bash bench/audio.sh` with
# SIPMOB_BUILD and SIPMOB_SRC set).
#
# 1. The delay the device adds between a packet's arrival and the sound
#    card: the jitter buffer's hold (jb_delay_ms: arrival to the write to
#    ALSA, the mean over its last 500 ms window) plus what ALSA says is
#    still queued before the output (snd_pcm_delay, out_delay_ms), sampled
#    every 0.5 s for 10 s of a call from across the wire tool's WAN at 0
#    and 30 ms of jitter, with echo cancellation on. The card is ALSA's
#    `null` device, which reports no delay of its own: on a real card add
#    what it queues, one to three 10 ms periods.
# 2. CPU per call: the device's user + system time (/proc) over 10 s with
#    1 and 10 calls, each from its own MN, without a sound card (the
#    default, metered playout), and with ALSA `null` in and out, AEC off
#    and on (PCMU, 8 kHz).
export SIPMOB_SRC=${SIPMOB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
scenario_init bench_audio
wan_init

SAMPLES=${AUDIO_BENCH_SAMPLES:-20}
SECS=${AUDIO_BENCH_SECS:-10}

echo "Delay added by the device (ms, mean / max of $SAMPLES samples):"
printf '| jitter | jb target | jb hold | ALSA delay | added |\n'
printf '|---:|---:|---:|---:|---:|\n'
for jit in 0 30; do
	wan_up 30 0 --jitter-ms "$jit" || { log "no wire"; exit 1; }
	start dev "$BIN/sipmob-device" --sip "$NEAR_IP:5070" --name speaker \
		--codecs PCMU --control "$T/dev.sock" --audio-out alsa:null \
		--audio-in alsa:null
	start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
		--control "$T/mn.sock"
	wait_until 10 test -S "$T/dev.sock" -a -S "$T/mn.sock" || exit 1
	ctl "$T/mn.sock" call "sip:speaker@$NEAR_IP:5070" >/dev/null
	wait_stat 15 "$T/dev.sock" '.streams[0].played_packets' ge 150 || exit 1
	: >"$T/delay.txt"
	for i in $(seq "$SAMPLES"); do
		jstat "$T/dev.sock" '.streams[0] | "\(.jb_target_ms) \(.jb_delay_ms) \(.out_delay_ms) \(.aec)"' \
			>>"$T/delay.txt"
		sleep 0.5
	done
	awk -v j="$jit" '{t+=$1; h+=$2; a+=$3; s=$2+$3; tot+=s;
		if ($1>mt) mt=$1; if ($2>mh) mh=$2; if ($3>ma) ma=$3; if (s>ms) ms=s;
		if ($4 != "true") aec=0; else if (aec == "") aec=1}
		END {n=NR; printf "| %d ms | %.0f / %d | %.0f / %d | %.0f / %d | %.0f / %d |%s\n",
			j, t/n, mt, h/n, mh, a/n, ma, tot/n, ms, aec ? "" : " (AEC off!)"}' \
		"$T/delay.txt"
	ctl "$T/mn.sock" hangup >/dev/null
	stop mn
	stop dev
done
wan_down

# ticks of user + system time of a process
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo
echo "Device CPU per call (% of one core, over ${SECS} s):"
printf '| audio | calls | CPU %% | CPU %% per call |\n|---|---:|---:|---:|\n'
hz=$(getconf CLK_TCK)
for mode in none off on; do
	for n in 1 10; do
		args=()
		[ "$mode" != none ] && args=(--audio-out alsa:null --audio-in alsa:null --aec "$mode")
		start dev "$BIN/sipmob-device" --sip 127.0.0.1:5070 --name speaker \
			--codecs PCMU --control "$T/dev.sock" "${args[@]}"
		for i in $(seq "$n"); do
			start "mn$i" "$BIN/sipmob-mn" --sip "127.0.0.1:$((5100 + i))" \
				--user "u$i" --control "$T/mn$i.sock"
		done
		wait_until 10 test -S "$T/dev.sock" || exit 1
		for i in $(seq "$n"); do
			wait_until 10 test -S "$T/mn$i.sock" || exit 1
			ctl "$T/mn$i.sock" call sip:speaker@127.0.0.1:5070 >/dev/null
		done
		wait_stat 15 "$T/dev.sock" '[.streams[] | select(.played_packets >= 100)] | length' ge "$n" || exit 1
		p=$(pid_of dev)
		c0=$(cpu_ticks "$p")
		sleep "$SECS"
		c1=$(cpu_ticks "$p")
		awk -v m="$mode" -v n="$n" -v d=$((c1 - c0)) -v hz="$hz" -v s="$SECS" \
			'BEGIN {c = d / hz / s * 100;
			 printf "| %s | %d | %.1f | %.2f |\n",
				m == "none" ? "none (metered)" : "ALSA null, AEC " m, n, c, c / n}'
		for i in $(seq "$n"); do
			ctl "$T/mn$i.sock" hangup >/dev/null
			stop "mn$i"
		done
		stop dev
	done
done
