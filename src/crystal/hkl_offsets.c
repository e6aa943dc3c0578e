/* hkl_offsets.c -- how far a measured Bragg peak sits from the CIF reflection, expressed as
 * diffractometer angle offsets (sxdm's "offsets": measured minus theoretical angles, which
 * qmap process subtracts through --offset).
 *
 * Both the theoretical sample-frame Q and the measured mean Q are turned into (eta, phi,
 * nu = 0, delta) by the same closed form (hkl_angles.c); of the measured solutions the
 * one on the theory's branch (smallest angular distance) is kept.
 */
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <math.h>

static double angle_distance(const qmap_angles *a, const qmap_angles *b)
{
    double dphi = fmod(fabs(a->phi - b->phi), 360.0);
    if (dphi > 180.0)
        dphi = 360.0 - dphi;
    return fabs(a->eta - b->eta) + dphi + fabs(a->delta - b->delta);
}

int qmap_reflection_offsets_compute(const qmap_crystal *c, const double hkl[3], const double ip[3],
                                    const double oop[3], double energy_ev,
                                    const double measured_q[3], qmap_reflection_offsets *out)
{
    int rc = qmap_crystal_sample_q(c, hkl, ip, oop, out->q_theory);
    if (rc < 0)
        return rc;
    qmap_angles st[4], sm[4];
    int nt = 0, nm = 0;
    if ((rc = qmap_angles_for_q(out->q_theory, energy_ev, st, &nt)) < 0)
        return qmap_error_prefix(rc, "reflection %g,%g,%g from the CIF", hkl[0], hkl[1], hkl[2]);
    if ((rc = qmap_angles_for_q(measured_q, energy_ev, sm, &nm)) < 0)
        return qmap_error_prefix(rc, "measured mean Q");
    out->theory = st[0];
    int best = 0;
    for (int i = 1; i < nm; i++)
        if (angle_distance(&sm[i], &st[0]) < angle_distance(&sm[best], &st[0]))
            best = i;
    out->measured = sm[best];
    out->offset.eta = sm[best].eta - st[0].eta;
    out->offset.phi = remainder(sm[best].phi - st[0].phi, 360.0);
    out->offset.nu = 0.0;
    out->offset.delta = sm[best].delta - st[0].delta;
    const double *qt = out->q_theory, *qm = measured_q;
    double nt_ = sqrt(qt[0] * qt[0] + qt[1] * qt[1] + qt[2] * qt[2]);
    double nm_ = sqrt(qm[0] * qm[0] + qm[1] * qm[1] + qm[2] * qm[2]);
    double cosang = (qt[0] * qm[0] + qt[1] * qm[1] + qt[2] * qm[2]) / (nt_ * nm_);
    out->angle_deg = acos(fmin(1.0, fmax(-1.0, cosang))) * 180.0 / M_PI;
    out->d_theory = 2 * M_PI / nt_;
    out->d_measured = 2 * M_PI / nm_;
    out->phi_free = hypot(qt[0], qt[1]) <= 1e-12 * nt_;
    return 0;
}
