#!/usr/bin/python3
"""xu_crystal_ref.py -- independent reference values from xrayutilities for qmap's CIF,
crystal and hkl tests.

usage: xu_crystal_ref.py CIF ENERGY_EV [--ip H,K,L --oop H,K,L] H,K,L [H,K,L ...]
prints one line per reflection:
  refl H K L d_A Q_invA absF_f0 natoms
and, with --ip/--oop, the ID01 angles as sxdm's calc_refl_id01 gets them (xu.FourC with
QConversion(['y-','z-'], ['z-','y-'], [1,0,0]), Q2AngFit with bounds eta (-2, 120),
phi (-180, 180), nu = 0, delta (-2, 130)) and Q in that sample frame:
  angles H K L eta phi nu delta qerror qx qy qz
absF_f0 is |F| from xrayutilities' Crystal.StructureFactor with the anomalous terms
f', f'' switched off (qmap's f0-only structure factor, energy 0; the dispersion is
tested against xrayutilities in test_anomalous.c), Debye-Waller from the CIF's B/U_iso.
Exit status 2 when xrayutilities is missing (the caller must treat that as a failure).
"""
import sys
import warnings

try:
    import numpy as np
    import xrayutilities as xu
except ImportError as e:
    print("xu_crystal_ref.py: %s" % e, file=sys.stderr)
    sys.exit(2)


def main():
    # xu.FourC warns when ip is not perpendicular to oop; it projects it, as qmap does
    warnings.simplefilter("ignore", UserWarning)
    args = sys.argv[1:]
    ip = oop = None
    if "--ip" in args:
        i = args.index("--ip")
        ip = [int(x) for x in args[i + 1].split(',')]
        del args[i:i + 2]
    if "--oop" in args:
        i = args.index("--oop")
        oop = [int(x) for x in args[i + 1].split(',')]
        del args[i:i + 2]
    cif, energy = args[0], float(args[1])
    reflections = args[2:]
    # compare qmap's f0-only structure factor (energy 0)
    xu.materials.atom.Atom.f = lambda self, q, en='config': self.f0(q)
    # xrayutilities 1.7 caches form factors per atomic number in Crystal._get_f, so two
    # ions of one element (Ni2+ and Ni3+ in NMC622) would share the first one's f0:
    # key the cache by species name instead
    def get_f_by_species(self, q, en):
        f = {}
        for at, _, _, _ in self.lattice.base():
            if at.name not in f:
                f[at.name] = at.f(q, en)
        return [f[at.name] for at, _, _, _ in self.lattice.base()]
    xu.materials.Crystal._get_f = get_f_by_species
    c = xu.materials.Crystal.fromCIF(cif)
    natoms = len(list(c.lattice.base()))
    exp = None
    if ip is not None and oop is not None:
        qconv = xu.QConversion(['y-', 'z-'], ['z-', 'y-'], [1, 0, 0])
        exp = xu.FourC(c.Q(*ip), c.Q(*oop), en=energy, qconv=qconv)
    for arg in reflections:
        h, k, l = (int(x) for x in arg.split(','))
        q = c.Q(h, k, l)
        qn = float(np.linalg.norm(q))
        f = abs(c.StructureFactor(q, energy))
        print("refl %d %d %d %.17g %.17g %.17g %d" % (h, k, l, 2 * np.pi / qn, qn, f, natoms))
        if exp is not None:
            qs = exp.Transform(q)
            ang, qerr, _ = xu.Q2AngFit(qs, exp, bounds=((-2, 120), (-180, 180), 0, (-2, 130)))
            print("angles %d %d %d %.17g %.17g %.17g %.17g %.3g %.17g %.17g %.17g"
                  % (h, k, l, ang[0], ang[1], ang[2], ang[3], qerr, qs[0], qs[1], qs[2]))


if __name__ == "__main__":
    main()
