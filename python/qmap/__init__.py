"""qmap for notebooks: run the qmap SXDM pipeline and read its results as NumPy arrays.

    import qmap
    r = qmap.process("RAW_DATA/NMC622/NMC622_0001/NMC622_0001.h5", hkl="0,0,3", monitor="mon1")
    r.maps["strain"]          # (n_slow, n_fast) float64, NaN where not measured
    r.params["voi"]           # every choice the pipeline made, as text
    r = qmap.open_results("nmc.h5")   # a results file written by `qmap process`

Options are the long options of `qmap process` with '-' or '_' (energy=9000,
center=(185.6, 172.9), voi="3.5:3.7,-2.8:-2.6,5.9:6.2", shift="none", hot_pixels=False).
The library is found through $QMAP_LIBRARY, else beside an installed package (the folder
`cmake --install` put it in), else build/libqmap.so of this checkout, else the system's
libqmap.so. Uses ctypes and NumPy only.
"""
import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["process", "open_results", "Results", "QmapError"]


class QmapError(RuntimeError):
    """An error reported by the qmap library (its one-line message)."""


def _find_library():
    here = os.path.dirname(os.path.abspath(__file__))
    installed = None
    try:   # written by `cmake --install` beside this file
        from ._install_paths import LIBDIR_FROM_PACKAGE
        installed = os.path.join(here, LIBDIR_FROM_PACKAGE, "libqmap.so")
    except ImportError:
        pass
    candidates = [os.environ.get("QMAP_LIBRARY"), installed,
                  os.path.join(os.path.dirname(__file__), "..", "..", "build", "libqmap.so"),
                  ctypes.util.find_library("qmap")]
    for path in candidates:
        if path and os.path.exists(path):
            return ctypes.CDLL(os.path.abspath(path))
    raise QmapError("libqmap.so not found: build qmap (scripts/build.sh) or set QMAP_LIBRARY")


_lib = None
_LOG_FN = ctypes.CFUNCTYPE(None, ctypes.c_char_p)


def _library():
    global _lib
    if _lib is None:
        lib = _find_library()
        c_double_p = ctypes.POINTER(ctypes.c_double)
        lib.qmap_py_process.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                                        ctypes.POINTER(ctypes.c_char_p), _LOG_FN,
                                        ctypes.POINTER(ctypes.c_void_p)]
        lib.qmap_py_process.restype = ctypes.c_int
        lib.qmap_error_message.restype = ctypes.c_char_p
        lib.qmap_py_read.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        lib.qmap_py_read.restype = ctypes.c_int
        lib.qmap_py_energy.argtypes = [ctypes.c_void_p]
        lib.qmap_py_energy.restype = ctypes.c_double
        c_int3 = ctypes.c_int * 3
        lib.qmap_py_cif_dref.argtypes = [ctypes.c_char_p, c_int3, ctypes.POINTER(ctypes.c_double)]
        lib.qmap_py_cif_dref.restype = ctypes.c_int
        lib.qmap_py_cif_offsets.argtypes = [ctypes.c_void_p, ctypes.c_char_p, c_int3, c_int3, c_int3]
        lib.qmap_py_cif_offsets.restype = ctypes.c_int
        lib.qmap_py_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.qmap_py_write.restype = ctypes.c_int
        lib.qmap_results_free.argtypes = [ctypes.c_void_p]
        lib.qmap_py_shape.argtypes = [ctypes.c_void_p] + [ctypes.POINTER(ctypes.c_int)] * 3
        lib.qmap_py_n_maps.restype = ctypes.c_int
        lib.qmap_map_name.argtypes = [ctypes.c_int]
        lib.qmap_map_name.restype = ctypes.c_char_p
        lib.qmap_map_unit.argtypes = [ctypes.c_int]
        lib.qmap_map_unit.restype = ctypes.c_char_p
        lib.qmap_py_map.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.qmap_py_map.restype = c_double_p
        lib.qmap_py_background.argtypes = [ctypes.c_void_p]
        lib.qmap_py_background.restype = c_double_p
        lib.qmap_py_mask.argtypes = [ctypes.c_void_p]
        lib.qmap_py_mask.restype = ctypes.POINTER(ctypes.c_uint8)
        lib.qmap_py_vector.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.qmap_py_vector.restype = c_double_p
        lib.qmap_py_n_params.argtypes = [ctypes.c_void_p]
        for name in ("qmap_py_param_key", "qmap_py_param_value"):
            getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.c_int]
            getattr(lib, name).restype = ctypes.c_char_p
        _lib = lib
    return _lib


class Results:
    """Maps and parameters of one qmap run.

    maps: dict name -> (n_slow, n_fast) float64 array (intensity, qx, qy, qz, q, d_spacing,
    strain, std_q*, sigma_q*, sigma_mean, tilt_magnitude, tilt_direction, c when computed);
    units: dict name -> unit; mask: (n_slow, n_fast) bool particle mask; x, y: positions in
    micrometres; shift_x, shift_y: drift applied per scan (um); eta: per scan (degrees);
    scan_intensity: the rocking curve; energy_ev: the photon energy (eV, NaN if unknown);
    params: dict of every setting used (text).
    """

    def __init__(self, maps, units, mask, vectors, params):
        self.maps, self.units, self.mask, self.params = maps, units, mask, params
        for name, value in vectors.items():
            setattr(self, name, value)

    def __repr__(self):
        shape = self.mask.shape
        return f"<qmap.Results {shape[0]} x {shape[1]} map, {len(self.maps)} maps, particle {int(self.mask.sum())} positions>"


def _option_value(value):
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (tuple, list)):
        if len(value) == 3 and all(isinstance(v, (tuple, list)) for v in value):   # voi ranges
            return ",".join(f"{lo!r}:{hi!r}" for lo, hi in value)
        return ",".join(repr(v) if isinstance(v, float) else str(v) for v in value)
    if isinstance(value, dict):                                                      # offsets
        return ",".join(f"{k}={v!r}" for k, v in value.items())
    return repr(value) if isinstance(value, float) else str(value)


def _three_ints(name, value):
    text = _option_value(value)
    try:
        parts = [int(v) for v in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) != 3:
        raise QmapError(f"{name}: '{text}' must be 3 integers H,K,L")
    return (ctypes.c_int * 3)(*parts)


def process(path, log=None, output=None, cif=None, ip_dir=(1, 0, 0), oop_dir=(0, 0, 1), **options):
    """Run the pipeline on a BLISS dataset file and return Results.

    log: optional callable receiving each choice line the pipeline prints in the CLI.
    cif, ip_dir, oop_dir: as `qmap process --cif FILE --ip-dir --oop-dir` (needs hkl, replaces
    dref): d_ref = d(hkl) of the CIF, and afterwards the angle offsets of the measured mean Q
    from the CIF reflection in params["cif_angle_offsets_deg"] (library functions, as the CLI).
    output: optional path of a results file to write (the same file as `qmap process -o`,
    with the options recorded under /entry/process/parameters).
    Raises QmapError with the library's message on any error (bad option, bad file).
    """
    lib = _library()
    if cif is not None:
        if "hkl" not in options or "dref" in options:
            raise QmapError("cif needs hkl=(H,K,L) and replaces dref")
        hkl = _three_ints("hkl", options["hkl"])
        ip, oop = _three_ints("ip_dir", ip_dir), _three_ints("oop_dir", oop_dir)
        dref = ctypes.c_double()
        if lib.qmap_py_cif_dref(os.fsencode(cif), hkl, ctypes.byref(dref)) < 0:
            raise QmapError(lib.qmap_error_message().decode())
        options["dref"] = dref.value
    keys = [k.replace("_", "-").encode() for k in options]
    values = [_option_value(v).encode() for v in options.values()]
    n = len(keys)
    key_arr = (ctypes.c_char_p * max(n, 1))(*keys)
    val_arr = (ctypes.c_char_p * max(n, 1))(*values)
    callback = _LOG_FN((lambda line: log(line.decode())) if log else (lambda line: None))
    handle = ctypes.c_void_p()
    rc = lib.qmap_py_process(os.fsencode(path), n, key_arr, val_arr, callback, ctypes.byref(handle))
    if rc < 0:
        raise QmapError(lib.qmap_error_message().decode())
    try:
        if cif is not None and lib.qmap_py_cif_offsets(handle, os.fsencode(cif), hkl, ip, oop) < 0:
            raise QmapError(lib.qmap_error_message().decode())
        if output is not None and lib.qmap_py_write(handle, os.fsencode(output)) < 0:
            raise QmapError(lib.qmap_error_message().decode())
        return _collect(lib, handle)
    finally:
        lib.qmap_results_free(handle)


def _collect(lib, handle):
    ns, nf, nscan = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    lib.qmap_py_shape(handle, ctypes.byref(ns), ctypes.byref(nf), ctypes.byref(nscan))
    shape = (ns.value, nf.value)
    maps, units = {}, {}
    for k in range(lib.qmap_py_n_maps()):
        ptr = lib.qmap_py_map(handle, k)
        if ptr:
            name = lib.qmap_map_name(k).decode()
            maps[name] = np.ctypeslib.as_array(ptr, shape=shape).copy()
            units[name] = lib.qmap_map_unit(k).decode()
    background = np.ctypeslib.as_array(lib.qmap_py_background(handle), shape=shape).copy()
    if np.isfinite(background).any():   # /maps/background, absent from files written before it
        maps["background"], units["background"] = background, "counts/hit"
    mask = np.ctypeslib.as_array(lib.qmap_py_mask(handle), shape=shape).astype(bool)
    lengths = {"x": nf.value, "y": ns.value, "shift_x": nscan.value, "shift_y": nscan.value,
               "eta": nscan.value, "scan_intensity": nscan.value}
    vectors = {name: np.ctypeslib.as_array(lib.qmap_py_vector(handle, name.encode()), shape=(n,)).copy()
               for name, n in lengths.items()}
    params = {lib.qmap_py_param_key(handle, i).decode(): lib.qmap_py_param_value(handle, i).decode()
              for i in range(lib.qmap_py_n_params(handle))}
    vectors["energy_ev"] = lib.qmap_py_energy(handle)
    return Results(maps, units, mask, vectors, params)


def open_results(path):
    """Read a results file written by `qmap process` (see docs/results-file.md) as Results,
    through the library's results reader (the file's checksum seal and shapes are checked)."""
    lib = _library()
    handle = ctypes.c_void_p()
    if lib.qmap_py_read(os.fsencode(path), ctypes.byref(handle)) < 0:
        raise QmapError(lib.qmap_error_message().decode())
    try:
        return _collect(lib, handle)
    finally:
        lib.qmap_results_free(handle)
