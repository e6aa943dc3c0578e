#!/usr/bin/env bash
# view.sh -- response times of `qmap view` on a results file (a benchmark, never run by CTest).
#
#   bench/view.sh RESULTS.h5 [QMAP]
#
# Starts `qmap view RESULTS.h5 --no-browser` and times, over HTTP on 127.0.0.1 (Python urllib,
# keep-alive off, 20 repeats each, median and max): a map switch (api/map for every map),
# a position click (the first, which opens the raw data, then api/position at 20 positions in
# the particle: recomputed from the raw frames when the file has no cube), a 20 x 20 region, the
# moved VOI (with the cube) and the
# whole map as a region; then the page in headless Chromium (tests/view_cdp.js: the
# time from the map-select change to the map drawn, and from the click to the panel drawn,
# measured in the page), and the server's peak resident memory (/proc/PID/status VmHWM).
set -eu
R=${1:?usage: bench/view.sh RESULTS.h5 [QMAP]}
Q=${2:-$(dirname "$0")/../build/qmap}
SRC=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
"$Q" view "$R" --no-browser > "$T/out" 2> "$T/err" &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 200); do grep -q http "$T/out" && break; sleep 0.1; done
URL=$(grep -o 'http://[^ ]*' "$T/out")
/usr/bin/python3 - "$URL" "$R" <<'PY'
import sys, time, json, statistics, urllib.request
import h5py, numpy as np
url, path = sys.argv[1:3]
f = h5py.File(path, "r")
I = f["maps/intensity"][:]; m = f["maps/mask"][:]
print("file: %s, map %d x %d, cube: %s" % (path, I.shape[1], I.shape[0],
      "x".join(map(str, f["qspace/cube"].shape[2:])) if "qspace/cube" in f else "none"))
def t(u):
    t0 = time.perf_counter(); body = urllib.request.urlopen(url + u).read(); return (time.perf_counter() - t0) * 1000, len(body)
def report(what, us):
    ms = [t(u) for u in us]
    v = [a for a, _ in ms]
    print("%-34s median %7.1f ms  max %7.1f ms  (%d requests, %.0f kB each)" % (what, statistics.median(v), max(v), len(v), statistics.mean(b for _, b in ms) / 1024))
info = json.loads(urllib.request.urlopen(url + "api/info").read())
names = [x["name"] for x in info["maps"]]
report("api/map (every map, 2 rounds)", ["api/map?name=" + n for n in names] * 2)
rows, cols = np.nonzero(m > 0)
rng = np.random.default_rng(1)
k = rng.choice(len(rows), size=min(20, len(rows)), replace=False)
t_first, _ = t("api/position?row=%d&col=%d" % (rows[0], cols[0]))
print("%-34s %7.1f ms  (rocking curve%s from the raw frames; opens the raw data: mask, hot pixels, plans)" % (
      "api/position, first click", t_first, "" if "qspace/cube" in f else ", q-space and fits"))
report("api/position (20 in the particle)", ["api/position?row=%d&col=%d" % (rows[i], cols[i]) for i in k])
r0 = min(max(int(rows.mean()) - 10, 0), I.shape[0] - 20); c0 = min(max(int(cols.mean()) - 10, 0), I.shape[1] - 20)
report("api/region 20 x 20", ["api/region?r0=%d&r1=%d&c0=%d&c1=%d" % (r0, r0 + 19, c0, c0 + 19)] * 5)
if "qspace/cube" in f:   # move the VOI: the upper half of qz over the whole cube, in 0.2 s steps
    nz = f["qspace/cube"].shape[4]
    t0 = time.perf_counter(); j = json.loads(urllib.request.urlopen(url + "api/voi?x0=0&x1=%d&y0=0&y1=%d&z0=%d&z1=%d" % (
        f["qspace/cube"].shape[2] - 1, f["qspace/cube"].shape[3] - 1, nz // 2, nz - 1)).read()); steps = 0
    while not j["done"]:
        j = json.loads(urllib.request.urlopen(url + "api/voi_step").read()); steps += 1
    print("%-34s %7.1f s  (%d steps of <= 0.2 s)" % ("move the VOI (whole cube)", time.perf_counter() - t0, steps))
report("api/region whole map", ["api/region?r0=0&r1=%d&c0=0&c1=%d" % (I.shape[0] - 1, I.shape[1] - 1)] * 2)
if "qspace/cube" in f:   # the whole map's summed q-space, in 0.2 s steps
    t0 = time.perf_counter(); urllib.request.urlopen(url + "api/region?r0=0&r1=%d&c0=0&c1=%d" % (I.shape[0] - 1, I.shape[1] - 1)).read()
    j = {"done": False}; steps = 0
    while not j["done"]:
        j = json.loads(urllib.request.urlopen(url + "api/region_step").read()); steps += 1
    print("%-34s %7.1f s  (%d steps of <= 0.2 s)" % ("whole map's summed q-space", time.perf_counter() - t0, steps))
PY
read -r ROW COL R0 C0 < <(/usr/bin/python3 -c "
import h5py, numpy as np
f = h5py.File('$R', 'r'); I = f['maps/intensity'][:]; m = f['maps/mask'][:]
r, c = np.unravel_index(np.nanargmax(np.where(m > 0, I, np.nan)), I.shape)
rows, cols = np.nonzero(m > 0)
print(r, c, min(max(int(rows.mean()) - 10, 0), I.shape[0] - 20), min(max(int(cols.mean()) - 10, 0), I.shape[1] - 20))")
node "$SRC/tests/view_cdp.js" "$URL" "$T/shot.png" "$ROW" "$COL" "$R0" $((R0 + 19)) "$C0" $((C0 + 19)) > "$T/page.json"
/usr/bin/python3 -c "
import json; p = json.load(open('$T/page.json'))
print('in the page (fetch + parse + draw):')
for k, v in p['maps'].items(): print('  map switch to %-12s %7.1f ms' % (k, v['ms']))
print('  position click           %7.1f ms' % p['timings']['position'])
print('  region 20 x 20           %7.1f ms' % p['timings']['region'])
print('  console problems:', p['problems'] or 'none')"
grep VmHWM /proc/$PID/status | sed 's/^/server peak memory: /'
