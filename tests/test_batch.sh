#!/usr/bin/env bash
# test_batch.sh -- several datasets in one command: `qmap process A B C [options]` processes
# each (one results file per input, identical to a single run with the same options), goes
# on past a failed dataset, prints a summary table and exits 1 at the end; -o is refused.
set -eu
T=${QMAP_TEST_TMP:-/tmp}/batch
rm -rf "$T" && mkdir -p "$T/run"
Q=${QMAP_BIN:?}
"$Q" simulate -o "$T/a" --size 12,10 --eta 7 --seed 7 >/dev/null
"$Q" simulate -o "$T/b" --size 10,8 --eta 7 --seed 8 >/dev/null
mv "$T/b/sample_0001.h5" "$T/b/other_0001.h5"
printf 'not an HDF5 file\n' >"$T/broken.h5"
cd "$T/run"
set +e
"$Q" process "$T/a/sample_0001.h5" "$T/broken.h5" "$T/b/other_0001.h5" --shift none --bins 8,9,10 -q \
    >"$T/out.txt" 2>"$T/err.txt"
rc=$?
set -e
[ $rc -eq 1 ] || { echo "FAIL: exit $rc, expected 1"; cat "$T/out.txt" "$T/err.txt"; exit 1; }
[ -s sample_0001_qmap.h5 ] && [ -s other_0001_qmap.h5 ] && [ ! -e broken_qmap.h5 ] \
    || { echo "FAIL: results files"; ls; exit 1; }
grep -q "batch summary: 2 of 3 datasets processed" "$T/out.txt" || { echo "FAIL: summary"; cat "$T/out.txt"; exit 1; }
grep -q "^  ok .*sample_0001.h5 .*sample_0001_qmap.h5" "$T/out.txt" && grep -q "^  FAILED 1 .*broken.h5" "$T/out.txt" \
    || { echo "FAIL: summary rows"; cat "$T/out.txt"; exit 1; }
grep -q "^qmap process: .*broken.h5" "$T/err.txt" && grep -q "^qmap process: 1 of 3 datasets failed" "$T/err.txt" \
    || { echo "FAIL: errors"; cat "$T/err.txt"; exit 1; }
# each results file is what a single run gives (maps bit-identical)
"$Q" process "$T/b/other_0001.h5" --shift none --bins 8,9,10 -q -o "$T/single.h5"
h5diff other_0001_qmap.h5 "$T/single.h5" /maps || { echo "FAIL: batch result differs from a single run"; exit 1; }
# -o names one file: refused with several inputs
set +e
"$Q" process "$T/a/sample_0001.h5" "$T/b/other_0001.h5" -o x.h5 2>"$T/err2.txt"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "^qmap process: -o names one file" "$T/err2.txt" || { echo "FAIL: -o with several inputs: $rc"; exit 1; }
echo "batch ok"
