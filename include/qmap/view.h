/* view.h -- the data behind `qmap view`: a results file answered as JSON for the browser.
 *
 * A qmap_view holds one results file open read-only (qmap_results_open): the maps, fits and
 * scans (read once), /particles when present, and the file kept open for /qspace/cube
 * (written by `qmap process --save-qspace`), from which one position's q-space (one
 * compressed chunk) is read per request, so memory stays bounded by the maps, never by
 * the cube. Every answer is computed here, with the same code as the pipeline and the
 * report (qmap_fit_gaussian, qmap_auto_limits, qmap_distribution_stats, the colour maps,
 * the report figures); the page only draws what it is given.
 *
 * JSON answers are UTF-8 text in a qmap_view_text (free with qmap_view_text_free); NaN
 * and infinities are written as null. Requests name maps by their /maps name, positions
 * by (row, col) = (slow index, fast index); nothing a request holds is ever used as a
 * file name. Errors: QMAP_ERR_VALUE for a request that does not fit the file (unknown map,
 * position outside the map), QMAP_ERR_IO / QMAP_ERR_FORMAT for the file, with
 * qmap_error_message saying why.
 *
 * Threads: one qmap_view answers one request at a time (HDF5 is not thread-safe).
 */
#ifndef QMAP_VIEW_H
#define QMAP_VIEW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qmap_view qmap_view;

typedef struct {
    char *data;      /* NUL-terminated (binary answers: PNG bytes, NUL after them) */
    size_t len;
} qmap_view_text;

void qmap_view_text_free(qmap_view_text *t);

/* Open results_path read-only. New: free with qmap_view_close. */
int qmap_view_open(const char *results_path, qmap_view **out);
void qmap_view_close(qmap_view *v);

/* {"file", "shape":[n_slow,n_fast], "x":[..], "y":[..] (um), "maps":[{"name","unit",
 *  "kind":"value"|"rgb"|"label"}..], "has_cube", "cube_bins":[nx,ny,nz], "has_particles",
 *  "n_particles", "n_scans", "eta":[..], "scan_intensity":[..], "shift_x", "shift_y",
 *  "mean_q", "d_ref", "parameters":{key:value}, "colormaps":{name:[[r,g,b]x256]}}. */
int qmap_view_info_json(const qmap_view *v, qmap_view_text *out);

/* Map `name`: {"name","unit","kind","values":[n_slow*n_fast row-major] | "rgb":[[r,g,b]..]
 * (tilt_hsv, particles: 0..255 per channel), "lo","hi" (1st/99th percentile colour limits
 * over the particle as in the report; strain symmetric about 0), "cmap" (suggested)}. */
int qmap_view_map_json(const qmap_view *v, const char *name, qmap_view_text *out);

/* Position (row, col): its value in every map, its /fit parameters, and, with the cube,
 * the three hit-normalised projections of its q-space peak with a Gaussian fit
 * (qmap_fit_gaussian, the pipeline's model) sampled as a curve, and the COM. */
int qmap_view_position_json(qmap_view *v, int row, int col, qmap_view_text *out);

/* Region: the rectangle rows [r0, r1] x cols [c0, c1] (inclusive, inside the map), or,
 * with label > 0, the positions of particle `label`, or, with n_poly >= 3, the positions
 * whose cell centre (col + 0.5, row + 0.5) lies inside the polygon poly[2k] = col,
 * poly[2k+1] = row (cell units, even-odd rule; a lasso), at most QMAP_VIEW_MAX_POLY
 * vertices. Its summed intensity, per-map
 * statistics (qmap_distribution_stats over the finite values), a histogram of d, and,
 * with the cube, the summed q-space projections (regions of up to 1600 positions: each
 * position is one compressed chunk to read; larger ones get a "qspace_message"). */
#define QMAP_VIEW_MAX_POLY 256
int qmap_view_region_json(qmap_view *v, int r0, int r1, int c0, int c1, int label,
                          const double *poly, int n_poly, qmap_view_text *out);

/* A report figure (qmap_report_figure: "drift", "rocking_curve", "qspace_overview", ...)
 * as PNG bytes at 1.5 pixels per figure unit. QMAP_ERR_VALUE for an unknown name or a
 * figure the file has no data for. */
int qmap_view_figure_png(const qmap_view *v, const char *name, qmap_view_text *out);
/* Move the VOI (qmap view's VOI panel): the intensity and centre-of-mass maps of a box of the
 * per-position q-space cube, bins box[0]..box[1] along qx, box[2]..box[3] along qy,
 * box[4]..box[5] along qz (inclusive). The whole cube is read once, row by row: a job that
 * qmap_view_voi_step advances for about budget_s seconds per call (the server stays
 * responsive; the page shows the progress and can cancel); memory: four doubles per position
 * and one row of the cube. Answers {"running", "done", "rows_done", "rows", "voi", "maps"}; once
 * done the maps are served by qmap_view_map_json as voi_intensity, voi_qx, voi_qy, voi_qz.
 * Without /qspace/cube: QMAP_ERR_VALUE with what to run instead (qmap process --voi). */
int qmap_view_voi_start(qmap_view *v, const int box[6], qmap_view_text *out);
int qmap_view_voi_step(qmap_view *v, double budget_s, qmap_view_text *out);
void qmap_view_voi_cancel(qmap_view *v);

/* A region's summed q-space: up to QMAP_VIEW_REGION_DIRECT positions in the region request
 * itself (each position is one compressed chunk of the cube: about 0.3 ms, so half a second);
 * larger regions answer "qspace_job": true and the sum is advanced by qmap_view_region_step
 * for about budget_s seconds per call ({"running", "done", "rows_done", "rows", "qspace"}),
 * cancelled by a new region or qmap_view_region_cancel. qmap_view_set_region_direct sets the
 * bound (tests; 0 = every region in steps). */
#define QMAP_VIEW_REGION_DIRECT 1600
int qmap_view_region_step(qmap_view *v, double budget_s, qmap_view_text *out);
void qmap_view_region_cancel(qmap_view *v);
void qmap_view_set_region_direct(qmap_view *v, int max_positions);

/* The same figure as SVG (vector; the download of the Scans panel). */
int qmap_view_figure_svg(const qmap_view *v, const char *name, qmap_view_text *out);

#ifdef __cplusplus
}
#endif
#endif
