#!/usr/bin/env bash
# test_view.sh -- `qmap view`: bad command lines and files give one "qmap view:" line and a
# non-zero exit (a port in use included); the server answers only with its token, refuses
# bodies, other methods, unknown pages and malformed values with 4xx and keeps serving; the
# JSON answers agree with the results file (read here with h5py, not with qmap); without
# /qspace/cube a position's COM, fits and rocking curve are recomputed from the raw frames and
# equal the file's maps; with the raw data moved away the panel gets a one-line reason. Then the page is driven in headless Chromium (view_cdp.js:
# Chrome DevTools protocol, real mouse events): maps switch, the hover read-out, a click in
# the particle shows the file's COM and fits and the q-space projections, a dragged
# rectangle shows the summed intensity of exactly those positions, a particle picked from
# the list its positions; no console error. Chromium or Node missing is a failure.
set -u
T="$QMAP_TEST_TMP/view"
rm -rf "$T" && mkdir -p "$T/tmp" "$T/chrome-tmp"   # chrome-tmp: Chromium's own temporaries (its
                                                # singleton folder would otherwise stay in /tmp)
fail() { echo "FAIL: $*" >&2; [ -n "${PIDS:-}" ] && kill $PIDS 2>/dev/null; exit 1; }
trap '[ -n "${PIDS:-}" ] && kill $PIDS 2>/dev/null' EXIT
one_error_line() {   # $1 = stderr file
    [ "$(wc -l < "$1")" -eq 1 ] && grep -q '^qmap' "$1" || { cat "$1" >&2; fail "expected one 'qmap...' error line"; }
}
PIDS=""
start_view() {   # $1 = results file, $2 = name; sets LAST_URL from the printed address (not in a subshell)
    TMPDIR="$T/tmp" "$QMAP_BIN" view "$1" --no-browser > "$T/$2.out" 2> "$T/$2.err" &
    PIDS="$PIDS $!"
    for _ in $(seq 100); do grep -q 'http://' "$T/$2.out" 2>/dev/null && break; sleep 0.1; done
    LAST_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*/[0-9a-f]\{32\}/' "$T/$2.out") || { cat "$T/$2.err" >&2; fail "qmap view did not print its address"; }
}

# ---- command line and bad files
"$QMAP_BIN" view > /dev/null 2> "$T/e" && fail "view without a file succeeded"
one_error_line "$T/e"
"$QMAP_BIN" view --help | grep -q -- '--port' || fail "--help does not list --port"
"$QMAP_BIN" view "$T/missing.h5" --no-browser > /dev/null 2> "$T/e" && fail "missing file accepted"
one_error_line "$T/e"; grep -q 'missing.h5' "$T/e" || fail "message does not name the file"
echo "not HDF5" > "$T/text.h5"
"$QMAP_BIN" view "$T/text.h5" --no-browser > /dev/null 2> "$T/e" && fail "text file accepted"
one_error_line "$T/e"
"$QMAP_BIN" view "$T/text.h5" --port 70000 > /dev/null 2> "$T/e" && fail "--port 70000 accepted"
one_error_line "$T/e"

# ---- a small simulated dataset, processed with and without the per-position q-space
"$QMAP_BIN" simulate -o "$T/sim" --size 24,20 --eta 7 --seed 5 > /dev/null || fail "simulate failed"
"$QMAP_BIN" process "$T/sim/sample_0001.h5" -o "$T/cube.h5" --hkl 0,0,3 --save-qspace > /dev/null || fail "process --save-qspace failed"
"$QMAP_BIN" particles "$T/cube.h5" > /dev/null || fail "particles failed"
# plain.h5 subtracts each position's background (--background faces): the page's recomputed
# rocking curve, projections and refits must subtract the same
"$QMAP_BIN" process "$T/sim/sample_0001.h5" -o "$T/plain.h5" --background faces > /dev/null || fail "process failed"
cp "$T/cube.h5" "$T/cube.copy.h5"

start_view "$T/cube.h5" cube; URL=$LAST_URL
start_view "$T/plain.h5" plain; URL_PLAIN=$LAST_URL
[ "$(echo $PIDS | wc -w)" -eq 2 ] || fail "server process ids not recorded"

# a port in use: one line naming the port
PORT=$(echo "$URL" | sed 's|http://127.0.0.1:\([0-9]*\)/.*|\1|')
"$QMAP_BIN" view "$T/cube.h5" --port "$PORT" --no-browser > /dev/null 2> "$T/e" && fail "a port in use was accepted"
one_error_line "$T/e"; grep -q "port $PORT" "$T/e" && grep -q 'in use' "$T/e" || { cat "$T/e" >&2; fail "port-in-use message"; }

# ---- HTTP: token, methods, bounds, answers against the file (h5py)
"$PYTHON" - "$URL" "$URL_PLAIN" "$T/cube.h5" <<'PY' || fail "HTTP checks"
import sys, json, math, socket, urllib.request, urllib.error
import h5py, numpy as np
url, url_plain, path = sys.argv[1:4]
base = url.split("/", 3)
root = "%s//%s/" % (base[0], base[2])
def get(u, method="GET", data=None):
    req = urllib.request.Request(u, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
def expect(u, code, **kw):
    c, body = get(u, **kw)
    assert c == code, "%s: HTTP %d, expected %d (%s)" % (u, c, code, body[:200])
    return body
expect(root, 403); expect(root + "api/info", 403)
expect(root + "0" * 32 + "/api/info", 403)                       # a wrong token
expect(url[:-5] + "/api/info", 403)                               # a token prefix
expect(url + "api/nothing", 404)
expect(url + "../../etc/passwd", 404)
expect(url + "api/map", 400); expect(url + "api/map?name=../../x", 400); expect(url + "api/map?name=nope", 404)
expect(url + "api/map?name=" + "a" * 100, 400)
expect(url + "api/position?row=1", 400); expect(url + "api/position?row=x&col=1", 400)
expect(url + "api/position?row=-1&col=1", 400); expect(url + "api/position?row=999&col=1", 404)
expect(url + "api/position?row=99999999999999999999&col=1", 400)
expect(url + "api/region?r0=5&r1=1&c0=0&c1=1", 404); expect(url + "api/region?label=0", 400)
expect(url + "api/region?label=999", 404); expect(url + "api/figure?name=nope", 404)
expect(url + "api/info", 405, method="DELETE")
expect(url + "api/info", 400, method="POST", data=b"x" * 1000)
expect(url + "x" * 5000, 414)
# a raw malformed request does not stop the server
host, port = base[2].split(":")
s = socket.create_connection((host, int(port)), timeout=10); s.sendall(b"\x00\xff garbage\r\n\r\n")
try: s.recv(100)
except Exception: pass
s.close()
# random paths and query values (percent-encoded bytes): only 2xx/4xx, never a crash
import random, urllib.parse
rnd = random.Random(17)
for i in range(300):
    page = rnd.choice(["api/map", "api/position", "api/region", "api/figure", "api/info", "", "api/x", "api/voi",
                       "api/voi_step", "api/voi_cancel", "api/region_step", "api/region_cancel"])
    keys = rnd.sample(["name", "row", "col", "r0", "r1", "c0", "c1", "label", "x", "x0", "x1", "y0", "y1", "z0", "z1",
                       "qspace", "format"], rnd.randint(0, 8))
    vals = [rnd.choice([str(rnd.randint(-5, 40)), "9" * rnd.randint(1, 30), "intensity", "tilt_hsv",
                        bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 40))).decode("latin-1")]) for _ in keys]
    q = "&".join("%s=%s" % (k, urllib.parse.quote(v, safe="")) for k, v in zip(keys, vals))
    c, _ = get(url + page + ("?" + q if q else ""))
    assert 200 <= c < 500, (page, q, c)
info = json.loads(expect(url + "api/info", 200))
f = h5py.File(path, "r")
I = f["maps/intensity"][:]
assert info["shape"] == list(I.shape), info["shape"]
assert info["has_cube"] and info["has_particles"]
names = [m["name"] for m in info["maps"]]
for k in ["intensity", "d_spacing", "strain", "c", "sigma_mean", "tilt_magnitude", "tilt_direction", "tilt_hsv", "particles",
          "background"]:
    assert k in names, k
for k in ["d_spacing", "background"]:
    m = json.loads(expect(url + "api/map?name=" + k, 200))
    v = np.array([np.nan if x is None else x for x in m["values"]]).reshape(I.shape)
    want = f["maps/" + k][:]
    assert np.allclose(v, want, rtol=1e-8, equal_nan=True), k + " map differs from the file"
    assert np.isfinite(want).any(), k
d = f["maps/d_spacing"][:]
# a position in the particle
mask = f["maps/mask"][:]
r, c = np.unravel_index(np.nanargmax(np.where(mask > 0, I, np.nan)), I.shape)
p = json.loads(expect(url + "api/position?row=%d&col=%d" % (r, c), 200))
for a, ax in enumerate(["qx", "qy", "qz"]):
    assert math.isclose(p["values"][ax], f["maps/" + ax][r, c], rel_tol=1e-8), ax
    assert math.isclose(p["fit"][a]["center"], f["fit/%s/center" % ax][r, c], rel_tol=1e-8, abs_tol=1e-12), ax
    pr = p["qspace"]["projections"][a]
    cube = f["qspace/cube"][r, c].astype(float)
    other = tuple(k for k in range(3) if k != a)
    hits = f["qspace/hits"][:].sum(axis=other)
    y = np.where(hits > 0, cube.sum(axis=other) / np.where(hits > 0, hits, 1), 0)
    assert np.allclose(pr["y"], y, rtol=1e-6, atol=1e-12), "projection " + ax
    # the pipeline's Gaussian fit redone on the cube's projection agrees with /fit
    sig = f["fit/%s/sigma" % ax][r, c]
    assert abs(pr["refit"]["center"] - f["fit/%s/center" % ax][r, c]) < 1e-3 * sig, ("refit centre", ax, pr["refit"], sig)
    assert math.isclose(pr["refit"]["sigma"], sig, rel_tol=1e-3), ("refit sigma", ax)
assert math.isclose(p["qspace"]["total"], I[r, c], rel_tol=1e-4), (p["qspace"]["total"], I[r, c])
# a region
g = json.loads(expect(url + "api/region?r0=3&r1=12&c0=4&c1=15", 200))
assert g["n_positions"] == 120
assert math.isclose(g["sum_intensity"], np.nansum(I[3:13, 4:16]), rel_tol=1e-9)
assert math.isclose(g["stats"]["d_spacing"]["mean"], np.nanmean(d[3:13, 4:16]), rel_tol=1e-9)
assert math.isclose(g["stats"]["d_spacing"]["std"], np.nanstd(d[3:13, 4:16], ddof=1), rel_tol=1e-6)   # sample std (n - 1), as the report
assert math.isclose(g["qspace"]["total"], np.nansum(f["qspace/cube"][3:13, 4:16].astype(float)), rel_tol=1e-6)
# the same rectangle summed in steps (as regions above 1600 positions are): the same q-space
direct = g
expect(url + "api/region_step", 404)                      # no job yet
g = json.loads(expect(url + "api/region?r0=3&r1=12&c0=4&c1=15&qspace=steps", 200))
assert g["qspace"] is None and g["qspace_job"] and "steps" in g["qspace_message"], g.get("qspace_message")
assert g["n_positions"] == 120 and math.isclose(g["sum_intensity"], direct["sum_intensity"], rel_tol=1e-12)
for _ in range(1000):
    j = json.loads(expect(url + "api/region_step", 200))
    if j["done"]:
        break
    assert j["running"] and 0 <= j["rows_done"] < j["rows"] == 10, j
assert j["done"] and math.isclose(j["qspace"]["total"], direct["qspace"]["total"], rel_tol=1e-12), j.get("qspace")
for a in range(3):
    assert np.allclose(j["qspace"]["projections"][a]["sum"], direct["qspace"]["projections"][a]["sum"], rtol=1e-12)
expect(url + "api/region_step", 404)                      # done: the job is gone
expect(url + "api/region?r0=3&r1=12&c0=4&c1=15&qspace=now", 400)
# a lasso: the triangle (5, 3), (9, 3), (5, 7) in (col, row) cell units holds the cell centres
# of rows 3..5: cols 5..7, 5..6 and 5
g = json.loads(expect(url + "api/region?poly=5,3,9,3,5,7", 200))
tri = [(3, 5), (3, 6), (3, 7), (4, 5), (4, 6), (5, 5)]
assert g["lasso"] and g["n_positions"] == 6, g["n_positions"]
assert math.isclose(g["sum_intensity"], np.nansum([I[a, b] for a, b in tri]), rel_tol=1e-9)
for bad in ["5,3,9,3", "5,3,9,3,5", "5,3,9,3,5,nan", "5,3,,9,3,5,7", "5,3,9,3,5,7,", "a,b,c,d,e,f", ",".join(["1"] * 600)]:
    expect(url + "api/region?poly=" + bad, 400)
expect(url + "api/region?poly=-50,-50,-40,-50,-50,-40", 404)
lab = f["particles/labels"][:]
g = json.loads(expect(url + "api/region?label=1", 200))
assert g["n_positions"] == int((lab == 1).sum())
c_, png = get(url + "api/figure?name=drift")
assert c_ == 200 and png[:8] == b"\x89PNG\r\n\x1a\n"
# without the cube, the position's q-space, fits and rocking curve are recomputed from the raw
# frames: equal to the file's maps (plain.h5 was processed with the default interpolated drift
# and --background faces)
fp = h5py.File(path.replace("cube.h5", "plain.h5"), "r")
faces_used = fp["parameters"].attrs["background_faces"]
assert (faces_used.decode() if isinstance(faces_used, bytes) else faces_used) == "qy-, qy+, qz-, qz+", faces_used
Ip = fp["maps/intensity"][:]; mp = fp["maps/mask"][:]
rows, cols = np.nonzero(mp > 0)
for k in list(range(0, len(rows), max(1, len(rows) // 6)))[:6] + [None]:
    rr, cc = (rows[k], cols[k]) if k is not None else (0, 0)   # and a corner (outside the particle)
    p = json.loads(expect(url_plain + "api/position?row=%d&col=%d" % (rr, cc), 200))
    assert p["qspace_source"] == "raw" and p["qspace_message"] == "", p.get("qspace_message")
    q = p["recomputed"]
    want_I = Ip[rr, cc]
    if np.isfinite(want_I):
        assert math.isclose(q["intensity"], want_I, rel_tol=1e-8), (rr, cc, q["intensity"], want_I)
        rock = [x for x in p["rocking_curve"]["intensity"] if x is not None]
        assert len(p["rocking_curve"]["intensity"]) == len(fp["scans/eta"]) and math.isclose(sum(rock), want_I, rel_tol=1e-7)
    for a, ax in enumerate(["qx", "qy", "qz"]):
        want = fp["maps/" + ax][rr, cc]
        got = q["com"][a]
        assert (got is None and not np.isfinite(want)) or math.isclose(got, want, rel_tol=1e-8, abs_tol=1e-13), (rr, cc, ax, got, want)
        st = fp["fit/%s/status" % ax][rr, cc]
        assert q["fit"][a]["status"] == st, (rr, cc, ax)
        if st:
            assert math.isclose(q["fit"][a]["center"], fp["fit/%s/center" % ax][rr, cc], rel_tol=1e-8, abs_tol=1e-13)
            assert math.isclose(q["fit"][a]["sigma"], fp["fit/%s/sigma" % ax][rr, cc], rel_tol=1e-6)
            # the projection drawn is the fit's input: refitting it gives the fit again
            pr = p["qspace"]["projections"][a]
            assert math.isclose(pr["refit"]["center"], fp["fit/%s/center" % ax][rr, cc], rel_tol=1e-8, abs_tol=1e-13)
            assert math.isclose(pr["refit"]["sigma"], fp["fit/%s/sigma" % ax][rr, cc], rel_tol=1e-6)
            assert pr["background"] > 0, ("--background faces: nothing subtracted", rr, cc, ax)
            # what the run subtracted there: its map, measured on the faces it names (7 rocking
            # steps: the qx faces hold the peak's tail and are left out)
            assert math.isclose(pr["background"], fp["maps/background"][rr, cc], rel_tol=1e-8), (rr, cc, ax, pr["background"], fp["maps/background"][rr, cc])
# with the cube, the rocking curve too (nearest re-indexing there: --save-qspace)
p = json.loads(expect(url + "api/position?row=%d&col=%d" % (r, c), 200))
assert p["qspace_source"] == "cube" and math.isclose(sum(x for x in p["rocking_curve"]["intensity"] if x is not None), I[r, c], rel_tol=1e-7)
assert all(pr["background"] == 0 for pr in p["qspace"]["projections"])   # cube.h5: none subtracted
assert math.isclose(p["recomputed"]["com"][2], f["maps/qz"][r, c], rel_tol=1e-8)   # JSON: 9 digits
print("HTTP checks passed")
PY

# ---- the page in headless Chromium
[ -x /usr/bin/chromium ] || fail "chromium is not installed (scripts/install-deps.sh installs it)"
command -v node > /dev/null || fail "node is not installed (scripts/install-deps.sh installs nodejs)"
read -r ROW COL < <("$PYTHON" -c "
import h5py, numpy as np
f = h5py.File('$T/cube.h5', 'r'); I = f['maps/intensity'][:]; m = f['maps/mask'][:]
r, c = np.unravel_index(np.nanargmax(np.where(m > 0, I, np.nan)), I.shape); print(r, c)")
TMPDIR="$T/chrome-tmp" node "$QMAP_SRC/tests/view_cdp.js" "$URL" "$T/shot.png" "$ROW" "$COL" 4 11 5 13 \
    > "$T/page.json" 2> "$T/cdp.err" || { cat "$T/cdp.err" >&2; fail "driving the page failed"; }
"$PYTHON" - "$T/page.json" "$T/cube.h5" "$ROW" "$COL" "$T/shot.png" <<'PY' || fail "page checks"
import sys, json, math
import h5py, numpy as np
from PIL import Image
page = json.load(open(sys.argv[1])); f = h5py.File(sys.argv[2], "r"); r, c = int(sys.argv[3]), int(sys.argv[4])
assert not page["problems"], "console errors: %s" % page["problems"]
pics = {k: v["picture"] for k, v in page["maps"].items()}
assert len(set(pics.values())) == len(pics), "two maps drew the same picture: %s" % pics
assert page["maps"]["strain"]["title"].startswith("strain")
# hover read-out at the position
rows = {row[0]: row[1] for row in page["readout"]["rows"]}
assert ("row %d, col %d" % (r, c)) in page["readout"]["where"], page["readout"]["where"]
assert math.isclose(float(rows["d_spacing"]), f["maps/d_spacing"][r, c], rel_tol=1e-5)
# the clicked position: COM and fits shown are the file's
pos = page["position"]
assert ("row %d, col %d" % (r, c)) in pos["title"] and "in the particle" in pos["title"], pos["title"]
for ax in ["qx", "qy", "qz"]:
    want = f["maps/" + ax][r, c]
    assert math.isclose(float(pos["values"][ax]["shown"]), want, rel_tol=1e-4, abs_tol=1e-9), (ax, pos["values"][ax], want)
    assert math.isclose(float(pos["values"][ax]["value"]), want, rel_tol=1e-8), (ax, pos["values"][ax], want)
fit = {row[0]: row for row in pos["fit"]}
for ax in ["qx", "qy", "qz"]:
    assert math.isclose(float(fit[ax][1]), f["fit/%s/center" % ax][r, c], rel_tol=1e-4), (ax, fit[ax])
    assert math.isclose(float(fit[ax][2]), f["fit/%s/sigma" % ax][r, c], rel_tol=1e-4), (ax, fit[ax])
    assert fit[ax][4] == ("yes" if f["fit/%s/status" % ax][r, c] else "no")
assert pos["plots"] == ["pos-proj-qx", "pos-proj-qy", "pos-proj-qz"], pos["plots"]
assert pos["message"] == ""
# the rocking curve of the whole map is shown as the report's figure (the per-position one is not available)
figs = dict(page["figures"])
assert figs["fig-rocking"] > 0 and figs["fig-drift"] > 0, figs
# the dragged rectangle rows 4..11, cols 5..13
reg = page["region"]
I = f["maps/intensity"][:]
want = np.nansum(I[4:12, 5:14])
assert reg["json"]["n_positions"] == 8 * 9, reg["json"]["n_positions"]
assert math.isclose(float(reg["sum_value"]), want, rel_tol=1e-9), (reg["sum_value"], want)
shown = float(reg["sum_shown"].split(":")[1].split()[0])
assert math.isclose(shown, want, rel_tol=1e-4), (reg["sum_shown"], want)
assert math.isclose(float(reg["stats"]["d_spacing"][1]), np.nanmean(f["maps/d_spacing"][4:12, 5:14]), rel_tol=1e-5)
assert reg["plots"] == ["region-proj-qx", "region-proj-qy", "region-proj-qz"]
# the lasso: the positions whose cell centre is inside the polygon the page sent (even-odd rule)
def inside(poly, x, y):
    n, hit = len(poly), False
    for i in range(n):
        (xi, yi), (xj, yj) = poly[i], poly[i - 1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            hit = not hit
    return hit
la = page["lasso"]
cells = [(i, j) for i in range(I.shape[0]) for j in range(I.shape[1]) if inside(la["path"], j + 0.5, i + 0.5)]
assert la["n"] == len(cells) and 0.3 * 8 * 9 < la["n"] < 0.7 * 8 * 9, (la["n"], len(cells))
assert math.isclose(float(la["sum_value"]), np.nansum([I[i, j] for i, j in cells]), rel_tol=1e-9)
assert la["title"].startswith("Lasso")
lab = f["particles/labels"][:]
assert page["particle"]["n"] == int((lab == 1).sum())
assert math.isclose(page["particle"]["sum"], np.nansum(np.where(lab == 1, I, 0)), rel_tol=1e-9)
# the screenshot shows the map (viridis yellow of the intensity maximum) and the plot colours
im = Image.open(sys.argv[5]).convert("RGB").resize((700, 900))
px = list(im.getdata())
yellow = sum(1 for p in px if p[0] > 200 and p[1] > 200 and p[2] < 80)
red = sum(1 for p in px if p[0] > 190 and p[1] < 80 and p[2] < 80)
assert yellow > 30 and red > 10, ("screenshot colours", yellow, red)
# the rectangle again, its q-space summed in steps by the page: the same total, plots drawn
rs = page["region_steps"]
assert rs["n"] == reg["json"]["n_positions"] and math.isclose(rs["total"], reg["json"]["qspace"]["total"], rel_tol=1e-12), rs
assert rs["plots"] == ["region-proj-qx", "region-proj-qy", "region-proj-qz"] and rs["message"] == "", rs
# the moved VOI (upper half of qz): intensity and COM maps of that box of the cube, drawn
vo = page["voi"]
assert vo["has_cube"] and vo["title"].startswith("voi_intensity"), vo.get("title")
b = vo["job"]["box"]
cube = f["qspace/cube"]
qz = f["qspace/qz"][:]
nz = cube.shape[4]
assert b[0] == 0 and b[1] == cube.shape[2] - 1 and b[2] == 0 and b[3] == cube.shape[3] - 1 and b[4] == nz // 2 and b[5] == nz - 1, b
I = f["maps/intensity"][:]
sub = cube[:, :, :, :, b[4]:b[5] + 1].astype(float)
want_I = sub.sum(axis=(2, 3, 4))
got_I = np.array(vo["intensity"], dtype=float).reshape(want_I.shape)
assert np.allclose(got_I, want_I, rtol=1e-9, atol=1e-9), "moved-VOI intensity differs from the cube's box sums"
fin = np.isfinite(I)
assert np.all(got_I[fin] <= I[fin] * (1 + 1e-6) + 1e-6) and got_I[fin].sum() < 0.9 * I[fin].sum(), "the box should hold less than the VOI"
with np.errstate(invalid="ignore", divide="ignore"):
    want_qz = (sub.sum(axis=(2, 3)) * qz[b[4]:b[5] + 1]).sum(axis=2) / want_I
got_qz = np.array([np.nan if v is None else v for v in vo["qz"]]).reshape(want_I.shape)
assert np.allclose(got_qz, want_qz, rtol=1e-9, equal_nan=True), "moved-VOI qz COM"
m = f["maps/mask"][:] > 0
assert np.all(got_qz[m] > f["maps/qz"][:][m]), "the upper half of qz must move the COM up"
assert vo["picture"] != page["maps"]["intensity"]["picture"], "the moved VOI drew the same picture"
# SVG downloads: well-formed, vector text and paths (the map's pixels as one embedded image)
sv = page["svg"]
for k in ["map-svg", "pos-svg", "region-svg"]:
    assert sv[k] and not sv[k]["bad"] and sv[k]["texts"] > 10 and sv[k]["paths"] > 5, (k, sv[k])
assert sv["map-svg"]["images"] == 1 and "x (µm)" in sv["map-svg"]["words"], sv["map-svg"]
assert "projection on qx" in sv["pos-svg"]["words"] and "histogram of d" in sv["region-svg"]["words"]
assert sv["figure"]["status"] == 200 and sv["figure"]["ok"] and "svg" in sv["figure"]["type"], sv["figure"]
print("page checks passed; page timings (ms):", page["timings"])
PY

# a file without /qspace/cube and /particles: the clicked position's q-space, fits and rocking
# curve are recomputed from the raw frames and shown (the COM equal to the file's); no console error
TMPDIR="$T/chrome-tmp" node "$QMAP_SRC/tests/view_cdp.js" "$URL_PLAIN" "$T/shot_plain.png" "$ROW" "$COL" 4 11 5 13 \
    > "$T/page_plain.json" 2> "$T/cdp.err" || { cat "$T/cdp.err" >&2; fail "driving the page of plain.h5 failed"; }
"$PYTHON" - "$T/page_plain.json" "$T/plain.h5" "$ROW" "$COL" <<'PY' || fail "page checks without the cube"
import sys, json, math
import h5py
page = json.load(open(sys.argv[1]))
assert not page["problems"], "console errors: %s" % page["problems"]
pos = page["position"]
assert "recomputed from the raw frames" in pos["message"], pos["message"]
assert pos["plots"] == ["pos-proj-qx", "pos-proj-qy", "pos-proj-qz"] and pos["rocking_plot"] == ["pos-rocking"], pos
assert page["region"]["plots"] == []
assert "particle" not in page and "particles" not in page["maps"]
assert "--save-qspace" in page["voi"]["message"] and "--voi" in page["voi"]["message"], page["voi"]
f = h5py.File(sys.argv[2], "r"); r, c = int(sys.argv[3]), int(sys.argv[4])
assert ("row %d, col %d" % (r, c)) in pos["title"]
for ax in ["qx", "qy", "qz"]:   # the COM recomputed from the raw frames, shown, is the file's
    want = f["maps/" + ax][r, c]
    assert math.isclose(float(pos["recomputed"]["raw_" + ax]["value"]), want, rel_tol=1e-8), (ax, pos["recomputed"], want)
    assert math.isclose(float(pos["recomputed"]["raw_" + ax]["shown"]), want, rel_tol=1e-4, abs_tol=1e-9)
rc = pos["json"]["rocking_curve"]
assert math.isclose(sum(x for x in rc["intensity"] if x is not None), f["maps/intensity"][r, c], rel_tol=1e-7)
assert len(rc["eta"]) == len(f["scans/eta"]) and all(math.isclose(a, b, rel_tol=1e-8) for a, b in zip(rc["eta"], f["scans/eta"][:]))
PY

# the raw data gone: the position panel says so in one line, the server keeps serving
mkdir -p "$T/moved" && "$QMAP_BIN" simulate -o "$T/moved/sim" --size 12,10 --eta 5 --seed 3 > /dev/null || fail "simulate (moved)"
# (processed with a relative input path: the results record the absolute one, input_path, and
# a server started from another working directory finds the raw data)
(cd "$T/moved" && "$QMAP_BIN" process sim/sample_0001.h5 -o "$T/moved.h5" > /dev/null) || fail "process (moved)"
start_view "$T/moved.h5" relative; URL_REL=$LAST_URL
"$PYTHON" - "$URL_REL" "$T/moved.h5" <<'PY' || fail "recompute with a relative input path"
import sys, json, math, urllib.request, h5py
p = json.loads(urllib.request.urlopen(sys.argv[1] + "api/position?row=5&col=6", timeout=30).read())
f = h5py.File(sys.argv[2], "r")
assert f["parameters"].attrs["input"] in ("sim/sample_0001.h5", b"sim/sample_0001.h5"), f["parameters"].attrs["input"]
assert p["rocking_curve"] is not None and p["qspace_source"] == "raw", p.get("rocking_message")
assert math.isclose(p["recomputed"]["com"][2], f["maps/qz"][5, 6], rel_tol=1e-8)
PY
mv "$T/moved/sim" "$T/moved/elsewhere"
start_view "$T/moved.h5" moved; URL_MOVED=$LAST_URL
"$PYTHON" - "$URL_MOVED" <<'PY' || fail "missing raw data"
import sys, json, urllib.request
p = json.loads(urllib.request.urlopen(sys.argv[1] + "api/position?row=5&col=6", timeout=30).read())
assert p["rocking_curve"] is None and p["qspace"] is None, p
m = p["rocking_message"]
assert "sample_0001.h5" in m and "cannot" in m and "\n" not in m, m
assert "--save-qspace" in p["qspace_message"] and "sample_0001.h5" in p["qspace_message"]
assert json.loads(urllib.request.urlopen(sys.argv[1] + "api/info", timeout=30).read())["file"] == "moved.h5"
print("missing raw data:", m)
PY

# the results files were not modified by serving them
cmp -s "$T/cube.h5" "$T/cube.copy.h5" || fail "qmap view modified the results file"
# the servers are still alive after every bad request, and stop on SIGTERM
for pid in $PIDS; do kill -0 "$pid" 2>/dev/null || fail "a server died"; done
kill -TERM $PIDS
for pid in $PIDS; do wait "$pid" || fail "qmap view did not stop cleanly on SIGTERM"; done
PIDS=""
[ -z "$(ls -A "$T/tmp")" ] || fail "qmap view left its temporary folder: $(ls "$T/tmp")"
echo "test_view: all checks passed"
exit 0
