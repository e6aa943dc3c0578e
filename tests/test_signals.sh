#!/usr/bin/env bash
# test_signals.sh -- SIGINT/SIGTERM during `qmap process`: exit 128+signal (130 for SIGINT)
# with one line "qmap process: interrupted by SIG...", no results file and no temporary file left,
# the checkpoint kept for --resume. The interrupt comes at a known point, never after a
# sleep: the test hook QMAP_TEST_STOP_AFTER_SCANS=N makes qmap raise the signal itself
# once N scans are checkpointed, and QMAP_TEST_PAUSE_AFTER_SCANS=N makes it stop
# (SIGSTOP) there so that this script sends a real signal from outside.
set -u
QMAP=${QMAP_BIN:?}
T=${QMAP_TEST_TMP:-/tmp}/signals
rm -rf "$T" && mkdir -p "$T"
fail=0
"$QMAP" simulate -o "$T/sim" --size 16,12 --eta 8 --seed 5 >/dev/null || { echo "simulate failed"; exit 1; }
IN="$T/sim/sample_0001.h5"

# check NAME RC EXPECTED-RC SIGNAME
check() {
    local name=$1 rc=$2 want=$3 sig=$4 out="$T/$1.h5"
    local ok=1
    [ "$rc" -eq "$want" ] || { echo "FAIL $name: exit $rc, expected $want"; ok=0; }
    [ "$(grep -c . "$T/$name.stderr")" -eq 1 ] || { echo "FAIL $name: stderr not one line:"; cat "$T/$name.stderr"; ok=0; }
    grep -q "^qmap [a-z]*: interrupted by $sig; no results written" "$T/$name.stderr" ||
        { echo "FAIL $name: message:"; cat "$T/$name.stderr"; ok=0; }
    [ -e "$out" ] && { echo "FAIL $name: results file $out exists"; ok=0; }
    ls "$out".tmp-* "$out".checkpoint.tmp-* >/dev/null 2>&1 && { echo "FAIL $name: temporary file left"; ok=0; }
    [ -f "$out.checkpoint" ] || { echo "FAIL $name: checkpoint missing"; ok=0; }
    [ $ok -eq 1 ] && echo "ok   $name: exit $rc, $(cat "$T/$name.stderr")"
    [ $ok -eq 1 ] || fail=1
}

# raised by qmap itself after 3 scans (the handler path; the library unwinds)
QMAP_TEST_STOP_AFTER_SCANS=3 "$QMAP" process "$IN" -o "$T/int.h5" --threads 2 -q 2>"$T/int.stderr"
check int $? 130 SIGINT
QMAP_TEST_STOP_AFTER_SCANS=3 QMAP_TEST_STOP_SIGNAL=TERM "$QMAP" process "$IN" -o "$T/term.h5" --threads 2 -q \
    2>"$T/term.stderr"
check term $? 143 SIGTERM

# a real signal from outside: qmap stops itself after 2 scans, we send SIGINT/SIGTERM and continue it
external() {   # name signal
    QMAP_TEST_PAUSE_AFTER_SCANS=2 "$QMAP" process "$IN" -o "$T/$1.h5" --threads 2 -q 2>"$T/$1.stderr" &
    local pid=$! state=""
    for _ in $(seq 1 30000); do   # until stopped (or gone); 5 min at most, not a timing assertion
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || break
        [ "$state" = T ] && break
        sleep 0.01
    done
    [ "$state" = T ] || echo "FAIL $1: qmap never paused (state '$state')"
    kill -"$2" "$pid"
    kill -CONT "$pid"
    wait "$pid"
}
external ext-int INT
check ext-int $? 130 SIGINT
external ext-term TERM
check ext-term $? 143 SIGTERM

# an interrupted run keeps nothing but its checkpoint; a later fresh run completes and removes it
"$QMAP" process "$IN" -o "$T/int.h5" --threads 2 -q 2>"$T/fresh.stderr" || { echo "FAIL fresh run"; cat "$T/fresh.stderr"; fail=1; }
[ -f "$T/int.h5" ] && [ ! -e "$T/int.h5.checkpoint" ] || { echo "FAIL: results missing or checkpoint left after a complete run"; fail=1; }
exit $fail
