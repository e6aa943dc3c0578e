#!/usr/bin/env bash
# Benchmark of `qmap process` (see bench/README.md). Reproduce with:
#     bench/run.sh                 # the two bench datasets: 20 x 20 x 30 = 12 000 and 50 x 50 x 20 = 50 000 frames
#     bench/run.sh NF NS NETA      # one dataset of your size instead
# (Maxipix frames, bitshuffle-LZ4, sparse Bragg peak). Measured in the same run, on the same
# frames: a plain H5Dread loop (bench_h5read), qmap end to end on all cores and on one thread
# (median of QMAP_BENCH_REPEAT alternating runs, default 3), the ratios between them; the
# per-stage profile (`qmap process -v`); the fits per map point against XSOCS (bench_fit);
# the NumPy/h5py notebook version of the COM (bench/numpy_com.py); the scaling with the
# number of frames; `mpirun -n 1, 2, 4` (oversubscribed beyond the cores); the memory of a
# 200 x 200 map; the cost of the drift's extra work.
#   QMAP_BENCH_QUICK=1     skip the NumPy run, the scaling and the 200 x 200 memory run
#   QMAP_BENCH_MID=1       also 2 threads / 1 thread on a 100 x 100 map x 60 eta = 600 000 frames
#                          (5.4 GB, simulated in ~75 s; qmap only, the plain read loop would take
#                          ~20 min): the scaling once the fixed costs no longer dominate
#   QMAP_BENCH_BIG=1       also the real beamtime case: 200 x 200 map x 60 eta = 2.4 M frames
#                          (simulated first: ~22 GB under $TMPDIR, about 10 min on 2 cores;
#                          then timed end to end with its peak RSS)
#   QMAP_BENCH_BUILD=DIR   use an existing build folder instead of building ./build
#   QMAP_BENCH_BEFORE=BIN  also time another qmap binary (e.g. the previous version) on the
#                          same frames, alternating with this one (bench/compare.sh does only that)
#   QMAP_BENCH_REPEAT=N    runs per timed configuration (median reported; default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
B=${QMAP_BENCH_BUILD:-}
if [ -z "$B" ]; then ./scripts/build.sh >/dev/null; B=build; fi
Q=$B/qmap
REPEAT=${QMAP_BENCH_REPEAT:-3}
D=$(mktemp -d "${TMPDIR:-/tmp}/qmap-bench.XXXX")
trap 'rm -rf "$D"' EXIT

simulate() { # NAME NF NS NETA [simulate options...]
    local name=$1 nf=$2 ns=$3 neta=$4; shift 4
    $Q simulate -o "$D/$name" --size "$nf,$ns" --eta "$neta" "$@" >/dev/null
    cat "$D/$name"/scan*/*.h5 > /dev/null   # warm the page cache for every reader
}
# run BIN NAME OUT [qmap options...]: prints "seconds peak_rss_kB cpu_seconds" of one qmap process
run() {
    local bin=$1 name=$2 out=$3; shift 3
    /usr/bin/time -f "%e %M %U %S" -o "$D/time.txt" "$bin" process "$D/$name/sample_0001.h5" -o "$D/$out" -q "$@"
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$D/time.txt"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
fps() { awk -v f="$1" -v t="$2" 'BEGIN{printf "%.0f", f / t}'; }

# bench_dataset NAME NF NS NETA [simulate options...]: the h5read loop and qmap (all cores,
# 1 thread[, before]) on it
bench_dataset() {
    local name=$1 nf=$2 ns=$3 neta=$4 frames=$(($2 * $3 * $4))
    shift 4
    simulate "$name" "$nf" "$ns" "$neta" "$@"
    echo "== dataset $name: $ns x $nf map x $neta eta = $frames Maxipix frames 516 x 516 int32 (bitshuffle-LZ4)"
    local base hfps
    base=$($B/bench/bench_h5read "$D/$name/sample_0001.h5")
    echo "$base"
    hfps=$(echo "$base" | awk '{print $7}')
    : > "$D/t2"; : > "$D/t1"; : > "$D/tb"; : > "$D/c2"; : > "$D/c1"
    local rss=0 rss1=0 t c
    for ((i = 0; i < REPEAT; i++)); do   # alternating, so that a change of load hits every configuration
        read -r t rss c <<< "$(run "$Q" "$name" r.h5)"; echo "$t" >> "$D/t2"; echo "$c" >> "$D/c2"
        read -r t rss1 c <<< "$(run "$Q" "$name" r1.h5 --threads 1)"; echo "$t" >> "$D/t1"; echo "$c" >> "$D/c1"
        if [ -n "${QMAP_BENCH_BEFORE:-}" ]; then
            read -r t _ _ <<< "$(run "$QMAP_BENCH_BEFORE" "$name" rb.h5)"; echo "$t" >> "$D/tb"
        fi
    done
    local t2 t1 c2 c1
    t2=$(median < "$D/t2"); t1=$(median < "$D/t1"); c2=$(median < "$D/c2"); c1=$(median < "$D/c1")
    echo "qmap process (all $(nproc) cores): median of $REPEAT: seconds $t2 fps $(fps "$frames" "$t2") cpu ${c2} s peak RSS $((rss / 1024)) MB (runs: $(tr '\n' ' ' < "$D/t2"))"
    echo "qmap process --threads 1: median of $REPEAT: seconds $t1 fps $(fps "$frames" "$t1") cpu ${c1} s peak RSS $((rss1 / 1024)) MB (runs: $(tr '\n' ' ' < "$D/t1"))"
    awk -v f="$frames" -v a="$t2" -v b="$t1" -v h="$hfps" 'BEGIN{printf "RATIO %s: qmap / h5read loop %.1f (1 thread: %.1f); 2 threads / 1 thread %.2f\n", "'"$name"'", f / a / h, f / b / h, b / a}'
    if [ -n "${QMAP_BENCH_BEFORE:-}" ]; then
        local tb; tb=$(median < "$D/tb")
        awk -v a="$t2" -v b="$tb" -v f="$frames" 'BEGIN{printf "before (%s): median seconds %.2f fps %.0f; this version is %.2f x faster\n", "'"$QMAP_BENCH_BEFORE"'", b, f / b, b / a}'
    fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $($Q --version 2>/dev/null | head -1)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share the cores: see bench/README.md)"
if [ $# -ge 3 ]; then
    bench_dataset main "$1" "$2" "$3"; MAIN=main; NF=$1; NS=$2; NETA=$3
else
    # half of simulate's unscaled default drift (0.4 map pixel per scan would move the particle
    # 12 of the 20 pixels by the last scan), as in every earlier round; simulate now scales its
    # default to a quarter of the map (0.16 pixel per scan here)
    bench_dataset b12k 20 20 30 --drift 0.02,-0.0125
    rm -rf "${D:?}/b12k"
    bench_dataset main 50 50 20; MAIN=main; NF=50; NS=50; NETA=20
fi
FRAMES=$((NF * NS * NETA))

# Per-stage profile: `qmap process -v` prints the wall and CPU seconds of every stage.
$Q process "$D/$MAIN/sample_0001.h5" -o "$D/p2.h5" -v | grep '^time:' | sed 's/^time: //' > "$D/p2"
$Q process "$D/$MAIN/sample_0001.h5" -o "$D/p1.h5" -v --threads 1 | grep '^time:' | sed 's/^time: //' > "$D/p1"
echo "per-stage profile ($FRAMES frames; qmap process -v):"
printf "  %-24s %10s %10s %10s %10s\n" stage "wall 2thr" "cpu 2thr" "wall 1thr" "cpu 1thr"
stage_fields() { awk '{w = "-"; c = "-"; for (i = 1; i <= NF; i++) { if ($i == "wall") w = $(i + 1); if ($i == "cpu") c = $(i + 1) }
                      match($0, / +wall /); print substr($0, 1, RSTART - 1) "|" w "|" c}' "$1"; }
paste -d'|' <(stage_fields "$D/p2") <(stage_fields "$D/p1") | awk -F'|' '{printf "  %-24s %10s %10s %10s %10s\n", $1, $2, $3, $5, $6}'

# Fits per map point against XSOCS (about 3.6 ms per point per process, bench/README.md).
$B/bench/bench_fit 4000

if [ -z "${QMAP_BENCH_QUICK:-}" ]; then
    np=$($PY bench/numpy_com.py "$D/$MAIN/sample_0001.h5" "$D/r.h5")
    echo "$np"
    nfps=$(echo "$np" | awk '/^numpy frames/ {print $7}')
    awk -v f=$FRAMES -v t="$(median < "$D/t2")" -v n="$nfps" 'BEGIN{printf "ratio qmap / numpy: %.1f\n", f / t / n}'
fi

# Cost of the drift's off-Bragg fluorescence map (per-tile sums in a full quick-look pass) and
# of the sub-pixel application (issue 12), and of the full quick look against the sample (issue 18).
read -r ta _ _ <<< "$(run "$Q" "$MAIN" ra.h5)"
read -r tf _ _ <<< "$(run "$Q" "$MAIN" rf.h5 --quick-look full)"
read -r to _ _ <<< "$(run "$Q" "$MAIN" ro.h5 --shift-signal off-bragg)"
read -r tn _ _ <<< "$(run "$Q" "$MAIN" rn.h5 --shift-apply nearest)"
awk -v a="$ta" -v f="$tf" -v o="$to" -v n="$tn" 'BEGIN{printf "drift and quick look: default %.2f s; --quick-look full %.2f s; drift on the off-Bragg tile sums (full quick look) %.2f s; --shift-apply nearest %.2f s\n", a, f, o, n}'

if [ -z "${QMAP_BENCH_QUICK:-}" ]; then
    echo "scaling (frames proportional to map positions, $NETA eta):"
    printf "  %8s %9s %10s %9s %8s\n" frames seconds frames/s "RSS MB" "cpu s"
    for size in "$((NF / 2)),$((NS / 5))" "$((NF / 2)),$((NS * 2 / 5))" "$NF,$((NS / 2))" "$NF,$NS"; do
        [ "$size" = "$NF,$NS" ] || simulate "s$size" "${size%,*}" "${size#*,}" "$NETA"
        n=$(( ${size%,*} * ${size#*,} * NETA )); nm="s$size"; [ "$size" = "$NF,$NS" ] && nm=$MAIN
        read -r ts rs cs <<< "$(run "$Q" "$nm" rs.h5)"
        printf "  %8d %9.2f %10.0f %9d %8.2f\n" "$n" "$ts" "$(awk -v f=$n -v t="$ts" 'BEGIN{print f/t}')" $((rs / 1024)) "$cs"
        [ "$size" = "$NF,$NS" ] || rm -rf "${D:?}/s$size"
    done
fi

if command -v mpirun >/dev/null && ldd "$Q" | grep -q libmpi; then
    echo "MPI (mpirun --oversubscribe, 1 thread per rank; $(nproc) cores: more ranks than cores are oversubscribed):"
    printf "  %5s %9s %10s %s\n" ranks seconds frames/s "max |difference| / max |value| vs the single process"
    for n in 1 2 4; do
        t0=$(date +%s.%N)
        mpirun --allow-run-as-root --oversubscribe -n $n "$Q" process "$D/$MAIN/sample_0001.h5" -o "$D/rm$n.h5" -q --threads 1
        t1=$(date +%s.%N)
        diff=$($PY - "$D/r1.h5" "$D/rm$n.h5" <<'PYEOF'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
worst = [0.0]
def visit(name, o):
    if isinstance(o, h5py.Dataset) and o.dtype.kind in 'fiu':
        x, y = np.asarray(o[()], float), np.asarray(b[name][()], float)
        d = np.abs(x - y)[np.isfinite(x) & np.isfinite(y)]
        s = np.abs(x)[np.isfinite(x)]
        if d.size and s.max() > 0:
            worst[0] = max(worst[0], d.max() / s.max())
a.visititems(visit)
print(f"{worst[0]:.2g}")
PYEOF
)
        printf "  %5d %9.2f %10.0f %s%s\n" $n "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" \
            "$(awk -v f=$FRAMES -v a="$t0" -v b="$t1" 'BEGIN{print f / (b - a)}')" "$diff" \
            "$([ $n -gt "$(nproc)" ] && echo "  (oversubscribed: $n ranks on $(nproc) cores)")"
    done
fi
rm -rf "${D:?}/$MAIN"

if [ -z "${QMAP_BENCH_QUICK:-}" ]; then
    simulate big 200 200 3
    read -r tb rb _ <<< "$(run "$Q" big rb.h5)"
    echo "memory: 200 x 200 map x 3 eta (120000 frames): seconds $tb fps $(fps 120000 "$tb") peak RSS $((rb / 1024)) MB"
    rm -rf "${D:?}/big"
fi

if [ -n "${QMAP_BENCH_MID:-}" ]; then
    simulate mid 100 100 60
    : > "$D/m2"; : > "$D/m1"
    for ((i = 0; i < REPEAT; i++)); do
        read -r t rss_m _ <<< "$(run "$Q" mid rm.h5)"; echo "$t" >> "$D/m2"
        read -r t _ _ <<< "$(run "$Q" mid rm1.h5 --threads 1)"; echo "$t" >> "$D/m1"
    done
    m2=$(median < "$D/m2"); m1=$(median < "$D/m1")
    echo "100 x 100 map x 60 eta (600000 frames): median of $REPEAT: all cores $m2 s, 1 thread $m1 s, peak RSS $((rss_m / 1024)) MB (runs: $(tr '\n' ' ' < "$D/m2")/ $(tr '\n' ' ' < "$D/m1"))"
    awk -v a="$m2" -v b="$m1" 'BEGIN{printf "RATIO mid: 2 threads / 1 thread %.2f\n", b / a}'
    rm -rf "${D:?}/mid"
fi

if [ -n "${QMAP_BENCH_BIG:-}" ]; then
    echo "beamtime case: 200 x 200 map x 60 eta = 2 400 000 frames (disk: $(df -h "$D" | awk 'NR == 2 {print $4}') free)"
    /usr/bin/time -f "%e %M %U %S" -o "$D/time.txt" $Q simulate -o "$D/huge" --size 200,200 --eta 60 >/dev/null
    echo "  simulate: $(awk '{printf "%.0f s wall, %.0f s cpu, peak RSS %d MB", $1, $3 + $4, $2 / 1024}' "$D/time.txt"); $(du -sh "$D/huge" | cut -f1) on disk"
    read -r th rh ch <<< "$(run "$Q" huge rh.h5)"
    echo "  qmap process: seconds $th fps $(fps 2400000 "$th") cpu ${ch} s peak RSS $((rh / 1024)) MB (cold page cache: the frames do not fit in memory)"
    rm -rf "${D:?}/huge"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
