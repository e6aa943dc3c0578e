/* report_internal.h -- helpers shared by the report_*.c figure files (private). */
#ifndef QMAP_REPORT_INTERNAL_H
#define QMAP_REPORT_INTERNAL_H

#include "qmap/report.h"
#include "plot_internal.h"

/* Data extent of the maps in micrometres: edges x0, x1 (first/last column), y0, y1. */
void qmap__map_extent(const qmap_results *r, double ext[4]);
/* Frame size w x h fitting in (maxw, maxh) with equal micrometre scale on both axes. */
void qmap__map_frame_size(const qmap_results *r, double maxw, double maxh, double *w, double *h);
/* Copy of map v with positions outside the particle set to NaN (whole map when the mask is
 * empty). New: free(). */
double *qmap__masked_copy(const qmap_results *r, const double *v);
/* The particle mask, or NULL when it is empty (then "everything"). Borrowed. */
const uint8_t *qmap__particle(const qmap_results *r);
/* A map with axes (x, y in um), scale bar and a colour bar of label cbar_label, in the
 * rectangle (x, y) + (w, h) of the frame, colour bar to the right. Returns the map axes. */
qmap_axes *qmap__map_panel(qmap_figure *f, const qmap_results *r, const double *v,
                           const qmap_colorscale *cs, double x, double y, double w, double h,
                           const char *title, const char *cbar_label);
/* Figure holding one map panel with margins, sized from the map aspect. */
qmap_figure *qmap__map_figure(const qmap_results *r, const double *v, const qmap_colorscale *cs,
                              const char *title, const char *cbar_label, qmap_axes **map);
/* Sequential colour scale from the 1/99 percentiles of v over the particle. */
qmap_colorscale qmap__scale(const qmap_results *r, const double *v, qmap_colormap cm, int over_particle);

/* Figures (report_maps.c, report_tilt.c, report_misc.c). NULL with QMAP_OK = not
 * applicable; NULL otherwise = error (qmap_error set). */
qmap_figure *qmap__fig_map(const qmap_results *r, int map, const qmap_report_options *o);
qmap_figure *qmap__fig_widths(const qmap_results *r, int std);
qmap_figure *qmap__fig_distribution(const qmap_results *r);
qmap_figure *qmap__fig_tilt_magnitude(const qmap_results *r);
qmap_figure *qmap__fig_tilt_direction(const qmap_results *r);
qmap_figure *qmap__fig_tilt_hsv(const qmap_results *r);
qmap_figure *qmap__fig_tilt_polar(const qmap_results *r);
qmap_figure *qmap__fig_qspace(const qmap_results *r);
qmap_figure *qmap__fig_drift(const qmap_results *r);
qmap_figure *qmap__fig_rocking(const qmap_results *r);
qmap_figure *qmap__fig_background(const qmap_results *r);
int qmap__has_background(const qmap_results *r);

/* Caption of the particles figure (report_particles.c). */
extern const char qmap__particles_caption[];
/* The number of figures of the table in report_figures.c (= qmap_report_n_figures();
 * checked there at compile time), for arrays of figures. */
enum { QMAP__N_FIGURES = 16 };
/* Write DIR/report.html (report_html.c): figs holds qmap_report_n_figures() figures (NULL
 * when not drawn) and, last, the particles figure (NULL without particles). */
int qmap__report_html(const char *dir, const qmap_results *r, const char *results_path, qmap_figure **figs,
                      const qmap_report_options *o, const qmap_report_particles *particles);

/* sxdm tilt colour of a position: hue from direction, saturation = magnitude / max. */
qmap_rgb qmap__tilt_color(double magnitude, double direction_deg, double max_magnitude);

#define QMAP_BLUE ((qmap_rgb){0.122, 0.467, 0.706})
#define QMAP_ORANGE ((qmap_rgb){0.95, 0.45, 0.05})
#define QMAP_RED ((qmap_rgb){0.85, 0.1, 0.1})

#endif
