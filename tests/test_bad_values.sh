#!/usr/bin/env bash
# test_bad_values.sh -- faulty raw data that `qmap process` must survive (issue 7 item 3):
# (a) a scan whose LIMA file is missing: the usual one-line error, or with --skip-bad-scans
#     the scan is dropped, named in the log and in /parameters/skipped_scans;
# (b) dead-pixel markers (-1 in int32 frames), saturated readings (>= the file's
#     saturation_value) and NaN/inf in float frames never enter the sums: the counts planted
#     are the counts logged, and the maps equal those of the same data with those pixels at 0.
# Bad values of the new inputs (--saturation, saturation_value) are refused cleanly.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/bad-values
rm -rf "$T" && mkdir -p "$T"
fail=0

"$QMAP" simulate -o "$T/good" --size 10,8 --eta 5 --seed 3 >/dev/null || { echo "simulate failed"; exit 1; }
GOOD="$T/good/sample_0001.h5"

# refuse CMD...: non-zero exit, one "qmap CMD: " line on stderr holding WORDS, no output file.
refuse() {   # name words -- qmap arguments (the output is $T/NAME.h5)
    local name=$1 words=$2; shift 3
    rm -f "$T/$name.h5"
    if "$QMAP" "$@" -o "$T/$name.h5" > "$T/$name.stdout" 2> "$T/$name.stderr"; then
        echo "FAIL: $name: accepted"; fail=1; return
    fi
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] && grep -q "^qmap [a-z]*: " "$T/$name.stderr" \
        || { echo "FAIL: $name: not a one-line error:"; cat "$T/$name.stderr"; fail=1; }
    grep -qF -- "$words" "$T/$name.stderr" || { echo "FAIL: $name: error lacks '$words':"; cat "$T/$name.stderr"; fail=1; }
    ls "$T/$name".h5* >/dev/null 2>&1 && { echo "FAIL: $name: output file left"; fail=1; }
}

# ---- (a) a missing LIMA file
rm -rf "$T/missing" && cp -r "$T/good" "$T/missing" && rm -f "$T"/missing/scan0003/*.h5
refuse missing_plain "scan0003/mpx1x4_0000.h5" -- process "$T/missing/sample_0001.h5" -q
"$QMAP" process "$T/missing/sample_0001.h5" --skip-bad-scans -o "$T/skipped.h5" > "$T/skipped.log" 2>&1 \
    || { echo "FAIL: --skip-bad-scans run failed"; cat "$T/skipped.log"; fail=1; }
grep -q "skipped scan 3.1 (--skip-bad-scans): .*scan0003/mpx1x4_0000.h5 is missing" "$T/skipped.log" \
    || { echo "FAIL: the dropped scan is not named in the log"; cat "$T/skipped.log"; fail=1; }
"$PY" - "$T/skipped.h5" "$GOOD" <<'PYEOF' || { echo "FAIL: results of the --skip-bad-scans run"; fail=1; }
import sys, h5py
r = h5py.File(sys.argv[1], "r")
p = r["parameters"].attrs
skipped = p["skipped_scans"]
skipped = skipped.decode() if isinstance(skipped, bytes) else str(skipped)
assert skipped == "3.1", skipped
scans = p["scans"]
scans = scans.decode() if isinstance(scans, bytes) else str(scans)
assert scans == "2.1,4.1,5.1,6.1", scans
m = h5py.File(sys.argv[2], "r")
n_scans = sum(1 for k in m if k.endswith(".1") and "measurement/mpx1x4" in m[k])
assert n_scans == 5, n_scans
assert r["scans/eta"].shape == (n_scans - 1,), r["scans/eta"].shape
PYEOF
# the drift stays linear in the measured sequence across the dropped scan: with a given drift
# per scan, the scans after the gap get the drift of their place in the sequence (0, 2, 3, 4)
"$QMAP" process "$T/missing/sample_0001.h5" --skip-bad-scans --shift 0.04,-0.025 -q -o "$T/skipped_shift.h5" \
    || { echo "FAIL: --skip-bad-scans with --shift"; fail=1; }
"$PY" - "$T/skipped_shift.h5" <<'PYEOF' || { echo "FAIL: drift across the dropped scan"; fail=1; }
import sys, h5py, numpy as np
r = h5py.File(sys.argv[1], "r")
assert np.allclose(r["shift/x"][()], [0, 0.08, 0.12, 0.16]), r["shift/x"][()]
assert np.allclose(r["shift/y"][()], [0, -0.05, -0.075, -0.1]), r["shift/y"][()]
PYEOF
# every LIMA file missing: no scan remains, the usual error
rm -rf "$T/none" && cp -r "$T/good" "$T/none" && rm -f "$T"/none/scan*/*.h5
refuse none_left "mpx1x4_0000.h5 is missing" -- process "$T/none/sample_0001.h5" -q --skip-bad-scans

# ---- (b) dead-pixel markers and saturated readings
# Planted at pixels that are zero in every frame of the good data and not in the file's
# pixel_mask, and at the centre of the Bragg peak (inside the VOI, so that both passes meet
# them). The "zero" copy gets 0 where the "bad" copy gets the bad values.
prepare() {   # name mode(bad|zero)
rm -rf "$T/$1" && cp -r "$T/good" "$T/$1"
"$PY" - "$T/$1" "$2" > "$T/planted-$1.txt" <<'PYEOF' || { echo "could not prepare $1"; exit 1; }
import sys, os, h5py, numpy as np
d, mode = sys.argv[1], sys.argv[2]
path = "/entry_0000/instrument/mpx1x4/data"
master = h5py.File(os.path.join(d, "sample_0001.h5"), "r+")
scans = sorted(k for k in master if k.endswith(".1") and "measurement/mpx1x4" in master[k])
used = None
for s in scans:
    mask = master[s + "/instrument/mpx1x4/pixel_mask"][()] != 0
    used = mask if used is None else used | mask
masked = used.copy()
for n in range(2, 7):
    with h5py.File(os.path.join(d, "scan%04d" % n, "mpx1x4_0000.h5"), "r") as f:
        used |= (f[path][()] != 0).any(axis=0)
free = np.flatnonzero(~used.ravel())
rng = np.random.default_rng(7)
pix = rng.choice(free, size=12, replace=False)
plants = {2: [(3, pix[0], -1), (3, pix[1], -1), (40, pix[2], -7), (79, pix[3], 2147483647),
              (0, pix[4], 2147483647)],
          5: [(10, pix[5], -1), (10, pix[6], -1), (11, pix[7], -2147483648), (50, pix[8], 2147483647),
              (60, pix[9], 2147483647), (61, pix[10], 2147483647), (70, pix[11], -1)]}
# the peak: largest 3x3 median of scan 4's summed frames (a Bragg peak spans several
# pixels; a hot pixel is isolated and has a median of 0)
with h5py.File(os.path.join(d, "scan0004", "mpx1x4_0000.h5"), "r") as f:
    frames4 = f[path][()]
img = frames4.sum(axis=0, dtype=np.float64)
box = np.median([np.roll(np.roll(img, i, 0), j, 1) for i in (-1, 0, 1) for j in (-1, 0, 1)], axis=0)
box[masked] = -1
peak = int(np.argmax(box))
lit = np.flatnonzero(frames4.reshape(len(frames4), -1)[:, peak] != 0)
assert len(lit) >= 3, lit
plants[4] = [(lit[0], peak, -1), (lit[1], peak, 2147483647), (lit[2], peak, -3)]
neg = sat = 0
for n, lst in plants.items():
    fn = os.path.join(d, "scan%04d" % n, "mpx1x4_0000.h5")
    with h5py.File(fn, "r") as f:
        frames = f[path][()]
    for fr, p, v in lst:
        frames[fr].flat[p] = v if mode == "bad" else 0
        neg += v < 0
        sat += v > 0
    with h5py.File(fn, "w") as f:
        f.create_dataset(path, data=frames, chunks=(1,) + frames.shape[1:], compression=32008,
                         compression_opts=(0, 2))
for s in scans:
    master[s + "/instrument/mpx1x4"].create_dataset("saturation_value", data=np.int32(2147483647))
master.close()
print(neg, sat)
PYEOF
}
prepare bad bad
prepare zero zero
read -r NEG SAT < "$T/planted-bad.txt"
"$QMAP" process "$T/bad/sample_0001.h5" --threads 2 -o "$T/bad.h5" > "$T/bad.log" 2>&1 \
    || { echo "FAIL: dataset with bad pixel values not processed"; cat "$T/bad.log"; fail=1; }
grep -q "bad pixel values: $NEG negative, $SAT saturated, 0 non-finite pixel readings ignored (quick-look" "$T/bad.log" \
    || { echo "FAIL: bad pixel values not reported as $NEG negative, $SAT saturated:"; grep -i "bad\|satur" "$T/bad.log"; fail=1; }
grep -q "saturation: readings >= 2147483647 counts ignored" "$T/bad.log" \
    || { echo "FAIL: saturation_value not reported"; grep -i satur "$T/bad.log"; fail=1; }
grep -q "bad pixel values: [1-9][0-9]* negative, [1-9][0-9]* saturated, 0 non-finite pixel readings ignored (accumulation" "$T/bad.log" \
    || { echo "FAIL: bad pixel values of the VOI not reported"; grep -i "bad\|satur" "$T/bad.log"; fail=1; }
"$QMAP" process "$T/zero/sample_0001.h5" --threads 2 -o "$T/zero.h5" > "$T/zero.log" 2>&1 || { echo "FAIL: zero run"; fail=1; }
grep -q "bad pixel values" "$T/zero.log" && { echo "FAIL: bad values reported in good data"; fail=1; }
"$PY" - "$T/bad.h5" "$T/zero.h5" <<'PYEOF' || { echo "FAIL: bad pixel values changed the maps"; fail=1; }
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:3])
for name in ("maps/intensity", "scans/intensity", "qspace/average", "qspace_overview/sum"):
    x, y = a[name][()], b[name][()]
    ok = np.isfinite(y)
    assert (np.isfinite(x) == ok).all(), name
    assert np.allclose(x[ok], y[ok], rtol=1e-12, atol=0), (name, np.abs(x[ok] - y[ok]).max())
    assert np.abs(y[ok]).sum() > 0, name
pa, pb = a["parameters"].attrs, b["parameters"].attrs
assert pa["masked_pixels"] == pb["masked_pixels"], (pa["masked_pixels"], pb["masked_pixels"])
assert "bad_pixel_values" in pa and "bad_pixel_values" not in pb
PYEOF

# Float frames: NaN and +-inf readings are ignored and counted (scan 2.1 rewritten as float32).
rm -rf "$T/float" && cp -r "$T/zero" "$T/float"
"$PY" - "$T/float" <<'PYEOF' || { echo "could not prepare float"; exit 1; }
import sys, os, h5py, numpy as np
d = sys.argv[1]
fn, path = os.path.join(d, "scan0002", "mpx1x4_0000.h5"), "/entry_0000/instrument/mpx1x4/data"
with h5py.File(os.path.join(d, "sample_0001.h5"), "r") as m:
    masked = m["2.1/instrument/mpx1x4/pixel_mask"][()] != 0
with h5py.File(fn, "r") as f:
    a = f[path][()].astype(np.float32)
free = np.flatnonzero(~(masked | (a != 0).any(axis=0)))
a[5].flat[free[0]], a[6].flat[free[0]], a[7].flat[free[1]] = np.nan, np.inf, -np.inf
with h5py.File(fn, "w") as f:
    f.create_dataset(path, data=a, chunks=(1,) + a.shape[1:], compression=32008, compression_opts=(0, 2))
PYEOF
"$QMAP" process "$T/float/sample_0001.h5" --threads 2 -o "$T/float.h5" > "$T/float.log" 2>&1 \
    || { echo "FAIL: float frames with NaN/inf not processed"; cat "$T/float.log"; fail=1; }
grep -q "bad pixel values: 0 negative, 0 saturated, 3 non-finite pixel readings ignored (quick-look" "$T/float.log" \
    || { echo "FAIL: non-finite readings not reported:"; grep -i "bad" "$T/float.log"; fail=1; }
"$PY" - "$T/float.h5" "$T/zero.h5" <<'PYEOF' || { echo "FAIL: NaN/inf readings changed the maps"; fail=1; }
import sys, h5py, numpy as np
a, b = (h5py.File(p, "r")["maps/intensity"][()] for p in sys.argv[1:3])
assert np.array_equal(a, b, equal_nan=True) and np.isfinite(b).any()
PYEOF

# --saturation overrides the file's saturation_value.
"$QMAP" process "$T/bad/sample_0001.h5" --saturation 1e9 --shift none --threads 2 -o "$T/sat.h5" > "$T/sat.log" 2>&1 \
    || { echo "FAIL: --saturation run"; cat "$T/sat.log"; fail=1; }
grep -q "saturation: readings >= 1000000000 counts ignored (--saturation" "$T/sat.log" \
    || { echo "FAIL: --saturation not reported"; grep -i satur "$T/sat.log"; fail=1; }

# ---- bad values of the new inputs
refuse sat_text "--saturation" -- process "$GOOD" -q --saturation lots
refuse sat_negative "--saturation must be a positive" -- process "$GOOD" -q --saturation -5
refuse sat_nan "--saturation: 'nan'" -- process "$GOOD" -q --saturation nan
rm -rf "$T/badsat" && cp -r "$T/good" "$T/badsat"
"$PY" - "$T/badsat/sample_0001.h5" <<'PYEOF' || { echo "could not prepare badsat"; exit 1; }
import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    f["4.1/instrument/mpx1x4"].create_dataset("saturation_value", data=-3.0)
PYEOF
refuse file_sat "scan 4.1: instrument/mpx1x4/saturation_value is -3" -- process "$T/badsat/sample_0001.h5" -q

[ $fail -eq 0 ] && echo "bad scans and bad pixel values handled"
exit $fail
