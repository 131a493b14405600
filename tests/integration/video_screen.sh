#!/usr/bin/env bash
# The display's window shows the far end's picture. An X server (Xvfb,
# 640x480, on a display number it finds free) is started for the test; the
# display device opens a full-screen SDL2 window on it (--screen
# sdl:fullscreen). The MN calls the CN and moves its video to the display,
# which decodes the CN's pattern. A screenshot of the X screen
# (tests/tools/screen_bars.py, through Pillow) must then show the pattern's
# eight colour bars, in the order the CN's seed gives, stretched across
# the whole window. Closing the window (WM_DELETE_WINDOW, as a window
# manager's close button sends) is logged, and the display goes on
# decoding without it. Without a display to open (no DISPLAY), --screen
# is refused with the reason (exit 2); an unknown screen too. `make demo`
# stays headless; `make demo SCREEN=1` gives the demo's display --screen.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require Xvfb python3 make
"$PEERS_PY" -c 'from PIL import ImageGrab' 2>/dev/null ||
	{ log "skipped: missing python3-pil (scripts/install-deps installs it)"; exit 77; }
scenario_init video_screen

DSP=sip:display@127.0.0.1:5072
# Xvfb picks a free display number itself and writes it (-displayfd)
start xvfb bash -c "exec Xvfb -displayfd 3 -screen 0 640x480x24 \
	-nolisten tcp 3>'$T/xdisplay'"
need "Xvfb up" wait_until 10 grep -q '^[0-9]' "$T/xdisplay"
X=":$(head -n 1 "$T/xdisplay")"
need "Xvfb $X answers" wait_until 10 in_ns env DISPLAY="$X" "$PEERS_PY" -c \
	"from PIL import ImageGrab; ImageGrab.grab(xdisplay='$X')"

out=$(in_ns env -u DISPLAY -u WAYLAND_DISPLAY timeout 5 "$BIN/sipmob-device" \
	--sip 127.0.0.1:5099 --media video --video display --screen sdl 2>&1)
check "--screen without a display is refused (exit 2)" eq "$?" 2
check "...saying so" eq "$(grep -c -- "--screen: no display" <<<"$out")" 1
out=$(in_ns env DISPLAY="$X" timeout 5 "$BIN/sipmob-device" \
	--sip 127.0.0.1:5099 --media video --video display --screen vga 2>&1)
check "--screen vga is refused (exit 2)" eq "$?" 2
check "...naming it" eq "$(grep -c "unknown screen 'vga'" <<<"$out")" 1

# make demo: headless unless SCREEN=1, which gives the display --screen
check "make demo runs the demo without a screen" eq "$(make -s -n -C "$SIPMOB_SRC" \
	BUILD="$BIN" demo 2>/dev/null | grep -c 'scripts/demo.sh .* --screen')" 0
check "make demo SCREEN=1 runs it with one" eq "$(make -s -n -C "$SIPMOB_SRC" \
	BUILD="$BIN" demo SCREEN=1 2>/dev/null | grep -c 'scripts/demo.sh .* --screen')" 1
check "...which the demo gives its wall display" \
	grep -q '"${SCREEN\[@\]}" --control "$T/display.sock"' "$SIPMOB_SRC/scripts/demo.sh"

start cn "$BIN/sipmob-device" --sip 127.0.0.1:5080 --name cn --basic \
	--media audio,video --control "$T/cn.sock"
start dsp env DISPLAY="$X" "$BIN/sipmob-device" --sip 127.0.0.1:5072 \
	--name display --media video --video display --screen sdl:fullscreen \
	--control "$T/dsp.sock"
start mn "$BIN/sipmob-mn" --sip 127.0.0.1:5060 --user alice \
	--media audio,video --control "$T/mn.sock"
need "daemons up" wait_until 10 test -S "$T/cn.sock" -a -S "$T/dsp.sock" \
	-a -S "$T/mn.sock"

ctl "$T/mn.sock" call sip:cn@127.0.0.1:5080 >/dev/null
need "call established" wait_stat 10 "$T/mn.sock" .call.state eq established
r=$(ctl "$T/mn.sock" --json move --video "$DSP")
log "move: $(jq -c .last_transfer <<<"$r")"
need "video moved to the display" eq "$(jq -r .last_transfer.ok <<<"$r")" true
cn_vssrc=$(jstat "$T/cn.sock" '.streams[1].tx_ssrc')
seed=$((cn_vssrc & 255))
check "the display decodes the CN's pattern (seed $seed)" \
	wait_stat 10 "$T/dsp.sock" '.streams[0].pattern_seed' eq "$seed"
check "...and goes on (15 more frames)" \
	grows 10 "$T/dsp.sock" '.streams[0].frames_decoded' 15
w=$(jstat "$T/dsp.sock" '.streams[0].width')
h=$(jstat "$T/dsp.sock" '.streams[0].height')
check "the window shows ${w}x$h pictures (display log)" \
	wait_log dsp "screen: showing ${w}x$h pictures" 10

# the screenshot: the pattern's bars where the stretched picture puts them
shows_bars() {
	local r
	r=$(in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/screen_bars.py" "$X" \
		"$seed" "$w" "$h" "$T/screen.png")
	local rc=$?
	log "screenshot: $r"
	return $rc
}
check "a screenshot of $X shows the CN's colour bars across the screen" \
	wait_until 10 shows_bars
r=$(in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/screen_bars.py" "$X" "$seed" "$w" "$h")
log "screenshot: $r"
check "...on all 640x480 of it" eq "$(jq -c .size <<<"$r")" "[640,480]"
check "...and not another seed's order (the bars rotated by one fail)" \
	test "$(in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/screen_bars.py" "$X" \
		$(((seed + 1) & 255)) "$w" "$h" >/dev/null; echo $?)" = 1
# closing the window (as a window manager's close button does) leaves a
# display without a screen that goes on decoding
need "the window is asked to close" in_ns "$PEERS_PY" \
	"$SIPMOB_SRC/tests/tools/x_close.py" "$X" display
check "the device logs the window closed" \
	wait_log dsp "screen: window closed after [0-9]+ pictures; going on without a screen" 10
check "...and goes on decoding (15 more frames)" \
	grows 10 "$T/dsp.sock" '.streams[0].frames_decoded' 15
check "...still the CN's picture" \
	eq "$(jstat "$T/dsp.sock" '.streams[0].pattern_seed')" "$seed"
check "...with its window gone from the screen (no bars)" \
	test "$(in_ns "$PEERS_PY" "$SIPMOB_SRC/tests/tools/screen_bars.py" "$X" \
		"$seed" "$w" "$h" >/dev/null; echo $?)" = 1

# the device goes before its X server
stop dsp
finish
