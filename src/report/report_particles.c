/* report_particles.c -- the particles of a results file in the report: /particles (read by
 * qmap_results_read, results/results_read_particles.c) drawn as the labelled-particle map.
 *
 * The map shows every label in its own colour (qmap_report_label_color), positions without
 * a particle in the neutral NaN grey, and each label's number at its centroid: the mean
 * x, y (micrometres) of its positions, which is the table's centroid_x, centroid_y by
 * definition, computed here from the labels so the numbers always sit on the drawn map.
 * The table is kept as named columns in the file's order, so report.html lists exactly the
 * columns of /particles/table, whatever version of `qmap particles` wrote them.
 */
#include "report_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char qmap__particles_caption[] =
    "Particles labelled by qmap particles: one colour per particle, its label number at its centroid "
    "(grey = no particle); the table below lists /particles/table, one row per particle.";

void qmap_report_particles_free(qmap_report_particles *p)
{
    qmap_results_particles_free(p);
}

const double *qmap_report_particles_column(const qmap_report_particles *p, const char *name)
{
    for (int k = 0; p && k < p->n_columns; k++)
        if (strcmp(p->names[k], name) == 0)
            return p->values + (size_t)k * p->n_particles;
    return NULL;
}

qmap_rgb qmap_report_label_color(int label)
{
    if (label <= 0)
        return qmap_nan_color;
    int i = label - 1;
    double h = fmod(0.11 + 0.6180339887498949 * i, 1.0);
    double s = i % 2 ? 0.55 : 0.85, v = (i / 2) % 2 ? 0.80 : 0.97;
    return qmap_hsv_to_rgb(h, s, v);
}

int qmap_report_particles_load(const char *results_path, qmap_report_particles **out)
{
    *out = NULL;
    qmap_results *r = NULL;
    int rc = qmap_results_read(results_path, QMAP_READ_PARTICLES, &r);
    if (rc < 0)
        return rc;
    *out = r->particles;   /* taken over from the results */
    r->particles = NULL;
    qmap_results_free(r);
    return QMAP_OK;
}

/* ---- the figure ---- */

int qmap_report_particles_figure(const qmap_results *r, const qmap_report_particles *p, qmap_figure **out)
{
    *out = NULL;
    if (p->n_fast != r->n_fast || p->n_slow != r->n_slow)
        return qmap_error(QMAP_ERR_VALUE, "/particles/labels is %d x %d, the maps are %d x %d", p->n_slow,
                          p->n_fast, r->n_slow, r->n_fast);
    size_t n = (size_t)r->n_fast * r->n_slow;
    size_t np = (size_t)p->n_particles + 1;
    qmap_rgb *px = malloc(n * sizeof *px);
    double *sx = calloc(np, sizeof *sx), *sy = calloc(np, sizeof *sy);
    long *count = calloc(np, sizeof *count);
    double w, h, e[4];
    qmap__map_frame_size(r, 380, 380, &w, &h);
    qmap__map_extent(r, e);
    qmap_figure *f = px && sx && sy && count ? qmap_figure_new(66 + w + 40, 34 + h + 56) : NULL;
    if (!f) {
        free(px), free(sx), free(sy), free(count);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for the particle map");
    }
    for (size_t i = 0; i < n; i++) {
        int l = p->labels[i];
        px[i] = l > 0 ? qmap_report_label_color(l) : (qmap_rgb){NAN, NAN, NAN};
        if (l > 0) {
            sx[l] += r->x[i % r->n_fast];
            sy[l] += r->y[i / r->n_fast];
            count[l]++;
        }
    }
    qmap_axes *a = qmap_axes_new(f, 66, 34, w, h);
    qmap_axes_set_xlim(a, fmin(e[0], e[1]), fmax(e[0], e[1]));
    qmap_axes_set_ylim(a, fmin(e[2], e[3]), fmax(e[2], e[3]));
    qmap_axes_set_xlabel(a, "x (\u00b5m)");
    qmap_axes_set_ylabel(a, "y (\u00b5m)");
    char title[128];
    snprintf(title, sizeof title, "Particles (%d labelled)", p->n_particles);
    qmap_axes_set_title(a, title);
    qmap_plot_rgb_image(a, px, r->n_fast, r->n_slow, e[0], e[1], e[2], e[3]);
    double size = p->n_particles > 60 ? 6.5 : 9;
    for (int l = 1; l <= p->n_particles; l++) {
        if (!count[l])
            continue;
        char num[32];
        snprintf(num, sizeof num, "<b>%d</b>", l);
        qmap_plot_text(a, sx[l] / count[l], sy[l] / count[l], 0.5, 0.5, size, (qmap_rgb){0, 0, 0}, num);
    }
    double len = qmap_nice_length(fabs(e[1] - e[0]) / 5);
    char lab[64];
    snprintf(lab, sizeof lab, "%g \u00b5m", len);
    qmap_axes_scalebar(a, len, lab);
    free(px), free(sx), free(sy), free(count);
    *out = f;
    return QMAP_OK;
}
