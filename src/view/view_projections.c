/* view_projections.c -- the q-space projections of `qmap view`: one map row of the
 * per-position cube read, positions summed into the three projections, and the projections
 * as JSON (normalised by the pixel hits per slab as the pipeline normalises them, the
 * pipeline's Gaussian fit redone on them, the file's fit drawn as a curve). Shared by a
 * position (view_region.c), a region job (view_region_job.c) and a position recomputed
 * from the raw frames (view_recompute.c); it calls none of them.
 */
#include "view_internal.h"
#include "view_json.h"
#include "qmap/error.h"
#include "qmap/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CURVE_POINTS 121

static const char *const axis_names[3] = {"qx", "qy", "qz"};

/* The Gaussian of fit.h, f(x) = A/(sqrt(2 pi) s) exp(-(x-c)^2/(2 s^2)), sampled over the
 * axis for drawing. */
static void gauss_curve(qmap_jbuf *b, const qmap_axis *ax, double area, double center, double sigma)
{
    double x[CURVE_POINTS], y[CURVE_POINTS];
    for (int i = 0; i < CURVE_POINTS; i++) {
        x[i] = ax->min + (ax->max - ax->min) * i / (CURVE_POINTS - 1);
        double z = (x[i] - center) / sigma;
        y[i] = area / (sqrt(2 * M_PI) * sigma) * exp(-0.5 * z * z);
    }
    jb_raw(b, "{\"q\":");
    jb_nums(b, x, CURVE_POINTS);
    jb_raw(b, ",\"y\":");
    jb_nums(b, y, CURVE_POINTS);
    jb_raw(b, "}");
}

/* Read positions (row, c0..c1) of the cube into buf (ncol x ncube floats). */
int qmap__view_read_cube_row(const qmap_view *v, int row, int c0, int c1, float *buf)
{
    return qmap_results_cube_read(v->rf, row, c0, c1, buf);
}

/* Add the projections of one position's cube (ncube floats) to proj[a] (nb[a] each). */
void qmap__view_add_projections(const qmap_view *v, const float *cube, double *proj[3])
{
    for (int i = 0; i < v->nb[0]; i++)
        for (int j = 0; j < v->nb[1]; j++) {
            const float *c = cube + ((size_t)i * v->nb[1] + j) * v->nb[2];
            for (int k = 0; k < v->nb[2]; k++) {
                double x = c[k];
                proj[0][i] += x;
                proj[1][j] += x;
                proj[2][k] += x;
            }
        }
}

/* "projections":[{axis, q, sum, y (hit-normalised, less the background the run subtracted),
 * background, com, refit{...}, curve}] */
void qmap__view_projections_json(qmap_jbuf *b, const qmap_view *v, double *proj[3], double *const hits[3],
                                 const double *fit_params)
{
    const qmap_results *r = v->r;
    /* what the run subtracted before its fits (--background faces), measured on these
     * projections' faces as the run measured it on the position's: on the faces it used
     * (/parameters background_faces; all six in files written before it) */
    const double *pc[3] = {proj[0], proj[1], proj[2]}, *hc[3] = {hits[0], hits[1], hits[2]};
    int nb[3] = {r->axes[0].n, r->axes[1].n, r->axes[2].n};
    double bg = v->background_faces ? qmap_face_background(pc, hc, nb, v->faces) : 0;
    if (!isfinite(bg))
        bg = 0;
    jb_raw(b, "[");
    for (int a = 0; a < 3; a++) {
        int n = r->axes[a].n;
        double *q = malloc(n * sizeof *q), *y = malloc(n * sizeof *y);
        if (!q || !y) {
            free(q);
            free(y);
            b->failed = 1;
            return;
        }
        double s0 = 0, s1 = 0;
        for (int k = 0; k < n; k++) {
            q[k] = qmap_axis_center(&r->axes[a], k);
            y[k] = hits[a][k] > 0 ? proj[a][k] / hits[a][k] - bg : 0;
            s0 += proj[a][k];
            s1 += proj[a][k] * q[k];
        }
        qmap_gauss_fit f = qmap_fit_gaussian(q, y, n);
        jb_printf(b, "%s{\"axis\":\"%s\",\"q\":", a ? "," : "", axis_names[a]);
        jb_nums(b, q, n);
        jb_raw(b, ",\"sum\":");
        jb_nums(b, proj[a], n);
        jb_raw(b, ",\"y\":");
        jb_nums(b, y, n);
        jb_key(b, "background", 0);   /* per hit, subtracted from y (0: none) */
        jb_num(b, bg);
        jb_key(b, "com_binned", 0);
        jb_num(b, s0 > 0 ? s1 / s0 : NAN);
        jb_printf(b, ",\"refit\":{\"status\":%d,\"center\":", f.status);
        jb_num(b, f.center);
        jb_raw(b, ",\"sigma\":");
        jb_num(b, f.sigma);
        jb_raw(b, ",\"area\":");
        jb_num(b, f.area);
        jb_raw(b, "},\"curve\":");
        /* the file's fit when given (a position), else the refit (a region) */
        double area = fit_params ? fit_params[3 * a + 0] : f.area;
        double center = fit_params ? fit_params[3 * a + 1] : f.center;
        double sigma = fit_params ? fit_params[3 * a + 2] : f.sigma;
        if (isfinite(area) && isfinite(center) && sigma > 0)
            gauss_curve(b, &r->axes[a], area, center, sigma);
        else
            jb_raw(b, "null");
        jb_raw(b, "}");
        free(q);
        free(y);
    }
    jb_raw(b, "]");
}
