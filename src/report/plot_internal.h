/* plot_internal.h -- private structures of the plotting layer (plot_*.c, colormap*.c).
 *
 * A figure owns a cairo recording surface and a cairo context on it; axes are records of
 * their frame, limits and decorations, drawn onto the recording surface by
 * qmap_figure_finish. Not installed.
 */
#ifndef QMAP_PLOT_INTERNAL_H
#define QMAP_PLOT_INTERNAL_H

#include "qmap/plot.h"

#include <cairo.h>

#define QMAP_FONT_FAMILY "DejaVu Sans"
#define QMAP_MAX_LEGEND 8

typedef struct {
    const unsigned char (*rgb)[3];
    int n;
} qmap__colormap_table;

extern const qmap__colormap_table qmap__colormap_tables[QMAP_N_COLORMAPS];

typedef struct {
    qmap_style style;
    char label[128];
} qmap__legend_entry;

struct qmap_axes {
    qmap_figure *fig;
    int polar;
    double polar_zero;              /* angle label at the right = polar_zero (+ or - the angle) */
    int polar_clockwise;            /* labels increase clockwise (compass-like) */
    double fx, fy, fw, fh;          /* frame, figure units (y down) */
    double x0, x1, y0, y1;          /* data limits (polar: 0, 360, 0, rmax) */
    int xlog, ylog;
    int show_x, show_y, y_right, grid, no_frame;
    char xlabel[256], ylabel[256], title[256], unit[64];
    const qmap_colorscale *cbar;    /* non-NULL for colour bars (points into cbar_scale) */
    qmap_colorscale cbar_scale;
    int cbar_horizontal;
    int n_legend, legend_on;
    double legend_u, legend_v;     /* legend corner, axes fraction */
    qmap__legend_entry legend[QMAP_MAX_LEGEND];
};

/* Axis-aligned ink boxes (x0, y0, x1, y1, figure units) of the texts drawn on a figure. */
typedef struct {
    double *xyxy;
    int n, cap;
} qmap__text_boxes;

/* Append a box (ignored when out of memory: the boxes only serve layout checks). */
void qmap__text_boxes_add(qmap__text_boxes *b, double x0, double y0, double x1, double y1);

struct qmap_figure {
    double width, height;
    cairo_surface_t *rec;
    cairo_t *cr;
    qmap_axes **axes;
    int n_axes, finished;
    int failed;                     /* a qmap_status recorded while drawing, 0 = none */
    qmap__text_boxes boxes;         /* ink boxes of every text drawn (layout checks) */
};

/* cairo user-data key under which a figure's context holds its qmap__text_boxes. */
extern const cairo_user_data_key_t qmap__text_boxes_key;

/* Draw Pango markup at figure point (x, y): anchor (ax, ay) of its ink box, rotated by
 * angle (radians, counter-clockwise); returns the laid-out size in *w, *h when non-NULL. */
void qmap__text(cairo_t *cr, const char *markup, double x, double y, double ax, double ay,
                double size, int bold, double angle, double *w, double *h);
/* Size of laid-out markup without drawing. */
void qmap__text_size(cairo_t *cr, const char *markup, double size, int bold, double *w, double *h);
/* Data value to figure units along one axis (no clipping). */
double qmap__axes_px(const qmap_axes *a, double x);
double qmap__axes_py(const qmap_axes *a, double y);
/* Clip the figure context to the axes frame (cairo_save first; caller restores). */
void qmap__axes_clip(const qmap_axes *a);
/* Rings and spokes of polar axes (drawn under the data when the axes are made). */
void qmap__polar_grid(qmap_axes *a);
/* Draw the decorations (frame, ticks, labels, title, legend) of one axes. */
void qmap__axes_decorate(qmap_axes *a);
/* Tick positions for [lo, hi]: up to max ticks at a nice step; returns the count and the
 * step. With log, decades inside the range. */
int qmap__ticks(double lo, double hi, int log, double *ticks, int max, double *step);
/* Label of tick value v for step (markup), divided by 10^exp10 (exp10 from qmap__tick_exponent). */
void qmap__tick_label(double v, double step, int exp10, int log, char *out, size_t size);
/* Common power of ten to factor out of the ticks (0 when labels read well as they are). */
int qmap__tick_exponent(const double *ticks, int n, double step);
void qmap__set_rgb(cairo_t *cr, qmap_rgb c);
/* The rendered figure (an RGB24 image surface) as PNG onto write (plot_png.c). */
cairo_status_t qmap__encode_png(cairo_surface_t *img, cairo_write_func_t write, void *closure);

#endif
