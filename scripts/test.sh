#!/usr/bin/env bash
# Build and run the whole CTest suite. Tests that read the real beamline files or reference
# vectors in ../shared (beside the checkout) are skipped, not failed, when it is absent, and
# the last line says how many; CI exports QMAP_REQUIRE_SHARED=1, which makes absence a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
shared=$(sed -n 's/^QMAP_SHARED_DIR:[A-Z]*=//p' build/CMakeCache.txt)
rc=0
(cd build && ctest --output-on-failure -j2) 2>&1 | tee build/ctest.log || rc=$?
./scripts/skipped-summary.sh build/ctest.log "$(realpath -m "$shared")"
exit $rc
