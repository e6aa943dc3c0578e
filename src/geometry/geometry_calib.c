/* geometry_calib.c -- mu and the detector calibration angles detrot, tilt, tiltazimuth on
 * top of the ID01 pixel -> Q transform (definitions in include/qmap/geometry_calib.h).
 * Why: real ID01 setups have a detector slightly rotated about the beam and tilted; ignoring
 * a detrot of 1.5 deg mixes tilt into strain and rotates the tilt directions.
 */
#include "qmap/geometry_calib.h"
#include "qmap/error.h"

#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

static void matmul(const double a[3][3], const double b[3][3], double out[3][3])
{
    double r[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
    memcpy(out, r, sizeof r);
}

static void matvec(const double m[3][3], const double v[3], double out[3])
{
    double r[3];
    for (int i = 0; i < 3; i++)
        r[i] = m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2];
    memcpy(out, r, sizeof r);
}

/* Right-handed rotation by a (radians) about the unit axis e (Rodrigues). */
static void rotation_axis(double a, const double e[3], double m[3][3])
{
    double c = cos(a), s = sin(a), t = 1 - c;
    double r[3][3] = {
        {c + t * e[0] * e[0], t * e[0] * e[1] - s * e[2], t * e[0] * e[2] + s * e[1]},
        {t * e[1] * e[0] + s * e[2], c + t * e[1] * e[1], t * e[1] * e[2] - s * e[0]},
        {t * e[2] * e[0] - s * e[1], t * e[2] * e[1] + s * e[0], c + t * e[2] * e[2]},
    };
    memcpy(m, r, sizeof r);
}

int qmap_detector_calib_validate(const qmap_detector_calib *c)
{
    struct { const char *name; double v; } f[] = {
        {"mu", c->mu}, {"--detrot", c->detrot}, {"--tilt", c->tilt},
        {"--tiltazimuth", c->tiltazimuth},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!isfinite(f[i].v))
            return qmap_error(QMAP_ERR_VALUE, "%s must be a finite angle in degrees, got %g",
                              f[i].name, f[i].v);
    if (!(fabs(c->tilt) < 90))
        return qmap_error(QMAP_ERR_VALUE, "--tilt %g deg: the detector plane would contain the "
                          "beam (|tilt| must be < 90)", c->tilt);
    return QMAP_OK;
}

void qmap_q_transform_init_calib(qmap_q_transform *t, const qmap_detector_geometry *g,
                                 const qmap_angles *a, const qmap_detector_calib *c)
{
    qmap_q_transform_init(t, g, a);
    if (!c)
        return;
    if (c->mu != 0) {   /* sample: R_z-(mu) outermost; m_sample_t = M^T = M_old^T R_z-(mu)^T */
        double m = c->mu * DEG, cm = cos(m), sm = sin(m);
        double rzt[3][3] = {{cm, -sm, 0}, {sm, cm, 0}, {0, 0, 1}};   /* R_z-(mu)^T */
        matmul(t->m_sample_t, rzt, t->m_sample_t);
    }
    if (c->detrot != 0) {   /* detector: R_x+(detrot) innermost */
        double d = c->detrot * DEG, cd = cos(d), sd = sin(d);
        double rx[3][3] = {{1, 0, 0}, {0, cd, -sd}, {0, sd, cd}};
        matmul(t->m_det, rx, t->m_det);
    }
    if (c->tilt != 0) {
        double az = c->tiltazimuth * DEG + M_PI / 2;
        const double u_row[3] = {0, 0, -1}, u_col[3] = {0, 1, 0};
        double e[3], r[3][3];
        for (int i = 0; i < 3; i++)
            e[i] = cos(az) * u_row[i] + sin(az) * u_col[i];
        /* xrayutilities' rotation_arb(a, e) turns by -a about e (its cross-product matrix is
         * the transpose of the usual one); checked numerically in test_geometry_calib */
        rotation_axis(-c->tilt * DEG, e, r);
        matvec(r, t->v_row, t->v_row);
        matvec(r, t->v_col, t->v_col);
    }
}
