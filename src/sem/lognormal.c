/* lognormal.c -- log-normal fit and histogram of a particle size distribution.
 *
 * The fit is by maximum likelihood, which for a log-normal is closed-form: the mean and
 * standard deviation of ln x (GSL statistics). Unlike a least-squares fit of the
 * histogram it does not depend on the binning. The sample standard deviation (n - 1)
 * is used, the usual unbiased choice for sigma^2.
 */
#include "qmap/sem.h"
#include "qmap/error.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

int qmap_lognormal_fit(const double *x, size_t n, qmap_lognormal *out)
{
    double *lx = malloc((n ? n : 1) * sizeof *lx);
    if (!lx)
        return qmap_error(QMAP_ERR_NOMEM, "log-normal fit of %zu values: out of memory", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]) && x[i] > 0)
            lx[m++] = log(x[i]);
    if (m < 2) {
        free(lx);
        return qmap_error(QMAP_ERR_VALUE, "log-normal fit needs at least 2 positive sizes, got %zu", m);
    }
    out->n = m;
    out->mu = gsl_stats_mean(lx, 1, m);
    out->sigma = gsl_stats_sd_m(lx, 1, m, out->mu);
    out->median = exp(out->mu);
    out->geometric_std = exp(out->sigma);
    free(lx);
    return QMAP_OK;
}

double qmap_lognormal_pdf(const qmap_lognormal *ln, double x)
{
    if (!(x > 0) || !(ln->sigma > 0))
        return 0;
    return gsl_ran_lognormal_pdf(x, ln->mu, ln->sigma);
}

/* Largest 1, 2, 2.5 or 5 x 10^k at or below v (> 0). */
static double nice_floor(double v)
{
    double p = pow(10, floor(log10(v)));
    static const double steps[] = {5, 2.5, 2, 1};
    for (int k = 0; k < 4; k++)
        if (steps[k] * p <= v * (1 + 1e-12))
            return steps[k] * p;
    return p;
}

/* Smallest 1, 2, 2.5 or 5 x 10^k at or above v (> 0). */
static double nice_ceiling(double v)
{
    double p = pow(10, floor(log10(v)));
    static const double steps[] = {1, 2, 2.5, 5, 10};
    for (int k = 0; k < 5; k++)
        if (steps[k] * p >= v * (1 - 1e-12))
            return steps[k] * p;
    return 10 * p;
}

int qmap_size_histogram(const double *x, size_t n, int nbins, double *lo, double *hi,
                        double **counts)
{
    *counts = NULL;
    double max = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            m++;
            if (x[i] > max)
                max = x[i];
        }
    if (nbins < 0 || nbins > 100000)
        return qmap_error(QMAP_ERR_VALUE, "histogram: %d bins (expected 1..100000, or 0 = automatic)", nbins);
    double width;
    *lo = 0;
    if (nbins > 0) {            /* as asked: nbins bins up to a round limit */
        *hi = max > 0 ? nice_ceiling(max) : 1;
        width = *hi / nbins;
    } else {                    /* at least sqrt(m) bins (5..40) of a round width */
        int want = (int)ceil(sqrt((double)m));
        want = want < 5 ? 5 : want > 40 ? 40 : want;
        width = nice_floor((max > 0 ? max : 1) / want);
        nbins = (int)ceil((max > 0 ? max : 1) / width * (1 - 1e-12));
        if (nbins < 1)
            nbins = 1;
        *hi = nbins * width;
    }
    double *c = calloc((size_t)nbins, sizeof *c);
    if (!c)
        return qmap_error(QMAP_ERR_NOMEM, "histogram of %d bins: out of memory", nbins);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || x[i] < 0)
            continue;
        int k = (int)floor(x[i] / width);
        if (k >= nbins)
            k = nbins - 1;
        c[k] += 1;
    }
    *counts = c;
    return nbins;
}
