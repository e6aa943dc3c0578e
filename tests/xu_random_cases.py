#!/usr/bin/python3
"""xu_random_cases.py -- fresh random pixel->Q reference cases from xrayutilities.

Used by tests/test_geometry_xu.c (through popen) so that qmap's ID01 geometry is checked
against an independent implementation on geometries nobody chose by hand. Prints to stdout
(or to --out FILE):

    seed <seed>
    case <energy_eV> <distance_m> <pw_row_m> <pw_col_m> <cch_row> <cch_col> <Nch1> <Nch2>
         <eta> <phi> <nu> <delta> <npix>          (one line)
    <i> <j> <qx> <qy> <qz>                         (npix lines, 17 significant digits)
    end

Exit status 3 with a message on stderr when xrayutilities or numpy cannot be imported.
The seed comes from --seed, else QMAP_XU_SEED, else the clock, and is printed first so a
failure can be replayed.
"""
import argparse
import os
import random
import sys
import time


def fmt(x):
    return repr(float(x))


def random_angles(rng):
    """eta, phi, nu, delta in degrees, including negative and large values."""
    kind = rng.random()
    if kind < 0.25:          # coplanar-ish, like a symmetric or asymmetric reflection
        delta = rng.uniform(5, 140)
        return [rng.uniform(-5, 1.2 * delta), rng.uniform(-180, 180), rng.uniform(-3, 3), delta]
    if kind < 0.5:           # negative angles everywhere
        return [rng.uniform(-60, 0), rng.uniform(-180, 0), rng.uniform(-40, 0), rng.uniform(-120, 0)]
    return [rng.uniform(-90, 120), rng.uniform(-360, 360), rng.uniform(-90, 90), rng.uniform(-150, 150)]


def random_geometry(rng):
    n1 = rng.choice([256, 516, 1030, 2164, rng.randint(16, 600)])
    n2 = rng.choice([256, 516, 1030, rng.randint(16, 600)])
    pw1 = rng.choice([55e-6, 75e-6, 172e-6, rng.uniform(10e-6, 200e-6)])
    pw2 = pw1 if rng.random() < 0.6 else rng.uniform(10e-6, 200e-6)
    return {
        "en": rng.uniform(7000, 20000),
        "distance": rng.uniform(0.3, 2.0),
        "pw1": pw1, "pw2": pw2,
        "cch1": rng.uniform(-0.2 * n1, 1.2 * n1),   # centre sometimes off the detector
        "cch2": rng.uniform(-0.2 * n2, 1.2 * n2),
        "n1": n1, "n2": n2,
    }


def pixels(rng, n1, n2, count):
    px = [(0, 0), (0, n2 - 1), (n1 - 1, 0), (n1 - 1, n2 - 1)]
    while len(px) < count:
        px.append((rng.randrange(n1), rng.randrange(n2)))
    return px


def xu_q(xu, np, g, ang):
    qconv = xu.experiment.QConversion(['y-', 'z-'], ['z-', 'y-'], [1, 0, 0])
    qconv.init_area('z-', 'y+', cch1=g["cch1"], cch2=g["cch2"], Nch1=g["n1"], Nch2=g["n2"],
                    pwidth1=g["pw1"], pwidth2=g["pw2"], distance=g["distance"])
    # en= overrides the wavelength of the QConversion object (default Cu K-alpha1): xu converts
    # with hc/e from scipy.constants, the constant QMAP_HC_EV_ANGSTROM copies.
    qx, qy, qz = qconv.area(*ang, en=g["en"])
    return np.asarray(qx), np.asarray(qy), np.asarray(qz)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=24)
    ap.add_argument("--pixels", type=int, default=24)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    try:
        import numpy as np
        import xrayutilities as xu
    except Exception as exc:  # noqa: BLE001 -- any import failure means "not installed"
        sys.stderr.write("xu_random_cases.py: cannot import xrayutilities/numpy with %s: %s\n"
                         "install Debian's python3-xrayutilities (apt-get install "
                         "python3-xrayutilities)\n" % (sys.executable, exc))
        return 3
    seed = args.seed
    if seed is None:
        seed = int(os.environ.get("QMAP_XU_SEED", "0")) or (time.time_ns() % 2**31)
    rng = random.Random(seed)
    lines = ["seed %d" % seed, "# xrayutilities %s" % xu.__version__]
    for _ in range(args.cases):
        g = random_geometry(rng)
        ang = random_angles(rng)
        qx, qy, qz = xu_q(xu, np, g, ang)
        px = pixels(rng, g["n1"], g["n2"], args.pixels)
        head = [g["en"], g["distance"], g["pw1"], g["pw2"], g["cch1"], g["cch2"]]
        lines.append("case " + " ".join(fmt(v) for v in head) + " %d %d " % (g["n1"], g["n2"])
                     + " ".join(fmt(a) for a in ang) + " %d" % len(px))
        for i, j in px:
            lines.append("%d %d %s %s %s" % (i, j, fmt(qx[i, j]), fmt(qy[i, j]), fmt(qz[i, j])))
    lines.append("end")
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
