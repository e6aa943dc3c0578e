/* plot_figure.c -- figures and axes of plot.h: canvas, text, axes records, output files and
 * the in-memory encodings qmap view sends.
 *
 * Drawing goes to a cairo recording surface, so one drawing serves every output (PNG at
 * any scale, SVG, PDF) and can be placed into composite figures. Files are written through
 * an exclusive temporary (qmap/output.h) and renamed, so a figure file that exists is always
 * complete and no planted symbolic link is followed.
 */
#include "plot_internal.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

qmap_figure *qmap_figure_new(double width, double height)
{
    if (!(width > 0 && height > 0 && width < 1e5 && height < 1e5)) {
        qmap_error(QMAP_ERR_VALUE, "figure size %g x %g is not in (0, 1e5)", width, height);
        return NULL;
    }
    qmap_figure *f = calloc(1, sizeof *f);
    if (!f) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory for a figure");
        return NULL;
    }
    f->width = width;
    f->height = height;
    cairo_rectangle_t extent = {0, 0, width, height};
    f->rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extent);
    f->cr = cairo_create(f->rec);
    if (cairo_status(f->cr) != CAIRO_STATUS_SUCCESS) {
        qmap_error(QMAP_ERR_INTERNAL, "cairo could not create a figure: %s",
                   cairo_status_to_string(cairo_status(f->cr)));
        qmap_figure_free(f);
        return NULL;
    }
    cairo_set_source_rgb(f->cr, 1, 1, 1);
    cairo_paint(f->cr);
    /* qmap__text finds the figure's list of text boxes through its cairo context */
    cairo_set_user_data(f->cr, &qmap__text_boxes_key, &f->boxes, NULL);
    return f;
}

int qmap_figure_text_boxes(qmap_figure *f, const double **xyxy)
{
    qmap_figure_finish(f);
    *xyxy = f->boxes.xyxy;
    return f->boxes.n;
}

void qmap_figure_free(qmap_figure *f)
{
    if (!f)
        return;
    for (int i = 0; i < f->n_axes; i++)
        free(f->axes[i]);
    free(f->axes);
    free(f->boxes.xyxy);
    if (f->cr)
        cairo_destroy(f->cr);
    if (f->rec)
        cairo_surface_destroy(f->rec);
    free(f);
}

double qmap_figure_width(const qmap_figure *f) { return f->width; }
double qmap_figure_height(const qmap_figure *f) { return f->height; }

void qmap_figure_text(qmap_figure *f, double x, double y, double ax, double ay, double size,
                      int bold, const char *markup)
{
    cairo_set_source_rgb(f->cr, 0, 0, 0);
    qmap__text(f->cr, markup, x, y, ax, ay, size, bold, 0, NULL, NULL);
}

void qmap_figure_finish(qmap_figure *f)
{
    if (f->finished)
        return;
    for (int i = 0; i < f->n_axes; i++)
        qmap__axes_decorate(f->axes[i]);
    f->finished = 1;
}

void qmap_figure_place(qmap_figure *f, qmap_figure *src, double x, double y, double scale)
{
    qmap_figure_finish(src);
    if (src->failed && !f->failed)
        f->failed = src->failed;
    cairo_save(f->cr);
    cairo_translate(f->cr, x, y);
    cairo_scale(f->cr, scale, scale);
    cairo_set_source_surface(f->cr, src->rec, 0, 0);
    cairo_paint(f->cr);
    cairo_restore(f->cr);
    for (int i = 0; i < src->boxes.n; i++) {
        const double *b = src->boxes.xyxy + 4 * i;
        qmap__text_boxes_add(&f->boxes, x + scale * b[0], y + scale * b[1], x + scale * b[2], y + scale * b[3]);
    }
}

static int check_figure(qmap_figure *f, const char *path)
{
    qmap_figure_finish(f);
    if (f->failed)
        return qmap_error(f->failed, "%s: figure drawing failed (out of memory)", path);
    if (cairo_status(f->cr) != CAIRO_STATUS_SUCCESS)
        return qmap_error(QMAP_ERR_INTERNAL, "%s: cairo: %s", path,
                          cairo_status_to_string(cairo_status(f->cr)));
    return QMAP_OK;
}

/* cairo's stream writer onto the temporary's file descriptor */
static cairo_status_t write_fd(void *closure, const unsigned char *data, unsigned int length)
{
    int fd = *(int *)closure;
    while (length > 0) {
        ssize_t put = write(fd, data, length);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return CAIRO_STATUS_WRITE_ERROR;
        data += put;
        length -= (unsigned int)put;
    }
    return CAIRO_STATUS_SUCCESS;
}

static int finish_file(const char *tmp, int fd, const char *path, cairo_status_t st)
{
    if (close(fd) != 0 && st == CAIRO_STATUS_SUCCESS)
        st = CAIRO_STATUS_WRITE_ERROR;
    if (st != CAIRO_STATUS_SUCCESS) {
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "cannot write %s: %s", path, cairo_status_to_string(st));
    }
    return qmap_temp_commit(tmp, path);
}

/* The figure rendered at scale, white behind it, into *out; QMAP_OK or a negative status. */
static int render_png(qmap_figure *f, const char *name, double scale, cairo_surface_t **out)
{
    *out = NULL;
    int rc = check_figure(f, name);
    if (rc < 0)
        return rc;
    if (!(scale > 0 && scale <= 16))
        return qmap_error(QMAP_ERR_VALUE, "%s: PNG scale %g is not in (0, 16]", name, scale);
    int w = (int)ceil(f->width * scale - 1e-9), h = (int)ceil(f->height * scale - 1e-9);
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(img);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, scale, scale);
    cairo_set_source_surface(cr, f->rec, 0, 0);
    cairo_paint(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return qmap_error(QMAP_ERR_INTERNAL, "%s: cairo: %s", name, cairo_status_to_string(st));
    }
    *out = img;
    return QMAP_OK;
}

int qmap_figure_write_png_fd(qmap_figure *f, int fd, const char *name, double scale)
{
    cairo_surface_t *img;
    int rc = render_png(f, name, scale, &img);
    if (rc < 0)
        return rc;
    cairo_status_t st = qmap__encode_png(img, write_fd, &fd);
    cairo_surface_destroy(img);
    return st == CAIRO_STATUS_SUCCESS ? QMAP_OK
                                      : qmap_error(QMAP_ERR_IO, "cannot write %s: %s", name, cairo_status_to_string(st));
}

int qmap_figure_write_png(qmap_figure *f, const char *path, double scale)
{
    cairo_surface_t *img;
    int rc = render_png(f, path, scale, &img);
    if (rc < 0)
        return rc;
    char tmp[4400];
    int fd = qmap_temp_create(path, tmp, sizeof tmp);
    if (fd < 0) {
        cairo_surface_destroy(img);
        return fd;
    }
    cairo_status_t st = qmap__encode_png(img, write_fd, &fd);
    cairo_surface_destroy(img);
    return finish_file(tmp, fd, path, st);
}

/* The recorded figure replayed onto a PDF or SVG stream (a checked figure). */
static cairo_status_t paint_vector(qmap_figure *f, int pdf, cairo_write_func_t writer, void *closure)
{
    cairo_surface_t *s = pdf ? cairo_pdf_surface_create_for_stream(writer, closure, f->width, f->height)
                             : cairo_svg_surface_create_for_stream(writer, closure, f->width, f->height);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_surface(cr, f->rec, 0, 0);
    cairo_paint(cr);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    return st;
}

static int write_vector(qmap_figure *f, const char *path, int pdf)
{
    int rc = check_figure(f, path);
    if (rc < 0)
        return rc;
    char tmp[4400];
    int fd = qmap_temp_create(path, tmp, sizeof tmp);
    if (fd < 0)
        return fd;
    return finish_file(tmp, fd, path, paint_vector(f, pdf, write_fd, &fd));
}

int qmap_figure_write_svg(qmap_figure *f, const char *path) { return write_vector(f, path, 0); }
int qmap_figure_write_pdf(qmap_figure *f, const char *path) { return write_vector(f, path, 1); }

/* cairo's stream writer into a growing memory buffer (one byte kept for a closing NUL) */
typedef struct {
    char *data;
    size_t len, cap;
} memory_sink;

static cairo_status_t write_memory(void *closure, const unsigned char *data, unsigned int length)
{
    memory_sink *m = closure;
    if (m->len + length + 1 > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (m->len + length + 1 > cap)
            cap *= 2;
        char *grown = realloc(m->data, cap);
        if (!grown)
            return CAIRO_STATUS_NO_MEMORY;
        m->data = grown;
        m->cap = cap;
    }
    memcpy(m->data + m->len, data, length);
    m->len += length;
    m->data[m->len] = '\0';
    return CAIRO_STATUS_SUCCESS;
}

int qmap_figure_encode(qmap_figure *f, const char *name, int svg, double scale, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    memory_sink m = {0};
    cairo_status_t st;
    if (svg) {
        int rc = check_figure(f, name);
        if (rc < 0)
            return rc;
        st = paint_vector(f, 0, write_memory, &m);
    } else {
        cairo_surface_t *img;
        int rc = render_png(f, name, scale, &img);
        if (rc < 0)
            return rc;
        st = qmap__encode_png(img, write_memory, &m);
        cairo_surface_destroy(img);
    }
    if (st != CAIRO_STATUS_SUCCESS || !m.data) {
        free(m.data);
        return qmap_error(st == CAIRO_STATUS_NO_MEMORY ? QMAP_ERR_NOMEM : QMAP_ERR_INTERNAL, "%s: cannot encode the figure: %s",
                          name, cairo_status_to_string(st));
    }
    *data = m.data;
    *len = m.len;
    return QMAP_OK;
}

/* ---- axes records ---- */

static qmap_axes *add_axes(qmap_figure *f, double x, double y, double w, double h)
{
    qmap_axes *a = calloc(1, sizeof *a);
    qmap_axes **list = a ? realloc(f->axes, (f->n_axes + 1) * sizeof *list) : NULL;
    if (!list) {
        free(a);
        f->failed = QMAP_ERR_NOMEM;
        qmap_error(QMAP_ERR_NOMEM, "out of memory for axes");
        return NULL;
    }
    f->axes = list;
    f->axes[f->n_axes++] = a;
    a->fig = f;
    a->fx = x;
    a->fy = y;
    a->fw = w;
    a->fh = h;
    a->x0 = a->y0 = 0;
    a->x1 = a->y1 = 1;
    a->show_x = a->show_y = 1;
    return a;
}

qmap_axes *qmap_axes_new(qmap_figure *f, double x, double y, double w, double h)
{
    return add_axes(f, x, y, w, h);
}

qmap_axes *qmap_axes_new_polar(qmap_figure *f, double x, double y, double w, double h,
                               double rmax, const char *unit)
{
    qmap_axes *a = add_axes(f, x, y, w, h);
    if (!a)
        return NULL;
    a->polar = 1;
    a->x1 = 360;
    a->y1 = rmax > 0 && isfinite(rmax) ? rmax : 1;
    snprintf(a->unit, sizeof a->unit, "%s", unit ? unit : "");
    qmap__polar_grid(a);
    return a;
}

void qmap_axes_set_polar_labels(qmap_axes *a, double zero_deg, int clockwise)
{
    if (a && a->polar) {
        a->polar_zero = zero_deg;
        a->polar_clockwise = clockwise;
    }
}

void qmap_axes_set_xlim(qmap_axes *a, double lo, double hi)
{
    if (a && !a->polar && isfinite(lo) && isfinite(hi) && hi != lo) {
        a->x0 = lo;
        a->x1 = hi;
    }
}

void qmap_axes_set_ylim(qmap_axes *a, double lo, double hi)
{
    if (a && isfinite(lo) && isfinite(hi) && hi != lo) {
        if (a->polar) {
            if (hi > 0) a->y1 = hi;
            return;
        }
        a->y0 = lo;
        a->y1 = hi;
    }
}

void qmap_axes_set_log(qmap_axes *a, int xlog, int ylog)
{
    if (a) {
        a->xlog = xlog;
        a->ylog = ylog;
    }
}

void qmap_axes_set_xlabel(qmap_axes *a, const char *m) { if (a) snprintf(a->xlabel, sizeof a->xlabel, "%s", m); }
void qmap_axes_set_ylabel(qmap_axes *a, const char *m) { if (a) snprintf(a->ylabel, sizeof a->ylabel, "%s", m); }
void qmap_axes_set_title(qmap_axes *a, const char *m) { if (a) snprintf(a->title, sizeof a->title, "%s", m); }

void qmap_axes_show_ticks(qmap_axes *a, int show_x, int show_y, int y_right)
{
    if (a) {
        a->show_x = show_x;
        a->show_y = show_y;
        a->y_right = y_right;
    }
}

void qmap_axes_set_grid(qmap_axes *a, int on) { if (a) a->grid = on; }
void qmap_axes_set_frame(qmap_axes *a, int on) { if (a) a->no_frame = !on; }

void qmap_axes_frame(const qmap_axes *a, double rect[4])
{
    rect[0] = a->fx;
    rect[1] = a->fy;
    rect[2] = a->fw;
    rect[3] = a->fh;
}

void qmap_axes_limits(const qmap_axes *a, double lim[4])
{
    lim[0] = a->x0;
    lim[1] = a->x1;
    lim[2] = a->y0;
    lim[3] = a->y1;
}

qmap_axes *qmap_figure_axes(const qmap_figure *f, int index)
{
    return index >= 0 && index < f->n_axes ? f->axes[index] : NULL;
}

void qmap_axes_to_figure(const qmap_axes *a, double x, double y, double *fx, double *fy)
{
    if (a->polar) {
        double cx = a->fx + a->fw / 2, cy = a->fy + a->fh / 2;
        double radius = (a->fw < a->fh ? a->fw : a->fh) / 2;
        double rr = y / a->y1 * radius, th = x * M_PI / 180;
        *fx = cx + rr * cos(th);
        *fy = cy - rr * sin(th);
        return;
    }
    *fx = qmap__axes_px(a, x);
    *fy = qmap__axes_py(a, y);
}

void qmap__axes_clip(const qmap_axes *a)
{
    cairo_t *cr = a->fig->cr;
    cairo_save(cr);
    if (a->polar) {
        double radius = (a->fw < a->fh ? a->fw : a->fh) / 2;
        cairo_arc(cr, a->fx + a->fw / 2, a->fy + a->fh / 2, radius + 4, 0, 2 * M_PI);
    } else {
        cairo_rectangle(cr, a->fx, a->fy, a->fw, a->fh);
    }
    cairo_clip(cr);
}
