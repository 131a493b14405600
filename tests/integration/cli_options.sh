#!/usr/bin/env bash
# Every program answers --help and --version with exit 0, and refuses a bad
# number option with exit 2 and a line naming the option and the range it
# wants, before it opens any socket (no control socket appears).
. "$SIPMOB_SRC/tests/lib/scenario.sh"
scenario_init cli_options

# refuses PROG OPTION VALUE [ARGS...]: exit 2, "bad OPTION" on stderr
refuses() {
	local prog=$1 opt=$2 val=$3 rc
	shift 3
	in_ns timeout 10 "$BIN/$prog" "$opt" "$val" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q -- "bad $opt '$val' (want " "$T/err" || {
		log "$prog $opt $val: exit $rc: $(cat "$T/err")"
		return 1
	}
}

for p in sipmob-mn sipmob-device sipmob-transcoder sipmob sipmob-da sipmob-sa \
	sipmob-slp sipmob-beacon sipmob-locpub; do
	check "$p --help exits 0" in_ns "$BIN/$p" --help
	check "$p --version names itself" eval \
		"in_ns '$BIN/$p' --version | grep -q '^$p '"
done

MN=(--sip 127.0.0.1:5060 --control "$T/mn.sock")
DEV=(--sip 127.0.0.1:5071 --control "$T/dev.sock")
check "sipmob-mn: --safety-ms abc" refuses sipmob-mn --safety-ms abc "${MN[@]}"
check "sipmob-mn: --safety-ms 12x" refuses sipmob-mn --safety-ms 12x "${MN[@]}"
check "sipmob-mn: --device-timeout-ms -5" \
	refuses sipmob-mn --device-timeout-ms -5 "${MN[@]}"
check "sipmob-mn: --device-timeout-ms 0" \
	refuses sipmob-mn --device-timeout-ms 0 "${MN[@]}"
check "sipmob-device: --floor 2nd" refuses sipmob-device --floor 2nd "${DEV[@]}"
check "sipmob: --timeout 0" refuses sipmob --timeout 0 -C "$T/none.sock" status
TC=(--sip 127.0.0.1:5090 --no-slp --control "$T/tc.sock")
check "sipmob-transcoder: --threads 0" refuses sipmob-transcoder --threads 0 "${TC[@]}"
check "sipmob-transcoder: --media-timeout 5s" \
	refuses sipmob-transcoder --media-timeout 5s "${TC[@]}"
check "sipmob-transcoder: --max-wake-us -1" \
	refuses sipmob-transcoder --max-wake-us -1 "${TC[@]}"
check "sipmob-da: --mtu 100" refuses sipmob-da --mtu 100
check "sipmob-da: --port 70000" refuses sipmob-da --port 70000
check "sipmob-sa: --lifetime 0" refuses sipmob-sa --lifetime 0 "$T/devices"
check "sipmob-slp: --timeout soon" refuses sipmob-slp --timeout soon findsrvs
check "sipmob-beacon: --step 0" refuses sipmob-beacon --step 0 --room r
check "sipmob-beacon: --interval 5" refuses sipmob-beacon --interval 5 --room r
check "sipmob-mn: --location-expires 2" \
	refuses sipmob-mn --location-expires 2 "${MN[@]}"
check "sipmob-mn: --location-recheck 0" \
	refuses sipmob-mn --location-recheck 0 "${MN[@]}"
LP=(--server sip:127.0.0.1:5090 --user alice --sip 127.0.0.1:5081 --room 1)
check "sipmob-locpub: --expires 0" refuses sipmob-locpub --expires 0 "${LP[@]}"
check "sipmob-device: --presence-step 0" refuses sipmob-device --presence-step 0 "${DEV[@]}"
check "sipmob-device: --aec maybe" refuses sipmob-device --aec maybe "${DEV[@]}"
check "sipmob-device: --audio-out hw:0" refuses sipmob-device --audio-out hw:0 "${DEV[@]}"
check "sipmob-mn: --audio-in loop:5000,0" refuses sipmob-mn --audio-in loop:5000,0 "${MN[@]}"
check "no control socket was opened" \
	eval "[ ! -e '$T/mn.sock' ] && [ ! -e '$T/dev.sock' ] && [ ! -e '$T/tc.sock' ]"
finish
