#!/usr/bin/env bash
# compare.sh -- before/after: two qmap binaries on the same frames, alternating runs.
#
#   bench/compare.sh BEFORE_QMAP [AFTER_QMAP] [NF NS NETA]
#
# AFTER_QMAP defaults to build/qmap; the dataset to the two bench sizes (20 x 20 x 30 = 12 000
# and 50 x 50 x 20 = 50 000 frames, simulated by AFTER_QMAP, page cache warm). Each binary runs
# QMAP_BENCH_REPEAT times (default 5) on all cores and on one thread, in alternation (before,
# after, before, after...), so that a change of load from other processes hits both; the median
# wall and CPU (user + system) seconds are printed with the ratio, then which datasets of the
# results files differ (h5diff, no tolerance; the run record and the quick-look overview, which
# the sampled quick look of issue 18 estimates, are expected to).
# Build the previous version with e.g.:
#   git worktree add /tmp/qmap-before <commit> && (cd /tmp/qmap-before && ./scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?usage: bench/compare.sh BEFORE_QMAP [AFTER_QMAP] [NF NS NETA]}
AFTER=${2:-build/qmap}
REPEAT=${QMAP_BENCH_REPEAT:-5}
D=$(mktemp -d "${TMPDIR:-/tmp}/qmap-compare.XXXX")
trap 'rm -rf "$D"' EXIT
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

compare_on() {   # NAME NF NS NETA
    local name=$1 frames=$(($2 * $3 * $4))
    "$AFTER" simulate -o "$D/$name" --size "$2,$3" --eta "$4" >/dev/null
    cat "$D/$name"/scan*/*.h5 > /dev/null
    echo "== $name: $3 x $2 map x $4 eta = $frames frames; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for threads in all 1; do
        local opt=(); [ "$threads" = 1 ] && opt=(--threads 1)
        : > "$D/wb"; : > "$D/wa"; : > "$D/cb"; : > "$D/ca"
        for ((i = 0; i < REPEAT; i++)); do
            for which in b a; do
                local bin=$BEFORE; [ $which = a ] && bin=$AFTER
                /usr/bin/time -f "%e %U %S" -o "$D/time.txt" "$bin" process "$D/$name/sample_0001.h5" \
                    -o "$D/r$which-$threads.h5" -q "${opt[@]}"
                awk '{print $1}' "$D/time.txt" >> "$D/w$which"
                awk '{print $2 + $3}' "$D/time.txt" >> "$D/c$which"
            done
        done
        local wb wa cb ca
        wb=$(median < "$D/wb"); wa=$(median < "$D/wa"); cb=$(median < "$D/cb"); ca=$(median < "$D/ca")
        awk -v wb="$wb" -v wa="$wa" -v cb="$cb" -v ca="$ca" -v f="$frames" -v t="$threads" 'BEGIN{
            printf "  threads %-3s before: wall %6.2f s cpu %6.2f s (%6.0f frames/s)   after: wall %6.2f s cpu %6.2f s (%6.0f frames/s)   after/before: wall %.2fx faster, cpu %.2fx less\n",
                   t, wb, cb, f / wb, wa, ca, f / wa, wb / wa, cb / ca}'
    done
    echo "  datasets that differ (after vs before, all cores):"
    h5diff -r "$D/rb-all.h5" "$D/ra-all.h5" 2>/dev/null | awk '/^(dataset|attribute):/ {cur = $0} /differences found$/ && $1 != "0" {print "    " $0 " | " cur}' | sort -u || true
    rm -rf "${D:?}/$name"
}
echo "before: $BEFORE; after: $AFTER; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
if [ $# -ge 5 ]; then
    compare_on custom "$3" "$4" "$5"
else
    compare_on b12k 20 20 30
    compare_on b50k 50 50 20
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
