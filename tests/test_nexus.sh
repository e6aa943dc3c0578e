#!/usr/bin/env bash
# test_nexus.sh -- the results file as NeXus readers see it, checked with silx (Debian's
# python3-silx, the ESRF viewer's own reader): NXroot -> default NXentry -> default NXdata
# /maps that is valid and drawn as an image (regular nominal axes from the scan title, in
# um, with long names), the historical paths still there, the recorded positions kept, and
# NXprocess with program, version, date, command line, typed parameters, input and scans.
set -eu
PY=${PYTHON:-/usr/bin/python3}
"$PY" -c 'import silx.io.nxdata' 2>/dev/null || { echo "python3-silx missing (scripts/install-deps.sh)"; exit 1; }
T=${QMAP_TEST_TMP:-/tmp}/nexus
rm -rf "$T" && mkdir -p "$T"
"${QMAP_BIN:?}" simulate -o "$T/data" --size 12,10 --eta 7 --seed 3 >/dev/null
SOURCE_DATE_EPOCH=1700000000 "$QMAP_BIN" process "$T/data/sample_0001.h5" -o "$T/r.h5" -q \
    --shift none --bins 8,9,10 --energy 8000.5 --threshold 20
"$PY" - "$T/r.h5" <<'PYEOF'
import sys, h5py, numpy as np
import silx.io.nxdata as nx
t = lambda v: v.decode() if isinstance(v, bytes) else str(v)   # fixed-length strings read as bytes
with h5py.File(sys.argv[1], "r") as f:
    assert nx.is_NXroot_with_default_NXdata(f), "is_NXroot_with_default_NXdata is False"
    assert t(f.attrs["NX_class"]) == "NXroot" and t(f.attrs["default"]) == "entry"
    e = f["entry"]
    assert t(e.attrs["NX_class"]) == "NXentry" and t(e.attrs["default"]) == "maps"
    d = nx.get_default(f)
    assert d is not None and d.is_valid, "default NXdata invalid"
    assert d.signal_is_2d and d.is_image, "maps not drawn as an image"
    assert d.group.name in ("/maps", "/entry/maps")
    # /entry/maps and /maps are the same group (hard link)
    assert f["/maps"].id == f["/entry/maps"].id
    assert list(d.axes_dataset_names) == ["y_nominal", "x_nominal"], d.axes_dataset_names
    x, y = f["/maps/x_nominal"], f["/maps/y_nominal"]
    assert x.shape == (12,) and y.shape == (10,)
    assert t(x.attrs["units"]) == "um" and "nominal" in t(x.attrs["long_name"])
    dx, dy = np.diff(x[()]), np.diff(y[()])
    assert np.allclose(dx, dx[0], rtol=1e-12, atol=0) and np.allclose(dy, dy[0], rtol=1e-12, atol=0), "axes not regular"
    # the nominal grid is the one the recorded positions scatter around
    assert np.allclose(x[()], f["/maps/x"][()], atol=0.5 * abs(dx[0])), (x[()], f["/maps/x"][()])
    assert np.allclose(y[()], f["/maps/y"][()], atol=0.5 * abs(dy[0]))
    assert t(f["/maps/strain"].attrs["long_name"]) == "strain" and t(f["/maps/intensity"].attrs["long_name"]) == "intensity (counts)"
    for name in nx.NXdata(f["/maps"]).auxiliary_signals_dataset_names:
        assert f["/maps"][name].shape == (10, 12), name
    assert nx.is_valid_nxdata(f["/entry/qspace"])
    # the process
    p = f["/entry/process"]
    assert t(p.attrs["NX_class"]) == "NXprocess"
    s = lambda k: p[k][()].decode()
    assert s("program") == "qmap" and s("version")
    assert s("date") == "2023-11-14T22:13:20Z", s("date")
    assert s("command_line").startswith("qmap process ") and "--energy 8000.5" in s("command_line")
    assert s("input").endswith("sample_0001.h5") and s("scans").count(",") == 6
    par = p["parameters"]
    assert t(par.attrs["NX_class"]) == "NXparameters"
    assert par["energy"].dtype == np.float64 and par["energy"][()] == 8000.5 and t(par["energy"].attrs["units"]) == "eV"
    assert par["bins"].dtype == np.int64 and list(par["bins"][()]) == [8, 9, 10]
    assert par["shift"][()] == b"none" and par["threshold"][()] == 20
    assert t(par["bins"].attrs["text"]) == "8,9,10"
    assert "energy_ev" in p["choices"].attrs   # the choices the run made, as text
print("nexus ok")
PYEOF
