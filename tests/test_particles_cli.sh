#!/usr/bin/env bash
# test_particles_cli.sh -- `qmap particles` end to end: on a simulated, processed dataset the
# table (HDF5 and CSV) matches an independent recomputation with scipy.ndimage/numpy from the
# same results file; a re-run replaces /particles and keeps the rest; bad inputs give a
# one-line error, a non-zero exit, and leave the results file byte-identical with no CSV or
# temporary file behind.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/particles-cli
rm -rf "$T" && mkdir -p "$T"
fail=0

"$QMAP" simulate -o "$T/sim" --size 24,20 --eta 7 --seed 5 >/dev/null || { echo "simulate failed"; exit 1; }
"$QMAP" process "$T/sim/sample_0001.h5" -o "$T/results.h5" --hkl 0,0,3 >/dev/null || { echo "process failed"; exit 1; }

"$QMAP" particles "$T/results.h5" --min-size 4 > "$T/run1.out" 2>&1 || { echo "FAIL: qmap particles"; cat "$T/run1.out"; exit 1; }
cat "$T/run1.out"
[ -s "$T/results_particles.csv" ] || { echo "FAIL: no CSV"; fail=1; }

# Independent recomputation (scipy.ndimage.label, 8-connectivity; one particle, so no split).
"$PY" - "$T/results.h5" "$T/results_particles.csv" <<'PYEOF' || fail=1
import sys, csv, h5py, numpy as np
from scipy import ndimage
f = h5py.File(sys.argv[1], "r")
m = f["maps"]
mask = m["mask"][()] != 0
lab, n = ndimage.label(mask, structure=np.ones((3, 3)))
sizes = ndimage.sum(mask, lab, range(1, n + 1))
keep = [i + 1 for i, s in enumerate(sizes) if s >= 4]
g = f["particles"]
t = g["table"]
cols = [c.decode() if isinstance(c, bytes) else c for c in t.attrs["columns"]]
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("FAIL", msg); ok = False
check(len(t["label"]) == len(keep), f"{len(t['label'])} particles, scipy finds {len(keep)}")
labels = g["labels"][()]
check(labels.shape == mask.shape and labels.dtype == np.int32, "labels shape/type")
check(np.all((labels > 0) <= mask), "labels only inside the mask")
x, y = m["x"][()], m["y"][()]
dx, dy = abs(x[-1] - x[0]) / (len(x) - 1), abs(y[-1] - y[0]) / (len(y) - 1)
rows = list(csv.reader(open(sys.argv[2])))
check(len(rows) == len(keep) + 1, "CSV rows")
check(rows[0][0] == "label" and rows[0][17].startswith("tilt_extension_max"), "CSV header " + ",".join(rows[0][:3]))
for k, L in enumerate(keep):
    sel = lab == L
    r = {c: t[c][k] for c in cols}
    ql = g["labels"][()] == r["label"]
    check(np.array_equal(ql, sel), f"particle {L}: positions differ from scipy's component")
    npos = sel.sum()
    check(r["n_positions"] == npos, f"n_positions {r['n_positions']} vs {npos}")
    check(abs(r["area"] - npos * dx * dy) < 1e-9, "area")
    check(abs(r["equivalent_diameter"] - 2 * np.sqrt(npos * dx * dy / np.pi)) < 1e-9, "equivalent diameter")
    X, Y = np.meshgrid(x, y)
    check(abs(r["centroid_x"] - X[sel].mean()) < 1e-9 and abs(r["centroid_y"] - Y[sel].mean()) < 1e-9, "centroid")
    I = m["intensity"][()][sel]
    check(abs(r["intensity"] - np.nansum(I)) < 1e-6 * abs(np.nansum(I)), "intensity")
    for name, col in (("d_spacing", "d"), ("c", "c"), ("strain", "strain")):
        v = m[name][()][sel]; v = v[np.isfinite(v)]
        check(abs(r[col + "_mean"] - v.mean()) <= 1e-9 * max(1, abs(v.mean())), f"{col} mean {r[col+'_mean']} vs {v.mean()}")
        check(abs(r[col + "_std"] - v.std()) <= 1e-9 * max(1, abs(v.mean())), f"{col} std {r[col+'_std']} vs {v.std()}")
    for a in ("qx", "qy", "qz"):
        v = m["sigma_" + a][()][sel]
        check(abs(r[f"sigma_{a}_mean"] - np.nanmean(v)) < 1e-12, "sigma " + a)
    check(abs(r["tilt_mean"] - np.nanmean(m["tilt_magnitude"][()][sel])) < 1e-9, "tilt mean")
    Q = np.stack([m[a][()][sel] for a in ("qx", "qy", "qz")], axis=1)
    Q = Q[np.all(np.isfinite(Q), axis=1)]
    mq = Q.mean(axis=0)
    cosang = Q @ mq / (np.linalg.norm(Q, axis=1) * np.linalg.norm(mq))
    ext = np.degrees(np.arccos(np.clip(cosang, -1, 1))).max()
    check(abs(r["tilt_extension_max"] - ext) < 1e-6, f"tilt extension {r['tilt_extension_max']} vs {ext}")
    csvrow = rows[1 + k]
    check(abs(float(csvrow[17]) - r["tilt_extension_max"]) < 1e-8 * max(1, ext), "CSV tilt extension")
    print(f"particle {L}: {npos} positions, d {r['d_mean']:.6f} A, c {r['c_mean']:.4f} A, "
          f"tilt extension {r['tilt_extension_max']:.4f} deg (numpy {ext:.4f})")
check("maps" in f and "qspace" in f and "parameters" in f, "the rest of the file is kept")
sys.exit(0 if ok else 1)
PYEOF

# Re-run with other options: /particles replaced (options attribute changes), maps intact.
sum_maps() { "$PY" -c "import h5py,sys,hashlib; f=h5py.File(sys.argv[1],'r'); print(hashlib.md5(b''.join(f['maps'][k][()].tobytes() for k in sorted(f['maps']))).hexdigest())" "$1"; }
before=$(sum_maps "$T/results.h5")
"$QMAP" particles "$T/results.h5" --no-split --min-size 2 -q >/dev/null 2>&1 || { echo "FAIL: re-run"; fail=1; }
after=$(sum_maps "$T/results.h5")
[ "$before" = "$after" ] || { echo "FAIL: re-run changed /maps"; fail=1; }
"$PY" -c "import h5py,sys; a=h5py.File(sys.argv[1],'r')['particles'].attrs['options']; a=a.decode() if isinstance(a,bytes) else a; sys.exit(0 if 'split=0' in a and 'min_positions=2' in a else 1)" "$T/results.h5" \
    || { echo "FAIL: /particles not replaced by the re-run"; fail=1; }
ls "$T"/*.tmp-* >/dev/null 2>&1 && { echo "FAIL: temporary file left"; fail=1; }

# Bad inputs: one line on stderr, non-zero exit, results file byte-identical, no CSV.
echo "not an HDF5 file" > "$T/text.h5"
"$PY" -c "import h5py,sys; h5py.File(sys.argv[1],'w').create_group('maps')" "$T/nomask.h5"
cp "$T/results.h5" "$T/badstrain.h5"
"$PY" -c "import h5py,sys; f=h5py.File(sys.argv[1],'r+'); del f['maps/strain']; f['maps/strain']=[1.0,2.0]; f.close(); open(sys.argv[1],'r+b').write(b' '*20)" "$T/badstrain.h5"   # deliberate edit: checksum line blanked
expect() {   # name words -- args
    local name=$1 words=$2; shift 3
    local target=${TARGET:-}
    local sum0="" csv="${target%.*}_particles.csv" csv0="absent"
    [ -n "$target" ] && [ -f "$target" ] && sum0=$(md5sum < "$target")
    [ -n "$target" ] && [ -f "$csv" ] && csv0=$(md5sum < "$csv")
    "$QMAP" particles "$@" >"$T/$name.stdout" 2>"$T/$name.stderr"
    local rc=$? ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] || { echo "FAIL $name: not one stderr line"; cat "$T/$name.stderr"; ok=0; }
    grep -qi -- "$words" "$T/$name.stderr" || { echo "FAIL $name: stderr lacks '$words'"; cat "$T/$name.stderr"; ok=0; }
    grep -q "HDF5-DIAG\|Segmentation" "$T/$name.stderr" && { echo "FAIL $name: noise"; ok=0; }
    if [ -n "$target" ] && [ -n "$sum0" ]; then
        [ "$sum0" = "$(md5sum < "$target")" ] || { echo "FAIL $name: input modified"; ok=0; }
        local csv1="absent"; [ -f "$csv" ] && csv1=$(md5sum < "$csv")
        [ "$csv0" = "$csv1" ] || { echo "FAIL $name: CSV written or changed"; ok=0; }
    fi
    ls "$T"/*.tmp-* >/dev/null 2>&1 && { echo "FAIL $name: temporary file left"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.stderr")"
    [ $ok -eq 1 ] || fail=1
}
TARGET= expect missing "no such file\|cannot open\|not exist" -- "$T/none.h5"
TARGET="$T/text.h5" expect text "$T/text.h5" -- "$T/text.h5"
TARGET="$T/nomask.h5" expect nomask "/maps/mask" -- "$T/nomask.h5"
TARGET="$T/badstrain.h5" expect badstrain "/maps/strain" -- "$T/badstrain.h5"
TARGET="$T/results.h5" expect connectivity "connectivity" -- "$T/results.h5" --connectivity 6
TARGET="$T/results.h5" expect minsize "min-size" -- "$T/results.h5" --min-size 0
TARGET="$T/results.h5" expect fraction "min-fraction" -- "$T/results.h5" --min-fraction 2
TARGET= expect noargs "expected one results file" --

# A write that fails half-way (file-size limit below the size of the copy): the results
# file and its CSV stay as they were, no temporary file is left.
size_kb=$(( $(stat -c %s "$T/results.h5") / 1024 ))
sum0=$(md5sum < "$T/results.h5"); csv0=$(md5sum < "$T/results_particles.csv")
( ulimit -f $(( size_kb / 2 )); "$QMAP" particles "$T/results.h5" -q ) >"$T/full.stdout" 2>"$T/full.stderr"
rc=$?
if [ $rc -ne 0 ] && [ "$(grep -c . "$T/full.stderr")" -eq 1 ] && [ "$sum0" = "$(md5sum < "$T/results.h5")" ] &&
   [ "$csv0" = "$(md5sum < "$T/results_particles.csv")" ] && ! ls "$T"/*.tmp-* >/dev/null 2>&1; then
    echo "ok   disk-full: $(cat "$T/full.stderr")"
else
    echo "FAIL disk-full: rc $rc"; cat "$T/full.stderr"; ls "$T"; fail=1
fi
exit $fail
