#!/usr/bin/env bash
# Benchmark of `qmap process` (see bench/README.md). Reproduce with:
#     bench/run.sh [NF NS NETA]
# (default 50 x 50 map x 20 eta = 50 000 Maxipix frames, bitshuffle-LZ4, sparse Bragg peak).
# Measured in the same run, on the same frames: a plain H5Dread loop (bench_h5read), qmap
# end to end on all cores and on one thread, the NumPy/h5py notebook version of the COM
# (bench/numpy_com.py), then the scaling with the number of frames, the memory of a
# 200 x 200 map and, when qmap was built with MPI, `mpirun -n 2`. Set QMAP_BENCH_QUICK=1 to
# skip the 200 x 200 memory run and the NumPy run; QMAP_BENCH_BUILD=DIR to use an existing
# build folder instead of building ./build; QMAP_BENCH_BEFORE=BINARY to also time another
# qmap binary (e.g. an earlier version) on the same frames.
set -euo pipefail
cd "$(dirname "$0")/.."
NF=${1:-50}; NS=${2:-50}; NETA=${3:-20}
PY=/usr/bin/python3
B=${QMAP_BENCH_BUILD:-}
if [ -z "$B" ]; then ./scripts/build.sh >/dev/null; B=build; fi
Q=$B/qmap
D=$(mktemp -d /tmp/qmap-bench.XXXX)
trap 'rm -rf "$D"' EXIT

simulate() { # NAME NF NS NETA
    $Q simulate -o "$D/$1" --size "$2,$3" --eta "$4" >/dev/null
    cat "$D/$1"/scan*/*.h5 > /dev/null   # warm the page cache for every reader
}
# run NAME OUT [qmap options...]: prints "seconds peak_rss_kB cpu_seconds" of one qmap process
run() {
    local name=$1 out=$2; shift 2
    /usr/bin/time -f "%e %M %U %S" -o "$D/time.txt" $Q process "$D/$name/sample_0001.h5" -o "$D/$out" -q "$@"
    awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$D/time.txt"
}

FRAMES=$((NF * NS * NETA))
simulate main "$NF" "$NS" "$NETA"
echo "dataset: $NS x $NF map x $NETA eta = $FRAMES Maxipix frames 516 x 516 int32 (bitshuffle-LZ4)," \
     "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share the cores: see bench/README.md)"
base=$($B/bench/bench_h5read "$D/main/sample_0001.h5")
echo "$base"
hfps=$(echo "$base" | awk '{print $7}')
read -r t rss cpu <<< "$(run main r.h5)"
echo "qmap process frames $FRAMES seconds $t fps $(awk -v f=$FRAMES -v t=$t 'BEGIN{printf "%.0f", f/t}') peak RSS $((rss / 1024)) MB cpu ${cpu} s (all cores)"
awk -v f=$FRAMES -v t=$t -v h=$hfps 'BEGIN{printf "ratio qmap / h5read loop: %.1f\n", f / t / h}'
if [ -n "${QMAP_BENCH_BEFORE:-}" ]; then
    /usr/bin/time -f "%e %M" -o "$D/time.txt" "$QMAP_BENCH_BEFORE" process "$D/main/sample_0001.h5" -o "$D/rb.h5" -q
    read -r tb rb <<< "$(cat "$D/time.txt")"
    echo "before ($QMAP_BENCH_BEFORE): seconds $tb fps $(awk -v f=$FRAMES -v t=$tb 'BEGIN{printf "%.0f", f/t}') peak RSS $((rb / 1024)) MB"
fi
read -r t1 rss1 cpu1 <<< "$(run main r1.h5 --threads 1)"
echo "qmap process --threads 1 seconds $t1 fps $(awk -v f=$FRAMES -v t=$t1 'BEGIN{printf "%.0f", f/t}') peak RSS $((rss1 / 1024)) MB cpu ${cpu1} s"
awk -v a=$t1 -v b=$t 'BEGIN{printf "speed-up 2 threads / 1 thread: %.2f\n", a / b}'

if [ -z "${QMAP_BENCH_QUICK:-}" ]; then
    np=$($PY bench/numpy_com.py "$D/main/sample_0001.h5" "$D/r.h5")
    echo "$np"
    nfps=$(echo "$np" | awk '/^numpy frames/ {print $7}')
    awk -v f=$FRAMES -v t=$t -v n=$nfps 'BEGIN{printf "ratio qmap / numpy: %.1f\n", f / t / n}'
fi

# Cost of the drift's off-Bragg fluorescence map (per-tile sums in the quick-look pass) and
# of the sub-pixel application: the default run against runs without each (issue 12).
read -r tc _ _ <<< "$(run main rc.h5 --shift-signal counter)"
read -r tn _ _ <<< "$(run main rn.h5 --shift-apply nearest)"
awk -v a=$t -v c=$tc -v n=$tn 'BEGIN{printf "drift: default %.2f s; without the off-Bragg tile sums (--shift-signal counter) %.2f s (%+.1f %%); with --shift-apply nearest %.2f s (%+.1f %%)\n", a, c, 100 * (a - c) / c, n, 100 * (a - n) / n}'

echo "scaling (frames proportional to map positions, $NETA eta):"
printf "  %8s %9s %10s %9s %8s\n" frames seconds frames/s "RSS MB" "cpu s"
for size in "$((NF / 2)),$((NS / 5))" "$((NF / 2)),$((NS * 2 / 5))" "$NF,$((NS / 2))"; do
    simulate "s$size" "${size%,*}" "${size#*,}" "$NETA"
    n=$(( ${size%,*} * ${size#*,} * NETA ))
    read -r ts rs cs <<< "$(run "s$size" "rs.h5")"
    printf "  %8d %9.2f %10.0f %9d %8.2f\n" "$n" "$ts" "$(awk -v f=$n -v t=$ts 'BEGIN{print f/t}')" $((rs / 1024)) "$cs"
    rm -rf "${D:?}/s$size"
done
printf "  %8d %9.2f %10.0f %9d %8.2f\n" "$FRAMES" "$t" "$(awk -v f=$FRAMES -v t=$t 'BEGIN{print f/t}')" $((rss / 1024)) "$cpu"

if command -v mpirun >/dev/null && ldd $Q | grep -q libmpi; then
    t0=$(date +%s.%N)
    mpirun --allow-run-as-root --oversubscribe -n 2 $Q process "$D/main/sample_0001.h5" -o "$D/rm.h5" -q --threads 1
    t2=$(date +%s.%N)
    awk -v f=$FRAMES -v a=$t0 -v b=$t2 'BEGIN{printf "mpirun -n 2 (1 thread each) seconds %.2f fps %.0f\n", b - a, f / (b - a)}'
    $PY - "$D/r.h5" "$D/rm.h5" <<'PYEOF'
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
print(f"mpirun -n 2 results vs single process: max |difference| / max |value| = {worst[0]:.2g}")
PYEOF
fi
rm -rf "${D:?}/main"

if [ -z "${QMAP_BENCH_QUICK:-}" ]; then
    simulate big 200 200 3
    read -r tb rb cb <<< "$(run big rb.h5)"
    echo "memory: 200 x 200 map x 3 eta (120000 frames): seconds $tb fps $(awk -v t=$tb 'BEGIN{printf "%.0f", 120000/t}') peak RSS $((rb / 1024)) MB"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
