/* geometry.c -- pixel -> Q for the ID01 diffractometer (see include/qmap/geometry.h).
 *
 * r(i,j) = D x + (i - c_row) p_row (-z) + (j - c_col) p_col (+y)
 * kf     = M_det r/|r|, M_det = R_z-(nu) R_y-(delta)
 * Q      = k M_sample^T (kf - x), M_sample = R_y-(eta) R_z-(phi)
 */
#include "qmap/geometry.h"
#include "qmap/error.h"

#include <math.h>
#include <string.h>

/* -std=c11 with only _POSIX_C_SOURCE does not expose M_PI from <math.h>. */
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define DEG (M_PI / 180.0)

/* R_y-(a) = [[c,0,-s],[0,1,0],[s,0,c]], R_z-(a) = [[c,s,0],[-s,c,0],[0,0,1]] */
static void rot_y_minus(double a, double m[3][3])
{
    double c = cos(a), s = sin(a);
    double r[3][3] = {{c, 0, -s}, {0, 1, 0}, {s, 0, c}};
    memcpy(m, r, sizeof r);
}

static void rot_z_minus(double a, double m[3][3])
{
    double c = cos(a), s = sin(a);
    double r[3][3] = {{c, s, 0}, {-s, c, 0}, {0, 0, 1}};
    memcpy(m, r, sizeof r);
}

static void matmul(const double a[3][3], const double b[3][3], double out[3][3])
{
    double r[3][3];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
    memcpy(out, r, sizeof r);
}

double qmap_wavevector(double energy_ev)
{
    return 2.0 * M_PI * energy_ev / QMAP_HC_EV_ANGSTROM;
}

int qmap_geometry_validate(const qmap_detector_geometry *g)
{
    struct { const char *name; double v; int positive; } f[] = {
        {"energy (eV)", g->energy_ev, 1},
        {"distance (m)", g->distance_m, 1},
        {"row pixel size (m)", g->pixel_row_m, 1},
        {"column pixel size (m)", g->pixel_col_m, 1},
        {"centre row (px)", g->center_row, 0},
        {"centre column (px)", g->center_col, 0},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (!isfinite(f[i].v))
            return qmap_error(QMAP_ERR_VALUE, "calibration %s is not finite (%g)", f[i].name, f[i].v);
        if (f[i].positive && f[i].v <= 0)
            return qmap_error(QMAP_ERR_VALUE, "calibration %s must be positive, got %g", f[i].name, f[i].v);
    }
    if (g->energy_ev < 100 || g->energy_ev > 1e6)
        return qmap_error(QMAP_ERR_VALUE, "energy %g eV is outside 100 eV .. 1 MeV", g->energy_ev);
    if (g->distance_m > 100)
        return qmap_error(QMAP_ERR_VALUE, "detector distance %g m is absurd (> 100 m)", g->distance_m);
    if (g->pixel_row_m > 0.01 || g->pixel_col_m > 0.01)
        return qmap_error(QMAP_ERR_VALUE, "pixel size %g x %g m is absurd (> 1 cm)",
                          g->pixel_row_m, g->pixel_col_m);
    if (g->n_rows <= 0 || g->n_cols <= 0)
        return qmap_error(QMAP_ERR_VALUE, "detector shape %d x %d is empty", g->n_rows, g->n_cols);
    return QMAP_OK;
}

void qmap_q_transform_init(qmap_q_transform *t, const qmap_detector_geometry *g,
                           const qmap_angles *a)
{
    double rz[3][3], ry[3][3], ms[3][3];
    t->g = *g;
    t->k = qmap_wavevector(g->energy_ev);
    rot_z_minus(a->nu * DEG, rz);
    rot_y_minus(a->delta * DEG, ry);
    matmul(rz, ry, t->m_det);
    rot_y_minus(a->eta * DEG, ry);
    rot_z_minus(a->phi * DEG, rz);
    matmul(ry, rz, ms);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            t->m_sample_t[i][j] = ms[j][i];
    const double vr[3] = {0, 0, -g->pixel_row_m}, vc[3] = {0, g->pixel_col_m, 0};
    memcpy(t->v_row, vr, sizeof vr);
    memcpy(t->v_col, vc, sizeof vc);
}

void qmap_pixel_q(const qmap_q_transform *t, double row, double col, double q[3])
{
    const qmap_detector_geometry *g = &t->g;
    double dr = row - g->center_row, dc = col - g->center_col, r[3];
    for (int i = 0; i < 3; i++)
        r[i] = (i == 0 ? g->distance_m : 0.0) + dr * t->v_row[i] + dc * t->v_col[i];
    double n = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    double kf[3], d[3];
    for (int i = 0; i < 3; i++)
        kf[i] = (t->m_det[i][0] * r[0] + t->m_det[i][1] * r[1] + t->m_det[i][2] * r[2]) / n;
    d[0] = kf[0] - 1.0;
    d[1] = kf[1];
    d[2] = kf[2];
    for (int i = 0; i < 3; i++)
        q[i] = t->k * (t->m_sample_t[i][0] * d[0] + t->m_sample_t[i][1] * d[1] +
                       t->m_sample_t[i][2] * d[2]);
}

void qmap_frame_q(const qmap_q_transform *t, int row0, int row1,
                  double *qx, double *qy, double *qz)
{
    int nc = t->g.n_cols;
#pragma omp parallel for schedule(static)
    for (int i = row0; i < row1; i++) {
        for (int j = 0; j < nc; j++) {
            double q[3];
            size_t k = (size_t)(i - row0) * nc + j;
            qmap_pixel_q(t, i, j, q);
            qx[k] = q[0];
            qy[k] = q[1];
            qz[k] = q[2];
        }
    }
}
