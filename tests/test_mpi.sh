#!/usr/bin/env bash
# test_mpi.sh -- `mpirun -n N qmap process` splits the scans (with more ranks than scans, the
# map positions of every scan: issue 18) over the ranks and must write
# the results of the single-process run: same datasets, same shapes, the same NaN positions,
# integer datasets equal, floating-point values within 1e-9 of the dataset's largest
# magnitude (the sums over scans are only added in another order). The same test checks
# that the thread count changes nothing beyond that tolerance, that the plain binary runs
# without mpirun, and that an error under mpirun is reported once with no results file.
# Skipped (passes) when mpirun is missing or qmap was built without MPI.
set -u
Q=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/test_mpi
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! command -v mpirun >/dev/null; then echo "skip: no mpirun"; exit 0; fi
if ! ldd "$Q" | grep -q libmpi; then echo "skip: qmap was built without MPI"; exit 0; fi
rm -rf "$T"
mkdir -p "$T"
export OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1
MPI=(mpirun --allow-run-as-root --oversubscribe)
# OpenMPI itself leaks at MPI_Finalize (its dlopened components): in a sanitizer build the
# leak check stays on for the single-process runs only (the MPI runs still check memory errors)
if [ -n "${ASAN_OPTIONS:-}" ] || ldd "$Q" | grep -q libasan; then
    MPI+=(-x "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0")
fi

"$Q" simulate -o "$T/data" --size 12,10 --eta 5 --seed 11 >/dev/null || fail "simulate"
IN="$T/data/sample_0001.h5"
"$Q" process "$IN" -o "$T/single.h5" -q --save-qspace || fail "single-process run"
"$Q" process "$IN" -o "$T/thread1.h5" -q --save-qspace --threads 1 || fail "--threads 1 run"
for n in 2 3; do
    "${MPI[@]}" -n $n "$Q" process "$IN" -o "$T/mpi$n.h5" --save-qspace --threads 1 \
        > "$T/out$n.txt" 2> "$T/err$n.txt" || { cat "$T/err$n.txt" >&2; fail "mpirun -n $n"; }
    [ "$(grep -c '^results written to' "$T/out$n.txt")" = 1 ] || fail "-n $n: rank 0 alone must print"
    [ "$(grep -c '^input ' "$T/out$n.txt")" = 1 ] || fail "-n $n: the log must be printed once"
    # series (issue 11): the split of the scans over the ranks, printed once
    [ "$(grep -c "^MPI: $n ranks share the 5 scans: rank 0: scans\? 2\.1.*; rank $((n - 1)): scans\? .*6\.1" "$T/out$n.txt")" = 1 ] ||
        { grep MPI "$T/out$n.txt" >&2; fail "-n $n: the split over the ranks must be printed once"; }
done
[ -z "$(ls "$T" | grep '\.tmp')" ] || fail "temporary files left"

"$PY" - "$T/single.h5" "$T/mpi2.h5" "$T/mpi3.h5" "$T/thread1.h5" <<'PYEOF' || fail "results differ"
import sys
import h5py
import numpy as np
TOL = 1e-9
ref = h5py.File(sys.argv[1], 'r')
bad = 0
for other in sys.argv[2:]:
    o = h5py.File(other, 'r')
    names = []
    ref.visititems(lambda n, x: names.append(n) if isinstance(x, h5py.Dataset) else None)
    for n in names:
        a = ref[n][()]
        if n not in o:
            print(f'{other}: {n} missing'); bad += 1; continue
        b = o[n][()]
        if not isinstance(a, np.ndarray) or a.dtype.kind not in 'fiub':
            continue
        if a.shape != b.shape:
            print(f'{other}: {n} shape {a.shape} vs {b.shape}'); bad += 1; continue
        if a.dtype.kind in 'iub':
            if not np.array_equal(a, b):
                print(f'{other}: {n} integers differ'); bad += 1
            continue
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            print(f'{other}: {n} NaN positions differ'); bad += 1; continue
        f = np.isfinite(a)
        scale = np.abs(a[f]).max() if f.any() else 0
        d = np.abs(a[f] - b[f]).max() if f.any() else 0
        if d > TOL * scale:
            print(f'{other}: {n} differs by {d:.3g} (scale {scale:.3g})'); bad += 1
    print(f'{other}: {len(names)} datasets compared')
sys.exit(1 if bad else 0)
PYEOF

# issue 18: more ranks than scans (3 scans, 4 and 5 ranks, oversubscribed): every rank reads a
# block of the map positions of every scan, none idles. Same comparison with the single process,
# the sub-pixel drift application (default) and the off-Bragg drift signal (reduced scan by
# scan), and the nearest re-indexing. The Gaussian fits of background positions (no peak:
# a flat minimum) move with the last bits of their input, so fit/ and maps/sigma_* are held to
# 1e-9 on the particle mask and 1e-6 elsewhere.
"$Q" simulate -o "$T/data3" --size 12,10 --eta 3 --seed 11 >/dev/null || fail "simulate 3 scans"
IN3="$T/data3/sample_0001.h5"
for opt in "" "--shift-signal off-bragg" "--shift-apply nearest"; do
    tag=$(echo "x$opt" | tr -c 'a-z0-9\n' '_')
    "$Q" process "$IN3" -o "$T/single3$tag.h5" -q --threads 1 $opt || fail "single-process run ($opt)"
    for n in 4 5; do
        "${MPI[@]}" -n $n "$Q" process "$IN3" -o "$T/mpi3-$n$tag.h5" --threads 1 $opt \
            > "$T/out3-$n.txt" 2> "$T/err3-$n.txt" || { cat "$T/err3-$n.txt" >&2; fail "mpirun -n $n ($opt)"; }
        grep -q "^MPI: $n ranks share the 3 scans: more ranks than scans, so every rank reads every scan" "$T/out3-$n.txt" ||
            { grep MPI "$T/out3-$n.txt" >&2; fail "-n $n: the split over positions must be logged"; }
        "$PY" - "$T/single3$tag.h5" "$T/mpi3-$n$tag.h5" <<'PYEOF' || fail "more ranks than scans: -n $n ($opt): results differ"
import sys
import h5py
import numpy as np
ref, o = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
mask = ref['entry/maps/mask'][()].astype(bool) if 'entry/maps/mask' in ref else None
names, bad = [], 0
ref.visititems(lambda n, x: names.append(n) if isinstance(x, h5py.Dataset) else None)
for n in names:
    a, b = ref[n][()], o[n][()]
    if not isinstance(a, np.ndarray) or a.dtype.kind not in 'fiub':
        continue
    if a.shape != b.shape or (a.dtype.kind in 'iub' and not np.array_equal(a, b)):
        print(f'{n}: shape or integers differ'); bad += 1; continue
    if a.dtype.kind in 'iub':
        continue
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        print(f'{n}: NaN positions differ'); bad += 1; continue
    f = np.isfinite(a)
    if not f.any():
        continue
    scale = np.abs(a[f]).max()
    fit = n.startswith('entry/fit/') or n.startswith('entry/maps/sigma_')
    tol = np.full(a.shape, 1e-9 * scale)
    if fit and mask is not None and a.shape == mask.shape:
        tol[~mask] = 1e-6 * scale
    if (np.abs(a - b)[f] > tol[f]).any():
        print(f'{n}: differs by {np.abs(a - b)[f].max():.3g} (scale {scale:.3g})'); bad += 1
sys.exit(1 if bad else 0)
PYEOF
    done
done

# an error on every rank: one message, non-zero exit, no results file
"${MPI[@]}" -n 2 "$Q" process "$T/none.h5" -o "$T/bad.h5" > "$T/out_bad.txt" 2> "$T/err_bad.txt" \
    && fail "missing input accepted under mpirun"
[ "$(grep -c '^qmap process: ' "$T/err_bad.txt")" = 1 ] || { cat "$T/err_bad.txt" >&2; fail "error not reported exactly once"; }
[ ! -e "$T/bad.h5" ] || fail "results file written after an error"
rm -rf "$T"
echo "ok"
