#!/usr/bin/env bash
# test_results_checksum.sh -- results files are deterministic and checksummed (issue 16): two
# runs on the same input give byte-identical files (no object times), the file uses the latest
# HDF5 format (superblock 3, metadata checksums) with Fletcher32 on datasets, and any single
# bit flip after the user block is refused by every reader (report, particles, compare) with
# a one-line "corrupted" error and an exit status below 128.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/results-checksum
rm -rf "$T" && mkdir -p "$T/a" "$T/b"
fail=0
"$QMAP" simulate -o "$T/sim" --size 10,8 --eta 5 --seed 4 >/dev/null || { echo "simulate failed"; exit 1; }
(cd "$T/a" && SOURCE_DATE_EPOCH=1700000000 "$QMAP" process ../sim/sample_0001.h5 -o r.h5 -q) || { echo "FAIL: process a"; exit 1; }
(cd "$T/b" && SOURCE_DATE_EPOCH=1700000000 "$QMAP" process ../sim/sample_0001.h5 -o r.h5 -q) || { echo "FAIL: process b"; exit 1; }
cmp -s "$T/a/r.h5" "$T/b/r.h5" && echo "ok   two runs byte-identical" || { echo "FAIL: two runs differ"; fail=1; }
h5dump -B -H "$T/a/r.h5" 2>/dev/null | grep -q "SUPERBLOCK_VERSION 3" && echo "ok   superblock 3" ||
    { echo "FAIL: not the latest format"; fail=1; }
h5dump -p -H -d /maps/strain "$T/a/r.h5" 2>/dev/null | grep -q FLETCHER32 && echo "ok   Fletcher32 on /maps/strain" ||
    { echo "FAIL: no Fletcher32"; fail=1; }

accepted=0
for i in $(seq 1 20); do
    cp "$T/a/r.h5" "$T/c.h5"
    "$PY" - "$T/c.h5" "$i" <<'PYEOF'
import random, sys
random.seed(int(sys.argv[2]))
b = bytearray(open(sys.argv[1], "rb").read())
p = random.randrange(512, len(b))
b[p] ^= 1 << random.randrange(8)
open(sys.argv[1], "wb").write(b)
PYEOF
    for cmd in "report" "particles" "compare"; do
        extra=""; [ "$cmd" = compare ] && extra="$T/sim/ground_truth.h5"
        "$QMAP" $cmd "$T/c.h5" $extra >/dev/null 2>"$T/c.stderr"
        rc=$?
        if [ $rc -eq 0 ] || [ $rc -ge 128 ] || ! grep -q "corrupted" "$T/c.stderr" || [ "$(grep -c . "$T/c.stderr")" -ne 1 ]; then
            echo "FAIL flip $i: $cmd exit $rc: $(cat "$T/c.stderr")"
            accepted=$((accepted + 1))
        fi
    done
done
[ $accepted -eq 0 ] && echo "ok   20 bit flips refused by report, particles and compare" || fail=1
# the intact file is still read, and particles keeps it sealed
"$QMAP" particles "$T/a/r.h5" >/dev/null 2>"$T/p.stderr" && "$QMAP" report "$T/a/r.h5" >/dev/null 2>>"$T/p.stderr" &&
    echo "ok   intact file read after particles" || { echo "FAIL intact file:"; cat "$T/p.stderr"; fail=1; }
exit $fail
