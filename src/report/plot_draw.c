/* plot_draw.c -- data drawing of plot.h: images, lines, markers, bars, boxes, colour bars.
 *
 * Everything is drawn at once onto the figure's recording surface, clipped to the axes
 * frame. Images are painted with nearest-neighbour filtering so each map position stays
 * one flat rectangle at any output scale.
 */
#include "plot_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

qmap_style qmap_style_line(qmap_rgb c, double w)
{
    qmap_style s = {c, w, 0, QMAP_MARKER_NONE, 0, NULL};
    return s;
}

qmap_style qmap_style_markers(qmap_rgb c, qmap_marker m, double size)
{
    qmap_style s = {c, 0, 0, m, size, NULL};
    return s;
}

static int usable(const qmap_axes *a) { return a && !a->fig->finished; }

static void add_legend(qmap_axes *a, const qmap_style *st)
{
    if (!st || !st->label || a->n_legend >= QMAP_MAX_LEGEND)
        return;
    qmap__legend_entry *e = &a->legend[a->n_legend++];
    e->style = *st;
    snprintf(e->label, sizeof e->label, "%s", st->label);
    e->style.label = NULL;
}

static uint32_t pack(qmap_rgb c)
{
    int r = (int)lround(c.r * 255), g = (int)lround(c.g * 255), b = (int)lround(c.b * 255);
    r = r < 0 ? 0 : r > 255 ? 255 : r;
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    b = b < 0 ? 0 : b > 255 ? 255 : b;
    return 0xff000000u | (uint32_t)r << 16 | (uint32_t)g << 8 | (uint32_t)b;
}

/* Paint an ARGB image of ncols x nrows (surface row 0 = top = data row nrows-1) into the
 * data rectangle. */
static void paint_image(qmap_axes *a, cairo_surface_t *img, int ncols, int nrows, double x0,
                        double x1, double y0, double y1)
{
    cairo_t *cr = a->fig->cr;
    double px0, py0, px1, py1;
    qmap_axes_to_figure(a, x0, y0, &px0, &py0);
    qmap_axes_to_figure(a, x1, y1, &px1, &py1);
    qmap__axes_clip(a);
    cairo_translate(cr, px0, py1);
    cairo_scale(cr, (px1 - px0) / ncols, (py0 - py1) / nrows);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
    cairo_pattern_set_extend(cairo_get_source(cr), CAIRO_EXTEND_PAD);
    cairo_rectangle(cr, 0, 0, ncols, nrows);
    cairo_fill(cr);
    cairo_restore(cr);
}

static cairo_surface_t *new_image(qmap_axes *a, int ncols, int nrows)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, ncols, nrows);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        a->fig->failed = QMAP_ERR_NOMEM;
        return NULL;
    }
    cairo_surface_flush(img);
    return img;
}

void qmap_plot_image(qmap_axes *a, const double *v, int ncols, int nrows, double x0,
                     double x1, double y0, double y1, const qmap_colorscale *cs)
{
    if (!usable(a) || ncols < 1 || nrows < 1)
        return;
    cairo_surface_t *img = new_image(a, ncols, nrows);
    if (!img)
        return;
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int r = 0; r < nrows; r++) {
        uint32_t *row = (uint32_t *)(data + (size_t)(nrows - 1 - r) * stride);
        for (int c = 0; c < ncols; c++)
            row[c] = pack(qmap_colorscale_color(cs, v[(size_t)r * ncols + c]));
    }
    cairo_surface_mark_dirty(img);
    paint_image(a, img, ncols, nrows, x0, x1, y0, y1);
    cairo_surface_destroy(img);
}

void qmap_plot_rgb_image(qmap_axes *a, const qmap_rgb *rgb, int ncols, int nrows, double x0,
                         double x1, double y0, double y1)
{
    if (!usable(a) || ncols < 1 || nrows < 1)
        return;
    cairo_surface_t *img = new_image(a, ncols, nrows);
    if (!img)
        return;
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int r = 0; r < nrows; r++) {
        uint32_t *row = (uint32_t *)(data + (size_t)(nrows - 1 - r) * stride);
        for (int c = 0; c < ncols; c++) {
            qmap_rgb p = rgb[(size_t)r * ncols + c];
            row[c] = pack(isnan(p.r) ? qmap_nan_color : p);
        }
    }
    cairo_surface_mark_dirty(img);
    paint_image(a, img, ncols, nrows, x0, x1, y0, y1);
    cairo_surface_destroy(img);
}

static void marker_path(cairo_t *cr, qmap_marker m, double x, double y, double size)
{
    double r = size / 2;
    if (m == QMAP_MARKER_SQUARE) {
        cairo_rectangle(cr, x - r, y - r, size, size);
    } else {
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    }
}

static void set_line(cairo_t *cr, const qmap_style *st)
{
    cairo_set_line_width(cr, st->line_width);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    if (st->dashed) {
        double d[2] = {4, 3};
        cairo_set_dash(cr, d, 2, 0);
    }
}

void qmap_plot_xy(qmap_axes *a, const double *x, const double *y, size_t n, const qmap_style *st)
{
    if (!usable(a))
        return;
    cairo_t *cr = a->fig->cr;
    qmap__axes_clip(a);
    qmap__set_rgb(cr, st->color);
    if (st->line_width > 0) {
        set_line(cr, st);
        int pen = 0;
        for (size_t i = 0; i < n; i++) {
            double px, py;
            if (!isfinite(x[i]) || !isfinite(y[i])) {
                pen = 0;
                continue;
            }
            qmap_axes_to_figure(a, x[i], y[i], &px, &py);
            if (pen) cairo_line_to(cr, px, py);
            else cairo_move_to(cr, px, py);
            pen = 1;
        }
        cairo_stroke(cr);
    }
    if (st->marker != QMAP_MARKER_NONE) {
        for (size_t i = 0; i < n; i++) {
            double px, py;
            if (!isfinite(x[i]) || !isfinite(y[i]))
                continue;
            qmap_axes_to_figure(a, x[i], y[i], &px, &py);
            marker_path(cr, st->marker, px, py, st->marker_size);
        }
        cairo_fill(cr);
    }
    cairo_restore(cr);
    add_legend(a, st);
}

void qmap_plot_scatter(qmap_axes *a, const double *x, const double *y, size_t n,
                       const qmap_rgb *colors, const qmap_style *st)
{
    if (!usable(a))
        return;
    if (!colors) {
        qmap_style s = *st;
        s.line_width = 0;
        if (s.marker == QMAP_MARKER_NONE)
            s.marker = QMAP_MARKER_CIRCLE;
        qmap_plot_xy(a, x, y, n, &s);
        return;
    }
    cairo_t *cr = a->fig->cr;
    qmap__axes_clip(a);
    for (size_t i = 0; i < n; i++) {
        double px, py;
        if (!isfinite(x[i]) || !isfinite(y[i]) || isnan(colors[i].r))
            continue;
        qmap_axes_to_figure(a, x[i], y[i], &px, &py);
        qmap__set_rgb(cr, colors[i]);
        marker_path(cr, st->marker == QMAP_MARKER_NONE ? QMAP_MARKER_CIRCLE : st->marker, px, py, st->marker_size);
        cairo_fill(cr);
    }
    cairo_restore(cr);
    add_legend(a, st);
}

void qmap_plot_bars(qmap_axes *a, const double *counts, int nbins, double lo, double hi,
                    qmap_rgb fill, const qmap_style *st)
{
    if (!usable(a) || nbins < 1)
        return;
    cairo_t *cr = a->fig->cr;
    qmap__axes_clip(a);
    double base = a->ylog ? a->y0 : (a->y0 > 0 ? a->y0 : 0);
    double w = (hi - lo) / nbins;
    for (int k = 0; k < nbins; k++) {
        if (!(counts[k] > 0))
            continue;
        double px0 = qmap__axes_px(a, lo + k * w), px1 = qmap__axes_px(a, lo + (k + 1) * w);
        double py0 = qmap__axes_py(a, base), py1 = qmap__axes_py(a, counts[k]);
        cairo_rectangle(cr, px0, py1, px1 - px0, py0 - py1);
        qmap__set_rgb(cr, fill);
        cairo_fill_preserve(cr);
        if (st && st->line_width > 0) {
            qmap__set_rgb(cr, st->color);
            cairo_set_line_width(cr, st->line_width);
            cairo_stroke(cr);
        } else {
            cairo_new_path(cr);
        }
    }
    cairo_restore(cr);
    if (st && st->label) {
        qmap_style s = *st;
        s.marker = QMAP_MARKER_SQUARE;
        s.marker_size = 9;
        s.color = fill;
        s.line_width = 0;
        add_legend(a, &s);
    }
}

void qmap_plot_rect(qmap_axes *a, double x0, double x1, double y0, double y1, const qmap_style *st)
{
    if (!usable(a))
        return;
    cairo_t *cr = a->fig->cr;
    double px0, py0, px1, py1;
    qmap_axes_to_figure(a, x0, y0, &px0, &py0);
    qmap_axes_to_figure(a, x1, y1, &px1, &py1);
    qmap__axes_clip(a);
    qmap__set_rgb(cr, st->color);
    set_line(cr, st);
    cairo_rectangle(cr, px0, py1, px1 - px0, py0 - py1);
    cairo_stroke(cr);
    cairo_restore(cr);
    add_legend(a, st);
}

void qmap_plot_vline(qmap_axes *a, double x, const qmap_style *st)
{
    if (!usable(a) || a->polar || !isfinite(x))
        return;
    cairo_t *cr = a->fig->cr;
    qmap__axes_clip(a);
    qmap__set_rgb(cr, st->color);
    set_line(cr, st);
    double px = qmap__axes_px(a, x);
    cairo_move_to(cr, px, a->fy);
    cairo_line_to(cr, px, a->fy + a->fh);
    cairo_stroke(cr);
    cairo_restore(cr);
    add_legend(a, st);
}

void qmap_plot_text(qmap_axes *a, double x, double y, double ax, double ay, double size,
                    qmap_rgb color, const char *markup)
{
    if (!usable(a))
        return;
    double px, py;
    qmap_axes_to_figure(a, x, y, &px, &py);
    qmap__set_rgb(a->fig->cr, color);
    qmap__text(a->fig->cr, markup, px, py, ax, ay, size, 0, 0, NULL, NULL);
}

qmap_axes *qmap_colorbar_new(qmap_figure *f, double x, double y, double w, double h,
                             const qmap_colorscale *cs, const char *label)
{
    qmap_axes *a = qmap_axes_new(f, x, y, w, h);
    if (!a)
        return NULL;
    a->cbar_scale = *cs;
    a->cbar = &a->cbar_scale;
    a->cbar_horizontal = !(h > w);
    enum { N = 256 };
    double v[N];
    for (int i = 0; i < N; i++) {
        double t = (i + 0.5) / N;
        v[i] = cs->log ? pow(10, log10(cs->lo) + t * (log10(cs->hi) - log10(cs->lo)))
                       : cs->lo + t * (cs->hi - cs->lo);
    }
    if (a->cbar_horizontal) {
        qmap_axes_set_xlim(a, cs->lo, cs->hi);
        qmap_axes_set_ylim(a, 0, 1);
        qmap_axes_set_log(a, cs->log, 0);
        qmap_axes_show_ticks(a, 1, 0, 0);
        qmap_axes_set_xlabel(a, label);
        qmap_plot_image(a, v, N, 1, cs->lo, cs->hi, 0, 1, cs);
    } else {
        qmap_axes_set_ylim(a, cs->lo, cs->hi);
        qmap_axes_set_xlim(a, 0, 1);
        qmap_axes_set_log(a, 0, cs->log);
        qmap_axes_show_ticks(a, 0, 1, 1);
        qmap_axes_set_ylabel(a, label);
        qmap_plot_image(a, v, 1, N, 0, 1, cs->lo, cs->hi, cs);
    }
    return a;
}
