/* sem_figure.c -- the figure of an SEM size analysis, drawn with the plotting layer
 * (plot.h): the segmented image beside the size histogram and its log-normal fit.
 */
#include "qmap/sem.h"
#include "qmap/error.h"
#include "qmap/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Grey image with particle k tinted by a hue spread with the golden ratio, so
 * neighbours differ. Row 0 of the image is the top; the plot layer draws row 0 at the
 * bottom, so rows are flipped. */
static qmap_rgb *tinted_image(const qmap_grey_image *img, const qmap_sem_result *r)
{
    int w = img->width, h = img->height;
    qmap_rgb *rgb = malloc((size_t)w * h * sizeof *rgb);
    if (!rgb)
        return NULL;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        lo = fmin(lo, img->pixels[i]);
        hi = fmax(hi, img->pixels[i]);
    }
    double span = hi > lo ? hi - lo : 1;
    for (int row = 0; row < h; row++)
        for (int c = 0; c < w; c++) {
            size_t i = (size_t)row * w + c;
            double g = (img->pixels[i] - lo) / span;
            qmap_rgb out = {g, g, g};
            int32_t l = r->labels[i];
            if (l > 0) {
                qmap_rgb t = qmap_hsv_to_rgb(fmod(l * 0.61803398875, 1.0), 0.8, 1.0);
                out = (qmap_rgb){0.45 * g + 0.55 * t.r, 0.45 * g + 0.55 * t.g, 0.45 * g + 0.55 * t.b};
            }
            rgb[(size_t)(h - 1 - row) * w + c] = out;
        }
    return rgb;
}

qmap_figure *qmap_sem_figure(const qmap_grey_image *img, const qmap_sem_result *r,
                             const qmap_lognormal *ln, const double *counts, int nbins,
                             double lo, double hi, const char *title)
{
    double ps = r->pixel_size_nm;
    int in_um = ln && ln->median >= 1000;
    double scale = in_um ? 1e-3 : 1;
    const char *unit = in_um ? "µm" : "nm";
    qmap_figure *f = qmap_figure_new(980, 440);
    if (!f)
        return NULL;
    if (title)
        qmap_figure_text(f, 490, 14, 0.5, 0.5, 12, 1, title);
    /* Left: the image in physical units. */
    double aspect = (double)img->height / img->width;
    double side = 360, iw = aspect <= 1 ? side : side / aspect, ih = aspect <= 1 ? side * aspect : side;
    qmap_axes *ai = qmap_axes_new(f, 40 + (side - iw) / 2, 40 + (side - ih) / 2, iw, ih);
    double W = img->width * ps * scale, H = img->height * ps * scale;
    qmap_axes_set_xlim(ai, 0, W);
    qmap_axes_set_ylim(ai, 0, H);
    qmap_axes_show_ticks(ai, 0, 0, 0);
    qmap_rgb *rgb = tinted_image(img, r);
    if (rgb) {
        qmap_plot_rgb_image(ai, rgb, img->width, img->height, 0, W, 0, H);
        free(rgb);
    }
    char text[256];
    snprintf(text, sizeof text, "%d particles counted; %d cut by the border, %d specks rejected",
             r->n_particles, r->n_border_rejected, r->n_small_rejected);
    qmap_figure_text(f, 40 + side / 2, 40 + (side + ih) / 2 + 8, 0.5, 0, 9, 0, text);
    double bar = qmap_nice_length(W / 4);
    snprintf(text, sizeof text, "%g %s", bar, unit);
    qmap_axes_scalebar(ai, bar, text);
    /* Right: histogram and fitted log-normal, scaled to counts per bin. */
    qmap_axes *ah = qmap_axes_new(f, 500, 40, 440, 350);
    double ymax = 1;
    for (int k = 0; k < nbins; k++)
        ymax = fmax(ymax, counts[k]);
    double width = (hi - lo) / nbins;
    enum { N_CURVE = 200 };
    double cx[N_CURVE], cy[N_CURVE];
    for (int k = 0; k < N_CURVE; k++) {
        double d = lo + (hi - lo) * (k + 0.5) / N_CURVE;
        cx[k] = d * scale;
        cy[k] = ln ? ln->n * width * qmap_lognormal_pdf(ln, d) : NAN;
        if (isfinite(cy[k]))
            ymax = fmax(ymax, cy[k]);
    }
    qmap_axes_set_xlim(ah, lo * scale, hi * scale);
    qmap_axes_set_ylim(ah, 0, ymax * 1.3);
    snprintf(text, sizeof text, "equivalent circular diameter (%s)", unit);
    qmap_axes_set_xlabel(ah, text);
    qmap_axes_set_ylabel(ah, "number of particles");
    qmap_style bars = qmap_style_line((qmap_rgb){0.2, 0.2, 0.2}, 0.8);
    bars.label = "particles";
    qmap_plot_bars(ah, counts, nbins, lo * scale, hi * scale, (qmap_rgb){0.55, 0.7, 0.88}, &bars);
    if (ln) {
        qmap_style curve = qmap_style_line((qmap_rgb){0.8, 0.1, 0.1}, 2);
        curve.label = "log-normal fit";
        qmap_plot_xy(ah, cx, cy, N_CURVE, &curve);
        snprintf(text, sizeof text, "n = %zu\nmedian = %.3g %s\ngeometric std = %.3f", ln->n,
                 ln->median * scale, unit, ln->geometric_std);
        qmap_axes_annotate(ah, 0, 1, 9, text);
    }
    qmap_axes_legend(ah, 1, 1);
    return f;
}
