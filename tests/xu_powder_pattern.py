#!/usr/bin/python3
"""xu_powder_pattern.py -- a noisy powder pattern (.xye) built from xrayutilities' powder
lines, as an independent input for `qmap powder`.

usage: xu_powder_pattern.py CIF OUT.xye A C ZERO SEED
The CIF's cell is replaced by a hexagonal a, c (Angstrom); line positions and strengths
come from xu.simpack.PowderDiffraction (default dispersion f', f''); each line is drawn as an
area-normalised pseudo-Voigt (Caglioti U, V, W and eta fixed below) shifted by ZERO
degrees, on a linear background, with Poisson noise (numpy, seed SEED). Cu K-alpha1.
"""
import sys

import numpy as np
import xrayutilities as xu


def get_f_by_species(self, q, en):
    f = {}
    for at, _, _, _ in self.lattice.base():
        if at.name not in f:
            f[at.name] = at.f(q, en)
    return [f[at.name] for at, _, _, _ in self.lattice.base()]


def main():
    cif, out = sys.argv[1], sys.argv[2]
    a, c, zero, seed = float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    xu.materials.Crystal._get_f = get_f_by_species
    mat = xu.materials.Crystal.fromCIF(cif)
    mat.lattice.a = a
    mat.lattice.c = c
    lam = 1.5406
    energy = 12398.419843320025 / lam
    pd = xu.simpack.PowderDiffraction(xu.simpack.Powder(mat, 1), en=energy, tt_cutoff=112)
    tth = np.arange(15.0, 110.0 + 1e-9, 0.01)
    u, v, w, eta = 0.005, -0.002, 0.004, 0.4
    y = 150.0 + 0.5 * (tth - 15.0)
    lines = [(2 * d['ang'], d['r']) for d in pd.data.values()]
    rmax = max(r for _, r in lines)
    for t2, r in lines:
        t = np.tan(np.radians(t2 / 2))
        h = np.sqrt(u * t * t + v * t + w)
        x = (tth - t2 - zero) / h
        g = 2 / h * np.sqrt(np.log(2) / np.pi) * np.exp(-4 * np.log(2) * x * x)
        lo = 2 / (np.pi * h) / (1 + 4 * x * x)
        y += 5000.0 * r / rmax * (eta * lo + (1 - eta) * g)
    rng = np.random.default_rng(seed)
    yn = rng.poisson(y).astype(float)
    with open(out, "w") as f:
        f.write("# 2theta intensity sigma: synthetic %s a=%g c=%g zero=%g\n" % (cif, a, c, zero))
        for t, yy in zip(tth, yn):
            f.write("%.4f %.1f %.4f\n" % (t, yy, np.sqrt(max(yy, 1.0))))


if __name__ == "__main__":
    main()
