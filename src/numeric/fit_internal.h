/* fit_internal.h -- what the fast Gaussian solver (fit.c) and the GSL reference (fit_gsl.c)
 * share: the model constant, the failed result and XSOCS's closed-form initial guess, so that
 * the two solvers compared in the tests start from the very same point. */
#ifndef QMAP_FIT_INTERNAL_H
#define QMAP_FIT_INTERNAL_H

#include "qmap/fit.h"

#include <math.h>
#include <stddef.h>

#define SQRT_2PI 2.5066282746310005024157652848110

static inline qmap_gauss_fit qmap__gauss_failed(void)
{
    qmap_gauss_fit f = {NAN, NAN, NAN, 0};
    return f;
}

/* XSOCS initial guess (A0, c0, s0) on n finite points; 0 when the data carry no peak. */
int qmap__gauss_initial_guess(const double *x, const double *y, size_t n, double p0[3]);

#endif
