/* fit.h -- 1D peak fitting and thresholds used on per-position projections.
 *
 * The Gaussian model and initial guess follow XSOCS PeakFitter (docs/conventions.md
 * section 2): f(x) = A/(sqrt(2 pi) s) exp(-(x-c)^2/(2 s^2)),
 * A0 = sum(P)*(x_last-x_first)/N, c0 = x[argmax P], s0 = A0/(max P sqrt(2 pi)).
 * Solved by a Levenberg-Marquardt for these three parameters (fit.c); GSL's general
 * Levenberg-Marquardt (gsl_multifit_nlinear) on the same problem is the reference
 * (qmap_fit_gaussian_gsl, fit_gsl.c).
 */
#ifndef QMAP_FIT_H
#define QMAP_FIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double area, center, sigma;
    int status;      /* 1 = converged with finite positive sigma, 0 = failed (values NaN) */
} qmap_gauss_fit;

/* Fit the Gaussian to (x[i], y[i]), i < n (n >= 4). Never fails hard: a fit that does
 * not converge yields status 0 and NaNs. Thread-safe (no shared state). */
qmap_gauss_fit qmap_fit_gaussian(const double *x, const double *y, int n);

/* The same with the caller's work buffer of 2 n doubles (no allocation: one per thread). */
qmap_gauss_fit qmap_fit_gaussian_work(const double *x, const double *y, int n, double *work);

/* The reference: the same problem solved by GSL's Levenberg-Marquardt (gsl_multifit_nlinear,
 * XSOCS's solver family), slower; for tests and benchmarks. */
qmap_gauss_fit qmap_fit_gaussian_gsl(const double *x, const double *y, int n);

/* Otsu threshold of the finite values in v (n of them) with nbins histogram bins. NaN
 * if fewer than 2 distinct finite values. */
double qmap_otsu_threshold(const double *v, size_t n, int nbins);

/* The six faces of a VOI: bit 2*axis for the first slab along that axis (qx-, qy-, qz-),
 * bit 2*axis + 1 for the last (qx+, qy+, qz+). */
#define QMAP_FACES_ALL 0x3fu

/* One position's flat background per pixel hit, measured on the faces of its VOI that
 * `faces` names (QMAP_FACES_ALL: all six), the first and last slab along each axis (proj:
 * summed intensity per slab, in counts; hits: detector-pixel hits per slab, n[a] slabs): the
 * faces' intensity pooled over their hits, less the faces more than 3 Poisson standard
 * deviations above the pool (the peak's tail), at most half of them. NaN when no face named
 * has hits (face_background.c). */
double qmap_face_background(const double *const proj[3], const double *const hits[3], const int n[3],
                            unsigned faces);

/* The faces of a mask as text ("qx-, qy-, qy+"; "none" for 0), and back (names separated by
 * commas and spaces; QMAP_FACES_ALL for NULL or text with no face name). */
void qmap_faces_format(unsigned faces, char *out, size_t size);
unsigned qmap_faces_parse(const char *text);

/* How well the threshold t splits the finite values of v into two populations: Otsu's
 * separability, the between-class variance of {v < t} and {v >= t} over the total variance,
 * in [0, 1]. Two well-separated modes give nearly 1; one population gives what splitting it
 * gives: 2/pi = 0.64 for a normal distribution, 0.75 for a uniform one. NaN when a class is
 * empty or the values do not vary. */
double qmap_otsu_separability(const double *v, size_t n, double t);

#ifdef __cplusplus
}
#endif
#endif
