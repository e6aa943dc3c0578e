/* results.c -- allocation and bookkeeping of qmap_results (the in-memory maps). */
#include "qmap/results.h"
#include "qmap/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const map_names[QMAP_N_MAPS] = {
    "intensity", "qx", "qy", "qz", "q", "d_spacing", "strain", "std_qx", "std_qy", "std_qz",
    "sigma_qx", "sigma_qy", "sigma_qz", "sigma_mean", "tilt_magnitude", "tilt_direction", "c"};
static const char *const map_units[QMAP_N_MAPS] = {
    "counts", "1/angstrom", "1/angstrom", "1/angstrom", "1/angstrom", "angstrom", "1",
    "1/angstrom", "1/angstrom", "1/angstrom", "1/angstrom", "1/angstrom", "1/angstrom",
    "1/angstrom", "degree", "degree", "angstrom"};

const char *qmap_map_name(int k) { return k >= 0 && k < QMAP_N_MAPS ? map_names[k] : "?"; }
const char *qmap_map_unit(int k) { return k >= 0 && k < QMAP_N_MAPS ? map_units[k] : "?"; }

static double *nan_array(size_t n)
{
    double *a = malloc((n ? n : 1) * sizeof *a);
    if (a)
        for (size_t i = 0; i < n; i++)
            a[i] = NAN;
    return a;
}

qmap_results *qmap_results_new(int n_fast, int n_slow, int n_scans, int with_c)
{
    size_t n = (size_t)n_fast * n_slow;
    qmap_results *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->n_fast = n_fast;
    r->n_slow = n_slow;
    r->n_scans = n_scans;
    int ok = (r->x = nan_array(n_fast)) && (r->y = nan_array(n_slow)) &&
             (r->mask = calloc(n ? n : 1, 1)) && (r->background = nan_array(n)) &&
             (r->shift_x = calloc(n_scans, sizeof(double))) &&
             (r->shift_y = calloc(n_scans, sizeof(double))) &&
             (r->measured_shift_x = nan_array(n_scans)) &&
             (r->measured_shift_y = nan_array(n_scans)) && (r->eta = nan_array(n_scans)) &&
             (r->scan_intensity = calloc(n_scans, sizeof(double)));
    for (int k = 0; ok && k < QMAP_N_MAPS; k++)
        if (k != QMAP_MAP_C || with_c)
            ok = (r->maps[k] = nan_array(n)) != NULL;
    for (int a = 0; ok && a < 3; a++)
        ok = (r->fit[a].center = nan_array(n)) && (r->fit[a].sigma = nan_array(n)) &&
             (r->fit[a].area = nan_array(n)) && (r->fit[a].status = calloc(n ? n : 1, 1));
    r->d_ref = NAN;
    r->energy_ev = NAN;
    r->shift_contrast = r->shift_resid_px = r->shift_halves_px = r->shift_sigma_px = NAN;
    if (!ok) {
        qmap_results_free(r);
        return NULL;
    }
    return r;
}

void qmap_results_free(qmap_results *r)
{
    if (!r)
        return;
    free(r->x);
    free(r->y);
    free(r->mask);
    free(r->background);
    for (int k = 0; k < QMAP_N_MAPS; k++)
        free(r->maps[k]);
    for (int a = 0; a < 3; a++) {
        free(r->fit[a].center);
        free(r->fit[a].sigma);
        free(r->fit[a].area);
        free(r->fit[a].status);
    }
    free(r->shift_x);
    free(r->shift_y);
    free(r->measured_shift_x);
    free(r->measured_shift_y);
    free(r->eta);
    free(r->scan_intensity);
    free(r->qspace_average);
    free(r->qspace_hits);
    free(r->qspace_cube);
    free(r->overview_sum);
    free(r->overview_hits);
    free(r->input_path);
    free(r->mask_path);
    free(r->scans_used);
    for (int i = 0; i < r->n_params; i++) {
        free(r->param_keys[i]);
        free(r->param_values[i]);
    }
    free(r->param_keys);
    free(r->param_values);
    qmap_params_clear(&r->settings);
    free(r->command_line);
    qmap_results_particles_free(r->particles);
    free(r);
}

const char *qmap_results_param_get(const qmap_results *r, const char *key)
{
    for (int i = 0; r && i < r->n_params; i++)
        if (strcmp(r->param_keys[i], key) == 0)
            return r->param_values[i];
    return NULL;
}

const char *qmap_results_param_value(const qmap_results *r, const char *key)
{
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->param_keys[i], key) == 0)
            return r->param_values[i];
    return NULL;
}

int qmap_results_param(qmap_results *r, const char *key, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (int i = 0; i < r->n_params; i++) {
        if (strcmp(r->param_keys[i], key) == 0) {
            char *v = strdup(buf);
            if (!v)
                return qmap_error(QMAP_ERR_NOMEM, "out of memory storing parameter %s", key);
            free(r->param_values[i]);
            r->param_values[i] = v;
            return QMAP_OK;
        }
    }
    char **k = realloc(r->param_keys, (r->n_params + 1) * sizeof *k);
    if (!k)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory storing parameter %s", key);
    r->param_keys = k;
    char **v = realloc(r->param_values, (r->n_params + 1) * sizeof *v);
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory storing parameter %s", key);
    r->param_values = v;
    r->param_keys[r->n_params] = strdup(key);
    r->param_values[r->n_params] = strdup(buf);
    if (!r->param_keys[r->n_params] || !r->param_values[r->n_params])
        return qmap_error(QMAP_ERR_NOMEM, "out of memory storing parameter %s", key);
    r->n_params++;
    return QMAP_OK;
}

int qmap_results_set_command_line(qmap_results *r, const char *line)
{
    char *c = line ? strdup(line) : NULL;
    if (line && !c)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory storing the command line");
    free(r->command_line);
    r->command_line = c;
    return QMAP_OK;
}
