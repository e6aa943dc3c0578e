# shared_data.sh -- sourced by the shell tests that read the real beamline files or the
# reference vectors in ../shared (QMAP_SHARED, set by tests/CMakeLists.txt); the shell twin
# of shared_data.h. When the folder is absent (a clone of qmap alone) the checks that need
# it are skipped and the test exits 77 (CTest's SKIP_RETURN_CODE) after running the rest;
# with QMAP_REQUIRE_SHARED=1 (CI) absence is a failure. QMAP_SHARED_OVERRIDE, when set,
# replaces the configured folder (tests/test_shared_skip.sh hides it that way).
SHARED=${QMAP_SHARED_OVERRIDE:-${QMAP_SHARED:-}}
shared_parts_skipped=0
shared_parts_missing=0

# shared_folder TEST SUB WHAT -- status 0 when $SHARED/SUB is a folder; otherwise one
# SKIP (or, under QMAP_REQUIRE_SHARED, FAIL) line and status 1.
shared_folder() {
    [ -n "$SHARED" ] && [ -d "$SHARED/$2" ] && return 0
    if [ -n "${QMAP_REQUIRE_SHARED:-}" ] && [ "${QMAP_REQUIRE_SHARED}" != 0 ]; then
        echo "FAIL $1: $3: ${SHARED:-(QMAP_SHARED unset)}/$2 is absent (QMAP_REQUIRE_SHARED is set)"
        shared_parts_missing=$((shared_parts_missing + 1))
    else
        echo "SKIP $1: $3: ${SHARED:-(QMAP_SHARED unset)}/$2 is absent, skipped"
        shared_parts_skipped=$((shared_parts_skipped + 1))
    fi
    return 1
}

# shared_exit FAILED -- exit 1 on a failure (or a required folder absent), 77 when a part
# was skipped, else 0.
shared_exit() {
    [ "$1" -ne 0 ] || [ "$shared_parts_missing" -ne 0 ] && exit 1
    [ "$shared_parts_skipped" -ne 0 ] && exit 77
    exit 0
}
