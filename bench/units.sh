#!/usr/bin/env bash
# The speed figures of single modules (`make bench`, or `bash bench/units.sh`
# with SIPMOB_BUILD set): SLP store lookups against the store's size, video
# CPU per frame, and the DA's lifetime sweep (bench/units.c). These were
# limits inside unit tests; the tests now check behaviour only.
set -euo pipefail
B=${SIPMOB_BUILD:?SIPMOB_BUILD must name the build folder}
"$B/units"
