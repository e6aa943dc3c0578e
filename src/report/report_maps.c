/* report_maps.c -- the map figures of the report: single maps with colour bar and scale
 * bar, the 2x2 width panels and the distribution (histogram beside its map).
 *
 * Layout is computed once per figure from the map aspect (equal micrometre scale on
 * both axes, as silx/matplotlib imshow with extent), so maps are never stretched.
 */
#include "report_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_MAX 380.0
#define LEFT 66.0
#define TOP 34.0
#define CBAR_GAP 10.0
#define CBAR_W 14.0
#define RIGHT 112.0
#define BOTTOM 50.0

static void axis_edges(const double *c, int n, double *lo, double *hi)
{
    if (n >= 2 && isfinite(c[0]) && isfinite(c[n - 1]) && c[n - 1] != c[0]) {
        double step = (c[n - 1] - c[0]) / (n - 1);
        *lo = c[0] - step / 2;
        *hi = c[n - 1] + step / 2;
    } else if (n >= 1 && isfinite(c[0])) {
        *lo = c[0] - 0.5;
        *hi = c[0] + 0.5;
    } else {
        *lo = -0.5;
        *hi = n - 0.5;
    }
}

void qmap__map_extent(const qmap_results *r, double ext[4])
{
    axis_edges(r->x, r->n_fast, &ext[0], &ext[1]);
    axis_edges(r->y, r->n_slow, &ext[2], &ext[3]);
}

void qmap__map_frame_size(const qmap_results *r, double maxw, double maxh, double *w, double *h)
{
    double e[4];
    qmap__map_extent(r, e);
    double aspect = fabs(e[3] - e[2]) / fabs(e[1] - e[0]);
    if (!(aspect > 0) || !isfinite(aspect))
        aspect = 1;
    if (aspect * maxw <= maxh) {
        *w = maxw;
        *h = aspect * maxw;
    } else {
        *h = maxh;
        *w = maxh / aspect;
    }
    if (*h < 40) *h = 40;
    if (*w < 40) *w = 40;
}

const uint8_t *qmap__particle(const qmap_results *r)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    for (size_t i = 0; i < n; i++)
        if (r->mask[i])
            return r->mask;
    return NULL;
}

double *qmap__masked_copy(const qmap_results *r, const double *v)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    const uint8_t *m = qmap__particle(r);
    double *c = malloc((n ? n : 1) * sizeof *c);
    if (!c) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory for a map copy");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        c[i] = !m || m[i] ? v[i] : NAN;
    return c;
}

qmap_colorscale qmap__scale(const qmap_results *r, const double *v, qmap_colormap cm, int over_particle)
{
    qmap_colorscale cs = {cm, 0, 1, 0};
    size_t n = (size_t)r->n_fast * r->n_slow;
    qmap_auto_limits(v, over_particle ? qmap__particle(r) : NULL, n, 1.0, 0, &cs.lo, &cs.hi);
    return cs;
}

qmap_axes *qmap__map_panel(qmap_figure *f, const qmap_results *r, const double *v,
                           const qmap_colorscale *cs, double x, double y, double w, double h,
                           const char *title, const char *cbar_label)
{
    double e[4];
    qmap__map_extent(r, e);
    qmap_axes *a = qmap_axes_new(f, x, y, w, h);
    if (!a)
        return NULL;
    qmap_axes_set_xlim(a, fmin(e[0], e[1]), fmax(e[0], e[1]));
    qmap_axes_set_ylim(a, fmin(e[2], e[3]), fmax(e[2], e[3]));
    qmap_axes_set_xlabel(a, "x (\u00b5m)");
    qmap_axes_set_ylabel(a, "y (\u00b5m)");
    if (title)
        qmap_axes_set_title(a, title);
    qmap_plot_image(a, v, r->n_fast, r->n_slow, e[0], e[1], e[2], e[3], cs);
    double len = qmap_nice_length(fabs(e[1] - e[0]) / 5);
    char lab[64];
    snprintf(lab, sizeof lab, "%g \u00b5m", len);
    qmap_axes_scalebar(a, len, lab);
    qmap_colorbar_new(f, x + w + CBAR_GAP, y, CBAR_W, h, cs, cbar_label);
    return a;
}

qmap_figure *qmap__map_figure(const qmap_results *r, const double *v, const qmap_colorscale *cs,
                              const char *title, const char *cbar_label, qmap_axes **map)
{
    double w, h;
    qmap__map_frame_size(r, MAP_MAX, MAP_MAX, &w, &h);
    qmap_figure *f = qmap_figure_new(LEFT + w + RIGHT, TOP + h + BOTTOM);
    if (!f)
        return NULL;
    qmap_axes *a = qmap__map_panel(f, r, v, cs, LEFT, TOP, w, h, title, cbar_label);
    if (map)
        *map = a;
    return f;
}

typedef struct {
    const char *title, *label;
} map_text;

static const map_text map_texts[QMAP_N_MAPS] = {
    [QMAP_MAP_INTENSITY] = {"Integrated intensity (VOI)", "intensity (counts)"},
    [QMAP_MAP_Q] = {"|Q| of the peak centre of mass", "|Q| (\u00c5<sup>\u22121</sup>)"},
    [QMAP_MAP_D] = {"d-spacing", "d (\u00c5)"},
    [QMAP_MAP_STRAIN] = {"Lattice strain (d \u2212 d<sub>ref</sub>)/d<sub>ref</sub>", "strain"},
    [QMAP_MAP_C] = {"Lattice parameter c", "c (\u00c5)"},
};

qmap_figure *qmap__fig_map(const qmap_results *r, int k, const qmap_report_options *o)
{
    if (!r->maps[k])
        return NULL;
    double *v = k == QMAP_MAP_INTENSITY ? NULL : qmap__masked_copy(r, r->maps[k]);
    const double *show = v ? v : r->maps[k];
    if (k != QMAP_MAP_INTENSITY && !v)
        return NULL;
    size_t n = (size_t)r->n_fast * r->n_slow;
    qmap_colorscale cs = {QMAP_CMAP_VIRIDIS, 0, 1, 0};
    if (k == QMAP_MAP_INTENSITY) {
        int lg = o && o->log_intensity;
        qmap_auto_limits(show, NULL, n, lg ? 0.0 : 0.5, lg, &cs.lo, &cs.hi);
        if (lg) {
            cs.log = 1;
            if (cs.lo < cs.hi * 1e-4)
                cs.lo = cs.hi * 1e-4;
        } else if (cs.lo > 0) {
            cs.lo = 0;
        }
    } else if (k == QMAP_MAP_STRAIN) {
        double lo, hi;
        qmap_auto_limits(show, NULL, n, 1.0, 0, &lo, &hi);
        double m = fmax(fabs(lo), fabs(hi));
        cs = (qmap_colorscale){QMAP_CMAP_DIVERGING, -m, m, 0};
    } else {
        cs = qmap__scale(r, show, QMAP_CMAP_VIRIDIS, 0);
    }
    /* user limits and colour map (qmap report --vmin --vmax --cmap) */
    if (o && isfinite(o->vmin))
        cs.lo = o->vmin;
    if (o && isfinite(o->vmax))
        cs.hi = o->vmax;
    if (o && o->cmap >= 0 && o->cmap < QMAP_N_COLORMAPS)
        cs.cmap = o->cmap;
    if (!(cs.hi > cs.lo) || (cs.log && !(cs.lo > 0))) {
        free(v);
        qmap_error(QMAP_ERR_VALUE, "colour limits %g..%g of map %s: need min < max (and min > 0 on a log scale)",
                   cs.lo, cs.hi, qmap_map_name(k));
        return NULL;
    }
    /* --background faces: the intensity map is net of each position's background */
    const char *bg = qmap_results_param_get(r, "background_check");
    int net = k == QMAP_MAP_INTENSITY && bg && strncmp(bg, "subtracted", 10) == 0;
    char title[160];
    snprintf(title, sizeof title, "%s%s%s", map_texts[k].title, net ? ", background subtracted" : "",
             k == QMAP_MAP_INTENSITY && cs.log ? " (log scale)" : "");
    qmap_figure *f = qmap__map_figure(r, show, &cs, title, map_texts[k].label, NULL);
    free(v);
    return f;
}

/* The background per hit on the VOI's faces (/maps/background), every measured position:
 * where it is high off the particle (air, a neighbour's fluorescence) or follows the particle
 * (its own fluorescence) shows why the background check spoke. */
int qmap__has_background(const qmap_results *r)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    for (size_t i = 0; r->background && i < n; i++)
        if (isfinite(r->background[i]))
            return 1;
    return 0;
}

qmap_figure *qmap__fig_background(const qmap_results *r)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    qmap_colorscale cs = {QMAP_CMAP_VIRIDIS, 0, 1, 0};
    qmap_auto_limits(r->background, NULL, n, 0.5, 0, &cs.lo, &cs.hi);
    if (cs.lo > 0)
        cs.lo = 0;
    const char *bg = qmap_results_param_get(r, "background_check");
    int subtracted = bg && strncmp(bg, "subtracted", 10) == 0;
    return qmap__map_figure(r, r->background, &cs,
                            subtracted ? "Background on the VOI's faces (subtracted)" : "Background on the VOI's faces",
                            "background (counts/hit)", NULL);
}

/* 2x2 panel of the widths along qx, qy, qz and their mean (fit sigma) or the second-moment
 * std maps with the mean of the three computed here. */
qmap_figure *qmap__fig_widths(const qmap_results *r, int use_std)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    const double *maps[4];
    double *mean = NULL;
    if (use_std) {
        mean = malloc((n ? n : 1) * sizeof *mean);
        if (!mean) {
            qmap_error(QMAP_ERR_NOMEM, "out of memory for the width panel");
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            mean[i] = (r->maps[QMAP_MAP_STD_QX][i] + r->maps[QMAP_MAP_STD_QY][i] + r->maps[QMAP_MAP_STD_QZ][i]) / 3;
        maps[0] = r->maps[QMAP_MAP_STD_QX];
        maps[1] = r->maps[QMAP_MAP_STD_QY];
        maps[2] = r->maps[QMAP_MAP_STD_QZ];
        maps[3] = mean;
    } else {
        maps[0] = r->maps[QMAP_MAP_SIGMA_QX];
        maps[1] = r->maps[QMAP_MAP_SIGMA_QY];
        maps[2] = r->maps[QMAP_MAP_SIGMA_QZ];
        maps[3] = r->maps[QMAP_MAP_SIGMA_MEAN];
    }
    static const char *fit_titles[4] = {"\u03c3<sub>qx</sub> (Gaussian fit)", "\u03c3<sub>qy</sub> (Gaussian fit)",
                                        "\u03c3<sub>qz</sub> (Gaussian fit)", "mean \u03c3 = (\u03c3<sub>qx</sub> + \u03c3<sub>qy</sub> + \u03c3<sub>qz</sub>)/3"};
    static const char *std_titles[4] = {"std<sub>qx</sub> (second moment)", "std<sub>qy</sub> (second moment)",
                                        "std<sub>qz</sub> (second moment)", "mean std (qx, qy, qz)"};
    double w, h;
    qmap__map_frame_size(r, 300, 300, &w, &h);
    double cell_w = LEFT + w + RIGHT, cell_h = TOP + h + BOTTOM + 6;
    /* the four panels show one quantity: one colour scale (robust limits over all four),
     * so that a panel's noise is not stretched into apparent structure */
    double *all = malloc((n > 0 ? 4 * n : 1) * sizeof *all);
    if (!all) {
        free(mean);
        qmap_error(QMAP_ERR_NOMEM, "out of memory for the width panel");
        return NULL;
    }
    const uint8_t *m = qmap__particle(r);
    for (int p = 0; p < 4; p++)
        for (size_t i = 0; i < n; i++)
            all[p * n + i] = !m || m[i] ? maps[p][i] : NAN;
    qmap_colorscale cs = {QMAP_CMAP_VIRIDIS, 0, 1, 0};
    qmap_auto_limits(all, NULL, 4 * n, 1.0, 0, &cs.lo, &cs.hi);
    qmap_figure *f = qmap_figure_new(2 * cell_w, 2 * cell_h + 28);
    for (int p = 0; f && p < 4; p++)
        qmap__map_panel(f, r, all + p * n, &cs, (p % 2) * cell_w + LEFT, 28 + (p / 2) * cell_h + TOP, w, h,
                        (use_std ? std_titles : fit_titles)[p], "\u00c5<sup>\u22121</sup>");
    free(all);
    if (f)
        qmap_figure_text(f, qmap_figure_width(f) / 2, 8, 0.5, 0, 12, 1,
                         use_std ? "Peak widths: second-moment standard deviation over detector pixels"
                                 : "Peak widths: Gaussian-fit \u03c3 of the hit-normalised projections");
    free(mean);
    return f;
}

int qmap_distribution_stats(const double *v, const uint8_t *keep, size_t n, int nbins,
                            qmap_distribution *out)
{
    memset(out, 0, sizeof *out);
    double s = 0, s2 = 0, lo = INFINITY, hi = -INFINITY;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && (!keep || keep[i])) {
            s += v[i];
            m++;
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    if (m == 0)
        return qmap_error(QMAP_ERR_VALUE, "no finite value to make a distribution of");
    double mean = s / m;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && (!keep || keep[i]))
            s2 += (v[i] - mean) * (v[i] - mean);
    out->n = m;
    out->mean = mean;
    out->std = m > 1 ? sqrt(s2 / (m - 1)) : 0;
    out->min = lo;
    out->max = hi;
    if (!(hi > lo) || nbins < 3)
        return QMAP_OK;
    double *c = calloc(nbins, sizeof *c);
    if (!c)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for a histogram");
    qmap_histogram(v, keep, n, lo, hi, nbins, c);
    int kmax = 0;
    for (int k = 1; k < nbins; k++)
        if (c[k] > c[kmax])
            kmax = k;
    double half = c[kmax] / 2, bw = (hi - lo) / nbins;
    /* walk out from the peak to the first bins below half, interpolate between centres */
    int k = kmax;
    while (k > 0 && c[k - 1] >= half) k--;
    double left = k > 0 ? (k - 1) + (half - c[k - 1]) / (c[k] - c[k - 1]) : -0.5;
    k = kmax;
    while (k < nbins - 1 && c[k + 1] >= half) k++;
    double right = k < nbins - 1 ? k + (c[k] - half) / (c[k] - c[k + 1]) : nbins - 0.5;
    out->fwhm = (right - left) * bw;
    free(c);
    return QMAP_OK;
}

/* Value with the decimals a precision prec needs. */
static void fmt_value(double v, double prec, const char *unit, char *out, size_t size)
{
    int dec = prec > 0 ? (int)ceil(-log10(prec)) + 1 : 4;
    if (dec < 0) dec = 0;
    if (dec > 8) dec = 8;
    snprintf(out, size, "%.*f %s", dec, v, unit);
}

qmap_figure *qmap__fig_distribution(const qmap_results *r)
{
    int k = r->maps[QMAP_MAP_C] ? QMAP_MAP_C : QMAP_MAP_D;
    const double *v = r->maps[k];
    size_t n = (size_t)r->n_fast * r->n_slow;
    const uint8_t *keep = qmap__particle(r);
    qmap_distribution st;
    size_t n_used = 0;
    for (size_t i = 0; i < n; i++)
        n_used += isfinite(v[i]) && (!keep || keep[i]);
    /* the FWHM is read off the same bins as drawn */
    int nb = (int)sqrt((double)n_used);
    nb = nb < 10 ? 10 : nb > 60 ? 60 : nb;
    int have = qmap_distribution_stats(v, keep, n, nb, &st) == QMAP_OK;
    double *mv = qmap__masked_copy(r, v);
    if (!mv)
        return NULL;
    double w, h;
    qmap__map_frame_size(r, 320, 320, &w, &h);
    double hist_w = 360, hist_h = h < 260 ? 260 : h;
    qmap_figure *f = qmap_figure_new(LEFT + hist_w + 40 + LEFT + w + RIGHT, TOP + hist_h + BOTTOM + 24);
    if (!f) {
        free(mv);
        return NULL;
    }
    const char *sym = k == QMAP_MAP_C ? "c" : "d";
    char lab[256], buf[4][64];
    qmap_axes *a = qmap_axes_new(f, LEFT, TOP + 24, hist_w, hist_h);
    snprintf(lab, sizeof lab, "%s (\u00c5)", sym);
    qmap_axes_set_xlabel(a, lab);
    qmap_axes_set_ylabel(a, "positions");
    snprintf(lab, sizeof lab, "Distribution of %s over the particle", k == QMAP_MAP_C ? "c" : "d-spacing");
    qmap_axes_set_title(a, lab);
    if (have) {
        double lo = st.min, hi = st.max > st.min ? st.max : st.min + 1e-6 * fmax(1, fabs(st.min));
        double pad = (hi - lo) * 0.12;
        double counts[60], cmax = 0;
        qmap_histogram(v, keep, n, lo, hi, nb, counts);
        for (int b = 0; b < nb; b++)
            cmax = fmax(cmax, counts[b]);
        qmap_axes_set_xlim(a, lo - pad, hi + pad);
        qmap_axes_set_ylim(a, 0, cmax * 1.6 + 1);   /* headroom: the statistics box and legend sit above the bars */
        qmap_style edge = qmap_style_line((qmap_rgb){0.1, 0.25, 0.45}, 0.6);
        qmap_plot_bars(a, counts, nb, lo, hi, (qmap_rgb){0.45, 0.62, 0.82}, &edge);
        qmap_style ms = qmap_style_line(QMAP_RED, 1.4);
        ms.dashed = 1;
        ms.label = "mean";
        qmap_plot_vline(a, st.mean, &ms);
        double prec = st.std > 0 ? st.std / 10 : fabs(st.mean) * 1e-5;
        fmt_value(st.mean, prec, "\u00c5", buf[0], 64);
        fmt_value(st.std, prec, "\u00c5", buf[1], 64);
        fmt_value(st.fwhm, prec, "\u00c5", buf[2], 64);
        snprintf(lab, sizeof lab, "mean %s\nstd %s\nFWHM %s\nN = %zu positions", buf[0], buf[1], buf[2], st.n);
        qmap_axes_annotate(a, 0, 1, 9, lab);
        qmap_axes_legend(a, 1, 1);
    }
    qmap_colorscale cs = qmap__scale(r, mv, QMAP_CMAP_VIRIDIS, 0);
    snprintf(lab, sizeof lab, "%s (\u00c5)", sym);
    qmap__map_panel(f, r, mv, &cs, LEFT + hist_w + 40 + LEFT, TOP + 24, w, h,
                    k == QMAP_MAP_C ? "Lattice parameter c" : "d-spacing", lab);
    free(mv);
    return f;
}
