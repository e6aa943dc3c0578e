#!/usr/bin/python3
"""xu_powder_pattern.py -- a noisy powder pattern (.xye) built from xrayutilities' powder
lines, as an independent input for `qmap powder`.

usage: xu_powder_pattern.py CIF OUT.xye A C ZERO SEED [--exchange LI METAL X]
           [--ka2 RATIO] [--po H,K,L R] [--peak COUNTS] [--lambda A]
           [--displacement S_MM] [--asym P1] [--mu-t X]
The CIF's cell is replaced by a hexagonal a, c (Angstrom); line positions and strengths
come from xu.simpack.PowderDiffraction (xrayutilities' default dispersion f', f''); each
line is drawn as an area-normalised pseudo-Voigt (Caglioti U, V, W and eta fixed below)
shifted by ZERO degrees, on a linear background, with Poisson noise (numpy, seed SEED).
Wavelength: Cu K-alpha1 1.5406 A, or --lambda.
--exchange LI METAL X: X of the metal of site METAL moves onto the position of site LI and
  the same amount of Li onto METAL's position (composition kept; sites are added to the
  CIF given to xrayutilities when missing).
--ka2 RATIO: a second set of lines at Cu K-alpha2 (1.544414 A), from a second
  PowderDiffraction at that energy (its own f', f'' and Lorentz-polarisation), RATIO times
  as strong.
--po H,K,L R: xrayutilities' own March-Dollase preferred orientation (Powder
  preferred_orientation, preferred_orientation_factor; symmetric geometry).
--peak COUNTS: area scale of the strongest line (default 5000).
--displacement S_MM: lines shifted by -2 S cos(theta) / R (R = 240 mm), a displaced sample.
--asym P1: each profile times 1 + P1 Fa(z) / tan(theta), Fa = 2 z exp(-z^2), z = (2theta -
  centre) / FWHM (Berar-Baldinozzi form, closed-form truth for the asymmetry term).
--mu-t X: line strengths times 1 - exp(-2 X / sin(theta)), a Bragg-Brentano sample of
  thickness t and absorption mu (mu t = X).
"""
import os
import sys
import tempfile

import numpy as np
import xrayutilities as xu

HC = 12398.419843320025


def get_f_by_species(self, q, en):
    f = {}
    for at, _, _, _ in self.lattice.base():
        if at.name not in f:
            f[at.name] = at.f(q, en)
    return [f[at.name] for at, _, _, _ in self.lattice.base()]


def exchange_cif(path, li, metal, x):
    """The CIF text with x of METAL moved onto LI's position and x Li onto METAL's."""
    lines = open(path).read().splitlines()
    tags, start = [], None
    for i, ln in enumerate(lines):
        if ln.strip().startswith("_atom_site_") and (i == 0 or lines[i - 1].strip() == "loop_"
                                                     or tags):
            if not tags:
                start = i
            tags.append(ln.strip())
        elif tags:
            break
    rows_at = start + len(tags)
    rows = []
    i = rows_at
    while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "loop_", "_")):
        rows.append(lines[i].split())
        i += 1
    col = {t: k for k, t in enumerate(tags)}
    cl, ct, co = col["_atom_site_label"], col["_atom_site_type_symbol"], col["_atom_site_occupancy"]
    cx = [col["_atom_site_fract_" + a] for a in "xyz"]
    byl = {r[cl]: r for r in rows}
    rli, rme = byl[li], byl[metal]

    def elem(r):
        return ''.join(ch for ch in r[ct] if ch.isalpha())

    def occ(r):
        return float(r[co].split('(')[0])

    def same_pos(a, b):
        return all(abs(float(a[k].split('(')[0]) - float(b[k].split('(')[0])) < 1e-4 for k in cx)

    def find_or_add(like, at):
        for r in rows:
            if elem(r) == elem(like) and same_pos(r, at):
                return r
        r = list(like)
        r[cl] = like[cl] + "_" + at[cl]
        for k in cx:
            r[k] = at[k]
        r[co] = "0"
        rows.append(r)
        return r
    me_on_li = find_or_add(rme, rli)
    li_on_me = find_or_add(rli, rme)
    dx = x - occ(me_on_li)
    for r, d in ((me_on_li, dx), (rli, -dx), (rme, -dx), (li_on_me, dx)):
        r[co] = "%.6f" % (occ(r) + d)
    out = lines[:rows_at] + [" ".join(r) for r in rows] + lines[i:]
    return "\n".join(out) + "\n"


def main():
    args = sys.argv[1:]
    opts = {}
    for name, n in (("--exchange", 3), ("--ka2", 1), ("--po", 2), ("--peak", 1), ("--lambda", 1),
                    ("--displacement", 1), ("--asym", 1), ("--mu-t", 1)):
        if name in args:
            k = args.index(name)
            opts[name] = args[k + 1:k + 1 + n]
            del args[k:k + 1 + n]
    cif, out = args[0], args[1]
    a, c, zero, seed = float(args[2]), float(args[3]), float(args[4]), int(args[5])
    xu.materials.Crystal._get_f = get_f_by_species
    tmp = None
    if "--exchange" in opts:
        li, metal, x = opts["--exchange"]
        fd, tmp = tempfile.mkstemp(suffix=".cif")
        with os.fdopen(fd, "w") as f:
            f.write(exchange_cif(cif, li, metal, float(x)))
        cif = tmp
    mat = xu.materials.Crystal.fromCIF(cif)
    if tmp:
        os.remove(tmp)
    mat.lattice.a = a
    mat.lattice.c = c
    powder_kw = {}
    if "--po" in opts:
        powder_kw = {"preferred_orientation": tuple(int(v) for v in opts["--po"][0].split(',')),
                     "preferred_orientation_factor": float(opts["--po"][1])}
    lam = float(opts["--lambda"][0]) if "--lambda" in opts else 1.5406
    peak = float(opts["--peak"][0]) if "--peak" in opts else 5000.0
    components = [(lam, 1.0)]
    if "--ka2" in opts:
        components.append((1.544414, float(opts["--ka2"][0])))
    disp = float(opts["--displacement"][0]) if "--displacement" in opts else 0.0
    p1 = float(opts["--asym"][0]) if "--asym" in opts else 0.0
    mut = float(opts["--mu-t"][0]) if "--mu-t" in opts else 0.0
    tth = np.arange(15.0, 110.0 + 1e-9, 0.01)
    u, v, w, eta = 0.005, -0.002, 0.004, 0.4
    y = 150.0 + 0.5 * (tth - 15.0)
    rmax = None
    for lam_c, weight in components:
        pd = xu.simpack.PowderDiffraction(xu.simpack.Powder(mat, 1, **powder_kw), en=HC / lam_c,
                                          tt_cutoff=112)
        lines = [(2 * d['ang'], d['r']) for d in pd.data.values()]
        if rmax is None:
            rmax = max(r for _, r in lines)
        for t2, r in lines:
            t = np.tan(np.radians(t2 / 2))
            h = np.sqrt(u * t * t + v * t + w)
            centre = t2 + zero - np.degrees(2 * disp * np.cos(np.radians(t2 / 2)) / 240.0)
            xx = (tth - centre) / h
            g = 2 / h * np.sqrt(np.log(2) / np.pi) * np.exp(-4 * np.log(2) * xx * xx)
            lo = 2 / (np.pi * h) / (1 + 4 * xx * xx)
            asym = 1 + p1 * 2 * xx * np.exp(-xx * xx) / np.tan(np.radians(centre / 2))
            if mut > 0:
                asym *= 1 - np.exp(-2 * mut / np.sin(np.radians(t2 / 2)))
            y += weight * peak * r / rmax * (eta * lo + (1 - eta) * g) * asym
    rng = np.random.default_rng(seed)
    yn = rng.poisson(y).astype(float)
    with open(out, "w") as f:
        f.write("# 2theta intensity sigma: synthetic %s a=%g c=%g zero=%g %s\n"
                % (sys.argv[1], a, c, zero, " ".join(sys.argv[7:])))
        for t, yy in zip(tth, yn):
            f.write("%.4f %.1f %.4f\n" % (t, yy, np.sqrt(max(yy, 1.0))))


if __name__ == "__main__":
    main()
