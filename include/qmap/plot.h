/* plot.h -- a small 2D plotting layer (cairo + pango) for qmap's publication figures.
 *
 * Model. A figure is a canvas of width x height "figure units" (1 unit = 1 CSS pixel at
 * 100 % zoom; y grows downwards). Axes are rectangles of the figure, in figure units,
 * with data limits; everything drawn into an axes is given in data coordinates and
 * clipped to its frame. Data are drawn immediately, in call order, onto a recording
 * surface; frames, ticks, tick labels, axis labels, titles and legends are drawn on top
 * when the figure is finished (qmap_figure_finish, called by the writers). A finished
 * figure can be written any number of times as PNG (at any scale), SVG or PDF, and
 * placed into another figure (composite overviews).
 *
 * Text is Pango markup in DejaVu Sans ("d (&#197;)", "σ<sub>qx</sub>", "10<sup>3</sup>"):
 * escape '&', '<' and '>' in plain text with qmap_markup_escape.
 *
 * Errors. Constructors return NULL on allocation failure (qmap_error set). Drawing calls
 * never fail visibly: an allocation or cairo failure is remembered in the figure and
 * reported by the writers (negative qmap_status, qmap_error_message says why).
 *
 * Threads: a figure and its axes belong to one thread; different figures may be drawn in
 * parallel.
 */
#ifndef QMAP_PLOT_H
#define QMAP_PLOT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- colours and colour maps ------------------------------------------------------- */

typedef struct {
    double r, g, b;   /* sRGB, 0..1 */
} qmap_rgb;

typedef enum {
    QMAP_CMAP_VIRIDIS = 0,   /* sequential, perceptually uniform (van der Walt & Smith) */
    QMAP_CMAP_DIVERGING,     /* blue (low) - white (centre) - red (high), ColorBrewer RdBu */
    QMAP_CMAP_CYCLIC,        /* hue wheel (sxdm tilt colours, hue = t, full saturation): same
                                colour at t = 0 and t = 1, every colour far from the NaN grey */
    QMAP_N_COLORMAPS
} qmap_colormap;

/* The colour drawn for NaN / masked values: a neutral grey (r = g = b = 178/255) that no
 * colour map above contains. */
extern const qmap_rgb qmap_nan_color;

/* Colour of map cm at t in [0, 1] (clamped; QMAP_CMAP_CYCLIC wraps t modulo 1). */
qmap_rgb qmap_colormap_eval(qmap_colormap cm, double t);

/* HSV to RGB: h in turns (wrapped modulo 1), s and v in [0, 1] (clamped). */
qmap_rgb qmap_hsv_to_rgb(double h, double s, double v);

/* How values become colours. Values below lo / above hi get the end colours; NaN gets
 * qmap_nan_color. With log set, colours are linear in log10(value) between lo > 0 and hi
 * and values <= 0 get the lowest colour. */
typedef struct {
    qmap_colormap cmap;
    double lo, hi;
    int log;
} qmap_colorscale;

/* Colour of value v under scale cs. */
qmap_rgb qmap_colorscale_color(const qmap_colorscale *cs, double v);

/* Colour limits from data: the p-th and (100-p)-th percentiles of the finite values
 * v[i] with keep[i] != 0 (keep NULL = all); with log, only positive values count.
 * Returns 0, or -1 when there is no such value (lo, hi set to 0, 1). lo < hi on return. */
int qmap_auto_limits(const double *v, const uint8_t *keep, size_t n, double p, int log,
                     double *lo, double *hi);

/* ---- figures and axes ---------------------------------------------------------------- */

typedef struct qmap_figure qmap_figure;
typedef struct qmap_axes qmap_axes;

/* New white figure of width x height figure units. New: free with qmap_figure_free. */
qmap_figure *qmap_figure_new(double width, double height);
void qmap_figure_free(qmap_figure *f);
double qmap_figure_width(const qmap_figure *f);
double qmap_figure_height(const qmap_figure *f);

/* Text at figure position (x, y) in figure units; (ax, ay) in [0, 1] is the anchor within
 * the text box (0,0 = top-left, 0.5,0.5 = centre); size in points; bold 0/1. */
void qmap_figure_text(qmap_figure *f, double x, double y, double ax, double ay, double size,
                      int bold, const char *markup);

/* Draw finished figure src into f with its top-left corner at (x, y), scaled by scale.
 * src must outlive nothing: its drawing is copied. Finishes src. */
void qmap_figure_place(qmap_figure *f, qmap_figure *src, double x, double y, double scale);

/* Draw all axes decorations; further drawing into the figure's axes is ignored.
 * Writers call it; calling it twice is harmless. */
void qmap_figure_finish(qmap_figure *f);

/* Write the figure (finishing it) to path: PNG with scale device pixels per figure unit
 * (image size = ceil(width*scale) x ceil(height*scale)), SVG or PDF (vector; images stay
 * raster). Written to a temporary name in the same folder and renamed when complete.
 * Returns QMAP_OK or a negative qmap_status (QMAP_ERR_IO naming the path). */
int qmap_figure_write_png(qmap_figure *f, const char *path, double scale);
int qmap_figure_write_svg(qmap_figure *f, const char *path);
int qmap_figure_write_pdf(qmap_figure *f, const char *path);

/* The PNG of qmap_figure_write_png onto an open file descriptor (not closed): for a command
 * that commits the figure with its other outputs as one step (qmap_temp_commit_all). name
 * only labels the errors. */
int qmap_figure_write_png_fd(qmap_figure *f, int fd, const char *name, double scale);

/* The figure encoded in memory, PNG at scale (svg 0) or SVG (svg 1), for a caller that
 * sends it rather than saves it (qmap view): *data (malloc'd, NUL after its *len bytes; the
 * caller frees it). name only labels the errors. */
int qmap_figure_encode(qmap_figure *f, const char *name, int svg, double scale, char **data, size_t *len);

/* Cartesian axes whose frame (plotting area) is the rectangle (x, y, w, h) of the figure,
 * data limits [0,1] x [0,1] until set. Borrowed: owned and freed by the figure. */
qmap_axes *qmap_axes_new(qmap_figure *f, double x, double y, double w, double h);

/* Polar axes centred in the rectangle, radius = half its smaller side. Data x = angle in
 * degrees (0 = to the right, counter-clockwise, as matplotlib's default), y = radius in
 * [0, rmax]. Drawn with radial rings (labelled with unit) and 30-degree spokes. */
/* The ink boxes of every text drawn on f (figures placed in it included), as n groups of
 * x0, y0, x1, y1 in figure units (y down); finishes the figure. For layout checks. */
int qmap_figure_text_boxes(qmap_figure *f, const double **xyxy);

qmap_axes *qmap_axes_new_polar(qmap_figure *f, double x, double y, double w, double h,
                               double rmax, const char *unit);
/* Angle labels of polar axes: the spoke to the right reads zero_deg, the others zero_deg
 * plus (or, clockwise, minus) their angle, in -180..180 (default 0, counter-clockwise). */
void qmap_axes_set_polar_labels(qmap_axes *a, double zero_deg, int clockwise);

void qmap_axes_set_xlim(qmap_axes *a, double lo, double hi);
void qmap_axes_set_ylim(qmap_axes *a, double lo, double hi);
/* Logarithmic x / y axis (limits must then be > 0; decades as ticks). */
void qmap_axes_set_log(qmap_axes *a, int xlog, int ylog);
void qmap_axes_set_xlabel(qmap_axes *a, const char *markup);
void qmap_axes_set_ylabel(qmap_axes *a, const char *markup);
void qmap_axes_set_title(qmap_axes *a, const char *markup);
/* Which sides carry ticks and tick labels: bottom (x), left (y); with y_right the y ticks
 * and label go on the right (colour bars). show 0 hides that axis' ticks and labels. */
void qmap_axes_show_ticks(qmap_axes *a, int show_x, int show_y, int y_right);
/* Draw the frame rectangle (default 1; 0 for image-only axes such as colour keys). */
void qmap_axes_set_frame(qmap_axes *a, int on);
/* Grid lines at the major ticks (light grey). */
void qmap_axes_set_grid(qmap_axes *a, int on);

/* Frame rectangle (figure units) and data limits of an axes; for polar axes the limits are
 * (0, 360, 0, rmax). */
void qmap_axes_frame(const qmap_axes *a, double rect[4]);
void qmap_axes_limits(const qmap_axes *a, double lim[4]);
/* Data point to figure units. */
void qmap_axes_to_figure(const qmap_axes *a, double x, double y, double *fx, double *fy);
/* The axes of a figure, in creation order (colour bars included); NULL past the end. */
qmap_axes *qmap_figure_axes(const qmap_figure *f, int index);

/* ---- plotting ------------------------------------------------------------------------- */

typedef enum { QMAP_MARKER_NONE = 0, QMAP_MARKER_CIRCLE, QMAP_MARKER_SQUARE } qmap_marker;

typedef struct {
    qmap_rgb color;
    double line_width;     /* figure units; 0 = no line */
    int dashed;
    qmap_marker marker;
    double marker_size;    /* diameter, figure units */
    const char *label;     /* legend entry (markup) or NULL */
} qmap_style;

/* A solid line of colour c and width w, no marker, no label. */
qmap_style qmap_style_line(qmap_rgb c, double w);
/* Markers only. */
qmap_style qmap_style_markers(qmap_rgb c, qmap_marker m, double size);

/* Image of nrows x ncols values (row-major, row 0 drawn at the bottom, y0) covering data
 * rectangle [x0, x1] x [y0, y1] (outer edges of the first/last pixels), one flat colour
 * per value (nearest neighbour). */
void qmap_plot_image(qmap_axes *a, const double *v, int ncols, int nrows, double x0,
                     double x1, double y0, double y1, const qmap_colorscale *cs);
/* Same with ready colours (rgb[i] for value i); NaN in .r marks a neutral pixel. */
void qmap_plot_rgb_image(qmap_axes *a, const qmap_rgb *rgb, int ncols, int nrows, double x0,
                         double x1, double y0, double y1);
/* Polyline through the finite points (a NaN breaks it) and/or markers at them. */
void qmap_plot_xy(qmap_axes *a, const double *x, const double *y, size_t n, const qmap_style *st);
/* Scatter with one colour per point (colors NULL = st->color); markers of st->marker_size. */
void qmap_plot_scatter(qmap_axes *a, const double *x, const double *y, size_t n,
                       const qmap_rgb *colors, const qmap_style *st);
/* Histogram bars: nbins equal bins over [lo, hi] with heights counts[]; filled with fill and
 * outlined with st (st->label, if any, goes to the legend). */
void qmap_plot_bars(qmap_axes *a, const double *counts, int nbins, double lo, double hi,
                    qmap_rgb fill, const qmap_style *st);
/* Rectangle outline [x0, x1] x [y0, y1]. */
void qmap_plot_rect(qmap_axes *a, double x0, double x1, double y0, double y1, const qmap_style *st);
/* Vertical line at x across the axes. */
void qmap_plot_vline(qmap_axes *a, double x, const qmap_style *st);
/* Text at data point (x, y); anchors as qmap_figure_text. */
void qmap_plot_text(qmap_axes *a, double x, double y, double ax, double ay, double size,
                    qmap_rgb color, const char *markup);
/* Text box (white, semi-opaque background) at axes fraction (u, v): (0,0) bottom-left,
 * (1,1) top-right of the frame; the box's corner nearest to that point sits there. */
void qmap_axes_annotate(qmap_axes *a, double u, double v, double size, const char *markup);
/* Scale bar of length (data x units) at the bottom-left inside the frame, labelled. */
void qmap_axes_scalebar(qmap_axes *a, double length, const char *markup);
/* Legend of the labelled styles drawn so far, in the corner (u, v) as qmap_axes_annotate. */
void qmap_axes_legend(qmap_axes *a, double u, double v);

/* Colour bar for cs in rectangle (x, y, w, h) of f: vertical when h > w (ticks and label
 * on the right), horizontal otherwise (ticks and label below). Returns its axes. */
qmap_axes *qmap_colorbar_new(qmap_figure *f, double x, double y, double w, double h,
                             const qmap_colorscale *cs, const char *label);

/* ---- helpers -------------------------------------------------------------------------- */

/* Count the finite values of v[i] (keep[i] != 0; keep NULL = all) into nbins equal bins over
 * [lo, hi] (hi included in the last bin); values outside are not counted. Returns the number
 * counted. */
size_t qmap_histogram(const double *v, const uint8_t *keep, size_t n, double lo, double hi,
                      int nbins, double *counts);
/* A "nice" length 1, 2 or 5 x 10^k not above target (scale bars); 0 when target <= 0. */
double qmap_nice_length(double target);
/* Escape &, < and > of plain text for Pango markup into out (always NUL-terminated). */
void qmap_markup_escape(const char *text, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
