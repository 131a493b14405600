#!/usr/bin/env bash
# `make bench`: runs every bench/*.sh in name order against the build folder
# given. Each prints its own table; none of them is a test (they print
# numbers, and fail only when they cannot run). Loads are bounded in count and
# time, and stay on loopback or in namespaces the scripts create.
set -euo pipefail
build=$(cd "${1:?usage: run.sh BUILD}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
export SIPMOB_BUILD=$build SIPMOB_SRC=$(cd "$here/.." && pwd)
shopt -s nullglob
for b in "$here"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $(basename "$b" .sh)"
	rc=0
	bash "$b" || rc=$?
	# 77: a peer it needs is missing (as in the tests); anything else fails
	[ $rc -eq 77 ] && { echo "(skipped: a peer is missing)"; continue; }
	[ $rc -eq 0 ] || exit $rc
done
