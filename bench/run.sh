#!/usr/bin/env bash
# Benchmark: frames per second of `qmap process` against a plain H5Dread loop over the
# same frames, measured in the same run. Reproduce with:  bench/run.sh [NF NS NETA]
# (default 50 x 40 map x 10 eta = 20 000 Maxipix frames, bitshuffle-LZ4).
set -euo pipefail
cd "$(dirname "$0")/.."
NF=${1:-50}; NS=${2:-40}; NETA=${3:-10}
./scripts/build.sh >/dev/null
D=$(mktemp -d /tmp/qmap-bench.XXXX)
trap 'rm -rf "$D"' EXIT
./build/qmap simulate -o "$D/data" --size "$NF,$NS" --eta "$NETA" >/dev/null
FRAMES=$((NF * NS * NETA))
echo "dataset: $NF x $NS map x $NETA eta = $FRAMES Maxipix frames (bitshuffle-LZ4), $(nproc) cores"
cat "$D"/data/scan*/*.h5 > /dev/null   # warm the page cache for both readers
base=$(./build/bench/bench_h5read "$D/data/sample_0001.h5")
echo "$base"
t0=$(date +%s.%N)
/usr/bin/time -f "qmap peak RSS %M kB" ./build/qmap process "$D/data/sample_0001.h5" -o "$D/r.h5" -q 2> "$D/time.txt"
t1=$(date +%s.%N)
cat "$D/time.txt"
awk -v f="$FRAMES" -v a="$t0" -v b="$t1" -v base="$base" 'BEGIN {
    split(base, w, " "); hfps = w[7];
    t = b - a; printf "qmap process frames %d seconds %.3f fps %.1f (two passes over the frames)\n", f, t, f / t;
    printf "ratio qmap/h5read: %.2f\n", (f / t) / hfps }'
