/* position_source.c -- open the raw data behind a results file for recomputing single
 * positions (include/qmap/position.h): the run's settings read back from the results file,
 * then the stages of qmap_process up to the plans (setup.c, detector_mask.c, gap_setup.c,
 * plan.c, geometry/voi.c's binning) with the run's recorded drift (/shift), VOI
 * (/qspace_overview/voi) and bins (/qspace axes) instead of measuring them again.
 */
#include "position_internal.h"
#include "detector_mask.h"
#include "gap_setup.h"
#include "plan.h"
#include "setup.h"
#include "h5util.h"
#include "qmap/error.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string attribute of /parameters (fixed or variable length) into buf; 0 when absent. */
static int parameter_attr(hid_t f, const char *name, char *buf, size_t size)
{
    buf[0] = 0;
    if (!qmap_h5_is_group(f, "/parameters") || H5Aexists_by_name(f, "/parameters", name, H5P_DEFAULT) <= 0)
        return 0;
    hid_t a = H5Aopen_by_name(f, "/parameters", name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return 0;
    hid_t t = H5Aget_type(a);
    int ok = 0;
    if (H5Tget_class(t) == H5T_STRING) {
        if (H5Tis_variable_str(t) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            char *vs = NULL;
            if (H5Aread(a, mt, &vs) >= 0 && vs) {
                snprintf(buf, size, "%s", vs);
                H5free_memory(vs);
                ok = 1;
            }
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(t);
            char *v = calloc(sz + 1, 1);
            if (v && H5Aread(a, t, v) >= 0) {
                snprintf(buf, size, "%s", v);
                ok = 1;
            }
            free(v);
        }
    }
    H5Tclose(t);
    H5Aclose(a);
    return ok;
}

/* n doubles of dataset `name` into out (exactly n), else a format error. */
static int read_doubles(hid_t f, const char *path, const char *name, double *out, size_t n)
{
    double *v = NULL;
    size_t m = 0;
    const char *why = NULL;
    if (!qmap_h5_exists(f, name) || qmap_h5_read_array(f, name, &v, &m, &why) < 0 || m != n) {
        free(v);
        return qmap_error(QMAP_ERR_FORMAT, "%s: %s %s (needed to recompute a position)", path, name,
                          why ? why : m != n ? "does not have the expected length" : "is missing");
    }
    memcpy(out, v, n * sizeof *v);
    free(v);
    return QMAP_OK;
}

/* The run's options from /entry/process/parameters, the raw input from /parameters. */
static int read_settings(qmap_position_source *S, hid_t f, const char *path)
{
    int rc = qmap_params_read(path, &S->settings);
    if (rc < 0)
        return rc;
    const char *in = qmap_params_get(&S->settings, "input");
    if (!in)
        return qmap_error(QMAP_ERR_FORMAT, "%s: the run's settings (/entry/process/parameters) are not recorded: "
                          "cannot recompute positions from the raw data", path);
    if (!parameter_attr(f, "input_path", S->input, sizeof S->input))
        snprintf(S->input, sizeof S->input, "%s", in);   /* older files: the path as given */
    qmap_process_defaults(&S->o);
    for (int i = 0; i < S->settings.n; i++) {
        const char *k = S->settings.keys[i], *v = S->settings.values[i];
        if (!strcmp(k, "input") || !strcmp(k, "threads") || !strcmp(k, "checkpoint") || !strcmp(k, "resume"))
            continue;
        if (!strcmp(k, "mask") && parameter_attr(f, "mask_path", S->mask, sizeof S->mask))
            v = S->mask;
        if (qmap_process_set_option(&S->o, k, v) < 0) {
            if (strncmp(qmap_error_message(), "unknown option", 14) == 0)
                continue;   /* a setting of the command line only (--cif, --ip-dir, ...): no effect on the sums */
            char why[1024];
            snprintf(why, sizeof why, "%s", qmap_error_message());
            return qmap_error(QMAP_ERR_FORMAT, "%s: recorded setting %s = %s: %s", path, k, v, why);
        }
    }
    S->o.input = S->input;
    S->o.threads = 0;
    S->o.log = NULL;
    S->o.progress = NULL;
    return QMAP_OK;
}

/* The raw data cannot be opened: the reader's message, prefixed (one line). */
int qmap__position_raw_error(int rc)
{
    char why[1024];
    snprintf(why, sizeof why, "%s", qmap_error_message());
    return qmap_error(rc, "the raw data of this results file cannot be read: %s", why);
}

static double raster_step(double start, double end, int n)
{
    return n > 1 ? (end - start) / (n - 1) : 0;   /* as drift.c */
}

/* The drift the run applied, from /shift/x and /shift/y (micrometres per scan). */
static int recorded_drift(qmap_position_source *S, hid_t f, const char *path)
{
    pipeline *P = &S->P;
    double *x = malloc(P->n_scans * sizeof *x), *y = malloc(P->n_scans * sizeof *y);
    int rc = x && y ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK) rc = read_doubles(f, path, "/shift/x", x, P->n_scans);
    if (rc == QMAP_OK) rc = read_doubles(f, path, "/shift/y", y, P->n_scans);
    const qmap_scan_title *t = &qmap_dataset_scan(P->ds, 0)->title;
    double sx = raster_step(t->fast_start, t->fast_end, t->n_fast);
    double sy = raster_step(t->slow_start, t->slow_end, t->n_slow);
    for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
        P->col_shift[s] = sx != 0 ? (int)lrint(x[s] / sx) : 0;
        P->row_shift[s] = sy != 0 ? (int)lrint(y[s] / sy) : 0;
        P->col_shift_f[s] = sx != 0 ? x[s] / sx : 0;
        P->row_shift_f[s] = sy != 0 ? y[s] / sy : 0;
    }
    P->subpixel = S->o.shift_subpixel && !S->o.save_qspace;   /* as drift.c */
    free(x);
    free(y);
    return rc;
}

/* The run's VOI and bins; the plans of every scan for them. */
static int plans_for_the_run(qmap_position_source *S, hid_t f, const char *path)
{
    pipeline *P = &S->P;
    int rc = read_doubles(f, path, "/qspace_overview/voi", S->voi, 6);
    static const char *axis_ds[3] = {"/qspace/qx", "/qspace/qy", "/qspace/qz"};
    double *centres[3] = {0};
    size_t n[3] = {0};
    int bins[3];
    for (int a = 0; rc == QMAP_OK && a < 3; a++) {
        const char *why = NULL;
        if (qmap_h5_read_array(f, axis_ds[a], &centres[a], &n[a], &why) < 0 || n[a] < 2)
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: %s %s", path, axis_ds[a], why ? why : "is too short");
        bins[a] = (int)n[a];
        S->qc[a] = 0.5 * (S->voi[2 * a] + S->voi[2 * a + 1]);   /* as qmap_accumulators_alloc */
    }
    if (rc == QMAP_OK && !(S->plans = calloc(P->n_scans, sizeof *S->plans)))
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK) rc = qmap_build_plans(P, S->voi, S->plans);
    double step[3] = {0, 0, 0};   /* unused: the bins are given */
    if (rc == QMAP_OK) rc = qmap_choose_bins(S->voi, step, S->plans, P->n_scans, 1, bins, S->axes);
    if (rc == QMAP_OK) qmap_compact_plans(S->plans, P->n_scans);
    for (int a = 0; rc == QMAP_OK && a < 3; a++)
        for (int k = 0; k < bins[a]; k++) {
            double c = qmap_axis_center(&S->axes[a], k), st = qmap_axis_step(&S->axes[a]);
            if (fabs(c - centres[a][k]) > 1e-9 * fabs(st))
                rc = qmap_error(QMAP_ERR_FORMAT, "%s: %s does not match the recorded VOI "
                                "(/qspace_overview/voi): cannot recompute positions", path, axis_ds[a]);
        }
    for (int a = 0; a < 3; a++)
        free(centres[a]);
    for (int a = 0; rc == QMAP_OK && a < 3; a++)
        if (!(S->hits[a] = calloc(bins[a], sizeof(double))))
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK && !(S->slot = calloc(P->n_scans, sizeof *S->slot)))
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
        const qmap_scan_plan *pl = &S->plans[s];
        for (int i = 0; i < pl->n_pix; i++)   /* as the end of qmap_accumulate */
            for (int a = 0; a < 3; a++)
                S->hits[a][pl->bin3[3 * i + a]] += 1;
        size_t base = (size_t)pl->row0 * P->cols, len = (size_t)(pl->row1 - pl->row0) * P->cols;
        if (!(S->slot[s] = malloc((len ? len : 1) * sizeof(int32_t)))) {
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (plans)");
            break;
        }
        for (size_t i = 0; i < len; i++)
            S->slot[s][i] = -1;
        for (int i = 0; i < pl->n_pix; i++)
            S->slot[s][pl->pix[i] - base] = i;
    }
    return rc;
}

/* The scans the run used, in order, must be the ones opened now. */
static int same_scans(qmap_position_source *S, hid_t f, const char *path)
{
    char want[8192], have[8192] = "";
    if (!parameter_attr(f, "scans", want, sizeof want))
        return QMAP_OK;
    for (int s = 0; s < S->P.n_scans; s++) {
        size_t l = strlen(have);
        snprintf(have + l, sizeof have - l, "%s%s", s ? "," : "", qmap_dataset_scan(S->P.ds, s)->name);
    }
    if (strcmp(want, have) != 0)
        return qmap_error(QMAP_ERR_VALUE, "%s now has the scans %.200s, the run used %.200s: cannot recompute",
                          S->input, have, want);
    return QMAP_OK;
}

int qmap_position_source_open(const char *results_path, qmap_position_source **out)
{
    *out = NULL;
    qmap_position_source *S = calloc(1, sizeof *S);
    if (!S)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    pipeline *P = &S->P;
    P->o = &S->o;
    hid_t f = -1;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = qmap_h5_open_file(results_path, &f);
    if (rc == QMAP_OK) rc = read_settings(S, f, results_path);
    int n_fast_file = 0, n_slow_file = 0;
    if (rc == QMAP_OK) {
        int rank = 0;
        hsize_t d[2];
        const char *why = NULL;
        if (qmap_h5_shape(f, "/maps/intensity", 2, &rank, d, &why) < 0 || rank != 2)
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: /maps/intensity %s", results_path, why ? why : "is not 2-D");
        n_slow_file = (int)d[0], n_fast_file = (int)d[1];
    }
    if (rc == QMAP_OK) {
        qmap_open_options oo = {.detector = S->o.detector, .monitor = S->o.monitor,
                                .shift_counter = S->o.shift_counter, .skip_bad_scans = S->o.skip_bad_scans,
                                .scans = S->o.scans};
        rc = qmap_dataset_open(S->input, &oo, &P->ds);
        if (rc < 0)
            rc = qmap__position_raw_error(rc);
    }
    char skipped[4096] = "";
    if (rc == QMAP_OK && S->o.skip_bad_scans)
        rc = qmap_drop_unreadable_scans(&S->o, P->ds, skipped, sizeof skipped);
    if (rc == QMAP_OK) {
        P->n_scans = qmap_dataset_n_scans(P->ds);
        const qmap_scan_info *s0 = qmap_dataset_scan(P->ds, 0);
        P->rows = s0->geom.n_rows;
        P->cols = s0->geom.n_cols;
        P->n_pix = (size_t)P->rows * P->cols;
        P->n_fast = s0->title.n_fast;
        P->n_slow = s0->title.n_slow;
        P->n_pos = P->n_fast * P->n_slow;
        if (P->n_fast != n_fast_file || P->n_slow != n_slow_file)
            rc = qmap_error(QMAP_ERR_VALUE, "%s has a %d x %d map, the results file %d x %d: cannot recompute",
                            S->input, P->n_fast, P->n_slow, n_fast_file, n_slow_file);
    }
    if (rc == QMAP_OK) rc = same_scans(S, f, results_path);
    if (rc == QMAP_OK) {
        P->r = qmap_results_new(1, 1, P->n_scans, 0);   /* a sink for the stages' parameters */
        P->row_shift = calloc(P->n_scans, sizeof(int));
        P->col_shift = calloc(P->n_scans, sizeof(int));
        P->row_shift_f = calloc(P->n_scans, sizeof(double));
        P->col_shift_f = calloc(P->n_scans, sizeof(double));
        S->rd = calloc(P->n_scans, sizeof *S->rd);
        S->nf = malloc(P->n_scans * sizeof *S->nf);
        S->w = qmap_sparse_worker_new();
        if (!P->r || !P->row_shift || !P->col_shift || !P->row_shift_f || !P->col_shift_f || !S->rd || !S->nf || !S->w)
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++)
            S->nf[s] = -1;
    }
    /* the stages of qmap_process up to the plans (process.c, run()) */
    if (rc == QMAP_OK) rc = qmap_setup_geometry(P);
    if (rc == QMAP_OK) rc = qmap_setup_saturation(P);
    if (rc == QMAP_OK) rc = qmap_setup_monitor(P);
    if (rc == QMAP_OK) rc = qmap_build_mask(P);
    if (rc == QMAP_OK)
        rc = qmap_gap_choose(&S->o, qmap_dataset_scan(P->ds, 0)->detector, P->rows, P->cols, P->mask, P->r,
                             &P->gaps, &P->gaps_on);
    if (rc == QMAP_OK && P->gaps_on && !(S->gw = qmap_gap_worker_new(&P->gaps)))
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (gap correction)");
    if (rc == QMAP_OK) rc = recorded_drift(S, f, results_path);
    if (rc == QMAP_OK) rc = plans_for_the_run(S, f, results_path);
    if (f >= 0)
        H5Fclose(f);
    qmap_h5_quiet_end(&q);
    if (rc < 0) {
        qmap_position_source_close(S);
        return rc;
    }
    *out = S;
    return QMAP_OK;
}

void qmap_position_source_close(qmap_position_source *S)
{
    if (!S)
        return;
    pipeline *P = &S->P;
    for (int s = 0; s < P->n_scans; s++) {
        if (S->rd && S->rd[s])
            qmap_frame_reader_close(S->rd[s]);
        if (S->plans)
            qmap_scan_plan_free(&S->plans[s]);
        if (S->slot)
            free(S->slot[s]);
    }
    free(S->rd);
    free(S->nf);
    free(S->plans);
    free(S->slot);
    for (int a = 0; a < 3; a++)
        free(S->hits[a]);
    if (S->w)
        qmap_sparse_worker_free(S->w);
    if (S->gw)
        qmap_gap_worker_free(S->gw);
    qmap_results_free(P->r);
    free(P->geom);
    free(P->angles);
    free(P->calib);
    free(P->mask);
    free(P->row_shift);
    free(P->col_shift);
    free(P->sat_limit);
    free(P->row_shift_f);
    free(P->col_shift_f);
    free(P->tile_of);
    if (P->ds)
        qmap_dataset_close(P->ds);
    qmap_params_clear(&S->settings);
    free(S);
}
