/* simulate_truth.c -- the ground-truth maps of the synthetic dataset: at every map position
 * the intensity, Q, d, strain, widths and tilt of the crystal under the beam, as the model
 * (simulate_model.c) draws them, for `qmap simulate` to write and tests to compare with.
 * Split from simulate_model.c (issue 18).
 */
#include "simulate_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (QMAP_SIM_PI / 180.0)

/* ---------------------------------------------------------------- ground truth */

static double *alloc_map(size_t n, int *fail)
{
    double *a = malloc(sizeof(double) * n);
    if (!a)
        *fail = 1;
    return a;
}

static void truth_point(const qmap_sim_model *m, qmap_sim_truth *t, size_t i, double sx,
                        double sy)
{
    qmap_sim_point pt;
    int in = qmap_sim_point_at(m, sx, sy, &pt);
    t->mask[i] = (uint8_t)in;
    t->background[i] = m->p.background;   /* as qmap_sim_frame draws it (simulate_model.c) */
    if (m->p.fluo_frame_counts > 0)
        t->background[i] += m->p.fluo_frame_counts * qmap_sim_thickness(m, sx, sy) /
                            ((double)QMAP_SIM_ROWS * QMAP_SIM_COLS);
    t->intensity[i] = 0.0;
    if (!in) {
        t->qx[i] = t->qy[i] = t->qz[i] = t->q[i] = t->d[i] = NAN;
        t->sigma_qx[i] = t->sigma_qy[i] = t->sigma_qz[i] = NAN;
        return;
    }
    for (int k = 0; k < m->p.n_eta; k++)
        t->intensity[i] += qmap_sim_peak_sum(m, k, &pt);
    t->qx[i] = pt.q0[0];
    t->qy[i] = pt.q0[1];
    t->qz[i] = pt.q0[2];
    t->q[i] = sqrt(pt.q0[0] * pt.q0[0] + pt.q0[1] * pt.q0[1] + pt.q0[2] * pt.q0[2]);
    t->d[i] = pt.d;
    t->sigma_qx[i] = pt.sigma[0];
    t->sigma_qy[i] = pt.sigma[1];
    t->sigma_qz[i] = pt.sigma[2];
}

/* Strain against the mean d, tilt against the mean Q0, both over the particle mask. */
static void truth_derived(qmap_sim_truth *t, size_t n)
{
    double dm = 0, mq[3] = {0, 0, 0};
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        if (t->mask[i]) {
            dm += t->d[i];
            mq[0] += t->qx[i];
            mq[1] += t->qy[i];
            mq[2] += t->qz[i];
            cnt++;
        }
    if (cnt) {
        dm /= cnt;
        for (int d = 0; d < 3; d++)
            mq[d] /= cnt;
    }
    double mn = sqrt(mq[0] * mq[0] + mq[1] * mq[1] + mq[2] * mq[2]);
    for (size_t i = 0; i < n; i++) {
        if (!t->mask[i]) {
            t->strain[i] = t->tilt_magnitude[i] = t->tilt_direction[i] = NAN;
            continue;
        }
        t->strain[i] = (t->d[i] - dm) / dm;
        double c = (t->qx[i] * mq[0] + t->qy[i] * mq[1] + t->qz[i] * mq[2]) / (t->q[i] * mn);
        t->tilt_magnitude[i] = acos(fmax(-1.0, fmin(1.0, c))) / DEG;
        t->tilt_direction[i] = atan2(t->qx[i] - mq[0], t->qy[i] - mq[1]) / DEG;
    }
}

int qmap_sim_truth_compute(const qmap_sim_model *m, qmap_sim_truth *t)
{
    size_t n = (size_t)m->npts;
    int fail = 0;
    memset(t, 0, sizeof *t);
    double **maps[] = {&t->intensity, &t->qx, &t->qy, &t->qz, &t->q, &t->d, &t->strain,
                       &t->sigma_qx, &t->sigma_qy, &t->sigma_qz, &t->tilt_magnitude,
                       &t->tilt_direction, &t->background};
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++)
        *maps[k] = alloc_map(n, &fail);
    t->mask = malloc(n);
    if (fail || !t->mask) {
        qmap_sim_truth_free(t);
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for the ground truth");
    }
    long nn = (long)n;
    int nf = m->p.n_fast;
#pragma omp parallel for schedule(dynamic, 8)
    for (long i = 0; i < nn; i++)
        truth_point(m, t, (size_t)i, m->x0 + (i % nf) * m->p.step_um,
                    m->y0 + (i / nf) * m->p.step_um);
    truth_derived(t, n);
    return QMAP_OK;
}

void qmap_sim_truth_free(qmap_sim_truth *t)
{
    double *maps[] = {t->intensity, t->qx, t->qy, t->qz, t->q, t->d, t->strain, t->sigma_qx,
                      t->sigma_qy, t->sigma_qz, t->tilt_magnitude, t->tilt_direction, t->background};
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++)
        free(maps[k]);
    free(t->mask);
    memset(t, 0, sizeof *t);
}
