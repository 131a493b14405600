#!/usr/bin/env bash
# Every command shown in README.md and docs/ runs as written. The commands
# are read from the pages (tests/tools/doc_commands.py: shell blocks, the
# command lines of other blocks, inline `make ...`, `cmake ...` and bench
# commands) and each one is run, or listed as skipped with the reason:
#   make TARGET          make -n TARGET in the source tree (what it would
#                        do, without doing it; exit 0)
#   cd build && ctest    ctest -N with the same options: lists >= 1 test
#   cmake -S . -B DIR    configures (in a copy of the tree's top level)
#   bench scripts        run as written with the small counts the page
#                        names (BENCH_*), those that end in well under a
#                        minute; the longer ones are `make bench`'s
#   a synopsis           its program answers --help
#   PROG ... &           started, in this test's network namespace, and
#                        still running once the page's commands are done
#   sipmob -C SOCK ...   exit 0 (after waiting, as a user would, for the
#                        daemon to be up and the call to settle)
#   sipmob-slp ...       against a DA this test runs
# A block with an example site's addresses (10.x, example.com hosts to
# dial), files it does not have (certificates, /etc/sipmob) or a fragment
# of a test scenario is skipped whole, with the reason. The commands run
# with the build's programs first on PATH, from a copy of the source
# tree's top level whose `build` is this build.
. "$SIPMOB_SRC/tests/lib/scenario.sh"
. "$SIPMOB_SRC/tests/lib/peers.sh"
peers_require python3 jq make cmake ctest
scenario_init docs_commands
ns_multicast

# the tree as a user has it: `build` is this build
W=$T/src
mkdir -p "$W"
for e in "$SIPMOB_SRC"/* "$SIPMOB_SRC"/.[!.]*; do
	[ -e "$e" ] || continue
	[ "$(basename "$e")" = build ] && continue
	ln -s "$e" "$W/$(basename "$e")"
done
[ -e "$W/build" ] || ln -s "$BIN" "$W/build"
RUNPATH="$BIN:$PATH"

"$PEERS_PY" "$SIPMOB_SRC/tests/tools/doc_commands.py" "$SIPMOB_SRC" \
	>"$T/commands.tsv"
need "commands found in the docs" test "$(wc -l <"$T/commands.tsv")" -ge 40

# Blocks skipped whole, and why
declare -A SKIPBLOCK
while IFS=$'\t' read -r loc block cmd; do
	[ "$block" = inline ] && continue
	why=
	case $cmd in
	*scenario_init*|". \"\$SIPMOB_SRC/tests/lib/"*)
		why="a fragment of a test scenario (tests/lib)" ;;
	*" 10."[0-9]*|*"@10."*|*"10.0.0."*|*"10.1.1."*)
		why="an example site's addresses (10.x)" ;;
	*/etc/sipmob/*) why="a site's set-up (writes /etc/sipmob)" ;;
	*.pem*|*.crt*|*.key*) why="needs the certificates it names" ;;
	*" ..."*) why="an outline: its ... stands for a site's options" ;;
	sipmob-locpub*|*"-C pub.sock"*)
		why="needs a presence server (interop/location_presence runs Kamailio's)" ;;
	esac
	[ -n "$why" ] && [ -z "${SKIPBLOCK[$block]:-}" ] && SKIPBLOCK[$block]=$why
done <"$T/commands.tsv"

SKIPS=()
RUN=0
runc() { RUN=$((RUN + 1)); check "$@"; }
skip() { SKIPS+=("$loc: $cmd -- $1"); log "skip: $loc: $cmd ($1)"; }
in_tree() { (cd "$W" && PATH="$RUNPATH" bash -c "$1"); }
in_ns_tree() { in_ns env PATH="$RUNPATH" bash -c "cd '$W' && $1"; }

# daemons a page starts (its examples go on from block to block), stopped
# when the next page begins
STORY=()
declare -A STORYCMD
story_end() {
	local n
	for n in "${STORY[@]}"; do
		check "$n (${STORYCMD[$n]}) is still running after its page" alive "$n"
		stop "$n"
	done
	STORY=()
}
socket_of() { grep -o -- '-C [^ ]*' <<<"$1" | cut -d' ' -f2; }
mn_settled() {
	local s
	s=$(ctl "$1" status --json) || return 1
	[ "$(jq -r '.call.transferring // false' <<<"$s")" = false ] &&
		! jq -r '.handoff.state // "none"' <<<"$s" | grep -q ing
}
room_has() { [ "$(ctl "$1" --json devices --room "$2" | jq '.devices | length')" -ge "$3" ]; }

bench_counts() {   # the small counts for a bench script; empty: too long
	case $1 in
	*bench/units.sh*|*bench/wire.sh*) echo "SIPMOB_BUILD=build" ;;
	*bench/mnc.sh*) echo "BENCH_DELAYS=0 BENCH_TRANSFERS=2 BENCH_UP_TRANSFERS=1 BENCH_VIDEO_TRANSFERS=1 BENCH_OFF_TRANSFERS=1" ;;
	*bench/handoff.sh*) echo "BENCH_HANDOFFS=1 BENCH_DELAYS=0 BENCH_CNS=basic" ;;
	esac
}

prev_file=
n=0   # names the daemons started
while IFS=$'\t' read -r loc block cmd <&3; do
	if [ "${loc%%:*}" != "$prev_file" ]; then
		story_end
		prev_file=${loc%%:*}
	fi
	if [ -n "${SKIPBLOCK[$block]:-}" ]; then
		skip "${SKIPBLOCK[$block]}"
		continue
	fi
	n=$((n + 1))
	case $cmd in
	make|"make "*)
		runc "$loc: $cmd (make -n)" in_tree "make -n ${cmd#make} >/dev/null" ;;
	"cd build && "*NAME*)
		skip "NAME is a placeholder" ;;
	"cd build && "*ctest*)
		c=${cmd#cd build && }
		runc "$loc: $cmd (ctest -N lists tests)" in_tree \
			"cd build && ${c/ctest/ctest -N} | grep -q 'Total Tests: [1-9]'" ;;
	"cmake -S . -B "*)
		runc "$loc: $cmd" in_tree "$cmd >'$T/cmake.log' 2>&1" ;;
	*"bash bench/"*)
		counts=$(bench_counts "$cmd")
		if [ -z "$counts" ]; then
			skip "minutes long: make bench runs it (bench/run.sh)"
			continue
		fi
		# a count the page gives is set to ours, the others added
		for a in $counts; do
			if [[ $cmd == *"${a%%=*}="* ]]; then
				cmd=$(sed "s/${a%%=*}=[^ ]*/$a/" <<<"$cmd")
			else
				cmd="$a $cmd"
			fi
		done
		s0=$SECONDS
		runc "$loc: $cmd" in_tree "$cmd >>'$T/bench.log' 2>&1"
		log "...$((SECONDS - s0)) s" ;;
	*"bash tests/"*)
		skip "a test of its own: ctest runs it" ;;
	*" ["*)
		runc "$loc: ${cmd%% *} --help (a synopsis)" in_tree \
			"${cmd%% *} --help >/dev/null" ;;
	*"retrieve --from"*)
		skip "after a restart of the MN, as the page says" ;;
	*" &")
		name=d$n
		sock=$(grep -o -- '--control [^ ]*' <<<"$cmd" | cut -d' ' -f2)
		[ -n "$sock" ] && rm -f "$sock"
		start "$name" env PATH="$RUNPATH" bash -c "exec ${cmd% &}"
		STORY+=("$name")
		STORYCMD[$name]=${cmd%% --*}
		[ -n "$sock" ] && wait_until 10 test -S "$sock"
		case $cmd in sipmob-da*) wait_log "$name" 'ready' 10 ;; esac ;;
	"sipmob -C "*)
		sock=$(socket_of "$cmd")
		wait_until 10 test -S "$sock"
		case $cmd in *" move "*|*" devices "*)
			wait_until 15 room_has "$sock" 123 2 ;; esac
		wait_until 15 mn_settled "$sock"
		runc "$loc: $cmd" in_ns_tree "$cmd >>'$T/sipmob.log' 2>&1"
		case $cmd in *" call "*)
			wait_stat 10 "$sock" .call.state eq established ;; esac ;;
	sipmob-slp*)
		if ! alive slpda; then
			start slpda "$BIN/sipmob-da"   # found by multicast
			wait_log slpda 'ready' 10
		fi
		runc "$loc: $cmd (a DA running)" in_ns_tree "$cmd >/dev/null" ;;
	*)
		runc "$loc: $cmd" in_ns_tree "$cmd >/dev/null" ;;
	esac
done 3<"$T/commands.tsv"
story_end

log "ran $RUN commands; skipped ${#SKIPS[@]}:"
for s in "${SKIPS[@]}"; do log "  $s"; done
check "$RUN commands ran (at least 30)" ge "$RUN" 30
finish
