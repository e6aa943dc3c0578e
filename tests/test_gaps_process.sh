#!/usr/bin/env bash
# test_gaps_process.sh -- a Bragg peak on the Maxipix chip gaps (issue 11).
# The same simulated particle (same seed, so the same photons at every physical pixel) is
# written twice: in LIMA's Maxipix 2x2 layout (wide edge pixels 255/260 holding the counts
# of their 3 positions, 256-259 zero) and with one value per physical pixel (an ideal
# detector). The direct beam, hence the peak, sits on both gaps, off their centres.
# Corrected (default), the gap-layout file must give the same COM, widths and d-spacing as
# the ideal detector, and match the ground truth; with --no-gap-correction the fitted
# widths must be visibly wrong (which shows that the comparison can fail).
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/gaps
rm -rf "$T" && mkdir -p "$T"
fail=0
BEAM=256.4,258.6
"$QMAP" simulate -o "$T/gap" --beam $BEAM >/dev/null || { echo "simulate failed"; exit 1; }
"$QMAP" simulate -o "$T/ideal" --beam $BEAM --ideal-frames >/dev/null || { echo "simulate failed"; exit 1; }
O="--hkl 0,0,3 --shift-counter fluo -q"
"$QMAP" process "$T/gap/sample_0001.h5" $O -o "$T/on.h5" || fail=1
"$QMAP" process "$T/gap/sample_0001.h5" $O --no-gap-correction -o "$T/off.h5" || fail=1
"$QMAP" process "$T/ideal/sample_0001.h5" $O --gap-layout none -o "$T/ideal.h5" || fail=1
[ $fail -eq 0 ] || { echo "FAIL: processing"; exit 1; }
"$QMAP" compare "$T/on.h5" "$T/gap/ground_truth.h5" > "$T/truth_on.txt" ||
    { echo "FAIL: corrected gap frames do not match the truth"; cat "$T/truth_on.txt"; fail=1; }
"$PY" - "$T/on.h5" "$T/off.h5" "$T/ideal.h5" "$T/gap/ground_truth.h5" <<'PY' || fail=1
import sys, h5py, numpy as np
on, off, ideal, truth = (h5py.File(p, "r") for p in sys.argv[1:5])
def diffs(a, b):
    m = (a["maps/mask"][()] > 0) & (b["maps/mask"][()] > 0)
    r = {"n": int(m.sum())}
    for ax in ("qx", "qy", "qz"):
        s = truth[f"maps/sigma_{ax}"][()][m]
        r["com_" + ax] = np.percentile(np.abs(a[f"maps/{ax}"][()][m] - b[f"maps/{ax}"][()][m]) / s, 95)
        r["fit_" + ax] = np.nanmedian(np.abs(a[f"maps/sigma_{ax}"][()][m] / b[f"maps/sigma_{ax}"][()][m] - 1))
        r["std_" + ax] = np.median(np.abs(a[f"maps/std_{ax}"][()][m] / b[f"maps/std_{ax}"][()][m] - 1))
    r["d"] = np.max(np.abs(a["maps/d_spacing"][()][m] / b["maps/d_spacing"][()][m] - 1))
    return r
ok = True
c, u = diffs(on, ideal), diffs(off, ideal)
for name, r in (("corrected  ", c), ("uncorrected", u)):
    print(name, "vs ideal detector:", " ".join(f"{k}={v:.3g}" for k, v in r.items()))
# corrected: the same as the ideal detector within a small fraction of the noise
for ax in ("qx", "qy", "qz"):
    ok &= c["com_" + ax] < 0.02 and c["fit_" + ax] < 0.01 and c["std_" + ax] < 0.01
ok &= c["d"] < 2e-5 and c["n"] > 50
# uncorrected: the fitted widths across the gaps collapse, the COM moves
bad = max(u["fit_qy"], u["fit_qz"])
ok &= bad > 0.1 and bad > 20 * max(c["fit_qy"], c["fit_qz"])
ok &= max(u["com_qy"], u["com_qz"]) > 3 * max(c["com_qy"], c["com_qz"])
print("ok" if ok else "FAIL", "gap correction on versus off")
sys.exit(0 if ok else 1)
PY
[ $fail -eq 0 ] && echo "test_gaps_process: all ok"
exit $fail
