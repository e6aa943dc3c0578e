#!/usr/bin/env bash
# test_resume.sh -- `qmap process --resume`: a run interrupted after N scans (SIGINT raised
# by the test hook QMAP_TEST_STOP_AFTER_SCANS once N scans are checkpointed) and resumed
# gives a results file whose every dataset is bit-for-bit equal to an uninterrupted run's
# with the same --threads (the per-thread partial sums are saved as they are, so no
# reduction-order tolerance is needed); a checkpoint from other settings or a damaged one
# is refused with one line and nothing written.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/resume
rm -rf "$T" && mkdir -p "$T"
fail=0
"$QMAP" simulate -o "$T/sim" --size 16,12 --eta 8 --seed 7 >/dev/null || { echo "simulate failed"; exit 1; }
IN="$T/sim/sample_0001.h5"
run() { "$QMAP" process "$IN" --threads 2 "$@"; }

same() {   # A B: every dataset equal bit for bit (NaN = NaN), every attribute but parameters/output,
           # except the record of the run itself (its command line and date)
    "$PY" - "$1" "$2" <<'PYEOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
bad, n = [], [0]
RUN_RECORD = ("entry/start_time", "entry/process/date", "entry/process/command_line")
def visit(name, obj):
    if name in RUN_RECORD:
        return
    if name not in b:
        bad.append(name + " missing"); return
    for k, v in obj.attrs.items():
        if not (name in ("parameters", "entry/process/choices") and k == "output") and not np.array_equal(v, b[name].attrs.get(k)):
            bad.append(name + "@" + k)
    if isinstance(obj, h5py.Dataset):
        n[0] += 1
        x, y = np.atleast_1d(obj[()]), np.atleast_1d(b[name][()])
        eq = x.shape == y.shape and (np.array_equal(x.view(np.uint8), y.view(np.uint8)) if x.dtype.kind in "fiu"
                                     else np.array_equal(x, y))
        if not eq:
            bad.append(name)
a.visititems(visit)
print("%d datasets compared; differing: %s" % (n[0], bad or "none"))
sys.exit(1 if bad or n[0] < 10 else 0)
PYEOF
}

run -o "$T/full.h5" >/dev/null || { echo "FAIL: uninterrupted run"; exit 1; }

# interrupted after 3 of 8 scans, resumed
QMAP_TEST_STOP_AFTER_SCANS=3 run -o "$T/a.h5" >/dev/null 2>&1
[ $? -eq 130 ] && [ -f "$T/a.h5.checkpoint" ] && [ ! -e "$T/a.h5" ] || { echo "FAIL: interrupt did not leave a checkpoint only"; fail=1; }
run -o "$T/a.h5" --resume >"$T/a.log" || { echo "FAIL: resume"; fail=1; }
grep -q "resume: 3 of 8 scans taken from the checkpoint" "$T/a.log" || { echo "FAIL: resume not logged"; cat "$T/a.log"; fail=1; }
[ ! -e "$T/a.h5.checkpoint" ] || { echo "FAIL: checkpoint left after the results were written"; fail=1; }
same "$T/full.h5" "$T/a.h5" || { echo "FAIL: resumed after 3 scans differs from the uninterrupted run"; fail=1; }

# interrupted twice (after 2, then after 2 more), resumed each time
QMAP_TEST_STOP_AFTER_SCANS=2 run -o "$T/b.h5" >/dev/null 2>&1
QMAP_TEST_STOP_AFTER_SCANS=2 run -o "$T/b.h5" --resume >/dev/null 2>&1
[ $? -eq 130 ] || { echo "FAIL: second interrupt"; fail=1; }
run -o "$T/b.h5" --resume >"$T/b.log" || { echo "FAIL: second resume"; fail=1; }
grep -q "resume: 4 of 8 scans" "$T/b.log" || { echo "FAIL: second resume did not start at scan 4"; fail=1; }
same "$T/full.h5" "$T/b.h5" || { echo "FAIL: twice-resumed run differs"; fail=1; }

# refused: NAME EXPECTED-WORDS -- arguments; one stderr line, exit non-zero, no results,
# the checkpoint left as it was
refused() {
    local name=$1 words=$2; shift 3
    cp "$T/c.h5.checkpoint" "$T/c.before"
    "$QMAP" process "$IN" -q -o "$T/c.h5" "$@" >/dev/null 2>"$T/$name.stderr"
    local rc=$? ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] && grep -qi -- "$words" "$T/$name.stderr" ||
        { echo "FAIL $name: stderr:"; cat "$T/$name.stderr"; ok=0; }
    ls "$T"/c.h5 "$T"/c.h5.tmp-* >/dev/null 2>&1 && { echo "FAIL $name: results file written"; ok=0; }
    cmp -s "$T/c.before" "$T/c.h5.checkpoint" || { echo "FAIL $name: checkpoint changed or removed"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.stderr")"
    [ $ok -eq 1 ] || fail=1
}
QMAP_TEST_STOP_AFTER_SCANS=3 run -o "$T/c.h5" >/dev/null 2>&1
refused threads "other options, input or thread count" -- --threads 1 --resume
refused bins "other options, input or thread count" -- --threads 2 --bins 7,7,7 --resume
refused voi "other options, input or thread count" -- --threads 2 --voi -0.01:0.01,-0.01:0.01,1.316:1.34 --resume
refused qspace "not possible with --save-qspace" -- --threads 2 --save-qspace --resume
cp "$T/c.h5.checkpoint" "$T/good.checkpoint"
head -c 1000 "$T/good.checkpoint" >"$T/c.h5.checkpoint"
refused truncated "truncated or corrupt" -- --threads 2 --resume
"$PY" -c "
import sys; d = bytearray(open(sys.argv[1], 'rb').read()); d[len(d) // 2] ^= 1
open(sys.argv[2], 'wb').write(d)" "$T/good.checkpoint" "$T/c.h5.checkpoint"
refused flipped "truncated or corrupt" -- --threads 2 --resume
echo "not a checkpoint" >"$T/c.h5.checkpoint"
refused garbage "not a qmap checkpoint" -- --threads 2 --resume
rm -f "$T/c.h5.checkpoint"
"$QMAP" process "$IN" -q -o "$T/c.h5" --threads 2 --resume >/dev/null 2>"$T/none.stderr"
[ $? -ne 0 ] && grep -q "cannot open the checkpoint" "$T/none.stderr" && [ ! -e "$T/c.h5" ] ||
    { echo "FAIL none: resume without a checkpoint"; cat "$T/none.stderr"; fail=1; }
exit $fail
