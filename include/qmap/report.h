/* report.h -- figures and the HTML report of a qmap results file (`qmap report`).
 *
 * Every figure is drawn from the results file alone (docs/results-file.md) with the
 * plotting layer of plot.h and has a stable name (the file name without extension):
 *   map_intensity  map_d_spacing  map_strain  map_c (only with /maps/c)  map_q
 *   widths_sigma (Gaussian-fit sigma along qx, qy, qz and their mean, 2x2)
 *   widths_std   (second-moment std along qx, qy, qz, 2x2)
 *   tilt_magnitude  tilt_direction  tilt_hsv (with its colour-wheel key)  tilt_polar
 *   distribution (histogram of c, or of d without c, over the particle, beside its map)
 *   qspace_overview (three projections of /qspace_overview, log scale, VOI box in red)
 *   drift  rocking_curve
 * plus overview (all of them on one page) and report.html.
 *
 * Display conventions: maps are drawn as silx/matplotlib imshow(origin="lower") with
 * extent in micrometres from /maps/x, /maps/y (rows = slow motor upwards); NaN positions
 * and, for every map but the intensity, positions outside the particle mask are neutral
 * grey (qmap_nan_color). Colour limits are the 1st/99th percentiles over the particle;
 * strain is symmetric about 0. Tilt colours follow sxdm: hue = ((180 + direction) mod
 * 360)/360, saturation = magnitude / max magnitude, value 1. In the polar plot and the
 * colour wheel the angle is the tilt direction (0 degrees to the right = +qy, counter-
 * clockwise, 90 degrees = +qx) and the radius the tilt magnitude.
 */
#ifndef QMAP_REPORT_H
#define QMAP_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "qmap/plot.h"
#include "qmap/results.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int log_intensity;   /* intensity map on a log colour scale (default 0) */
    double png_scale;    /* PNG pixels per figure unit (default 2: crisp in print and on HiDPI) */
    int svg;             /* also write NAME.svg for each figure (default 1) */
} qmap_report_options;

void qmap_report_defaults(qmap_report_options *o);

/* Read a results file written by `qmap process`. New: free with qmap_results_free.
 * Returns QMAP_OK, or QMAP_ERR_IO / QMAP_ERR_FORMAT with a message naming the file and
 * the dataset at fault. /qspace_overview, /qspace and /fit are optional. */
int qmap_report_load(const char *path, qmap_results **out);

/* Number of figures and their stable names, in report order (overview excluded). */
int qmap_report_n_figures(void);
const char *qmap_report_figure_name(int index);
/* One-line caption of a figure (plain text), or NULL for an unknown name. */
const char *qmap_report_figure_caption(const char *name);

/* Draw figure `name` of results r. *out = new figure (free with qmap_figure_free), or NULL
 * with QMAP_OK when the figure does not apply (map_c without a c map). Returns QMAP_OK or
 * QMAP_ERR_VALUE for an unknown name. */
int qmap_report_figure(const qmap_results *r, const char *name, const qmap_report_options *o,
                       qmap_figure **out);

/* Draw every figure of results_path into out_dir (created if missing; NULL = default
 * folder from qmap_report_default_dir): NAME.png (+ NAME.svg), overview.png and report.html
 * (images inlined as base64, no network access needed). Files are made in a temporary
 * folder beside out_dir and moved in when all are complete, so on failure no new file is
 * left in out_dir. Returns QMAP_OK or a negative qmap_status. */
int qmap_report_write(const char *results_path, const char *out_dir, const qmap_report_options *o);

/* Default report folder of a results file: "RESULTS_report" beside it (".h5" removed). */
void qmap_report_default_dir(const char *results_path, char *out, size_t size);

/* Statistics of a distribution (the histogram figure): over the finite v[i] with keep[i]
 * (keep NULL = all). FWHM is read off a histogram of nbins equal bins over [min, max] of the
 * values: full width at half the highest bin, interpolated linearly between bin centres. */
typedef struct {
    size_t n;
    double mean, std, fwhm, min, max;
} qmap_distribution;

int qmap_distribution_stats(const double *v, const uint8_t *keep, size_t n, int nbins,
                            qmap_distribution *out);

#ifdef __cplusplus
}
#endif
#endif
