#!/usr/bin/env bash
# MNC transfer benchmark (issue: "100 transfers + retrievals each at 0 ms and
# 100 ms one-way CN delay, CN = baresip"). The CN is on one side of the wire
# tool; the MN and the local devices on the other. For each delay:
#  - audio: baresip is the CN; N transfers of the audio to a speakerphone
#    (sipmob-device) and N retrievals;
#  - video: an ordinary videophone (sipmob-device --basic, H.263+ with the
#    marked test pattern; Debian's baresip has no H.263) is the CN; N
#    transfers of the video to a wall display and N retrievals.
# Each move is measured by the MN from real playout (latency, lapse,
# disruption; video in decoded frames). Prints p50/p99.
# Bounded: BENCH_TRANSFERS pairs (default 100; BENCH_VIDEO_TRANSFERS for
# video, default 50) per delay, namespaces made here, every process stopped
# by PID.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
. "$SIPMOB_SRC/tests/lib/wan.sh"
N=${BENCH_TRANSFERS:-100}
NV=${BENCH_VIDEO_TRANSFERS:-50}
scenario_init bench_mnc
peers_require baresip
wan_init

pct() {   # FILE P: the P-th percentile of the numbers in FILE
	sort -n "$1" | awk -v p="$2" '{v[NR]=$1} END {
		if (!NR) { print "-"; exit }
		i = int((p / 100) * NR + 0.999); if (i < 1) i = 1; print v[i] }'
}
sum() { awk '{s+=$1} END {print s+0}' "$1"; }
row() { printf '%-6s %-6s %-9s %5s %12s %12s %8s %14s %14s %9s\n' "$@"; }

# measure DELAY MEDIUM PAIRS JQ LAPSE MOVE-ARGS...: PAIRS moves (MOVE-ARGS)
# and retrievals; JQ is the path of the medium's metrics in last_transfer,
# LAPSE the name of its lapse field.
measure() {
	local delay=$1 medium=$2 pairs=$3 path=$4 lapse=$5 mode i r m
	shift 5
	for mode in transfer retrieve; do
		: >"$T/$mode.lat"; : >"$T/$mode.lapse"; : >"$T/$mode.dis"
		echo 0 >"$T/$mode.fail"
	done
	for i in $(seq "$pairs"); do
		for mode in transfer retrieve; do
			if [ $mode = transfer ]; then
				r=$(ctl "$T/mn.sock" -t 60 --json move "$@")
			else
				r=$(ctl "$T/mn.sock" -t 60 --json retrieve)
			fi
			m=$(jq -c ".last_transfer | select(.ok) | $path" <<<"$r")
			if [ -z "$m" ] || [ "$(jq -r .latency_ms <<<"$m")" = null ]; then
				echo $(( $(cat "$T/$mode.fail") + 1 )) >"$T/$mode.fail"
				log "$medium $mode $i: $(jq -c .last_transfer <<<"$r")"
				continue
			fi
			jq -r .latency_ms <<<"$m" >>"$T/$mode.lat"
			jq -r ".$lapse" <<<"$m" >>"$T/$mode.lapse"
			jq -r .disruption_ms <<<"$m" >>"$T/$mode.dis"
		done
	done
	for mode in transfer retrieve; do
		row "${delay}ms" "$medium" $mode "$(wc -l <"$T/$mode.lat")" \
			"$(pct "$T/$mode.lat" 50)" "$(pct "$T/$mode.lat" 99)" \
			"$(sum "$T/$mode.lapse")" "$(pct "$T/$mode.dis" 50)" \
			"$(pct "$T/$mode.dis" 99)" "$(cat "$T/$mode.fail")"
	done
}

# call MEDIA: the MN (on the far side) calls the CN at $NEAR_IP:5080 and
# waits for its media to play.
call() {
	start_far mn "$BIN/sipmob-mn" --sip "$FAR_IP:5060" --user alice \
		--media "$1" --control "$T/mn.sock"
	wait_until 10 test -S "$T/mn.sock" || exit 1
	ctl "$T/mn.sock" call "sip:cn@$NEAR_IP:5080" >/dev/null
	wait_stat 10 "$T/mn.sock" .call.state eq established || exit 1
	wait_stat 10 "$T/mn.sock" '.call.media[0].played_packets' ge 25 || exit 1
}

hang_up() { ctl "$T/mn.sock" hangup >/dev/null; stop mn; stop dev; stop cn; }

row delay medium mode runs latency_p50 latency_p99 lapse disruption_p50 \
	disruption_p99 failures
for delay in 0 100; do
	wan_up "$delay" || { log "no wire"; exit 1; }

	# audio: baresip on the scenario's side of the wire
	BARESIP_IP=$NEAR_IP baresip_start cn 5080 || exit 1
	start_far dev "$BIN/sipmob-device" --sip "$FAR_IP:5071" \
		--name speaker --control "$T/dev.sock"
	wait_until 10 test -S "$T/dev.sock" || exit 1
	call audio
	measure "$delay" audio "$N" . lapse_packets \
		--audio "sip:speaker@$FAR_IP:5071"
	hang_up

	# video: an ordinary videophone; the audio stays with the MN
	start cn "$BIN/sipmob-device" --sip "$NEAR_IP:5080" --name cn \
		--basic --media audio,video --control "$T/cn.sock"
	start_far dev "$BIN/sipmob-device" --sip "$FAR_IP:5072" \
		--name display --media video --video display \
		--control "$T/dev.sock"
	wait_until 10 test -S "$T/dev.sock" -a -S "$T/cn.sock" || exit 1
	call audio,video
	wait_stat 10 "$T/mn.sock" '.call.media[1].played_packets' ge 10 ||
		exit 1
	measure "$delay" video "$NV" .video lapse_frames \
		--video "sip:display@$FAR_IP:5072"
	hang_up
done
echo "(latency and disruption in ms; lapse = the CN's audio packets, or video"
echo " frames, that no device played, summed; video at 15 frames/s, so a"
echo " frame interval is 67 ms)"
