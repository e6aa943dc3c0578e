/* qmap_py.c -- a flat C interface for the Python binding (python/qmap, ctypes).
 *
 * ctypes cannot safely mirror qmap's structures (they grow with new options), so the
 * binding passes options as name/value strings (qmap_process_set_option) and reads the
 * results through accessors that return plain arrays. Built only into libqmap.so.
 */
#include "qmap/cif_reference.h"
#include "qmap/error.h"
#include "qmap/process.h"
#include "qmap/results.h"

#include <string.h>

typedef void (*qmap_py_log_fn)(const char *line);

static void forward_log(void *ctx, const char *line)
{
    qmap_py_log_fn fn = *(qmap_py_log_fn *)ctx;
    if (fn)
        fn(line);
}

/* Run the pipeline on input with n name/value options; log (may be NULL) receives every
 * choice line. Returns 0 and *out, or a negative code (qmap_error_message() says why). */
int qmap_py_process(const char *input, int n, const char **keys, const char **values,
                    qmap_py_log_fn log, qmap_results **out)
{
    qmap_process_options o;
    qmap_process_defaults(&o);
    o.input = input;
    for (int i = 0; i < n; i++) {
        int rc = qmap_process_set_option(&o, keys[i], values[i]);
        if (rc < 0)
            return rc;
    }
    qmap_py_log_fn fn = log;
    o.log = forward_log;
    o.ctx = &fn;
    int rc = qmap_process(&o, out);
    if (rc < 0)
        return rc;
    /* the settings as given, recorded in a results file written from Python */
    rc = qmap_params_set(&(*out)->settings, "input", input);
    for (int i = 0; rc == 0 && i < n; i++)
        rc = qmap_params_set(&(*out)->settings, keys[i], values[i]);
    if (rc == 0)
        rc = qmap_results_set_command_line(*out, "python: qmap.process(...)");
    if (rc < 0) {
        qmap_results_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Read a results file written by `qmap process` (qmap_results_read: seal and shapes
 * checked). Returns 0 and *out (free with qmap_results_free), or a negative code. */
int qmap_py_read(const char *path, qmap_results **out)
{
    return qmap_results_read(path, QMAP_READ_SETTINGS, out);
}

/* The photon energy of the run (eV), NaN when unknown. */
double qmap_py_energy(const qmap_results *r) { return r->energy_ev; }

/* `--cif` of qmap process, before processing: d(hkl) of the CIF, the strain reference. */
int qmap_py_cif_dref(const char *cif, const int *hkl, double *dref)
{
    qmap_crystal *c = NULL;
    int rc = qmap_cif_reference_d(cif, hkl, &c, dref);
    qmap_crystal_free(c);
    return rc;
}

/* After processing: the angle offsets of the measured mean Q from the CIF reflection,
 * recorded in r (qmap_cif_angle_offsets). 0, 1 when out of reach (recorded as "not
 * computed", as the CLI does), or a negative code. */
int qmap_py_cif_offsets(qmap_results *r, const char *cif, const int *hkl, const int *ip, const int *oop)
{
    qmap_crystal *c = NULL;
    double dref;
    int rc = qmap_cif_reference_d(cif, hkl, &c, &dref);
    qmap_reflection_offsets off;
    if (rc == QMAP_OK)
        rc = qmap_cif_angle_offsets(r, c, cif, hkl, ip, oop, &off);
    qmap_crystal_free(c);
    return rc == QMAP_ERR_VALUE ? 1 : rc;
}

/* Write the results file (docs/results-file.md), as `qmap process -o path` does. */
int qmap_py_write(const qmap_results *r, const char *path)
{
    return qmap_results_write(r, path);
}

void qmap_py_shape(const qmap_results *r, int *n_slow, int *n_fast, int *n_scans)
{
    *n_slow = r->n_slow;
    *n_fast = r->n_fast;
    *n_scans = r->n_scans;
}

int qmap_py_n_maps(void) { return QMAP_N_MAPS; }

/* Map k (n_slow*n_fast doubles) or NULL when not computed (c without --hkl 0,0,l). */
const double *qmap_py_map(const qmap_results *r, int k)
{
    return k >= 0 && k < QMAP_N_MAPS ? r->maps[k] : NULL;
}

const uint8_t *qmap_py_mask(const qmap_results *r) { return r->mask; }

/* /maps/background (n_slow*n_fast doubles, all NaN in files written before it). */
const double *qmap_py_background(const qmap_results *r) { return r->background; }

/* Per-scan or per-axis vectors by name: x, y (positions), shift_x, shift_y, eta,
 * scan_intensity (length n_fast, n_slow or n_scans); NULL for an unknown name. */
const double *qmap_py_vector(const qmap_results *r, const char *name)
{
    if (strcmp(name, "x") == 0) return r->x;
    if (strcmp(name, "y") == 0) return r->y;
    if (strcmp(name, "shift_x") == 0) return r->shift_x;
    if (strcmp(name, "shift_y") == 0) return r->shift_y;
    if (strcmp(name, "eta") == 0) return r->eta;
    if (strcmp(name, "scan_intensity") == 0) return r->scan_intensity;
    return NULL;
}

int qmap_py_n_params(const qmap_results *r) { return r->n_params; }
const char *qmap_py_param_key(const qmap_results *r, int i) { return r->param_keys[i]; }
const char *qmap_py_param_value(const qmap_results *r, int i) { return r->param_values[i]; }
