/* sem.c -- segment an SEM image into particles and measure them (pipeline in sem.h).
 *
 * Steps, each a library function: qmap_gaussian_smooth -> (invert for dark particles) ->
 * subtract qmap_grey_opening (then box-smoothed, so the background has no blocky steps)
 * -> threshold (qmap_otsu_threshold) -> qmap_fill_holes -> qmap_split_touching (or
 * qmap_label_components) -> qmap_filter_labels (border, minimum area) -> moments.
 */
#include "qmap/sem.h"
#include "qmap/error.h"
#include "qmap/fit.h"
#include "qmap/segment.h"
#include "sem_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void qmap_sem_options_default(qmap_sem_options *o)
{
    memset(o, 0, sizeof *o);
    o->pixel_size_nm = 0;
    o->smooth_sigma_px = 1.0;
    o->background_radius_px = -1;
    o->dark_particles = 0;
    o->threshold = NAN;
    o->split = 1;
    o->min_dynamic_px = 1.5;
    o->min_fraction = 0.2;
    o->min_area_px = 20;
    o->keep_border = 0;
}

void qmap_sem_result_free(qmap_sem_result *r)
{
    if (!r)
        return;
    free(r->labels);
    free(r->particles);
    free(r);
}

static int check_options(const qmap_sem_options *o)
{
    if (!(o->pixel_size_nm > 0) || !isfinite(o->pixel_size_nm))
        return qmap_error(QMAP_ERR_VALUE, "pixel size %g nm: expected a positive number", o->pixel_size_nm);
    if (!(o->smooth_sigma_px >= 0) || o->smooth_sigma_px > 100)
        return qmap_error(QMAP_ERR_VALUE, "smoothing sigma %g px: expected 0..100", o->smooth_sigma_px);
    if (isnan(o->background_radius_px) || o->background_radius_px > 1e6)
        return qmap_error(QMAP_ERR_VALUE, "background radius %g px: expected 0..1e6 (or < 0 = auto)",
                          o->background_radius_px);
    if (!(o->min_dynamic_px >= 0) || !(o->min_fraction >= 0) || o->min_fraction > 1)
        return qmap_error(QMAP_ERR_VALUE, "split criteria %g px, %g: expected >= 0 px and a fraction 0..1",
                          o->min_dynamic_px, o->min_fraction);
    if (o->min_area_px < 0)
        return qmap_error(QMAP_ERR_VALUE, "minimum area %ld px: expected >= 0", o->min_area_px);
    return QMAP_OK;
}

/* Background-corrected, smoothed image (new array) from img under o; sets *radius_used. */
static int corrected_image(const qmap_grey_image *img, const qmap_sem_options *o, double **out,
                           double *radius_used)
{
    int w = img->width, h = img->height;
    size_t n = (size_t)w * h;
    double *v = malloc(n * sizeof *v), *bg = NULL;
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "SEM image of %d x %d: out of memory", w, h);
    memcpy(v, img->pixels, n * sizeof *v);
    int st = qmap_gaussian_smooth(v, w, h, o->smooth_sigma_px);
    if (st == QMAP_OK && o->dark_particles) {
        double max = (double)((1L << img->bits) - 1);
        for (size_t i = 0; i < n; i++)
            v[i] = max - v[i];
    }
    double radius = o->background_radius_px < 0 ? (w > h ? w : h) / 8.0 : o->background_radius_px;
    *radius_used = radius;
    int ir = (int)lround(radius);
    if (st == QMAP_OK && ir > 0) {
        bg = malloc(n * sizeof *bg);
        if (!bg)
            st = qmap_error(QMAP_ERR_NOMEM, "SEM image of %d x %d: out of memory", w, h);
        else {
            memcpy(bg, v, n * sizeof *bg);
            st = qmap_grey_opening(bg, w, h, ir);
            if (st == QMAP_OK)
                st = qmap_box_smooth(bg, w, h, ir / 2);
            for (size_t i = 0; st == QMAP_OK && i < n; i++)
                v[i] -= bg[i];
        }
    }
    free(bg);
    if (st < 0) {
        free(v);
        return st;
    }
    *out = v;
    return QMAP_OK;
}

/* Area, centroid and second-moment axes of every label. */
static int measure(const int32_t *labels, int w, int h, int n, double ps, qmap_sem_particle *p)
{
    double *m = calloc((size_t)n * 6, sizeof *m);   /* count, sx, sy, sxx, syy, sxy */
    if (!m)
        return qmap_error(QMAP_ERR_NOMEM, "measuring %d particles: out of memory", n);
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++) {
            int32_t l = labels[(size_t)r * w + c];
            if (l <= 0)
                continue;
            double *a = m + (size_t)(l - 1) * 6;
            a[0] += 1, a[1] += c, a[2] += r, a[3] += (double)c * c, a[4] += (double)r * r,
                a[5] += (double)c * r;
        }
    for (int k = 0; k < n; k++) {
        const double *a = m + (size_t)k * 6;
        double cnt = a[0], cx = a[1] / cnt, cy = a[2] / cnt;
        /* Pixel covariance plus 1/12 per axis: a pixel is a unit square, not a point. */
        double vxx = a[3] / cnt - cx * cx + 1.0 / 12, vyy = a[4] / cnt - cy * cy + 1.0 / 12;
        double vxy = a[5] / cnt - cx * cy;
        double tr = vxx + vyy, det = vxx * vyy - vxy * vxy;
        double disc = sqrt(fmax(0, tr * tr / 4 - det));
        p[k].label = k + 1;
        p[k].n_pixels = (long)cnt;
        p[k].area_nm2 = cnt * ps * ps;
        p[k].ecd_nm = 2 * sqrt(p[k].area_nm2 / M_PI);
        p[k].centroid_x_nm = (cx + 0.5) * ps;
        p[k].centroid_y_nm = (cy + 0.5) * ps;
        p[k].major_nm = 4 * sqrt(tr / 2 + disc) * ps;
        p[k].minor_nm = 4 * sqrt(fmax(0, tr / 2 - disc)) * ps;
    }
    free(m);
    return QMAP_OK;
}

int qmap_sem_analyse(const qmap_grey_image *img, const qmap_sem_options *o, qmap_sem_result **out)
{
    *out = NULL;
    int st = check_options(o);
    if (st < 0)
        return st;
    int w = img->width, h = img->height;
    size_t n = (size_t)w * h;
    double *v = NULL;
    uint8_t *mask = NULL;
    qmap_sem_result *r = calloc(1, sizeof *r);
    if (!r)
        return qmap_error(QMAP_ERR_NOMEM, "SEM analysis: out of memory");
    r->width = w;
    r->height = h;
    r->pixel_size_nm = o->pixel_size_nm;
    st = corrected_image(img, o, &v, &r->background_radius_px);
    if (st < 0)
        goto fail;
    r->threshold = isnan(o->threshold) ? qmap_otsu_threshold(v, n, 256) : o->threshold;
    if (isnan(r->threshold)) {
        st = qmap_error(QMAP_ERR_VALUE, "the image has no contrast to threshold (all pixels equal)");
        goto fail;
    }
    mask = malloc(n);
    r->labels = malloc(n * sizeof *r->labels);
    if (!mask || !r->labels) {
        st = qmap_error(QMAP_ERR_NOMEM, "SEM image of %d x %d: out of memory", w, h);
        goto fail;
    }
    for (size_t i = 0; i < n; i++)
        mask[i] = v[i] > r->threshold;
    if ((st = qmap_fill_holes(mask, w, h)) < 0)
        goto fail;
    int n_objects = o->split ? qmap_split_touching(mask, w, h, o->min_dynamic_px, o->min_fraction, r->labels)
                             : qmap_label_components(mask, w, h, 8, r->labels);
    if ((st = n_objects) < 0)
        goto fail;
    int n_inside = qmap_filter_labels(r->labels, w, h, n_objects, !o->keep_border, 0);
    if ((st = n_inside) < 0)
        goto fail;
    r->n_border_rejected = n_objects - n_inside;
    r->n_particles = qmap_filter_labels(r->labels, w, h, n_inside, 0, o->min_area_px);
    if ((st = r->n_particles) < 0)
        goto fail;
    r->n_small_rejected = n_inside - r->n_particles;
    r->particles = calloc((size_t)(r->n_particles ? r->n_particles : 1), sizeof *r->particles);
    if (!r->particles) {
        st = qmap_error(QMAP_ERR_NOMEM, "SEM analysis: out of memory");
        goto fail;
    }
    if ((st = measure(r->labels, w, h, r->n_particles, o->pixel_size_nm, r->particles)) < 0)
        goto fail;
    free(v);
    free(mask);
    *out = r;
    return QMAP_OK;
fail:
    free(v);
    free(mask);
    qmap_sem_result_free(r);
    return st;
}
