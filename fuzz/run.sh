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
LIBS="-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -llz4 -lpng -ltiff -lz -lm"
declare -A SOURCES=(
    [title]="src/scan_title.c src/error.c"
    [bshuf_lz4]="src/bshuf_lz4.c src/lz4_sparse.c src/error.c"
    [mask_png]="src/mask_file.c src/h5util.c src/error.c"
    [cli_values]="cli/util.c"
    [spec]="src/spec_file.c src/error.c"
    [edf]="src/edf.c src/error.c"
    [cif]="src/cif_parse.c src/cif_lookup.c src/crystal.c src/crystal_lattice.c src/crystal_symop.c src/formfactor.c src/formfactor_table.c src/error.c"
    [image]="src/image_io.c src/image_io_png.c src/image_io_tiff.c src/error.c"
    [bshuf_lz4_sparse]="src/bshuf_lz4.c src/lz4_sparse.c src/error.c"
)
# Extra libFuzzer options per harness. The image readers allocate the size a header
# declares (up to QMAP_IMAGE_MAX_PIXELS doubles, 8 GiB) before reading any rows, so a
# short file can ask for more than libFuzzer's default 2 GiB malloc limit; untouched, that
# memory costs nothing, and the RSS limit (2 GiB) still catches real overuse.
declare -A OPTIONS=(
    [image]="-malloc_limit_mb=20000"
)
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(title bshuf_lz4 mask_png cli_values spec edf cif image bshuf_lz4_sparse)
for h in "${HARNESSES[@]}"; do
    clang $CFLAGS "fuzz/fuzz_$h.c" ${SOURCES[$h]} $LIBS -o "$OUT/fuzz_$h"
    mkdir -p "$OUT/corpus/$h"
    echo "== fuzz_$h: $SECONDS_PER s"
    (cd "$OUT" && ./"fuzz_$h" -max_total_time="$SECONDS_PER" -max_len=65536 -print_final_stats=1 ${OPTIONS[$h]:-} \
        "corpus/$h" "../fuzz/corpus/$h" 2>&1 | grep -E "stat::number_of_executed_units|stat::new_units_added|ERROR|SUMMARY|crash-|Done" )
done
