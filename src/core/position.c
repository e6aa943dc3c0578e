/* position.c -- one map position recomputed from the raw frames, as qmap_process computed it
 * (include/qmap/position.h; used by qmap view when the results file has no /qspace/cube).
 * The raw data is opened by position_source.c.
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
#include "position_internal.h"
#include "qmap/error.h"
#include "qmap/fit.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

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
            return qmap__position_raw_error(rc);
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
                                 .n_scans = P->n_scans, .hits_total = S->hits_total,
                                 .background = NAN, .background_faces = S->o.background_faces};
        /* the background the run measured here (its map; files before 2026-12-08 have none: it
         * is measured again, on the faces the run names or all six) */
        size_t at = (size_t)row * S->run->n_fast + col;
        if (S->run->background && isfinite(S->run->background[at]))
            acc.background_given = &S->run->background[at];
        acc.faces_given = qmap_faces_parse(qmap_results_param_value(S->run, "background_faces"));
        for (int a = 0; a < 3; a++) {
            acc.hits_q1[a] = S->hits_q1[a];
            acc.hits_q2[a] = S->hits_q2[a];
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
        out->background = S->o.background_faces && isfinite(r1->background[0]) ? r1->background[0] : 0;
        for (int s = 0; s < P->n_scans && out->background != 0; s++)
            out->rocking[s] -= out->background * S->plans[s].n_pix;   /* NaN stays NaN */
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
