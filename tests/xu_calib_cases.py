#!/usr/bin/python3
"""xu_calib_cases.py -- random pixel->Q cases with mu and detector calibration, from xrayutilities.

Used by tests/test_geometry_calib.c (through popen): the ID01 nano-hutch geometry with the
outermost sample circle mu (z-) and the detector calibration angles of init_area (detrot,
tilt, tiltazimuth), drawn at random, converted by xrayutilities itself:

    QConversion(['z-','y-','z-'], ['z-','y-'], [1,0,0])
    init_area('z-', 'y+', cch1, cch2, Nch1, Nch2, distance=, pwidth1=, pwidth2=,
              detrot=, tiltazimuth=, tilt=)
    area(mu, eta, phi, nu, delta, en=)

Output (stdout): "seed S", then per case
    case <energy_eV> <distance_m> <pw_row_m> <pw_col_m> <cch_row> <cch_col> <Nch1> <Nch2>
         <mu> <eta> <phi> <nu> <delta> <detrot> <tilt> <tiltazimuth> <npix>
    <i> <j> <qx> <qy> <qz>   (npix lines)
and "end". Exit status 3 when xrayutilities or numpy cannot be imported.
"""
import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from xu_random_cases import fmt, pixels, random_angles, random_geometry  # noqa: E402


def random_calib(rng):
    """mu, detrot, tilt, tiltazimuth (degrees): sometimes zero, small as at ID01, or large."""
    kind = rng.random()
    if kind < 0.15:
        return [0.0, 0.0, 0.0, 0.0]
    if kind < 0.6:
        return [rng.uniform(-2, 2), rng.uniform(-3, 3), rng.uniform(-2, 2), rng.uniform(-180, 180)]
    return [rng.uniform(-60, 60), rng.uniform(-180, 180), rng.uniform(-45, 45), rng.uniform(-360, 360)]


def xu_q(xu, np, g, cal, ang):
    qconv = xu.experiment.QConversion(['z-', 'y-', 'z-'], ['z-', 'y-'], [1, 0, 0])
    qconv.init_area('z-', 'y+', cch1=g["cch1"], cch2=g["cch2"], Nch1=g["n1"], Nch2=g["n2"],
                    pwidth1=g["pw1"], pwidth2=g["pw2"], distance=g["distance"],
                    detrot=cal[1], tilt=cal[2], tiltazimuth=cal[3])
    qx, qy, qz = qconv.area(cal[0], *ang, en=g["en"])
    return np.asarray(qx), np.asarray(qy), np.asarray(qz)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=24)
    ap.add_argument("--pixels", type=int, default=24)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    try:
        import numpy as np
        import xrayutilities as xu
    except Exception as exc:  # noqa: BLE001 -- any import failure means "not installed"
        sys.stderr.write("xu_calib_cases.py: cannot import xrayutilities/numpy with %s: %s\n"
                         % (sys.executable, exc))
        return 3
    seed = args.seed
    if seed is None:
        seed = int(os.environ.get("QMAP_XU_SEED", "0")) or (time.time_ns() % 2**31)
    rng = random.Random(seed)
    out = ["seed %d" % seed, "# xrayutilities %s" % xu.__version__]
    for _ in range(args.cases):
        g = random_geometry(rng)
        ang = random_angles(rng)
        cal = random_calib(rng)
        qx, qy, qz = xu_q(xu, np, g, cal, ang)
        px = pixels(rng, g["n1"], g["n2"], args.pixels)
        head = [g["en"], g["distance"], g["pw1"], g["pw2"], g["cch1"], g["cch2"]]
        out.append("case " + " ".join(fmt(v) for v in head) + " %d %d " % (g["n1"], g["n2"])
                   + " ".join(fmt(a) for a in [cal[0]] + ang + cal[1:]) + " %d" % len(px))
        for i, j in px:
            out.append("%d %d %s %s %s" % (i, j, fmt(qx[i, j]), fmt(qy[i, j]), fmt(qz[i, j])))
    out.append("end")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
