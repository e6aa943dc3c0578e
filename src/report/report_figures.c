/* report_figures.c -- the figures of `qmap report` as one table {name, caption, draw}:
 * adding a figure is one line here (and QMAP__N_FIGURES in report_internal.h). Drawing one
 * figure of a results file (qmap_report_figure, with the options of qmap_report_defaults) and the names and captions that the page
 * (report.c, report_html.c) and the CLI list.
 */
#include "report_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <string.h>

typedef struct {
    const char *name, *caption;
    int map;   /* map index for single maps, -1 otherwise */
    qmap_figure *(*draw)(const qmap_results *r);
    int (*present)(const qmap_results *r);   /* 0 = the file has nothing to draw (NULL: always) */
} figure_def;

static qmap_figure *fig_sigma(const qmap_results *r) { return qmap__fig_widths(r, 0); }
static qmap_figure *fig_std(const qmap_results *r) { return qmap__fig_widths(r, 1); }

static const figure_def figures[] = {
    {"map_intensity", "Integrated intensity inside the VOI per map position (all positions shown).", QMAP_MAP_INTENSITY, NULL, NULL},
    {"map_d_spacing", "d-spacing 2\u03c0/|Q| of the peak centre of mass over the particle.", QMAP_MAP_D, NULL, NULL},
    {"map_strain", "Lattice strain (d \u2212 d_ref)/d_ref, diverging colours centred on 0.", QMAP_MAP_STRAIN, NULL, NULL},
    {"map_c", "Lattice parameter c = l\u00b7d (00l reflection).", QMAP_MAP_C, NULL, NULL},
    {"map_q", "|Q| of the peak centre of mass.", QMAP_MAP_Q, NULL, NULL},
    {"widths_sigma", "Gaussian-fit \u03c3 of the peak along qx, qy, qz and their mean (XSOCS PeakFitter model).", -1, fig_sigma, NULL},
    {"widths_std", "Second-moment standard deviation of the peak along qx, qy, qz (exact over detector pixels) and their mean.", -1, fig_std, NULL},
    {"tilt_magnitude", "Tilt magnitude: angle between the local Q and the mean Q over the particle.", -1, qmap__fig_tilt_magnitude, NULL},
    {"tilt_direction", "Tilt direction atan2(qx \u2212 \u27e8qx\u27e9, qy \u2212 \u27e8qy\u27e9), cyclic colours.", -1, qmap__fig_tilt_direction, NULL},
    {"tilt_hsv", "Tilt vector map: hue = direction, saturation = magnitude / maximum (sxdm colours), with the colour-wheel key.", -1, qmap__fig_tilt_hsv, NULL},
    {"tilt_polar", "Every particle position at angle = tilt direction and radius = tilt magnitude, coloured as the tilt vector map.", -1, qmap__fig_tilt_polar, NULL},
    {"distribution", "Histogram over the particle of c (or d without c) with mean, standard deviation and FWHM, beside its map.", -1, qmap__fig_distribution, NULL},
    {"qspace_overview", "Three projections of the map-averaged reciprocal space over the whole sampled q range, VOI box in red.", -1, qmap__fig_qspace, NULL},
    {"drift", "Per-scan drift measured by image registration (markers) and the fitted straight line applied (lines).", -1, qmap__fig_drift, NULL},
    {"rocking_curve", "Rocking curve: VOI intensity summed over the map versus eta.", -1, qmap__fig_rocking, NULL},
    {"map_background", "Flat background per pixel hit measured at each position on its VOI's faces (all positions): "
     "air scatter, fluorescence, a peak's tail reaching the faces; subtracted from the maps with --background faces.",
     -1, qmap__fig_background, qmap__has_background},
};
enum { N_FIGURES = sizeof figures / sizeof figures[0] };
_Static_assert((int)N_FIGURES == (int)QMAP__N_FIGURES, "QMAP__N_FIGURES (report_internal.h) counts the table");

void qmap_report_defaults(qmap_report_options *o)
{
    o->log_intensity = 0;
    o->png_scale = 2;
    o->svg = 1;
    o->pdf = 0;
    o->vmin = o->vmax = NAN;
    o->cmap = -1;
    o->figures = NULL;
}

int qmap_report_n_figures(void) { return N_FIGURES; }
const char *qmap_report_figure_name(int i) { return i >= 0 && i < N_FIGURES ? figures[i].name : NULL; }

static const figure_def *find(const char *name)
{
    for (int i = 0; i < N_FIGURES; i++)
        if (strcmp(figures[i].name, name) == 0)
            return &figures[i];
    return NULL;
}

const char *qmap_report_figure_caption(const char *name)
{
    const figure_def *d = find(name);
    return d ? d->caption : NULL;
}

int qmap_report_figure(const qmap_results *r, const char *name, const qmap_report_options *o,
                       qmap_figure **out)
{
    *out = NULL;
    const figure_def *d = find(name);
    if (!d)
        return qmap_error(QMAP_ERR_VALUE, "unknown figure '%s'", name);
    qmap_report_options def;
    if (!o) {
        qmap_report_defaults(&def);
        o = &def;
    }
    if ((d->map >= 0 && !r->maps[d->map]) || (d->present && !d->present(r)))
        return QMAP_OK;   /* not in this file (no hkl; written before the background map) */
    qmap_figure *f = d->map >= 0 ? qmap__fig_map(r, d->map, o) : d->draw(r);
    if (!f)
        return qmap_error_prefix(QMAP_ERR_NOMEM, "figure %s", name);
    *out = f;
    return QMAP_OK;
}
