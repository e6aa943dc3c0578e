#!/usr/bin/env bash
# test_monitor_check.sh -- without --monitor qmap process says what that means for the data:
# the scans' monitor-like counters (measurement/mon*) and their variation over the frames
# (rms / mean) are logged and recorded in /parameters monitor; above 2 % with a WARNING (the
# simulated beam varies by 5 %), below it one line (a stable beam: a real ID01 file's mon1
# varies by 0.1 %). With --monitor nothing of this is said: the frames are normalised.
# Every WARNING of a run is also kept in its results file (/parameters warning_1 ...: the same
# lines as the log, also with -q) and shown first by qmap report.
set -u
QMAP=${QMAP_BIN:?}
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/monitor-check
rm -rf "$T" && mkdir -p "$T"
fail=0

"$QMAP" simulate -o "$T/d" --size 12,10 --eta 5 --seed 4 >/dev/null || { echo "simulate failed"; exit 1; }
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/none.h5" >"$T/none.log" 2>&1 || { echo "FAIL: process"; cat "$T/none.log"; exit 1; }
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/mon.h5" --monitor mon1 >"$T/mon.log" 2>&1 ||
    { echo "FAIL: process --monitor"; cat "$T/mon.log"; exit 1; }
grep -q "WARNING: no --monitor: .*mon1 [4-6]\.[0-9]* %" "$T/none.log" ||
    { echo "FAIL: a 5 % beam variation not flagged"; grep -i monitor "$T/none.log"; fail=1; }
grep -qi "no --monitor\|monitor: none" "$T/mon.log" && { echo "FAIL: --monitor run says no monitor"; fail=1; }

# the same scans with a stable monitor (0.1 % ripple): one line, no WARNING
cp -r "$T/d" "$T/stable"
"$PY" - "$T/stable/sample_0001.h5" <<'PYEOF' || { echo "FAIL: could not rewrite mon1"; fail=1; }
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    for name in f:
        if "measurement/mon1" in f[name]:
            d = f[name + "/measurement/mon1"]
            d[...] = 1e5 * (1 + 0.001 * np.sin(np.arange(d.shape[0])))
PYEOF
"$QMAP" process "$T/stable/sample_0001.h5" -o "$T/stable.h5" >"$T/stable.log" 2>&1 ||
    { echo "FAIL: process stable"; cat "$T/stable.log"; exit 1; }
grep -q "^monitor: none (frames not normalised; .*mon1 0\.07 %" "$T/stable.log" ||
    { echo "FAIL: stable monitor line"; grep -i monitor "$T/stable.log"; fail=1; }
grep -q "WARNING: no --monitor" "$T/stable.log" && { echo "FAIL: a stable beam flagged"; fail=1; }

# the run's warnings are kept in the results file (/parameters warning_1 ...), also with -q
# (no log at all), and qmap report shows them first, in the run's order
"$QMAP" process "$T/d/sample_0001.h5" -o "$T/quiet.h5" -q >"$T/quiet.log" 2>&1 || { echo "FAIL: process -q"; fail=1; }
"$QMAP" report "$T/quiet.h5" -o "$T/report" --no-svg >/dev/null 2>&1 || { echo "FAIL: report"; fail=1; }
"$PY" - "$T" <<'PYEOF' || fail=1
import sys, h5py, html, re
T = sys.argv[1]
def warnings(path):
    a = h5py.File(path, "r")["parameters"].attrs
    w = {int(k[8:]): (a[k].decode() if isinstance(a[k], bytes) else str(a[k])) for k in a if k.startswith("warning_")}
    return [w[k] for k in sorted(w)]
logged = [l.rstrip("\n") for l in open("%s/none.log" % T) if l.startswith("WARNING")]
ok = True
for name in ("none", "quiet"):
    got = warnings("%s/%s.h5" % (T, name))
    if got != logged:
        print("FAIL: %s.h5 warnings %r, the log had %r" % (name, got, logged)); ok = False
if any("no --monitor" in w for w in warnings("%s/stable.h5" % T)):
    print("FAIL: stable.h5 records a monitor warning"); ok = False
page = open("%s/report/report.html" % T).read()
box = re.search(r'<div class="warn" id="warnings">(.*?)</div>', page, re.S)
shown = [html.unescape(x) for x in re.findall(r"<li>(.*?)</li>", box.group(1))] if box else None
if shown != logged:
    print("FAIL: report warnings %r, want %r" % (shown, logged)); ok = False
sys.exit(0 if ok else 1)
PYEOF

"$PY" - "$T" <<'PYEOF' || fail=1
import sys, h5py
T = sys.argv[1]
def param(path):
    v = h5py.File(path, "r")["parameters"].attrs["monitor"]
    return v.decode() if isinstance(v, bytes) else str(v)
ok = True
for name, want in (("none", "none (not normalised; counters, rms / mean over the frames: mon1 "),
                   ("stable", "none (not normalised; counters, rms / mean over the frames: mon1 0.07 %"),
                   ("mon", "mon1 (mean ")):
    got = param("%s/%s.h5" % (T, name))
    if not got.startswith(want):
        print("FAIL: %s: /parameters monitor = %r" % (name, got)); ok = False
sys.exit(0 if ok else 1)
PYEOF

[ $fail = 0 ] && echo "monitor check: all checks passed"
exit $fail
