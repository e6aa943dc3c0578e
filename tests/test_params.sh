#!/usr/bin/env bash
# test_params.sh -- reproducible runs: `--write-params` writes the settings of a command,
# `--params FILE` and `--params RESULTS.h5` repeat it with bit-identical maps; options on the
# command line override the file; bad parameter files give a one-line error and status 2.
set -eu
T=${QMAP_TEST_TMP:-/tmp}/params
rm -rf "$T" && mkdir -p "$T"
Q=${QMAP_BIN:?}
"$Q" simulate -o "$T/data" --size 12,10 --eta 7 --seed 4 >/dev/null
"$Q" process "$T/data/sample_0001.h5" -o "$T/a.h5" -q --shift none --bins 8,9,10 --skip-bad-scans --hot-fraction 0.85 \
    --offset eta=0.01,delta=-0.02 --dref 3.1356
"$Q" process --params "$T/a.h5" -o "$T/b.h5" -q
"$Q" process "$T/data/sample_0001.h5" --shift none --bins 8,9,10 --skip-bad-scans --hot-fraction 0.85 \
    --offset eta=0.01,delta=-0.02 --dref 3.1356 --write-params "$T/p.txt" >/dev/null
[ ! -e "$T/p_qmap.h5" ] || { echo "--write-params must not process"; exit 1; }
grep -q '^bins = 8,9,10$' "$T/p.txt" && grep -q '^skip-bad-scans = on$' "$T/p.txt" && grep -q '^input = ' "$T/p.txt"
"$Q" process --params "$T/p.txt" -o "$T/c.h5" -q
for f in b c; do
    # every map, fit and q-space dataset equal, bit for bit (h5diff without tolerance)
    for g in /maps /fit /qspace /shift /scans; do
        h5diff "$T/a.h5" "$T/$f.h5" $g || { echo "$f.h5 $g differs from the original run"; exit 1; }
    done
done
# a results file written from Python records its options too, and the CLI repeats it
ASAN_LIB=$(ldd "${QMAP_LIBRARY:?}" 2>/dev/null | awk '/libasan/ {print $3}')
PYTHONPATH="${QMAP_SRC:?}/python" LD_PRELOAD="${ASAN_LIB}" ASAN_OPTIONS=detect_leaks=0 "${PYTHON:-/usr/bin/python3}" - "$T" <<'PYEOF'
import sys, qmap
T = sys.argv[1]
qmap.process(f"{T}/data/sample_0001.h5", output=f"{T}/py.h5", shift="none", bins=[8, 9, 10], hot_fraction=0.85)
PYEOF
"$Q" process --params "$T/py.h5" -o "$T/e.h5" -q
h5diff "$T/py.h5" "$T/e.h5" /maps || { echo "CLI repeat of the Python run differs"; exit 1; }
# the command line overrides the file
"$Q" process --params "$T/p.txt" --bins 6,6,6 -o "$T/d.h5" -q
h5dump -d /entry/process/parameters/bins "$T/d.h5" | grep -q '6, 6, 6'
# errors: a line that is not name = value, an unknown option, a missing file
printf 'input = x.h5\nthis line is wrong\n' >"$T/bad.txt"
set +e
err=$("$Q" process --params "$T/bad.txt" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "^qmap process: .*bad.txt:2: expected 'name = value'" || { echo "bad line: $rc $err"; exit 1; }
printf 'input = x.h5\nbogus = 1\n' >"$T/bad2.txt"
err=$("$Q" process --params "$T/bad2.txt" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "bogus" || { echo "unknown name: $rc $err"; exit 1; }
err=$("$Q" process --params "$T/missing.txt" 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "missing.txt" || { echo "missing file: $rc $err"; exit 1; }
echo "params ok"
