#!/usr/bin/env bash
# test_cli_errors.sh -- every bad input gives a one-line error naming the culprit, a
# non-zero exit, and leaves no output file (nor temporary file) behind.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/cli-errors
rm -rf "$T" && mkdir -p "$T"
fail=0
. "$(dirname "$0")/shared_data.sh"

"$QMAP" simulate -o "$T/good" --size 10,8 --eta 5 --seed 3 >/dev/null || { echo "simulate failed"; exit 1; }
GOOD="$T/good/sample_0001.h5"

# A broken copy of the good dataset: copy the folder, then apply a Python/h5py edit to the copy.
broken() {   # name python-statements
    rm -rf "$T/$1" && cp -r "$T/good" "$T/$1"
    "$PY" - "$T/$1/sample_0001.h5" <<PYEOF || { echo "could not prepare $1"; exit 1; }
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r+")
$2
f.close()
PYEOF
}

# expect NAME EXPECTED-WORDS -- qmap arguments...
expect() {
    local name=$1 words=$2; shift 3
    local out="$T/out-$name.h5"
    rm -f "$out"
    "$QMAP" "$@" -o "${OUT_OVERRIDE:-$out}" >"$T/$name.stdout" 2>"$T/$name.stderr"
    local rc=$?
    local lines; lines=$(grep -c . "$T/$name.stderr")
    local ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ $rc -lt 128 ] || { echo "FAIL $name: killed by a signal (exit $rc)"; ok=0; }
    grep -qi -- "$words" "$T/$name.stderr" || { echo "FAIL $name: stderr lacks '$words':"; cat "$T/$name.stderr"; ok=0; }
    [ "$lines" -eq 1 ] || { echo "FAIL $name: $lines stderr lines"; cat "$T/$name.stderr"; ok=0; }
    ls "$T"/out-"$name".h5* >/dev/null 2>&1 && { echo "FAIL $name: output file left behind"; ok=0; }
    grep -q "Segmentation\|Aborted\|HDF5-DIAG" "$T/$name.stderr" && { echo "FAIL $name: crash/HDF5 noise"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.stderr")"
    [ $ok -eq 1 ] || fail=1
}

echo "not an HDF5 file" > "$T/text.h5"
head -c 3000 "$GOOD" > "$T/truncated.h5"
broken different_shapes 'f["3.1/title"][()] = "sxdm( pix, 0.0, 0.9, 9, piy, 0.0, 0.7, 8, 0.005 )"'
broken no_distance 'del f["2.1/instrument/mpx1x4/distance"]'
broken nan_distance 'f["3.1/instrument/mpx1x4/distance"][()] = float("nan")'
broken negative_energy 'f["2.1/instrument/monochromator/Energy"][()] = -9000.0'
broken no_sxdm 'for k in list(f.keys()):
    if k.endswith(".1") and "sxdm" in f[k]["title"][()].decode(): f[k]["title"][()] = "ascan eta 1 2 10 0.1"'
broken zero_fluo 'for k in list(f.keys()):
    if k.endswith(".1") and "measurement/fluo" in f[k]: f[k]["measurement/fluo"][...] = 0.0'
rm -rf "$T/missing_lima" && cp -r "$T/good" "$T/missing_lima" && rm -f "$T"/missing_lima/scan0003/*.h5

expect missing_file "does-not-exist" -- process "$T/does-not-exist.h5"
expect not_hdf5 "text.h5" -- process "$T/text.h5"
expect truncated "truncated.h5" -- process "$T/truncated.h5"
if shared_folder test_cli_errors data "the real BLISS ascan file"; then
    expect real_no_sxdm "no SXDM" -- process "$SHARED/data/id01-bliss-ascan/PTO_STO_SL_0001.h5"
fi
expect no_sxdm "no SXDM" -- process "$T/no_sxdm/sample_0001.h5"
expect different_shapes "3.1" -- process "$T/different_shapes/sample_0001.h5"
expect no_distance "distance" -- process "$T/no_distance/sample_0001.h5"
expect nan_distance "distance" -- process "$T/nan_distance/sample_0001.h5"
expect negative_energy "energy" -- process "$T/negative_energy/sample_0001.h5"
expect unknown_detector "eiger9M" -- process "$GOOD" --detector eiger9M
expect missing_lima "scan0003/mpx1x4_0000.h5" -- process "$T/missing_lima/sample_0001.h5"
expect missing_monitor "mon7" -- process "$GOOD" --monitor mon7
expect missing_shift_counter "xrf" -- process "$GOOD" --shift-counter xrf
expect voi_outside "outside the data" -- process "$GOOD" --voi 10:11,10:11,10:11
expect bad_voi_syntax "--voi" -- process "$GOOD" --voi 1:2,3
expect bad_energy "--energy" -- process "$GOOD" --energy nan
expect negative_energy_option "--energy" -- process "$GOOD" --energy -5
expect bad_bins "--bins" -- process "$GOOD" --bins 1,20,20
expect bad_center "--center" -- process "$GOOD" --center 12
expect bad_offset "--offset" -- process "$GOOD" --offset omega=1
expect bad_shift "--shift" -- process "$GOOD" --shift 1,x
expect bad_shift_nan "--shift" -- process "$GOOD" --shift nan,0.1
expect constant_shift_counter "--shift-counter fluo" -- process "$T/zero_fluo/sample_0001.h5" --shift-counter fluo
expect bad_shift_signal "--shift-signal" -- process "$GOOD" --shift-signal fluo
expect bad_shift_apply "--shift-apply" -- process "$GOOD" --shift-apply spline
expect bad_background "--background" -- process "$GOOD" --background flat
expect empty_background "--background" -- process "$GOOD" --background ""
expect bad_mask_file "nomask.png" -- process "$GOOD" --mask "$T/nomask.png"
OUT_OVERRIDE="$T/no/such/dir/out.h5" expect unwritable_output "does not exist" -- process "$GOOD"

# qmap info: lists the map scans of a good dataset, refuses one whose LIMA file is missing.
"$QMAP" info "$GOOD" > "$T/info.txt" || { echo "FAIL: info on the good dataset"; fail=1; }
grep -q "SXDM scans  5 (other scans skipped: 2)" "$T/info.txt" || { echo "FAIL: info scan count"; cat "$T/info.txt"; fail=1; }
grep -q "mpx1x4, 516 x 516" "$T/info.txt" || { echo "FAIL: info detector line"; fail=1; }
if "$QMAP" info "$T/missing_lima/sample_0001.h5" > "$T/info2.txt" 2>&1; then
    echo "FAIL: info accepted a dataset with a missing LIMA file"; fail=1
fi
grep -q "scan0003/mpx1x4_0000.h5 is missing" "$T/info2.txt" || { echo "FAIL: info missing-LIMA message"; fail=1; }

# --save-qspace: the per-position cube is consistent with the summed average and the intensity map.
"$QMAP" process "$GOOD" -o "$T/cube.h5" -q --save-qspace --bins 5,6,7 || { echo "FAIL: --save-qspace run"; fail=1; }
"$PY" - "$T/cube.h5" <<'PYEOF' || { echo "FAIL: /qspace/cube inconsistent"; fail=1; }
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
c, a, I = f["qspace/cube"][()], f["qspace/average"][()], f["maps/intensity"][()]
assert c.shape == I.shape + a.shape == I.shape + (5, 6, 7), c.shape
assert np.allclose(c.sum(axis=(0, 1)), a, rtol=1e-5, atol=1e-3 * a.max())
ok = np.isfinite(I)
assert np.allclose(c.sum(axis=(2, 3, 4))[ok], I[ok], rtol=1e-5, atol=1e-3)
PYEOF

# An interrupted scan: the LIMA file of scan 4.1 holds only its first 50 of 80 frames. The
# positions it never measured must come out NaN (not zero intensity), the rest processed.
rm -rf "$T/interrupted" && cp -r "$T/good" "$T/interrupted"
"$PY" - "$T/interrupted/scan0004/mpx1x4_0000.h5" <<'PYEOF' || { echo "could not prepare interrupted"; exit 1; }
import sys, h5py
path = "/entry_0000/instrument/mpx1x4/data"
with h5py.File(sys.argv[1], "r") as f:
    frames = f[path][:50]
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset(path, data=frames, chunks=(1,) + frames.shape[1:], compression=32008,
                     compression_opts=(0, 2))
PYEOF
"$QMAP" process "$T/interrupted/sample_0001.h5" -o "$T/interrupted.h5" --shift none > "$T/interrupted.log" 2>&1 \
    || { echo "FAIL: interrupted scan not processed"; cat "$T/interrupted.log"; fail=1; }
grep -q "interrupted scans: 30 frames" "$T/interrupted.log" || { echo "FAIL: interrupted scan not reported"; cat "$T/interrupted.log"; fail=1; }
"$PY" - "$T/interrupted.h5" <<'PYEOF' || { echo "FAIL: unmeasured positions are not NaN"; fail=1; }
import sys, h5py, numpy as np
I = h5py.File(sys.argv[1], "r")["maps/intensity"][()].ravel()
assert np.isnan(I[50:]).all() and np.isfinite(I[:50]).all(), (np.isnan(I[:50]).sum(), np.isnan(I[50:]).sum())
PYEOF

# More frames than the map has positions: scan 4.1's frames (LIMA file and the master's VDS)
# hold 90 frames for an 8 x 10 map. The 10 extra frames are never read, and the log and the
# results say so (a warning, /parameters extra_frames_ignored); the maps equal the good run's.
rm -rf "$T/extra" && cp -r "$T/good" "$T/extra"
"$PY" - "$T/extra/sample_0001.h5" "$T/extra/scan0004/mpx1x4_0000.h5" <<'PYEOF' || { echo "could not prepare extra"; exit 1; }
import sys, h5py, numpy as np
master, lima = sys.argv[1], sys.argv[2]
path = "/entry_0000/instrument/mpx1x4/data"
with h5py.File(lima, "r") as f:
    frames = f[path][()]
frames = np.concatenate([frames, frames[-10:]])
with h5py.File(lima, "w") as f:
    f.create_dataset(path, data=frames, chunks=(1,) + frames.shape[1:], compression=32008,
                     compression_opts=(0, 2))
with h5py.File(master, "r+") as f:
    g = f["4.1"]
    del g["measurement/mpx1x4"]
    del g["instrument/mpx1x4/data"]
    layout = h5py.VirtualLayout(shape=frames.shape, dtype=frames.dtype)
    layout[:] = h5py.VirtualSource("scan0004/mpx1x4_0000.h5", path, shape=frames.shape)
    g.create_virtual_dataset("measurement/mpx1x4", layout)
    g["instrument/mpx1x4/data"] = g["measurement/mpx1x4"]
PYEOF
"$QMAP" process "$GOOD" -o "$T/good_none.h5" -q --shift none || { echo "FAIL: good run (--shift none)"; fail=1; }
"$QMAP" process "$T/extra/sample_0001.h5" -o "$T/extra.h5" --shift none > "$T/extra.log" 2>&1 \
    || { echo "FAIL: extra frames not processed"; cat "$T/extra.log"; fail=1; }
grep -q "WARNING: 10 frames beyond the map's 80 positions are ignored, in 1 scan; scan 4.1 has 90 frames" "$T/extra.log" \
    || { echo "FAIL: extra frames not reported"; cat "$T/extra.log"; fail=1; }
"$PY" - "$T/extra.h5" "$T/good_none.h5" <<'PYEOF' || { echo "FAIL: extra frames changed the maps or were not recorded"; fail=1; }
import sys, h5py, numpy as np
e, g = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
note = e["parameters"].attrs["extra_frames_ignored"]
note = note.decode() if isinstance(note, bytes) else str(note)
assert note.startswith("10 frames in 1 scans"), note
assert "extra_frames_ignored" not in g["parameters"].attrs
for m in ("intensity", "qx", "qz"):
    assert np.array_equal(e["maps/" + m][()], g["maps/" + m][()], equal_nan=True), m
PYEOF

# A full disk (here: a file-size limit) while writing the results: an error that says so,
# and neither the results file nor its temporary file remains.
rm -f "$T"/full.h5*
( ulimit -f 16; "$QMAP" process "$GOOD" -o "$T/full.h5" -q --save-qspace ) 2> "$T/full.stderr" \
    && { echo "FAIL: write beyond the file-size limit succeeded"; fail=1; }
grep -q "disk full" "$T/full.stderr" || { echo "FAIL: disk-full message:"; cat "$T/full.stderr"; fail=1; }
ls "$T"/full.h5* >/dev/null 2>&1 && { echo "FAIL: partial results file left"; ls "$T"/full.h5*; fail=1; }

# A film filling the map: no signal to measure the drift on; a warning, zero drift, exit 0.
"$QMAP" simulate -o "$T/film" --size 10,8 --eta 5 --featureless --fluo-counter no >/dev/null || { echo "simulate film failed"; exit 1; }
"$QMAP" process "$T/film/sample_0001.h5" -o "$T/film.h5" > "$T/film.log" 2>&1 || { echo "FAIL: featureless map did not process"; cat "$T/film.log"; fail=1; }
grep -q "WARNING: drift not determined.*--shift DX,DY" "$T/film.log" || { echo "FAIL: featureless map warning"; fail=1; }
grep -q "drift (auto): +0.00000, +0.00000" "$T/film.log" || { echo "FAIL: featureless map drift not zero"; fail=1; }
# a film filling the map: no particle/background split, the whole map is the mask (Otsu would
# cut a random half of its noise)
grep -q "WARNING: the VOI intensity map has no particle/background split" "$T/film.log" ||
    { echo "FAIL: featureless map: no mask warning"; fail=1; }
grep -q "particle mask: 80 of 80 positions (every position measured" "$T/film.log" ||
    { echo "FAIL: featureless map: mask not the whole map"; grep "particle mask" "$T/film.log"; fail=1; }

# The input files are never modified.
sum_before=$(cat "$T"/good/sample_0001.h5 "$T"/good/scan*/*.h5 | md5sum)
"$QMAP" process "$GOOD" -o "$T/ok.h5" -q || { echo "FAIL: good dataset did not process"; fail=1; }
sum_after=$(cat "$T"/good/sample_0001.h5 "$T"/good/scan*/*.h5 | md5sum)
[ "$sum_before" = "$sum_after" ] || { echo "FAIL: input modified"; fail=1; }
[ -f "$T/ok.h5" ] && ! ls "$T"/ok.h5.tmp-* >/dev/null 2>&1 || { echo "FAIL: results file missing or temp left"; fail=1; }

[ $fail -eq 0 ] && echo "all bad inputs rejected cleanly"
shared_exit $fail
