/* colormap.c -- colour maps, colour scales and the small numeric helpers of plot.h.
 *
 * Colour maps are tables (colormap_data.c) interpolated linearly in sRGB; the cyclic map is
 * the hue wheel of the sxdm tilt colours (hue = t, full saturation: the tilt-direction map
 * has the colours of the tilt vector map at its largest tilt, and none of them is near the
 * NaN grey) and wraps, so angles of -180 and +180 degrees get the same colour. Colour limits use
 * percentiles so that a few outliers do not wash out a map.
 */
#include "plot_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const qmap_rgb qmap_nan_color = {178 / 255.0, 178 / 255.0, 178 / 255.0};

qmap_rgb qmap_colormap_eval(qmap_colormap cm, double t)
{
    if (cm < 0 || cm >= QMAP_N_COLORMAPS)
        cm = QMAP_CMAP_VIRIDIS;
    const qmap__colormap_table *tab = &qmap__colormap_tables[cm];
    if (!isfinite(t))
        return qmap_nan_color;
    if (cm == QMAP_CMAP_CYCLIC)   /* the sxdm hue wheel at full saturation: every colour */
        return qmap_hsv_to_rgb(t - floor(t), 1, 1);   /* is far from the NaN grey */
    else
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    double u = t * (tab->n - 1);
    int i = (int)floor(u);
    if (i >= tab->n - 1)
        i = tab->n - 2;
    double f = u - i;
    qmap_rgb c = {((1 - f) * tab->rgb[i][0] + f * tab->rgb[i + 1][0]) / 255.0,
                  ((1 - f) * tab->rgb[i][1] + f * tab->rgb[i + 1][1]) / 255.0,
                  ((1 - f) * tab->rgb[i][2] + f * tab->rgb[i + 1][2]) / 255.0};
    return c;
}

qmap_rgb qmap_hsv_to_rgb(double h, double s, double v)
{
    h -= floor(h);
    s = s < 0 ? 0 : s > 1 ? 1 : s;
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    double h6 = h * 6;
    int sector = (int)h6 % 6;
    double f = h6 - floor(h6);
    double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    switch (sector) {
    case 0: return (qmap_rgb){v, t, p};
    case 1: return (qmap_rgb){q, v, p};
    case 2: return (qmap_rgb){p, v, t};
    case 3: return (qmap_rgb){p, q, v};
    case 4: return (qmap_rgb){t, p, v};
    default: return (qmap_rgb){v, p, q};
    }
}

qmap_rgb qmap_colorscale_color(const qmap_colorscale *cs, double v)
{
    if (isnan(v))
        return qmap_nan_color;
    double t;
    if (cs->log) {
        double lo = log10(cs->lo), hi = log10(cs->hi);
        t = v > 0 ? (log10(v) - lo) / (hi - lo) : 0;
    } else {
        t = (v - cs->lo) / (cs->hi - cs->lo);
    }
    if (cs->cmap != QMAP_CMAP_CYCLIC)
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    else if (t == 1)
        t = 1 - 1e-12;   /* the top of a cyclic range keeps the last colour, not the first */
    return qmap_colormap_eval(cs->cmap, t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int qmap_auto_limits(const double *v, const uint8_t *keep, size_t n, double p, int log,
                     double *lo, double *hi)
{
    double *w = malloc((n ? n : 1) * sizeof *w);
    size_t m = 0;
    if (w)
        for (size_t i = 0; i < n; i++)
            if (isfinite(v[i]) && (!keep || keep[i]) && (!log || v[i] > 0))
                w[m++] = v[i];
    if (m == 0) {
        free(w);
        *lo = log ? 1 : 0;
        *hi = log ? 10 : 1;
        return -1;
    }
    qsort(w, m, sizeof *w, cmp_double);
    double q = p / 100.0 * (m - 1);
    size_t i0 = (size_t)floor(q), i1 = (size_t)floor((m - 1) - q);
    *lo = w[i0];
    *hi = w[i1];
    free(w);
    if (!(*hi > *lo)) {
        /* constant data: open a small range around the value */
        double c = *lo, d = fabs(c) > 0 ? fabs(c) * 1e-3 : 1;
        if (log) {
            *lo = c / 2;
            *hi = c * 2;
        } else {
            *lo = c - d;
            *hi = c + d;
        }
    }
    return 0;
}

size_t qmap_histogram(const double *v, const uint8_t *keep, size_t n, double lo, double hi,
                      int nbins, double *counts)
{
    for (int k = 0; k < nbins; k++)
        counts[k] = 0;
    size_t used = 0;
    if (!(hi > lo) || nbins < 1)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]) || (keep && !keep[i]) || v[i] < lo || v[i] > hi)
            continue;
        int k = (int)((v[i] - lo) / (hi - lo) * nbins);
        if (k >= nbins)
            k = nbins - 1;
        counts[k] += 1;
        used++;
    }
    return used;
}

double qmap_nice_length(double target)
{
    if (!(target > 0) || !isfinite(target))
        return 0;
    double e = pow(10, floor(log10(target)));
    double m = target / e;
    return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * e;
}

void qmap_markup_escape(const char *text, char *out, size_t size)
{
    size_t o = 0;
    if (size == 0)
        return;
    for (const char *s = text; *s; s++) {
        const char *rep = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : NULL;
        size_t len = rep ? strlen(rep) : 1;
        if (o + len >= size)
            break;
        if (rep)
            memcpy(out + o, rep, len);
        else
            out[o] = *s;
        o += len;
    }
    out[o] = '\0';
}
