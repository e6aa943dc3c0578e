#!/usr/bin/env bash
# test_signals_all.sh -- SIGINT/SIGTERM end every command cleanly (issue 16), not only the
# accumulation of `qmap process` (test_signals.sh): simulate, report, and the report phase of
# `process --report` exit 128 + signal with no output and no temporary file left (a report
# given a second signal too); demo,
# interrupted while it processes the dataset it has written, says that the files in place are
# complete (no results file, no temporary). The signal is sent once the command has visibly
# started writing (its temporary or its first output exists), never after a sleep.
set -u
QMAP=${QMAP_BIN:?}
T=${QMAP_TEST_TMP:-/tmp}/signals-all
rm -rf "$T" && mkdir -p "$T"
fail=0

# wait_for PID GLOB: until a path matching GLOB exists (0) or the command has ended (1); 5 min
# at most (a slow or loaded machine: the command ending first is the usual stop)
wait_for() {
    local pid=$1 glob=$2
    for _ in $(seq 1 30000); do
        compgen -G "$glob" >/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

# simulate: SIGTERM while the first file is written
"$QMAP" simulate -o "$T/sim" --size 40,30 --eta 12 --seed 3 >/dev/null 2>"$T/sim.stderr" &
pid=$!
if wait_for $pid "$T/sim/*/*.tmp-qmap-*"; then
    kill -TERM $pid
    wait $pid
    rc=$?
    left=$(find "$T/sim" -type f 2>/dev/null | wc -l)
    { [ $rc -eq 143 ] && [ "$left" -eq 0 ]; } && echo "ok   simulate SIGTERM: exit 143, no file" ||
        { echo "FAIL simulate SIGTERM: exit $rc, $left files left"; find "$T/sim" -type f; fail=1; }
else
    wait $pid
    echo "FAIL simulate: no temporary file seen"; fail=1
fi

# demo: SIGTERM once its simulated dataset is in place (processing it): exit 143, the dataset
# complete and said so ("the files already in place are complete"), no results, no temporary
"$QMAP" demo -o "$T/demo" >/dev/null 2>"$T/demo.stderr" &
pid=$!
if wait_for $pid "$T/demo/ground_truth.h5"; then
    kill -TERM $pid
    wait $pid
    rc=$?
    { [ $rc -eq 143 ] && grep -q "the files already in place are complete" "$T/demo.stderr" &&
      [ -s "$T/demo/sample_0001.h5" ] && ! [ -e "$T/demo/results.h5" ] &&
      [ "$(find "$T/demo" -name '*.tmp-*' | wc -l)" -eq 0 ]; } &&
        echo "ok   demo SIGTERM while processing: exit 143, $(cat "$T/demo.stderr")" ||
        { echo "FAIL demo SIGTERM: exit $rc"; cat "$T/demo.stderr"; find "$T/demo" -maxdepth 1; fail=1; }
else
    wait $pid
    echo "FAIL demo: no dataset seen"; fail=1
fi

# a dataset and its results for the report cases
"$QMAP" simulate -o "$T/data" --size 40,30 --eta 12 --seed 3 >/dev/null || { echo "simulate failed"; exit 1; }
"$QMAP" process "$T/data/sample_0001.h5" -o "$T/r.h5" -q || { echo "process failed"; exit 1; }

# report: SIGINT once its private folder exists
"$QMAP" report "$T/r.h5" >/dev/null 2>"$T/report.stderr" &
pid=$!
if wait_for $pid "$T/r_report.tmp-qmap-*"; then
    kill -INT $pid
    wait $pid
    rc=$?
    { [ $rc -eq 130 ] && ! [ -e "$T/r_report" ] && ! compgen -G "$T/r_report.tmp-*" >/dev/null; } &&
        echo "ok   report SIGINT: exit 130, $(cat "$T/report.stderr")" ||
        { echo "FAIL report SIGINT: exit $rc"; cat "$T/report.stderr"; ls "$T"; fail=1; }
else
    wait $pid
    echo "FAIL report: no temporary folder seen"; fail=1
fi

# report: a second signal once figures are in its private folder ends it at once; the
# handler removes those figures and the folder (they once stayed behind)
"$QMAP" report "$T/r.h5" -o "$T/r2_report" >/dev/null 2>"$T/report2.stderr" &
pid=$!
if wait_for $pid "$T/r2_report.tmp-qmap-*/*.png"; then
    kill -INT $pid
    kill -TERM $pid
    wait $pid
    rc=$?
    { [ $rc -eq 143 ] || [ $rc -eq 130 ]; } && ! [ -e "$T/r2_report" ] && ! compgen -G "$T/r2_report.tmp-*" >/dev/null &&
        echo "ok   report SIGINT + SIGTERM: exit $rc, $(cat "$T/report2.stderr")" ||
        { echo "FAIL report SIGINT + SIGTERM: exit $rc"; cat "$T/report2.stderr"; ls -R "$T"/r2_report*; fail=1; }
else
    wait $pid
    echo "FAIL report (second signal): no figure seen in the private folder"; fail=1
fi

# process --report: SIGTERM in the report phase
"$QMAP" process "$T/data/sample_0001.h5" -o "$T/p.h5" --report -q >/dev/null 2>"$T/pr.stderr" &
pid=$!
if wait_for $pid "$T/p_report.tmp-qmap-*"; then
    kill -TERM $pid
    wait $pid
    rc=$?
    { [ $rc -eq 143 ] && ! [ -e "$T/p_report" ] && ! compgen -G "$T/p_report.tmp-*" >/dev/null &&
      grep -q "the report was not written" "$T/pr.stderr"; } &&
        echo "ok   process --report SIGTERM in the report phase: exit 143" ||
        { echo "FAIL process --report SIGTERM: exit $rc"; cat "$T/pr.stderr"; ls "$T"; fail=1; }
else
    wait $pid
    echo "FAIL process --report: no report folder seen"; fail=1
fi
exit $fail
