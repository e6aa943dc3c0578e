/* select_voi.c -- stage 4 of qmap_process: the VOI, from the user or found on the coarse
 * reciprocal space of the quick-look pass, clipped and reported; after pass 2, checked on
 * the exact map-averaged intensity (does the VOI hold the whole peak?).
 */
#include "select_voi.h"
#include "quicklook.h"
#include "log.h"
#include "qmap/error.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COARSE_MAX_BINS 128

int qmap_choose_voi(pipeline *P, const double lo[3], const double hi[3], const double step[3],
                      double voi[6], qmap_coarse_space *cs, double **scan_maps)
{
    const qmap_process_options *o = P->o;
    static const char *ax = "xyz";
    for (int a = 0; a < 3; a++) {
        double n = step[a] > 0 ? (hi[a] - lo[a]) / step[a] + 1 : 2;
        cs->axes[a].min = lo[a];
        cs->axes[a].max = hi[a];
        cs->axes[a].n = n > COARSE_MAX_BINS ? COARSE_MAX_BINS : n < 2 ? 2 : (int)n;
    }
    int rc = qmap_quick_look(P, scan_maps, cs);
    if (rc < 0)
        return rc;
    if (o->voi_set) {
        memcpy(voi, o->voi, 6 * sizeof *voi);
        for (int a = 0; a < 3; a++)
            if (voi[2 * a + 1] < lo[a] || voi[2 * a] > hi[a])
                return qmap_error(QMAP_ERR_VALUE, "--voi: q%c range %g:%g is outside the data (%g:%g 1/A)",
                                  ax[a], voi[2 * a], voi[2 * a + 1], lo[a], hi[a]);
    } else if ((rc = qmap_auto_voi(cs, voi)) < 0) {
        return rc;
    } else if (P->quicklook_stride > 1 && getenv("QMAP_TEST_SAMPLED_VOI_QY")) {
        /* test hook (tests/test_voi_check.sh): the automatic VOI of a sampled quick look
         * narrowed to the middle fraction F of its qy range, as a sample that missed most of
         * the particle would place it; the check after pass 2 must redo the quick look */
        double f = atof(getenv("QMAP_TEST_SAMPLED_VOI_QY")), c = 0.5 * (voi[2] + voi[3]);
        double h = 0.5 * (f > 0 && f < 1 ? f : 1) * (voi[3] - voi[2]);
        voi[2] = c - h;
        voi[3] = c + h;
    }
    return QMAP_OK;
}

void qmap_clip_and_report_voi(pipeline *P, const qmap_scan_plan *plans, double voi[6],
                                const double lo[3], const double hi[3])
{
    const qmap_process_options *o = P->o;
    if (!o->voi_set) {
        double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (int s = 0; s < P->n_scans; s++)
            for (int i = 0; i < plans[s].n_pix; i++)
                for (int a = 0; a < 3; a++) {
                    mn[a] = fmin(mn[a], plans[s].q[3 * i + a]);
                    mx[a] = fmax(mx[a], plans[s].q[3 * i + a]);
                }
        for (int a = 0; a < 3; a++)
            if (mn[a] < mx[a]) {
                voi[2 * a] = fmax(voi[2 * a], mn[a]);
                voi[2 * a + 1] = fmin(voi[2 * a + 1], mx[a]);
            }
    }
    qmap_log(o, "VOI (%s): --voi %.5f:%.5f,%.5f:%.5f,%.5f:%.5f  (data range qx %.4f:%.4f, qy %.4f:%.4f, qz %.4f:%.4f)",
             o->voi_set ? "user" : "auto", voi[0], voi[1], voi[2], voi[3], voi[4], voi[5],
             lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
    qmap_results_param(P->r, "voi", "%.8f:%.8f,%.8f:%.8f,%.8f:%.8f", voi[0], voi[1], voi[2], voi[3], voi[4], voi[5]);
}

/* Issue 18: the VOI comes from a coarse look at the data (a sample of the frames by
 * default); a VOI that cuts the peak would silently bias every centre, width and strain.
 * Along each axis, the map-averaged intensity per hit in the VOI's two end slabs is compared
 * with its maximum, both above the background (background_per_hit): an automatic VOI ends
 * where the peak has fallen to ~1 % of its height (then 30 % wider), so ends above
 * QMAP_VOI_EDGE_WARN of the maximum mean the peak goes on outside. Logged and kept as
 * /parameters voi_check either way. */
#define QMAP_VOI_EDGE_WARN 0.05
/* ... and a maximum below this many times the background is no peak (a Bragg peak of the
 * simulated particles, even one of 10 positions in 3600, stands 9 to 20 times above it) */
#define QMAP_VOI_PEAK_MIN 1.5

/* 1 when coarse bin k of axis a lies wholly outside [lo, hi]. */
static int bin_outside(const qmap_axis *a, int k, double lo, double hi)
{
    double c = qmap_axis_center(a, k), h = 0.5 * qmap_axis_step(a);
    return c + h < lo || c - h > hi;
}

/* Sixth round of issue 18: the flat background per hit, the median per-hit intensity of the
 * quick look's overview bins that lie wholly outside the VOI (0 without an overview or such
 * bins). The check measures the peak above it: on a small particle in a large map the
 * map-averaged peak is weak and the background alone held 6-7 % of its maximum at the ends
 * of a VOI that held the whole peak (a false "peak cut"). */
static double background_per_hit(const qmap_results *r, const double voi[6])
{
    const qmap_axis *ax = r->overview_axes;
    if (!r->overview_sum || !r->overview_hits || ax[0].n < 2 || ax[1].n < 2 || ax[2].n < 2)
        return 0;
    size_t n = (size_t)ax[0].n * ax[1].n * ax[2].n, m = 0;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return 0;
    for (int i = 0; i < ax[0].n; i++) {
        int out_i = bin_outside(&ax[0], i, voi[0], voi[1]);
        for (int j = 0; j < ax[1].n; j++) {
            int out_ij = out_i || bin_outside(&ax[1], j, voi[2], voi[3]);
            for (int k = 0; k < ax[2].n; k++) {
                size_t b = ((size_t)i * ax[1].n + j) * ax[2].n + k;
                double h = r->overview_hits[b], x = r->overview_sum[b];
                if (h > 0 && isfinite(x) && (out_ij || bin_outside(&ax[2], k, voi[4], voi[5])))
                    v[m++] = x / h;
            }
        }
    }
    double bg = m > 0 ? gsl_stats_median(v, 1, m) : 0;   /* reorders v */
    free(v);
    return isfinite(bg) && bg > 0 ? bg : 0;
}

int qmap_check_voi(pipeline *P, const double voi[6], const double lo[3], const double hi[3])
{
    const qmap_results *r = P->r;
    static const char *ax = "xyz";
    /* the VOI's cube (pass 2's map-averaged intensity and hits), seen as a binned space */
    qmap_coarse_space cube = {{r->axes[0], r->axes[1], r->axes[2]}, r->qspace_average, r->qspace_hits};
    int n_max = r->axes[0].n > r->axes[1].n ? r->axes[0].n : r->axes[1].n;
    n_max = r->axes[2].n > n_max ? r->axes[2].n : n_max;
    double *proj = cube.sum && cube.hits ? malloc(2 * (size_t)n_max * sizeof *proj) : NULL;
    if (!proj) {
        qmap_log(P->o, "VOI check: not done (out of memory)");
        qmap_results_param(P->r, "voi_check", "not done (out of memory)");
        return 0;
    }
    double edge[3], bg = background_per_hit(r, voi), peak_top = 0;
    P->voi_background = bg;   /* the maps' background check (peak_maps.c) */
    int cut[3], at_data[3], any = 0;
    for (int a = 0; a < 3; a++) {
        int n = r->axes[a].n;
        double top = 0, e = 0;
        qmap_space_projection(&cube, a, proj, proj + n_max);
        int end_of_data = 0;
        for (int i = 0; i < n; i++) {
            double v = proj[i];
            if (isfinite(v) && v > top)
                top = v;
        }
        for (int side = 0; side < 2; side++) {
            double v = proj[side ? n - 1 : 0];
            double lim = side ? hi[a] : lo[a], end = voi[2 * a + side];
            if (isfinite(v) && v > e) {
                e = v;
                /* the VOI ends where the data end (within one bin): nothing more to take */
                end_of_data = fabs(end - lim) <= qmap_axis_step(&r->axes[a]);
            }
        }
        edge[a] = top > bg && e > bg ? (e - bg) / (top - bg) : 0;   /* above the background */
        peak_top = top > peak_top ? top : peak_top;
        cut[a] = edge[a] > QMAP_VOI_EDGE_WARN;
        at_data[a] = cut[a] && end_of_data;
        any |= cut[a];
    }
    free(proj);
    /* sixth round: a VOI whose maximum does not stand above the background holds no Bragg peak
     * (a sample that missed the particle, a --voi beside the peak): the maps would measure the
     * background, silently (found placing a --voi on the background: d_ref 5.12 A for 4.73) */
    int no_peak = bg > 0 && !(peak_top > QMAP_VOI_PEAK_MIN * bg);
    char what[320];
    snprintf(what, sizeof what, "the peak falls to %.1f %%, %.1f %%, %.1f %% of its maximum at the VOI's ends "
             "(qx, qy, qz; map-averaged intensity per hit, above a background of %.3g per hit; maximum %.3g)",
             100 * edge[0], 100 * edge[1], 100 * edge[2], bg, peak_top);
    qmap_results_param(P->r, "voi_check", "%s: %s%s", no_peak ? "no peak" : any ? "peak cut" : "ok", what,
                       P->quicklook_redone ? " (after the quick look was redone on every frame)" : "");
    if (no_peak && !P->o->voi_set && P->quicklook_stride > 1 && !P->quicklook_redone) {
        qmap_log(P->o, "VOI check: the VOI placed on a sample of the frames (1 in %d) holds no peak above the "
                       "background (maximum %.3g per hit, background %.3g): the quick look and pass 2 are done "
                       "again on every frame", P->quicklook_stride, peak_top, bg);
        return 1;
    }
    if (no_peak) {
        qmap_log(P->o, "WARNING: the VOI holds no peak above the background (its maximum, %.3g per hit, is not %.1f "
                       "times the background of %.3g per hit outside it): every map measures the background, not a "
                       "Bragg peak; %s", peak_top, QMAP_VOI_PEAK_MIN, bg,
                 P->o->voi_set ? "check --voi against the q-space overview figure of qmap report"
                               : "the data show no clear Bragg peak");
        return 0;
    }
    if (!any) {
        qmap_log(P->o, "VOI check: %s", what);
        return 0;
    }
    /* the automatic VOI came from a sample of the frames and a wider one could hold the
     * peak: the caller redoes the quick look on every frame, then pass 2 (once) */
    int redo = 0;
    for (int a = 0; a < 3; a++)
        redo |= cut[a] && !at_data[a];
    if (redo && !P->o->voi_set && P->quicklook_stride > 1 && !P->quicklook_redone) {
        for (int a = 0; a < 3; a++)
            if (cut[a] && !at_data[a])
                qmap_log(P->o, "VOI check: the VOI placed on a sample of the frames (1 in %d) cuts the peak along "
                               "q%c (its end slab holds %.1f %% of the maximum): the quick look and pass 2 are "
                               "done again on every frame", P->quicklook_stride, ax[a], 100 * edge[a]);
        return 1;
    }
    for (int a = 0; a < 3; a++) {
        if (!cut[a])
            continue;
        const char *why = at_data[a] ? "the data end there: the rocking curve or the detector does not "
                                       "cover the whole peak, its centre and width along this axis are biased"
                          : P->o->voi_set ? "widen --voi"
                          : "give a wider --voi";
        qmap_log(P->o, "WARNING: the VOI cuts the peak along q%c: its end slab holds %.1f %% of the peak's "
                       "maximum (more than %.0f %%); %s", ax[a], 100 * edge[a], 100 * QMAP_VOI_EDGE_WARN, why);
    }
    return 0;
}
