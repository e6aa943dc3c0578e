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
 *   particles (only when the file has /particles, written by `qmap particles`: the label map,
 *              one distinct colour per particle, label numbers at the centroids; report.html
 *              then also lists /particles/table, one row per particle)
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
    int pdf;             /* also write NAME.pdf for each figure (default 0) */
    double vmin, vmax;   /* colour limits of the single maps (map_*); NaN = automatic: the 1st
                            and 99th percentiles (intensity from 0, strain symmetric) */
    int cmap;            /* colour map of the single maps (qmap_colormap); -1 = the map's own */
    const char *figures; /* comma-separated figure names to draw ("map_strain,widths_sigma"; a
                            map name such as "strain" means its map_ figure); NULL = all */
} qmap_report_options;

void qmap_report_defaults(qmap_report_options *o);
/* 1 when qmap_report_options.figures (list) selects figure name (NULL list: every figure). */
int qmap_report_selects(const char *list, const char *name);

/* Read a results file written by `qmap process` for the report: qmap_results_read with
 * QMAP_READ_QSPACE. New: free with qmap_results_free. Returns QMAP_OK, or QMAP_ERR_IO /
 * QMAP_ERR_FORMAT with a message naming the file and the dataset at fault.
 * /qspace_overview and /qspace are optional. */
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

/* The /particles group of a results file (qmap/results.h), as the report uses it. */
typedef qmap_results_particles qmap_report_particles;

/* Read /particles of results_path (qmap_results_read with QMAP_READ_PARTICLES).
 * *out = new (free with qmap_report_particles_free), or
 * NULL with QMAP_OK when the file has no /particles group. Returns QMAP_ERR_IO (file) or
 * QMAP_ERR_FORMAT naming the dataset (labels not 2D, a column of another length, a label
 * outside 0..n_particles, columns attribute missing). */
int qmap_report_particles_load(const char *results_path, qmap_report_particles **out);
void qmap_report_particles_free(qmap_report_particles *p);
/* Column `name` (n_particles values), or NULL when the table has no such column. Borrowed. */
const double *qmap_report_particles_column(const qmap_report_particles *p, const char *name);
/* Colour of particle label l >= 1 in the label map: hues stepped by the golden ratio with
 * alternating saturation and value, so consecutive labels differ strongly; never grey.
 * Label <= 0 gives qmap_nan_color. */
qmap_rgb qmap_report_label_color(int label);
/* The "particles" figure of results r with particles p (same map shape). *out = new figure
 * (free with qmap_figure_free). Returns QMAP_OK, QMAP_ERR_VALUE (shapes differ) or
 * QMAP_ERR_NOMEM. */
int qmap_report_particles_figure(const qmap_results *r, const qmap_report_particles *p, qmap_figure **out);

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
