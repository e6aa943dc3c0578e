#!/usr/bin/env bash
# test_readonly.sh -- no command modifies its inputs (issue 7, item 5): every command that
# reads user files (info, process with --mask/--cif/--report/--save-qspace/--xsocs-qspace,
# report, particles, sem, hkl, powder) runs on inputs made read-only (chmod a-w: enforced
# when the suite runs as a normal user), the checksums of all input files are compared
# before and after, and under strace (when installed) no open of an input file asks for
# write access. `particles` updates the results file by design: the raw inputs are checked.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
SRC=${QMAP_SRC:?}
T=${QMAP_TEST_TMP:-/tmp}/readonly
chmod -R u+w "$T" 2>/dev/null; rm -rf "$T" && mkdir -p "$T/in" "$T/out"
fail=0
"$QMAP" simulate -o "$T/in/sim" --size 12,10 --eta 5 --seed 9 >/dev/null || { echo "simulate failed"; exit 1; }
IN="$T/in/sim/sample_0001.h5"
cp "$SRC/tests/data/NMC622_icsd.cif" "$T/in/nmc.cif"
"$PY" - "$T/in" <<'PYEOF' || { echo "could not make the image inputs"; exit 1; }
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
m = np.zeros((516, 516), np.uint8); m[10:12, 20:30] = 255   # mpx1x4 mask: a few pixels
Image.fromarray(m).save(d + "/mask.png")
y, x = np.mgrid[0:200, 0:240]
img = np.full((200, 240), 40.0)
for cy, cx, r in [(50, 60, 18), (120, 150, 25), (60, 180, 15), (150, 60, 20)]:
    img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = 200
Image.fromarray(img.astype(np.uint8)).save(d + "/sem.png")
# a powder pattern: two pseudo-lines on a flat background, enough for the reader and a fit
tt = np.arange(15, 80, 0.02)
I = 50 + 1000 * np.exp(-0.5 * ((tt - 18.7) / 0.05) ** 2) + 500 * np.exp(-0.5 * ((tt - 44.4) / 0.06) ** 2)
np.savetxt(d + "/pattern.xy", np.c_[tt, I])
PYEOF
# results of a first run, kept as an input of report and particles
"$QMAP" process "$IN" -q -o "$T/in/results.h5" --threads 2 >/dev/null || { echo "process failed"; exit 1; }

sums() { (cd "$T/in" && find . -type f -print0 | sort -z | xargs -0 md5sum); }
before=$(sums)
chmod -R a-w "$T/in"

TRACE=""
# strace where it is installed and allowed to trace (some containers forbid ptrace)
strace -qq -o /dev/null true 2>/dev/null && TRACE="strace -f -qq -e trace=open,openat,creat -o"
# LeakSanitizer cannot run under ptrace: in a sanitizer build, leaks are checked by the
# other tests; here only file access matters.
[ -n "$TRACE" ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# run NAME -- command arguments: must succeed; under strace, no write-mode open in $T/in
run() {
    local name=$1; shift 2
    local log="$T/out/$name.trace"
    if [ -n "$TRACE" ]; then
        $TRACE "$log" "$QMAP" "$@" >"$T/out/$name.stdout" 2>"$T/out/$name.stderr"
    else
        "$QMAP" "$@" >"$T/out/$name.stdout" 2>"$T/out/$name.stderr"
    fi
    local rc=$?
    [ $rc -eq 0 ] || { echo "FAIL $name: exit $rc"; cat "$T/out/$name.stderr"; fail=1; return; }
    if [ -n "$TRACE" ] && grep "$T/in/" "$log" | grep -E "O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|creat\(" ; then
        echo "FAIL $name: opened an input for writing (above)"; fail=1; return
    fi
    # (particles reads only its results file, a writable copy outside $T/in by design)
    if [ -n "$TRACE" ] && [ "$name" != particles ] && ! grep "$T/in/" "$log" | grep -q "O_RDONLY"; then
        echo "FAIL $name: the trace shows no read of the inputs (is the check working?)"; fail=1; return
    fi
    echo "ok   $name${TRACE:+ (strace: inputs opened read-only)}"
}
run info -- info "$IN"
run process -- process "$IN" -q -o "$T/out/r.h5" --threads 2 --mask "$T/in/mask.png" --hkl 0,0,3 \
    --cif "$T/in/nmc.cif" --save-qspace --xsocs-qspace "$T/out/xq.h5" --report
run report -- report "$T/in/results.h5" -o "$T/out/report"
cp "$T/in/results.h5" "$T/out/results_copy.h5" && chmod u+w "$T/out/results_copy.h5"
run particles -- particles "$T/out/results_copy.h5"
mkdir -p "$T/out/sem"
run sem -- sem "$T/in/sem.png" --pixel-size 10 -o "$T/out/sem"
run hkl -- hkl "$T/in/nmc.cif" 0,0,3 1,0,4 --energy 9000
# (two lines: a, c and a free zero shift would be 100 % correlated, exit status 3)
run powder -- powder "$T/in/nmc.cif" "$T/in/pattern.xy" --wavelength 1.5406 --lebail --zero 0 -o "$T/out/powder"

chmod -R u+w "$T/in"
after=$(sums)
if [ "$before" != "$after" ]; then
    echo "FAIL: input checksums changed:"; diff <(echo "$before") <(echo "$after"); fail=1
else
    echo "ok   checksums of $(echo "$before" | wc -l) input files unchanged"
fi
exit $fail
