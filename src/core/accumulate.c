/* accumulate.c -- stage 7 of qmap_process: pass 2 over the frames. For every map position,
 * exact Q moments (sum I, sum I dq, sum I dq^2) and projections on the VOI bins, from the
 * plan's pixels only; the map-averaged VOI cube; MPI reduction and checkpoints. With the
 * sub-pixel drift application (issue 12) each scan is summed at its measured positions in
 * raw accumulators, then interpolated into the map at the drift-corrected positions
 * (drift_apply.c).
 */
#include "accumulate.h"
#include "checkpoint.h"
#include "drift_measure.h"
#include "log.h"
#include "gap_sparse.h"   /* gaps (issue 11) */
#include "qmap/error.h"
#include "qmap/frames.h"
#include "qmap/mpi.h"
#include "zeroed.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int qmap_accumulators_alloc(const pipeline *P, const double voi[6], qmap_accumulators *A)
{
    A->n_pos = P->n_pos;
    A->n_scans = P->n_scans;
    A->hits_total = 0;
    A->background = NAN;
    for (int a = 0; a < 3; a++)
        A->hits_q1[a] = A->hits_q2[a] = 0;
    /* sums the threads add to: zeros written, not calloc's zero pages (zeroed.h) */
    A->s0 = qmap_zeroed(P->n_pos, sizeof(double));
    A->s1 = qmap_zeroed(3 * (size_t)P->n_pos, sizeof(double));
    A->s2 = qmap_zeroed(3 * (size_t)P->n_pos, sizeof(double));
    A->contrib = calloc(P->n_pos, sizeof(int));
    int ok = A->s0 && A->s1 && A->s2 && A->contrib;
    for (int a = 0; a < 3; a++) {
        A->n_bins[a] = P->r->axes[a].n;
        A->qc[a] = 0.5 * (voi[2 * a] + voi[2 * a + 1]);
        ok = ok && (A->proj[a] = qmap_zeroed((size_t)P->n_pos * A->n_bins[a], sizeof(double))) &&
             (A->hits_proj[a] = qmap_zeroed(A->n_bins[a], sizeof(double)));
    }
    return ok ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (accumulators for %d positions)", P->n_pos);
}

void qmap_accumulators_free(qmap_accumulators *A)
{
    free(A->s0);
    free(A->s1);
    free(A->s2);
    free(A->contrib);
    for (int a = 0; a < 3; a++) {
        free(A->proj[a]);
        free(A->hits_proj[a]);
    }
}

int qmap_alloc_qspace_cube(pipeline *P, const qmap_accumulators *A)
{
    const qmap_process_options *o = P->o;
    int rc = QMAP_OK;
    double bytes = (double)P->n_pos * A->n_bins[0] * A->n_bins[1] * A->n_bins[2] * sizeof(float);
    if (bytes > 4.0 * 1024 * 1024 * 1024)
        rc = qmap_error(QMAP_ERR_VALUE, "--save-qspace: the cube of %d positions x %d x %d x %d bins "
                        "needs %.1f GiB (limit 4 GiB): narrow --voi or lower --bins", P->n_pos,
                        A->n_bins[0], A->n_bins[1], A->n_bins[2], bytes / (1024.0 * 1024 * 1024));
    else if (!(P->r->qspace_cube = calloc((size_t)(bytes / sizeof(float)) + 1, sizeof(float))))
        rc = qmap_error(QMAP_ERR_NOMEM, "--save-qspace: out of memory for %.1f GiB", bytes / 1073741824.0);
    else
        qmap_log(o, "q-space cube: %.1f MiB kept for /qspace/cube", bytes / 1048576.0);
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
    int raw;              /* drift (issue 12): sums at the measured position (sub-pixel application) */
    int *cleared_for;     /* raw: the scan whose first frame at a position cleared its sums */
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
    return (!S->raw && frame_position(S->P, S->s, f) < 0) || qmap_frame_factor(S->P, S->s, f) == 0;
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
    int p = S->raw ? f : frame_position(P, S->s, f);   /* drift (issue 12): raw = measured position */
    if (S->raw && S->cleared_for[p] != S->s) {
        /* issue 18: the raw sums of a position are cleared by its first frame of the scan
         * (one frame per position and scan: one thread), not all at once after the scan;
         * a position no frame reached keeps old sums but is never read (contrib is 0) */
        S->cleared_for[p] = S->s;
        A->s0[p] = 0;
        for (int a = 0; a < 3; a++) {
            A->s1[3 * p + a] = A->s2[3 * p + a] = 0;
            memset(A->proj[a] + (size_t)p * A->n_bins[a], 0, A->n_bins[a] * sizeof *A->proj[a]);
        }
    }
    double w = qmap_frame_factor(P, S->s, f);
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
    qmap_stage_progress(S->P->o, "accumulate", (S->s + fraction) / S->P->n_scans);
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
    if (P->subpixel) {   /* drift (issue 12) */
        h = qmap_fingerprint(h, P->row_shift_f, P->n_scans * sizeof *P->row_shift_f);
        h = qmap_fingerprint(h, P->col_shift_f, P->n_scans * sizeof *P->col_shift_f);
    }
    h = qmap_fingerprint(h, P->sat_limit, P->n_scans * sizeof *P->sat_limit);
    h = qmap_fingerprint(h, &P->gaps_on, sizeof P->gaps_on);   /* gaps (issue 11) */
    if (P->gaps_on)
        h = qmap_fingerprint(h, &P->gaps, sizeof P->gaps);
    for (int s = 0; s < P->n_scans; s++) {
        const qmap_scan_plan *pl = &plans[s];
        int dims[3] = {pl->n_pix, pl->row0, pl->row1};
        h = qmap_fingerprint(h, dims, sizeof dims);
        h = qmap_fingerprint_words(h, pl->pix, pl->n_pix * sizeof *pl->pix);
        h = qmap_fingerprint_words(h, pl->q, 3 * (size_t)pl->n_pix * sizeof *pl->q);
        h = qmap_fingerprint_words(h, pl->bin3, 3 * (size_t)pl->n_pix * sizeof *pl->bin3);
    }
    return h;
}

/* Checkpointing of the accumulation pass (options checkpoint, resume). */
typedef struct {
    int on;                     /* save after the scans (every one, or every checkpoint_interval_s) */
    uint64_t fingerprint;
    qmap_checkpoint_arrays a;
    double last;                /* issue 18: monotonic time of the last save (or of the start) */
} checkpointing;

static double monotonic_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

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
    ck->last = monotonic_seconds();
    /* issue 18: a quick look redone after a cut peak starts its pass 2 afresh (the checkpoint
     * holds the sampled VOI's sums), unless it was redone to resume such a pass (process.c) */
    if (o->resume && (!P->quicklook_redone || P->resume_full_quick_look)) {
        int rc = qmap_checkpoint_load(o->checkpoint, ck->fingerprint, &ck->a, first);
        if (rc < 0)
            return rc;
        qmap_log(o, "resume: %d of %d scans taken from the checkpoint %s", *first, P->n_scans, o->checkpoint);
    }
    if (o->checkpoint_interval_s > 0)
        qmap_log(o, "checkpoint: sums saved after a scan at most every %.0f s in %s "
                    "(continue an interrupted run with --resume)", o->checkpoint_interval_s, o->checkpoint);
    else
        qmap_log(o, "checkpoint: sums saved after every scan in %s (continue an interrupted run with --resume)",
                 o->checkpoint);
    return QMAP_OK;
}

/* After scan s: save the sums. A failed save (disk full) stops checkpointing, not the run. */
static void checkpoint_scan(pipeline *P, checkpointing *ck, int s)
{
    if (!ck->on)
        return;
    /* issue 18: with checkpoint_interval_s, not more often than that (the sums of a large map
     * are tens of MB: saving them after each of 60 scans would cost more than the pass). The
     * last scan follows the same rule: a save that the results file replaces a moment later
     * only matters when the run already lasted that long (a short run saved nothing for
     * nothing: ~7 ms with its fsync on a 50 x 50 map) */
    double now = monotonic_seconds();
    if (P->o->checkpoint_interval_s > 0 && now - ck->last < P->o->checkpoint_interval_s)
        return;
    ck->last = now;
    if (qmap_checkpoint_save(P->o->checkpoint, ck->fingerprint, s + 1, P->quicklook_redone, &ck->a) < 0) {
        qmap_log(P->o, "checkpoint: not saved (%s); continuing without checkpoints", qmap_error_message());
        ck->on = 0;
        return;
    }
    qmap_stage_progress(P->o, "checkpoint", (double)(s + 1) / P->n_scans);
}

/* drift (issue 12): raw per-position accumulators of one scan for the sub-pixel application */
static int raw_accumulators_new(const qmap_accumulators *A, qmap_accumulators *B)
{
    size_t n = (size_t)A->n_pos;
    B->s0 = qmap_zeroed(n, sizeof(double));   /* zeroed.h */
    B->s1 = qmap_zeroed(3 * n, sizeof(double));
    B->s2 = qmap_zeroed(3 * n, sizeof(double));
    B->contrib = calloc(n, sizeof(int));
    int ok = B->s0 && B->s1 && B->s2 && B->contrib;
    for (int a = 0; a < 3; a++)
        ok = ok && (B->proj[a] = qmap_zeroed(n * A->n_bins[a], sizeof(double)));
    return ok ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (sub-pixel drift application)");
}

static void raw_accumulators_free(const qmap_accumulators *A, qmap_accumulators *B)
{
    if (B->s0 == A->s0)
        return;
    free(B->s0);
    free(B->s1);
    free(B->s2);
    free(B->contrib);
    for (int a = 0; a < 3; a++)
        if (B->proj[a] != A->proj[a])
            free(B->proj[a]);
}

/* Interpolate scan s's raw sums into A at the drift-corrected positions, then clear them.
 * issue 18 (MPI, ranks share the positions of every scan): B holds this rank's positions;
 * the measured positions (B->contrib) are those of all ranks, the interpolation is linear in
 * the sums, and only rank 0 counts the reference positions (ref_contrib; others count in
 * `scratch`), so the sum over the ranks is the single-process result. */
static int raw_accumulators_apply(const pipeline *P, int s, qmap_accumulators *B, qmap_accumulators *A,
                                  int *scratch)
{
    size_t n = (size_t)A->n_pos;
    int rc = QMAP_OK;
    if (scratch) {
        rc = qmap_mpi_sum_ints(B->contrib, n);
        if (rc < 0)
            return rc;
        memset(scratch, 0, n * sizeof *scratch);
    }
    qmap_drift_channel ch[6] = {{B->s0, A->s0, 1}, {B->s1, A->s1, 3}, {B->s2, A->s2, 3},
                                {B->proj[0], A->proj[0], A->n_bins[0]}, {B->proj[1], A->proj[1], A->n_bins[1]},
                                {B->proj[2], A->proj[2], A->n_bins[2]}};
    qmap_drift_apply_bilinear(P->n_slow, P->n_fast, P->row_shift_f[s], P->col_shift_f[s], B->contrib, ch, 6,
                              scratch && qmap_mpi_rank() != 0 ? scratch : A->contrib);
    /* issue 18: only the measured-position counts are cleared here; each position's sums
     * are cleared by its first frame of the next scan (accumulate_frame): the projections of
     * a 100 x 100 map are ~14 MB, clearing them after every scan was a third of this step */
    memset(B->contrib, 0, n * sizeof *B->contrib);
    return rc;
}

/* Pass 2: accumulate per-position moments and projections over the VOI pixels, reading
 * only the detector rows of the scan's plan. */
int qmap_accumulate(pipeline *P, qmap_scan_plan *plans, qmap_accumulators *A)
{
    qmap_frame_workers *ws = qmap_frame_workers_new();
    int nth = ws ? qmap_frame_workers_count(ws) : 1;
    size_t ncube = (size_t)A->n_bins[0] * A->n_bins[1] * A->n_bins[2];
    double *cubes = qmap_zeroed((size_t)nth * ncube, sizeof *cubes);   /* zeroed.h */
    double *scan_tot = calloc((size_t)nth, sizeof *scan_tot);
    int32_t *slot = malloc(P->n_pix * sizeof *slot);
    qmap_bad_counts *bad = calloc((size_t)nth, sizeof *bad), bad_total = {0, 0, 0};
    int rc = (ws && cubes && scan_tot && slot && bad) ? QMAP_OK
                                               : qmap_error(QMAP_ERR_NOMEM, "out of memory (accumulation)");
    /* MPI: blocks of scans, or with more ranks than scans blocks of positions (issue 18) */
    int s_lo = 0, s_hi = 0, p_lo = 0, p_hi = 0, by_pos = qmap_mpi_split_positions(P->n_scans);
    qmap_mpi_work(P->n_scans, P->n_pos, &s_lo, &s_hi, &p_lo, &p_hi);
    int *scratch = by_pos && P->subpixel ? malloc((size_t)P->n_pos * sizeof *scratch) : NULL;
    if (rc == QMAP_OK && by_pos && P->subpixel && !scratch)
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (accumulation)");
    checkpointing ck = {0};
    if (rc == QMAP_OK)
        rc = checkpoint_start(P, plans, A, cubes, nth, ncube, &ck, &s_lo);
    /* drift (issue 12): sub-pixel application sums each scan at its measured positions in B,
     * then interpolates B into A at the drift-corrected positions (drift_apply.c) */
    qmap_accumulators B = *A;
    int *cleared_for = NULL;   /* issue 18: per position, the scan that last cleared its raw sums */
    if (rc == QMAP_OK && P->subpixel)
        rc = raw_accumulators_new(A, &B);
    if (rc == QMAP_OK && P->subpixel) {
        if (!(cleared_for = malloc((size_t)P->n_pos * sizeof *cleared_for)))
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (sub-pixel drift application)");
        for (int p = 0; cleared_for && p < P->n_pos; p++)
            cleared_for[p] = -1;
    }
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
        rc = qmap_stage_open_reader(P, s, &rd, &nf);
        memset(scan_tot, 0, nth * sizeof *scan_tot);
        memset(bad, 0, (size_t)nth * sizeof *bad);
        accumulate_pass S = {P, pl, P->subpixel ? &B : A, s, slot, cubes, scan_tot, ncube, bad, P->subpixel,
                             cleared_for};
        qmap_gap_setup gs = {&P->gaps, P->mask, P->sat_limit[s]};   /* gaps (issue 11) */
        qmap_frame_pass pass = {&S, accumulate_skip, accumulate_frame, accumulate_tick, P->gaps_on ? &gs : NULL, 1,
                                p_lo};
        if (rc == QMAP_OK)
            rc = qmap_for_each_frame(rd, ws, nf < p_hi ? nf : p_hi, pl->row0, pl->row1, &pass);
        qmap_stage_release_reader(P, s, rd);
        for (int t = 0; t < nth; t++)
            P->r->scan_intensity[s] += scan_tot[t];
        qmap_bad_counts_sum(bad, nth, &bad_total);
        if (scratch)   /* issue 18: the measured positions of the scan are reduced over the ranks */
            rc = qmap_mpi_agree(rc);
        if (rc == QMAP_OK && P->subpixel)   /* drift (issue 12) */
            rc = raw_accumulators_apply(P, s, &B, A, scratch);
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
        rc = qmap_report_bad_values(P, &bad_total, "accumulation pass: VOI pixels of the scans read", NULL);
    if (rc == QMAP_OK) {
        P->r->qspace_average = qmap_zeroed(ncube, sizeof(double));
        P->r->qspace_hits = qmap_zeroed(ncube, sizeof(double));
        if (!P->r->qspace_average || !P->r->qspace_hits)
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (q-space average)");
    }
    if (rc == QMAP_OK) {
        memcpy(P->r->qspace_average, cubes, ncube * sizeof *cubes);
        for (int s = 0; s < P->n_scans; s++)
            for (int i = 0; i < plans[s].n_pix; i++) {
                const int32_t *b3 = plans[s].bin3 + 3 * i;
                P->r->qspace_hits[((size_t)b3[0] * A->n_bins[1] + b3[1]) * A->n_bins[2] + b3[2]] += 1;
                A->hits_total += 1;
                for (int a = 0; a < 3; a++) {
                    A->hits_proj[a][b3[a]] += 1;
                    double d = plans[s].q[3 * i + a] - A->qc[a];
                    A->hits_q1[a] += d;
                    A->hits_q2[a] += d * d;
                }
            }
    }
    if (P->subpixel)   /* drift (issue 12) */
        raw_accumulators_free(A, &B);
    qmap_frame_workers_free(ws);
    free(cubes);
    free(scan_tot);
    free(slot);
    free(bad);
    free(scratch);
    free(cleared_for);
    return rc;
}
