#!/usr/bin/env bash
# Build qmap with AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/) and run the
# whole test suite under them; any sanitizer report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-asan -DQMAP_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rc=0
(cd build-asan && ctest --output-on-failure -j2) 2>&1 | tee build-asan/ctest.log || rc=$?
./scripts/skipped-summary.sh build-asan/ctest.log "$(realpath -m "$(sed -n 's/^QMAP_SHARED_DIR:[A-Z]*=//p' build-asan/CMakeCache.txt)")"
exit $rc
