/* plot_primitives.c -- the drawing primitives that every plot file uses (plot_internal.h):
 * colour, Pango text (size and placement) and data -> figure coordinates of an axes.
 *
 * They sit below both plot_figure.c (figures, axes records) and plot_axis.c (ticks, labels,
 * grids), so that neither needs the other for them.
 */
#include "plot_internal.h"

#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>

void qmap__set_rgb(cairo_t *cr, qmap_rgb c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

static PangoLayout *make_layout(cairo_t *cr, const char *markup, double size, int bold)
{
    PangoLayout *l = pango_cairo_create_layout(cr);
    PangoFontDescription *fd = pango_font_description_new();
    pango_font_description_set_family(fd, QMAP_FONT_FAMILY);
    pango_font_description_set_size(fd, (int)lround(size * PANGO_SCALE));
    pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_markup(l, markup, -1);
    return l;
}

void qmap__text_size(cairo_t *cr, const char *markup, double size, int bold, double *w, double *h)
{
    PangoLayout *l = make_layout(cr, markup, size, bold);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    *w = (double)logical.width / PANGO_SCALE;
    *h = (double)logical.height / PANGO_SCALE;
    g_object_unref(l);
}

const cairo_user_data_key_t qmap__text_boxes_key;

/* Append one box to a figure's list of text boxes (dropped when out of memory: the list
 * serves layout checks only). */
void qmap__text_boxes_add(qmap__text_boxes *b, double x0, double y0, double x1, double y1)
{
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 32;
        double *v = realloc(b->xyxy, (size_t)cap * 4 * sizeof *v);
        if (!v)
            return;
        b->xyxy = v;
        b->cap = cap;
    }
    double *p = b->xyxy + 4 * b->n++;
    p[0] = x0, p[1] = y0, p[2] = x1, p[3] = y1;
}

/* Record the ink box of a layout shown at the current point (any rotation) in the
 * figure's list, as an axis-aligned box in figure units. */
static void record_box(cairo_t *cr, PangoLayout *l)
{
    qmap__text_boxes *b = cairo_get_user_data(cr, &qmap__text_boxes_key);
    PangoRectangle ink;
    pango_layout_get_extents(l, &ink, NULL);
    if (!b || ink.width <= 0 || ink.height <= 0)
        return;
    double px, py;
    cairo_get_current_point(cr, &px, &py);
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int k = 0; k < 4; k++) {
        double u = px + (double)(ink.x + (k & 1 ? ink.width : 0)) / PANGO_SCALE;
        double v = py + (double)(ink.y + (k & 2 ? ink.height : 0)) / PANGO_SCALE;
        cairo_user_to_device(cr, &u, &v);
        x0 = fmin(x0, u), x1 = fmax(x1, u), y0 = fmin(y0, v), y1 = fmax(y1, v);
    }
    qmap__text_boxes_add(b, x0, y0, x1, y1);
}

void qmap__text(cairo_t *cr, const char *markup, double x, double y, double ax, double ay,
                double size, int bold, double angle, double *w, double *h)
{
    PangoLayout *l = make_layout(cr, markup, size, bold);
    PangoRectangle logical;
    pango_layout_get_extents(l, NULL, &logical);
    double tw = (double)logical.width / PANGO_SCALE, th = (double)logical.height / PANGO_SCALE;
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -angle);
    cairo_move_to(cr, -ax * tw - (double)logical.x / PANGO_SCALE, -ay * th - (double)logical.y / PANGO_SCALE);
    record_box(cr, l);
    pango_cairo_show_layout(cr, l);
    cairo_new_path(cr);   /* leave no current point for the next path */
    cairo_restore(cr);
    g_object_unref(l);
    if (w) *w = tw;
    if (h) *h = th;
}

static double frac(double v, double lo, double hi, int log)
{
    if (log)
        return v > 0 && lo > 0 && hi > 0 ? (log10(v) - log10(lo)) / (log10(hi) - log10(lo)) : NAN;
    return (v - lo) / (hi - lo);
}

double qmap__axes_px(const qmap_axes *a, double x) { return a->fx + frac(x, a->x0, a->x1, a->xlog) * a->fw; }
double qmap__axes_py(const qmap_axes *a, double y) { return a->fy + a->fh - frac(y, a->y0, a->y1, a->ylog) * a->fh; }
