/* process.c -- orchestration of the qmap pipeline (see include/qmap/process.h).
 *
 * Two streaming passes over the raw frames, each frame read and decoded once per pass, as
 * its non-zero pixels only (photon-counting frames are sparse; see frame_loop.c):
 * pass 1 (quick look) gives per-scan intensity maps for the drift correction and the
 * map-averaged reciprocal space for the VOI; pass 2 reads only the detector rows that
 * reach the VOI and accumulates, per map position, exact Q moments and projections.
 * Frames run on all OpenMP threads with per-thread partial sums; under mpirun the scans
 * are split over the ranks and the sums reduced (mpi_reduce.c).
 * Memory is bounded by the map size times the number of bins, never by the frame count.
 * The cancel flag is polled between frame batches and stages (QMAP_ERR_CANCELLED), and the
 * accumulation pass can save its sums after every scan and resume from them (checkpoint.c).
 */
#include "pipeline.h"
#include "checkpoint.h"
#include "qmap/error.h"
#include "qmap/frames.h"
#include "qmap/mpi.h"
#include "qmap/shift.h"
#include "series_log.h"      /* series (issue 11) */
#include "gap_setup.h"        /* gaps (issue 11) */
#include "gap_sparse.h"
#include "calib_setup.h"       /* calibration (issue 11) */

#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HOT_SAMPLE_FRAMES 240
#define COARSE_MAX_BINS 128

void qmap_log(const qmap_process_options *o, const char *fmt, ...)
{
    if (!o->log)
        return;
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->log(o->ctx, buf);
}

static void progress(const qmap_process_options *o, const char *stage, double f)
{
    if (o->progress)
        o->progress(o->ctx, stage, f);
}

void qmap_scan_plan_free(qmap_scan_plan *p)
{
    free(p->pix);
    free(p->q);
    free(p->bin3);
    p->pix = NULL;
    p->q = NULL;
    p->bin3 = NULL;
}

void qmap_process_defaults(qmap_process_options *o)
{
    memset(o, 0, sizeof *o);
    o->energy_ev = o->distance_m = o->pixel_m = o->center_row = o->center_col = NAN;
    o->hot_pixels = 1;
    o->hot_fraction = 0.9;
    o->shift_mode = QMAP_SHIFT_AUTO;
    o->dref = NAN;
    o->mask_threshold = NAN;
    o->saturation = NAN;
}

/* Everything the passes share. */
typedef struct {
    const qmap_process_options *o;
    qmap_dataset *ds;
    int n_scans, rows, cols, n_pos, n_fast, n_slow;
    size_t n_pix;
    qmap_detector_geometry *geom;   /* per scan, overrides applied */
    qmap_angles *angles;            /* per scan, offsets subtracted */
    uint8_t *mask;                  /* detector mask, 1 = masked */
    double mon_mean;                /* mean monitor over all scans (0 = no monitor) */
    int *row_shift, *col_shift;     /* per scan: raw index = ref index + shift */
    double *sat_limit;              /* per scan: readings >= this are saturated (INFINITY: none) */
    qmap_results *r;
    qmap_gap_layout gaps;           /* gaps (issue 11): chip-gap layout, corrected when gaps_on */
    int gaps_on;
    qmap_detector_calib *calib;     /* calibration (issue 11): per scan mu, detrot, tilt, azimuth */
} pipeline;

static int check_option_values(const qmap_process_options *o)
{
    const double v[] = {o->energy_ev, o->distance_m, o->pixel_m};
    const char *names[] = {"--energy", "--distance", "--pixel-size"};
    for (int i = 0; i < 3; i++)
        if (!isnan(v[i]) && !(isfinite(v[i]) && v[i] > 0))
            return qmap_error(QMAP_ERR_VALUE, "%s must be a positive finite number, got %g", names[i], v[i]);
    if (!(o->hot_fraction > 0 && o->hot_fraction <= 1))
        return qmap_error(QMAP_ERR_VALUE, "hot-pixel fraction must be in (0, 1], got %g", o->hot_fraction);
    if (o->bins_set)
        for (int a = 0; a < 3; a++)
            if (o->bins[a] < 2 || o->bins[a] > 1000)
                return qmap_error(QMAP_ERR_VALUE, "--bins: each count must be 2..1000, got %d", o->bins[a]);
    if (o->voi_set)
        for (int a = 0; a < 3; a++)
            if (!(isfinite(o->voi[2 * a]) && isfinite(o->voi[2 * a + 1]) && o->voi[2 * a] < o->voi[2 * a + 1]))
                return qmap_error(QMAP_ERR_VALUE, "--voi: range %d (%g:%g) must be finite and increasing",
                                  a, o->voi[2 * a], o->voi[2 * a + 1]);
    if (o->shift_mode == QMAP_SHIFT_MANUAL && !(isfinite(o->shift_dx_um) && isfinite(o->shift_dy_um)))
        return qmap_error(QMAP_ERR_VALUE, "--shift DX,DY must be finite micrometres per scan");
    if (!isnan(o->saturation) && !(isfinite(o->saturation) && o->saturation > 0))
        return qmap_error(QMAP_ERR_VALUE, "--saturation must be a positive finite count, got %g", o->saturation);
    if (!isnan(o->dref) && !(isfinite(o->dref) && o->dref > 0))
        return qmap_error(QMAP_ERR_VALUE, "--dref must be a positive d-spacing in Angstrom, got %g", o->dref);
    return QMAP_OK;
}

/* Calibration overrides, offsets, and consistency of geometry across scans. */
static int setup_geometry(pipeline *P)
{
    const qmap_process_options *o = P->o;
    P->geom = calloc(P->n_scans, sizeof *P->geom);
    P->angles = calloc(P->n_scans, sizeof *P->angles);
    if (!P->geom || !P->angles)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    for (int s = 0; s < P->n_scans; s++) {
        const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
        qmap_detector_geometry g = si->geom;
        if (!isnan(o->energy_ev)) g.energy_ev = o->energy_ev;
        if (!isnan(o->distance_m)) g.distance_m = o->distance_m;
        if (!isnan(o->pixel_m)) g.pixel_row_m = g.pixel_col_m = o->pixel_m;
        if (!isnan(o->center_row)) g.center_row = o->center_row;
        if (!isnan(o->center_col)) g.center_col = o->center_col;
        if (qmap_geometry_validate(&g) < 0)
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: %s", o->input, si->name, qmap_error_message());
        P->geom[s] = g;
        P->angles[s].eta = si->angles.eta - o->offset_eta;
        P->angles[s].phi = si->angles.phi - o->offset_phi;
        P->angles[s].nu = si->angles.nu - o->offset_nu;
        P->angles[s].delta = si->angles.delta - o->offset_delta;
        P->r->eta[s] = P->angles[s].eta;
    }
    const qmap_detector_geometry *g = &P->geom[0];
    qmap_log(o, "energy %.3f eV, distance %.6f m, pixel %.3g x %.3g m, centre pixel row %.3f col %.3f%s",
             g->energy_ev, g->distance_m, g->pixel_row_m, g->pixel_col_m, g->center_row, g->center_col,
             P->n_scans > 1 ? " (first scan)" : "");
    qmap_results_param(P->r, "energy_ev", "%.6f", g->energy_ev);
    qmap_results_param(P->r, "distance_m", "%.8f", g->distance_m);
    qmap_results_param(P->r, "pixel_size_m", "%.6g,%.6g", g->pixel_row_m, g->pixel_col_m);
    qmap_results_param(P->r, "center_pixel", "%.6f,%.6f", g->center_row, g->center_col);
    qmap_results_param(P->r, "offsets_deg", "eta=%g,phi=%g,nu=%g,delta=%g", o->offset_eta,
                       o->offset_phi, o->offset_nu, o->offset_delta);
    qmap_log(o, "angles: eta %.4f .. %.4f deg over %d scans, phi %.4f, nu %.4f, delta %.4f (offsets subtracted)",
             P->angles[0].eta, P->angles[P->n_scans - 1].eta, P->n_scans, P->angles[0].phi,
             P->angles[0].nu, P->angles[0].delta);
    /* calibration (issue 11): mu, detrot/tilt/tiltazimuth, detector translations */
    if (!(P->calib = calloc(P->n_scans, sizeof *P->calib)))
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    return qmap_calib_choose(o, P->ds, P->r, P->calib);
}

/* Per-scan saturation limit: --saturation, else the scan's saturation_value, else none. */
static int setup_saturation(pipeline *P)
{
    const qmap_process_options *o = P->o;
    P->sat_limit = malloc(P->n_scans * sizeof *P->sat_limit);
    if (!P->sat_limit)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    int known = 0;
    double lo = INFINITY, hi = 0;
    for (int s = 0; s < P->n_scans; s++) {
        double v = qmap_dataset_scan(P->ds, s)->saturation;
        if (!isnan(o->saturation)) v = o->saturation;
        P->sat_limit[s] = isfinite(v) && v > 0 ? v : INFINITY;
        if (isfinite(P->sat_limit[s])) {
            known++;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    const char *from = !isnan(o->saturation) ? "--saturation" : "instrument/<det>/saturation_value";
    if (known)
        qmap_log(o, "saturation: readings >= %.10g counts%s ignored (%s, %d of %d scans)",
                 lo, hi > lo ? " (lowest limit; per scan up to the highest)" : "", from, known, P->n_scans);
    else
        qmap_log(o, "saturation: unknown (no saturation_value in the file, no --saturation)");
    if (known && hi > lo)
        qmap_results_param(P->r, "saturation", "%.10g..%.10g (%s)", lo, hi, from);
    else if (known)
        qmap_results_param(P->r, "saturation", "%.10g (%s)", lo, from);
    return QMAP_OK;
}

static int setup_monitor(pipeline *P)
{
    if (!P->o->monitor)
        return QMAP_OK;
    double sum = 0;
    long n = 0;
    for (int s = 0; s < P->n_scans; s++) {
        const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
        for (int i = 0; si->monitor && i < P->n_pos; i++)
            if (isfinite(si->monitor[i]) && si->monitor[i] > 0) {
                sum += si->monitor[i];
                n++;
            }
    }
    if (n == 0)
        return qmap_error(QMAP_ERR_VALUE, "%s: monitor %s has no positive value in any scan",
                          P->o->input, P->o->monitor);
    P->mon_mean = sum / n;
    qmap_log(P->o, "monitor: frames scaled by <%s>/%s, <%s> = %.6g", P->o->monitor, P->o->monitor,
             P->o->monitor, P->mon_mean);
    qmap_results_param(P->r, "monitor", "%s (mean %.6g)", P->o->monitor, P->mon_mean);
    return QMAP_OK;
}

/* Factor applied to frame f of scan s (0 = frame unusable). */
static double frame_factor(const pipeline *P, int s, int f)
{
    if (P->mon_mean == 0)
        return 1.0;
    const double *m = qmap_dataset_scan(P->ds, s)->monitor;
    double v = m ? m[f] : NAN;
    return (isfinite(v) && v > 0) ? P->mon_mean / v : 0.0;
}

static int open_reader(const pipeline *P, int s, qmap_frame_reader **rd, int *n_frames)
{
    const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
    int rc = qmap_frame_reader_open(P->o->input, si->name, si->detector, rd);
    if (rc < 0)
        return rc;
    *n_frames = qmap_frame_reader_n_frames(*rd);
    if (*n_frames > P->n_pos)
        *n_frames = P->n_pos;
    return QMAP_OK;
}

/* Detector mask: file pixel_mask, user mask file, hot pixels from sampled frames. */
static int build_mask(pipeline *P)
{
    const qmap_process_options *o = P->o;
    P->mask = calloc(P->n_pix, 1);
    if (!P->mask)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (detector mask)");
    long n_file = qmap_dataset_pixel_mask(P->ds, P->mask);
    if (n_file < 0)
        return (int)n_file;
    long n_user = 0;
    if (o->mask_file) {
        n_user = qmap_read_mask_file(o->mask_file, P->rows, P->cols, P->mask);
        if (n_user < 0)
            return (int)n_user;
    }
    long n_hot = 0;
    if (o->hot_pixels) {
        uint32_t *nz = calloc(P->n_pix, sizeof *nz);
        double *sum = calloc(P->n_pix, sizeof *sum);
        float *buf = malloc(P->n_pix * sizeof *buf);
        int rc = (nz && sum && buf) ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (hot pixels)");
        int sampled = 0, per_scan = HOT_SAMPLE_FRAMES / P->n_scans + 1;
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
            qmap_frame_reader *rd = NULL;
            int nf = 0;
            rc = qmap_check_cancel();
            if (rc == QMAP_OK) rc = open_reader(P, s, &rd, &nf);
            for (int k = 0; rc == QMAP_OK && k < per_scan && k < nf; k++) {
                int f = (int)((k + 0.5) * nf / per_scan);
                rc = qmap_frame_reader_read(rd, f, 1, 0, P->rows, buf);
                double lim = P->sat_limit[s];
                for (size_t p = 0; rc == QMAP_OK && p < P->n_pix; p++)
                    if (buf[p] > 0 && buf[p] < lim) {   /* bad readings do not count */
                        nz[p]++;
                        sum[p] += buf[p];
                    }
                sampled++;
            }
            qmap_frame_reader_close(rd);
        }
        if (rc == QMAP_OK)
            n_hot = qmap_find_hot_pixels(nz, sum, sampled, P->rows, P->cols, o->hot_fraction, P->mask);
        free(nz);
        free(sum);
        free(buf);
        if (rc < 0)
            return rc;
        qmap_log(o, "hot pixels: %ld found in %d sampled frames (non-zero in >= %.0f %% of them, isolated)",
                 n_hot, sampled, 100 * o->hot_fraction);
    }
    long total = 0;
    for (size_t p = 0; p < P->n_pix; p++)
        total += P->mask[p] != 0;
    qmap_log(o, "detector mask: %ld pixels (%ld from the file's pixel_mask, %ld from %s, %ld hot)",
             total, n_file, n_user, o->mask_file ? o->mask_file : "no user mask", n_hot);
    qmap_results_param(P->r, "masked_pixels", "%ld (file %ld, user %ld, hot %ld)", total, n_file, n_user, n_hot);
    if (total == (long)P->n_pix)
        return qmap_error(QMAP_ERR_VALUE, "every detector pixel is masked");
    return QMAP_OK;
}

/* Full-frame Q of scan s into three arrays of n_pix. */
static void scan_q(const pipeline *P, int s, double *qx, double *qy, double *qz)
{
    qmap_q_transform t;
    qmap_q_transform_init_calib(&t, &P->geom[s], &P->angles[s], &P->calib[s]);   /* calibration (issue 11) */
    qmap_frame_q(&t, 0, P->rows, qx, qy, qz);
}

/* Range of Q over unmasked pixels of all scans and the natural sampling step. */
static int q_range(pipeline *P, double lo[3], double hi[3], double step[3])
{
    double *q = malloc(6 * P->n_pix * sizeof *q);
    if (!q)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (q arrays)");
    double *cur = q, *prev = q + 3 * P->n_pix;
    for (int a = 0; a < 3; a++) {
        lo[a] = INFINITY;
        hi[a] = -INFINITY;
        step[a] = 0;
    }
    for (int s = 0; s < P->n_scans; s++) {
        scan_q(P, s, cur, cur + P->n_pix, cur + 2 * P->n_pix);
        for (int a = 0; a < 3; a++) {
            const double *c = cur + a * P->n_pix, *pv = prev + a * P->n_pix;
            double l = lo[a], h = hi[a], st = step[a];   /* min/max: exact in any order */
#pragma omp parallel for schedule(static) reduction(min : l) reduction(max : h, st)
            for (int i = 0; i < P->rows; i++)
                for (int j = 0; j < P->cols; j++) {
                    size_t p = (size_t)i * P->cols + j;
                    if (P->mask[p])
                        continue;
                    l = fmin(l, c[p]);
                    h = fmax(h, c[p]);
                    if (j + 1 < P->cols) st = fmax(st, fabs(c[p + 1] - c[p]));
                    if (i + 1 < P->rows) st = fmax(st, fabs(c[p + P->cols] - c[p]));
                    if (s > 0) st = fmax(st, fabs(c[p] - pv[p]));
                }
            lo[a] = l;
            hi[a] = h;
            step[a] = st;
        }
        double *t = cur;
        cur = prev;
        prev = t;
    }
    free(q);
    return QMAP_OK;
}

/* Log (and store under `param` when any) the bad readings a pass ignored, summed over
 * the MPI ranks. */
static int report_bad_values(pipeline *P, const qmap_bad_counts *c, const char *where, const char *param)
{
    double v[3] = {(double)c->negative, (double)c->saturated, (double)c->nonfinite};
    int rc = qmap_mpi_sum_doubles(v, 3);
    if (rc < 0 || v[0] + v[1] + v[2] == 0)
        return rc;
    qmap_log(P->o, "bad pixel values: %.0f negative, %.0f saturated, %.0f non-finite pixel readings "
             "ignored (%s)", v[0], v[1], v[2], where);
    if (param)
        qmap_results_param(P->r, param, "%.0f negative, %.0f saturated, %.0f non-finite (%s)",
                           v[0], v[1], v[2], where);
    return QMAP_OK;
}

/* Pass 1 state: per-thread per-pixel frame sums of the scan being read. */
typedef struct {
    const pipeline *P;
    int s;
    double *map;          /* this scan's masked intensity map */
    double *fsum;         /* threads x n_pix */
    long *absent;         /* per thread: frames without data */
    qmap_bad_counts *bad; /* per thread: bad readings of unmasked pixels */
} quick_look_pass;

static int quick_look_frame(void *ctx, int thread, int f, const qmap_sparse_frame *fr)
{
    quick_look_pass *Q = ctx;
    const pipeline *P = Q->P;
    if (fr->absent) {
        Q->absent[thread]++;
        Q->map[f] = NAN;
        return QMAP_OK;
    }
    double w = frame_factor(P, Q->s, f), t = 0, lim = P->sat_limit[Q->s];
    double *fs = Q->fsum + (size_t)thread * P->n_pix;
    qmap_bad_counts *bad = &Q->bad[thread];
    for (int k = 0; k < fr->n; k++) {
        int32_t p = fr->idx[k];
        if (P->mask[p] || qmap_bad_value(fr->val[k], lim, bad))
            continue;
        t += fr->val[k];
        fs[p] += fr->val[k] * w;
    }
    Q->map[f] = w > 0 ? t * w : NAN;
    return QMAP_OK;
}

static void quick_look_tick(void *ctx, double fraction)
{
    const quick_look_pass *Q = ctx;
    progress(Q->P->o, "quick look", (Q->s + fraction) / Q->P->n_scans);
}

/* Pass 1: per-scan masked intensity maps and the coarse map-averaged reciprocal space,
 * from the non-zero pixels of every frame. With MPI each rank reads its scans and the
 * sums are reduced over the ranks. */
static int quick_look(pipeline *P, double **scan_maps, qmap_coarse_space *cs)
{
    size_t nb = (size_t)cs->axes[0].n * cs->axes[1].n * cs->axes[2].n;
    qmap_frame_workers *ws = qmap_frame_workers_new();
    int nth = ws ? qmap_frame_workers_count(ws) : 1;
    cs->sum = calloc(nb, sizeof(double));
    cs->hits = calloc(nb, sizeof(double));
    double *fsum = malloc((size_t)nth * P->n_pix * sizeof *fsum);
    double *q = malloc(3 * P->n_pix * sizeof *q);
    int64_t *bin = malloc(P->n_pix * sizeof *bin);   /* coarse bin of each pixel, -1 = none */
    long *absent = calloc((size_t)nth, sizeof *absent);
    qmap_bad_counts *bad = calloc((size_t)nth, sizeof *bad), bad_total = {0, 0, 0};
    *scan_maps = calloc((size_t)P->n_scans * P->n_pos, sizeof(double));
    int rc = (ws && cs->sum && cs->hits && fsum && q && bin && absent && bad && *scan_maps)
                 ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (quick-look pass)");
    double missing = 0;
    int s_lo = 0, s_hi = 0;
    qmap_mpi_scan_range(P->n_scans, &s_lo, &s_hi);
    for (int s = s_lo; rc == QMAP_OK && s < s_hi; s++) {
        double *map = *scan_maps + (size_t)s * P->n_pos;
        for (int p = 0; p < P->n_pos; p++)
            map[p] = NAN;
        memset(fsum, 0, (size_t)nth * P->n_pix * sizeof *fsum);
        memset(absent, 0, (size_t)nth * sizeof *absent);
        qmap_frame_reader *rd = NULL;
        int nf = 0;
        rc = open_reader(P, s, &rd, &nf);
        missing += P->n_pos - nf;
        memset(bad, 0, (size_t)nth * sizeof *bad);
        quick_look_pass Q = {P, s, map, fsum, absent, bad};
        qmap_gap_setup gs = {&P->gaps, P->mask, P->sat_limit[s]};   /* gaps (issue 11) */
        qmap_frame_pass pass = {&Q, NULL, quick_look_frame, quick_look_tick, P->gaps_on ? &gs : NULL};
        if (rc == QMAP_OK)
            rc = qmap_for_each_frame(rd, ws, nf, 0, P->rows, &pass);
        qmap_frame_reader_close(rd);
        if (rc < 0)
            break;
        for (int t = 0; t < nth; t++)
            missing += absent[t];
        qmap_bad_counts_sum(bad, nth, &bad_total);
        for (int t = 1; t < nth; t++)
            for (size_t p = 0; p < P->n_pix; p++)
                fsum[p] += fsum[(size_t)t * P->n_pix + p];
        scan_q(P, s, q, q + P->n_pix, q + 2 * P->n_pix);
#pragma omp parallel for schedule(static)
        for (size_t p = 0; p < P->n_pix; p++) {
            int b0 = qmap_axis_bin(&cs->axes[0], q[p]);
            int b1 = qmap_axis_bin(&cs->axes[1], q[P->n_pix + p]);
            int b2 = qmap_axis_bin(&cs->axes[2], q[2 * P->n_pix + p]);
            bin[p] = P->mask[p] || b0 < 0 || b1 < 0 || b2 < 0
                         ? -1 : ((int64_t)b0 * cs->axes[1].n + b1) * cs->axes[2].n + b2;
        }
        for (size_t p = 0; p < P->n_pix; p++)
            if (bin[p] >= 0) {
                cs->sum[bin[p]] += fsum[p];
                cs->hits[bin[p]] += 1;
            }
    }
    /* other ranks' scans are 0 here and NaN-or-value on their owner: sums are exact */
    rc = qmap_mpi_agree(rc);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(*scan_maps, (size_t)P->n_scans * P->n_pos);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(cs->sum, nb);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(cs->hits, nb);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(&missing, 1);
    if (rc == QMAP_OK && missing > 0)
        qmap_log(P->o, "interrupted scans: %ld frames missing or never written in total; "
                       "those positions are NaN", (long)missing);
    if (rc == QMAP_OK)
        rc = report_bad_values(P, &bad_total, "quick-look pass: unmasked pixels of every frame",
                               "bad_pixel_values");
    qmap_frame_workers_free(ws);
    free(fsum);
    free(q);
    free(bin);
    free(absent);
    free(bad);
    return rc;
}

static double raster_step(double start, double end, int n)
{
    return n > 1 ? (end - start) / (n - 1) : 0;
}

/* Copy a per-scan map with NaN (unmeasured) set to 0. */
static void map_or_zero(const double *m, int n, double *dst)
{
    for (int p = 0; p < n; p++)
        dst[p] = isfinite(m[p]) ? m[p] : 0;
}

/* Sum of the finite values of a map. */
static double map_total(const double *m, int n)
{
    double t = 0;
    for (int p = 0; p < n; p++)
        if (isfinite(m[p]))
            t += m[p];
    return t;
}

/* Position of scan s in the measured sequence relative to the first scan kept (scans
 * dropped by --skip-bad-scans still count: the drift is linear in the sequence). */
static int scan_step(const pipeline *P, int s)
{
    return qmap_dataset_scan(P->ds, s)->sequence - qmap_dataset_scan(P->ds, 0)->sequence;
}

/* Drift measurement. Consecutive scans are registered (their intensity maps look alike and
 * shifts stay small, far from the wrap-around of the correlation); each registration is an
 * estimate of the drift per scan. The slope is their mean weighted by the dimmer scan's
 * total intensity, so that steps at the tails of the rocking curve, where only a few tilted
 * grains diffract, count little. dr/dc receive the cumulative measured shifts (map pixels,
 * NaN for scans not registered); slope_r/slope_c the per-scan drift. */
static int measure_drift(pipeline *P, const double *scan_maps, double *dr, double *dc,
                         double *slope_r, double *slope_c)
{
    double *ref = malloc(P->n_pos * sizeof *ref), *mov = malloc(P->n_pos * sizeof *mov);
    if (!ref || !mov) {
        free(ref);
        free(mov);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (drift)");
    }
    double wsum = 0, wr = 0, wc = 0;
    dr[0] = dc[0] = 0;
    map_or_zero(scan_maps, P->n_pos, ref);
    for (int s = 1; s < P->n_scans; s++) {
        double r = 0, c = 0;
        map_or_zero(scan_maps + (size_t)s * P->n_pos, P->n_pos, mov);
        if (qmap_phase_correlation(ref, mov, P->n_slow, P->n_fast, 20, &r, &c) < 0) {
            qmap_log(P->o, "drift: scans %s and %s not registered (%s)", qmap_dataset_scan(P->ds, s - 1)->name,
                     qmap_dataset_scan(P->ds, s)->name, qmap_error_message());
            r = c = NAN;
        } else {
            double w = fmin(map_total(scan_maps + (size_t)(s - 1) * P->n_pos, P->n_pos),
                            map_total(scan_maps + (size_t)s * P->n_pos, P->n_pos));
            int gap = scan_step(P, s) - scan_step(P, s - 1);   /* > 1 across a dropped scan */
            wsum += w * gap;
            wr += w * r;
            wc += w * c;
        }
        dr[s] = dr[s - 1] + r;
        dc[s] = dc[s - 1] + c;
        double *t = ref;
        ref = mov;
        mov = t;
    }
    free(ref);
    free(mov);
    *slope_r = wsum > 0 ? wr / wsum : 0;
    *slope_c = wsum > 0 ? wc / wsum : 0;
    return QMAP_OK;
}

/* Drift between scans: measured (or given), fitted by a line through 0 (the first scan
 * is the reference), applied as an integer re-indexing of the positions. */
static int drift(pipeline *P, const double *scan_maps)
{
    const qmap_process_options *o = P->o;
    const qmap_scan_title *t = &qmap_dataset_scan(P->ds, 0)->title;
    double sx = raster_step(t->fast_start, t->fast_end, t->n_fast);
    double sy = raster_step(t->slow_start, t->slow_end, t->n_slow);
    double bx = 0, by = 0;
    if (o->shift_mode == QMAP_SHIFT_MANUAL) {
        bx = o->shift_dx_um;
        by = o->shift_dy_um;
    } else if (o->shift_mode == QMAP_SHIFT_AUTO && P->n_scans > 1) {
        double *counter_maps = NULL;
        if (o->shift_counter) {
            /* a Bragg-independent counter (fluorescence): immune to the apparent motion of
             * the diffracting region with eta that a tilt field gives the Bragg intensity */
            counter_maps = malloc((size_t)P->n_scans * P->n_pos * sizeof *counter_maps);
            if (!counter_maps)
                return qmap_error(QMAP_ERR_NOMEM, "out of memory (drift)");
            for (int s = 0; s < P->n_scans; s++)
                for (int p = 0; p < P->n_pos; p++) {
                    double w = frame_factor(P, s, p);
                    double v = qmap_dataset_scan(P->ds, s)->shift_counter[p];
                    counter_maps[(size_t)s * P->n_pos + p] = w > 0 ? v * w : NAN;
                }
            scan_maps = counter_maps;
        }
        double *dr = malloc(P->n_scans * sizeof *dr), *dc = malloc(P->n_scans * sizeof *dc);
        double kr = 0, kc = 0;
        int rc = dr && dc ? measure_drift(P, scan_maps, dr, dc, &kr, &kc) : qmap_error(QMAP_ERR_NOMEM, "out of memory");
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
            P->r->measured_shift_x[s] = dc[s] * sx;
            P->r->measured_shift_y[s] = dr[s] * sy;
        }
        free(dr);
        free(dc);
        free(counter_maps);
        if (rc < 0)
            return rc;
        bx = kc * sx;
        by = kr * sy;
        qmap_log(o, "drift: shifts relative to the first scan measured on %s (cross-correlation of "
                    "consecutive scans, line = intensity-weighted mean step):",
                 o->shift_counter ? o->shift_counter : "the masked detector intensity");
        for (int s = 0; s < P->n_scans; s++)
            qmap_log(o, "  scan %-6s eta %9.4f  measured x %+8.4f y %+8.4f um  fitted x %+8.4f y %+8.4f um",
                     qmap_dataset_scan(P->ds, s)->name, P->r->eta[s], P->r->measured_shift_x[s],
                     P->r->measured_shift_y[s], bx * scan_step(P, s), by * scan_step(P, s));
    }
    int max_r = 0, max_c = 0;
    for (int s = 0; s < P->n_scans; s++) {
        int k = scan_step(P, s);
        P->r->shift_x[s] = bx * k;
        P->r->shift_y[s] = by * k;
        P->col_shift[s] = sx != 0 ? (int)lrint(bx * k / sx) : 0;
        P->row_shift[s] = sy != 0 ? (int)lrint(by * k / sy) : 0;
        max_c = abs(P->col_shift[s]) > max_c ? abs(P->col_shift[s]) : max_c;
        max_r = abs(P->row_shift[s]) > max_r ? abs(P->row_shift[s]) : max_r;
    }
    const char *mode = o->shift_mode == QMAP_SHIFT_NONE ? "none" : o->shift_mode == QMAP_SHIFT_MANUAL ? "manual" : "auto";
    qmap_log(o, "drift (%s): %+.5f, %+.5f um per scan (x, y) = %+.3f, %+.3f map pixels; "
             "re-indexing by up to %d columns, %d rows", mode, bx, by, sx ? bx / sx : 0, sy ? by / sy : 0, max_c, max_r);
    qmap_results_param(P->r, "shift", "%s: %.6f,%.6f um per scan%s%s", mode, bx, by,
                       o->shift_counter ? ", measured on " : "", o->shift_counter ? o->shift_counter : "");
    if (max_c >= P->n_fast || max_r >= P->n_slow)
        return qmap_error(QMAP_ERR_VALUE, "drift of %d columns / %d rows leaves no position measured in "
                          "every scan; check --shift", max_c, max_r);
    return QMAP_OK;
}

/* Per-scan plans: unmasked pixels whose Q lies inside the VOI. */
static int build_plans(pipeline *P, const double voi[6], qmap_scan_plan *plans)
{
    double *q = malloc(3 * P->n_pix * sizeof *q);
    if (!q)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (plans)");
    int rc = QMAP_OK;
    for (int s = 0; s < P->n_scans && rc == QMAP_OK; s++) {
        scan_q(P, s, q, q + P->n_pix, q + 2 * P->n_pix);
        qmap_scan_plan *pl = &plans[s];
        size_t n = 0;
        for (int pass = 0; pass < 2 && rc == QMAP_OK; pass++) {
            n = 0;
            pl->row0 = P->rows;
            pl->row1 = 0;
            for (size_t p = 0; p < P->n_pix; p++) {
                double v[3] = {q[p], q[P->n_pix + p], q[2 * P->n_pix + p]};
                if (P->mask[p] || v[0] < voi[0] || v[0] > voi[1] || v[1] < voi[2] || v[1] > voi[3] ||
                    v[2] < voi[4] || v[2] > voi[5])
                    continue;
                if (pass == 1) {
                    pl->pix[n] = (int32_t)p;
                    memcpy(pl->q + 3 * n, v, sizeof v);
                }
                int row = (int)(p / P->cols);
                pl->row0 = row < pl->row0 ? row : pl->row0;
                pl->row1 = row + 1 > pl->row1 ? row + 1 : pl->row1;
                n++;
            }
            if (pass == 0) {
                pl->n_pix = (int)n;
                pl->pix = malloc((n ? n : 1) * sizeof *pl->pix);
                pl->q = malloc((n ? n : 1) * 3 * sizeof *pl->q);
                pl->bin3 = malloc((n ? n : 1) * 3 * sizeof *pl->bin3);
                if (!pl->pix || !pl->q || !pl->bin3)
                    rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (plan of scan %d)", s);
            }
        }
        if (n == 0)
            pl->row0 = pl->row1 = 0;
    }
    free(q);
    return rc;
}

/* Pass 2 state for one scan. */
typedef struct {
    const pipeline *P;
    const qmap_scan_plan *pl;
    qmap_accumulators *A;
    int s;
    const int32_t *slot;  /* plan index of each pixel of rows [row0, row1), -1 = not in the VOI */
    double *cubes;        /* threads x ncube: map-averaged VOI intensity */
    double *scan_tot;     /* per thread: the scan's VOI intensity */
    size_t ncube;
    qmap_bad_counts *bad; /* per thread: bad readings of VOI pixels */
} accumulate_pass;

/* Map position of frame f of scan s after the drift re-indexing, or -1. */
static int frame_position(const pipeline *P, int s, int f)
{
    int ref_row = f / P->n_fast - P->row_shift[s], ref_col = f % P->n_fast - P->col_shift[s];
    if (ref_row < 0 || ref_row >= P->n_slow || ref_col < 0 || ref_col >= P->n_fast)
        return -1;
    return ref_row * P->n_fast + ref_col;
}

static int accumulate_skip(void *ctx, int f)
{
    const accumulate_pass *S = ctx;
    return frame_position(S->P, S->s, f) < 0 || frame_factor(S->P, S->s, f) == 0;
}

/* One frame goes to one map position, and each scan has one frame per position: threads
 * never write the same position within a scan. */
static int accumulate_frame(void *ctx, int thread, int f, const qmap_sparse_frame *fr)
{
    accumulate_pass *S = ctx;
    const pipeline *P = S->P;
    const qmap_scan_plan *pl = S->pl;
    qmap_accumulators *A = S->A;
    if (fr->absent)
        return QMAP_OK;
    int p = frame_position(P, S->s, f);
    double w = frame_factor(P, S->s, f);
    double *cube = S->cubes + (size_t)thread * S->ncube;
    size_t base = (size_t)pl->row0 * P->cols;
    double s0 = 0, s1[3] = {0, 0, 0}, s2[3] = {0, 0, 0}, lim = P->sat_limit[S->s];
    qmap_bad_counts *bad = &S->bad[thread];
    for (int k = 0; k < fr->n; k++) {
        int i = S->slot[fr->idx[k] - base];
        if (i < 0 || qmap_bad_value(fr->val[k], lim, bad))
            continue;
        double v = (double)fr->val[k] * w;
        const int32_t *b3 = pl->bin3 + 3 * i;
        s0 += v;
        for (int a = 0; a < 3; a++) {
            double d = pl->q[3 * i + a] - A->qc[a];
            s1[a] += v * d;
            s2[a] += v * d * d;
            A->proj[a][(size_t)p * A->n_bins[a] + b3[a]] += v;
        }
        size_t bin = ((size_t)b3[0] * A->n_bins[1] + b3[1]) * A->n_bins[2] + b3[2];
        cube[bin] += v;
        if (P->r->qspace_cube)
            P->r->qspace_cube[(size_t)p * S->ncube + bin] += (float)v;
    }
    A->s0[p] += s0;
    for (int a = 0; a < 3; a++) {
        A->s1[3 * p + a] += s1[a];
        A->s2[3 * p + a] += s2[a];
    }
    A->contrib[p]++;
    S->scan_tot[thread] += s0;
    return QMAP_OK;
}

static void accumulate_tick(void *ctx, double fraction)
{
    const accumulate_pass *S = ctx;
    progress(S->P->o, "accumulate", (S->s + fraction) / S->P->n_scans);
}

/* Sum the accumulators of all MPI ranks (each rank read its own scans). */
static int reduce_over_ranks(pipeline *P, qmap_accumulators *A, double *cube, size_t ncube)
{
    size_t n = (size_t)P->n_pos;
    int rc = qmap_mpi_sum_doubles(A->s0, n);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(A->s1, 3 * n);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(A->s2, 3 * n);
    for (int a = 0; a < 3 && rc == QMAP_OK; a++)
        rc = qmap_mpi_sum_doubles(A->proj[a], n * A->n_bins[a]);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_ints(A->contrib, n);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(cube, ncube);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(P->r->scan_intensity, P->n_scans);
    if (rc == QMAP_OK && P->r->qspace_cube) rc = qmap_mpi_sum_floats(P->r->qspace_cube, n * ncube);
    return rc;
}

/* Everything the sums of the accumulation pass depend on: the input file (name, size,
 * modification time), the version, the thread count (per-thread partial sums), and the
 * plans, drift re-indexing, VOI centre, bins and monitor scale derived from the options. */
static uint64_t accumulation_fingerprint(const pipeline *P, const qmap_scan_plan *plans,
                                         const qmap_accumulators *A, int nth)
{
    const qmap_process_options *o = P->o;
    uint64_t h = qmap_fingerprint(QMAP_FINGERPRINT_SEED, QMAP_VERSION_STRING, strlen(QMAP_VERSION_STRING));
    h = qmap_fingerprint(h, o->input, strlen(o->input));
    struct stat st;
    int64_t id[2] = {-1, -1};
    if (stat(o->input, &st) == 0) {
        id[0] = (int64_t)st.st_size;
        id[1] = (int64_t)st.st_mtime;
    }
    h = qmap_fingerprint(h, id, sizeof id);
    if (o->monitor)
        h = qmap_fingerprint(h, o->monitor, strlen(o->monitor));
    int ints[6] = {nth, P->n_scans, P->n_pos, A->n_bins[0], A->n_bins[1], A->n_bins[2]};
    h = qmap_fingerprint(h, ints, sizeof ints);
    h = qmap_fingerprint(h, A->qc, sizeof A->qc);
    h = qmap_fingerprint(h, &P->mon_mean, sizeof P->mon_mean);
    h = qmap_fingerprint(h, P->row_shift, P->n_scans * sizeof *P->row_shift);
    h = qmap_fingerprint(h, P->col_shift, P->n_scans * sizeof *P->col_shift);
    h = qmap_fingerprint(h, P->sat_limit, P->n_scans * sizeof *P->sat_limit);
    h = qmap_fingerprint(h, &P->gaps_on, sizeof P->gaps_on);   /* gaps (issue 11) */
    if (P->gaps_on)
        h = qmap_fingerprint(h, &P->gaps, sizeof P->gaps);
    for (int s = 0; s < P->n_scans; s++) {
        const qmap_scan_plan *pl = &plans[s];
        int dims[3] = {pl->n_pix, pl->row0, pl->row1};
        h = qmap_fingerprint(h, dims, sizeof dims);
        h = qmap_fingerprint(h, pl->pix, pl->n_pix * sizeof *pl->pix);
        h = qmap_fingerprint(h, pl->q, 3 * (size_t)pl->n_pix * sizeof *pl->q);
        h = qmap_fingerprint(h, pl->bin3, 3 * (size_t)pl->n_pix * sizeof *pl->bin3);
    }
    return h;
}

/* Checkpointing of the accumulation pass (options checkpoint, resume). */
typedef struct {
    int on;                     /* save after every scan */
    uint64_t fingerprint;
    qmap_checkpoint_arrays a;
} checkpointing;

/* Set up checkpointing and, with resume, load the sums; *first = first scan to read. */
static int checkpoint_start(pipeline *P, const qmap_scan_plan *plans, qmap_accumulators *A, double *cubes,
                            int nth, size_t ncube, checkpointing *ck, int *first)
{
    const qmap_process_options *o = P->o;
    ck->on = o->checkpoint != NULL && !o->save_qspace && qmap_mpi_size() == 1;
    if (o->resume && !ck->on)
        return qmap_error(QMAP_ERR_VALUE, "--resume is not possible with --save-qspace or under MPI");
    if (!ck->on)
        return QMAP_OK;
    qmap_checkpoint_arrays a = {(size_t)P->n_pos, {A->n_bins[0], A->n_bins[1], A->n_bins[2]}, P->n_scans,
                                A->s0, A->s1, A->s2, {A->proj[0], A->proj[1], A->proj[2]}, A->contrib,
                                cubes, (size_t)nth * ncube, P->r->scan_intensity};
    ck->a = a;
    ck->fingerprint = accumulation_fingerprint(P, plans, A, nth);
    if (o->resume) {
        int rc = qmap_checkpoint_load(o->checkpoint, ck->fingerprint, &ck->a, first);
        if (rc < 0)
            return rc;
        qmap_log(o, "resume: %d of %d scans taken from the checkpoint %s", *first, P->n_scans, o->checkpoint);
    }
    qmap_log(o, "checkpoint: sums saved after every scan in %s (continue an interrupted run with --resume)",
             o->checkpoint);
    return QMAP_OK;
}

/* After scan s: save the sums. A failed save (disk full) stops checkpointing, not the run. */
static void checkpoint_scan(pipeline *P, checkpointing *ck, int s)
{
    if (!ck->on)
        return;
    if (qmap_checkpoint_save(P->o->checkpoint, ck->fingerprint, s + 1, &ck->a) < 0) {
        qmap_log(P->o, "checkpoint: not saved (%s); continuing without checkpoints", qmap_error_message());
        ck->on = 0;
        return;
    }
    progress(P->o, "checkpoint", (double)(s + 1) / P->n_scans);
}

/* Pass 2: accumulate per-position moments and projections over the VOI pixels, reading
 * only the detector rows of the scan's plan. */
static int accumulate(pipeline *P, qmap_scan_plan *plans, qmap_accumulators *A)
{
    qmap_frame_workers *ws = qmap_frame_workers_new();
    int nth = ws ? qmap_frame_workers_count(ws) : 1;
    size_t ncube = (size_t)A->n_bins[0] * A->n_bins[1] * A->n_bins[2];
    double *cubes = calloc((size_t)nth * ncube, sizeof *cubes);
    double *scan_tot = calloc((size_t)nth, sizeof *scan_tot);
    int32_t *slot = malloc(P->n_pix * sizeof *slot);
    qmap_bad_counts *bad = calloc((size_t)nth, sizeof *bad), bad_total = {0, 0, 0};
    int rc = (ws && cubes && scan_tot && slot && bad) ? QMAP_OK
                                               : qmap_error(QMAP_ERR_NOMEM, "out of memory (accumulation)");
    int s_lo = 0, s_hi = 0;
    qmap_mpi_scan_range(P->n_scans, &s_lo, &s_hi);
    checkpointing ck = {0};
    if (rc == QMAP_OK)
        rc = checkpoint_start(P, plans, A, cubes, nth, ncube, &ck, &s_lo);
    for (int s = s_lo; rc == QMAP_OK && s < s_hi; s++) {
        const qmap_scan_plan *pl = &plans[s];
        if (pl->n_pix == 0) {
            checkpoint_scan(P, &ck, s);
            continue;
        }
        size_t base = (size_t)pl->row0 * P->cols, len = (size_t)(pl->row1 - pl->row0) * P->cols;
        for (size_t i = 0; i < len; i++)
            slot[i] = -1;
        for (int i = 0; i < pl->n_pix; i++)
            slot[pl->pix[i] - base] = i;
        qmap_frame_reader *rd = NULL;
        int nf = 0;
        rc = open_reader(P, s, &rd, &nf);
        memset(scan_tot, 0, nth * sizeof *scan_tot);
        memset(bad, 0, (size_t)nth * sizeof *bad);
        accumulate_pass S = {P, pl, A, s, slot, cubes, scan_tot, ncube, bad};
        qmap_gap_setup gs = {&P->gaps, P->mask, P->sat_limit[s]};   /* gaps (issue 11) */
        qmap_frame_pass pass = {&S, accumulate_skip, accumulate_frame, accumulate_tick, P->gaps_on ? &gs : NULL};
        if (rc == QMAP_OK)
            rc = qmap_for_each_frame(rd, ws, nf, pl->row0, pl->row1, &pass);
        qmap_frame_reader_close(rd);
        for (int t = 0; t < nth; t++)
            P->r->scan_intensity[s] += scan_tot[t];
        qmap_bad_counts_sum(bad, nth, &bad_total);
        if (rc == QMAP_OK)
            checkpoint_scan(P, &ck, s);
    }
    for (int t = 1; rc == QMAP_OK && t < nth; t++)
        for (size_t b = 0; b < ncube; b++)
            cubes[b] += cubes[(size_t)t * ncube + b];
    rc = qmap_mpi_agree(rc);
    if (rc == QMAP_OK)
        rc = reduce_over_ranks(P, A, cubes, ncube);
    if (rc == QMAP_OK)
        rc = report_bad_values(P, &bad_total, "accumulation pass: VOI pixels of the scans read", NULL);
    if (rc == QMAP_OK) {
        P->r->qspace_average = calloc(ncube, sizeof(double));
        P->r->qspace_hits = calloc(ncube, sizeof(double));
        if (!P->r->qspace_average || !P->r->qspace_hits)
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (q-space average)");
    }
    if (rc == QMAP_OK) {
        memcpy(P->r->qspace_average, cubes, ncube * sizeof *cubes);
        for (int s = 0; s < P->n_scans; s++)
            for (int i = 0; i < plans[s].n_pix; i++) {
                const int32_t *b3 = plans[s].bin3 + 3 * i;
                P->r->qspace_hits[((size_t)b3[0] * A->n_bins[1] + b3[1]) * A->n_bins[2] + b3[2]] += 1;
                for (int a = 0; a < 3; a++)
                    A->hits_proj[a][b3[a]] += 1;
            }
    }
    qmap_frame_workers_free(ws);
    free(cubes);
    free(scan_tot);
    free(slot);
    free(bad);
    return rc;
}

/* Drop plan pixels the binning rule puts outside the grid (exact VOI edges). */
static void compact_plans(qmap_scan_plan *plans, int n_scans)
{
    for (int s = 0; s < n_scans; s++) {
        qmap_scan_plan *pl = &plans[s];
        int n = 0;
        for (int i = 0; i < pl->n_pix; i++) {
            const int32_t *b = pl->bin3 + 3 * i;
            if (b[0] < 0 || b[1] < 0 || b[2] < 0)
                continue;
            pl->pix[n] = pl->pix[i];
            memmove(pl->q + 3 * n, pl->q + 3 * i, 3 * sizeof *pl->q);
            memmove(pl->bin3 + 3 * n, pl->bin3 + 3 * i, 3 * sizeof *pl->bin3);
            n++;
        }
        pl->n_pix = n;
    }
}

static int choose_voi(pipeline *P, const double lo[3], const double hi[3], const double step[3],
                      double voi[6], qmap_coarse_space *cs, double **scan_maps)
{
    const qmap_process_options *o = P->o;
    static const char *ax = "xyz";
    for (int a = 0; a < 3; a++) {
        double n = step[a] > 0 ? (hi[a] - lo[a]) / step[a] + 1 : 2;
        cs->axes[a].min = lo[a];
        cs->axes[a].max = hi[a];
        cs->axes[a].n = n > COARSE_MAX_BINS ? COARSE_MAX_BINS : n < 2 ? 2 : (int)n;
    }
    int rc = quick_look(P, scan_maps, cs);
    if (rc < 0)
        return rc;
    if (o->voi_set) {
        memcpy(voi, o->voi, 6 * sizeof *voi);
        for (int a = 0; a < 3; a++)
            if (voi[2 * a + 1] < lo[a] || voi[2 * a] > hi[a])
                return qmap_error(QMAP_ERR_VALUE, "--voi: q%c range %g:%g is outside the data (%g:%g 1/A)",
                                  ax[a], voi[2 * a], voi[2 * a + 1], lo[a], hi[a]);
    } else if ((rc = qmap_auto_voi(cs, voi)) < 0) {
        return rc;
    }
    return QMAP_OK;
}

/* An automatic VOI is clipped to the q range its pixels really sample (the box corners
 * can lie outside the rocking range), so that no edge slab of the grid is empty. */
static void clip_and_report_voi(pipeline *P, const qmap_scan_plan *plans, double voi[6],
                                const double lo[3], const double hi[3])
{
    const qmap_process_options *o = P->o;
    if (!o->voi_set) {
        double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (int s = 0; s < P->n_scans; s++)
            for (int i = 0; i < plans[s].n_pix; i++)
                for (int a = 0; a < 3; a++) {
                    mn[a] = fmin(mn[a], plans[s].q[3 * i + a]);
                    mx[a] = fmax(mx[a], plans[s].q[3 * i + a]);
                }
        for (int a = 0; a < 3; a++)
            if (mn[a] < mx[a]) {
                voi[2 * a] = fmax(voi[2 * a], mn[a]);
                voi[2 * a + 1] = fmin(voi[2 * a + 1], mx[a]);
            }
    }
    qmap_log(o, "VOI (%s): --voi %.5f:%.5f,%.5f:%.5f,%.5f:%.5f  (data range qx %.4f:%.4f, qy %.4f:%.4f, qz %.4f:%.4f)",
             o->voi_set ? "user" : "auto", voi[0], voi[1], voi[2], voi[3], voi[4], voi[5],
             lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
    qmap_results_param(P->r, "voi", "%.8f:%.8f,%.8f:%.8f,%.8f:%.8f", voi[0], voi[1], voi[2], voi[3], voi[4], voi[5]);
}

static int run(pipeline *P, qmap_results **out)
{
    const qmap_process_options *o = P->o;
    double lo[3], hi[3], step[3], voi[6];
    qmap_coarse_space cs = {0};
    double *scan_maps = NULL;
    qmap_scan_plan *plans = calloc(P->n_scans, sizeof *plans);
    qmap_accumulators A = {0};
    int rc = plans ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (rc == QMAP_OK) rc = setup_geometry(P);
    if (rc == QMAP_OK) rc = setup_saturation(P);
    if (rc == QMAP_OK) rc = setup_monitor(P);
    if (rc == QMAP_OK) rc = build_mask(P);
    if (rc == QMAP_OK)   /* gaps (issue 11) */
        rc = qmap_gap_choose(o, qmap_dataset_scan(P->ds, 0)->detector, P->rows, P->cols, P->mask,
                             P->r, &P->gaps, &P->gaps_on);
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK) rc = q_range(P, lo, hi, step);
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK) rc = choose_voi(P, lo, hi, step, voi, &cs, &scan_maps);
    if (rc == QMAP_OK) rc = drift(P, scan_maps);
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK) rc = build_plans(P, voi, plans);
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK) {
        long n = 0;
        for (int s = 0; s < P->n_scans; s++)
            n += plans[s].n_pix;
        if (n == 0)
            rc = qmap_error(QMAP_ERR_VALUE, "the VOI %g:%g,%g:%g,%g:%g holds no detector pixel of any scan",
                            voi[0], voi[1], voi[2], voi[3], voi[4], voi[5]);
    }
    if (rc == QMAP_OK) {
        clip_and_report_voi(P, plans, voi, lo, hi);
        memcpy(P->r->voi, voi, sizeof P->r->voi);
        memcpy(P->r->overview_axes, cs.axes, sizeof cs.axes);
        P->r->overview_sum = cs.sum;      /* ownership moves to the results */
        P->r->overview_hits = cs.hits;
        cs.sum = cs.hits = NULL;
    }
    if (rc == QMAP_OK)
        rc = qmap_choose_bins(voi, step, plans, P->n_scans, o->bins_set, o->bins, P->r->axes);
    if (rc == QMAP_OK) {
        compact_plans(plans, P->n_scans);
        qmap_log(o, "bins (%s): --bins %d,%d,%d (steps %.3g, %.3g, %.3g 1/A; natural sampling %.3g, %.3g, %.3g)",
                 o->bins_set ? "user" : "auto", P->r->axes[0].n, P->r->axes[1].n, P->r->axes[2].n,
                 qmap_axis_step(&P->r->axes[0]), qmap_axis_step(&P->r->axes[1]), qmap_axis_step(&P->r->axes[2]),
                 step[0], step[1], step[2]);
        qmap_results_param(P->r, "bins", "%d,%d,%d", P->r->axes[0].n, P->r->axes[1].n, P->r->axes[2].n);
        A.n_pos = P->n_pos;
        A.n_scans = P->n_scans;
        A.s0 = calloc(P->n_pos, sizeof(double));
        A.s1 = calloc(3 * (size_t)P->n_pos, sizeof(double));
        A.s2 = calloc(3 * (size_t)P->n_pos, sizeof(double));
        A.contrib = calloc(P->n_pos, sizeof(int));
        int ok = A.s0 && A.s1 && A.s2 && A.contrib;
        for (int a = 0; a < 3; a++) {
            A.n_bins[a] = P->r->axes[a].n;
            A.qc[a] = 0.5 * (voi[2 * a] + voi[2 * a + 1]);
            ok = ok && (A.proj[a] = calloc((size_t)P->n_pos * A.n_bins[a], sizeof(double))) &&
                 (A.hits_proj[a] = calloc(A.n_bins[a], sizeof(double)));
        }
        rc = ok ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (accumulators for %d positions)", P->n_pos);
    }
    if (rc == QMAP_OK && o->save_qspace) {
        double bytes = (double)P->n_pos * A.n_bins[0] * A.n_bins[1] * A.n_bins[2] * sizeof(float);
        if (bytes > 4.0 * 1024 * 1024 * 1024)
            rc = qmap_error(QMAP_ERR_VALUE, "--save-qspace: the cube of %d positions x %d x %d x %d bins "
                            "needs %.1f GiB (limit 4 GiB): narrow --voi or lower --bins", P->n_pos,
                            A.n_bins[0], A.n_bins[1], A.n_bins[2], bytes / (1024.0 * 1024 * 1024));
        else if (!(P->r->qspace_cube = calloc((size_t)(bytes / sizeof(float)) + 1, sizeof(float))))
            rc = qmap_error(QMAP_ERR_NOMEM, "--save-qspace: out of memory for %.1f GiB", bytes / 1073741824.0);
        else
            qmap_log(o, "q-space cube: %.1f MiB kept for /qspace/cube", bytes / 1048576.0);
    }
    if (rc == QMAP_OK) rc = accumulate(P, plans, &A);
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK) rc = qmap_derive_maps(o, &A, P->r);
    free(A.s0);
    free(A.s1);
    free(A.s2);
    free(A.contrib);
    for (int a = 0; a < 3; a++) {
        free(A.proj[a]);
        free(A.hits_proj[a]);
    }
    for (int s = 0; plans && s < P->n_scans; s++)
        qmap_scan_plan_free(&plans[s]);
    free(plans);
    free(cs.sum);
    free(cs.hits);
    free(scan_maps);
    if (rc == QMAP_OK) {
        *out = P->r;
        P->r = NULL;
    }
    return rc;
}

/* --skip-bad-scans: drop every scan whose frames cannot be opened (a missing or unreadable
 * LIMA file behind the virtual dataset), logging the scan and the reason; their names go
 * to `skipped` (comma-separated). When no scan would remain, the last failure is returned. */
static int drop_unreadable_scans(const qmap_process_options *o, qmap_dataset *ds, char *skipped,
                                 size_t size)
{
    skipped[0] = '\0';
    for (int s = 0; s < qmap_dataset_n_scans(ds);) {
        const qmap_scan_info *si = qmap_dataset_scan(ds, s);
        qmap_frame_reader *rd = NULL;
        int rc = qmap_frame_reader_open(o->input, si->name, si->detector, &rd);
        qmap_frame_reader_close(rd);
        if (rc == QMAP_OK) {
            s++;
            continue;
        }
        if (rc == QMAP_ERR_CANCELLED || rc == QMAP_ERR_NOMEM || qmap_dataset_n_scans(ds) == 1)
            return rc;
        char name[QMAP_NAME_MAX];
        snprintf(name, sizeof name, "%s", si->name);
        qmap_log(o, "skipped scan %s (--skip-bad-scans): %s", name, qmap_error_message());
        size_t l = strlen(skipped);
        snprintf(skipped + l, size - l, "%s%s", l ? "," : "", name);
        if ((rc = qmap_dataset_remove_scan(ds, s)) < 0)
            return rc;
    }
    return QMAP_OK;
}

static void fill_positions(pipeline *P)
{
    const qmap_scan_info *si = qmap_dataset_scan(P->ds, 0);
    for (int c = 0; c < P->n_fast; c++) {
        double sum = 0;
        for (int r = 0; r < P->n_slow; r++)
            sum += si->x[r * P->n_fast + c];
        P->r->x[c] = sum / P->n_slow;
    }
    for (int r = 0; r < P->n_slow; r++) {
        double sum = 0;
        for (int c = 0; c < P->n_fast; c++)
            sum += si->y[r * P->n_fast + c];
        P->r->y[r] = sum / P->n_fast;
    }
}

int qmap_process(const qmap_process_options *o, qmap_results **out)
{
    *out = NULL;
    int rc = check_option_values(o);
    if (rc < 0)
        return rc;
    if (o->threads > 0)
        omp_set_num_threads(o->threads);
    qmap_open_options oo = {.detector = o->detector, .monitor = o->monitor,
                            .shift_counter = o->shift_counter, .scans = o->scans /* series (issue 11) */};
    pipeline P = {.o = o};
    rc = qmap_dataset_open(o->input, &oo, &P.ds);
    if (rc < 0)
        return rc;
    char skipped[4096] = "";
    if (o->skip_bad_scans && (rc = drop_unreadable_scans(o, P.ds, skipped, sizeof skipped)) < 0) {
        qmap_dataset_close(P.ds);
        return rc;
    }
    P.n_scans = qmap_dataset_n_scans(P.ds);
    const qmap_scan_info *s0 = qmap_dataset_scan(P.ds, 0);
    P.rows = s0->geom.n_rows;
    P.cols = s0->geom.n_cols;
    P.n_pix = (size_t)P.rows * P.cols;
    P.n_fast = s0->title.n_fast;
    P.n_slow = s0->title.n_slow;
    P.n_pos = P.n_fast * P.n_slow;
    P.r = qmap_results_new(P.n_fast, P.n_slow, P.n_scans, o->hkl_set && o->hkl[0] == 0 && o->hkl[1] == 0);
    P.row_shift = calloc(P.n_scans, sizeof(int));
    P.col_shift = calloc(P.n_scans, sizeof(int));
    if (!P.r || !P.row_shift || !P.col_shift) {
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory for a %d x %d map", P.n_slow, P.n_fast);
    } else {
        qmap_results_param(P.r, "input", "%s", o->input);
        qmap_results_param(P.r, "detector", "%s", s0->detector);
        char scans[4096] = "";
        for (int s = 0; s < P.n_scans; s++) {
            size_t l = strlen(scans);
            snprintf(scans + l, sizeof scans - l, "%s%s", s ? "," : "", qmap_dataset_scan(P.ds, s)->name);
        }
        qmap_results_param(P.r, "scans", "%s", scans);
        if (skipped[0])
            qmap_results_param(P.r, "skipped_scans", "%s", skipped);
        qmap_log(o, "input %s: %d SXDM scans (%s), %d other scans skipped", o->input, P.n_scans, scans,
                 qmap_dataset_n_skipped(P.ds));
        qmap_series_log(o, P.ds, P.r);   /* series (issue 11) */
        qmap_log(o, "detector %s %d x %d; map %d x %d (%s fast, %s slow), %d frames per scan",
                 s0->detector, P.rows, P.cols, P.n_slow, P.n_fast, s0->title.fast_motor,
                 s0->title.slow_motor, P.n_pos);
        if (o->hkl_set) {
            qmap_results_param(P.r, "hkl", "%d,%d,%d", o->hkl[0], o->hkl[1], o->hkl[2]);
            if (o->hkl[0] || o->hkl[1])
                qmap_log(o, "hkl %d,%d,%d is not 0,0,l: no c map", o->hkl[0], o->hkl[1], o->hkl[2]);
        }
        fill_positions(&P);
        rc = run(&P, out);
    }
    qmap_results_free(P.r);
    free(P.geom);
    free(P.angles);
    free(P.calib);   /* calibration (issue 11) */
    free(P.mask);
    free(P.row_shift);
    free(P.col_shift);
    free(P.sat_limit);
    qmap_dataset_close(P.ds);
    return rc;
}
