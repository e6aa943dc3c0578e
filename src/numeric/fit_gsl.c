/* fit_gsl.c -- the reference Gaussian fit: XSOCS's PeakFitter solved with GSL's
 * Levenberg-Marquardt (gsl_multifit_nlinear, analytic Jacobian), as qmap used before
 * issue 18. qmap_fit_gaussian (fit.c) is the fast solver the pipeline uses; this one is kept
 * as the independent reference its tests compare to (tests/test_fit.c, bench/bench_fit.c):
 * same model, same initial guess, GSL's own solver.
 *
 * GSL's default error handler aborts the process. qmap_fit_gaussian_gsl turns it off once,
 * process-wide, through pthread_once (thread-safe), so that a singular or diverging fit
 * returns a status instead. This also affects other GSL users in the same process: they
 * must check GSL return codes (which they should do anyway).
 */
#include "fit_internal.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#define FIT_MAX_ITER 200
#define FIT_XTOL 1e-8
#define FIT_GTOL 1e-8
#define FIT_FTOL 1e-8

static pthread_once_t gsl_handler_once = PTHREAD_ONCE_INIT;

static void gsl_handler_off(void)
{
    gsl_set_error_handler_off();
}

typedef struct {
    const double *x, *y;
    size_t n;
} gauss_data;

/* Residuals r_i = f(x_i) - y_i for parameters (A, c, s). */
static int gauss_f(const gsl_vector *p, void *params, gsl_vector *r)
{
    const gauss_data *d = params;
    double a = gsl_vector_get(p, 0), c = gsl_vector_get(p, 1), s = gsl_vector_get(p, 2);
    if (s == 0.0 || !isfinite(s))
        return GSL_EDOM;
    for (size_t i = 0; i < d->n; i++) {
        double u = (d->x[i] - c) / s;
        gsl_vector_set(r, i, a / (SQRT_2PI * s) * exp(-0.5 * u * u) - d->y[i]);
    }
    return GSL_SUCCESS;
}

/* Jacobian: df/dA = g, df/dc = A g u/s, df/ds = A g (u^2 - 1)/s,
 * with g = exp(-u^2/2)/(sqrt(2 pi) s), u = (x - c)/s. */
static int gauss_df(const gsl_vector *p, void *params, gsl_matrix *j)
{
    const gauss_data *d = params;
    double a = gsl_vector_get(p, 0), c = gsl_vector_get(p, 1), s = gsl_vector_get(p, 2);
    if (s == 0.0 || !isfinite(s))
        return GSL_EDOM;
    for (size_t i = 0; i < d->n; i++) {
        double u = (d->x[i] - c) / s;
        double g = exp(-0.5 * u * u) / (SQRT_2PI * s);
        gsl_matrix_set(j, i, 0, g);
        gsl_matrix_set(j, i, 1, a * g * u / s);
        gsl_matrix_set(j, i, 2, a * g * (u * u - 1.0) / s);
    }
    return GSL_SUCCESS;
}

/* Run Levenberg-Marquardt from p0; on convergence p holds (A, c, s) and 1 is returned. */
static int solve(const gauss_data *d, const double p0[3], double p[3])
{
    gsl_multifit_nlinear_parameters params = gsl_multifit_nlinear_default_parameters();
    params.trs = gsl_multifit_nlinear_trs_lm;
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &params, d->n, 3);
    if (!w)
        return 0;
    gsl_multifit_nlinear_fdf fdf = {0};
    fdf.f = gauss_f;
    fdf.df = gauss_df;
    fdf.fvv = NULL;
    fdf.n = d->n;
    fdf.p = 3;
    fdf.params = (void *)d;
    gsl_vector_const_view start = gsl_vector_const_view_array(p0, 3);
    int info = 0, ok = 0;
    if (gsl_multifit_nlinear_init(&start.vector, &fdf, w) == GSL_SUCCESS &&
        gsl_multifit_nlinear_driver(FIT_MAX_ITER, FIT_XTOL, FIT_GTOL, FIT_FTOL, NULL, NULL,
                                    &info, w) == GSL_SUCCESS) {
        const gsl_vector *sol = gsl_multifit_nlinear_position(w);
        for (int k = 0; k < 3; k++)
            p[k] = gsl_vector_get(sol, (size_t)k);
        ok = 1;
    }
    gsl_multifit_nlinear_free(w);
    return ok;
}

qmap_gauss_fit qmap_fit_gaussian_gsl(const double *x, const double *y, int n)
{
    pthread_once(&gsl_handler_once, gsl_handler_off);
    if (!x || !y || n < 4)
        return qmap__gauss_failed();
    double *xs = malloc(sizeof *xs * (size_t)n), *ys = malloc(sizeof *ys * (size_t)n);
    qmap_gauss_fit out = qmap__gauss_failed();
    if (!xs || !ys)
        goto done;
    size_t m = 0;
    double xmin = INFINITY, xmax = -INFINITY;
    for (int i = 0; i < n; i++) {
        if (isfinite(x[i]) && isfinite(y[i])) {
            xs[m] = x[i];
            ys[m++] = y[i];
            xmin = x[i] < xmin ? x[i] : xmin;
            xmax = x[i] > xmax ? x[i] : xmax;
        }
    }
    double p0[3], p[3];
    gauss_data d = {xs, ys, m};
    if (m < 4 || !qmap__gauss_initial_guess(xs, ys, m, p0) || !solve(&d, p0, p))
        goto done;
    double width = xmax - xmin;
    if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]) || p[2] == 0.0 ||
        p[1] < xmin - width || p[1] > xmax + width)
        goto done;
    /* (A, c, s) and (-A, c, -s) are the same curve: report s > 0 (decreasing x gives a
     * negative initial guess for both). */
    out.area = p[2] < 0.0 ? -p[0] : p[0];
    out.center = p[1];
    out.sigma = fabs(p[2]);
    out.status = 1;
done:
    free(xs);
    free(ys);
    return out;
}

