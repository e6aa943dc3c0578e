/* voi.h -- the VOI in reciprocal space and its bins (private; geometry/voi.c).
 *
 * The types here are the VOI's: the coarse map-averaged reciprocal space the VOI is found
 * on, and the per-scan plan of the pixels inside it, whose bins qmap_choose_bins fills. */
#ifndef QMAP_GEOMETRY_VOI_H
#define QMAP_GEOMETRY_VOI_H

#include <stdint.h>
#include "qmap/qspace.h"

/* Pixels of one scan whose Q falls inside the VOI box (the per-scan plan). */
typedef struct {
    int n_pix;
    int32_t *pix;        /* pixel index row*cols+col in the full detector frame */
    double *q;           /* 3 per pixel: qx, qy, qz (1/Angstrom) */
    int32_t *bin3;       /* 3 per pixel: bin index along qx, qy, qz (-1 = outside) */
    int row0, row1;      /* detector rows to read: [row0, row1) */
} qmap_scan_plan;

void qmap_scan_plan_free(qmap_scan_plan *p);

/* Coarse map-averaged reciprocal space over the full range of the data, used to find
 * the Bragg peak and choose the VOI. */
typedef struct {
    qmap_axis axes[3];
    double *sum;     /* summed intensity per bin */
    double *hits;    /* pixel hits per bin */
} qmap_coarse_space;

/* Intensity per hit along axis a of a binned space (the coarse one, or the VOI's cube):
 * p[i] = sum over the other two axes of sum / of hits, NaN where no pixel fell; h (the hits
 * per bin of axis a) is work space. Both hold cs->axes[a].n values. */
void qmap_space_projection(const qmap_coarse_space *cs, int a, double *p, double *h);

/* Automatic VOI around the strongest peak of the coarse space: box where the
 * hit-normalised projection along each axis stays above 1 % of the peak above the
 * background (median), widened by 30 %. voi = qx0,qx1,qy0,qy1,qz0,qz1. */
int qmap_auto_voi(const qmap_coarse_space *cs, double voi[6]);

/* Bins of the VOI grid: n = width/natural_step + 1 (capped to [3, 100]) along each axis,
 * then reduced while some slab along that axis holds no pixel hit. The plans'
 * bin3 are filled for the chosen axes. bins_set: keep the user's bins. */
int qmap_choose_bins(const double voi[6], const double natural_step[3], qmap_scan_plan *plans,
                     int n_scans, int bins_set, const int user_bins[3], qmap_axis axes[3]);

#endif
