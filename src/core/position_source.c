/* position_source.c -- open the raw data behind a results file for recomputing single
 * positions (include/qmap/position.h): the run read back from the results file through the
 * one results reader (qmap_results_read with QMAP_READ_RUN: settings, input and mask paths,
 * scans, drift, VOI, bins; this file reads no HDF5 itself), then the stages of qmap_process
 * up to the plans (setup.c, detector_mask.c, gap_setup.c, plan.c, geometry/voi.c's binning)
 * with the run's recorded drift (/shift), VOI (/qspace_overview/voi) and bins (/qspace axes)
 * instead of measuring them again.
 */
#include "position_internal.h"
#include "detector_mask.h"
#include "gap_setup.h"
#include "plan.h"
#include "setup.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The run's options (r->settings, /entry/process/parameters) and its raw input
 * (r->input_path, /parameters; the input as given for older files). */
static int read_settings(qmap_position_source *S, const char *path)
{
    const qmap_results *r = S->run;
    const char *in = qmap_params_get(&r->settings, "input");
    if (!in)
        return qmap_error(QMAP_ERR_FORMAT, "%s: the run's settings (/entry/process/parameters) are not recorded: "
                          "cannot recompute positions from the raw data", path);
    S->input = r->input_path ? r->input_path : in;
    qmap_process_defaults(&S->o);
    for (int i = 0; i < r->settings.n; i++) {
        const char *k = r->settings.keys[i], *v = r->settings.values[i];
        if (!strcmp(k, "input") || !strcmp(k, "threads") || !strcmp(k, "checkpoint") || !strcmp(k, "resume"))
            continue;
        if (!strcmp(k, "mask") && r->mask_path)
            v = r->mask_path;
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

/* The drift the run applied, r->shift_x and r->shift_y (/shift: micrometres per scan). */
static int recorded_drift(qmap_position_source *S, const char *path)
{
    pipeline *P = &S->P;
    if (S->run->n_scans != P->n_scans)
        return qmap_error(QMAP_ERR_FORMAT, "%s: /shift/x has %d scans, the input %d (needed to recompute a position)",
                          path, S->run->n_scans, P->n_scans);
    const double *x = S->run->shift_x, *y = S->run->shift_y;
    const qmap_scan_title *t = &qmap_dataset_scan(P->ds, 0)->title;
    double sx = raster_step(t->fast_start, t->fast_end, t->n_fast);
    double sy = raster_step(t->slow_start, t->slow_end, t->n_slow);
    for (int s = 0; s < P->n_scans; s++) {
        P->col_shift[s] = sx != 0 ? (int)lrint(x[s] / sx) : 0;
        P->row_shift[s] = sy != 0 ? (int)lrint(y[s] / sy) : 0;
        P->col_shift_f[s] = sx != 0 ? x[s] / sx : 0;
        P->row_shift_f[s] = sy != 0 ? y[s] / sy : 0;
    }
    P->subpixel = S->o.shift_subpixel && !S->o.save_qspace;   /* as drift.c */
    return QMAP_OK;
}

/* The run's VOI and bins (r->voi, r->axes); the plans of every scan for them. */
static int plans_for_the_run(qmap_position_source *S, const char *path)
{
    pipeline *P = &S->P;
    const qmap_results *r = S->run;
    static const char *axis_ds[3] = {"/qspace/qx", "/qspace/qy", "/qspace/qz"};
    int rc = QMAP_OK, bins[3];
    memcpy(S->voi, r->voi, sizeof S->voi);
    for (int a = 0; a < 3; a++) {
        bins[a] = r->axes[a].n;
        S->qc[a] = 0.5 * (S->voi[2 * a] + S->voi[2 * a + 1]);   /* as qmap_accumulators_alloc */
    }
    if (!(S->plans = calloc(P->n_scans, sizeof *S->plans)))
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK) rc = qmap_build_plans(P, S->voi, S->plans);
    double step[3] = {0, 0, 0};   /* unused: the bins are given */
    if (rc == QMAP_OK) rc = qmap_choose_bins(S->voi, step, S->plans, P->n_scans, 1, bins, S->axes);
    if (rc == QMAP_OK) qmap_compact_plans(S->plans, P->n_scans);
    for (int a = 0; rc == QMAP_OK && a < 3; a++)
        for (int k = 0; k < bins[a]; k++) {
            double c = qmap_axis_center(&S->axes[a], k), st = qmap_axis_step(&S->axes[a]);
            if (fabs(c - qmap_axis_center(&r->axes[a], k)) > 1e-9 * fabs(st)) {
                rc = qmap_error(QMAP_ERR_FORMAT, "%s: %s does not match the recorded VOI "
                                "(/qspace_overview/voi): cannot recompute positions", path, axis_ds[a]);
                break;
            }
        }
    for (int a = 0; rc == QMAP_OK && a < 3; a++)
        if (!(S->hits[a] = calloc(bins[a], sizeof(double))))
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK && !(S->slot = calloc(P->n_scans, sizeof *S->slot)))
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
        const qmap_scan_plan *pl = &S->plans[s];
        for (int i = 0; i < pl->n_pix; i++) {   /* as the end of qmap_accumulate */
            S->hits_total += 1;
            for (int a = 0; a < 3; a++) {
                double d = pl->q[3 * i + a] - S->qc[a];
                S->hits[a][pl->bin3[3 * i + a]] += 1;
                S->hits_q1[a] += d;
                S->hits_q2[a] += d * d;
            }
        }
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

/* The scans the run used (r->scans_used, /parameters scans), in order, must be the ones
 * opened now. */
static int same_scans(qmap_position_source *S)
{
    const char *want = S->run->scans_used;
    char have[8192] = "";
    if (!want)
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
    int rc = qmap_results_read(results_path, QMAP_READ_RUN, &S->run);
    if (rc == QMAP_OK) rc = read_settings(S, results_path);
    int n_fast_file = S->run ? S->run->n_fast : 0, n_slow_file = S->run ? S->run->n_slow : 0;
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
    if (rc == QMAP_OK) rc = same_scans(S);
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
    if (rc == QMAP_OK) rc = recorded_drift(S, results_path);
    if (rc == QMAP_OK) rc = plans_for_the_run(S, results_path);
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
    qmap_results_free(S->run);
    free(S);
}
