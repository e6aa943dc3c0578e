/* plot_axis.c -- axes decorations: ticks, tick labels, axis labels, titles, legends,
 * polar rings and spokes.
 *
 * Ticks are 1, 2, 2.5 or 5 x 10^k apart (90 degrees for a full-turn range); tick labels
 * have just the decimals the step needs, and a common factor 10^k is written once at the
 * end of the axis when the numbers would otherwise be long (strain, counts).
 */
#include "plot_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TICK_LEN 4.0
#define TICK_FONT 9.0
#define LABEL_FONT 10.0
#define TITLE_FONT 10.5
#define MAX_TICKS 16

int qmap__ticks(double lo, double hi, int log, double *ticks, int max, double *step)
{
    if (lo > hi) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    int n = 0;
    if (log && lo > 0) {
        int k0 = (int)ceil(log10(lo) - 1e-9), k1 = (int)floor(log10(hi) + 1e-9);
        int every = (k1 - k0) / (max - 1) + 1;
        if (k1 - k0 >= 1) {
            for (int k = k0; k <= k1 && n < max; k += every)
                ticks[n++] = pow(10, k);
            *step = every;
            return n;
        }
    }
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span)) {
        *step = 1;
        ticks[0] = lo;
        return 1;
    }
    double s;
    if (fabs(span - 360) < 1e-6 || fabs(span - 180) < 1e-6 * 180) {
        s = span / 4;
    } else {
        double raw = span / 5, e = pow(10, floor(log10(raw))), m = raw / e;
        s = (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e;
    }
    double first = ceil(lo / s - 1e-9) * s;
    for (double t = first; t <= hi + s * 1e-9 && n < max; t = first + n * s)
        ticks[n++] = fabs(t) < s * 1e-9 ? 0 : t;
    *step = s;
    return n;
}

int qmap__tick_exponent(const double *ticks, int n, double step)
{
    double m = 0;
    for (int i = 0; i < n; i++)
        if (fabs(ticks[i]) > m)
            m = fabs(ticks[i]);
    if (m == 0)
        return 0;
    int e = (int)floor(log10(m) + 1e-9);
    if (e >= 5 || e <= -3)
        return e;
    return 0;
}

void qmap__tick_label(double v, double step, int exp10, int log, char *out, size_t size)
{
    if (log) {
        snprintf(out, size, "10<sup>%d</sup>", (int)lround(log10(v)));
        return;
    }
    double f = pow(10, exp10), vs = v / f, ss = step / f;
    int dec = (int)ceil(-log10(ss) - 1e-9);
    double mant = ss / pow(10, floor(log10(ss) + 1e-9));
    if (fabs(mant - 2.5) < 1e-6)
        dec++;
    if (dec < 0)
        dec = 0;
    if (dec > 10)
        dec = 10;
    char num[64];
    snprintf(num, sizeof num, "%.*f", dec, vs);
    if (strcmp(num, "-0") == 0 || (num[0] == '-' && strspn(num + 1, "0.") == strlen(num + 1)))
        memmove(num, num + 1, strlen(num));
    if (num[0] == '-')
        snprintf(out, size, "\u2212%s", num + 1);   /* a real minus sign */
    else
        snprintf(out, size, "%s", num);
}

static void exponent_markup(int e, char *out, size_t size)
{
    if (e < 0)
        snprintf(out, size, "\u00d710<sup>\u2212%d</sup>", -e);
    else
        snprintf(out, size, "\u00d710<sup>%d</sup>", e);
}

static void draw_legend_sample(cairo_t *cr, const qmap_style *st, double x, double y)
{
    qmap__set_rgb(cr, st->color);
    if (st->line_width > 0) {
        cairo_save(cr);
        cairo_set_line_width(cr, st->line_width);
        if (st->dashed) {
            double d[2] = {4, 3};
            cairo_set_dash(cr, d, 2, 0);
        }
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + 22, y);
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    double r = st->marker_size / 2;
    if (st->marker == QMAP_MARKER_CIRCLE) {
        cairo_arc(cr, x + 11, y, r, 0, 2 * M_PI);
        cairo_fill(cr);
    } else if (st->marker == QMAP_MARKER_SQUARE) {
        cairo_rectangle(cr, x + 11 - r, y - r, 2 * r, 2 * r);
        cairo_fill(cr);
    }
}

/* A white box of size w x h placed at axes fraction (u, v), inset 6 units from the frame. */
static void box_origin(const qmap_axes *a, double u, double v, double w, double h, double *x, double *y)
{
    double px = a->fx + u * a->fw, py = a->fy + (1 - v) * a->fh;
    *x = px - u * w + (u < 0.5 ? 6 : u > 0.5 ? -6 : 0);
    *y = py - (1 - v) * h + (v > 0.5 ? 6 : v < 0.5 ? -6 : 0);
}

static void white_box(cairo_t *cr, double x, double y, double w, double h)
{
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
}

static void draw_legend(qmap_axes *a)
{
    cairo_t *cr = a->fig->cr;
    double w = 0, h = 0, lw, lh;
    for (int i = 0; i < a->n_legend; i++) {
        qmap__text_size(cr, a->legend[i].label, TICK_FONT, 0, &lw, &lh);
        if (lw > w) w = lw;
        h += lh + 2;
    }
    w += 22 + 6 + 12;
    h += 8;
    double x, y;
    box_origin(a, a->legend_u, a->legend_v, w, h, &x, &y);
    white_box(cr, x, y, w, h);
    double yy = y + 4;
    for (int i = 0; i < a->n_legend; i++) {
        qmap__text_size(cr, a->legend[i].label, TICK_FONT, 0, &lw, &lh);
        draw_legend_sample(cr, &a->legend[i].style, x + 6, yy + lh / 2);
        cairo_set_source_rgb(cr, 0, 0, 0);
        qmap__text(cr, a->legend[i].label, x + 6 + 22 + 6, yy, 0, 0, TICK_FONT, 0, 0, NULL, NULL);
        yy += lh + 2;
    }
}

/* Rings and spokes of polar axes: drawn when the axes are made, under the data. */
void qmap__polar_grid(qmap_axes *a)
{
    cairo_t *cr = a->fig->cr;
    double cx = a->fx + a->fw / 2, cy = a->fy + a->fh / 2;
    double R = (a->fw < a->fh ? a->fw : a->fh) / 2;
    double ticks[MAX_TICKS], step;
    int n = qmap__ticks(0, a->y1, 0, ticks, MAX_TICKS, &step);
    cairo_save(cr);
    cairo_set_line_width(cr, 0.6);
    cairo_set_source_rgba(cr, 0.35, 0.35, 0.35, 0.8);
    for (int i = 0; i < n; i++)
        if (ticks[i] > 0 && ticks[i] < a->y1 * 0.999) {
            cairo_new_sub_path(cr);
            cairo_arc(cr, cx, cy, ticks[i] / a->y1 * R, 0, 2 * M_PI);
        }
    for (int k = 0; k < 12; k++) {
        double th = k * M_PI / 6;
        cairo_move_to(cr, cx, cy);
        cairo_line_to(cr, cx + R * cos(th), cy - R * sin(th));
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void decorate_polar(qmap_axes *a)
{
    cairo_t *cr = a->fig->cr;
    double cx = a->fx + a->fw / 2, cy = a->fy + a->fh / 2;
    double R = (a->fw < a->fh ? a->fw : a->fh) / 2;
    double ticks[MAX_TICKS], step;
    int n = qmap__ticks(0, a->y1, 0, ticks, MAX_TICKS, &step);
    cairo_save(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_new_path(cr);
    cairo_arc(cr, cx, cy, R, 0, 2 * M_PI);
    cairo_stroke(cr);
    char lab[192];
    for (int k = 0; k < 12; k++) {
        double th = k * M_PI / 6;
        double shown = fmod(a->polar_zero + (a->polar_clockwise ? -30.0 : 30.0) * k + 720.0, 360.0);
        if (shown > 180.5)
            shown -= 360;   /* directions in -180..180 */
        snprintf(lab, sizeof lab, "%.0f\u00b0", shown);
        double ax = 0.5 - 0.5 * cos(th), ay = 0.5 + 0.5 * sin(th);
        qmap__text(cr, lab, cx + (R + 5) * cos(th), cy - (R + 5) * sin(th), ax, ay, TICK_FONT, 0, 0, NULL, NULL);
    }
    /* ring labels along the 75-degree line, on a light halo */
    int e = qmap__tick_exponent(ticks, n, step);
    for (int i = 0; i < n; i++) {
        if (!(ticks[i] > 0))
            continue;
        char num[48];
        qmap__tick_label(ticks[i], step, e, 0, num, sizeof num);
        snprintf(lab, sizeof lab, "%s%s", num, a->unit);
        double rr = ticks[i] / a->y1 * R, th = 75 * M_PI / 180, w, h;
        qmap__text_size(cr, lab, TICK_FONT - 1, 0, &w, &h);
        double x = cx + rr * cos(th), y = cy - rr * sin(th);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.75);
        cairo_rectangle(cr, x - w / 2 - 1, y - h / 2, w + 2, h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        qmap__text(cr, lab, x, y, 0.5, 0.5, TICK_FONT - 1, 0, 0, NULL, NULL);
    }
    if (a->title[0])
        qmap__text(cr, a->title, cx, cy - R - 22, 0.5, 1, TITLE_FONT, 1, 0, NULL, NULL);
    cairo_restore(cr);
}

void qmap__axes_decorate(qmap_axes *a)
{
    if (a->polar) {
        decorate_polar(a);
        return;
    }
    cairo_t *cr = a->fig->cr;
    cairo_save(cr);
    double xt[MAX_TICKS], yt[MAX_TICKS], xs = 1, ys = 1;
    int nx = a->show_x || a->grid ? qmap__ticks(a->x0, a->x1, a->xlog, xt, MAX_TICKS, &xs) : 0;
    int ny = a->show_y || a->grid ? qmap__ticks(a->y0, a->y1, a->ylog, yt, MAX_TICKS, &ys) : 0;
    if (a->grid) {
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_set_line_width(cr, 0.6);
        for (int i = 0; i < nx; i++) {
            double px = qmap__axes_px(a, xt[i]);
            cairo_move_to(cr, px, a->fy);
            cairo_line_to(cr, px, a->fy + a->fh);
        }
        for (int i = 0; i < ny; i++) {
            double py = qmap__axes_py(a, yt[i]);
            cairo_move_to(cr, a->fx, py);
            cairo_line_to(cr, a->fx + a->fw, py);
        }
        cairo_stroke(cr);
    }
    if (a->n_legend > 0 && a->legend_on)
        draw_legend(a);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    if (!a->no_frame) {
        cairo_rectangle(cr, a->fx, a->fy, a->fw, a->fh);
        cairo_stroke(cr);
    }
    char lab[96];
    double w, h, label_depth = 0, label_width = 0;
    if (a->show_x) {
        int e = a->xlog ? 0 : qmap__tick_exponent(xt, nx, xs);
        /* on a narrow axis, label every k-th tick so that no two labels touch */
        int every = 1;
        for (int k = 1; k < 4; k++) {
            int fits = 1;
            for (int i = 0; i + k < nx && fits; i += k) {
                double w0, w1, h0;
                qmap__tick_label(xt[i], xs, e, a->xlog, lab, sizeof lab);
                qmap__text_size(cr, lab, TICK_FONT, 0, &w0, &h0);
                qmap__tick_label(xt[i + k], xs, e, a->xlog, lab, sizeof lab);
                qmap__text_size(cr, lab, TICK_FONT, 0, &w1, &h0);
                fits = fabs(qmap__axes_px(a, xt[i + k]) - qmap__axes_px(a, xt[i])) >= (w0 + w1) / 2 + 4;
            }
            every = k;
            if (fits)
                break;
        }
        for (int i = 0; i < nx; i++) {
            double px = qmap__axes_px(a, xt[i]);
            cairo_move_to(cr, px, a->fy + a->fh);
            cairo_line_to(cr, px, a->fy + a->fh + TICK_LEN);
            cairo_stroke(cr);
            if (i % every)
                continue;   /* tick without label */
            qmap__tick_label(xt[i], xs, e, a->xlog, lab, sizeof lab);
            qmap__text(cr, lab, px, a->fy + a->fh + TICK_LEN + 1, 0.5, 0, TICK_FONT, 0, 0, &w, &h);
            if (h > label_depth) label_depth = h;
        }
        if (e) {
            exponent_markup(e, lab, sizeof lab);
            qmap__text(cr, lab, a->fx + a->fw, a->fy + a->fh + TICK_LEN + 1 + label_depth, 1, 0, TICK_FONT, 0, 0, NULL, &h);
            label_depth += h;
        }
        if (a->xlabel[0])
            qmap__text(cr, a->xlabel, a->fx + a->fw / 2, a->fy + a->fh + TICK_LEN + 2 + label_depth, 0.5, 0,
                       LABEL_FONT, 0, 0, NULL, NULL);
    }
    if (a->show_y) {
        int e = a->ylog ? 0 : qmap__tick_exponent(yt, ny, ys);
        double side = a->y_right ? a->fx + a->fw : a->fx, dir = a->y_right ? 1 : -1;
        for (int i = 0; i < ny; i++) {
            double py = qmap__axes_py(a, yt[i]);
            cairo_move_to(cr, side, py);
            cairo_line_to(cr, side + dir * TICK_LEN, py);
            cairo_stroke(cr);
            qmap__tick_label(yt[i], ys, e, a->ylog, lab, sizeof lab);
            qmap__text(cr, lab, side + dir * (TICK_LEN + 2), py, a->y_right ? 0 : 1, 0.5, TICK_FONT, 0, 0, &w, &h);
            if (w > label_width) label_width = w;
        }
        if (e) {
            exponent_markup(e, lab, sizeof lab);
            qmap__text(cr, lab, side, a->fy - 3, a->y_right ? 0 : 1, 1, TICK_FONT, 0, 0, NULL, NULL);
        }
        if (a->ylabel[0])
            qmap__text(cr, a->ylabel, side + dir * (TICK_LEN + 8 + label_width), a->fy + a->fh / 2, 0.5,
                       a->y_right ? 0 : 1, LABEL_FONT, 0, M_PI / 2, NULL, NULL);
    }
    if (a->title[0])
        qmap__text(cr, a->title, a->fx + a->fw / 2, a->fy - 4 - (a->show_y && !a->ylog && ny && qmap__tick_exponent(yt, ny, ys) ? 14 : 0),
                   0.5, 1, TITLE_FONT, 1, 0, NULL, NULL);
    cairo_restore(cr);
}

/* ---- annotations drawn immediately, inside the frame ---- */

void qmap_axes_annotate(qmap_axes *a, double u, double v, double size, const char *markup)
{
    if (!a || a->fig->finished)
        return;
    cairo_t *cr = a->fig->cr;
    double w, h, x, y;
    qmap__text_size(cr, markup, size, 0, &w, &h);
    box_origin(a, u, v, w + 10, h + 8, &x, &y);
    cairo_save(cr);
    white_box(cr, x, y, w + 10, h + 8);
    cairo_set_source_rgb(cr, 0, 0, 0);
    qmap__text(cr, markup, x + 5, y + 4, 0, 0, size, 0, 0, NULL, NULL);
    cairo_restore(cr);
}

void qmap_axes_scalebar(qmap_axes *a, double length, const char *markup)
{
    if (!a || a->fig->finished || a->polar || !(length > 0))
        return;
    cairo_t *cr = a->fig->cr;
    double bar = fabs(qmap__axes_px(a, a->x0 + length) - qmap__axes_px(a, a->x0));
    double w, h;
    qmap__text_size(cr, markup, TICK_FONT, 0, &w, &h);
    double bw = (bar > w ? bar : w) + 10, bh = h + 4 + 4 + 6;
    double x = a->fx + 6, y = a->fy + a->fh - 6 - bh;
    cairo_save(cr);
    cairo_rectangle(cr, x, y, bw, bh);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.8);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, x + (bw - bar) / 2, y + bh - 4 - 4, bar, 4);
    cairo_fill(cr);
    qmap__text(cr, markup, x + bw / 2, y + 2, 0.5, 0, TICK_FONT, 0, 0, NULL, NULL);
    cairo_restore(cr);
}

void qmap_axes_legend(qmap_axes *a, double u, double v)
{
    if (!a)
        return;
    a->legend_on = 1;
    a->legend_u = u;
    a->legend_v = v;
}
