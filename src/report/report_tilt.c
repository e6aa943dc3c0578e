/* report_tilt.c -- lattice-tilt figures (SI Figure S8): magnitude map, direction map
 * (cyclic colours), HSV tilt-vector map with its colour-wheel key, and the polar plot.
 *
 * Colours follow sxdm (sxdm-reference.md section 10): hue = ((180 + direction) mod 360)/360,
 * saturation = magnitude / max magnitude over the particle, value = 1. The wheel key and the
 * polar plot share one geometry, the qx-qy plane drawn as the maps are: +qx to the right,
 * +qy up, radius = tilt magnitude. A direction d = atan2(dqx, dqy) (0 = +qy, 90 = +qx)
 * therefore sits at the polar angle 90 - d, and the spokes are labelled with d (90 at the
 * right, 0 at the top, increasing clockwise). Every point of the polar plot has the colour of
 * the wheel underneath it.
 */
#include "report_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

qmap_rgb qmap__tilt_color(double magnitude, double direction_deg, double max_magnitude)
{
    if (!isfinite(magnitude) || !isfinite(direction_deg))
        return (qmap_rgb){NAN, NAN, NAN};
    double h = fmod(180 + direction_deg, 360) / 360;
    double s = max_magnitude > 0 ? fabs(magnitude) / max_magnitude : 0;
    return qmap_hsv_to_rgb(h, s, 1);
}

/* Largest tilt magnitude over the particle (0 when none). */
static double max_tilt(const qmap_results *r)
{
    const uint8_t *m = qmap__particle(r);
    const double *t = r->maps[QMAP_MAP_TILT_MAGNITUDE], *d = r->maps[QMAP_MAP_TILT_DIRECTION];
    size_t n = (size_t)r->n_fast * r->n_slow;
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        if ((!m || m[i]) && isfinite(t[i]) && isfinite(d[i]) && t[i] > mx)
            mx = t[i];
    return mx;
}

qmap_figure *qmap__fig_tilt_magnitude(const qmap_results *r)
{
    double *v = qmap__masked_copy(r, r->maps[QMAP_MAP_TILT_MAGNITUDE]);
    if (!v)
        return NULL;
    qmap_colorscale cs = qmap__scale(r, v, QMAP_CMAP_VIRIDIS, 0);
    cs.lo = 0;
    qmap_figure *f = qmap__map_figure(r, v, &cs, "Tilt magnitude (angle to the mean Q)", "tilt (\u00b0)", NULL);
    free(v);
    return f;
}

qmap_figure *qmap__fig_tilt_direction(const qmap_results *r)
{
    double *v = qmap__masked_copy(r, r->maps[QMAP_MAP_TILT_DIRECTION]);
    if (!v)
        return NULL;
    qmap_colorscale cs = {QMAP_CMAP_CYCLIC, -180, 180, 0};
    qmap_figure *f = qmap__map_figure(r, v, &cs, "Tilt direction (0\u00b0 = +q<sub>y</sub>, 90\u00b0 = +q<sub>x</sub>)",
                                      "direction (\u00b0)", NULL);
    free(v);
    return f;
}

/* The 2D key: a disc of the tilt colours (angle = direction, radius = magnitude) with polar
 * rings labelled in degrees of tilt. */
static void colour_wheel(qmap_figure *f, double x, double y, double size, double tmax)
{
    enum { N = 181 };
    qmap_rgb *px = malloc(sizeof(qmap_rgb) * N * N);
    if (!px)
        return;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double u = -1 + 2.0 * (j + 0.5) / N, v = -1 + 2.0 * (i + 0.5) / N, rr = hypot(u, v);
            px[i * N + j] = rr <= 1.0 ? qmap__tilt_color(rr * tmax, atan2(u, v) * 180 / M_PI, tmax)
                                      : (qmap_rgb){1, 1, 1};
        }
    qmap_axes *img = qmap_axes_new(f, x, y, size, size);
    qmap_axes_set_xlim(img, -1, 1);
    qmap_axes_set_ylim(img, -1, 1);
    qmap_axes_show_ticks(img, 0, 0, 0);
    qmap_axes_set_frame(img, 0);
    qmap_plot_rgb_image(img, px, N, N, -1, 1, -1, 1);
    free(px);
    qmap_axes *pol = qmap_axes_new_polar(f, x, y, size, size, tmax, "\u00b0");
    qmap_axes_set_polar_labels(pol, 90, 1);
    qmap_axes_set_title(pol, "Colour key");
    qmap_figure_text(f, x + size / 2, y + size + 30, 0.5, 0, 9, 0,
                     "q<sub>x</sub>-q<sub>y</sub> plane as the maps: +q<sub>x</sub> right, +q<sub>y</sub> up\nangle = direction (0\u00b0 = +q<sub>y</sub>, 90\u00b0 = +q<sub>x</sub>)\nradius = tilt magnitude");
}

qmap_figure *qmap__fig_tilt_hsv(const qmap_results *r)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    const uint8_t *m = qmap__particle(r);
    double tmax = max_tilt(r);
    qmap_rgb *px = malloc((n ? n : 1) * sizeof *px);
    if (!px) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory for the tilt map");
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        px[i] = !m || m[i] ? qmap__tilt_color(r->maps[QMAP_MAP_TILT_MAGNITUDE][i], r->maps[QMAP_MAP_TILT_DIRECTION][i], tmax)
                           : (qmap_rgb){NAN, NAN, NAN};
    double w, h, e[4];
    qmap__map_frame_size(r, 380, 380, &w, &h);
    qmap__map_extent(r, e);
    double key = 190, fh = 34 + (h > key + 110 ? h : key + 110) + 50;
    qmap_figure *f = qmap_figure_new(66 + w + 70 + key + 60, fh);
    if (!f) {
        free(px);
        return NULL;
    }
    qmap_axes *a = qmap_axes_new(f, 66, 34, w, h);
    qmap_axes_set_xlim(a, fmin(e[0], e[1]), fmax(e[0], e[1]));
    qmap_axes_set_ylim(a, fmin(e[2], e[3]), fmax(e[2], e[3]));
    qmap_axes_set_xlabel(a, "x (\u00b5m)");
    qmap_axes_set_ylabel(a, "y (\u00b5m)");
    qmap_axes_set_title(a, "Tilt vector (hue = direction, saturation = magnitude)");
    qmap_plot_rgb_image(a, px, r->n_fast, r->n_slow, e[0], e[1], e[2], e[3]);
    double len = qmap_nice_length(fabs(e[1] - e[0]) / 5);
    char lab[96];
    snprintf(lab, sizeof lab, "%g \u00b5m", len);
    qmap_axes_scalebar(a, len, lab);
    free(px);
    colour_wheel(f, 66 + w + 70, 34 + 40, key, tmax > 0 ? tmax : 1);
    return f;
}

qmap_figure *qmap__fig_tilt_polar(const qmap_results *r)
{
    size_t n = (size_t)r->n_fast * r->n_slow, k = 0;
    const uint8_t *m = qmap__particle(r);
    const double *t = r->maps[QMAP_MAP_TILT_MAGNITUDE], *d = r->maps[QMAP_MAP_TILT_DIRECTION];
    double tmax = max_tilt(r);
    double *th = malloc((n ? n : 1) * sizeof *th), *rad = malloc((n ? n : 1) * sizeof *rad);
    qmap_rgb *col = malloc((n ? n : 1) * sizeof *col);
    qmap_figure *f = th && rad && col ? qmap_figure_new(560, 500) : NULL;
    if (!f) {
        if (!th || !rad || !col)
            qmap_error(QMAP_ERR_NOMEM, "out of memory for the polar plot");
        free(th);
        free(rad);
        free(col);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if ((!m || m[i]) && isfinite(t[i]) && isfinite(d[i])) {
            th[k] = 90 - d[i];   /* +qx right, +qy up */
            rad[k] = t[i];
            col[k] = qmap__tilt_color(t[i], d[i], tmax);
            k++;
        }
    double ticks[16], step;
    double rmax = tmax > 0 ? tmax * 1.08 : 1;
    /* round the outer ring up to a tick so the rings are evenly labelled */
    int nt = qmap__ticks(0, rmax, 0, ticks, 16, &step);
    if (nt > 0 && ticks[nt - 1] < rmax)
        rmax = ticks[nt - 1] + step;
    qmap_axes *a = qmap_axes_new_polar(f, 110, 70, 340, 340, rmax, "\u00b0");
    qmap_axes_set_polar_labels(a, 90, 1);
    qmap_axes_set_title(a, "Tilt of each particle position");
    if (tmax > 0) {
        double ang[361], rr[361];
        for (int i = 0; i <= 360; i++) {
            ang[i] = i;
            rr[i] = tmax;
        }
        qmap_style ring = qmap_style_line(QMAP_RED, 1.2);
        ring.dashed = 1;
        qmap_plot_xy(a, ang, rr, 361, &ring);
    }
    /* points on top of the maximum-tilt circle */
    qmap_style st = qmap_style_markers((qmap_rgb){0, 0, 0}, QMAP_MARKER_CIRCLE, 3.2);
    qmap_plot_scatter(a, th, rad, k, col, &st);
    char lab[128];
    snprintf(lab, sizeof lab, "maximum tilt %.3g\u00b0 (red circle)\n%zu positions", tmax, k);
    qmap_figure_text(f, 8, 492, 0, 1, 9, 0, lab);
    qmap_figure_text(f, 552, 492, 1, 1, 9, 0, "q<sub>x</sub>-q<sub>y</sub> plane as the maps: +q<sub>x</sub> right, +q<sub>y</sub> up\nangle = direction (0\u00b0 = +q<sub>y</sub>, 90\u00b0 = +q<sub>x</sub>)\nradius = tilt magnitude");
    free(th);
    free(rad);
    free(col);
    return f;
}
