/* test_peak_maps.c -- the per-position maps derived from the accumulators (core/peak_maps.c)
 * against closed forms: COM = qc + S1/S0, width = sqrt(S2/S0 - (S1/S0)^2), |Q|, d = 2 pi/|Q|,
 * strain = (d - d_ref)/d_ref with d_ref the mean d over the particle mask, tilt = angle
 * between Q and the mask-mean Q; a position not measured in every scan stays NaN; the
 * Gaussian fit of a sampled Gaussian projection recovers its centre and sigma.
 */
#include "check.h"
#include "pipeline.h"
#include "qmap/error.h"
#include "qmap/results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPOS 3
#define NB 21

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (fabs(b) > 1 ? fabs(b) : 1);
}

int main(void)
{
    qmap_process_options o;
    qmap_process_defaults(&o);
    o.mask_threshold = 0.5;
    qmap_results *r = qmap_results_new(NPOS, 1, 2, 0);
    CHECK(r != NULL, "qmap_results_new");
    if (!r)
        return 1;
    for (int a = 0; a < 3; a++) {
        r->axes[a].min = -0.1;
        r->axes[a].max = 0.1;
        r->axes[a].n = NB;
    }

    /* two pixels per position: intensity w1 at qc + u, w2 at qc + v (two scans each) */
    double qc[3] = {0.1, -0.2, 3.0};
    double w1[NPOS] = {2, 1, 5}, w2[NPOS] = {1, 3, 5};
    double u[NPOS][3] = {{0.01, 0, -0.02}, {0.02, 0.01, 0.0}, {0, 0, 0}};
    double v[NPOS][3] = {{-0.02, 0.03, 0.01}, {0.0, -0.01, 0.02}, {0, 0, 0}};
    int contrib[NPOS] = {2, 2, 1};   /* position 2 was measured in one of the two scans */
    double s0[NPOS], s1[3 * NPOS], s2[3 * NPOS];
    double sigma_true = 0.02, centre_true[3] = {0.01, -0.015, 0.0};
    double *proj[3], hits[3][NB];
    for (int p = 0; p < NPOS; p++) {
        s0[p] = w1[p] + w2[p];
        for (int a = 0; a < 3; a++) {
            s1[3 * p + a] = w1[p] * u[p][a] + w2[p] * v[p][a];
            s2[3 * p + a] = w1[p] * u[p][a] * u[p][a] + w2[p] * v[p][a] * v[p][a];
        }
    }
    for (int a = 0; a < 3; a++) {
        proj[a] = malloc(NPOS * NB * sizeof(double));
        for (int k = 0; k < NB; k++) {
            double x = qmap_axis_center(&r->axes[a], k);
            hits[a][k] = 2;
            for (int p = 0; p < NPOS; p++)   /* hit-normalised profile: 10 exp(-(x-c)^2 / 2 s^2) */
                proj[a][p * NB + k] =
                    2 * 10 * exp(-0.5 * pow((x - centre_true[a]) / sigma_true, 2));
        }
    }
    qmap_accumulators acc = {.n_pos = NPOS, .n_bins = {NB, NB, NB}, .qc = {qc[0], qc[1], qc[2]},
                             .s0 = s0, .s1 = s1, .s2 = s2, .proj = {proj[0], proj[1], proj[2]},
                             .hits_proj = {hits[0], hits[1], hits[2]}, .contrib = contrib, .n_scans = 2,
                             .background = NAN};
    int rc = qmap_derive_maps(&o, &acc, r);
    CHECK(rc == QMAP_OK, "qmap_derive_maps: %s", qmap_error_message());

    const int com[3] = {QMAP_MAP_QX, QMAP_MAP_QY, QMAP_MAP_QZ};
    const int sd[3] = {QMAP_MAP_STD_QX, QMAP_MAP_STD_QY, QMAP_MAP_STD_QZ};
    double q[2][3], d[2];
    for (int p = 0; p < 2; p++) {
        CHECK(near(r->maps[QMAP_MAP_INTENSITY][p], s0[p], 1e-15), "intensity %d", p);
        for (int a = 0; a < 3; a++) {
            double m = (w1[p] * u[p][a] + w2[p] * v[p][a]) / s0[p];
            double var = (w1[p] * pow(u[p][a] - m, 2) + w2[p] * pow(v[p][a] - m, 2)) / s0[p];
            q[p][a] = qc[a] + m;
            CHECK(near(r->maps[com[a]][p], q[p][a], 1e-13), "COM %d axis %d: %.15g, want %.15g", p, a,
                  r->maps[com[a]][p], q[p][a]);
            CHECK(near(r->maps[sd[a]][p], sqrt(var), 1e-9), "width %d axis %d: %.15g, want %.15g", p, a,
                  r->maps[sd[a]][p], sqrt(var));
            CHECK(r->fit[a].status[p] && near(r->fit[a].center[p], centre_true[a], 1e-6) &&
                      near(r->fit[a].sigma[p], sigma_true, 1e-6),
                  "Gaussian fit %d axis %d: status %d centre %g sigma %g", p, a, r->fit[a].status[p],
                  r->fit[a].center[p], r->fit[a].sigma[p]);
        }
        double Q = sqrt(q[p][0] * q[p][0] + q[p][1] * q[p][1] + q[p][2] * q[p][2]);
        d[p] = 2 * M_PI / Q;
        CHECK(near(r->maps[QMAP_MAP_Q][p], Q, 1e-14), "|Q| %d", p);
        CHECK(near(r->maps[QMAP_MAP_D][p], d[p], 1e-14), "d %d", p);
        CHECK(r->mask[p] == 1, "position %d not in the particle mask", p);
    }
    /* position 2: measured in one scan of two -> not a map value */
    CHECK(isnan(r->maps[QMAP_MAP_QX][2]) && isnan(r->maps[QMAP_MAP_STRAIN][2]) && r->mask[2] == 0,
          "position measured in 1 of 2 scans must stay NaN and outside the mask");

    double dref = 0.5 * (d[0] + d[1]), mq[3];
    CHECK(near(r->d_ref, dref, 1e-14), "d_ref %.15g, want %.15g", r->d_ref, dref);
    for (int a = 0; a < 3; a++)
        mq[a] = 0.5 * (q[0][a] + q[1][a]);
    for (int p = 0; p < 2; p++) {
        CHECK(near(r->maps[QMAP_MAP_STRAIN][p], (d[p] - dref) / dref, 1e-12), "strain %d", p);
        double dot = q[p][0] * mq[0] + q[p][1] * mq[1] + q[p][2] * mq[2];
        double nq = sqrt(q[p][0] * q[p][0] + q[p][1] * q[p][1] + q[p][2] * q[p][2]);
        double nm = sqrt(mq[0] * mq[0] + mq[1] * mq[1] + mq[2] * mq[2]);
        double tilt = acos(fmin(1, dot / (nq * nm))) * 180 / M_PI;
        CHECK(near(r->maps[QMAP_MAP_TILT_MAGNITUDE][p], tilt, 1e-6), "tilt %d: %.12g, want %.12g", p,
              r->maps[QMAP_MAP_TILT_MAGNITUDE][p], tilt);
        double dir = atan2(q[p][0] - mq[0], q[p][1] - mq[1]) * 180 / M_PI;
        CHECK(near(r->maps[QMAP_MAP_TILT_DIRECTION][p], dir, 1e-12), "tilt direction %d", p);
    }
    /* the two positions' strains are opposite (d_ref is their mean) */
    CHECK(near(r->maps[QMAP_MAP_STRAIN][0] + r->maps[QMAP_MAP_STRAIN][1], 0, 1e-15), "strains not opposite");

    /* a threshold above every intensity empties the mask: refused */
    o.mask_threshold = 100;
    CHECK(qmap_derive_maps(&o, &acc, r) == QMAP_ERR_VALUE, "empty particle mask not refused");

    for (int a = 0; a < 3; a++)
        free(proj[a]);
    qmap_results_free(r);
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("peak maps: all checks passed\n");
    return failures ? 1 : 0;
}
