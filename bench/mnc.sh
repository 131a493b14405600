#!/usr/bin/env bash
# MNC transfer benchmark: instant moves (bridges) against the moves of
# before, with the CN "across a continent". The CN is on one side of the
# wire tool (one-way delay BENCH_DELAYS, default "0 100 300" ms); the MN and
# the local devices on the other. For each delay, four rows of transfers
# and retrievals:
#  1. audio, CN = baresip, bridge on: the audio to a speakerphone
#     (sipmob-device) and back; downstream only (baresip reports nothing);
#  2. audio, CN = an ordinary phone (sipmob-device --basic), bridge on: the
#     same, and upstream too: what the CN played of the user, from its own
#     playout report (tests/tools/playout_metrics.py);
#  3. video, CN = an ordinary videophone (sipmob-device --basic, audio and
#     H.263+ video; Debian's baresip has no H.263), bridge on: the video to
#     a wall videophone (sipmob-device --media video, video both ways) and
#     back, the audio staying with the MN; downstream in decoded frames,
#     upstream from the CN's playout report;
#  4. audio, CN = baresip, bridge off (sipmob-mn --bridge off): the
#     comparison row, today's moves without a bridge.
# Downstream (what the user gets of the CN) is measured by the MN from real
# playout: latency, lapse, disruption. Upstream is asked of the CN 1.5 s
# after each move (its playout since just before the move). Prints p50/p99,
# lapse summed; "-" where not measured. Each run's answer, and the playout
# reports behind it, go to $T/blocks/DELAY-ROW-.../ (kept with KEEP=1).
# Bounded: per delay BENCH_TRANSFERS (default 50), BENCH_UP_TRANSFERS (30),
# BENCH_VIDEO_TRANSFERS (30) and BENCH_OFF_TRANSFERS (20) pairs, every ctl
# call with -t 60, every wait with a limit, namespaces made here, every
# process stopped by PID (about 20 minutes with the defaults).
# the source tree is where this script is, unless said otherwise
export SIPMOB_SRC=${SIPMOB_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
DELAYS=${BENCH_DELAYS:-0 100 300}
N=${BENCH_TRANSFERS:-50}
NU=${BENCH_UP_TRANSFERS:-30}
NV=${BENCH_VIDEO_TRANSFERS:-30}
NO=${BENCH_OFF_TRANSFERS:-20}
scenario_init bench_mnc
peers_require baresip jq
wan_init
METRICS=$SIPMOB_SRC/tests/tools/playout_metrics.py

pct() {   # FILE P: the P-th percentile of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{v[NR]=$1} END {
		if (!NR) { print "-"; exit }
		i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print v[i] }'
}
sum() { awk '{s+=$1} END {print NR ? s+0 : "-"}' "$1"; }
row() {
	printf '%-5s %-6s %-7s %-6s %-8s %4s %11s %11s %5s' "${@:1:9}"
	printf ' %14s %14s %8s %17s %17s %8s\n' "${@:10}"
}
now_ms() { date +%s%3N; }

# measure DELAY MEDIUM CN BRIDGE PAIRS PATH LAPSE UP RETRIEVE MOVE-ARGS...:
# PAIRS moves (MOVE-ARGS) and retrievals (`retrieve`, or `retrieve --media
# RETRIEVE` unless RETRIEVE is "-"). PATH is where the medium's metrics are
# in last_transfer, LAPSE the name of its lapse field; UP the medium of the
# CN's playout report to measure upstream from (audio, video; "-": none).
# BRIDGE (on/off) is also what `bridged` must say, but for "nothing to
# bridge" (the CN switched before any packet needed carrying, as over a
# 0 ms wire): such moves count, and are told after the rows. A run whose
# move failed, was bridged otherwise, or lacks a number is a failure,
# logged, not counted.
measure() {
	local delay=$1 medium=$2 cn=$3 bridge=$4 pairs=$5 path=$6 lapse=$7
	local up=$8 retr=$9 mode i r m u b t0 want=false f
	shift 9
	[ "$bridge" = on ] && want=true
	for mode in transfer retrieve; do
		for f in lat lapse dis ulapse udis; do : >"$T/$mode.$f"; done
		echo 0 >"$T/$mode.fail"
		echo 0 >"$T/$mode.unbridged"
	done
	for i in $(seq "$pairs"); do
		for mode in transfer retrieve; do
			t0=$(now_ms)
			if [ $mode = transfer ]; then
				r=$(ctl "$T/mn.sock" -t 60 --json move "$@")
			elif [ "$retr" = - ]; then
				r=$(ctl "$T/mn.sock" -t 60 --json retrieve)
			else
				r=$(ctl "$T/mn.sock" -t 60 --json retrieve \
					--media "$retr")
			fi
			m=$(jq -c ".last_transfer | select(.ok) | $path |
				select(.latency_ms != null)" <<<"$r" 2>/dev/null)
			b=$(jq -r '.last_transfer |
				"\(.bridged) \(.bridge_note // "")"' <<<"$r" 2>/dev/null)
			u=
			if [ "$up" != - ]; then
				sleep 1.5   # the CN has played the new sender a while
				ctl "$T/cn.sock" -t 60 --json playout "$t0" \
					>"$RUNS/$mode-$i.playout.json"
				u=$(/usr/bin/python3 "$METRICS" --type "$up" \
					<"$RUNS/$mode-$i.playout.json")
			fi
			# for the logs: what the device played of the CN
			[ $mode = transfer ] && ctl "$T/dev.sock" -t 60 --json \
				playout "$t0" >"$RUNS/$mode-$i.dev.playout.json"
			printf '%s t0=%s %s %s\n' "$mode-$i" "$t0" \
				"$(jq -c .last_transfer <<<"$r" 2>/dev/null)" \
				"${u:--}" >>"$RUNS/runs.txt"
			if [ -n "$m" ] && [ "$b" = "false nothing to bridge" ] &&
				[ $want = true ]; then
				echo $(( $(cat "$T/$mode.unbridged") + 1 )) \
					>"$T/$mode.unbridged"
			elif [ "${b%% *}" != $want ]; then
				m=
			fi
			if [ -z "$m" ] || { [ "$up" != - ] && [ -z "$u" ]; }; then
				echo $(( $(cat "$T/$mode.fail") + 1 )) >"$T/$mode.fail"
				log "$delay ms $medium/$cn/bridge $bridge $mode $i" \
					"failed: $(jq -c .last_transfer <<<"$r" 2>/dev/null)" \
					"upstream: ${u:-(none)}"
				continue
			fi
			jq -r .latency_ms <<<"$m" >>"$T/$mode.lat"
			jq -r ".$lapse" <<<"$m" >>"$T/$mode.lapse"
			jq -r .disruption_ms <<<"$m" >>"$T/$mode.dis"
			if [ -n "$u" ]; then
				jq -r .lapse <<<"$u" >>"$T/$mode.ulapse"
				jq -r .disruption_ms <<<"$u" >>"$T/$mode.udis"
			fi
		done
	done
	for mode in transfer retrieve; do
		row "$delay" "$medium" "$cn" "$bridge" $mode \
			"$(wc -l <"$T/$mode.lat")" \
			"$(pct "$T/$mode.lat" 50)" "$(pct "$T/$mode.lat" 99)" \
			"$(sum "$T/$mode.lapse")" "$(pct "$T/$mode.dis" 50)" \
			"$(pct "$T/$mode.dis" 99)" "$(sum "$T/$mode.ulapse")" \
			"$(pct "$T/$mode.udis" 50)" "$(pct "$T/$mode.udis" 99)" \
			"$(cat "$T/$mode.fail")"
	done
	for mode in transfer retrieve; do
		f=$(cat "$T/$mode.unbridged")
		[ "$f" -eq 0 ] || echo "  ($f of the ${delay} ms $medium/$cn" \
			"${mode}s took no bridge: nothing to bridge, the CN" \
			"switched before a packet needed carrying)"
	done
}

# call MEDIA BRIDGE: the MN (on the far side) calls the CN at $NEAR_IP:5080
# and waits for the CN's media to play.
call() {
	start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
		--media "$1" --bridge "$2" --control "$T/mn.sock"
	wait_until 10 test -S "$T/mn.sock" || exit 1
	ctl "$T/mn.sock" -t 60 call "sip:cn@$NEAR_IP:5080" >/dev/null
	wait_stat 10 "$T/mn.sock" .call.state eq established || exit 1
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || exit 1
}

# cn_hears TYPE COUNT N: our basic CN plays the MN's stream of TYPE (its
# COUNT, played_packets or frames_decoded, reaches N)
cn_hears() {
	wait_stat 10 "$T/cn.sock" \
		"[.streams[] | select(.type == \"$1\") | .$2][0]" ge "$3" ||
		exit 1
}

# speaker: the speakerphone on the MN's side
speaker() {
	start_far dev "$BIN/sipmob-device" --sip "$FAR_IP:5071" \
		--name speaker --control "$T/dev.sock"
	wait_until 10 test -S "$T/dev.sock" || exit 1
}

# block NAME: the logs and per-run results of the next rows go to
# $T/blocks/NAME/ (kept with KEEP=1, as $T is)
block() { RUNS=$T/blocks/$1; mkdir -p "$RUNS"; }

hang_up() {
	local d
	for d in cn dev; do   # what the CN and the device played, for the logs
		[ -S "$T/$d.sock" ] && ctl "$T/$d.sock" -t 60 --json playout 0 \
			>"$RUNS/$d.playout.json"
	done
	ctl "$T/mn.sock" -t 60 hangup >/dev/null
	stop mn; stop dev; stop cn
	mv "$T/mn.log" "$T/dev.log" "$T/cn.log" "$RUNS/"
	rm -f "$T/mn.sock" "$T/dev.sock" "$T/cn.sock"
}

row delay medium cn bridge mode runs latency_p50 latency_p99 lapse \
	disruption_p50 disruption_p99 up_lapse up_disruption_p50 \
	up_disruption_p99 failures
for delay in $DELAYS; do
	wan_up "$delay" || { log "no wire"; exit 1; }
	SPK=sip:speaker@$FAR_IP:5071

	# 1. audio: baresip on the scenario's side of the wire
	block "$delay-1-audio-baresip"
	BARESIP_IP=$NEAR_IP baresip_start cn 5080 || exit 1
	speaker
	call audio on
	measure "$delay" audio baresip on "$N" . lapse_packets - - --audio "$SPK"
	hang_up

	# 2. audio: our ordinary phone, which tells what it heard of the user
	block "$delay-2-audio-basic"
	start cn "$BIN/sipmob-device" --sip "$NEAR_IP:5080" --name cn \
		--basic --control "$T/cn.sock"
	speaker
	wait_until 10 test -S "$T/cn.sock" || exit 1
	call audio on
	cn_hears audio played_packets 25
	measure "$delay" audio basic on "$NU" . lapse_packets audio - \
		--audio "$SPK"
	hang_up

	# 3. video: an ordinary videophone; the audio stays with the MN, the
	# video goes to a wall videophone (it shows the CN and films the user)
	block "$delay-3-video-basic"
	start cn "$BIN/sipmob-device" --sip "$NEAR_IP:5080" --name cn \
		--basic --media audio,video --control "$T/cn.sock"
	start_far dev "$BIN/sipmob-device" --sip "$FAR_IP:5072" \
		--name wall --media video --control "$T/dev.sock"
	wait_until 10 test -S "$T/dev.sock" -a -S "$T/cn.sock" || exit 1
	call audio,video on
	wait_stat 10 "$T/mn.sock" '.call.media[1].played_packets' ge 10 ||
		exit 1
	cn_hears audio played_packets 25
	cn_hears video frames_decoded 10
	measure "$delay" video basic on "$NV" .video lapse_frames video video \
		--video "sip:wall@$FAR_IP:5072"
	hang_up

	# 4. audio, bridge off: the moves of before, for comparison
	block "$delay-4-audio-off"
	BARESIP_IP=$NEAR_IP baresip_start cn 5080 || exit 1
	speaker
	call audio off
	measure "$delay" audio baresip off "$NO" . lapse_packets - - \
		--audio "$SPK"
	hang_up
done
cat <<'EOF'
(delay: the CN's one-way delay in ms. latency, disruption in ms; lapse =
 the CN's audio packets, or video frames, that neither the MN nor the device
 played, summed over the runs: downstream, measured by the MN. up_*: what
 the CN played of the user (packets or frames it never got, the longest
 time it played nothing), from its own playout report; only where the CN is
 our basic device. Audio packets every 20 ms; video at 15 frames/s, so a
 frame interval is 67 ms. Targets with the bridge on: latency p99 <= one
 packet interval + 5 ms (25 ms audio, 72 ms video), lapse 0 both ways,
 audio disruption p99 <= 25 ms. Bridge off: latency is the CN's round trip
 and more.)
EOF
