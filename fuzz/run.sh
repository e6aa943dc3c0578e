#!/usr/bin/env bash
# Build the libFuzzer harnesses (clang, ASan + UBSan) and fuzz each for SECONDS (default 10)
# starting from the committed seed corpus. New inputs are kept in build-fuzz/corpus, not in
# the repository. A crash stops the run with a non-zero exit and leaves the reproducer in
# build-fuzz/. Usage: fuzz/run.sh [SECONDS] [HARNESS...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-10}; shift || true
OUT=build-fuzz
mkdir -p "$OUT"
CFLAGS="-std=c11 -D_XOPEN_SOURCE=700 -DQMAP_VERSION_STRING=\"fuzz\" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude -Isrc -Icli -I/usr/include/hdf5/serial"
LIBS="-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -llz4 -lpng -lz -lm"
declare -A SOURCES=(
    [title]="src/scan_title.c src/error.c"
    [bshuf_lz4]="src/bshuf_lz4.c src/error.c"
    [mask_png]="src/mask_file.c src/h5util.c src/error.c"
    [cli_values]="cli/util.c"
    [spec]="src/spec_file.c src/error.c"
    [edf]="src/edf.c src/error.c"
)
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(title bshuf_lz4 mask_png cli_values spec edf)
for h in "${HARNESSES[@]}"; do
    clang $CFLAGS "fuzz/fuzz_$h.c" ${SOURCES[$h]} $LIBS -o "$OUT/fuzz_$h"
    mkdir -p "$OUT/corpus/$h"
    echo "== fuzz_$h: $SECONDS_PER s"
    (cd "$OUT" && ./"fuzz_$h" -max_total_time="$SECONDS_PER" -max_len=65536 -print_final_stats=1 \
        "corpus/$h" "../fuzz/corpus/$h" 2>&1 | grep -E "stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|crash-|Done" )
done
