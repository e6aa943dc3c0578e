/* powder_figure.c -- the Rietveld plot: observed points, calculated curve, reflection
 * ticks under the pattern and the difference curve below them, on one 2theta axis (the
 * layout of the SI Figures S7 and S10), drawn with the plot layer (plot.h).
 */
#include "powder_internal.h"
#include "qmap/error.h"
#include "qmap/plot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int qmap_powder_figure_write(qmap_powder_model *m, const qmap_powder_data *d, const char *title,
                             const char *path)
{
    size_t n = d->n;
    double *yc = malloc(n * sizeof *yc), *diff = malloc(n * sizeof *diff);
    size_t nl = qmap_powder_n_lines(m);
    double *tx = malloc((3 * nl + 1) * sizeof *tx), *ty = malloc((3 * nl + 1) * sizeof *ty);
    qmap_figure *f = NULL;
    int rc = 0;
    if (!yc || !diff || !tx || !ty) {
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory drawing %s", path);
        goto done;
    }
    qmap_powder_model_calc(m, d->tth, n, yc);
    double ymax = -INFINITY, ymin = INFINITY, dmax = 0;
    for (size_t i = 0; i < n; i++) {
        ymax = fmax(ymax, fmax(d->y[i], yc[i]));
        ymin = fmin(ymin, fmin(d->y[i], yc[i]));
        diff[i] = d->y[i] - yc[i];
        dmax = fmax(dmax, fabs(diff[i]));
    }
    double span = ymax - fmin(ymin, 0);
    double tick_top = fmin(ymin, 0) - 0.03 * span, tick_bottom = tick_top - 0.05 * span;
    double diff_zero = tick_bottom - 0.04 * span - dmax;
    for (size_t i = 0; i < n; i++)
        diff[i] += diff_zero;
    size_t nt = 0;
    for (size_t k = 0; k < nl; k++) {
        double centre[2], fwhm[2], amp[2];
        qmap__powder_components(m, k, centre, fwhm, amp);
        if (centre[0] < d->tth[0] || centre[0] > d->tth[n - 1] || m->lines[k].mf2 <= 0)
            continue;
        tx[nt] = centre[0], ty[nt++] = tick_top;
        tx[nt] = centre[0], ty[nt++] = tick_bottom;
        tx[nt] = NAN, ty[nt++] = NAN;
    }
    f = qmap_figure_new(900, 560);
    if (!f) {
        rc = QMAP_ERR_NOMEM;
        goto done;
    }
    qmap_axes *a = qmap_axes_new(f, 90, 50, 780, 440);
    qmap_axes_set_xlim(a, d->tth[0], d->tth[n - 1]);
    qmap_axes_set_ylim(a, diff_zero - dmax - 0.02 * span, ymax + 0.05 * span);
    qmap_axes_set_xlabel(a, "2θ (°)");
    qmap_axes_set_ylabel(a, "intensity (counts)");
    if (title)
        qmap_axes_set_title(a, title);
    qmap_rgb red = {0.84, 0.15, 0.16}, black = {0, 0, 0}, blue = {0.12, 0.30, 0.75}, green = {0.1, 0.55, 0.2};
    qmap_style obs = qmap_style_markers(red, QMAP_MARKER_CIRCLE, 2.5);
    obs.label = "observed";
    qmap_style calc = qmap_style_line(black, 1.0);
    calc.label = "calculated";
    qmap_style dst = qmap_style_line(blue, 0.8);
    dst.label = "observed − calculated";
    qmap_style tst = qmap_style_line(green, 1.0);
    tst.label = "reflections";
    qmap_plot_xy(a, d->tth, d->y, n, &obs);
    qmap_plot_xy(a, d->tth, yc, n, &calc);
    qmap_plot_xy(a, tx, ty, nt, &tst);
    qmap_plot_xy(a, d->tth, diff, n, &dst);
    qmap_axes_legend(a, 0.98, 0.98);
    size_t len = strlen(path);
    rc = len > 4 && strcmp(path + len - 4, ".svg") == 0 ? qmap_figure_write_svg(f, path)
                                                         : qmap_figure_write_png(f, path, 2.0);
done:
    qmap_figure_free(f);
    free(yc);
    free(diff);
    free(tx);
    free(ty);
    return rc;
}
