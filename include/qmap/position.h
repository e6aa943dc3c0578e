/* position.h -- one map position recomputed from the raw data, as `qmap process` computed it.
 *
 * `qmap view` shows a position's rocking curve, q-space projections and fits. When the
 * results file holds no per-position q-space (/qspace/cube, --save-qspace), they are
 * recomputed on demand from the raw frames of that one position: every scan's frame(s)
 * for it (a few hundred frames), with the run's own settings read back from the results
 * file by the one results reader (qmap_results_read with QMAP_READ_RUN:
 * /entry/process/parameters, the options as given; /parameters input_path, the absolute
 * input path), the same detector mask (file pixel_mask, --mask, hot pixels found
 * again on the same frame sample), saturation, monitor normalisation, chip-gap correction,
 * the drift recorded in /shift (re-indexing or sub-pixel interpolation, as the run applied
 * it), the run's VOI (/qspace_overview/voi) and bins, and the pipeline's own moment and
 * Gaussian-fit code. The centre of mass, widths and fits equal the results file's maps for
 * that position (tests/test_position.c, tests/test_view.sh).
 *
 * Memory: the per-scan pixel plans of the VOI (as qmap_process) and one frame at a time.
 */
#ifndef QMAP_POSITION_H
#define QMAP_POSITION_H

#ifdef __cplusplus
extern "C" {
#endif

/* The raw data behind a results file, opened once (qmap_position_source_open: reads the
 * settings, opens the input, builds the detector mask and the VOI plans; seconds on a
 * large detector), then any number of positions. Not thread-safe. */
typedef struct qmap_position_source qmap_position_source;

int qmap_position_source_open(const char *results_path, qmap_position_source **out);
void qmap_position_source_close(qmap_position_source *src);

/* One position. Arrays are owned by the struct (qmap_position_data_free). */
typedef struct {
    int row, col;             /* map indices (slow, fast) */
    int n_scans;
    double *rocking;          /* n_scans: the position's VOI intensity in each scan (monitor-
                                 normalised, drift applied; less the background with
                                 --background faces); NaN = not measured by that scan */
    double background;        /* per pixel hit, subtracted from the intensity, the rocking curve,
                                 the moments and the fits (--background faces: measured on the
                                 VOI's faces, qmap_face_background); 0 when the run subtracted none.
                                 proj[] below are the sums as measured, before it */
    int measured;             /* 1 when every scan measured the position (else the maps are NaN) */
    double intensity;         /* VOI intensity (the intensity map) */
    double com[3];            /* centre of mass qx, qy, qz (1/Angstrom): the qx/qy/qz maps */
    double std[3];            /* second-moment widths (std_qx, ...) */
    int fit_status[3];        /* Gaussian fits of the hit-normalised projections (/fit) */
    double fit_center[3], fit_sigma[3], fit_area[3];
    int n_bins[3];
    double *axis_q[3];        /* n_bins[a]: bin centres (1/Angstrom) */
    double *proj[3];          /* n_bins[a]: summed intensity per bin along each axis */
    double *hits[3];          /* n_bins[a]: detector-pixel hits per slab (the normalisation) */
} qmap_position_data;

/* Recompute position (row, col). Errors (QMAP_ERR_VALUE for a position outside the map,
 * I/O errors naming the raw file) leave *out empty. */
int qmap_process_position(qmap_position_source *src, int row, int col, qmap_position_data *out);
void qmap_position_data_free(qmap_position_data *d);

/* The VOI intensity map for another VOI (qmap view: move the VOI) is not computed here:
 * it needs every frame of every scan (a full accumulation pass, qmap process --voi). */

#ifdef __cplusplus
}
#endif
#endif
