#!/usr/bin/python3
"""xu_dispersion_ref.py -- independent reference for qmap's anomalous dispersion:
xrayutilities' structure factors with its default f', f'' (Kissel tables, linear
interpolation of the full table in xrayutilities' own database).

usage: xu_dispersion_ref.py CIF E1,E2,... H,K,L [H,K,L ...]
prints, for each energy E (eV):
  atom Z E f1 f2                 (f', f'' of every element in the CIF, xu Atom.f1/f2)
  refl E H K L absF              (|F| from Crystal.StructureFactor(Q, E))
Form factors are cached per species (xrayutilities 1.7 caches per atomic number, which
would give Ni2+ and Ni3+ in NMC622 one f0). Exit status 2 when xrayutilities is missing.
"""
import sys

try:
    import numpy as np  # noqa: F401
    import xrayutilities as xu
except ImportError as e:
    print("xu_dispersion_ref.py: %s" % e, file=sys.stderr)
    sys.exit(2)


def get_f_by_species(self, q, en):
    f = {}
    for at, _, _, _ in self.lattice.base():
        if at.name not in f:
            f[at.name] = at.f(q, en)
    return [f[at.name] for at, _, _, _ in self.lattice.base()]


def main():
    cif, energies = sys.argv[1], [float(e) for e in sys.argv[2].split(',')]
    xu.materials.Crystal._get_f = get_f_by_species
    c = xu.materials.Crystal.fromCIF(cif)
    elements = {}
    for at, _, _, _ in c.lattice.base():
        elements[at.num] = at
    for en in energies:
        for z in sorted(elements):
            at = elements[z]
            print("atom %d %.10g %.10g %.10g" % (z, en, at.f1(en), at.f2(en)))
        for arg in sys.argv[3:]:
            h, k, l = (int(x) for x in arg.split(','))
            f = abs(c.StructureFactor(c.Q(h, k, l), en))
            print("refl %.10g %d %d %d %.12g" % (en, h, k, l, f))


if __name__ == "__main__":
    main()
