#!/usr/bin/env bash
# test_mutate_discovery.sh -- the short CI run of the structure-aware mutation test of dataset
# discovery (fuzz/mutate_discovery.py; long runs on demand, results in fuzz/README.md): 8
# mutated copies of a small simulated dataset (titles, shapes, dtypes, positions,
# calibration, VDS mappings, links), each run through `qmap info` and `qmap process`: every
# run must end with exit 0 or a one-line error below 128, and a mutation that must be refused
# must not be accepted.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/mutate-discovery
rm -rf "$T"
exec "$PY" "${QMAP_SRC:?}/fuzz/mutate_discovery.py" "$QMAP" "$T" 8 "${QMAP_MUTATE_SEED:-16}"
