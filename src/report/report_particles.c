/* report_particles.c -- the particles of a results file in the report: read /particles
 * (labels and table, as `qmap particles` writes them; docs/results-file.md) and draw the
 * labelled-particle map.
 *
 * The map shows every label in its own colour (qmap_report_label_color), positions without
 * a particle in the neutral NaN grey, and each label's number at its centroid: the mean
 * x, y (micrometres) of its positions, which is the table's centroid_x, centroid_y by
 * definition, computed here from the labels so the numbers always sit on the drawn map.
 * The table is kept as named columns in the file's order, so report.html lists exactly the
 * columns of /particles/table, whatever version of `qmap particles` wrote them.
 */
#include "report_internal.h"
#include "qmap/error.h"
#include "h5util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char qmap__particles_caption[] =
    "Particles labelled by qmap particles: one colour per particle, its label number at its centroid "
    "(grey = no particle); the table below lists /particles/table, one row per particle.";

void qmap_report_particles_free(qmap_report_particles *p)
{
    if (!p)
        return;
    for (int k = 0; k < p->n_columns; k++) {
        free(p->names ? p->names[k] : NULL);
        free(p->units ? p->units[k] : NULL);
    }
    free(p->names), free(p->units), free(p->values), free(p->labels);
    free(p);
}

const double *qmap_report_particles_column(const qmap_report_particles *p, const char *name)
{
    for (int k = 0; p && k < p->n_columns; k++)
        if (strcmp(p->names[k], name) == 0)
            return p->values + (size_t)k * p->n_particles;
    return NULL;
}

qmap_rgb qmap_report_label_color(int label)
{
    if (label <= 0)
        return qmap_nan_color;
    int i = label - 1;
    double h = fmod(0.11 + 0.6180339887498949 * i, 1.0);
    double s = i % 2 ? 0.55 : 0.85, v = (i / 2) % 2 ? 0.80 : 0.97;
    return qmap_hsv_to_rgb(h, s, v);
}

/* ---- reading ---- */

/* String attribute `name` of obj (fixed or variable length, scalar or 1D) as n new strings. */
static int read_string_attr(hid_t obj, const char *name, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), t = a < 0 ? -1 : H5Aget_type(a), s = a < 0 ? -1 : H5Aget_space(a);
    int rc = -1;
    hssize_t count = s < 0 ? -1 : H5Sget_simple_extent_npoints(s);
    if (t >= 0 && H5Tget_class(t) == H5T_STRING && count > 0 && count < 100000) {
        char **v = calloc((size_t)count, sizeof *v);
        if (v && H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            char **raw = calloc((size_t)count, sizeof *raw);
            if (raw && H5Aread(a, mt, raw) >= 0) {
                rc = 0;
                for (hssize_t i = 0; i < count; i++)
                    if (!(v[i] = strdup(raw[i] ? raw[i] : "")))
                        rc = -1;
                H5Dvlen_reclaim(mt, s, H5P_DEFAULT, raw);
            }
            free(raw);
            H5Tclose(mt);
        } else if (v) {
            size_t sz = H5Tget_size(t);
            char *raw = calloc((size_t)count, sz + 1);
            if (raw && H5Aread(a, t, raw) >= 0) {
                rc = 0;
                for (hssize_t i = 0; i < count; i++)
                    if (!(v[i] = strndup(raw + i * sz, sz)))
                        rc = -1;
            }
            free(raw);
        }
        if (rc == 0) {
            *out = v;
            *n = (int)count;
        } else if (v) {
            for (hssize_t i = 0; i < count; i++)
                free(v[i]);
            free(v);
        }
    }
    if (s >= 0) H5Sclose(s);
    if (t >= 0) H5Tclose(t);
    if (a >= 0) H5Aclose(a);
    return rc;
}

static int load_labels(hid_t f, const char *path, qmap_report_particles *p)
{
    int rank = 0;
    hsize_t dims[3] = {0, 0, 0};
    const char *why = NULL;
    if (qmap_h5_shape(f, "/particles/labels", 3, &rank, dims, &why) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /particles/labels %s", path, why ? why : "is unreadable");
    if (rank != 2 || dims[0] == 0 || dims[1] == 0 || dims[0] * dims[1] > (1u << 30)) {
        char shape[64];
        qmap_h5_format_shape(rank, dims, shape, sizeof shape);
        return qmap_error(QMAP_ERR_FORMAT, "%s: /particles/labels is %s, expected a 2D map", path, shape);
    }
    double *v = NULL;
    size_t n = 0;
    if (qmap_h5_read_array(f, "/particles/labels", &v, &n, &why) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /particles/labels %s", path, why ? why : "is unreadable");
    p->n_slow = (int)dims[0];
    p->n_fast = (int)dims[1];
    p->labels = malloc(n * sizeof *p->labels);
    if (!p->labels) {
        free(v);
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for /particles/labels", path);
    }
    for (size_t i = 0; i < n; i++) {
        if (!(v[i] >= 0 && v[i] <= p->n_particles && v[i] == floor(v[i]))) {
            int rc = qmap_error(QMAP_ERR_FORMAT, "%s: /particles/labels holds %g at position %zu, expected a "
                                "label 0..%d (rows of /particles/table)", path, v[i], i, p->n_particles);
            free(v);
            return rc;
        }
        p->labels[i] = (int32_t)v[i];
    }
    free(v);
    return QMAP_OK;
}

static int load_table(hid_t f, const char *path, qmap_report_particles *p)
{
    hid_t t = H5Gopen2(f, "/particles/table", H5P_DEFAULT);
    if (t < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /particles/table is missing", path);
    int rc = read_string_attr(t, "columns", &p->names, &p->n_columns) < 0
                 ? qmap_error(QMAP_ERR_FORMAT, "%s: /particles/table has no columns attribute", path)
                 : QMAP_OK;
    p->units = rc == QMAP_OK ? calloc((size_t)p->n_columns, sizeof *p->units) : NULL;
    if (rc == QMAP_OK && !p->units)
        rc = qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", path);
    for (int k = 0; rc == QMAP_OK && k < p->n_columns; k++) {
        char name[512];
        snprintf(name, sizeof name, "/particles/table/%s", p->names[k]);
        double *v = NULL;
        size_t n = 0;
        const char *why = NULL;
        if (qmap_h5_read_array(f, name, &v, &n, &why) < 0) {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: %s %s", path, name, why ? why : "is unreadable");
            break;
        }
        if (k == 0) {
            p->n_particles = (int)n;
            p->values = malloc(((size_t)p->n_columns * n + 1) * sizeof *p->values);
            if (!p->values)
                rc = qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for /particles/table", path);
        } else if (n != (size_t)p->n_particles) {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: %s has %zu rows, %s has %d", path, name, n, p->names[0],
                            p->n_particles);
        }
        if (rc == QMAP_OK)
            memcpy(p->values + (size_t)k * p->n_particles, v, n * sizeof *v);
        free(v);
        hid_t d = rc == QMAP_OK ? H5Dopen2(t, p->names[k], H5P_DEFAULT) : -1;
        char **u = NULL;
        int nu = 0;
        if (d >= 0 && read_string_attr(d, "units", &u, &nu) == 0 && nu == 1) {
            p->units[k] = u[0];
            free(u);
        } else if (u) {
            for (int i = 0; i < nu; i++)
                free(u[i]);
            free(u);
        }
        if (d >= 0)
            H5Dclose(d);
        if (rc == QMAP_OK && !p->units[k] && !(p->units[k] = strdup("")))
            rc = qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", path);
    }
    H5Gclose(t);
    return rc;
}

int qmap_report_particles_load(const char *results_path, qmap_report_particles **out)
{
    *out = NULL;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t f = -1;
    int rc = qmap_h5_open_file(results_path, &f);
    qmap_report_particles *p = NULL;
    if (rc >= 0 && qmap_h5_is_group(f, "/particles")) {
        p = calloc(1, sizeof *p);
        rc = p ? load_table(f, results_path, p) : qmap_error(QMAP_ERR_NOMEM, "out of memory");
        if (rc >= 0)
            rc = load_labels(f, results_path, p);
    }
    if (f >= 0)
        H5Fclose(f);
    qmap_h5_quiet_end(&q);
    if (rc < 0) {
        qmap_report_particles_free(p);
        return rc;
    }
    *out = p;
    return QMAP_OK;
}

/* ---- the figure ---- */

int qmap_report_particles_figure(const qmap_results *r, const qmap_report_particles *p, qmap_figure **out)
{
    *out = NULL;
    if (p->n_fast != r->n_fast || p->n_slow != r->n_slow)
        return qmap_error(QMAP_ERR_VALUE, "/particles/labels is %d x %d, the maps are %d x %d", p->n_slow,
                          p->n_fast, r->n_slow, r->n_fast);
    size_t n = (size_t)r->n_fast * r->n_slow;
    size_t np = (size_t)p->n_particles + 1;
    qmap_rgb *px = malloc(n * sizeof *px);
    double *sx = calloc(np, sizeof *sx), *sy = calloc(np, sizeof *sy);
    long *count = calloc(np, sizeof *count);
    double w, h, e[4];
    qmap__map_frame_size(r, 380, 380, &w, &h);
    qmap__map_extent(r, e);
    qmap_figure *f = px && sx && sy && count ? qmap_figure_new(66 + w + 40, 34 + h + 56) : NULL;
    if (!f) {
        free(px), free(sx), free(sy), free(count);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for the particle map");
    }
    for (size_t i = 0; i < n; i++) {
        int l = p->labels[i];
        px[i] = l > 0 ? qmap_report_label_color(l) : (qmap_rgb){NAN, NAN, NAN};
        if (l > 0) {
            sx[l] += r->x[i % r->n_fast];
            sy[l] += r->y[i / r->n_fast];
            count[l]++;
        }
    }
    qmap_axes *a = qmap_axes_new(f, 66, 34, w, h);
    qmap_axes_set_xlim(a, fmin(e[0], e[1]), fmax(e[0], e[1]));
    qmap_axes_set_ylim(a, fmin(e[2], e[3]), fmax(e[2], e[3]));
    qmap_axes_set_xlabel(a, "x (\u00b5m)");
    qmap_axes_set_ylabel(a, "y (\u00b5m)");
    char title[128];
    snprintf(title, sizeof title, "Particles (%d labelled)", p->n_particles);
    qmap_axes_set_title(a, title);
    qmap_plot_rgb_image(a, px, r->n_fast, r->n_slow, e[0], e[1], e[2], e[3]);
    double size = p->n_particles > 60 ? 6.5 : 9;
    for (int l = 1; l <= p->n_particles; l++) {
        if (!count[l])
            continue;
        char num[32];
        snprintf(num, sizeof num, "<b>%d</b>", l);
        qmap_plot_text(a, sx[l] / count[l], sy[l] / count[l], 0.5, 0.5, size, (qmap_rgb){0, 0, 0}, num);
    }
    double len = qmap_nice_length(fabs(e[1] - e[0]) / 5);
    char lab[64];
    snprintf(lab, sizeof lab, "%g \u00b5m", len);
    qmap_axes_scalebar(a, len, lab);
    free(px), free(sx), free(sy), free(count);
    *out = f;
    return QMAP_OK;
}
