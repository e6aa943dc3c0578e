/* quicklook.c -- stage 3 of qmap_process: pass 1 over the frames (quick look): per-scan
 * intensity maps for the drift, and the coarse map-averaged reciprocal space for the VOI.
 * Each frame is read once, as its non-zero pixels. For the automatic drift the same pass
 * also sums each frame per detector tile, from which the off-Bragg (fluorescence) map of
 * each scan is made (drift_signal.c).
 * Issue 18: when the drift needs no frame signal (given, none, or measured on a counter,
 * decided before this pass) the pass reads only one frame in P->quicklook_stride of every
 * scan (qmap_quicklook_stride): the coarse space only places the VOI and draws the
 * overview, and a sample of the map stands for its average (scaled to the scan's frames).
 */
#include "quicklook.h"
#include "scan_bins.h"
#include "log.h"
#include "gap_sparse.h"   /* gaps (issue 11) */
#include "qmap/error.h"
#include "qmap/frames.h"
#include "qmap/mpi.h"
#include "zeroed.h"

#include <limits.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(double) == sizeof(uint64_t), "the hit counts become doubles in place");

#define QUICKLOOK_SAMPLE_FRAMES 100
#define QUICKLOOK_MAX_STRIDE 128

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
    double w = qmap_frame_factor(P, Q->s, f), t = 0, lim = P->sat_limit[Q->s];
    double *fs = Q->fsum + (size_t)thread * P->n_pix;
    qmap_bad_counts *bad = &Q->bad[thread];
    /* drift (issue 12): this frame's sums per detector tile (one frame, one thread) */
    float *tiles = P->drift_tiles ? P->drift_tiles + (size_t)f * QMAP_OFFBRAGG_TILES : NULL;
    for (int k = 0; k < fr->n; k++) {
        int32_t p = fr->idx[k];
        if (P->mask[p] || qmap_bad_value(fr->val[k], lim, bad))
            continue;
        t += fr->val[k];
        fs[p] += fr->val[k] * w;
        if (tiles)
            tiles[P->tile_of[p]] += (float)(fr->val[k] * w);
    }
    Q->map[f] = w > 0 ? t * w : NAN;
    return QMAP_OK;
}

static void quick_look_tick(void *ctx, double fraction)
{
    const quick_look_pass *Q = ctx;
    qmap_stage_progress(Q->P->o, "quick look", (Q->s + fraction) / Q->P->n_scans);
}

/* Pass 1: per-scan masked intensity maps and the coarse map-averaged reciprocal space,
 * from the non-zero pixels of every frame. With MPI each rank reads its scans and the
 * sums are reduced over the ranks. */
int qmap_quick_look(pipeline *P, double **scan_maps, qmap_coarse_space *cs)
{
    size_t nb = (size_t)cs->axes[0].n * cs->axes[1].n * cs->axes[2].n;
    qmap_frame_workers *ws = qmap_frame_workers_new();
    int nth = ws ? qmap_frame_workers_count(ws) : 1;
    cs->sum = qmap_zeroed(nb, sizeof(double));   /* added to by the threads: see zeroed.h */
    /* issue 18: the hits are counted as integers by the sweep's threads (atomic increments:
     * exact in any order) in the storage of cs->hits, turned into doubles at the end */
    uint64_t *counts = qmap_zeroed(nb, sizeof *counts);   /* read back in place: see zeroed.h */
    double *fsum = malloc((size_t)nth * P->n_pix * sizeof *fsum);
    /* issue 18: the sweep's additions to the coarse sum, (bin, value) in pixel order, each
     * thread in its own pixel range of these arrays */
    int32_t *add_bin = malloc(P->n_pix * sizeof *add_bin);
    double *add_val = malloc(P->n_pix * sizeof *add_val);
    size_t *add_n = calloc((size_t)nth, sizeof *add_n);   /* per thread of the sweep */
    long *absent = calloc((size_t)nth, sizeof *absent);
    qmap_bad_counts *bad = calloc((size_t)nth, sizeof *bad), bad_total = {0, 0, 0};
    *scan_maps = calloc((size_t)P->n_scans * P->n_pos, sizeof(double));
    int rc = (ws && cs->sum && counts && fsum && add_bin && add_val && add_n && absent && bad && *scan_maps)
                 ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (quick-look pass)");
    /* drift (issue 12): per-tile frame sums for the off-Bragg fluorescence map */
    if (rc == QMAP_OK && P->quicklook_stride <= 1 && P->o->shift_mode == QMAP_SHIFT_AUTO &&
        !P->o->shift_counter && P->n_scans > 1 &&
        (P->o->shift_signal == QMAP_DRIFT_SIGNAL_AUTO || P->o->shift_signal == QMAP_DRIFT_SIGNAL_OFFBRAGG)) {
        P->drift_tiles = malloc((size_t)P->n_pos * QMAP_OFFBRAGG_TILES * sizeof *P->drift_tiles);
        P->tile_of = malloc(P->n_pix * sizeof *P->tile_of);
        P->offbragg_maps = calloc((size_t)P->n_scans * P->n_pos, sizeof *P->offbragg_maps);
        P->offbragg_tiles_min = QMAP_OFFBRAGG_TILES;
        if (P->drift_tiles && P->tile_of && P->offbragg_maps) {
            qmap_offbragg_tile_map(P->rows, P->cols, P->mask, P->tile_of, P->pixels_per_tile);
        } else {   /* optional signal: without memory for it the drift uses the others */
            free(P->drift_tiles);
            free(P->tile_of);
            free(P->offbragg_maps);
            P->drift_tiles = NULL;
            P->tile_of = NULL;
            P->offbragg_maps = NULL;
        }
    }
    if (rc == QMAP_OK)   /* cleared here once, then by each scan's sweep (issue 18) */
        memset(fsum, 0, (size_t)nth * P->n_pix * sizeof *fsum);
    qmap_axis_binner binner[3];
    for (int a = 0; a < 3; a++)
        qmap_axis_binner_init(&binner[a], &cs->axes[a]);
    double missing = 0, extra[2] = {0, 0};   /* extra: frames beyond the map's positions, scans */
    const char *extra_scan = NULL;
    int extra_frames = 0;
    /* MPI: blocks of scans, or with more ranks than scans blocks of positions (issue 18) */
    int s_lo = 0, s_hi = 0, p_lo = 0, p_hi = 0, by_pos = qmap_mpi_split_positions(P->n_scans);
    qmap_mpi_work(P->n_scans, P->n_pos, &s_lo, &s_hi, &p_lo, &p_hi);
    for (int s = s_lo; rc == QMAP_OK && s < s_hi; s++) {
        double *map = *scan_maps + (size_t)s * P->n_pos;
        for (int p = p_lo; p < p_hi; p++)
            map[p] = NAN;
        memset(absent, 0, (size_t)nth * sizeof *absent);
        if (P->drift_tiles)   /* drift (issue 12) */
            memset(P->drift_tiles, 0, (size_t)P->n_pos * QMAP_OFFBRAGG_TILES * sizeof *P->drift_tiles);
        qmap_frame_reader *rd = NULL;
        int nf = 0;
        rc = qmap_stage_open_reader(P, s, &rd, &nf);
        /* frames beyond the map's positions are never read: said, not silent */
        int raw = rc == QMAP_OK ? qmap_frame_reader_n_frames(rd) : 0;
        if (raw > P->n_pos && (!by_pos || qmap_mpi_rank() == 0)) {
            extra[0] += raw - P->n_pos;
            extra[1] += 1;
            if (!extra_scan) {
                extra_scan = qmap_dataset_scan(P->ds, s)->name;
                extra_frames = raw;
            }
        }
        missing += p_hi > (nf > p_lo ? nf : p_lo) ? p_hi - (nf > p_lo ? nf : p_lo) : 0;
        memset(bad, 0, (size_t)nth * sizeof *bad);
        quick_look_pass Q = {P, s, map, fsum, absent, bad};
        qmap_gap_setup gs = {&P->gaps, P->mask, P->sat_limit[s]};   /* gaps (issue 11) */
        qmap_frame_pass pass = {&Q, NULL, quick_look_frame, quick_look_tick, P->gaps_on ? &gs : NULL,
                                P->quicklook_stride, p_lo};
        if (rc == QMAP_OK)
            rc = qmap_for_each_frame(rd, ws, nf < p_hi ? nf : p_hi, 0, P->rows, &pass);
        qmap_stage_release_reader(P, s, rd);
        if (by_pos && P->drift_tiles) {   /* issue 18: the off-Bragg map needs the whole scan */
            rc = qmap_mpi_agree(rc);
            if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(map, (size_t)P->n_pos);
            if (rc == QMAP_OK) rc = qmap_mpi_sum_floats(P->drift_tiles, (size_t)P->n_pos * QMAP_OFFBRAGG_TILES);
        }
        if (rc < 0)
            break;
        for (int t = 0; t < nth; t++)
            missing += absent[t];
        qmap_bad_counts_sum(bad, nth, &bad_total);
        if (P->drift_tiles) {   /* drift (issue 12): this scan's off-Bragg map */
            int kept = qmap_offbragg_scan_map(P->drift_tiles, P->n_pos, P->pixels_per_tile, map,
                                              P->offbragg_maps + (size_t)s * P->n_pos);
            P->offbragg_tiles_min = kept < P->offbragg_tiles_min ? kept : P->offbragg_tiles_min;
        }
        /* issue 18: one parallel sweep over the detector, each thread over its own range of
         * pixels: the threads' frame sums added in thread order (and cleared for the next
         * scan), Q of the pixel and its coarse bin (a block of pixels at a time:
         * scan_bins.c), the bin's hit count (atomic integer adds: exact in any order), and
         * the pixel's addition to the coarse sum kept in a list;
         * then each thread applies, from every list in order, the additions to its own range
         * of bins: every bin gets its additions in pixel order, as one thread gave them (a
         * serial loop over the additions was slower with two threads than with one: the
         * other core's cache lines) */
        qmap_scan_qs qs;
        rc = qmap_scan_q_begin(P, s, &qs);
        if (rc < 0)
            break;
        /* a sample of the frames stands for the whole scan (scaled to its frames) */
        int k = P->quicklook_stride > 1 ? P->quicklook_stride : 1;
        int sampled = k == 1 ? nf : (nf > k / 2 ? (nf - k / 2 + k - 1) / k : 0);
        double scale = k == 1 || sampled == 0 ? 1.0 : (double)nf / sampled;
        size_t n_pix = P->n_pix;
        int count_hits = !by_pos || qmap_mpi_rank() == 0;   /* every rank saw this scan: count it once */
#pragma omp parallel firstprivate(qs) num_threads(nth)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            size_t p0 = n_pix * (size_t)t / (size_t)nt, p1 = n_pix * (size_t)(t + 1) / (size_t)nt, m = p0;
            int32_t bins[QMAP_SCAN_BINS_BLOCK];
            for (size_t p = p0; p < p1; p++) {
                size_t i = (p - p0) % QMAP_SCAN_BINS_BLOCK;
                if (i == 0) {   /* the bins of the next block of pixels (scan_bins.c) */
                    size_t left = p1 - p;
                    qmap_scan_bins(&qs, binner, p, left < QMAP_SCAN_BINS_BLOCK ? (int)left : QMAP_SCAN_BINS_BLOCK, bins);
                }
                double v = fsum[p];
                fsum[p] = 0;
                for (int u = 1; u < nth; u++) {
                    v += fsum[(size_t)u * n_pix + p];
                    fsum[(size_t)u * n_pix + p] = 0;
                }
                int32_t b = bins[i];
                if (P->mask[p] || b < 0)
                    continue;
                if (count_hits) {
#pragma omp atomic
                    counts[b]++;
                }
                if (v != 0) {   /* pixels without counts add nothing */
                    add_bin[m] = b;
                    add_val[m++] = k == 1 ? v : v * scale;
                }
            }
            add_n[t] = m - p0;
            /* the additions, each thread to its own range of bins, every list in pixel order */
#pragma omp barrier
            int32_t b_lo = (int32_t)(nb * (size_t)t / (size_t)nt), b_hi = (int32_t)(nb * (size_t)(t + 1) / (size_t)nt);
            double spare = 0;   /* where the other threads' additions go (no branch to mispredict) */
            for (int u = 0; u < nt; u++)
                for (size_t i = n_pix * (size_t)u / (size_t)nt, e = i + add_n[u]; i < e; i++) {
                    int32_t b = add_bin[i];
                    int mine = b >= b_lo && b < b_hi;
                    double *dst = mine ? &cs->sum[b] : &spare;
                    *dst += mine ? add_val[i] : 0.0;
                }
        }
        qmap_scan_q_end(&qs);
    }
#pragma omp parallel for schedule(static) if (counts != NULL)
    for (size_t b = 0; b < (counts ? nb : 0); b++) {   /* in place: the same 8 bytes per bin */
        double h = (double)counts[b];
        memcpy((unsigned char *)counts + b * sizeof h, &h, sizeof h);
    }
    cs->hits = (double *)(void *)counts;
    /* other ranks' scans are 0 here and NaN-or-value on their owner: sums are exact */
    rc = qmap_mpi_agree(rc);
    if (rc == QMAP_OK && !(by_pos && P->drift_tiles))   /* else reduced scan by scan */
        rc = qmap_mpi_sum_doubles(*scan_maps, (size_t)P->n_scans * P->n_pos);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(cs->sum, nb);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(cs->hits, nb);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(&missing, 1);
    if (rc == QMAP_OK) rc = qmap_mpi_sum_doubles(extra, 2);
    if (rc == QMAP_OK && P->offbragg_maps && !by_pos)   /* drift (issue 12); tiles_min stays this rank's (log only) */
        rc = qmap_mpi_sum_doubles(P->offbragg_maps, (size_t)P->n_scans * P->n_pos);
    if (rc == QMAP_OK && missing > 0)
        qmap_log(P->o, "interrupted scans: %ld frames missing or never written in total%s; "
                       "those positions are NaN", (long)missing,
                 P->quicklook_stride > 1 ? " (missing ones counted among the sampled frames)" : "");
    if (rc == QMAP_OK && extra[0] > 0) {
        char first[160] = "";
        if (extra_scan)
            snprintf(first, sizeof first, "; scan %s has %d frames", extra_scan, extra_frames);
        qmap_log(P->o, "WARNING: %.0f frames beyond the map's %d positions are ignored, in %.0f scan%s%s: the "
                       "map size (%d x %d) comes from the scan titles; if a scan measured more positions than "
                       "its title says, its frames do not belong where they are put", extra[0], P->n_pos,
                 extra[1], extra[1] == 1 ? "" : "s", first, P->n_fast, P->n_slow);
        qmap_results_param(P->r, "extra_frames_ignored", "%.0f frames in %.0f scans (map %d x %d positions)",
                           extra[0], extra[1], P->n_fast, P->n_slow);
    }
    if (rc == QMAP_OK)
        rc = qmap_report_bad_values(P, &bad_total, P->quicklook_stride > 1
                                    ? "quick-look pass: unmasked pixels of the sampled frames"
                                    : "quick-look pass: unmasked pixels of every frame", "bad_pixel_values");
    qmap_frame_workers_free(ws);
    free(fsum);
    free(add_bin);
    free(add_val);
    free(add_n);
    free(absent);
    free(bad);
    return rc;
}

/* issue 18: frames of a scan read by the quick-look pass when its maps are not needed (the
 * drift is decided without frames): one in about n_pos/100, so that every scan keeps ~100
 * frames (at most one in QUICKLOOK_MAX_STRIDE, a little more where the coverage asks).
 * The frames read are first + j * stride (frame_loop.c), which on the map is a lattice:
 * each step moves stride / n_fast rows and stride % n_fast columns. A stride that moves one
 * row and one column (101 on a 100 x 100 map) samples a single diagonal and can miss a
 * particle of a third of the map; among the strides from the target up to a quarter more,
 * the one whose sample leaves the smallest empty square on the map is taken (the first of
 * equals). */
static int largest_empty_square(int n_pos, int n_fast, int stride, int *prev, int *cur)
{
    int n_slow = n_pos / n_fast, best = 0, first = stride / 2;
    for (int c = 0; c < n_fast; c++)
        prev[c] = 0;
    for (int r = 0; r < n_slow; r++) {
        for (int c = 0; c < n_fast; c++) {
            int f = r * n_fast + c, side = 0;
            if (f < first || (f - first) % stride != 0) {   /* not sampled */
                int up = prev[c], left = c ? cur[c - 1] : 0, diag = c ? prev[c - 1] : 0;
                int m = up < left ? up : left;
                side = 1 + (m < diag ? m : diag);
            }
            cur[c] = side;
            best = side > best ? side : best;
        }
        int *t = prev;
        prev = cur;
        cur = t;
    }
    return best;
}

int qmap_quicklook_stride(int n_pos, int n_fast)
{
    int k0 = n_pos / QUICKLOOK_SAMPLE_FRAMES;
    if (k0 <= 1)
        return 1;
    k0 = k0 > QUICKLOOK_MAX_STRIDE ? QUICKLOOK_MAX_STRIDE : k0;
    if (n_fast < 2 || n_pos / n_fast < 2)
        return k0;   /* a line: any stride spreads evenly */
    int *rows = malloc(2 * (size_t)n_fast * sizeof *rows);
    if (!rows)
        return 1;    /* no memory for the choice: read every frame (always right) */
    int best = k0, best_side = INT_MAX;
    for (int k = k0; k <= k0 + k0 / 4 + 2; k++) {
        int side = largest_empty_square(n_pos, n_fast, k, rows, rows + n_fast);
        if (side < best_side) {
            best_side = side;
            best = k;
        }
    }
    free(rows);
    return best;
}
