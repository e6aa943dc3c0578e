#!/usr/bin/env python3
"""mutate_discovery.py -- structure-aware mutation test of qmap's dataset discovery.

Byte fuzzing exercises the parsers; this exercises the logic above them. Each case copies a
small simulated dataset (qmap simulate), applies one to three mutations that keep the file a
valid HDF5 file but change what it means -- scan titles, dataset shapes and dtypes, motor
positions, calibration values, VDS mappings, links -- and runs `qmap info` and
`qmap process` on it. A case passes when every run ends either with exit 0 or with a one-line
error and an exit status 1..127 within the time limit, and when a mutation that must be
refused (marked MUST_FAIL) is not accepted silently. Anything else is a finding: a signal, a
hang, HDF5 noise on stderr, or a corrupt input accepted.

usage: mutate_discovery.py QMAP WORKDIR N_CASES [SEED]     (exit 1 when a case fails)
"""
import os
import random
import shutil
import subprocess
import sys

import h5py
import numpy as np

QMAP, WORK, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
SEED = int(sys.argv[4]) if len(sys.argv) > 4 else 1
TIMEOUT = 120
SCANS = ["2.1", "3.1", "4.1", "5.1", "6.1"]


def det_path(scan):
    return scan + "/measurement/mpx1x4"


# ---- the mutations: each edits the open master file f (and may touch the folder d); the
# ---- returned flag is 1 when qmap must refuse the result (exit != 0)

def m_title(f, d, r):
    s = r.choice(SCANS)
    choices = ["", "sxdm(", "sxdm( pix, 25, 25.9, 0, piy, 40, 40.7, 8, 0.005 )",
               "sxdm( pix, 25, 25.9, -3, piy, 40, 40.7, 8, 0.005 )",
               "sxdm( pix, nan, 25.9, 10, piy, 40, 40.7, 8, 0.005 )",
               "sxdm( pix, 25, 25.9, 99999, piy, 40, 40.7, 99999, 0.005 )",
               "kmap pix 25 25.9 10 piy 40 40.7 8 0.005", "ct 0.1", "\xff\xfe garbage \u00e9",
               "sxdm( pix, 25, 25.9, 10, piy, 40, 40.7, 9, 0.005 )"]
    t = r.choice(choices)
    del f[s + "/title"]
    if r.random() < 0.2:
        f[s + "/title"] = np.array([1.0, 2.0])          # wrong dtype
        return 1
    f[s + "/title"] = t
    return 0


def m_shape(f, d, r):
    s = r.choice(SCANS)
    name = r.choice(["instrument/positioners/eta", "instrument/mpx1x4/distance", "measurement/pix"])
    p = s + "/" + name
    if p not in f:
        return 0
    v = np.asarray(f[p][()]).ravel()
    del f[p]
    f[p] = r.choice([v[: max(0, len(v) // 2)], np.concatenate([v, v]), np.zeros((2, 3)), np.array([])])
    return 0


def m_dtype(f, d, r):
    s = r.choice(SCANS)
    p = s + "/" + r.choice(["instrument/positioners/eta", "instrument/mpx1x4/x_pixel_size",
                            "instrument/mpx1x4/distance"])
    if p not in f:
        return 0
    del f[p]
    f[p] = r.choice(["12.5", b"\xff\xfe", np.int8(3), np.array([1, 2, 3], dtype=np.uint64)])
    return 0


def m_positions(f, d, r):
    s = r.choice(SCANS)
    for motor in ("pix", "piy"):
        p = s + "/measurement/" + motor
        if p in f:
            v = np.array(f[p][()], dtype=float)
            if v.size:
                v[r.randrange(v.size)] = r.choice([np.nan, np.inf, -1e300, 1e300])
            del f[p]
            f[p] = v
    return 0


def m_calibration(f, d, r):
    s = r.choice(SCANS)
    p = s + "/" + r.choice(["instrument/mpx1x4/distance", "instrument/mpx1x4/x_pixel_size",
                            "instrument/mpx1x4/y_pixel_size", "instrument/positioners/eta",
                            "instrument/positioners/delta", "instrument/mpx1x4/beam_center_x"])
    if p not in f:
        return 0
    v = r.choice([0.0, -1.0, 1e-300, 1e300, np.nan, np.inf])
    f[p][()] = v
    # absurd values must be refused; NaN/inf/0/negative in a calibration too
    return 1 if "positioners/eta" not in p or not np.isfinite(v) or abs(v) > 720 else 0


def m_vds(f, d, r):
    s = r.choice(SCANS)
    p = det_path(s)
    if p not in f or not f[p].is_virtual:
        return 0
    shape, dtype = f[p].shape, f[p].dtype
    src = f[p].virtual_sources()[0]
    kind = r.choice(["missing", "percent", "self", "wrong_dset", "short", "fifo"])
    del f[p]
    lay = h5py.VirtualLayout(shape=shape, dtype=dtype)
    if kind == "missing":
        lay[:] = h5py.VirtualSource("scan9999/nope.h5", src.dset_name, shape=shape)
    elif kind == "percent":
        lay[:] = h5py.VirtualSource("scan0002/100%%.h5", src.dset_name, shape=shape)
    elif kind == "self":
        lay[:] = h5py.VirtualSource(".", "/" + p, shape=shape)
    elif kind == "wrong_dset":
        lay[:] = h5py.VirtualSource(src.file_name, "/entry_0000/nothing", shape=shape)
    elif kind == "short":
        n = max(1, shape[0] // 2)
        lay[:n] = h5py.VirtualSource(src.file_name, src.dset_name, shape=shape)[:n]
    else:
        os.mkfifo(os.path.join(d, "fifo.h5"))
        lay[:] = h5py.VirtualSource("fifo.h5", src.dset_name, shape=shape)
    f.create_virtual_dataset(p, lay)
    return 0 if kind == "short" else 1


def m_links(f, d, r):
    s = r.choice(SCANS)
    kind = r.choice(["soft_loop", "dangling", "external_missing", "title_link"])
    if kind == "soft_loop":
        del f[s + "/measurement"]
        f[s + "/measurement"] = h5py.SoftLink("/" + s + "/measurement")
        return 0      # a scan without a usable measurement group: skipped or refused
    if kind == "dangling":
        p = s + "/instrument/mpx1x4/distance"
        if p in f:
            del f[p]
            f[p] = h5py.SoftLink("/nowhere/distance")
            return 1
        return 0
    if kind == "external_missing":
        p = s + "/instrument/positioners/eta"
        if p in f:
            del f[p]
            f[p] = h5py.ExternalLink("missing.h5", "/eta")
            return 1
        return 0
    p = s + "/title"
    del f[p]
    f[p] = h5py.SoftLink("/" + s + "/title")
    return 1


MUTATIONS = [m_title, m_shape, m_dtype, m_positions, m_calibration, m_vds, m_links]


def run(args):
    try:
        p = subprocess.run([QMAP] + args, capture_output=True, timeout=TIMEOUT, text=True, errors="replace")
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", ""


def main():
    rng = random.Random(SEED)
    os.makedirs(WORK, exist_ok=True)
    base = os.path.join(WORK, "base")
    if not os.path.exists(os.path.join(base, "sample_0001.h5")):
        subprocess.run([QMAP, "simulate", "-o", base, "--size", "10,8", "--eta", "5", "--seed", "3"],
                       check=True, capture_output=True)
    findings, counts = [], {}
    for case in range(N):
        d = os.path.join(WORK, "case")
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(base, d)
        master = os.path.join(d, "sample_0001.h5")
        names, must_fail = [], 0
        with h5py.File(master, "r+") as f:
            for _ in range(rng.randint(1, 3)):
                m = rng.choice(MUTATIONS)
                try:
                    must_fail |= m(f, d, rng)
                    names.append(m.__name__[2:])
                except (ValueError, TypeError, KeyError, OSError):
                    pass   # a mutation h5py cannot express on this file: none applied
        for cmd in (["info", master], ["process", master, "-o", os.path.join(d, "out.h5"), "-q"]):
            rc, err = run(cmd)
            key = "exit 0" if rc == 0 else "error" if isinstance(rc, int) and 0 < rc < 128 else str(rc)
            counts[key] = counts.get(key, 0) + 1
            lines = [l for l in err.splitlines() if l.strip()]
            bad = None
            if rc == "timeout":
                bad = "hang (> %d s)" % TIMEOUT
            elif rc < 0 or rc >= 128:
                bad = "killed by a signal (exit %s)" % rc
            elif rc != 0 and len(lines) != 1:
                bad = "%d stderr lines" % len(lines)
            elif any("HDF5-DIAG" in l for l in lines):
                bad = "HDF5 noise"
            elif rc == 0 and must_fail and cmd[0] == "process":
                bad = "corrupt input accepted"
            if bad:
                findings.append("case %d seed %d [%s] %s: %s | %s" % (case, SEED, ",".join(names), cmd[0], bad,
                                                                 " / ".join(lines[:3])))
        print("case %3d %-40s info/process ok" % (case, ",".join(names)) if not findings or
              not findings[-1].startswith("case %d " % case) else findings[-1], flush=True)
    print("summary: %d cases, %d runs: %s; %d findings" % (
        N, 2 * N, ", ".join("%s %d" % kv for kv in sorted(counts.items())), len(findings)))
    for x in findings:
        print("FINDING " + x)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
