#!/usr/bin/env bash
# report.sh -- before/after of `qmap report`: two qmap binaries drawing the report of the same
# results file, alternating runs.
#
#   bench/report.sh BEFORE_QMAP [AFTER_QMAP] [NF NS NETA]
#
# AFTER_QMAP defaults to build/qmap; the results file is AFTER_QMAP's `process` of a simulated
# NF x NS map x NETA eta (default 50 x 50 x 20, the 50 000-frame bench). Each binary draws the
# report QMAP_BENCH_REPEAT times (default 7), before and after in alternation; the median wall
# seconds, their ratio and the size of each report folder are printed, then whether every PNG
# holds the same pixels (a decoded comparison, when python3 has cairo; skipped otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?usage: bench/report.sh BEFORE_QMAP [AFTER_QMAP] [NF NS NETA]}
AFTER=${2:-build/qmap}
NF=${3:-50} NS=${4:-50} NETA=${5:-20}
REPEAT=${QMAP_BENCH_REPEAT:-7}
D=$(mktemp -d "${TMPDIR:-/tmp}/qmap-report-bench.XXXX")
trap 'rm -rf "$D"' EXIT
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

"$AFTER" simulate -o "$D/data" --size "$NF,$NS" --eta "$NETA" >/dev/null
"$AFTER" process "$D/data/sample_0001.h5" -o "$D/r.h5" -q
echo "== report of a $NS x $NF map ($NETA eta); load average $(cut -d' ' -f1-3 /proc/loadavg)"
for _ in $(seq 1 "$REPEAT"); do
    for v in before after; do
        bin=$BEFORE; [ "$v" = after ] && bin=$AFTER
        rm -rf "$D/$v"
        s=$(date +%s.%N)
        "$bin" report "$D/r.h5" -o "$D/$v" >/dev/null
        echo "$(date +%s.%N) - $s" | bc >> "$D/$v.times"
    done
done
b=$(median < "$D/before.times"); a=$(median < "$D/after.times")
echo "before: median $b s (runs: $(tr '\n' ' ' < "$D/before.times")), folder $(du -sb "$D/before" | cut -f1) bytes"
echo "after:  median $a s (runs: $(tr '\n' ' ' < "$D/after.times")), folder $(du -sb "$D/after" | cut -f1) bytes"
echo "ratio before / after: $(echo "scale=2; $b / $a" | bc)"
if /usr/bin/python3 -c "import cairo, numpy" 2>/dev/null; then
    /usr/bin/python3 - "$D/before" "$D/after" <<'PY'
import cairo, glob, numpy, os, sys
def colours(path):   # RGB24 rows: 4 bytes a pixel, the fourth unused
    s = cairo.ImageSurface.create_from_png(path)
    w, h = s.get_width(), s.get_height()
    rows = numpy.frombuffer(bytes(s.get_data()), numpy.uint8).reshape(h, s.get_stride())
    return rows[:, :4 * w].reshape(h, w, 4)[:, :, :3]
names = sorted(os.path.basename(p) for p in glob.glob(sys.argv[1] + "/*.png"))
bad = [n for n in names if not numpy.array_equal(colours(os.path.join(sys.argv[1], n)),
                                                 colours(os.path.join(sys.argv[2], n)))]
for n in bad:
    print("pixels differ:", n)
print(f"PNG pixels: {len(names) - len(bad)} of {len(names)} files identical")
PY
else
    echo "PNG pixels: not compared (python3-cairo or python3-numpy not installed)"
fi
