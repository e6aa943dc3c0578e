#!/usr/bin/env bash
# test_report_html.sh -- `qmap report` from the command line: bad inputs give one "qmap:" line,
# a non-zero exit and no report folder; `qmap demo` writes the report; report.html opens in
# headless Chromium without console errors and its screenshot shows the figures (their
# characteristic colours are on the page); after `qmap particles` the report adds the
# particle map and one table row per particle. Chromium missing is a failure, not a skip.
set -u
T="$QMAP_TEST_TMP/report_html"
rm -rf "$T" && mkdir -p "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }
one_error_line() {   # $1 = stderr file
    [ "$(wc -l < "$1")" -eq 1 ] && grep -q '^qmap' "$1" || { cat "$1" >&2; fail "expected one 'qmap...' error line"; }
}

"$QMAP_BIN" report > /dev/null 2> "$T/e" && fail "report without a file succeeded"
one_error_line "$T/e"
"$QMAP_BIN" report "$T/missing.h5" -o "$T/r1" > /dev/null 2> "$T/e" && fail "missing results file accepted"
one_error_line "$T/e"; grep -q 'missing.h5' "$T/e" || fail "message does not name the file"
[ ! -e "$T/r1" ] || fail "report folder left after a failure"
echo "not HDF5" > "$T/text.h5"
"$QMAP_BIN" report "$T/text.h5" -o "$T/r2" > /dev/null 2> "$T/e" && fail "text file accepted"
one_error_line "$T/e"; [ ! -e "$T/r2" ] || fail "report folder left after a failure"
"$QMAP_BIN" report --scale 0 "$T/text.h5" > /dev/null 2> "$T/e" && fail "--scale 0 accepted"
one_error_line "$T/e"
ls "$T" | grep -q 'tmp-' && fail "temporary folder left behind"

"$QMAP_BIN" demo -o "$T/demo" -q > "$T/demo.log" 2>&1 || { tail -20 "$T/demo.log" >&2; fail "qmap demo failed"; }
R="$T/demo/results_report"
grep -q "$R/report.html" "$T/demo.log" || fail "demo does not print where the report is"
[ -s "$R/report.html" ] || fail "no report.html"
for f in map_intensity map_d_spacing map_strain map_c map_q widths_sigma widths_std tilt_magnitude tilt_direction \
         tilt_hsv tilt_polar distribution qspace_overview drift rocking_curve map_background overview; do
    [ -s "$R/$f.png" ] || fail "missing $f.png"
done
grep -Eq '(src|href)="(https?:)?//' "$R/report.html" && fail "report.html refers to the network"
for k in energy_ev detector voi d_ref; do grep -q ">$k<" "$R/report.html" || fail "parameter $k not in report.html"; done
grep -q 'id="particles"' "$R/report.html" && fail "particles section without /particles"
# with /particles (qmap particles): the label map and one table row per particle (= CSV rows)
"$QMAP_BIN" particles "$T/demo/results.h5" > "$T/particles.log" 2>&1 || { cat "$T/particles.log" >&2; fail "qmap particles failed"; }
"$QMAP_BIN" report "$T/demo/results.h5" -q 2> "$T/e" || { cat "$T/e" >&2; fail "report with /particles failed"; }
[ -s "$R/particles.png" ] && [ -s "$R/particles.svg" ] || fail "no particles.png / .svg"
rows=$(grep -o '<tr class="particle">' "$R/report.html" | wc -l)
n_csv=$(( $(wc -l < "$T/demo/results_particles.csv") - 1 ))
[ "$n_csv" -ge 1 ] && [ "$rows" -eq "$n_csv" ] || fail "report.html has $rows particle rows, the CSV $n_csv"
grep -q '<a href="#particles">' "$R/report.html" || fail "no link to the particles section"

CHROME=/usr/bin/chromium
[ -x "$CHROME" ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
UD=$(mktemp -d)
timeout 180 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$UD" \
    --enable-logging=stderr --v=0 --hide-scrollbars --window-size=1400,13000 \
    --screenshot="$T/shot.png" "file://$R/report.html" > "$T/chrome.out" 2> "$T/chrome.err"
rc=$?
rm -rf "$UD"
[ $rc -eq 0 ] && [ -s "$T/shot.png" ] || { tail -20 "$T/chrome.err" >&2; fail "chromium could not take a screenshot (rc $rc)"; }
if grep -E 'CONSOLE|Uncaught|net::ERR|Not allowed to load' "$T/chrome.err" > "$T/console.txt"; then
    cat "$T/console.txt" >&2; fail "console errors while loading report.html"
fi

"$PYTHON" - "$T/shot.png" "$R" <<'PY' || fail "screenshot does not show the figures"
import sys, os
from PIL import Image
shot = Image.open(sys.argv[1]).convert("RGB")
R = sys.argv[2]
def colours(im, step=1):
    """Quantised (5 bit) saturated colours of an image with their pixel counts."""
    out = {}
    w, h = im.size
    px = im.load()
    for y in range(0, h, step):
        for x in range(0, w, step):
            r, g, b = px[x, y]
            if max(r, g, b) - min(r, g, b) < 40:
                continue   # white, black, greys: text and background
            k = (r >> 3, g >> 3, b >> 3)
            out[k] = out.get(k, 0) + 1
    return out
def near(k, s):
    return any((k[0] + a, k[1] + b, k[2] + c) in s for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1))
page = colours(shot, 1)
non_white = sum(page.values())
print("saturated pixels on the page:", non_white)
if non_white < 100000:
    print("page is nearly blank"); sys.exit(1)
bad = 0
for f in sorted(os.listdir(R)):
    if not f.endswith(".png") or f == "overview.png":
        continue
    fig = colours(Image.open(os.path.join(R, f)).convert("RGB"), 2)
    ranked = sorted(fig.items(), key=lambda kv: -kv[1])
    # main colours: the 20 most frequent, leaving out rare anti-aliasing blends (< 20 samples)
    top = [k for k, n in ranked[:20] if n >= 20]
    found = sum(near(k, page) for k in top)
    print(f"{f}: {found}/{len(top)} main colours on the page")
    if len(top) and found < 0.6 * len(top):
        bad += 1
sys.exit(1 if bad else 0)
PY
echo "ok"
