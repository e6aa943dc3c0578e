#!/usr/bin/env bash
# test_powder_cli.sh -- `qmap powder` end to end on a pattern built independently from
# xrayutilities' powder lines (tests/xu_powder_pattern.py: xu positions and strengths,
# numpy pseudo-Voigt, Poisson noise) with a known cell: Rietveld (.xye input) and Le Bail
# (two-column Q input) recover a and c to 1e-4 A, Rietveld the Ni occupancy of the Li
# site to 0.005; outputs (CSV, PNG) are complete. Bad inputs fail with one line on stderr
# and leave no output file. (outputs go to $T/out_bad*)
set -u
QMAP=${QMAP_BIN:?}
SRC=${QMAP_SRC:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/powder-cli
rm -rf "$T" && mkdir -p "$T"
fail=0
CIF="$SRC/tests/data/NMC622_icsd.cif"
A=2.8702 C=14.2201
"$PY" "$SRC/tests/xu_powder_pattern.py" "$CIF" "$T/nmc.xye" $A $C 0.015 5 || { echo "FAIL: xu pattern (python3-xrayutilities installed?)"; exit 1; }

value() { awk -v n="$1" '$1 == n {print $2}' "$2"; }
check_near() {   # label got want tol
    awk -v g="$2" -v w="$3" -v t="$4" 'BEGIN { exit !(g != "" && (g - w)^2 <= t * t) }' \
        && echo "ok   $1 = $2 (true $3, tolerance $4)" || { echo "FAIL $1 = '$2', true $3 (tolerance $4)"; fail=1; }
}

"$QMAP" powder "$CIF" "$T/nmc.xye" --wavelength 1.5406 --occ Ni2 --uiso -o "$T/riet" >"$T/riet.txt" 2>&1 \
    || { echo "FAIL: Rietveld run"; cat "$T/riet.txt"; fail=1; }
cat "$T/riet.txt"
check_near "Rietveld a" "$(value a "$T/riet.txt")" $A 1e-4
check_near "Rietveld c" "$(value c "$T/riet.txt")" $C 1e-4
check_near "Rietveld occ(Ni2)" "$(value 'occ(Ni2)' "$T/riet.txt")" 0.03 0.005
gof=$(awk '/^Rwp/ {for (i = 1; i < NF; i++) if ($i == "GoF") print $(i + 1)}' "$T/riet.txt")
check_near "Rietveld GoF" "$gof" 1.0 0.2
for f in riet.csv riet_reflections.csv riet.png; do
    [ -s "$T/$f" ] || { echo "FAIL: $f missing"; fail=1; }
done
[ "$(wc -l <"$T/riet.csv")" -eq 9502 ] || { echo "FAIL: riet.csv has $(wc -l <"$T/riet.csv") lines"; fail=1; }
grep -q '^0,0,3,2,' "$T/riet_reflections.csv" || { echo "FAIL: 003 (multiplicity 2) not in the reflection list"; fail=1; }
ls "$T"/*.tmp-* >/dev/null 2>&1 && { echo "FAIL: temporary files left"; fail=1; }

# Le Bail on the same data given as Q (1/A), two columns
awk '!/^#/ {printf "%.10f %s\n", 4 * atan2(0, -1) * sin($1 / 2 * atan2(0, -1) / 180) / 1.5406, $2}' \
    "$T/nmc.xye" >"$T/nmc_q.dat"
"$QMAP" powder "$CIF" "$T/nmc_q.dat" --q --energy 8047.7779 --lebail -o "$T/lb" >"$T/lb.txt" 2>&1 \
    || { echo "FAIL: Le Bail run"; cat "$T/lb.txt"; fail=1; }
check_near "Le Bail a" "$(value a "$T/lb.txt")" $A 1e-4
check_near "Le Bail c" "$(value c "$T/lb.txt")" $C 1e-4

expect() {   # name words -- powder arguments
    local name=$1 words=$2; shift 3
    rm -f "$T"/out_bad*
    "$QMAP" powder "$@" -o "$T/out_bad" >/dev/null 2>"$T/$name.err"
    local rc=$? ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ "$(grep -c . "$T/$name.err")" -eq 1 ] || { echo "FAIL $name: stderr:"; cat "$T/$name.err"; ok=0; }
    grep -q '^qmap' "$T/$name.err" || { echo "FAIL $name: stderr does not start with qmap"; ok=0; }
    grep -qi -- "$words" "$T/$name.err" || { echo "FAIL $name: stderr lacks '$words'"; cat "$T/$name.err"; ok=0; }
    ls "$T"/out_bad* >/dev/null 2>&1 && { echo "FAIL $name: output left behind"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.err")"
    [ $ok -eq 1 ] || fail=1
}
printf '# x y\n10 1\n11 2\nabc def ghi jkl\n' >"$T/text.dat"
printf '10 1\n12 2\n11 3\n' >"$T/order.dat"
printf '10 1\n11 2\n12 3\n' >"$T/short.dat"
printf '10 1 1\n11 2\n' >"$T/cols.dat"
printf '10 1 -1\n11 2 1\n' >"$T/sigma.dat"
expect no-pattern   "no/such.xye"     -- "$CIF" "$T/no/such.xye" --wavelength 1.54
expect text-line    "line 4"          -- "$CIF" "$T/text.dat" --wavelength 1.54
expect not-sorted   "does not increase" -- "$CIF" "$T/order.dat" --wavelength 1.54
expect too-short    "at least 10"     -- "$CIF" "$T/short.dat" --wavelength 1.54
expect columns      "columns"         -- "$CIF" "$T/cols.dat" --wavelength 1.54
expect bad-sigma    "sigma"           -- "$CIF" "$T/sigma.dat" --wavelength 1.54
expect no-lambda    "wavelength"      -- "$CIF" "$T/nmc.xye"
expect bad-occ      "no atom site"    -- "$CIF" "$T/nmc.xye" --wavelength 1.5406 --occ Xx9
expect bad-range    "range"           -- "$CIF" "$T/nmc.xye" --wavelength 1.5406 --range 50:40
expect empty-range  "points inside"   -- "$CIF" "$T/nmc.xye" --wavelength 1.5406 --range 1:2
expect bad-cif      "line"            -- "$T/text.dat" "$T/nmc.xye" --wavelength 1.5406
expect one-arg      "expected a CIF"  -- "$CIF" --wavelength 1.5406
exit $fail
