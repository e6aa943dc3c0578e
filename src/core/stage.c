/* stage.c -- helpers that several stages of qmap_process use (see stage.h). */
#include "stage.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <math.h>

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
    const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
    int rc = qmap_frame_reader_open(P->o->input, si->name, si->detector, rd);
    if (rc < 0)
        return rc;
    *n_frames = qmap_frame_reader_n_frames(*rd);
    if (*n_frames > P->n_pos)
        *n_frames = P->n_pos;
    return QMAP_OK;
}

/* Full-frame Q of scan s into three arrays of n_pix. */
void qmap_scan_q(const pipeline *P, int s, double *qx, double *qy, double *qz)
{
    qmap_q_transform t;
    qmap_q_transform_init_calib(&t, &P->geom[s], &P->angles[s], &P->calib[s]);   /* calibration (issue 11) */
    qmap_frame_q(&t, 0, P->rows, qx, qy, qz);
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
