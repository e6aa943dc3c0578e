/* report_misc.c -- reciprocal-space overview (SI Figure S5), drift (S4) and rocking curve.
 *
 * The reciprocal-space projections are hit-normalised (summed intensity / summed pixel
 * hits along the projected axis), so the detector's uneven sampling of q does not show as
 * structure; they are drawn on a log colour scale with the VOI box in red.
 */
#include "report_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Projection of the (nx, ny, nz) grid onto axes (u, v): sum/hits over the third axis;
 * out is nrows = n[v] by ncols = n[u]. */
static void project(const double *sum, const double *hits, const int n[3], int u, int v, double *out)
{
    int w = 3 - u - v;
    for (int iv = 0; iv < n[v]; iv++)
        for (int iu = 0; iu < n[u]; iu++) {
            double s = 0, h = 0;
            int idx[3];
            idx[u] = iu;
            idx[v] = iv;
            for (int iw = 0; iw < n[w]; iw++) {
                idx[w] = iw;
                size_t k = ((size_t)idx[0] * n[1] + idx[1]) * n[2] + idx[2];
                s += sum[k];
                h += hits[k];
            }
            out[(size_t)iv * n[u] + iu] = h > 0 ? s / h : NAN;
        }
}

qmap_figure *qmap__fig_qspace(const qmap_results *r)
{
    const qmap_axis *ax = r->overview_axes;
    const double *sum = r->overview_sum, *hits = r->overview_hits;
    const double *box = r->voi;
    int have = sum != NULL;
    if (!have && r->qspace_average) {   /* older files: the VOI grid itself */
        ax = r->axes;
        sum = r->qspace_average;
        hits = r->qspace_hits;
        have = 1;
    }
    static const int pairs[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    static const char *names[3] = {"q<sub>x</sub> (\u00c5<sup>\u22121</sup>)", "q<sub>y</sub> (\u00c5<sup>\u22121</sup>)",
                                   "q<sub>z</sub> (\u00c5<sup>\u22121</sup>)"};
    static const char *titles[3] = {"q<sub>x</sub>\u2013q<sub>y</sub> (summed over q<sub>z</sub>)",
                                    "q<sub>x</sub>\u2013q<sub>z</sub> (summed over q<sub>y</sub>)",
                                    "q<sub>y</sub>\u2013q<sub>z</sub> (summed over q<sub>x</sub>)"};
    double panel = 250, left = 70, gap = 80, top = 58;
    qmap_figure *f = qmap_figure_new(left + 3 * panel + 2 * gap + 110, top + panel + 60);
    if (!f)
        return NULL;
    qmap_figure_text(f, qmap_figure_width(f) / 2, 8, 0.5, 0, 12, 1,
                     "Map-averaged reciprocal space (hit-normalised, log scale), VOI in red");
    if (!have) {
        qmap_figure_text(f, qmap_figure_width(f) / 2, top + panel / 2, 0.5, 0.5, 11, 0,
                         "no /qspace_overview in this results file");
        return f;
    }
    int n[3] = {ax[0].n, ax[1].n, ax[2].n};
    size_t maxn = 0;
    for (int p = 0; p < 3; p++)
        maxn = fmax(maxn, (double)n[pairs[p][0]] * n[pairs[p][1]]);
    double *img = malloc(maxn * sizeof *img);
    if (!img) {
        qmap_figure_free(f);
        qmap_error(QMAP_ERR_NOMEM, "out of memory for the q-space projections");
        return NULL;
    }
    /* one colour scale for the three panels: the same peak seen along three axes */
    double hi = 0, lo = INFINITY;
    for (int p = 0; p < 3; p++) {
        project(sum, hits, n, pairs[p][0], pairs[p][1], img);
        for (size_t i = 0; i < (size_t)n[pairs[p][0]] * n[pairs[p][1]]; i++)
            if (img[i] > 0) {
                hi = fmax(hi, img[i]);
                lo = fmin(lo, img[i]);
            }
    }
    if (!(hi > 0)) {
        hi = 1;
        lo = 0.1;
    }
    if (!(lo > hi * 1e-5))
        lo = hi * 1e-5;
    if (!(lo < hi))
        lo = hi / 10;
    qmap_colorscale cs = {QMAP_CMAP_VIRIDIS, lo, hi, 1};
    for (int p = 0; p < 3; p++) {
        int u = pairs[p][0], v = pairs[p][1];
        project(sum, hits, n, u, v, img);
        double su = qmap_axis_step(&ax[u]), sv = qmap_axis_step(&ax[v]);
        double u0 = ax[u].min - su / 2, u1 = ax[u].max + su / 2, v0 = ax[v].min - sv / 2, v1 = ax[v].max + sv / 2;
        /* equal q scale on both axes unless one range is more than 3x the other */
        double ratio = (v1 - v0) / (u1 - u0), w = panel, h = panel;
        if (ratio >= 1.0 / 3 && ratio <= 3) {
            if (ratio > 1) w = panel / ratio;
            else h = panel * ratio;
        }
        double x = left + p * (panel + gap) + (panel - w) / 2, y = top + (panel - h) / 2;
        qmap_axes *a = qmap_axes_new(f, x, y, w, h);
        qmap_axes_set_xlim(a, u0, u1);
        qmap_axes_set_ylim(a, v0, v1);
        qmap_axes_set_xlabel(a, names[u]);
        qmap_axes_set_ylabel(a, names[v]);
        qmap_axes_set_title(a, titles[p]);
        qmap_plot_image(a, img, n[u], n[v], u0, u1, v0, v1, &cs);
        if (r->overview_sum && box[1] > box[0]) {
            qmap_style red = qmap_style_line(QMAP_RED, 1.5);
            qmap_plot_rect(a, box[2 * u], box[2 * u + 1], box[2 * v], box[2 * v + 1], &red);
        }
    }
    free(img);
    qmap_colorbar_new(f, left + 3 * panel + 2 * gap + 12, top, 14, panel, &cs, "intensity / hit (counts)");
    return f;
}

qmap_figure *qmap__fig_drift(const qmap_results *r)
{
    int n = r->n_scans;
    double *idx = malloc(n * sizeof *idx);
    if (!idx) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory for the drift plot");
        return NULL;
    }
    qmap_figure *f = qmap_figure_new(560, 400);
    if (!f) {
        free(idx);
        return NULL;
    }
    double lo = INFINITY, hi = -INFINITY;
    const double *all[4] = {r->shift_x, r->shift_y, r->measured_shift_x, r->measured_shift_y};
    for (int i = 0; i < n; i++) {
        idx[i] = i;
        for (int s = 0; s < 4; s++)
            if (isfinite(all[s][i])) {
                lo = fmin(lo, all[s][i]);
                hi = fmax(hi, all[s][i]);
            }
    }
    if (!(hi > lo)) {
        lo = isfinite(lo) ? lo - 0.1 : -0.1;
        hi = isfinite(hi) ? hi + 0.1 : 0.1;
    }
    double pad = (hi - lo) * 0.12;
    qmap_axes *a = qmap_axes_new(f, 72, 36, 450, 300);
    qmap_axes_set_xlim(a, -0.5, n - 0.5);
    qmap_axes_set_ylim(a, lo - pad, hi + pad * 2.5);
    qmap_axes_set_xlabel(a, "scan index");
    qmap_axes_set_ylabel(a, "shift (\u00b5m)");
    qmap_axes_set_title(a, "Drift between eta scans: measured and fitted line");
    qmap_axes_set_grid(a, 1);
    qmap_style fx = qmap_style_line(QMAP_BLUE, 1.6), fy = qmap_style_line(QMAP_ORANGE, 1.6);
    fx.label = "x fitted";
    fy.label = "y fitted";
    fy.dashed = 1;
    qmap_style mx = qmap_style_markers(QMAP_BLUE, QMAP_MARKER_CIRCLE, 7);
    qmap_style my = qmap_style_markers(QMAP_ORANGE, QMAP_MARKER_SQUARE, 6.5);
    mx.label = "x measured";
    my.label = "y measured";
    qmap_plot_xy(a, idx, r->shift_x, n, &fx);
    qmap_plot_xy(a, idx, r->shift_y, n, &fy);
    qmap_plot_xy(a, idx, r->measured_shift_x, n, &mx);
    qmap_plot_xy(a, idx, r->measured_shift_y, n, &my);
    qmap_axes_legend(a, 0, 1);
    free(idx);
    return f;
}

static int cmp_pair(const void *a, const void *b)
{
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return (x > y) - (x < y);
}

qmap_figure *qmap__fig_rocking(const qmap_results *r)
{
    int n = r->n_scans;
    double *p = malloc(2 * n * sizeof *p), *e = malloc(n * sizeof *e), *I = malloc(n * sizeof *I);
    qmap_figure *f = p && e && I ? qmap_figure_new(560, 400) : NULL;
    if (!f) {
        if (!p || !e || !I)
            qmap_error(QMAP_ERR_NOMEM, "out of memory for the rocking curve");
        free(p);
        free(e);
        free(I);
        return NULL;
    }
    double elo = INFINITY, ehi = -INFINITY, imax = 0;
    for (int i = 0; i < n; i++) {
        p[2 * i] = r->eta[i];
        p[2 * i + 1] = r->scan_intensity[i];
        if (isfinite(r->eta[i])) {
            elo = fmin(elo, r->eta[i]);
            ehi = fmax(ehi, r->eta[i]);
        }
        if (isfinite(r->scan_intensity[i]))
            imax = fmax(imax, r->scan_intensity[i]);
    }
    qsort(p, n, 2 * sizeof *p, cmp_pair);
    for (int i = 0; i < n; i++) {
        e[i] = p[2 * i];
        I[i] = p[2 * i + 1];
    }
    if (!(ehi > elo)) {
        elo = isfinite(elo) ? elo - 0.5 : -0.5;
        ehi = isfinite(ehi) ? ehi + 0.5 : 0.5;
    }
    double pad = (ehi - elo) * 0.05;
    qmap_axes *a = qmap_axes_new(f, 80, 36, 442, 300);
    qmap_axes_set_xlim(a, elo - pad, ehi + pad);
    qmap_axes_set_ylim(a, 0, imax > 0 ? imax * 1.1 : 1);
    qmap_axes_set_xlabel(a, "\u03b7 (\u00b0)");
    qmap_axes_set_ylabel(a, "VOI intensity summed over the map (counts)");
    qmap_axes_set_title(a, "Rocking curve");
    qmap_axes_set_grid(a, 1);
    qmap_style st = qmap_style_line(QMAP_BLUE, 1.6);
    st.marker = QMAP_MARKER_CIRCLE;
    st.marker_size = 6;
    qmap_plot_xy(a, e, I, n, &st);
    free(p);
    free(e);
    free(I);
    return f;
}
