#!/usr/bin/env bash
# test_powder_xu.sh -- `qmap powder` on patterns built now from xrayutilities' powder lines
# (tests/xu_powder_pattern.py: xu positions and strengths with xu's default f', f'', numpy
# pseudo-Voigt, Poisson noise) with known truth:
#  1. LiNiO2, Cu K-alpha1 + K-alpha2 (ratio 0.5, K-alpha2 lines from xu at their own energy),
#     5 % Li/Ni exchange: --anode Cu --exchange Li1:Ni1 recovers it (and Le Bail the cell);
#  2. NMC622, Cu doublet, 6 % exchange (the CIF says 3 %), March-Dollase r = 0.85 along 001
#     applied by xrayutilities itself: --po 0,0,1 recovers r and the exchange;
#  3. LiNiO2 at 9000 eV (above the Ni K edge: f'' = 3.4), monochromatic, --energy.
# Each: exchange within 0.005 absolute and 3 su of the truth, a and c within 2e-4 A, GoF
# below 1.3, exit status 0 and a convergence line. Then: the same pattern read as GSAS
# FXYE/STD/ESD and PANalytical xrdml (written here; the xrdml's wavelengths are used) gives
# the same refinement; --correlations prints a matrix with 100 on the diagonal; a wrong
# wavelength gives one warning line per unphysical parameter and exit status 3 or 4; bad
# inputs (unknown anode, file of another format, energy outside the tables) give one line
# on stderr and no output.
set -u
QMAP=${QMAP_BIN:?}
SRC=${QMAP_SRC:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/powder-xu
rm -rf "$T" && mkdir -p "$T"
fail=0
LNO="$SRC/tests/data/LiNiO2_icsd.cif"
NMC="$SRC/tests/data/NMC622_icsd.cif"
GEN="$SRC/tests/xu_powder_pattern.py"

value() { awk -v n="$1" '$1 == n {print $2}' "$2"; }
su() { awk -v n="$1" '$1 == n {print $3}' "$2"; }
check_near() {   # label got want tol
    awk -v g="$2" -v w="$3" -v t="$4" 'BEGIN { exit !(g != "" && (g - w)^2 <= t * t) }' \
        && echo "ok   $1 = $2 (true $3, tolerance $4)" || { echo "FAIL $1 = '$2', true $3 (tolerance $4)"; fail=1; }
}
check_su() {     # label got want su n
    awk -v g="$2" -v w="$3" -v s="$4" -v n="$5" 'BEGIN { exit !(s > 0 && (g - w)^2 <= (n * s)^2) }' \
        && echo "ok   $1 within $5 su ($4) of $3" || { echo "FAIL $1 = $2 not within $5 su ($4) of $3"; fail=1; }
}
gof() { awk '/^Rwp/ {for (i = 1; i < NF; i++) if ($i == "GoF") print $(i + 1)}' "$1"; }
check_fit() {    # name output rc a c exch-name exch-true
    local name=$1 out=$2 rc=$3
    [ "$rc" -eq 0 ] || { echo "FAIL $name: exit status $rc"; cat "$out"; fail=1; }
    grep -q '^converged: ' "$out" || { echo "FAIL $name: no convergence line"; fail=1; }
    check_near "$name a" "$(value a "$out")" "$4" 2e-4
    check_near "$name c" "$(value c "$out")" "$5" 2e-4
    check_near "$name $6" "$(value "$6" "$out")" "$7" 0.005
    check_su "$name $6" "$(value "$6" "$out")" "$7" "$(su "$6" "$out")" 3
    awk -v g="$(gof "$out")" 'BEGIN { exit !(g != "" && g < 1.3) }' && echo "ok   $name GoF $(gof "$out") < 1.3" \
        || { echo "FAIL $name GoF '$(gof "$out")'"; fail=1; }
}

# 1. LiNiO2, Cu doublet, 5 % exchange
"$PY" "$GEN" "$LNO" "$T/lno.xye" 2.8781 14.1955 0.012 11 --exchange Li1 Ni1 0.05 --ka2 0.5 \
    --lambda 1.5405929 || { echo "FAIL: xu pattern (python3-xrayutilities installed?)"; exit 1; }
"$QMAP" powder "$LNO" "$T/lno.xye" --anode Cu --exchange Li1:Ni1 --uiso -o "$T/lno" >"$T/lno.txt" 2>&1
check_fit "LiNiO2 Cu doublet" "$T/lno.txt" $? 2.8781 14.1955 "exch(Ni1_Li1)" 0.05
grep -q '+ 1.544414 A (ratio 0.5)' "$T/lno.txt" || { echo "FAIL: doublet not reported"; fail=1; }

# Le Bail on the doublet: the cell
"$QMAP" powder "$LNO" "$T/lno.xye" --anode Cu --lebail -o "$T/lnolb" >"$T/lnolb.txt" 2>&1 \
    || { echo "FAIL: Le Bail doublet exit $?"; cat "$T/lnolb.txt"; fail=1; }
check_near "LiNiO2 Le Bail doublet a" "$(value a "$T/lnolb.txt")" 2.8781 2e-4
check_near "LiNiO2 Le Bail doublet c" "$(value c "$T/lnolb.txt")" 14.1955 2e-4

# 2. NMC622, Cu doublet, 6 % exchange, March-Dollase 0.85 along 001
"$PY" "$GEN" "$NMC" "$T/nmc.xye" 2.8702 14.2201 -0.008 12 --exchange Li1 Ni1 0.06 --ka2 0.5 \
    --po 0,0,1 0.85 --lambda 1.5405929 || { echo "FAIL: xu pattern"; exit 1; }
"$QMAP" powder "$NMC" "$T/nmc.xye" --anode Cu --exchange Li1:Ni1 --uiso --po 0,0,1 -o "$T/nmc" >"$T/nmc.txt" 2>&1
check_fit "NMC622 Cu doublet + March-Dollase" "$T/nmc.txt" $? 2.8702 14.2201 "exch(Ni2)" 0.06
check_near "NMC622 March-Dollase r" "$(value 'MD_r(0,0,1)' "$T/nmc.txt")" 0.85 0.01
# without the preferred-orientation term the same data fit worse
"$QMAP" powder "$NMC" "$T/nmc.xye" --anode Cu --exchange Li1:Ni1 --uiso -o "$T/nmc_nopo" >"$T/nmc_nopo.txt" 2>&1
awk -v a="$(gof "$T/nmc.txt")" -v b="$(gof "$T/nmc_nopo.txt")" 'BEGIN { exit !(b > a + 0.2) }' \
    && echo "ok   without --po GoF $(gof "$T/nmc_nopo.txt") > $(gof "$T/nmc.txt")" \
    || { echo "FAIL: --po does not improve the fit ($(gof "$T/nmc_nopo.txt") vs $(gof "$T/nmc.txt"))"; fail=1; }

# 3. LiNiO2 at 9000 eV (above the Ni K edge), monochromatic
LAM9=$(awk 'BEGIN { printf "%.10f", 12398.419843320025 / 9000 }')
"$PY" "$GEN" "$LNO" "$T/lno9.xye" 2.8776 14.192 0.0 13 --exchange Li1 Ni1 0.03 --lambda "$LAM9" \
    || { echo "FAIL: xu pattern"; exit 1; }
"$QMAP" powder "$LNO" "$T/lno9.xye" --energy 9000 --exchange Li1:Ni1 --uiso -o "$T/lno9" >"$T/lno9.txt" 2>&1
check_fit "LiNiO2 9000 eV" "$T/lno9.txt" $? 2.8776 14.192 "exch(Ni1_Li1)" 0.03

# 4. NMC622 on a displaced sample (0.1 mm) with low-angle asymmetry (P1 = 0.05), zero known
"$PY" "$GEN" "$NMC" "$T/disp.xye" 2.8702 14.2201 0.0 21 --displacement 0.1 --asym 0.05 \
    || { echo "FAIL: xu pattern"; exit 1; }
"$QMAP" powder "$NMC" "$T/disp.xye" --wavelength 1.5406 --zero 0 --displacement --asymmetry --occ Ni2 \
    -o "$T/disp" >"$T/disp.txt" 2>&1
check_fit "NMC622 displaced, asymmetric" "$T/disp.txt" $? 2.8702 14.2201 "occ(Ni2)" 0.03
check_near "displacement (mm)" "$(value displacement "$T/disp.txt")" 0.1 0.002
check_su "displacement" "$(value displacement "$T/disp.txt")" 0.1 "$(su displacement "$T/disp.txt")" 3
check_near "asymmetry P1" "$(value asym_P1 "$T/disp.txt")" 0.05 0.01
# refining zero and displacement together: reported as ~100 % correlated, exit status 3
"$QMAP" powder "$NMC" "$T/disp.xye" --wavelength 1.5406 --displacement --asymmetry --occ Ni2 \
    -o "$T/disp2" >"$T/disp2.txt" 2>"$T/disp2.err"
rc=$?
[ $rc -eq 3 ] && grep -q '^qmap powder: warning: correlation of zero and displacement is' "$T/disp2.err" \
    && echo "ok   zero + displacement: exit 3, correlation reported" \
    || { echo "FAIL zero + displacement: exit $rc"; cat "$T/disp2.err"; fail=1; }

# 5. thin sample in Bragg-Brentano: mu t = 0.05 (intensity 54 % at 15 deg, 12 % at 110 deg)
"$PY" "$GEN" "$LNO" "$T/thin.xye" 2.8776 14.192 0.0 22 --exchange Li1 Ni1 0.04 --mu-t 0.05 \
    || { echo "FAIL: xu pattern"; exit 1; }
"$QMAP" powder "$LNO" "$T/thin.xye" --wavelength 1.5406 --mu-t 0.05 --exchange Li1:Ni1 --uiso \
    -o "$T/thin" >"$T/thin.txt" 2>&1
check_fit "LiNiO2 thin sample" "$T/thin.txt" $? 2.8776 14.192 "exch(Ni1_Li1)" 0.04
"$QMAP" powder "$LNO" "$T/thin.xye" --wavelength 1.5406 --exchange Li1:Ni1 --uiso \
    -o "$T/thick" >"$T/thick.txt" 2>"$T/thick.err"
rc=$?
[ $rc -eq 3 ] && grep -q 'U_iso of site .* negative' "$T/thick.err" \
    && echo "ok   thin sample fitted as thick: exit 3, $(grep -c . "$T/thick.err") warnings (negative U_iso)" \
    || { echo "FAIL thin sample fitted as thick: exit $rc"; cat "$T/thick.err"; fail=1; }

# file formats: the LiNiO2 doublet pattern as GSAS FXYE, STD, ESD and xrdml
"$PY" - "$T/lno.xye" "$T" <<'PYEOF'
import sys
src, d = sys.argv[1], sys.argv[2]
rows = [l.split() for l in open(src) if not l.startswith('#')]
x = [float(r[0]) for r in rows]; y = [float(r[1]) for r in rows]; e = [float(r[2]) for r in rows]
n, start, step = len(x), x[0] * 100, (x[1] - x[0]) * 100
with open(d + "/lno.fxye", "w") as f:
    f.write("LiNiO2 test pattern\nBANK 1 %d %d CONS %.4f %.4f 0 0 FXYE\n" % (n, n, start, step))
    for a, b, c in zip(x, y, e):
        f.write("%15.6f %15.4f %15.4f\n" % (a * 100, b, c))
with open(d + "/lno.gsa", "w") as f:
    f.write("LiNiO2 test pattern".ljust(80) + "\n")
    f.write(("BANK 1 %d %d CONS %.4f %.4f 0 0 STD" % (n, (n + 9) // 10, start, step)).ljust(80) + "\n")
    for k in range(0, n, 10):
        f.write("".join("  %6d" % int(v) for v in y[k:k + 10]).ljust(80) + "\n")
with open(d + "/lno_esd.gsa", "w") as f:
    f.write("LiNiO2 test pattern\nBANK 1 %d %d CONS %.4f %.4f 0 0 ESD\n" % (n, (n + 4) // 5, start, step))
    for k in range(0, n, 5):
        f.write("".join("%8.1f%8.3f" % (a, b) for a, b in zip(y[k:k + 5], e[k:k + 5])) + "\n")
with open(d + "/lno.xrdml", "w") as f:
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<xrdMeasurements xmlns="http://www.xrdml.com/XRDMeasurement/1.5" status="Completed">\n'
            '<xrdMeasurement measurementType="Scan" status="Completed">\n'
            '<usedWavelength intended="K-Alpha"><kAlpha1 unit="Angstrom">1.5405929</kAlpha1>'
            '<kAlpha2 unit="Angstrom">1.5444140</kAlpha2><kBeta unit="Angstrom">1.39225</kBeta>'
            '<ratioKAlpha2KAlpha1>0.5</ratioKAlpha2KAlpha1></usedWavelength>\n'
            '<scan appendNumber="0" mode="Continuous" scanAxis="Gonio" status="Completed"><dataPoints>\n'
            '<positions axis="2Theta" unit="deg"><startPosition>%.4f</startPosition><endPosition>%.4f</endPosition></positions>\n'
            '<positions axis="Omega" unit="deg"><startPosition>7.5</startPosition><endPosition>55</endPosition></positions>\n'
            '<commonCountingTime unit="seconds">1.0</commonCountingTime>\n'
            '<intensities unit="counts">%s</intensities>\n</dataPoints></scan></xrdMeasurement></xrdMeasurements>\n'
            % (x[0], x[-1], " ".join("%d" % v for v in y)))
PYEOF
for f in lno.fxye lno.gsa lno_esd.gsa lno.xrdml; do
    lam="--anode Cu"
    [ "$f" = lno.xrdml ] && lam=""
    "$QMAP" powder "$LNO" "$T/$f" $lam --exchange Li1:Ni1 --uiso -o "$T/fmt" >"$T/fmt.txt" 2>&1
    rc=$?
    fmt=$(sed -n '1s/.*(\([^)]*\)) against.*/\1/p' "$T/fmt.txt")
    [ $rc -eq 0 ] || { echo "FAIL $f: exit $rc"; cat "$T/fmt.txt"; fail=1; }
    grep -q '9501 points, 2theta 15.000 to 110.000 deg, lambda 1.540593 A + 1.544414 A' "$T/fmt.txt" \
        || { echo "FAIL $f: points/range/wavelengths:"; head -1 "$T/fmt.txt"; fail=1; }
    check_near "$f ($fmt) a" "$(value a "$T/fmt.txt")" "$(value a "$T/lno.txt")" 2e-6
    check_near "$f ($fmt) exchange" "$(value 'exch(Ni1_Li1)' "$T/fmt.txt")" "$(value 'exch(Ni1_Li1)' "$T/lno.txt")" 0.002
done

# correlation matrix on request
"$QMAP" powder "$LNO" "$T/lno.xye" --anode Cu --exchange Li1:Ni1 --correlations -o "$T/corr" >"$T/corr.txt" 2>&1
awk '/^correlation matrix/ {on = 1; next} on && $2 ~ /^[0-9]+$/ {n++; if ($NF != 100 || NF != $2 + 2) bad = 1} END {exit !(n >= 10 && !bad)}' "$T/corr.txt" \
    && echo "ok   --correlations: matrix with 100 on the diagonal" || { echo "FAIL --correlations"; cat "$T/corr.txt"; fail=1; }

# honest refinement: a wrong wavelength makes the structure unphysical
"$QMAP" powder "$LNO" "$T/lno.xye" --wavelength 1.70 --exchange Li1:Ni1 --uiso -o "$T/wrong" >"$T/wrong.out" 2>"$T/wrong.err"
rc=$?
{ [ $rc -eq 3 ] || [ $rc -eq 4 ]; } && grep -q '^qmap powder: warning: ' "$T/wrong.err" \
    && [ "$(grep -vc '^qmap powder: warning: ' "$T/wrong.err")" -eq 0 ] \
    && echo "ok   wrong wavelength: exit $rc, $(grep -c . "$T/wrong.err") warning lines" \
    || { echo "FAIL wrong wavelength: exit $rc"; cat "$T/wrong.err"; fail=1; }
grep -Eq 'negative|outside \[0, 1\]|undetermined|not converged|above' "$T/wrong.err" \
    || { echo "FAIL wrong wavelength: no range warning"; fail=1; }

expect() {   # name words -- powder arguments
    local name=$1 words=$2; shift 3
    rm -f "$T"/out_bad*
    "$QMAP" powder "$@" -o "$T/out_bad" >/dev/null 2>"$T/$name.err"
    local rc=$? ok=1
    [ $rc -eq 2 ] || { echo "FAIL $name: exit $rc"; ok=0; }
    [ "$(grep -c . "$T/$name.err")" -eq 1 ] || { echo "FAIL $name: stderr:"; cat "$T/$name.err"; ok=0; }
    grep -qi -- "$words" "$T/$name.err" || { echo "FAIL $name: stderr lacks '$words'"; cat "$T/$name.err"; ok=0; }
    ls "$T"/out_bad* >/dev/null 2>&1 && { echo "FAIL $name: output left behind"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.err")"
    [ $ok -eq 1 ] || fail=1
}
printf '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>\n' >"$T/not.xrdml"
printf '<?xml version="1.0"?>\n<xrdMeasurements><broken>\n' >"$T/broken.xrdml"
printf 'title\nBANK 1 100 10 TIME_MAP 1 2 0 0 STD\n' >"$T/tof.gsa"
printf 'title\nBANK 1 100 10 CONS 1000 1 0 0 STD\n      12      13\n' >"$T/short.gsa"
cp "$T/corr.png" "$T/image.xy"
expect unknown-anode "unknown anode"       -- "$LNO" "$T/lno.xye" --anode Fe
expect anode-and-wl  "one of"              -- "$LNO" "$T/lno.xye" --anode Cu --energy 8000
expect low-energy    "outside"             -- "$LNO" "$T/lno.xye" --energy 500
expect svg-as-xrdml  "not <xrdMeasurements>" -- "$LNO" "$T/not.xrdml" --anode Cu
expect broken-xrdml  "not well-formed"     -- "$LNO" "$T/broken.xrdml" --anode Cu
expect tof-gsas      "TIME_MAP"            -- "$LNO" "$T/tof.gsa" --anode Cu
expect short-gsas    "announces 100"       -- "$LNO" "$T/short.gsa" --anode Cu
expect png-as-xy     "line"                -- "$LNO" "$T/image.xy" --anode Cu
expect q-gsas        "--q applies"         -- "$LNO" "$T/lno.fxye" --anode Cu --q
expect bad-exchange  "no atom site"        -- "$LNO" "$T/lno.xye" --anode Cu --exchange Li1:Xx
expect exch-syntax   "LI_SITE:METAL_SITE"  -- "$LNO" "$T/lno.xye" --anode Cu --exchange Li1
expect bad-po        "--po"                -- "$LNO" "$T/lno.xye" --anode Cu --po 0,0,0
exit $fail
