#!/usr/bin/env bash
# skipped-summary.sh CTEST_LOG [SHARED_DIR] -- the one line scripts/test.sh prints after the
# suite: how many tests CTest reported as skipped (exit 77: their real-data part needs the
# ../shared folder beside the checkout, absent in a clone of qmap alone) and which.
set -euo pipefail
log=$1
shared=${2:-../shared}
names=$(sed -n 's/.*Test *#[0-9]*: \([^ ]*\) .*\*\*\*Skipped.*/\1/p' "$log" | sort | tr '\n' ' ')
n=$(printf '%s' "$names" | wc -w)
if [ "$n" -eq 0 ]; then
    echo "real-data tests: none skipped (real beamline files and reference vectors found in $shared)"
else
    echo "real-data tests: $n skipped (${names% }) because $shared is absent: it holds the real ID01 beamline files and xrayutilities reference vectors; every other check ran (README, Quality checks)"
fi
