#!/usr/bin/env bash
# test_hkl_cli.sh -- `qmap hkl`: the printed d, |Q|, 2theta and angles for LiNiO2 003
# against closed forms (d = c/3, 2theta = 2 asin(lambda/2d), specular eta = theta), and
# every bad input (missing or malformed CIF, bad reflection, missing energy, parallel
# directions, unknown option, energy outside the f', f'' tables) gives one line on stderr
# starting "qmap" and a non-zero exit. The f0, f', f'' table and |F| with dispersion against
# xrayutilities (tests/xu_dispersion_ref.py); systematically absent (LiNiO2 0,0,1) and
# structure-extinct (Si 2,2,2) reflections are flagged instead of given angles; an energy
# within 1 % of the Ni K edge is warned about.
set -u
QMAP=${QMAP_BIN:?}
SRC=${QMAP_SRC:?}
T=${QMAP_TEST_TMP:-/tmp}/hkl-cli
rm -rf "$T" && mkdir -p "$T"
fail=0
CIF="$SRC/tests/data/LiNiO2_icsd.cif"

out=$("$QMAP" hkl "$CIF" 0,0,3 -1,0,2 --energy 9000) || { echo "FAIL: qmap hkl exit $?"; fail=1; }
echo "$out"
line=$(echo "$out" | grep '^0,0,3 ')
awk -v l="$line" 'BEGIN {
    split(l, f, " "); c = 14.192; d = c / 3; lam = 12398.419843320025 / 9000;
    tth = 2 * atan2(lam / (2 * d), sqrt(1 - (lam / (2 * d))^2)) * 45 / atan2(1, 1);
    ok = (f[2] - d)^2 < 1e-12 && (f[3] - 8 * atan2(1, 1) / d)^2 < 1e-11 && (f[4] - tth)^2 < 1e-8 &&
         (f[6] - tth / 2)^2 < 1e-8 && f[7] == 0 && (f[9] - tth)^2 < 1e-8;
    if (!ok) { print "FAIL: 003 line: " l " (want d " d " 2theta " tth ")"; exit 1 } }' || fail=1
echo "$out" | grep -q '^-1,0,2 .*phi -180' || { echo "FAIL: -1,0,2 (negative index) not listed with both phi"; fail=1; }

# dispersion: f', f'' of Ni and |F(003)| at 9000 eV against xrayutilities
PY=${PYTHON:-/usr/bin/python3}
ref=$("$PY" "$SRC/tests/xu_dispersion_ref.py" "$CIF" 9000 0,0,3) || { echo "FAIL: xu_dispersion_ref.py"; fail=1; }
ni=$(echo "$out" | awk '$1 == "Ni3+" {print $7, $9}')
xni=$(echo "$ref" | awk '$1 == "atom" && $2 == 28 {print $4, $5}')
awk -v a="$ni" -v b="$xni" 'BEGIN { split(a, m, " "); split(b, x, " ");
    exit !(m[1] != "" && (m[1] - x[1])^2 < 1e-4 && (m[2] - x[2])^2 < 1e-4) }' \
    && echo "ok   Ni f', f'' at 9000 eV: $ni (xrayutilities $xni)" || { echo "FAIL Ni f', f'': '$ni', xu '$xni'"; fail=1; }
f=$(echo "$out" | awk '$1 == "0,0,3" {print $5}')
xf=$(echo "$ref" | awk '$1 == "refl" {print $6}')
awk -v a="$f" -v b="$xf" 'BEGIN { exit !(a != "" && (a - b)^2 < (0.01 * b)^2) }' \
    && echo "ok   |F(003)| at 9000 eV = $f (xrayutilities $xf)" || { echo "FAIL |F(003)| $f, xu $xf"; fail=1; }
# absent and extinct reflections are flagged, not given angles
out2=$("$QMAP" hkl "$CIF" 0,0,1 0,0,3 --energy 8047.78)
echo "$out2" | grep -q '^0,0,1 .*systematically absent' || { echo "FAIL: 0,0,1 not flagged absent"; echo "$out2"; fail=1; }
echo "$out2" | grep '^0,0,1 ' | grep -q 'eta\|[0-9] *0\.0 ' && { echo "FAIL: angles printed for 0,0,1"; fail=1; }
out3=$("$QMAP" hkl "$SRC/tests/data/Si_cod.cif" 2,2,2 1,1,1 --energy 8047.78)
echo "$out3" | grep -q '^2,2,2 .*|F| = 0' || { echo "FAIL: Si 2,2,2 not flagged |F| = 0"; echo "$out3"; fail=1; }
echo "$out3" | grep -q '^1,1,1 .* 0\.0 ' || { echo "FAIL: Si 1,1,1 lost its angles"; echo "$out3"; fail=1; }
"$QMAP" hkl "$CIF" 0,0,3 --energy 8340 | grep -q 'warning: Ni3+ has an absorption edge' \
    || { echo "FAIL: no edge warning at 8340 eV"; fail=1; }

# expect NAME WORDS -- arguments
expect() {
    local name=$1 words=$2; shift 3
    "$QMAP" hkl "$@" >"$T/$name.out" 2>"$T/$name.err"
    local rc=$? ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ "$(grep -c . "$T/$name.err")" -eq 1 ] || { echo "FAIL $name: stderr not one line:"; cat "$T/$name.err"; ok=0; }
    grep -q '^qmap' "$T/$name.err" || { echo "FAIL $name: stderr does not start with qmap"; ok=0; }
    LC_ALL=C grep -q '[^[:print:][:space:]]' "$T/$name.err" && { echo "FAIL $name: raw bytes in the message"; ok=0; }
    grep -qi -- "$words" "$T/$name.err" || { echo "FAIL $name: stderr lacks '$words':"; cat "$T/$name.err"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.err")"
    [ $ok -eq 1 ] || fail=1
}
printf 'data_x\n_cell_length_a 3\nloop_\n_a\n_b\n1 2 3\n' >"$T/badloop.cif"
printf 'data_x\n_title \x27unterminated\n' >"$T/badquote.cif"
sed 's/_cell_length_c 14.1920(9)/_cell_length_c 14.19.20/' "$CIF" >"$T/badnum.cif"
sed -e '/^loop_$/{N;/_symmetry_equiv_pos_site_id/{N;d;};}' -e "/^[0-9]* '/d" "$CIF" >"$T/nosym.cif"
head -c 3000 /dev/urandom >"$T/random.cif"
expect missing-file  "no/such.cif"        -- "$T/no/such.cif" 0,0,3 --energy 9000
expect bad-loop      "badloop.cif: line 3" -- "$T/badloop.cif" 0,0,3 --energy 9000
expect bad-quote     "line 2"             -- "$T/badquote.cif" 0,0,3 --energy 9000
expect bad-number    "_cell_length_c"     -- "$T/badnum.cif" 0,0,3 --energy 9000
expect no-symops     "symmetry operations" -- "$T/nosym.cif" 0,0,3 --energy 9000
expect random-bytes  "random.cif"         -- "$T/random.cif" 0,0,3 --energy 9000
expect bad-hkl       "H,K,L"              -- "$CIF" 0,3 --energy 9000
expect zero-hkl      "0,0,0"              -- "$CIF" 0,0,0 --energy 9000
expect no-energy     "energy"             -- "$CIF" 0,0,3
expect bad-energy    "energy"             -- "$CIF" 0,0,3 --energy 9keV
expect no-hkl        "H,K,L"              -- "$CIF" --energy 9000
expect parallel-dirs "parallel"           -- "$CIF" 0,0,3 --energy 9000 --ip-dir 0,0,2
expect low-energy    "outside the anomalous" -- "$CIF" 0,0,3 --energy 500
expect unknown-opt   "unknown option"     -- "$CIF" 0,0,3 --energy 9000 --bogus
expect missing-value "needs a value"      -- "$CIF" 0,0,3 --energy
exit $fail
