/* position.c -- one map position recomputed from the raw frames, as qmap_process computed it
 * (include/qmap/position.h; used by qmap view when the results file has no /qspace/cube).
 *
 * Why here and not in the viewer: the numbers must be the pipeline's, so this file runs the
 * pipeline's own stages on a `pipeline` state (setup.c, detector_mask.c, gap_setup.c,
 * plan.c, geometry/voi.c's binning, peak_maps.c's moments and fits) with the run's
 * settings read back from the results file, and only replaces the two full passes: the
 * drift is the one the run recorded (/shift), the VOI and bins are the run's
 * (/qspace_overview/voi, /qspace axes), and the accumulation reads, for each scan, only the
 * frame(s) of the position. The per-frame sums below follow accumulate.c's
 * accumulate_frame and the sub-pixel drift application follows drift_apply.c term by term
 * and in the same order, so the sums (and the maps) are the same numbers.
 */
#include "stage.h"
#include "detector_mask.h"
#include "gap_setup.h"
#include "gap_sparse.h"
#include "plan.h"
#include "setup.h"
#include "h5util.h"
#include "qmap/error.h"
#include "qmap/params.h"
#include "qmap/position.h"

#include <hdf5.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qmap_position_source {
    qmap_params settings;          /* the run's options as given (owns the option strings) */
    char input[4096], mask[4096];
    qmap_process_options o;
    pipeline P;
    qmap_scan_plan *plans;
    int32_t **slot;                /* per scan: plan index of each pixel of rows [row0, row1) */
    qmap_frame_reader **rd;        /* per scan, opened on first use */
    int *nf;                       /* per scan: frames (capped to the map), -1 = not opened */
    qmap_sparse_worker *w;
    qmap_gap_worker *gw;
    double voi[6], qc[3];
    qmap_axis axes[3];
    double *hits[3];               /* hits per slab, as accumulate.c's hits_proj */
};

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
static int raw_data_error(int rc)
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
            rc = raw_data_error(rc);
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

/* Sums of one frame over the VOI pixels (accumulate.c, accumulate_frame). */
typedef struct {
    double s0, s1[3], s2[3];
} frame_sums;

/* Frame f of scan s: *measured = 1 and its sums (proj[a] += per bin, pixel by pixel) when the
 * pipeline would have used it (frame present, inside the scan, monitor usable). */
static int one_frame(qmap_position_source *S, int s, int f, double *proj[3], frame_sums *out, int *measured)
{
    const pipeline *P = &S->P;
    const qmap_scan_plan *pl = &S->plans[s];
    *measured = 0;
    memset(out, 0, sizeof *out);
    if (pl->n_pix == 0)
        return QMAP_OK;   /* the scan has no VOI pixel: skipped by the accumulation */
    if (S->nf[s] < 0) {
        int rc = qmap_stage_open_reader(P, s, &S->rd[s], &S->nf[s]);
        if (rc < 0) {
            S->nf[s] = -1;
            return raw_data_error(rc);
        }
    }
    if (f < 0 || f >= S->nf[s])
        return QMAP_OK;
    double w = qmap_frame_factor(P, s, f);
    if (w == 0)
        return QMAP_OK;
    int read0 = pl->row0, read1 = pl->row1;
    if (P->gaps_on)
        qmap_gap_rows_needed(&P->gaps, pl->row0, pl->row1, &read0, &read1);
    qmap_sparse_frame fr;
    int rc = qmap_frame_reader_read_sparse(S->rd[s], S->w, f, read0, read1, &fr);
    if (rc == QMAP_OK && P->gaps_on) {
        qmap_gap_setup gs = {&P->gaps, P->mask, P->sat_limit[s]};
        qmap_sparse_frame corrected;
        rc = qmap_gap_correct_sparse(&gs, S->gw, read0, read1, pl->row0, pl->row1, &fr, &corrected);
        fr = corrected;
    }
    if (rc < 0)
        return rc;
    if (fr.absent)
        return QMAP_OK;
    size_t base = (size_t)pl->row0 * P->cols;
    double lim = P->sat_limit[s];
    qmap_bad_counts bad = {0, 0, 0};
    int nb[3] = {S->axes[0].n, S->axes[1].n, S->axes[2].n};
    (void)nb;
    for (int k = 0; k < fr.n; k++) {
        int i = S->slot[s][fr.idx[k] - base];
        if (i < 0 || qmap_bad_value(fr.val[k], lim, &bad))
            continue;
        double v = (double)fr.val[k] * w;
        const int32_t *b3 = pl->bin3 + 3 * i;
        out->s0 += v;
        for (int a = 0; a < 3; a++) {
            double d = pl->q[3 * i + a] - S->qc[a];
            out->s1[a] += v * d;
            out->s2[a] += v * d * d;
            proj[a][b3[a]] += v;
        }
    }
    *measured = 1;
    return QMAP_OK;
}

void qmap_position_data_free(qmap_position_data *d)
{
    if (!d)
        return;
    free(d->rocking);
    for (int a = 0; a < 3; a++) {
        free(d->axis_q[a]);
        free(d->proj[a]);
        free(d->hits[a]);
    }
    memset(d, 0, sizeof *d);
}

int qmap_process_position(qmap_position_source *S, int row, int col, qmap_position_data *out)
{
    memset(out, 0, sizeof *out);
    const pipeline *P = &S->P;
    if (row < 0 || row >= P->n_slow || col < 0 || col >= P->n_fast)
        return qmap_error(QMAP_ERR_VALUE, "position (row %d, col %d) is outside the %d x %d map", row, col,
                          P->n_slow, P->n_fast);
    int nb[3] = {S->axes[0].n, S->axes[1].n, S->axes[2].n};
    out->row = row, out->col = col, out->n_scans = P->n_scans;
    out->rocking = malloc(P->n_scans * sizeof(double));
    double *raw[4][3] = {{0}};   /* sub-pixel: the projections of up to four raw positions */
    int rc = out->rocking ? QMAP_OK : QMAP_ERR_NOMEM;
    for (int a = 0; rc == QMAP_OK && a < 3; a++) {
        out->n_bins[a] = nb[a];
        out->axis_q[a] = malloc(nb[a] * sizeof(double));
        out->proj[a] = calloc(nb[a], sizeof(double));
        out->hits[a] = malloc(nb[a] * sizeof(double));
        if (!out->axis_q[a] || !out->proj[a] || !out->hits[a])
            rc = QMAP_ERR_NOMEM;
        for (int k = 0; k < 4 && rc == QMAP_OK; k++)
            if (!(raw[k][a] = calloc(nb[a], sizeof(double))))
                rc = QMAP_ERR_NOMEM;
        for (int k = 0; rc == QMAP_OK && k < nb[a]; k++) {
            out->axis_q[a][k] = qmap_axis_center(&S->axes[a], k);
            out->hits[a][k] = S->hits[a][k];
        }
    }
    if (rc < 0)
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    /* the accumulators of one position (accumulate.c) */
    double s0 = 0, s1[3] = {0, 0, 0}, s2[3] = {0, 0, 0};
    int contrib = 0;
    for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
        out->rocking[s] = NAN;
        if (!P->subpixel) {
            /* re-indexing: raw index = reference index + shift (accumulate.c, frame_position) */
            int rr = row + P->row_shift[s], cc = col + P->col_shift[s];
            if (rr < 0 || rr >= P->n_slow || cc < 0 || cc >= P->n_fast)
                continue;
            frame_sums fs;
            int measured = 0;
            rc = one_frame(S, s, rr * P->n_fast + cc, out->proj, &fs, &measured);
            if (rc < 0 || !measured)
                continue;
            s0 += fs.s0;
            for (int a = 0; a < 3; a++) {
                s1[a] += fs.s1[a];
                s2[a] += fs.s2[a];
            }
            contrib++;
            out->rocking[s] = fs.s0;
            continue;
        }
        /* sub-pixel: the scan's sums at up to four measured positions, weighted (drift_apply.c) */
        double dr = P->row_shift_f[s], dc = P->col_shift_f[s];
        int r0 = (int)floor(dr), c0 = (int)floor(dc);
        double fr = dr - r0, fc = dc - c0;
        const double eps = 1e-9;
        double w[4] = {(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc};
        int off_r[4] = {0, 0, 1, 1}, off_c[4] = {0, 1, 0, 1}, used[4] = {0, 0, 0, 0}, ok = 1;
        frame_sums fs[4];
        for (int k = 0; k < 4 && ok && rc == QMAP_OK; k++) {
            if (w[k] <= eps)
                continue;
            int r = row + r0 + off_r[k], c = col + c0 + off_c[k];
            if (r < 0 || r >= P->n_slow || c < 0 || c >= P->n_fast) {
                ok = 0;
                break;
            }
            for (int a = 0; a < 3; a++)
                memset(raw[k][a], 0, nb[a] * sizeof(double));
            int measured = 0;
            rc = one_frame(S, s, r * P->n_fast + c, raw[k], &fs[k], &measured);
            ok = measured;
            used[k] = 1;
        }
        if (rc < 0 || !ok)
            continue;
        double scan_s0 = 0;
        for (int k = 0; k < 4; k++)   /* channel by channel, k in order, as drift_apply.c */
            if (used[k]) {
                s0 += w[k] * fs[k].s0;
                scan_s0 += w[k] * fs[k].s0;
            }
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < 4; k++)
                if (used[k])
                    s1[a] += w[k] * fs[k].s1[a];
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < 4; k++)
                if (used[k])
                    s2[a] += w[k] * fs[k].s2[a];
        for (int a = 0; a < 3; a++)
            for (int k = 0; k < 4; k++)
                if (used[k])
                    for (int b = 0; b < nb[a]; b++)
                        out->proj[a][b] += w[k] * raw[k][a][b];
        contrib++;
        out->rocking[s] = scan_s0;
    }
    for (int k = 0; k < 4; k++)
        for (int a = 0; a < 3; a++)
            free(raw[k][a]);
    /* the maps of one position (peak_maps.c) */
    qmap_results *r1 = NULL;
    if (rc == QMAP_OK && !(r1 = qmap_results_new(1, 1, P->n_scans, 0)))
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK) {
        memcpy(r1->axes, S->axes, sizeof S->axes);
        qmap_accumulators acc = {.n_pos = 1, .s0 = &s0, .s1 = s1, .s2 = s2, .contrib = &contrib,
                                 .n_scans = P->n_scans};
        for (int a = 0; a < 3; a++) {
            acc.n_bins[a] = nb[a];
            acc.qc[a] = S->qc[a];
            acc.proj[a] = out->proj[a];
            acc.hits_proj[a] = S->hits[a];
        }
        /* one position: the fits' OpenMP loops would only wake the idle threads (tens of ms
         * on a busy machine): this thread runs them alone (a setting of the calling thread) */
        int threads = omp_get_max_threads();
        omp_set_num_threads(1);
        qmap_derive_peak_maps(&acc, r1);
        omp_set_num_threads(threads);
        static const int com_map[3] = {QMAP_MAP_QX, QMAP_MAP_QY, QMAP_MAP_QZ};
        static const int std_map[3] = {QMAP_MAP_STD_QX, QMAP_MAP_STD_QY, QMAP_MAP_STD_QZ};
        out->measured = contrib >= P->n_scans;
        out->intensity = r1->maps[QMAP_MAP_INTENSITY][0];
        for (int a = 0; a < 3; a++) {
            out->com[a] = r1->maps[com_map[a]][0];
            out->std[a] = r1->maps[std_map[a]][0];
            out->fit_status[a] = r1->fit[a].status[0];
            out->fit_center[a] = r1->fit[a].center[0];
            out->fit_sigma[a] = r1->fit[a].sigma[0];
            out->fit_area[a] = r1->fit[a].area[0];
        }
    }
    qmap_results_free(r1);
    if (rc < 0)
        qmap_position_data_free(out);
    return rc;
}
