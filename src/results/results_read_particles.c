/* results_read_particles.c -- /particles of a results file (labels and table, as
 * `qmap particles` writes them; docs/results-file.md), for qmap_results_read.
 *
 * The table is kept as named columns in the file's order, so readers list exactly the
 * columns of /particles/table, whatever version of `qmap particles` wrote them. Labels are
 * checked to lie in 0..n_particles.
 */
#include "results_read.h"
#include "qmap/error.h"
#include "h5util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qmap_results_particles_free(qmap_results_particles *p)
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

static int load_labels(hid_t f, const char *path, qmap_results_particles *p)
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

static int load_table(hid_t f, const char *path, qmap_results_particles *p)
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

int qmap__particles_read_h5(hid_t f, const char *path, qmap_results_particles **out)
{
    *out = NULL;
    if (!qmap_h5_is_group(f, "/particles"))
        return QMAP_OK;
    qmap_results_particles *p = calloc(1, sizeof *p);
    int rc = p ? load_table(f, path, p) : qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc >= 0)
        rc = load_labels(f, path, p);
    if (rc < 0) {
        qmap_results_particles_free(p);
        return rc;
    }
    *out = p;
    return QMAP_OK;
}
