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
CFLAGS="-std=c11 -D_XOPEN_SOURCE=700 -DQMAP_VERSION_STRING=\"fuzz\" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude $(printf -- "-Isrc/%s " base io geometry numeric core results report particles sem crystal simulate) -Icli -I/usr/include/hdf5/serial"
LIBS="-L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5 -llz4 -lpng -ltiff -lz -lm"
declare -A SOURCES=(
    [title]="src/io/scan_title.c src/base/error.c"
    [bshuf_lz4]="src/io/bshuf_lz4.c src/io/lz4_sparse.c src/base/error.c"
    [mask_png]="src/io/mask_file.c src/io/image_io_png.c src/io/h5util.c src/io/file_seal.c src/base/error.c"
    [cli_values]="cli/util.c src/base/parse.c src/base/error.c"
    [spec]="src/io/spec_file.c src/io/spec_query.c src/base/error.c"
    [edf]="src/io/edf.c src/base/error.c"
    [cif]="src/crystal/cif_parse.c src/crystal/cif_lookup.c src/crystal/crystal.c src/crystal/crystal_lattice.c src/crystal/crystal_symop.c src/crystal/formfactor.c src/crystal/formfactor_table.c src/crystal/anomalous.c src/crystal/anomalous_table.c src/base/error.c"
    [image]="src/io/image_io.c src/io/image_io_png.c src/io/image_io_tiff.c src/io/sem_tags.c src/base/error.c"
    [bshuf_lz4_sparse]="src/io/bshuf_lz4.c src/io/lz4_sparse.c src/base/error.c"
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
