#!/usr/bin/env bash
# Runs every libFuzzer harness built in BUILD for SECONDS each, starting from
# its seed corpus in tests/fuzz/corpus/NAME. New interesting inputs go to
# BUILD/fuzz-corpus/NAME (the source tree is only read); copy the ones worth
# keeping into tests/fuzz/corpus/NAME by hand. A crash fails the run and
# leaves the reproducer in BUILD/fuzz-artifacts.
set -euo pipefail
build=${1:?usage: run.sh BUILD SECONDS}
secs=${2:?usage: run.sh BUILD SECONDS}
here=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
n=0
for h in "$build"/fuzz_*; do
	[ -x "$h" ] || continue
	name=$(basename "$h"); name=${name#fuzz_}
	corpus="$here/corpus/$name"
	work="$build/fuzz-corpus/$name"
	mkdir -p "$corpus" "$work" "$build/fuzz-artifacts"
	echo "fuzz: $name for ${secs}s"
	"$h" -max_total_time="$secs" -max_len=4096 -timeout=10 \
		-artifact_prefix="$build/fuzz-artifacts/$name-" \
		-print_final_stats=0 "$work" "$corpus" \
		2>"$build/fuzz-$name.log" || {
		tail -40 "$build/fuzz-$name.log"; exit 1; }
	grep -E '^(#[0-9]+.*DONE|Done)' "$build/fuzz-$name.log" | tail -1 || true
	n=$((n + 1))
done
echo "fuzz: $n harnesses ran clean"
