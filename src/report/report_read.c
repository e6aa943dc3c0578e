/* report_read.c -- read a qmap results file back into qmap_results (for the report).
 *
 * Reads only what docs/results-file.md promises, with plain H5Dread, and checks every
 * shape against the map shape of /maps/intensity, so a truncated or foreign file gives one
 * message naming the dataset instead of a misdrawn figure. The file is opened read-only.
 */
#include "qmap/report.h"
#include "qmap/error.h"
#include "h5util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    hid_t f;
    const char *path;
} reader;

/* Read dataset `name` of exactly n values into dst; optional datasets that are missing
 * leave dst untouched and return 1. */
static int read_into(reader *rd, const char *name, double *dst, size_t n, int optional)
{
    if (!qmap_h5_exists(rd->f, name)) {
        if (optional)
            return 1;
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s is missing (not a qmap results file?)", rd->path, name);
    }
    double *v = NULL;
    size_t m = 0;
    const char *why = NULL;
    if (qmap_h5_read_array(rd->f, name, &v, &m, &why) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s %s", rd->path, name, why ? why : "is unreadable");
    if (m != n) {
        free(v);
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s has %zu values, expected %zu", rd->path, name, m, n);
    }
    memcpy(dst, v, n * sizeof *v);
    free(v);
    return QMAP_OK;
}

/* A 1D axis of bin centres (first and last centre, count). */
static int read_axis(reader *rd, const char *name, qmap_axis *ax)
{
    double *v = NULL;
    size_t m = 0;
    const char *why = NULL;
    if (qmap_h5_read_array(rd->f, name, &v, &m, &why) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s %s", rd->path, name, why ? why : "is unreadable");
    int ok = m >= 2 && isfinite(v[0]) && isfinite(v[m - 1]) && v[m - 1] > v[0];
    if (ok) {
        ax->min = v[0];
        ax->max = v[m - 1];
        ax->n = (int)m;
    }
    free(v);
    if (!ok)
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s is not an increasing axis of >= 2 bin centres", rd->path, name);
    return QMAP_OK;
}

/* Group g holding axes qx, qy, qz and two 3D datasets of their shape. */
static int read_grid(reader *rd, const char *g, const char *n1, const char *n2, qmap_axis ax[3],
                     double **d1, double **d2)
{
    char p[128];
    static const char *names[3] = {"qx", "qy", "qz"};
    for (int a = 0; a < 3; a++) {
        snprintf(p, sizeof p, "%s/%s", g, names[a]);
        int rc = read_axis(rd, p, &ax[a]);
        if (rc < 0)
            return rc;
    }
    size_t n = (size_t)ax[0].n * ax[1].n * ax[2].n;
    *d1 = malloc(n * sizeof **d1);
    *d2 = malloc(n * sizeof **d2);
    if (!*d1 || !*d2)
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for %s", rd->path, g);
    snprintf(p, sizeof p, "%s/%s", g, n1);
    int rc = read_into(rd, p, *d1, n, 0);
    if (rc < 0)
        return rc;
    snprintf(p, sizeof p, "%s/%s", g, n2);
    return read_into(rd, p, *d2, n, 0);
}

static herr_t param_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    qmap_results *r = data;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t t = H5Aget_type(a);
    if (H5Tget_class(t) == H5T_STRING && strcmp(name, "NX_class") != 0) {
        char *value = NULL;
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            char *vs = NULL;
            if (H5Aread(a, mt, &vs) >= 0 && vs) {
                value = strdup(vs);
                H5free_memory(vs);
            }
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(t);
            value = calloc(sz + 1, 1);
            if (value && H5Aread(a, t, value) < 0) {
                free(value);
                value = NULL;
            }
        }
        if (value)
            qmap_results_param(r, name, "%s", value);
        free(value);
    }
    H5Tclose(t);
    H5Aclose(a);
    return 0;
}

static int load(reader *rd, qmap_results **out)
{
    int rank;
    hsize_t dims[4];
    const char *why = NULL;
    if (!qmap_h5_exists(rd->f, "/maps/intensity"))
        return qmap_error(QMAP_ERR_FORMAT, "%s: /maps/intensity is missing (not a qmap results file?)", rd->path);
    if (qmap_h5_shape(rd->f, "/maps/intensity", 4, &rank, dims, &why) < 0 || rank != 2 || dims[0] < 1 || dims[1] < 1)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /maps/intensity is not a 2D map", rd->path);
    int n_slow = (int)dims[0], n_fast = (int)dims[1];
    int n_scans = 0;
    if (qmap_h5_exists(rd->f, "/scans/eta") &&
        qmap_h5_shape(rd->f, "/scans/eta", 4, &rank, dims, &why) >= 0 && rank == 1)
        n_scans = (int)dims[0];
    if (n_scans < 1)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /scans/eta is missing or empty", rd->path);
    int with_c = qmap_h5_exists(rd->f, "/maps/c");
    qmap_results *r = qmap_results_new(n_fast, n_slow, n_scans, with_c);
    if (!r)
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for a %d x %d map", rd->path, n_slow, n_fast);
    *out = r;
    size_t n = (size_t)n_fast * n_slow;
    char p[128];
    int rc = QMAP_OK;
    for (int k = 0; k < QMAP_N_MAPS && rc >= 0; k++) {
        if (!r->maps[k])
            continue;
        snprintf(p, sizeof p, "/maps/%s", qmap_map_name(k));
        rc = read_into(rd, p, r->maps[k], n, 0);
    }
    double *tmp = malloc(n * sizeof *tmp);
    if (rc >= 0 && !tmp)
        rc = qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", rd->path);
    if (rc >= 0 && (rc = read_into(rd, "/maps/mask", tmp, n, 0)) >= 0)
        for (size_t i = 0; i < n; i++)
            r->mask[i] = tmp[i] != 0;
    free(tmp);
    if (rc >= 0) rc = read_into(rd, "/maps/x", r->x, n_fast, 0);
    if (rc >= 0) rc = read_into(rd, "/maps/y", r->y, n_slow, 0);
    if (rc >= 0) rc = read_into(rd, "/scans/eta", r->eta, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/scans/intensity", r->scan_intensity, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/shift/x", r->shift_x, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/shift/y", r->shift_y, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/shift/measured_x", r->measured_shift_x, n_scans, 1);
    if (rc >= 0) rc = read_into(rd, "/shift/measured_y", r->measured_shift_y, n_scans, 1);
    if (rc >= 0 && qmap_h5_exists(rd->f, "/qspace/mean_q")) rc = read_into(rd, "/qspace/mean_q", r->mean_q, 3, 0);
    if (rc >= 0 && qmap_h5_is_group(rd->f, "/qspace_overview")) {
        rc = read_grid(rd, "/qspace_overview", "sum", "hits", r->overview_axes, &r->overview_sum, &r->overview_hits);
        if (rc >= 0) rc = read_into(rd, "/qspace_overview/voi", r->voi, 6, 0);
    }
    if (rc >= 0 && qmap_h5_exists(rd->f, "/qspace/average"))
        rc = read_grid(rd, "/qspace", "average", "hits", r->axes, &r->qspace_average, &r->qspace_hits);
    if (rc >= 0 && qmap_h5_is_group(rd->f, "/parameters")) {
        hid_t g = H5Gopen2(rd->f, "/parameters", H5P_DEFAULT);
        if (g >= 0) {
            hsize_t idx = 0;
            if (H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, param_cb, r) < 0) {
                idx = 0;   /* creation order not tracked: alphabetical */
                H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, param_cb, r);
            }
            H5Gclose(g);
        }
    }
    return rc;
}

int qmap_report_load(const char *path, qmap_results **out)
{
    *out = NULL;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    reader rd = {-1, path};
    int rc = qmap_h5_open_file(path, &rd.f);
    qmap_results *r = NULL;
    if (rc >= 0) {
        rc = load(&rd, &r);
        H5Fclose(rd.f);
    }
    qmap_h5_quiet_end(&q);
    if (rc < 0) {
        qmap_results_free(r);
        return rc;
    }
    *out = r;
    return QMAP_OK;
}
