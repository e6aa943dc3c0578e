#!/usr/bin/env bash
# test_hkl_process.sh -- `qmap process --cif FILE --hkl H,K,L`: d_ref is the CIF d-spacing
# (checked against c/3 for 003 and against the strain map), and the printed theoretical
# angles and angular offsets are checked with xrayutilities: its Ang2Q of the theoretical
# angles gives the CIF reflection's Q (xu.FourC frame), and of theory + offsets gives the
# measured mean Q of the results file. Bad --cif uses fail cleanly with no output file.
set -u
QMAP=${QMAP_BIN:?}
SRC=${QMAP_SRC:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/hkl-process
rm -rf "$T" && mkdir -p "$T"
fail=0
CIF="$SRC/tests/data/NMC622_icsd.cif"
"$QMAP" simulate -o "$T/sim" --size 12,10 --eta 7 --seed 2 >/dev/null || { echo "FAIL: simulate"; exit 1; }
"$QMAP" process "$T/sim/sample_0001.h5" -o "$T/r.h5" --hkl 0,0,3 --cif "$CIF" >"$T/out.txt" 2>"$T/err.txt" \
    || { echo "FAIL: process --cif:"; cat "$T/err.txt"; exit 1; }
grep -E "CIF|offsets|d_ref" "$T/out.txt"
"$PY" - "$T/r.h5" "$T/out.txt" "$CIF" <<'PYEOF' || fail=1
import re, sys
import numpy as np, h5py
import xrayutilities as xu
res, out, cif = sys.argv[1:4]
text = open(out).read()
f = h5py.File(res, "r")
p = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in f["parameters"].attrs.items()}
dref = float(p["d_ref"].split()[0])
ok = True
def check(cond, msg):
    global ok
    if not cond:
        print("FAIL:", msg); ok = False
check(abs(dref - 14.2115 / 3) < 1e-7, "d_ref %.9f, want c/3 = %.9f" % (dref, 14.2115 / 3))
d, strain = f["maps/d_spacing"][()], f["maps/strain"][()]
m = np.isfinite(d)
check(m.sum() > 0 and np.allclose(strain[m], d[m] / (14.2115 / 3) - 1, rtol=0, atol=1e-12),
      "strain map is not d/d_CIF - 1")
energy = float(p["energy_ev"])
mean_q = f["qspace/mean_q"][()]
th = re.search(r"theoretical eta (\S+) phi (\S+) nu 0 delta (\S+)", text)
off = re.search(r"to add to --offset: eta=([^,]+),phi=([^,]+),nu=0,delta=([-0-9.]+)", text)
check(th and off, "theory/offset lines missing")
stored = p["cif_angle_offsets_deg"]
check(stored.startswith("eta="), "cif_angle_offsets_deg parameter: %s" % stored)
qconv = xu.QConversion(['y-', 'z-'], ['z-', 'y-'], [1, 0, 0])
mat = xu.materials.Crystal.fromCIF(cif)
exp = xu.FourC(mat.Q(1, 0, 0), mat.Q(0, 0, 1), en=energy, qconv=qconv)
q_th = exp.Transform(mat.Q(0, 0, 3))
t = [float(x) for x in th.groups()]
o = [float(x) for x in off.groups()]
q1 = np.array(qconv.point(t[0], t[1], 0, t[2], en=energy))
check(np.linalg.norm(q1 - q_th) < 2e-4 * np.linalg.norm(q_th),
      "xu Ang2Q(theoretical angles) %s != CIF Q %s" % (q1, q_th))
q2 = np.array(qconv.point(t[0] + o[0], t[1] + o[1], 0, t[2] + o[2], en=energy))
check(np.linalg.norm(q2 - mean_q) < 2e-4 * np.linalg.norm(mean_q),
      "xu Ang2Q(theory + offsets) %s != measured mean Q %s" % (q2, mean_q))
print("xu: theory angles -> %s (CIF %s); theory+offsets -> %s (mean Q %s)" % (q1, q_th, q2, mean_q))
sys.exit(0 if ok else 1)
PYEOF

expect() {   # name words -- process arguments
    local name=$1 words=$2; shift 3
    rm -f "$T/bad.h5"
    "$QMAP" process "$T/sim/sample_0001.h5" -o "$T/bad.h5" "$@" >/dev/null 2>"$T/$name.err"
    local rc=$? ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ "$(grep -c . "$T/$name.err")" -eq 1 ] || { echo "FAIL $name: stderr:"; cat "$T/$name.err"; ok=0; }
    grep -qi -- "$words" "$T/$name.err" || { echo "FAIL $name: stderr lacks '$words'"; cat "$T/$name.err"; ok=0; }
    ls "$T"/bad.h5* >/dev/null 2>&1 && { echo "FAIL $name: output left behind"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.err")"
    [ $ok -eq 1 ] || fail=1
}
printf 'data_x\n_cell_length_a 2.8(\n' >"$T/bad.cif"
expect cif-no-hkl   "needs --hkl"   -- --cif "$CIF"
expect cif-and-dref "replaces --dref" -- --cif "$CIF" --hkl 0,0,3 --dref 4.7
expect cif-missing  "no/such.cif"   -- --cif "$T/no/such.cif" --hkl 0,0,3
expect cif-bad      "bad.cif"       -- --cif "$T/bad.cif" --hkl 0,0,3
expect ip-dir-bad   "--ip-dir"      -- --cif "$CIF" --hkl 0,0,3 --ip-dir 1,0
exit $fail
