#!/usr/bin/env bash
# test_sem_cli.sh -- `qmap sem` end to end on SEM-like images written by Pillow (an
# independent TIFF/PNG writer): discs of known diameters on an uneven, noisy background;
# the pixel size from an FEI tag, from --pixel-size, or missing (an error); the four outputs;
# and bad images (missing, empty, truncated, 32-bit float, 1-bit, not an image) and options
# giving a one-line error, a non-zero exit and no output file.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/sem-cli
rm -rf "$T" && mkdir -p "$T/out"
fail=0

"$PY" - "$T" <<'PYEOF' || { echo "could not write the test images"; exit 1; }
import sys, numpy as np
from PIL import Image, TiffImagePlugin
T = sys.argv[1]
rng = np.random.default_rng(4)
h, w = 360, 480
yy, xx = np.mgrid[0:h, 0:w] + 0.5
img = 40 + 60 * xx / w + 20 * np.exp(-((yy - 80) ** 2 + (xx - 380) ** 2) / (2 * 150.0 ** 2))
# 5 x 4 grid of discs, diameters 14..40 px (truth written for the test).
d = np.linspace(14, 40, 20)
rng.shuffle(d)
cover = np.zeros((h, w))
k = 0
for i in range(4):
    for j in range(5):
        cy, cx = 50 + 85 * i, 55 + 92 * j
        # 4x4 supersampled coverage
        sub = np.zeros((h, w))
        for sy in range(4):
            for sx in range(4):
                sub += ((yy - 0.5 + (sy + 0.5) / 4 - cy) ** 2 + (xx - 0.5 + (sx + 0.5) / 4 - cx) ** 2 <= (d[k] / 2) ** 2)
        cover += sub / 16
        k += 1
img = img + 90 * np.clip(cover, 0, 1) + rng.normal(0, 6, img.shape)
g8 = np.clip(np.round(img), 0, 255).astype(np.uint8)
np.savetxt(T + "/truth_diameters.txt", d)
ifd = TiffImagePlugin.ImageFileDirectory_v2()
ifd[34682] = "[User]\r\nDate=2024\r\n[Scan]\r\nPixelWidth=4e-09\r\nPixelHeight=4e-09\r\n"
ifd.tagtype[34682] = 2
Image.fromarray(g8).save(T + "/fei.tif", tiffinfo=ifd)
Image.fromarray(g8).save(T + "/plain.png")
Image.fromarray((g8.astype(np.uint16) * 257)).save(T + "/plain16.png")
Image.fromarray(img.astype(np.float32)).save(T + "/float.tif")
Image.fromarray(g8 > 128).save(T + "/bilevel.tif")
PYEOF

run_ok() {   # name -- args
    local name=$1; shift 2
    "$QMAP" sem "$@" >"$T/$name.stdout" 2>"$T/$name.stderr" || { echo "FAIL $name: exit $?"; cat "$T/$name.stderr"; fail=1; return 1; }
    echo "ok   $name"; sed 's/^/       /' "$T/$name.stdout"
}

# The FEI tag gives 4 nm; 20 discs, none cut by the border.
run_ok fei -- "$T/fei.tif" -o "$T/out" --background-radius 40
for f in fei_particles.csv fei_size_distribution.csv fei_size_summary.csv fei_size_distribution.png; do
    [ -s "$T/out/$f" ] || { echo "FAIL: $f missing"; fail=1; }
done
"$PY" - "$T" <<'PYEOF' || fail=1
import sys, csv, numpy as np
T = sys.argv[1]
truth = np.sort(np.loadtxt(T + "/truth_diameters.txt")) * 4.0  # nm
rows = list(csv.DictReader(open(T + "/out/fei_particles.csv")))
summary = {r["key"]: r["value"] for r in csv.DictReader(open(T + "/out/fei_size_summary.csv"))}
ok = True
if len(rows) != 20:
    print("FAIL: %d particles, expected 20" % len(rows)); ok = False
if "FEI tag 34682" not in summary["pixel_size_source"] or float(summary["pixel_size_nm"]) != 4:
    print("FAIL: pixel size source", summary["pixel_size_source"]); ok = False
ecd = np.sort([float(r["ecd (nm)"]) for r in rows])
if len(ecd) == 20:
    worst = np.max(np.abs(ecd - truth))
    print("worst ECD error %.2f nm (1 px = 4 nm)" % worst)
    if worst > 4.0: print("FAIL: ECD error above 1 px"); ok = False
med_true = np.exp(np.mean(np.log(truth)))
med = float(summary["lognormal_median_nm"])
if abs(med / med_true - 1) > 0.02: print("FAIL: median %.2f vs %.2f" % (med, med_true)); ok = False
gsd_true = np.exp(np.std(np.log(truth), ddof=1))
if abs(float(summary["lognormal_geometric_std"]) - gsd_true) > 0.02: print("FAIL: gsd"); ok = False
hist = list(csv.DictReader(open(T + "/out/fei_size_distribution.csv")))
if sum(float(r["count"]) for r in hist) != len(rows): print("FAIL: histogram counts"); ok = False
# Fitted count per bin = n x (CDF(high) - CDF(low)) of the log-normal in the summary.
import math
mu, sg = float(summary["lognormal_mu_ln_nm"]), float(summary["lognormal_sigma"])
cdf = lambda x: 0.0 if x <= 0 else 0.5 * (1 + math.erf((math.log(x) - mu) / (sg * math.sqrt(2))))
for r in hist:
    want = len(rows) * (cdf(float(r["bin_high (nm)"])) - cdf(float(r["bin_low (nm)"])))
    if abs(float(r["lognormal_fit_count"]) - want) > 1e-4 * max(1, want):
        print("FAIL: fitted count %s vs %.6f" % (r["lognormal_fit_count"], want)); ok = False
print("median %.2f nm (true %.2f), geometric std %s (true %.4f)" % (med, med_true, summary["lognormal_geometric_std"], gsd_true))
sys.exit(0 if ok else 1)
PYEOF

# --pixel-size overrides the tag; PNG needs it; 16-bit PNG gives the same count.
run_ok override -- "$T/fei.tif" -o "$T/out" --pixel-size 2 --background-radius 40
grep -q '^pixel_size_source,"--pixel-size (the file says 4 nm' "$T/out/fei_size_summary.csv" || { echo "FAIL: override not recorded"; fail=1; }
run_ok png16 -- "$T/plain16.png" -o "$T/out" --pixel-size-nm 4 --background-radius 40
n16=$(($(wc -l < "$T/out/plain16_particles.csv") - 1))
[ "$n16" -eq 20 ] || { echo "FAIL: 16-bit PNG: $n16 particles"; fail=1; }

# Errors: one line, non-zero exit, nothing written into the output folder.
mkdir -p "$T/err"
: > "$T/empty.tif"
head -c 20000 "$T/fei.tif" > "$T/truncated.tif"
echo "hello" > "$T/text.png"
expect() {   # name words -- args
    local name=$1 words=$2; shift 3
    "$QMAP" sem "$@" -o "$T/err" >"$T/$name.stdout" 2>"$T/$name.stderr"
    local rc=$? ok=1
    [ $rc -ne 0 ] || { echo "FAIL $name: exit 0"; ok=0; }
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] || { echo "FAIL $name: not one stderr line"; cat "$T/$name.stderr"; ok=0; }
    grep -qi -- "$words" "$T/$name.stderr" || { echo "FAIL $name: stderr lacks '$words'"; cat "$T/$name.stderr"; ok=0; }
    grep -q "TIFFRead\|libpng\|Segmentation" "$T/$name.stderr" && [ "$(grep -c . "$T/$name.stderr")" -gt 1 ] && ok=0
    [ -z "$(ls -A "$T/err")" ] || { echo "FAIL $name: output left: $(ls "$T/err")"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: $(cat "$T/$name.stderr")"
    [ $ok -eq 1 ] || fail=1
}
expect no-pixel-size "no pixel size" -- "$T/plain.png"
expect missing "no such file" -- "$T/none.tif"
expect empty "empty" -- "$T/empty.tif"
expect truncated "truncated\|corrupt\|not a readable" -- "$T/truncated.tif"
expect float "bit depth 32" -- "$T/float.tif" --pixel-size 4
expect bilevel "bit depth 1" -- "$T/bilevel.tif" --pixel-size 4
expect text "not a TIFF or PNG" -- "$T/text.png" --pixel-size 4
expect negative-size "pixel-size" -- "$T/fei.tif" --pixel-size -3
expect bins "bins" -- "$T/fei.tif" --bins 0
"$QMAP" sem "$T/fei.tif" -o "$T/nowhere" >/dev/null 2>"$T/nodir.stderr" && { echo "FAIL nodir: exit 0"; fail=1; }
grep -q "not an existing folder" "$T/nodir.stderr" && echo "ok   nodir: $(cat "$T/nodir.stderr")" || { echo "FAIL nodir"; fail=1; }
exit $fail
