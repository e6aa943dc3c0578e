/* view_region.c -- one position and one region of a results file for `qmap view`.
 *
 * A position answers with its value in every map and its /fit parameters (the numbers the
 * pipeline wrote), and, when the file holds the per-position q-space (/qspace/cube, from
 * `qmap process --save-qspace`), the three projections of its peak, normalised by the pixel
 * hits per slab exactly as the pipeline normalises them before fitting, with the pipeline's
 * Gaussian fit (qmap_fit_gaussian) redone on them as a check and the file's fit drawn as a
 * curve. Only that position's chunk of the cube is read. A region (rectangle or particle)
 * answers with its summed intensity and statistics (qmap_distribution_stats), a histogram
 * of d and, with the cube, the projections of its summed q-space, read one map row at a
 * time so memory stays at one row of the cube.
 */
#include "view_internal.h"
#include "view_json.h"
#include "qmap/error.h"
#include "qmap/fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HIST_BINS 30

static const char *const axis_names[3] = {"qx", "qy", "qz"};


static double *new_proj(const qmap_view *v, double *proj[3])
{
    proj[0] = calloc((size_t)v->nb[0] + v->nb[1] + v->nb[2], sizeof(double));
    if (proj[0]) {
        proj[1] = proj[0] + v->nb[0];
        proj[2] = proj[1] + v->nb[1];
    }
    return proj[0];
}

int qmap_view_position_json(qmap_view *v, int row, int col, qmap_view_text *out)
{
    const qmap_results *r = v->r;
    out->data = NULL;
    out->len = 0;
    if (row < 0 || row >= r->n_slow || col < 0 || col >= r->n_fast)
        return qmap_error(QMAP_ERR_VALUE, "position (row %d, col %d) is outside the %d x %d map", row, col,
                          r->n_slow, r->n_fast);
    size_t p = (size_t)row * r->n_fast + col;
    qmap_jbuf b = {0};
    jb_printf(&b, "{\"row\":%d,\"col\":%d,\"x\":", row, col);
    jb_num(&b, r->x[col]);
    jb_raw(&b, ",\"y\":");
    jb_num(&b, r->y[row]);
    jb_printf(&b, ",\"in_particle\":%d,\"label\":%d,\"values\":{", r->mask[p],
              v->parts ? v->parts->labels[p] : 0);
    int first = 1;
    for (int k = 0; k < QMAP_N_MAPS; k++)
        if (r->maps[k]) {
            jb_key(&b, qmap_map_name(k), first);
            jb_num(&b, r->maps[k][p]);
            first = 0;
        }
    jb_raw(&b, "},\"fit\":[");
    double fitp[9];
    int have_fit = 1;
    for (int a = 0; a < 3; a++) {
        const qmap_fit_maps *f = &r->fit[a];
        have_fit &= f->center && f->sigma && f->area && f->status;
        double c = f->center ? f->center[p] : NAN, s = f->sigma ? f->sigma[p] : NAN;
        double ar = f->area ? f->area[p] : NAN;
        fitp[3 * a] = ar, fitp[3 * a + 1] = c, fitp[3 * a + 2] = s;
        jb_printf(&b, "%s{\"axis\":\"%s\",\"status\":%d,\"center\":", a ? "," : "", axis_names[a],
                  f->status ? f->status[p] : 0);
        jb_num(&b, c);
        jb_raw(&b, ",\"sigma\":");
        jb_num(&b, s);
        jb_raw(&b, ",\"area\":");
        jb_num(&b, ar);
        jb_raw(&b, "}");
    }
    jb_raw(&b, "]");
    /* the rocking curve, and the q-space without the cube, recomputed from the raw frames */
    int rc = qmap__view_raw_position_json(v, row, col, &b, !v->has_cube);
    if (rc >= 0 && v->has_cube) {
        jb_raw(&b, ",\"qspace_source\":\"cube\",\"qspace\":");
        size_t ncube = (size_t)v->nb[0] * v->nb[1] * v->nb[2];
        float *cube = malloc(ncube * sizeof *cube);
        double *proj[3] = {0};
        if (!cube || !new_proj(v, proj))
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory for one position's q-space");
        if (rc >= 0) {
            rc = qmap__view_read_cube_row(v, row, col, col, cube);
        }
        if (rc >= 0) {
            double total = 0;
            for (size_t i = 0; i < ncube; i++)
                total += cube[i];
            qmap__view_add_projections(v, cube, proj);
            jb_raw(&b, "{\"total\":");
            jb_num(&b, total);
            jb_raw(&b, ",\"projections\":");
            qmap__view_projections_json(&b, v, proj, v->hits_proj, have_fit ? fitp : NULL);
            jb_raw(&b, "}");
        }
        free(cube);
        free(proj[0]);
    }
    jb_raw(&b, "}");
    if (rc < 0) {
        free(b.s);
        return rc;
    }
    return jb_finish(&b, out);
}

/* Statistics of one map over the region, as {"n","mean","std","min","max","fwhm"}. */
static void stats_json(qmap_jbuf *b, const double *m, const uint8_t *keep, size_t n)
{
    qmap_distribution d;
    if (qmap_distribution_stats(m, keep, n, HIST_BINS, &d) < 0 || d.n == 0) {
        jb_raw(b, "{\"n\":0}");
        return;
    }
    jb_printf(b, "{\"n\":%zu,\"mean\":", d.n);
    jb_num(b, d.mean);
    jb_raw(b, ",\"std\":");
    jb_num(b, d.std);
    jb_raw(b, ",\"min\":");
    jb_num(b, d.min);
    jb_raw(b, ",\"max\":");
    jb_num(b, d.max);
    jb_raw(b, ",\"fwhm\":");
    jb_num(b, d.fwhm);
    jb_raw(b, "}");
}

/* Even-odd test of point (x, y) against the polygon of n vertices poly[2k], poly[2k+1]. */
static int inside_polygon(const double *poly, int n, double x, double y)
{
    int in = 0;
    for (int i = 0, j = n - 1; i < n; j = i++) {
        double xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

int qmap_view_region_json(qmap_view *v, int r0, int r1, int c0, int c1, int label, const double *poly,
                          int n_poly, qmap_view_text *out)
{
    const qmap_results *r = v->r;
    out->data = NULL;
    out->len = 0;
    size_t n = (size_t)r->n_fast * r->n_slow;
    if (label > 0) {
        if (!v->parts)
            return qmap_error(QMAP_ERR_VALUE, "this results file has no /particles (run qmap particles)");
        if (label > v->parts->n_particles)
            return qmap_error(QMAP_ERR_VALUE, "no particle %d (the file has %d)", label, v->parts->n_particles);
        r0 = r->n_slow, r1 = -1, c0 = r->n_fast, c1 = -1;   /* bounding box of the particle */
        for (int i = 0; i < r->n_slow; i++)
            for (int j = 0; j < r->n_fast; j++)
                if (v->parts->labels[(size_t)i * r->n_fast + j] == label) {
                    if (i < r0) r0 = i;
                    if (i > r1) r1 = i;
                    if (j < c0) c0 = j;
                    if (j > c1) c1 = j;
                }
        if (r1 < 0)
            return qmap_error(QMAP_ERR_VALUE, "particle %d has no position in the label map", label);
    } else if (poly) {
        if (n_poly < 3 || n_poly > QMAP_VIEW_MAX_POLY)
            return qmap_error(QMAP_ERR_VALUE, "a lasso needs 3 to %d vertices (got %d)", QMAP_VIEW_MAX_POLY, n_poly);
        double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
        for (int k = 0; k < 2 * n_poly; k++) {
            if (!isfinite(poly[k]))
                return qmap_error(QMAP_ERR_VALUE, "a lasso vertex is not a finite number");
            lo[k % 2] = fmin(lo[k % 2], poly[k]);
            hi[k % 2] = fmax(hi[k % 2], poly[k]);
        }
        /* bounding box of the cells whose centre can be inside, clipped to the map */
        c0 = (int)fmax(0, floor(lo[0] - 0.5)), c1 = (int)fmin(r->n_fast - 1, ceil(hi[0] - 0.5));
        r0 = (int)fmax(0, floor(lo[1] - 0.5)), r1 = (int)fmin(r->n_slow - 1, ceil(hi[1] - 0.5));
        if (c0 > c1 || r0 > r1)
            return qmap_error(QMAP_ERR_VALUE, "the lasso lies outside the map");
    } else if (r0 < 0 || r1 >= r->n_slow || r0 > r1 || c0 < 0 || c1 >= r->n_fast || c0 > c1) {
        return qmap_error(QMAP_ERR_VALUE, "rectangle rows %d..%d, cols %d..%d is not inside the %d x %d map",
                          r0, r1, c0, c1, r->n_slow, r->n_fast);
    }
    uint8_t *keep = calloc(n ? n : 1, 1);
    if (!keep)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    size_t n_pos = 0, n_particle = 0, n_finite = 0;
    double sum = 0;
    const double *I = r->maps[QMAP_MAP_INTENSITY];
    for (int i = r0; i <= r1; i++)
        for (int j = c0; j <= c1; j++) {
            size_t p = (size_t)i * r->n_fast + j;
            if (label > 0 && v->parts->labels[p] != label)
                continue;
            if (label <= 0 && poly && !inside_polygon(poly, n_poly, j + 0.5, i + 0.5))
                continue;
            keep[p] = 1;
            n_pos++;
            n_particle += r->mask[p] != 0;
            if (isfinite(I[p])) {
                sum += I[p];
                n_finite++;
            }
        }
    qmap_jbuf b = {0};
    jb_printf(&b, "{\"r0\":%d,\"r1\":%d,\"c0\":%d,\"c1\":%d,\"label\":%d,\"lasso\":%s,\"n_positions\":%zu,"
                  "\"n_in_particle\":%zu,\"n_measured\":%zu,\"sum_intensity\":",
              r0, r1, c0, c1, label > 0 ? label : 0, label <= 0 && poly ? "true" : "false", n_pos, n_particle,
              n_finite);
    jb_num(&b, sum);
    jb_raw(&b, ",\"stats\":{");
    int first = 1;
    for (int k = 0; k < QMAP_N_MAPS; k++)
        if (r->maps[k]) {
            jb_key(&b, qmap_map_name(k), first);
            stats_json(&b, r->maps[k], keep, n);
            first = 0;
        }
    jb_raw(&b, "}");
    /* histogram of d over the region */
    qmap_distribution dd;
    const double *d = r->maps[QMAP_MAP_D];
    jb_raw(&b, ",\"histogram\":");
    if (qmap_distribution_stats(d, keep, n, HIST_BINS, &dd) >= 0 && dd.n > 0) {
        double lo = dd.min, hi = dd.max > dd.min ? dd.max : dd.min + 1e-9;
        double counts[HIST_BINS] = {0};
        qmap_histogram(d, keep, n, lo, hi, HIST_BINS, counts);
        jb_raw(&b, "{\"map\":\"d_spacing\",\"lo\":");
        jb_num(&b, lo);
        jb_raw(&b, ",\"hi\":");
        jb_num(&b, hi);
        jb_raw(&b, ",\"counts\":");
        jb_nums(&b, counts, HIST_BINS);
        jb_raw(&b, "}");
    } else {
        jb_raw(&b, "null");
    }
    jb_raw(&b, ",\"qspace\":");
    int rc = QMAP_OK;
    if (!v->has_cube) {
        jb_raw(&b, "null,\"qspace_message\":\"this results file has no per-position q-space "
                   "(/qspace/cube): run qmap process with --save-qspace\"");
    } else {
        /* the summed q-space: at once up to the bound, else a job the page advances in steps */
        rc = qmap__view_region_job_start(v, r0, r1, c0, c1, keep, n_pos);
        if (rc >= 0 && n_pos <= (size_t)v->region_direct_max) {
            rc = qmap__view_region_job_run(v, -1);
            if (rc >= 0)
                qmap__view_region_job_qspace(v, &b);
            qmap_view_region_cancel(v);
        } else if (rc >= 0) {
            jb_printf(&b, "null,\"qspace_job\":true,\"qspace_message\":\"summing the q-space of %zu positions "
                          "(one compressed chunk of the cube each) in steps\"", n_pos);
        }
    }
    jb_raw(&b, "}");
    free(keep);
    if (rc < 0) {
        free(b.s);
        return rc;
    }
    return jb_finish(&b, out);
}
