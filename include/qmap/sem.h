/* sem.h -- particle sizes from scanning electron microscope (SEM) images.
 *
 * Pipeline (qmap_sem_analyse): Gaussian pre-smoothing against shot noise; background
 * removal (the image minus its grey opening with a square window larger than the
 * particles, i.e. a top-hat, which follows an uneven illumination); a threshold (Otsu's
 * on the corrected image unless given); hole filling; a watershed split of touching
 * particles on the distance transform (segment.h); rejection of the particles cut by the
 * image border and of specks below a minimum area. Each particle's size is its
 * equivalent circular diameter (ECD) d = 2 sqrt(area/pi).
 *
 * The size distribution is summarised by a log-normal fitted by maximum likelihood
 * (qmap_lognormal_fit): ln d is normal with mean mu and standard deviation sigma, so the
 * median diameter is exp(mu) and the geometric standard deviation exp(sigma).
 */
#ifndef QMAP_SEM_H
#define QMAP_SEM_H

#include <stddef.h>
#include <stdint.h>
#include "qmap/image_io.h"
#include "qmap/plot.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double pixel_size_nm;         /* > 0 */
    double smooth_sigma_px;       /* Gaussian pre-smoothing sigma; 0 = none (default 1) */
    double background_radius_px;  /* half-width of the opening window; 0 = no background
                                     correction; < 0 = auto: max(width, height) / 8 */
    int dark_particles;           /* 1 = particles darker than the background (default 0) */
    double threshold;             /* on the corrected image; NaN = Otsu (default) */
    int split;                    /* 1 = watershed split of touching particles (default) */
    double min_dynamic_px;        /* split: a maximum of the distance transform must stand this
                                     many pixels above its saddle (default 1.5) ... */
    double min_fraction;          /* ... and this fraction of its own height (default 0.2) */
    long min_area_px;             /* smaller objects are noise (default 20) */
    int keep_border;              /* 1 = keep particles cut by the image border (default 0) */
} qmap_sem_options;

/* Fill o with the defaults above (pixel_size_nm 0: the caller must set it). */
void qmap_sem_options_default(qmap_sem_options *o);

typedef struct {
    int label;                    /* value in the label image */
    long n_pixels;
    double area_nm2;
    double ecd_nm;                /* equivalent circular diameter */
    double centroid_x_nm, centroid_y_nm;   /* from the top-left corner, x to the right, y down */
    double major_nm, minor_nm;    /* axes of the ellipse with the same second moments */
} qmap_sem_particle;

typedef struct {
    int width, height;
    double pixel_size_nm;         /* as given in the options */
    int32_t *labels;              /* width*height; 0 = background, 1..n_particles */
    int n_particles;
    qmap_sem_particle *particles; /* n_particles, in label order */
    double threshold;             /* applied to the background-corrected image */
    double background_radius_px;  /* used (after auto) */
    int n_border_rejected;        /* particles removed because they touch the border */
    int n_small_rejected;         /* objects removed for being below min_area_px */
} qmap_sem_result;

/* Segment img and measure its particles. *out is new (free with qmap_sem_result_free).
 * Errors: bad options (QMAP_ERR_VALUE), no contrast to threshold, out of memory. */
int qmap_sem_analyse(const qmap_grey_image *img, const qmap_sem_options *o,
                     qmap_sem_result **out);
void qmap_sem_result_free(qmap_sem_result *r);

/* Log-normal fitted by maximum likelihood to x[0..n) (> 0): mu and sigma are the mean
 * and standard deviation (n - 1 denominator) of ln x. */
typedef struct {
    size_t n;
    double mu, sigma;
    double median;                /* exp(mu), same unit as x */
    double geometric_std;         /* exp(sigma), dimensionless */
} qmap_lognormal;

/* Fit; needs n >= 2 finite positive values (QMAP_ERR_VALUE otherwise). */
int qmap_lognormal_fit(const double *x, size_t n, qmap_lognormal *out);

/* Probability density of the fitted log-normal at x (> 0; 0 elsewhere). */
double qmap_lognormal_pdf(const qmap_lognormal *ln, double x);

/* Histogram of x[0..n) for the size distribution, from 0: with nbins > 0, nbins equal
 * bins up to the smallest 1, 2, 2.5 or 5 x 10^k at or above max(x); with nbins = 0, bins
 * of the largest such round width that gives at least sqrt(n) (5..40) bins up to max(x)
 * (so between that and 2.5 times as many). Sets [*lo, *hi] and *counts
 * (new: caller frees). Returns the number of bins or a negative status. */
int qmap_size_histogram(const double *x, size_t n, int nbins, double *lo, double *hi,
                        double **counts);

/* The figure of an analysis (SI Figures S6/S9 style): left, the image with each counted
 * particle tinted in its own colour; right, the histogram of equivalent diameters
 * (counts over [lo, hi] in nbins bins, in nm) with the fitted log-normal scaled to counts
 * (n x bin width x pdf), and the median and geometric standard deviation. Diameters are
 * shown in um when the median is 1 um or more. title is markup or NULL. New: free with
 * qmap_figure_free; NULL when out of memory. */
qmap_figure *qmap_sem_figure(const qmap_grey_image *img, const qmap_sem_result *r,
                             const qmap_lognormal *ln, const double *counts, int nbins,
                             double lo, double hi, const char *title);

#ifdef __cplusplus
}
#endif
#endif
