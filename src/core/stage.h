/* stage.h -- the state that the stages of qmap_process share (private to src/core).
 *
 * process.c fills a `pipeline` and hands it to the stages in order (setup.c, detector_mask.c,
 * quicklook.c, select_voi.c, drift.c, plan.c, accumulate.c, then peak_maps.c); the helpers
 * below are what more than one stage needs. */
#ifndef QMAP_CORE_STAGE_H
#define QMAP_CORE_STAGE_H

#include "pipeline.h"
#include "drift_measure.h"   /* QMAP_OFFBRAGG_TILES */
#include "qmap/gaps.h"            /* gaps (issue 11) */
#include "qmap/geometry_calib.h"  /* calibration (issue 11) */

/* issue 18: the detector part of the pixel -> Q transform (unit outgoing direction minus the
 * incident one, in the lab frame) of the last scan, reused while the detector does not move
 * between scans (only the sample angles do): Q of a scan is then one 3 x 3 product per pixel. */
typedef struct {
    int valid;
    qmap_q_transform key;           /* its detector fields (g, m_det, v_row, v_col) are the key */
    double *d;                      /* 3 * n_pix, per pixel interleaved */
} qmap_q_cache;

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
    /* drift (issue 12): off-Bragg signal gathered in the quick-look pass */
    float *drift_tiles;             /* n_pos*QMAP_OFFBRAGG_TILES frame sums per tile of the scan read, or NULL */
    int16_t *tile_of;               /* n_pix: tile of each pixel, -1 masked */
    double pixels_per_tile[QMAP_OFFBRAGG_TILES];
    double *offbragg_maps;          /* n_scans*n_pos off-Bragg maps, or NULL */
    int offbragg_tiles_min;         /* fewest tiles a scan used */
    double *row_shift_f, *col_shift_f;   /* per scan: drift in map pixels (raw = ref + shift) */
    int subpixel;                   /* apply the drift by interpolation (drift_apply.c) */
    qmap_gap_layout gaps;           /* gaps (issue 11): chip-gap layout, corrected when gaps_on */
    int gaps_on;
    qmap_detector_calib *calib;     /* calibration (issue 11): per scan mu, detrot, tilt, azimuth */
    int drift_counters_tried;       /* issue 18: the counters were tried before the frames, no contrast */
    int quicklook_stride;           /* issue 18: the quick-look pass reads 1 frame in this many (1 = all) */
    qmap_q_cache *qcache;           /* issue 18: see qmap_q_cache (NULL: no cache) */
} pipeline;

/* Factor applied to frame f of scan s (monitor normalisation; 0 = frame unusable). */
double qmap_frame_factor(const pipeline *P, int s, int f);

/* Open the frames of scan s; *n_frames is capped to the map size. */
int qmap_stage_open_reader(const pipeline *P, int s, qmap_frame_reader **rd, int *n_frames);

/* Full-frame Q of scan s into three arrays of n_pix. */
void qmap_scan_q(const pipeline *P, int s, double *qx, double *qy, double *qz);

/* Log (and store under `param` when any) the bad readings a pass ignored, summed over
 * the MPI ranks. */
int qmap_report_bad_values(pipeline *P, const qmap_bad_counts *c, const char *where, const char *param);

#endif
