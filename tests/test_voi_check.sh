#!/usr/bin/env bash
# test_voi_check.sh -- after the accumulation pass, qmap process says whether the VOI holds
# the whole peak (issue 18: the VOI is placed on a sample of the frames by default, and a VOI
# that cuts the peak biases every centre and width silently). A default run logs
# "VOI check: ..." and keeps /parameters voi_check = "ok: ..."; a VOI narrowed to the middle
# of the peak along qy gives a WARNING naming qy (and only qy) and voi_check = "peak cut: ...".
# A VOI that leaves some scans without a pixel is refused before pass 2, with its reason.
# An automatic VOI placed on a sample of the frames that cuts the peak (forced here with the
# test hook QMAP_TEST_SAMPLED_VOI_QY) makes qmap redo the quick look on every frame and pass 2:
# the maps and q-space are then those of --quick-look full, and /parameters quick_look says so;
# a run interrupted in that second pass 2 resumes with --resume (the checkpoint records it).
# A sample that misses a small particle altogether (its VOI leaves scans without a pixel) is
# redone the same way (simulate --particle-size).
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/voi-check
rm -rf "$T" && mkdir -p "$T"
fail=0

"$QMAP" simulate -o "$T/d" --size 20,12 --eta 9 --seed 5 >/dev/null || { echo "simulate failed"; exit 1; }
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/auto.h5" >"$T/auto.log" 2>&1 || { echo "FAIL: default run"; cat "$T/auto.log"; exit 1; }
grep -q "^VOI check: the peak falls to" "$T/auto.log" || { echo "FAIL: no VOI check line"; fail=1; }
grep -q "WARNING: the VOI cuts" "$T/auto.log" && { echo "FAIL: the automatic VOI flagged"; grep WARNING "$T/auto.log"; fail=1; }

# the automatic VOI with its qy range cut to the middle 20 %
narrow=$("$PY" - "$T/auto.h5" <<'PYEOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
a = f["parameters"].attrs
note = a["voi_check"]
note = note.decode() if isinstance(note, bytes) else str(note)
assert note.startswith("ok: "), note
v = a["voi"]
v = v.decode() if isinstance(v, bytes) else str(v)
r = [list(map(float, p.split(":"))) for p in v.split(",")]
c, h = 0.5 * (r[1][0] + r[1][1]), 0.1 * (r[1][1] - r[1][0])
r[1] = [c - h, c + h]
print(",".join("%.8f:%.8f" % tuple(p) for p in r))
PYEOF
) || { echo "FAIL: voi_check of the default run"; fail=1; }
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/narrow.h5" --voi="$narrow" >"$T/narrow.log" 2>&1 ||
    { echo "FAIL: narrow-VOI run"; cat "$T/narrow.log"; fail=1; }
grep -q "WARNING: the VOI cuts the peak along qy: .*widen --voi" "$T/narrow.log" ||
    { echo "FAIL: no warning for the cut qy"; cat "$T/narrow.log"; fail=1; }
grep -q "WARNING: the VOI cuts the peak along q[xz]" "$T/narrow.log" && { echo "FAIL: qx or qz flagged"; fail=1; }
"$PY" - "$T/narrow.h5" <<'PYEOF' || { echo "FAIL: voi_check of the narrow run"; fail=1; }
import sys, h5py
note = h5py.File(sys.argv[1], "r")["parameters"].attrs["voi_check"]
note = note.decode() if isinstance(note, bytes) else str(note)
assert note.startswith("peak cut: "), note
PYEOF

# the sampled quick look's VOI cut in qy (test hook): redone on every frame, the same maps as
# --quick-look full, said in the log and in /parameters quick_look
QMAP_TEST_SAMPLED_VOI_QY=0.2 "$QMAP" process "$T/d/sample_0001.h5" -o "$T/redo.h5" >"$T/redo.log" 2>&1 ||
    { echo "FAIL: redo run"; cat "$T/redo.log"; fail=1; }
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/full.h5" --quick-look full >"$T/full.log" 2>&1 ||
    { echo "FAIL: full quick-look run"; cat "$T/full.log"; fail=1; }
grep -q "quick look: the drift needs no frame signal; 1 frame in" "$T/redo.log" &&
grep -q "VOI check: the VOI placed on a sample of the frames (1 in [0-9]*) cuts the peak along qy" "$T/redo.log" &&
grep -q "^VOI check: the peak falls to" "$T/redo.log" ||
    { echo "FAIL: the redone quick look is not logged"; cat "$T/redo.log"; fail=1; }
grep -q "WARNING: the VOI cuts" "$T/redo.log" && { echo "FAIL: a warning after the redone quick look"; fail=1; }
"$PY" - "$T/redo.h5" "$T/full.h5" <<'PYEOF' || { echo "FAIL: redone quick look differs from --quick-look full"; fail=1; }
import sys, h5py, numpy as np
r, f = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
q = text(r["parameters"].attrs["quick_look"])
assert q.startswith("1 frame in ") and q.endswith("redone on every frame"), q
assert "quick_look" not in f["parameters"].attrs
assert text(r["parameters"].attrs["voi"]) == text(f["parameters"].attrs["voi"])
assert text(r["parameters"].attrs["voi_check"]).startswith("ok: ")
for name in r["maps"]:
    assert np.array_equal(r["maps"][name][()], f["maps"][name][()], equal_nan=True), name
PYEOF

# interrupted in the pass 2 that follows the redone quick look (test hook: stop once 9 + 2
# scans are checkpointed; under the hook every scan is saved) and resumed: the resuming run
# redoes its quick look on every frame from the start (the checkpoint says the sums belong to
# that VOI), takes the 2 scans from the checkpoint and gives the maps of the uninterrupted run
rm -f "$T/cut.h5" "$T/cut.h5.checkpoint"
QMAP_TEST_SAMPLED_VOI_QY=0.2 QMAP_TEST_STOP_AFTER_SCANS=11 "$QMAP" process "$T/d/sample_0001.h5" -o "$T/cut.h5" \
    >"$T/cut1.log" 2>&1
rc=$?
[ $rc -eq 130 ] && [ -f "$T/cut.h5.checkpoint" ] && [ ! -e "$T/cut.h5" ] ||
    { echo "FAIL: interrupt in the redone pass 2 (rc $rc)"; tail -3 "$T/cut1.log"; fail=1; }
QMAP_TEST_SAMPLED_VOI_QY=0.2 "$QMAP" process "$T/d/sample_0001.h5" -o "$T/cut.h5" --resume >"$T/cut2.log" 2>&1 ||
    { echo "FAIL: resume of a run interrupted after its redone quick look"; tail -3 "$T/cut2.log"; fail=1; }
grep -q "resume: the interrupted run had redone its quick look on every frame" "$T/cut2.log" &&
grep -q "resume: 2 of 9 scans taken from the checkpoint" "$T/cut2.log" ||
    { echo "FAIL: the resume after a redone quick look is not logged"; cat "$T/cut2.log"; fail=1; }
"$PY" - "$T/cut.h5" "$T/redo.h5" <<'PYEOF' || { echo "FAIL: resumed run differs from the uninterrupted one"; fail=1; }
import sys, h5py, numpy as np
r, f = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
for k in ("quick_look", "voi", "voi_check"):
    assert text(r["parameters"].attrs[k]) == text(f["parameters"].attrs[k]), k
for name in r["maps"]:
    assert np.array_equal(r["maps"][name][()], f["maps"][name][()], equal_nan=True), name
PYEOF

# a small particle in a large map (simulate --particle-size: 12 of 1600 positions): the
# map-averaged peak is weak against the flat background, which alone held 6-7 % of its
# maximum at the ends of a VOI that holds the whole peak; the check measures above the
# background (the median per hit of the overview outside the VOI): no false "peak cut"
"$QMAP" simulate -o "$T/small" --size 40,40 --eta 9 --particle-size 0.05,0.05 --drift 0.01,-0.005 >/dev/null ||
    { echo "FAIL: simulate --particle-size"; fail=1; }
"$QMAP" process "$T/small/sample_0001.h5" -o "$T/small.h5" --shift 0.01,-0.005 >"$T/small.log" 2>&1 ||
    { echo "FAIL: small-particle run"; tail -3 "$T/small.log"; fail=1; }
grep -q "^VOI check: the peak falls to .*above a background of" "$T/small.log" ||
    { echo "FAIL: small particle: no VOI check above the background"; fail=1; }
grep -q "WARNING: the VOI cuts\|cuts the peak along" "$T/small.log" &&
    { echo "FAIL: small particle: a VOI holding the whole peak reported as cut"; grep "VOI" "$T/small.log"; fail=1; }
# --particle-size refuses what is not a size, with a message naming it and no output folder
for bad in "0,0.1" "0.1,-1" "abc" "0.1" "3,0.1" "nan,0.1"; do
    rm -rf "$T/bad"
    "$QMAP" simulate -o "$T/bad" --size 4,4 --eta 3 --particle-size "$bad" >/dev/null 2>"$T/bad.err"
    rc=$?
    [ $rc -ne 0 ] && [ ! -e "$T/bad" ] && grep -q "particle.size\|particle_axes" "$T/bad.err" ||
        { echo "FAIL: --particle-size $bad: rc $rc, output left: $([ -e "$T/bad" ] && echo yes || echo no)"; cat "$T/bad.err"; fail=1; }
done

# a smaller particle still (about 10 of 3600 positions): the sample of the quick look (1 frame
# in 38) misses it and its VOI lands on the background, leaving scans without a pixel; instead
# of refusing the VOI, qmap redoes the quick look on every frame: the maps of --quick-look full
"$QMAP" simulate -o "$T/tiny" --size 60,60 --eta 5 --particle-size 0.03,0.03 --drift 0.01,-0.005 >/dev/null ||
    { echo "FAIL: simulate a tiny particle"; fail=1; }
"$QMAP" process "$T/tiny/sample_0001.h5" -o "$T/tiny.h5" --shift 0.01,-0.005 >"$T/tiny.log" 2>&1 ||
    { echo "FAIL: tiny-particle run"; tail -3 "$T/tiny.log"; fail=1; }
"$QMAP" process "$T/tiny/sample_0001.h5" -o "$T/tiny-full.h5" --shift 0.01,-0.005 --quick-look full \
    >"$T/tiny-full.log" 2>&1 || { echo "FAIL: tiny-particle run, full quick look"; fail=1; }
grep -q "the sample missed the peak (a small particle?); the quick look is done again on every frame" "$T/tiny.log" ||
    { echo "FAIL: tiny particle: the missed sample is not logged"; grep "quick look\|VOI" "$T/tiny.log"; fail=1; }
"$PY" - "$T/tiny.h5" "$T/tiny-full.h5" <<'PYEOF' || { echo "FAIL: tiny particle: redone quick look differs from --quick-look full"; fail=1; }
import sys, h5py, numpy as np
r, f = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
q = text(r["parameters"].attrs["quick_look"])
assert q.startswith("1 frame in ") and q.endswith("redone on every frame"), q
assert text(r["parameters"].attrs["voi"]) == text(f["parameters"].attrs["voi"])
for name in r["maps"]:
    assert np.array_equal(r["maps"][name][()], f["maps"][name][()], equal_nan=True), name
assert np.nanmax(r["maps"]["intensity"][()]) > 0
PYEOF

# the same particle with 3 eta: the sample's VOI lands on a background spot that every scan
# covers; pass 2 finds no peak above the background there and the quick look is redone
"$QMAP" simulate -o "$T/tiny3" --size 60,60 --eta 3 --particle-size 0.03,0.03 --drift 0.01,-0.005 >/dev/null ||
    { echo "FAIL: simulate a tiny particle, 3 eta"; fail=1; }
"$QMAP" process "$T/tiny3/sample_0001.h5" -o "$T/tiny3.h5" --shift 0.01,-0.005 >"$T/tiny3.log" 2>&1 ||
    { echo "FAIL: tiny-particle run, 3 eta"; tail -3 "$T/tiny3.log"; fail=1; }
"$QMAP" process "$T/tiny3/sample_0001.h5" -o "$T/tiny3-full.h5" --shift 0.01,-0.005 --quick-look full \
    >/dev/null 2>&1 || { echo "FAIL: tiny-particle run, 3 eta, full quick look"; fail=1; }
grep -q "VOI check: the VOI placed on a sample of the frames (1 in [0-9]*) holds no peak above the background" \
    "$T/tiny3.log" || { echo "FAIL: 3 eta: the sample's VOI without a peak is not redone"; grep VOI "$T/tiny3.log"; fail=1; }
# no VOI warning after the redo (3 eta steps leave the peak unresolved along qx and the beam's
# 5 % unnormalised: test_fit_check.sh and test_monitor_check.sh say so)
grep -q "WARNING: the VOI" "$T/tiny3.log" &&
    { echo "FAIL: 3 eta: a VOI warning after the redo"; grep WARNING "$T/tiny3.log"; fail=1; }
"$PY" - "$T/tiny3.h5" "$T/tiny3-full.h5" <<'PYEOF' || { echo "FAIL: 3 eta: redone quick look differs from --quick-look full"; fail=1; }
import sys, h5py, numpy as np
r, f = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
assert text(r["parameters"].attrs["voi"]) == text(f["parameters"].attrs["voi"])
assert text(r["parameters"].attrs["voi_check"]).startswith("ok: ")
for name in r["maps"]:
    assert np.array_equal(r["maps"][name][()], f["maps"][name][()], equal_nan=True), name
PYEOF

# a --voi beside the peak, on the background only: every map would measure the background
# (d_ref 5.1 A for 4.73 when found); the check says there is no peak, in the log and the file
"$QMAP" process "$T/tiny/sample_0001.h5" -o "$T/beside.h5" --shift 0.01,-0.005 --voi=-0.02:0.02,0.03:0.05,1.2:1.25 \
    >"$T/beside.log" 2>&1 || { echo "FAIL: run with a VOI beside the peak"; tail -3 "$T/beside.log"; fail=1; }
grep -q "WARNING: the VOI holds no peak above the background" "$T/beside.log" ||
    { echo "FAIL: a VOI beside the peak is not flagged"; grep VOI "$T/beside.log"; fail=1; }
grep -q "holds no peak" "$T/tiny.log" "$T/small.log" "$T/auto.log" && { echo "FAIL: a real peak flagged as none"; fail=1; }
"$PY" - "$T/beside.h5" <<'PYEOF' || { echo "FAIL: voi_check of the VOI beside the peak"; fail=1; }
import sys, h5py
note = h5py.File(sys.argv[1], "r")["parameters"].attrs["voi_check"]
note = note.decode() if isinstance(note, bytes) else str(note)
assert note.startswith("no peak: "), note
PYEOF

# a VOI so narrow along qx (the rocking direction) that some scans have no pixel in it: every
# position would be unmeasured (a position counts when every scan measured it); refused before
# pass 2 with the reason, no results file
rm -f "$T/qx.h5"
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/qx.h5" --voi=-0.0005:0.0005,-0.01:0.01,1.316:1.34 >"$T/qx.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ ! -e "$T/qx.h5" ] && grep -q "holds no detector pixel of [0-9]* of the 9 scans" "$T/qx.log" ||
    { echo "FAIL: VOI without pixels in some scans (rc $rc)"; tail -3 "$T/qx.log"; fail=1; }
[ $fail -eq 0 ] && echo "ok: VOI check on the automatic and a cut VOI, a cut sampled VOI redone (and resumed), scans outside the VOI refused"
exit $fail
