#!/usr/bin/env bash
# test_series.sh -- several 5D series in one file (issue 11).
# A simulated file holds two series of two different particles (different map origins,
# seeds and d-spacings) with an alignment ascan between them. Checks: `qmap info` lists both
# with their --scans options; `qmap process` without --scans refuses with one line naming
# both and writes nothing; bad --scans lists are one-line errors with no output;
# `--scans` of the second series recovers the second particle's ground truth (and not the
# first one's, which shows the comparison can fail).
set -u
. "$(dirname "$0")/shared_data.sh"   # the real files of ../shared: skipped (exit 77) when absent
QMAP=${QMAP_BIN:?}
T=${QMAP_TEST_TMP:-/tmp}/series
rm -rf "$T" && mkdir -p "$T"
fail=0
"$QMAP" simulate -o "$T/sim" --series 2 >/dev/null || { echo "simulate failed"; exit 1; }
IN="$T/sim/sample_0001.h5"

"$QMAP" info "$IN" > "$T/info.txt" || { echo "FAIL: info exit status"; fail=1; }
for w in "in 2 series" "series 1   --scans 2-14: 13 scans, eta" "series 2   --scans 16-28: 13 scans, eta" \
         "a new series: map region" "15.1     ascan eta" "needs --scans"; do
    grep -qF -- "$w" "$T/info.txt" || { echo "FAIL: info lacks '$w'"; fail=1; }
done

"$QMAP" info "$IN" --scans 16-28 > "$T/info2.txt" || { echo "FAIL: info --scans 16-28"; fail=1; }
grep -q "in 1 series" "$T/info2.txt" && grep -qF "series 1   --scans 16-28" "$T/info2.txt" ||
    { echo "FAIL: info --scans 16-28 lists more than the second series"; fail=1; }
if "$QMAP" info "$IN" --scans 99 > /dev/null 2> "$T/info99.err" || ! grep -q "no scan 99 in the file" "$T/info99.err"; then
    echo "FAIL: info --scans 99 accepted"; cat "$T/info99.err"; fail=1
fi

# expect NAME WORDS -- process arguments: one-line error containing WORDS, no output left
expect() {
    local name=$1 words=$2; shift 3
    rm -f "$T/out-$name.h5"*
    "$QMAP" process "$IN" -o "$T/out-$name.h5" "$@" >/dev/null 2>"$T/$name.err"
    local rc=$? lines; lines=$(grep -c . "$T/$name.err")
    if [ $rc -eq 0 ] || [ "$lines" -ne 1 ] || ! grep -qF -- "$words" "$T/$name.err" ||
       ls "$T/out-$name.h5"* >/dev/null 2>&1; then
        echo "FAIL $name (rc $rc, $lines lines, want '$words'):"; cat "$T/$name.err"; fail=1
    else
        echo "ok   $name: $(cat "$T/$name.err")"
    fi
}
expect no_scans "choose one: --scans 2-14 (eta" --
expect no_scans2 "--scans 16-28 (eta" --
expect missing "no scan 99-100 in the file" -- --scans 2-14,99-100
expect ascan "not readable SXDM map scans: 15.1 (ascan" -- --scans 15-28
expect overlap "scan 5 is named twice" -- --scans 2-6,5-14
expect empty "empty scan list" -- --scans ""
expect reversed "range 14-2 is empty" -- --scans 14-2
expect trailing "unexpected ','" -- --scans 2-14,
expect two_series "spans 2 series" -- --scans 2-14,16-28
expect letters "expected a scan number" -- --scans abc

# the second series alone, against its own truth
"$QMAP" process "$IN" --scans 16-28 --hkl 0,0,3 --shift-counter fluo -q -o "$T/s2.h5" ||
    { echo "FAIL: process --scans 16-28"; fail=1; }
"$QMAP" compare "$T/s2.h5" "$T/sim/ground_truth_series2.h5" > "$T/cmp2.txt" ||
    { echo "FAIL: series 2 does not match its truth"; cat "$T/cmp2.txt"; fail=1; }
if "$QMAP" compare "$T/s2.h5" "$T/sim/ground_truth.h5" > "$T/cmp1.txt"; then
    echo "FAIL: series 2 results also match the first particle's truth (test cannot fail)"; fail=1
fi
"$PYTHON" - "$T/s2.h5" <<'PY' || fail=1
import sys, h5py
p = h5py.File(sys.argv[1], "r")["parameters"]
def get(k):
    v = p[k][()] if k in p else p.attrs.get(k)
    return v.decode() if isinstance(v, bytes) else str(v)
s = get("series"); sc = get("scans")
ok = s == "16-28" and sc.startswith("16.1,") and sc.endswith(",28.1")
print(("ok  " if ok else "FAIL") + f" /parameters series={s} scans={sc[:30]}...")
sys.exit(0 if ok else 1)
PY
# a scan left out of the series (21): the drift stays linear in the rocking-curve steps
"$QMAP" process "$IN" --scans 16-20,22-28 --shift-counter fluo -q -o "$T/skip.h5" ||
    { echo "FAIL: process --scans 16-20,22-28"; fail=1; }
"$PYTHON" - "$T/skip.h5" <<'PY' || fail=1
import sys, h5py, numpy as np
x = h5py.File(sys.argv[1], "r")["shift/x"][()]
steps = np.rint(x / x[1]).astype(int).tolist()
ok = steps == [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]
print(("ok  " if ok else "FAIL") + f" drift steps with scan 21 left out: {steps}")
sys.exit(0 if ok else 1)
PY

# the real files of ../shared/data: info lists them sensibly and never refuses them
if shared_folder test_series data "the real beamline files"; then
    S=$SHARED/data
    "$QMAP" info "$S/id01-bliss-ascan/PTO_STO_SL_0001.h5" > "$T/real1.txt" 2>&1 ||
        { echo "FAIL: info refused the BLISS ascan file"; fail=1; }
    grep -q "20.1     ascan eta 15.24 19.24 50 1" "$T/real1.txt" && grep -q "no SXDM map scan" "$T/real1.txt" ||
        { echo "FAIL: info on the ascan file"; cat "$T/real1.txt"; fail=1; }
    "$QMAP" info "$S/id01-spec-pscan/ALIGNMENT_2021_03_14_140646_fast_00004.spec" > "$T/real2.txt" 2>&1
    for w in "in 3 series" "--scans 0-2: 3 scans" "map shape 100 x 100 instead of 50 x 100 (fast x slow)" "--scans 4: 1 scan" \
             "needs --scans"; do
        grep -qF -- "$w" "$T/real2.txt" || { echo "FAIL: SPEC info lacks '$w'"; fail=1; }
    done
    "$QMAP" info "$S/id01-xsocs-ingan/sample_0001_master.h5" > "$T/real3.txt" 2>&1
    for w in "--scans 1-5: 5 scans, eta 92.8220..93.8220 step +0.2500 deg" \
             "linked file $S/id01-xsocs-ingan/./data/MA1234/id01/20230710/sample/sample_0001/sample_0001.h5 is missing"; do
        grep -qF -- "$w" "$T/real3.txt" || { echo "FAIL: XSOCS info lacks '$w'"; cat "$T/real3.txt"; fail=1; }
    done
    # an XSOCS master whose entry files are absent (only entry 2 copied): info names them,
    # process refuses (never a silent subset), --scans 2 names the missing raw file
    mkdir -p "$T/xm" && cp "$S/id01-xsocs-ingan/sample_0001_master.h5" "$S/id01-xsocs-ingan/sample_0001_2.1.h5" "$T/xm/"
    "$QMAP" info "$T/xm/sample_0001_master.h5" > "$T/xm.txt" 2>&1
    grep -qF "linked file $T/xm/sample_0001_1.1.h5 is missing" "$T/xm.txt" ||
        { echo "FAIL: info does not name the missing entry file"; cat "$T/xm.txt"; fail=1; }
    IN="$T/xm/sample_0001_master.h5"
    expect xsocs_entry_missing "scan 1.1: linked file $T/xm/sample_0001_1.1.h5 is missing" --
    expect xsocs_raw_missing "sample_0001.h5 is missing (external link /2.1/measurement/image/data" -- --scans 2
fi
# the rocking order: an interleaved rocking curve (even steps, then odd) is one series; the
# same rocking curve measured again (a repeat, copied here as scans 102-106) is a second one
"$QMAP" simulate -o "$T/inter" --size 6,5 --eta 5 --eta-order interleaved >/dev/null ||
    { echo "FAIL: simulate interleaved"; fail=1; }
"$QMAP" info "$T/inter/sample_0001.h5" > "$T/inter.txt" 2>&1
grep -q "in 1 series" "$T/inter.txt" && grep -q "non-monotonic order" "$T/inter.txt" ||
    { echo "FAIL: interleaved eta is not one series"; cat "$T/inter.txt"; fail=1; }
cp "$T/inter/sample_0001.h5" "$T/inter/repeat.h5"
"${PYTHON:-python3}" - "$T/inter/repeat.h5" <<'PY' || { echo "FAIL: could not write the repeat file"; fail=1; }
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    for n in range(2, 7):
        f.copy(f"{n}.1", f"{n + 100}.1")
PY
"$QMAP" info "$T/inter/repeat.h5" > "$T/repeat.txt" 2>&1
grep -q "in 2 series" "$T/repeat.txt" && grep -q "already measured" "$T/repeat.txt" &&
    grep -qF -- "--scans 102-106" "$T/repeat.txt" ||
    { echo "FAIL: a repeated rocking curve is not a second series"; cat "$T/repeat.txt"; fail=1; }

[ $fail -eq 0 ] && echo "test_series: all ok"
shared_exit $fail
