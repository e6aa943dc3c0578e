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
#include "q_bounds.h"             /* issue 18 */

/* issue 18: the detector part of the pixel -> Q transform (unit outgoing direction minus the
 * incident one, in the lab frame) of the last scan, reused while the detector does not move
 * between scans (only the sample angles do): Q of a scan is then one 3 x 3 product per pixel. */
typedef struct {
    int valid;
    qmap_q_transform key;           /* its detector fields (g, m_det, v_row, v_col) are the key */
    double *d;                      /* 3 * n_pix, per pixel interleaved */
    int bounds_state;               /* 0 not built yet, 1 built, -1 not available */
    qmap_q_bounds bounds;           /* tiles of d for the final mask (qmap_stage_q_bounds) */
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
    double voi_background;          /* flat background per hit outside the VOI, summed over the map
                                       (qmap_check_voi; 0 when not measured) */
    int quicklook_redone;           /* issue 18: the sampled VOI cut the peak; quick look and pass 2
                                     * redone on every frame (no --resume for the second pass 2) */
    int resume_full_quick_look;     /* issue 18: --resume of a run that had redone its quick look
                                     * on every frame: this one does so from the start */
    qmap_q_cache *qcache;           /* issue 18: see qmap_q_cache (NULL: no cache) */
    qmap_frame_reader **readers;    /* issue 18: per scan, its frame reader kept between passes, or
                                     * NULL (no array: each pass opens and closes its own) */
    int readers_files;              /* issue 18: source files the kept readers hold open */
} pipeline;

/* issue 18: which readers are kept open between passes. Opening and closing a scan's frames
 * costs 0.5-1 ms of serial HDF5 work per pass (and the first reads of each pass read the
 * chunk index again): on a 100 x 100 x 60 map ~0.1 s of every run, on one thread whatever
 * the thread count. A reader that reads raw chunks from its source files holds at most
 * QMAP_READER_METADATA_CACHE of HDF5 cache per file (frames_internal.h); measured on that
 * map, peak RSS +52 MB for the 60 scans kept (a source file each), against +255 MB with
 * HDF5's default cache. Such readers are kept up to QMAP_KEEP_READERS_MAX_FILES source files
 * in all (memory, and file descriptors when a scan's frames span many files); readers that
 * go through HDF5's virtual-dataset reads (their sources' caches are HDF5's) are kept only
 * for scans of at most QMAP_KEEP_READERS_MAX_FRAMES frames (peak RSS measured: 30 scans of
 * 400 frames +16 MB, 20 scans of 2 500 frames +34 MB). The others close after each pass. */
#define QMAP_KEEP_READERS_MAX_FRAMES 1024
#define QMAP_KEEP_READERS_MAX_FILES 128

/* Factor applied to frame f of scan s (monitor normalisation; 0 = frame unusable). */
double qmap_frame_factor(const pipeline *P, int s, int f);

/* Open the frames of scan s; *n_frames is capped to the map size. With P->readers a reader
 * kept by an earlier pass is handed out again (issue 18); give it back with
 * qmap_stage_release_reader, which keeps it for the next passes or closes it (the rules
 * above). */
int qmap_stage_open_reader(const pipeline *P, int s, qmap_frame_reader **rd, int *n_frames);
void qmap_stage_release_reader(pipeline *P, int s, qmap_frame_reader *rd);
/* Close the kept readers (end of the run). */
void qmap_stage_close_readers(pipeline *P);

/* Q of the pixels of scan s (issue 18: one pixel at a time, for the loops that use each
 * pixel's Q once: q range, quick-look bins, plans; no full-frame arrays). With the
 * detector-part cache Q is one 3 x 3 product per pixel; without it the frame is computed in
 * full once by qmap_frame_q (qs->full), the same values. */
typedef struct {
    double k, m[3][3];    /* Q = k * m . d[p] */
    const double *d;      /* the cached detector part (3 per pixel), or NULL */
    double *full;         /* without the cache: qx, qy, qz of every pixel (3 * n_pix) */
    size_t n_pix;
} qmap_scan_qs;

int qmap_scan_q_begin(const pipeline *P, int s, qmap_scan_qs *qs);
void qmap_scan_q_end(qmap_scan_qs *qs);

static inline void qmap_scan_q_at(const qmap_scan_qs *qs, size_t p, double q[3])
{
    if (!qs->d) {
        for (int a = 0; a < 3; a++)
            q[a] = qs->full[a * qs->n_pix + p];
        return;
    }
    const double *dp = qs->d + 3 * p;
    for (int a = 0; a < 3; a++)
        q[a] = qs->k * (qs->m[a][0] * dp[0] + qs->m[a][1] * dp[1] + qs->m[a][2] * dp[2]);
}

/* issue 18: the tiles of the detector part (q_bounds.h) when every scan shares one detector
 * part, else NULL (the stages then visit every pixel). Built on first use: call it only once
 * the mask is final (after qmap_build_mask). */
const qmap_q_bounds *qmap_stage_q_bounds(const pipeline *P);

/* Log (and store under `param` when any) the bad readings a pass ignored, summed over
 * the MPI ranks. */
int qmap_report_bad_values(pipeline *P, const qmap_bad_counts *c, const char *where, const char *param);

#endif
