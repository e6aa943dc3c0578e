/* hkl_angles.c -- where to put the ID01 diffractometer to see a reflection: the sample
 * frame from in-plane / out-of-plane directions, and the closed-form (eta, phi, nu = 0,
 * delta) that satisfies the Bragg condition (what sxdm's calc_refl_id01 gets from
 * xrayutilities' Q2AngFit by numerical minimisation).
 *
 * Derivation (geometry.h convention): with nu = 0 the outgoing wavevector is
 * k (cos delta, 0, sin delta), so Q_lab = k (cos delta - 1, 0, sin delta), of length
 * 2 k sin(delta/2): delta = 2 theta, and Q_lab points along (-sin theta, 0, cos theta).
 * Q_lab = R_y-(eta) R_z-(phi) Q_sample. R_y- keeps y, so R_z-(phi) must bring Q_sample
 * into the xz plane: phi = atan2(qy, qx) (x component +q_par) or phi + 180 (-q_par).
 * R_y-(eta) turns the (x, z) plane by +eta, so eta = (90 + theta) - atan2(qz, x).
 * A vector along z (q_par = 0) leaves phi free: phi = 0 is reported.
 */
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <math.h>

#define DEG (180.0 / M_PI)

static double dot3(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

int qmap_crystal_sample_q(const qmap_crystal *c, const double hkl[3], const double ip[3],
                          const double oop[3], double q_sample[3])
{
    double qi[3], qo[3], q[3], ex[3], ey[3], ez[3];
    qmap_crystal_q(c, ip, qi);
    qmap_crystal_q(c, oop, qo);
    qmap_crystal_q(c, hkl, q);
    double no = sqrt(dot3(qo, qo));
    if (!(no > 0))
        return qmap_error(QMAP_ERR_VALUE, "out-of-plane direction %g,%g,%g is zero", oop[0], oop[1], oop[2]);
    for (int i = 0; i < 3; i++)
        ez[i] = qo[i] / no;
    double along = dot3(qi, ez);
    for (int i = 0; i < 3; i++)
        ex[i] = qi[i] - along * ez[i];
    double nx = sqrt(dot3(ex, ex));
    if (!(nx > 1e-9 * (sqrt(dot3(qi, qi)) + 1e-300)))
        return qmap_error(QMAP_ERR_VALUE, "in-plane direction %g,%g,%g is parallel to the "
                          "out-of-plane direction %g,%g,%g", ip[0], ip[1], ip[2], oop[0], oop[1], oop[2]);
    for (int i = 0; i < 3; i++)
        ex[i] /= nx;
    ey[0] = ez[1] * ex[2] - ez[2] * ex[1];
    ey[1] = ez[2] * ex[0] - ez[0] * ex[2];
    ey[2] = ez[0] * ex[1] - ez[1] * ex[0];
    q_sample[0] = dot3(q, ex);
    q_sample[1] = dot3(q, ey);
    q_sample[2] = dot3(q, ez);
    return 0;
}

/* Wrap an angle in degrees to (-180, 180]. */
static double wrap180(double a)
{
    a = fmod(a, 360.0);
    if (a > 180.0)
        a -= 360.0;
    if (a <= -180.0)
        a += 360.0;
    return a;
}

int qmap_angles_for_q(const double q[3], double energy_ev, qmap_angles sol[4], int *n)
{
    *n = 0;
    double k = qmap_wavevector(energy_ev);
    double qn = sqrt(dot3(q, q));
    if (!(energy_ev > 0) || !isfinite(energy_ev))
        return qmap_error(QMAP_ERR_VALUE, "energy %g eV is not positive", energy_ev);
    if (!(qn > 0) || !isfinite(qn))
        return qmap_error(QMAP_ERR_VALUE, "|Q| = %g 1/A: no reflection", qn);
    double sin_theta = qn / (2.0 * k);
    if (sin_theta > 1.0)
        return qmap_error(QMAP_ERR_VALUE, "|Q| = %.6g 1/A needs lambda < 2d: beyond the Ewald "
                          "sphere at %g eV (max |Q| %.6g 1/A)", qn, energy_ev, 2 * k);
    double theta = asin(sin_theta) * DEG, delta = 2.0 * theta;
    if (delta > QMAP_DELTA_MAX)
        return qmap_error(QMAP_ERR_VALUE, "2theta = %.4f deg is beyond the delta limit (%g deg) "
                          "at %g eV", delta, QMAP_DELTA_MAX, energy_ev);
    double qpar = hypot(q[0], q[1]);
    double phis[2];
    int nphi;
    if (qpar <= 1e-12 * qn) {
        phis[0] = 0.0;
        nphi = 1;
    } else {
        phis[0] = atan2(q[1], q[0]) * DEG;
        phis[1] = wrap180(phis[0] + 180.0);
        nphi = 2;
    }
    int m = 0;
    for (int i = 0; i < nphi; i++) {
        double x = (i == 0 ? 1.0 : -1.0) * qpar;
        double eta = 90.0 + theta - atan2(q[2], x) * DEG;
        eta = wrap180(eta);
        if (eta < QMAP_ETA_MIN || eta > QMAP_ETA_MAX)
            continue;
        /* phi = +-180 are the same setting; both lie inside [-180, 180] */
        double cand[2] = {phis[i], phis[i]};
        int nc = 1;
        if (fabs(fabs(phis[i]) - 180.0) < 1e-12) {
            cand[0] = 180.0;
            cand[1] = -180.0;
            nc = 2;
        }
        for (int j = 0; j < nc && m < 4; j++) {
            sol[m].eta = eta;
            sol[m].phi = cand[j];
            sol[m].nu = 0.0;
            sol[m].delta = delta;
            m++;
        }
    }
    if (m == 0)
        return qmap_error(QMAP_ERR_VALUE, "Q = (%.5g, %.5g, %.5g) 1/A needs eta outside [%g, %g] "
                          "deg at %g eV (reflection below the sample surface?)", q[0], q[1], q[2],
                          QMAP_ETA_MIN, QMAP_ETA_MAX, energy_ev);
    /* order by |phi| (xrayutilities' fit starts from phi = 0) */
    for (int i = 1; i < m; i++)
        for (int j = i; j > 0 && fabs(sol[j].phi) < fabs(sol[j - 1].phi); j--) {
            qmap_angles t = sol[j];
            sol[j] = sol[j - 1];
            sol[j - 1] = t;
        }
    *n = m;
    return 0;
}
