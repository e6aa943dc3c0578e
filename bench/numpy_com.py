#!/usr/bin/python3
"""numpy_com.py -- the per-position centre of mass (COM) of the Bragg peak, written the way a
user writes it in a notebook with Debian's h5py and NumPy (and xrayutilities for Q), timed
for bench/run.sh.

    /usr/bin/python3 bench/numpy_com.py DATA.h5 RESULTS.h5

To compute the same thing as `qmap process`, it takes the VOI box, the scans and the drift
(shift) that qmap chose from RESULTS.h5, then for every scan: Q of every detector pixel
(xrayutilities QConversion, ID01 circles), the pixels inside the VOI (file pixel_mask
applied), and for every frame, read through h5py (HDF5's bitshuffle plugin),
S0 += sum(I), S1 += I @ Q at the frame's drift-corrected map position. COM = S1 / S0 at
positions measured in every scan. Prints one line "numpy frames N seconds T fps F" (time
from opening the data to the COM maps) and how far its COM is from qmap's /maps/qx,qy,qz.
"""
import re
import sys
import time

import h5py
import numpy as np
import xrayutilities as xu

BATCH = 64


def qconversion(g, shape):
    qconv = xu.experiment.QConversion(['y-', 'z-'], ['z-', 'y-'], [1, 0, 0])
    qconv.init_area('z-', 'y+', cch1=g['cy'], cch2=g['cx'], Nch1=shape[0], Nch2=shape[1],
                    pwidth1=g['py'], pwidth2=g['px'], distance=g['dist'])
    return qconv


def main():
    data, results = sys.argv[1], sys.argv[2]
    with h5py.File(results, 'r') as r:
        par = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in r['parameters'].attrs.items()}
        shift_x, shift_y = r['shift/x'][()], r['shift/y'][()]
        qmap_com = np.stack([r['maps/qx'][()], r['maps/qy'][()], r['maps/qz'][()]], axis=-1)
        particle = r['maps/mask'][()] != 0
    voi = [float(v) for v in re.split('[:,]', par['voi'])]
    scans = par['scans'].split(',')
    det = par['detector']

    t0 = time.perf_counter()
    frames = 0
    with h5py.File(data, 'r') as f:
        title = f[scans[0] + '/title'][()].decode()
        m = re.match(r'\s*\w+\(\s*(\w+),\s*([-\d.e+]+),\s*([-\d.e+]+),\s*(\d+),\s*(\w+),\s*([-\d.e+]+),'
                     r'\s*([-\d.e+]+),\s*(\d+)', title)
        fs, fe, nf, ss, se, ns = (float(m.group(2)), float(m.group(3)), int(m.group(4)),
                                  float(m.group(6)), float(m.group(7)), int(m.group(8)))
        sx, sy = (fe - fs) / (nf - 1), (se - ss) / (ns - 1)
        s0 = np.zeros((ns, nf))
        s1 = np.zeros((ns, nf, 3))
        contrib = np.zeros((ns, nf), int)
        for k, scan in enumerate(scans):
            g = f[scan]
            ins = g['instrument']
            geo = {'cy': ins[det + '/beam_center_y'][()], 'cx': ins[det + '/beam_center_x'][()],
                   'py': ins[det + '/y_pixel_size'][()], 'px': ins[det + '/x_pixel_size'][()],
                   'dist': ins[det + '/distance'][()]}
            energy = ins['monochromator/Energy'][()]
            ang = [ins['positioners/' + a][()] for a in ('eta', 'phi', 'nu', 'delta')]
            frames_ds = g['measurement/' + det]
            shape = frames_ds.shape[1:]
            qx, qy, qz = qconversion(geo, shape).area(*ang, en=energy)
            mask = ins[det + '/pixel_mask'][()] != 0
            sel = (~mask & (qx >= voi[0]) & (qx <= voi[1]) & (qy >= voi[2]) & (qy <= voi[3])
                   & (qz >= voi[4]) & (qz <= voi[5])).ravel()
            qsel = np.stack([qx.ravel()[sel], qy.ravel()[sel], qz.ravel()[sel]], axis=1)
            dc, dr = int(np.rint(shift_x[k] / sx)), int(np.rint(shift_y[k] / sy))
            n = min(frames_ds.shape[0], ns * nf)
            for b in range(0, n, BATCH):
                batch = frames_ds[b:b + BATCH].reshape(-1, shape[0] * shape[1])
                intensity = batch[:, sel].astype(np.float64)
                frames += batch.shape[0]
                fidx = np.arange(b, b + batch.shape[0])
                row, col = fidx // nf - dr, fidx % nf - dc
                ok = (row >= 0) & (row < ns) & (col >= 0) & (col < nf)
                s0[row[ok], col[ok]] += intensity[ok].sum(axis=1)
                s1[row[ok], col[ok]] += intensity[ok] @ qsel
                contrib[row[ok], col[ok]] += 1
    with np.errstate(invalid='ignore', divide='ignore'):
        com = s1 / s0[..., None]
    com[contrib < len(scans)] = np.nan
    t = time.perf_counter() - t0
    print(f'numpy frames {frames} seconds {t:.3f} fps {frames / t:.1f}')
    # qmap also masks hot pixels, which this notebook version does not: compare on the particle
    both = np.isfinite(com).all(-1) & np.isfinite(qmap_com).all(-1) & particle
    diff = np.abs(com - qmap_com)[both].max() if both.any() else np.nan
    print(f'numpy COM vs qmap COM: max |dq| = {diff:.3g} 1/A over the {both.sum()} particle positions')


if __name__ == '__main__':
    main()
