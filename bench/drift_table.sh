#!/usr/bin/env bash
# drift_table.sh -- drift error per case, signal and method, on simulated particles with a
# known drift and a known tilt field (issue 12). Writes a markdown table to stdout.
#
# Cases: bending of the lattice in the rocking plane (the case that biases a registration of
# Bragg maps), tilt spread (2 x edge tilt) over the rocking range from 0.03 to 2, two drift
# sizes. Signals: the fluorescence counter (measurement/fluo), the detector's off-Bragg
# fluorescence (no counter; 50 counts per frame at the thickest point, flat background
# 0.0002 counts/pixel/frame), and the Bragg maps alone, with eta monotonic in the scan
# sequence (what qmap did before: the tilt is taken for drift) and interleaved.
# Every run uses the default options of `qmap process` (plus --hkl, --monitor); the signal
# is what the automatic choice takes for that dataset.
# usage: bench/drift_table.sh [QMAP_BIN] > docs/drift-table.md
set -euo pipefail
QMAP=${1:-$(dirname "$0")/../build/qmap}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
range=0.72          # eta range of the simulation (2 x 0.36 deg)
echo "| tilt spread / rocking range | drift (px/scan) | signal used | drift error, worst scan (px) | residual rms (px) | uncertainty, last scan (px) | halves (px) | confidence | compare failures |"
echo "|---|---|---|---|---|---|---|---|---|"
for tilt in 0.01 0.05 0.18 0.36 0.72; do
  ratio=$(awk -v t=$tilt -v r=$range 'BEGIN{printf "%.2f", 2*t/r}')
  for drift in 0.02,-0.01 0.06,-0.04; do
    dpx=$(awk -v d=$drift 'BEGIN{split(d,a,","); printf "%.1f, %.1f", a[1]/0.1, a[2]/0.1}')
    for sig in counter offbragg bragg-monotonic bragg-interleaved; do
      case $sig in
        counter) extra=();;
        offbragg) extra=(--fluo-counter no --fluo-frames 50 --background 0.0002);;
        bragg-monotonic) extra=(--fluo-counter no --background 0.0002);;
        bragg-interleaved) extra=(--fluo-counter no --background 0.0002 --eta-order interleaved);;
      esac
      d=$TMP/$sig
      rm -rf "$d"
      "$QMAP" simulate -o "$d" --tilt-shape bending --tilt $tilt --drift $drift "${extra[@]}" >/dev/null
      "$QMAP" process "$d/sample_0001.h5" -o "$d/r.h5" --hkl 0,0,3 --monitor mon1 >"$d/log" 2>&1
      "$QMAP" compare "$d/r.h5" "$d/ground_truth.h5" >"$d/cmp" 2>&1 || true
      err=$(awk '/drift correction, worst scan/{print $5}' "$d/cmp")
      fails=$(grep -c FAIL "$d/cmp" || true)
      line=$(grep 'drift confidence:' "$d/log" || true)
      used=$(echo "$line" | sed -n 's/.*signal \(.*\), contrast.*/\1/p')
      rms=$(echo "$line" | sed -n 's/.*residual rms \([0-9.na-]*\) px.*/\1/p')
      halves=$(echo "$line" | sed -n 's/.*differ by \([0-9.na-]*\) px.*/\1/p')
      sigma=$(echo "$line" | sed -n 's/.*(uncertainty \([0-9.na-]*\) px.*/\1/p')
      level=ok
      if grep -q 'LOW\|may be biased' "$d/log"; then level=low; fi
      if grep -q 'drift not determined' "$d/log"; then used="none (zero drift)"; level=undetermined; fi
      printf "| %s | %s | %s (%s) | %.3f | %s | %s | %s | %s | %s |\n" "$ratio" "$dpx" "$used" "$sig" "$err" "${rms:--}" "${sigma:--}" "${halves:--}" "$level" "$fails"
    done
  done
done
