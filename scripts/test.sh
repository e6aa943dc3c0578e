#!/usr/bin/env bash
# Build and run the whole CTest suite (the shared data folder ../shared must sit beside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
cd build && ctest --output-on-failure -j2
