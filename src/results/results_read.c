/* results_read.c -- the one reader of a qmap results file (qmap_results_read): the report,
 * `qmap particles`, `qmap view`, the truth comparison, the CLI and the Python binding all
 * read results through it.
 *
 * Reads only what docs/results-file.md promises, with plain H5Dread after the checksum seal
 * is checked (qmap_h5_open_file), and checks every shape against the map shape of
 * /maps/mask, so a truncated or foreign file gives one message naming the file and the
 * dataset instead of a misdrawn figure. The file is opened read-only. Big or rarely needed
 * parts are read on request (QMAP_READ_*); the per-position q-space cube is never read
 * whole: qmap_results_open keeps the file open and qmap_results_cube_read reads one map row.
 */
#include "qmap/results.h"
#include "qmap/error.h"
#include "h5util.h"
#include "results_read.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qmap_results_file {
    char *path;
    hid_t file;            /* open read-only while the cube may be read, else -1 */
    hid_t cube;            /* /qspace/cube, or -1 */
    qmap_results *r;
};

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
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s has %zu values, expected %zu (the /maps/mask shape)",
                          rd->path, name, m, n);
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

/* One string attribute of /parameters as a (key, text) parameter. */
static herr_t param_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
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

/* A copy of parameter key into *dst (NULL when the file has none). */
static int typed_param(reader *rd, const qmap_results *r, const char *key, char **dst)
{
    const char *v = qmap_results_param_get(r, key);
    if (v && !(*dst = strdup(v)))
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for /parameters %s", rd->path, key);
    return QMAP_OK;
}

/* The string attributes of /parameters (the parameters as text), the energy as a number
 * and the run's paths and scans as typed fields. */
static int read_parameters(reader *rd, qmap_results *r)
{
    if (!qmap_h5_is_group(rd->f, "/parameters"))
        return QMAP_OK;
    hid_t g = H5Gopen2(rd->f, "/parameters", H5P_DEFAULT);
    if (g < 0)
        return QMAP_OK;
    hsize_t idx = 0;
    if (H5Aiterate2(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, param_cb, r) < 0) {
        idx = 0;   /* creation order not tracked: alphabetical */
        H5Aiterate2(g, H5_INDEX_NAME, H5_ITER_INC, &idx, param_cb, r);
    }
    H5Gclose(g);
    /* the energy as a number (setup records it with %.6f) */
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->param_keys[i], "energy_ev") == 0) {
            char *end = NULL;
            double e = strtod(r->param_values[i], &end);
            if (end != r->param_values[i] && isfinite(e))
                r->energy_ev = e;
        }
    int rc = typed_param(rd, r, "input_path", &r->input_path);
    if (rc >= 0) rc = typed_param(rd, r, "mask_path", &r->mask_path);
    if (rc >= 0) rc = typed_param(rd, r, "scans", &r->scans_used);
    return rc;
}

/* QMAP_READ_RUN: what recomputing the run from the raw data needs, each part required: the
 * VOI of /qspace_overview and the bin axes of /qspace (the grids themselves are not read). */
static int read_run(reader *rd, qmap_results *r)
{
    if (!qmap_h5_exists(rd->f, "/qspace_overview/voi"))
        return qmap_error(QMAP_ERR_FORMAT, "%s: /qspace_overview/voi is missing (needed to recompute a position)",
                          rd->path);
    int rc = read_into(rd, "/qspace_overview/voi", r->voi, 6, 0);
    static const char *names[3] = {"/qspace/qx", "/qspace/qy", "/qspace/qz"};
    for (int a = 0; rc >= 0 && a < 3; a++)
        rc = read_axis(rd, names[a], &r->axes[a]);
    return rc;
}

/* /fit/<axis>/<field>: the per-position Gaussian fits, each optional (older files). */
static int read_fit(reader *rd, qmap_results *r)
{
    size_t n = (size_t)r->n_fast * r->n_slow;
    static const char *axes[3] = {"qx", "qy", "qz"};
    static const char *fields[4] = {"center", "sigma", "area", "status"};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 4; k++) {
            char name[64];
            snprintf(name, sizeof name, "/fit/%s/%s", axes[a], fields[k]);
            if (!qmap_h5_exists(rd->f, name))
                continue;
            double *d = NULL;
            size_t m = 0;
            const char *why = NULL;
            if (qmap_h5_read_array(rd->f, name, &d, &m, &why) < 0 || m != n) {
                free(d);
                return qmap_error(QMAP_ERR_FORMAT, "%s: %s %s", rd->path, name,
                                  why ? why : "does not have the shape of the maps");
            }
            double *dst = k == 0 ? r->fit[a].center : k == 1 ? r->fit[a].sigma : k == 2 ? r->fit[a].area : NULL;
            for (size_t i = 0; i < n; i++) {
                if (dst)
                    dst[i] = d[i];
                else
                    r->fit[a].status[i] = d[i] == 1;
            }
            free(d);
        }
    return QMAP_OK;
}

/* The map shape, from /maps/mask (every results file has it; the particle analysis reads
 * nothing else first, so its message names it). */
static int map_shape(reader *rd, int *n_slow, int *n_fast)
{
    int rank = 0;
    hsize_t dims[3] = {0, 0, 0};
    const char *why = NULL;
    if (qmap_h5_shape(rd->f, "/maps/mask", 3, &rank, dims, &why) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /maps/mask %s (is it a qmap results file?)", rd->path,
                          why ? why : "is unreadable");
    if (rank != 2 || dims[0] == 0 || dims[1] == 0 || dims[0] * dims[1] > (1u << 30)) {
        char shape[64];
        qmap_h5_format_shape(rank, dims, shape, sizeof shape);
        return qmap_error(QMAP_ERR_FORMAT, "%s: /maps/mask is %s, expected a non-empty 2D map", rd->path, shape);
    }
    *n_slow = (int)dims[0];
    *n_fast = (int)dims[1];
    return QMAP_OK;
}

static int load(reader *rd, unsigned parts, qmap_results **out)
{
    int n_slow = 0, n_fast = 0;
    int rc = map_shape(rd, &n_slow, &n_fast);
    if (rc < 0)
        return rc;
    int rank;
    hsize_t dims[4];
    const char *why = NULL;
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
            r->mask[i] = isfinite(tmp[i]) && tmp[i] != 0;
    free(tmp);
    if (rc >= 0 && qmap_h5_exists(rd->f, "/maps/background"))   /* since 2026-12-08 */
        rc = read_into(rd, "/maps/background", r->background, n, 0);
    if (rc >= 0) rc = read_into(rd, "/maps/x", r->x, n_fast, 0);
    if (rc >= 0) rc = read_into(rd, "/maps/y", r->y, n_slow, 0);
    if (rc >= 0) rc = read_into(rd, "/scans/eta", r->eta, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/scans/intensity", r->scan_intensity, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/shift/x", r->shift_x, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/shift/y", r->shift_y, n_scans, 0);
    if (rc >= 0) rc = read_into(rd, "/shift/measured_x", r->measured_shift_x, n_scans, 1);
    if (rc >= 0) rc = read_into(rd, "/shift/measured_y", r->measured_shift_y, n_scans, 1);
    if (rc >= 0 && qmap_h5_exists(rd->f, "/qspace/mean_q")) rc = read_into(rd, "/qspace/mean_q", r->mean_q, 3, 0);
    if (rc >= 0 && (parts & QMAP_READ_QSPACE) && qmap_h5_is_group(rd->f, "/qspace_overview")) {
        rc = read_grid(rd, "/qspace_overview", "sum", "hits", r->overview_axes, &r->overview_sum, &r->overview_hits);
        if (rc >= 0) rc = read_into(rd, "/qspace_overview/voi", r->voi, 6, 0);
    }
    if (rc >= 0 && (parts & QMAP_READ_QSPACE) && qmap_h5_exists(rd->f, "/qspace/average"))
        rc = read_grid(rd, "/qspace", "average", "hits", r->axes, &r->qspace_average, &r->qspace_hits);
    if (rc >= 0)
        rc = read_parameters(rd, r);
    if (rc >= 0 && (parts & QMAP_READ_FIT))
        rc = read_fit(rd, r);
    if (rc >= 0 && (parts & QMAP_READ_PARTICLES))
        rc = qmap__particles_read_h5(rd->f, rd->path, &r->particles);
    /* the settings: on request when recorded; required for a recomputation */
    if (rc >= 0 && ((parts & QMAP_READ_RUN) ||
                    ((parts & QMAP_READ_SETTINGS) && qmap_h5_is_group(rd->f, "/entry/process/parameters"))))
        rc = qmap__params_read_h5(rd->f, rd->path, &r->settings);
    if (rc >= 0 && (parts & QMAP_READ_RUN))
        rc = read_run(rd, r);
    return rc;
}

/* The cube dataset when the file has one of the shape of the maps and the /qspace axes. */
static int open_cube(qmap_results_file *rf)
{
    const qmap_results *r = rf->r;
    if (!qmap_h5_exists(rf->file, "/qspace/cube"))
        return QMAP_OK;
    int rank = 0;
    hsize_t d[5];
    const char *why = NULL;
    if (qmap_h5_shape(rf->file, "/qspace/cube", 5, &rank, d, &why) < 0 || rank != 5 ||
        d[0] != (hsize_t)r->n_slow || d[1] != (hsize_t)r->n_fast || d[2] != (hsize_t)r->axes[0].n ||
        d[3] != (hsize_t)r->axes[1].n || d[4] != (hsize_t)r->axes[2].n || !r->qspace_hits)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /qspace/cube does not have the shape (n_slow, n_fast, nx, ny, nz) "
                          "of the maps and /qspace axes", rf->path);
    rf->cube = H5Dopen2(rf->file, "/qspace/cube", H5P_DEFAULT);
    if (rf->cube < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /qspace/cube cannot be opened", rf->path);
    return QMAP_OK;
}

int qmap_results_open(const char *path, unsigned parts, qmap_results_file **out)
{
    *out = NULL;
    qmap_results_file *rf = calloc(1, sizeof *rf);
    if (!rf || !(rf->path = strdup(path ? path : ""))) {
        free(rf);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    }
    rf->file = rf->cube = H5I_INVALID_HID;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = qmap_h5_open_file(path, &rf->file);
    if (rc >= 0) {
        reader rd = {rf->file, path};
        rc = load(&rd, parts | QMAP_READ_QSPACE, &rf->r);
    }
    if (rc >= 0)
        rc = open_cube(rf);
    qmap_h5_quiet_end(&q);
    if (rc < 0) {
        qmap_results_close(rf);
        return rc;
    }
    *out = rf;
    return QMAP_OK;
}

qmap_results *qmap_results_file_results(qmap_results_file *f) { return f ? f->r : NULL; }

int qmap_results_has_cube(const qmap_results_file *f) { return f && f->cube >= 0; }

int qmap_results_cube_read(const qmap_results_file *f, int row, int c0, int c1, float *buf)
{
    if (!qmap_results_has_cube(f))
        return qmap_error(QMAP_ERR_FORMAT, "%s: no /qspace/cube (run qmap process with --save-qspace)",
                          f ? f->path : "results");
    const qmap_results *r = f->r;
    if (row < 0 || row >= r->n_slow || c0 < 0 || c1 < c0 || c1 >= r->n_fast)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /qspace/cube row %d, columns %d..%d are outside the %d x %d map",
                          f->path, row, c0, c1, r->n_slow, r->n_fast);
    hsize_t start[5] = {(hsize_t)row, (hsize_t)c0, 0, 0, 0};
    hsize_t count[5] = {1, (hsize_t)(c1 - c0 + 1), (hsize_t)r->axes[0].n, (hsize_t)r->axes[1].n,
                        (hsize_t)r->axes[2].n};
    qmap_h5_quiet quiet;
    qmap_h5_quiet_begin(&quiet);
    hid_t fs = H5Dget_space(f->cube);
    hid_t ms = H5Screate_simple(5, count, NULL);
    herr_t st = -1;
    if (fs >= 0 && ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
        st = H5Dread(f->cube, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, buf);
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
    qmap_h5_quiet_end(&quiet);
    if (st < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /qspace/cube row %d cannot be read", f->path, row);
    return QMAP_OK;
}

void qmap_results_close(qmap_results_file *f)
{
    if (!f)
        return;
    if (f->cube >= 0)
        H5Dclose(f->cube);
    if (f->file >= 0)
        H5Fclose(f->file);
    qmap_results_free(f->r);
    free(f->path);
    free(f);
}

int qmap_results_read(const char *path, unsigned parts, qmap_results **out)
{
    *out = NULL;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    reader rd = {-1, path};
    int rc = qmap_h5_open_file(path, &rd.f);
    qmap_results *r = NULL;
    if (rc >= 0) {
        rc = load(&rd, parts, &r);
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
