/* anomalous.h -- anomalous (resonant) X-ray scattering factors f'(E) and f''(E) of the
 * elements, so that the atomic scattering factor is f = f0(s) + f'(E) + i f''(E).
 *
 * Data: L. Kissel's RTAB tables (relativistic S-matrix, neutral free atoms; Radiat. Phys.
 * Chem. 59 (2000) 185-200), from the ESRF DABAX file f1f2_asf_Kissel.dat that Debian's
 * python3-xrayutilities ships and uses by default; Z = 1 (H) .. 99 (Es), 1 keV to 1 MeV.
 * Interpolation between table energies: f' linear in ln E, f'' linear in ln f'' versus ln E
 * (log-log) where both neighbours are positive. An energy exactly on an absorption edge takes
 * the value above it. Free-atom values: within about 1 % of an edge the real f', f'' of a
 * compound depend on its chemistry (and the tabulated edge is off by up to ~30 eV), so
 * qmap_anomalous_near_edge tells callers to warn.
 */
#ifndef QMAP_ANOMALOUS_H
#define QMAP_ANOMALOUS_H

#ifdef __cplusplus
extern "C" {
#endif

#define QMAP_ANOMALOUS_E_MIN 1000.0      /* eV */
#define QMAP_ANOMALOUS_E_MAX 1.0e6       /* eV */

/* f' and f'' (electrons) of element z at energy_ev. 0, or QMAP_ERR_VALUE naming the
 * element and energy when z is not tabulated or the energy is outside 1 keV .. 1 MeV. */
int qmap_anomalous_factors(int z, double energy_ev, double *f1, double *f2);

/* The absorption edge of element z (eV) closest to energy_ev when it lies within
 * rel_window * energy_ev of it, else 0. */
double qmap_anomalous_near_edge(int z, double energy_ev, double rel_window);

/* 1 when energy_ev is inside the tables, else 0 with qmap_error set (QMAP_ERR_VALUE). */
int qmap_anomalous_energy_ok(double energy_ev);

#ifdef __cplusplus
}
#endif
#endif
