/* stage.c -- helpers that several stages of qmap_process use (see stage.h). */
#include "stage.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Factor applied to frame f of scan s (0 = frame unusable). */
double qmap_frame_factor(const pipeline *P, int s, int f)
{
    if (P->mon_mean == 0)
        return 1.0;
    const double *m = qmap_dataset_scan(P->ds, s)->monitor;
    double v = m ? m[f] : NAN;
    return (isfinite(v) && v > 0) ? P->mon_mean / v : 0.0;
}

int qmap_stage_open_reader(const pipeline *P, int s, qmap_frame_reader **rd, int *n_frames)
{
    *rd = P->readers ? P->readers[s] : NULL;
    if (!*rd) {
        const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
        int rc = qmap_frame_reader_open(P->o->input, si->name, si->detector, rd);
        if (rc < 0)
            return rc;
    }
    *n_frames = qmap_frame_reader_n_frames(*rd);
    if (*n_frames > P->n_pos)
        *n_frames = P->n_pos;
    return QMAP_OK;
}

void qmap_stage_release_reader(pipeline *P, int s, qmap_frame_reader *rd)
{
    if (!rd || (P->readers && P->readers[s] == rd))
        return;   /* kept already */
    int files = qmap_frame_reader_n_files(rd);
    int keep = P->readers && (qmap_frame_reader_is_fast(rd) ? P->readers_files + files <= QMAP_KEEP_READERS_MAX_FILES
                                                           : P->n_pos <= QMAP_KEEP_READERS_MAX_FRAMES);
    if (!keep) {
        qmap_frame_reader_close(rd);
        return;
    }
    P->readers[s] = rd;
    P->readers_files += files;
}

void qmap_stage_close_readers(pipeline *P)
{
    for (int s = 0; P->readers && s < P->n_scans; s++)
        qmap_frame_reader_close(P->readers[s]);
    free(P->readers);
    P->readers = NULL;
    P->readers_files = 0;
}

/* issue 18: do two transforms share their detector part (all qmap_pixel_q uses before the
 * sample rotation)? */
static int same_detector(const qmap_q_transform *a, const qmap_q_transform *b)
{
    return memcmp(&a->g, &b->g, sizeof a->g) == 0 && memcmp(a->m_det, b->m_det, sizeof a->m_det) == 0 &&
           memcmp(a->v_row, b->v_row, sizeof a->v_row) == 0 && memcmp(a->v_col, b->v_col, sizeof a->v_col) == 0;
}

/* The cached detector part of scan s's transform t, computed again when the detector
 * moved (or on first use); NULL without a cache. */
static const double *detector_part(const pipeline *P, const qmap_q_transform *t)
{
    qmap_q_cache *c = P->qcache;
    if (!c || !c->d)
        return NULL;
    const qmap_detector_geometry *g = &t->g;
    if (!c->valid || !same_detector(&c->key, t)) {
        /* the per-pixel detector part, computed exactly as qmap_pixel_q does */
        double *d = c->d;
        int nc = P->cols;
#pragma omp parallel for schedule(static)
        for (int i = 0; i < P->rows; i++)
            for (int j = 0; j < nc; j++) {
                double dr = i - g->center_row, dc = j - g->center_col, r[3], kf[3];
                for (int a = 0; a < 3; a++)
                    r[a] = (a == 0 ? g->distance_m : 0.0) + dr * t->v_row[a] + dc * t->v_col[a];
                double n = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
                for (int a = 0; a < 3; a++)
                    kf[a] = (t->m_det[a][0] * r[0] + t->m_det[a][1] * r[1] + t->m_det[a][2] * r[2]) / n;
                double *dp = d + 3 * ((size_t)i * nc + j);
                dp[0] = kf[0] - 1.0;
                dp[1] = kf[1];
                dp[2] = kf[2];
            }
        c->key = *t;
        c->valid = 1;
    }
    return c->d;
}

int qmap_scan_q_begin(const pipeline *P, int s, qmap_scan_qs *qs)
{
    qmap_q_transform t;
    qmap_q_transform_init_calib(&t, &P->geom[s], &P->angles[s], &P->calib[s]);   /* calibration (issue 11) */
    qs->k = t.k;
    memcpy(qs->m, t.m_sample_t, sizeof qs->m);
    qs->n_pix = P->n_pix;
    qs->full = NULL;
    qs->d = detector_part(P, &t);
    if (qs->d)
        return QMAP_OK;
    if (!(qs->full = malloc(3 * P->n_pix * sizeof *qs->full)))
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (Q of the detector pixels)");
    qmap_frame_q(&t, 0, P->rows, qs->full, qs->full + P->n_pix, qs->full + 2 * P->n_pix);
    return QMAP_OK;
}

const qmap_q_bounds *qmap_stage_q_bounds(const pipeline *P)
{
    qmap_q_cache *c = P->qcache;
    if (!c || !c->d)
        return NULL;
    if (c->bounds_state == 0) {
        c->bounds_state = -1;
        qmap_q_transform t0, t;
        qmap_q_transform_init_calib(&t0, &P->geom[0], &P->angles[0], &P->calib[0]);
        for (int s = 1; s < P->n_scans; s++) {
            qmap_q_transform_init_calib(&t, &P->geom[s], &P->angles[s], &P->calib[s]);
            if (!same_detector(&t0, &t))
                return NULL;   /* the detector moves between scans */
        }
        const double *d = detector_part(P, &t0);
        if (d && qmap_q_bounds_build(&c->bounds, d, P->mask, P->rows, P->cols) == QMAP_OK)
            c->bounds_state = 1;   /* else (no memory for the tiles) every pixel is visited */
    }
    return c->bounds_state == 1 ? &c->bounds : NULL;
}

void qmap_scan_q_end(qmap_scan_qs *qs)
{
    free(qs->full);
    qs->full = NULL;
}

/* Log (and store under `param` when any) the bad readings a pass ignored, summed over
 * the MPI ranks. */
int qmap_report_bad_values(pipeline *P, const qmap_bad_counts *c, const char *where, const char *param)
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
