#!/usr/bin/env bash
# test_shared_skip.sh -- the skip logic for tests that need ../shared (tests/shared_data.h,
# tests/shared_data.sh, scripts/skipped-summary.sh). With the folder hidden
# (QMAP_SHARED_OVERRIDE=/nonexistent), ctest must report real-data tests as skipped (not
# passed, not failed) and the summary line must count them; with QMAP_REQUIRE_SHARED=1 they
# must fail. Runs ctest on three cheap real-data tests of this build (a C test that is all
# real data, two that mix real-data checks with others; none writes to the scratch folder)
# from a folder of its own whose CTestTestfile.cmake includes this build's tests/, so the
# outer ctest's Testing/ logs are untouched; and the shell helper directly.
set -u
QMAP=${QMAP_BIN:?}
SRC=${QMAP_SRC:?}
T=${QMAP_TEST_TMP:-/tmp}/shared-skip
rm -rf "$T" && mkdir -p "$T"
mkdir -p "$T/ctest"
echo "subdirs(\"$(dirname "$QMAP")/tests\")" > "$T/ctest/CTestTestfile.cmake"
TESTS='^(test_xsocs_input|test_geometry|test_qspace)$'
fail=0

# 1. folder hidden: skipped, ctest exit 0, summary line counts 3
(cd "$T/ctest" && env -u QMAP_REQUIRE_SHARED QMAP_SHARED_OVERRIDE=/nonexistent \
    ctest -R "$TESTS" --output-on-failure) > "$T/hidden.log" 2>&1
rc=$?
[ $rc -eq 0 ] || { echo "FAIL hidden: ctest exit $rc"; fail=1; }
for t in test_xsocs_input test_geometry test_qspace; do
    grep -q "$t .*\*\*\*Skipped" "$T/hidden.log" || { echo "FAIL hidden: $t not reported skipped"; fail=1; }
done
"$SRC/scripts/skipped-summary.sh" "$T/hidden.log" /nonexistent > "$T/summary.txt"
grep -q "^real-data tests: 3 skipped (test_geometry test_qspace test_xsocs_input) because /nonexistent is absent" \
    "$T/summary.txt" || { echo "FAIL summary line:"; cat "$T/summary.txt"; fail=1; }

# 2. folder hidden, QMAP_REQUIRE_SHARED=1: all three fail, ctest exit non-zero
(cd "$T/ctest" && QMAP_REQUIRE_SHARED=1 QMAP_SHARED_OVERRIDE=/nonexistent \
    ctest -R "$TESTS" --output-on-failure) > "$T/required.log" 2>&1
rc=$?
[ $rc -ne 0 ] || { echo "FAIL required: ctest exit 0"; fail=1; }
for t in test_xsocs_input test_geometry test_qspace; do
    grep -q "$t .*\*\*\*Failed" "$T/required.log" || { echo "FAIL required: $t not reported failed"; fail=1; }
done
grep -q "FAIL test_geometry: .*: /nonexistent/reference is absent (QMAP_REQUIRE_SHARED is set)" \
    "$T/required.log" || { echo "FAIL required: no message naming the absent folder"; fail=1; }

# 3. the shell helper: exit 0 with the folder, 77 without, 1 without under QMAP_REQUIRE_SHARED,
#    1 on a failure even when a part was skipped
mkdir -p "$T/present/data"
helper() {   # SHARED_DIR REQUIRE FAILED -> exit status of a test using shared_data.sh
    ( QMAP_SHARED_OVERRIDE=$1 QMAP_REQUIRE_SHARED=$2; . "$SRC/tests/shared_data.sh"
      shared_folder test_x data "a check" >/dev/null; shared_exit "$3" )
}
helper "$T/present" 0 0; r1=$?
helper /nonexistent 0 0; r2=$?
helper /nonexistent 1 0; r3=$?
helper /nonexistent 0 1; r4=$?
helper "$T/present" 0 1; r5=$?
[ "$r1 $r2 $r3 $r4 $r5" = "0 77 1 1 1" ] || { echo "FAIL shell helper: exits $r1 $r2 $r3 $r4 $r5, expected 0 77 1 1 1"; fail=1; }

[ $fail -eq 0 ] && echo "skip logic: hidden -> 3 skipped + summary line, required -> 3 failed, shell helper 0/77/1"
exit $fail
