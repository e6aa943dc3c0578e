#!/usr/bin/python3
"""xu_powder_ref.py -- powder line positions and strengths from xrayutilities'
simpack.PowderDiffraction, the independent reference for qmap's powder model.

usage: xu_powder_ref.py CIF ENERGY_EV TTH_MAX_DEG
prints one line per powder line (xu merges lines at equal Q):
  line TWO_THETA_DEG Q_INVA R
R = sum over hkl of |F|^2 times the Lorentz-polarisation factor (1 + cos^2 2t)/2 /
(sin^2 t cos t) / V^2, with xrayutilities' default f', f'' (as qmap). Form factors
are cached per species, not per atomic number.
Exit status 2 when xrayutilities is missing.
"""
import sys

try:
    import numpy as np
    import xrayutilities as xu
except ImportError as e:
    print("xu_powder_ref.py: %s" % e, file=sys.stderr)
    sys.exit(2)


def get_f_by_species(self, q, en):
    f = {}
    for at, _, _, _ in self.lattice.base():
        if at.name not in f:
            f[at.name] = at.f(q, en)
    return [f[at.name] for at, _, _, _ in self.lattice.base()]


def main():
    cif, energy, ttmax = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    xu.materials.Crystal._get_f = get_f_by_species
    mat = xu.materials.Crystal.fromCIF(cif)
    pd = xu.simpack.PowderDiffraction(xu.simpack.Powder(mat, 1), en=energy, tt_cutoff=ttmax)
    for h in sorted(pd.data, key=lambda h: pd.data[h]['qpos']):
        d = pd.data[h]
        print("line %.15g %.15g %.15g" % (2 * d['ang'], d['qpos'], d['r']))


if __name__ == "__main__":
    main()
