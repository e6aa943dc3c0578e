#!/usr/bin/env bash
# test_python.sh -- the Python binding (python/qmap, ctypes) with Debian's python3: it runs
# the pipeline in-process and gives the same maps as the CLI's results file, takes options
# in Python forms, and turns library errors into QmapError; open_results reads through the
# library's results reader (qmap_results_read).
set -eu
PY=${PYTHON:-/usr/bin/python3}
T=${QMAP_TEST_TMP:-/tmp}/python
rm -rf "$T" && mkdir -p "$T"
# A sanitizer build of libqmap.so needs the ASan runtime loaded first into python3.
ASAN_LIB=$(ldd "${QMAP_LIBRARY:?}" 2>/dev/null | awk '/libasan/ {print $3}')
if [ -n "$ASAN_LIB" ]; then
    export LD_PRELOAD="$ASAN_LIB" ASAN_OPTIONS=detect_leaks=0
fi
"${QMAP_BIN:?}" simulate -o "$T/data" --size 12,10 --eta 7 --seed 5 >/dev/null
"$QMAP_BIN" process "$T/data/sample_0001.h5" -o "$T/cli.h5" -q --hkl 0,0,3 --monitor mon1 \
    --offset eta=0.01,delta=-0.02 --shift none --bins 8,9,10
"$QMAP_BIN" process "$T/data/sample_0001.h5" -o "$T/cli_cif.h5" -q --hkl 0,0,3 --monitor mon1 \
    --offset eta=0.01,delta=-0.02 --shift none --bins 8,9,10 --cif "$QMAP_SRC/tests/data/NMC622_icsd.cif"
PYTHONPATH="${QMAP_SRC:?}/python" "$PY" - "$T" "$QMAP_SRC/tests/data/NMC622_icsd.cif" <<'PYEOF'
import sys, numpy as np, qmap
T = sys.argv[1]
lines = []
r = qmap.process(f"{T}/data/sample_0001.h5", hkl=(0, 0, 3), monitor="mon1",
                 offset={"eta": 0.01, "delta": -0.02}, shift="none", bins=[8, 9, 10], log=lines.append)
c = qmap.open_results(f"{T}/cli.h5")
assert set(r.maps) == set(c.maps), (set(r.maps) ^ set(c.maps))
for name in r.maps:
    a, b = r.maps[name], c.maps[name]
    assert a.shape == (10, 12) and a.dtype == np.float64, (name, a.shape, a.dtype)
    assert np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=0, atol=0), name
assert (r.mask == c.mask).all() and r.mask.any()
assert np.allclose(r.x, c.x) and np.allclose(r.eta, c.eta) and len(r.eta) == 7
assert r.params["bins"] == "8,9,10" == c.params["bins"], (r.params["bins"], c.params["bins"])
assert r.units["strain"] == "1" and r.units["qx"] == "1/angstrom" and r.units["background"] == "counts/hit"
assert 0 < np.nanmean(c.maps["background"]) < 1, np.nanmean(c.maps["background"])   # the default 0.002 per pixel
assert any(l.startswith("VOI") for l in lines), lines
assert r.energy_ev == c.energy_ev and abs(c.energy_ev - float(c.params["energy_ev"])) < 1e-6 and 1000 < c.energy_ev < 1e6, \
    (r.energy_ev, c.energy_ev, c.params["energy_ev"])
open(f"{T}/text.h5", "w").write("not a results file\n")
for bad in (f"{T}/text.h5", f"{T}/missing.h5"):
    try:
        qmap.open_results(bad)
    except qmap.QmapError as e:
        assert bad in str(e), str(e)
    else:
        raise AssertionError(f"open_results accepted {bad}")
for bad, words in [(dict(energy=-5), "--energy"), (dict(voi="1:2"), "--voi"), (dict(colour="red"), "unknown option"),
                   (dict(hot_pixels="maybe"), "--hot-pixels")]:
    try:
        qmap.process(f"{T}/data/sample_0001.h5", **bad)
    except qmap.QmapError as e:
        assert words in str(e), (bad, str(e))
    else:
        raise AssertionError(f"{bad} accepted")
try:
    qmap.process(f"{T}/missing.h5")
except qmap.QmapError as e:
    assert "missing.h5" in str(e)
else:
    raise AssertionError("missing file accepted")
# --cif through the library (qmap/cif_reference.h): the same d_ref and offsets as the CLI
cc = qmap.open_results(f"{T}/cli_cif.h5")
rc = qmap.process(f"{T}/data/sample_0001.h5", hkl=(0, 0, 3), monitor="mon1", offset={"eta": 0.01, "delta": -0.02},
                  shift="none", bins=[8, 9, 10], cif=sys.argv[2])
assert rc.params["d_ref"] == cc.params["d_ref"], (rc.params["d_ref"], cc.params["d_ref"])
assert rc.params["cif_angle_offsets_deg"] == cc.params["cif_angle_offsets_deg"], \
    (rc.params["cif_angle_offsets_deg"], cc.params["cif_angle_offsets_deg"])
assert rc.params["cif_angle_offsets_deg"].startswith("eta="), rc.params["cif_angle_offsets_deg"]
assert np.array_equal(rc.maps["strain"], cc.maps["strain"], equal_nan=True)
try:
    qmap.process(f"{T}/data/sample_0001.h5", cif=sys.argv[2])
except qmap.QmapError as e:
    assert "hkl" in str(e), str(e)
else:
    raise AssertionError("cif without hkl accepted")
print("python binding: in-process maps identical to the CLI results file; errors raised as QmapError")
PYEOF
