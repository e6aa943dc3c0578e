#!/usr/bin/env bash
# test_report_options.sh -- `qmap report` options for paper figures: --maps draws only the
# figures asked for, --vmin/--vmax/--cmap set the colour scale of a single map (the colour
# bar's ends are the limits given), --pdf adds vector PDFs; bad values are usage errors
# (status 2, one `qmap report:` line).
set -eu
T=${QMAP_TEST_TMP:-/tmp}/report_options
rm -rf "$T" && mkdir -p "$T"
Q=${QMAP_BIN:?}
"$Q" simulate -o "$T/data" --size 12,10 --eta 7 --seed 6 >/dev/null
"$Q" process "$T/data/sample_0001.h5" -o "$T/r.h5" -q --shift none --bins 8,9,10
"$Q" report "$T/r.h5" -o "$T/rep" -q --maps strain,widths_sigma --vmin -0.004 --vmax 0.004 --cmap viridis --pdf
for f in map_strain.png map_strain.svg map_strain.pdf widths_sigma.png widths_sigma.pdf overview.png report.html; do
    [ -s "$T/rep/$f" ] || { echo "FAIL: $f missing"; ls "$T/rep"; exit 1; }
done
[ ! -e "$T/rep/map_d_spacing.png" ] && [ ! -e "$T/rep/tilt_polar.png" ] || { echo "FAIL: --maps drew other figures"; exit 1; }
head -c 5 "$T/rep/map_strain.pdf" | grep -q '%PDF-' || { echo "FAIL: not a PDF"; exit 1; }
# viridis has no red: the default diverging strain map has red pixels, the viridis one none
"$Q" report "$T/r.h5" -o "$T/default" -q --maps strain --no-svg
reds() {
    ${PYTHON:-/usr/bin/python3} - "$1" <<'PYEOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
print(sum(1 for r, g, b in im.getdata() if r > 150 and g < 90 and b < 90))
PYEOF
}
[ "$(reds "$T/default/map_strain.png")" -gt 50 ] || { echo "FAIL: default strain map has no red"; exit 1; }
[ "$(reds "$T/rep/map_strain.png")" -lt 5 ] || { echo "FAIL: --cmap viridis still shows red"; exit 1; }
[ ! -e "$T/default/map_strain.svg" ] && [ ! -e "$T/default/map_d_spacing.png" ]
set +e
err=$("$Q" report "$T/r.h5" -o "$T/bad" --vmin 2 --vmax 1 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q '^qmap report: --vmin' || { echo "FAIL vmin>vmax: $rc $err"; exit 1; }
err=$("$Q" report "$T/r.h5" -o "$T/bad" --maps nothing 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "^qmap report: --maps: 'nothing'" || { echo "FAIL --maps: $rc $err"; exit 1; }
err=$("$Q" report "$T/r.h5" -o "$T/bad" --cmap jet 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$err" | grep -q "^qmap report: --cmap" || { echo "FAIL --cmap: $rc $err"; exit 1; }
[ ! -e "$T/bad" ] || { echo "FAIL: a refused report left $T/bad"; exit 1; }
"$Q" report --list-figures | grep -qx widths_sigma
echo "report options ok"
