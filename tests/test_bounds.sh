#!/usr/bin/env bash
# test_bounds.sh -- bounds on every number (issue 16): absurd calibration values from the
# options and from the file (distance or pixel size 1e-300, a flipped bit), angle offsets,
# manual shifts (1e308, or 2^30 that overflowed the integer re-indexing) and VOI bounds are
# refused with a one-line error naming the value and an exit status 1..127; identical eta in
# every scan is accepted with a warning.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/bounds
rm -rf "$T" && mkdir -p "$T"
fail=0
"$QMAP" simulate -o "$T/sim" --size 10,8 --eta 5 --seed 3 >/dev/null || { echo "simulate failed"; exit 1; }
IN="$T/sim/sample_0001.h5"

refuse() {   # name words -- qmap process arguments
    local name=$1 words=$2; shift 3
    "$QMAP" process "$@" -o "$T/$name.h5" -q >/dev/null 2>"$T/$name.stderr"
    local rc=$? ok=1
    { [ $rc -ge 1 ] && [ $rc -lt 128 ]; } || { echo "FAIL $name: exit $rc"; ok=0; }
    grep -q -- "$words" "$T/$name.stderr" || { echo "FAIL $name: stderr lacks '$words':"; cat "$T/$name.stderr"; ok=0; }
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] || { echo "FAIL $name: not one line"; ok=0; }
    [ -e "$T/$name.h5" ] && { echo "FAIL $name: output written"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.stderr")" || fail=1
}
refuse offset_huge "offset eta" -- "$IN" --offset eta=1e308
refuse shift_huge "--shift" -- "$IN" --shift 1e308,0
refuse shift_int_overflow "--shift" -- "$IN" --shift 1073741824.25,0
refuse distance_tiny "--distance" -- "$IN" --distance 1e-300
refuse pixel_tiny "--pixel-size" -- "$IN" --pixel-size 1e-300
refuse centre_huge "--center" -- "$IN" --center 1e300,0
refuse voi_huge "--voi" -- "$IN" --voi 0:1e9,0:1,0:1

edit() {   # name python-statements on f (the copy's master file)
    rm -rf "$T/$1" && cp -r "$T/sim" "$T/$1"
    "$PY" -c "import sys, h5py
f = h5py.File(sys.argv[1], 'r+')
$2
f.close()" "$T/$1/sample_0001.h5" || { echo "could not prepare $1"; exit 1; }
}
edit file_distance 'f["3.1/instrument/mpx1x4/distance"][()] = 1e-300'
refuse file_distance "scan 3.1: detector distance 1e-300" -- "$T/file_distance/sample_0001.h5"
edit file_pixel 'f["2.1/instrument/mpx1x4/x_pixel_size"][()] = 1e-300'
refuse file_pixel "scan 2.1: pixel size" -- "$T/file_pixel/sample_0001.h5"
edit file_eta 'f["4.1/instrument/positioners/eta"][()] = 1e300'
refuse file_eta "scan 4.1: angle eta" -- "$T/file_eta/sample_0001.h5"

# identical eta in every scan: possible, accepted, with a warning
edit same_eta 'v = f["2.1/instrument/positioners/eta"][()]
for s in ("3.1", "4.1", "5.1", "6.1"): f[s + "/instrument/positioners/eta"][()] = v'
"$QMAP" process "$T/same_eta/sample_0001.h5" -o "$T/same.h5" --threshold 1 >"$T/same.log" 2>&1
grep -q "warning: eta is .* in all 5 scans" "$T/same.log" && echo "ok   same_eta warned" ||
    { echo "FAIL same_eta: no warning"; tail -3 "$T/same.log"; fail=1; }
# a title declaring fewer points than the frames recorded: accepted with a warning per scan
edit few_points 'for s in ("2.1", "3.1", "4.1", "5.1", "6.1"):
    t = f[s + "/title"][()]; t = t.decode() if isinstance(t, bytes) else t
    del f[s + "/title"]; f[s + "/title"] = t.replace(", 8, 0.005", ", 7, 0.005").replace(" 8 0.005", " 7 0.005")'
"$QMAP" process "$T/few_points/sample_0001.h5" -o "$T/few.h5" >"$T/few.log" 2>&1
rc=$?
{ [ $rc -lt 128 ] && grep -q "warning: scan 2.1 has 80 frames but its title declares 70 points" "$T/few.log"; } &&
    echo "ok   few_points warned (exit $rc)" || { echo "FAIL few_points: exit $rc"; tail -3 "$T/few.log"; fail=1; }
exit $fail
