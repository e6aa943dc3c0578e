/* fit.c -- per-position 1D Gaussian fit (XSOCS PeakFitter) and Otsu threshold.
 *
 * The Gaussian fit solves XSOCS's PeakFitter problem (docs/sxdm-reference.md section 8.2):
 * model f(x) = A/(sqrt(2 pi) s) exp(-(x-c)^2/(2 s^2)), least squares, from the same
 * closed-form initial guess (A0 = sum(y) (x_last - x_first)/N, c0 = x at the maximum,
 * s0 = A0/(max y sqrt(2 pi))). Issue 18: the solver is a Levenberg-Marquardt written for
 * these three parameters (normal equations of a 3 x 3 system solved in closed form,
 * Marquardt's diagonal scaling, no allocation: the caller may pass a work buffer, the
 * pipeline passes one per thread), 20-40 times faster per fit than GSL's general trust-region
 * driver, which is kept as the reference (fit_gsl.c, qmap_fit_gaussian_gsl): the tests and
 * bench/bench_fit.c compare the two (centres and widths within 1e-3 of sigma).
 * It runs once per map position and axis, typically under OpenMP: no shared state.
 *
 * Otsu's threshold splits per-position values (e.g. integrated intensity) into particle
 * and background by maximising the between-class variance of a histogram.
 */
#include "fit_internal.h"

#include <math.h>
#include <stdlib.h>

#define FIT_MAX_ITER 200     /* as the reference: not converged after this many steps = failed */
#define FIT_XTOL 1e-10       /* a step below this (relative) ends the fit: tighter than GSL's 1e-8 */
#define FIT_STACK_POINTS 512 /* work on the stack up to this many points */
#define FIT_RUNAWAY 10.0     /* centre this many x-ranges from the data: the fit has failed */

/* XSOCS initial guess on the finite points; 0 when the data carry no peak. */
int qmap__gauss_initial_guess(const double *x, const double *y, size_t n, double p0[3])
{
    double sum = 0.0, ymax = -INFINITY;
    size_t imax = 0;
    for (size_t i = 0; i < n; i++) {
        sum += y[i];
        if (y[i] > ymax) {
            ymax = y[i];
            imax = i;
        }
    }
    if (!(ymax > 0.0))
        return 0;
    double a0 = sum * (x[n - 1] - x[0]) / (double)n;
    double s0 = a0 / (ymax * SQRT_2PI);
    if (!isfinite(a0) || !isfinite(s0) || s0 == 0.0)
        return 0;
    p0[0] = a0;
    p0[1] = x[imax];
    p0[2] = s0;
    return 1;
}

/* Sum of squared residuals at p, and when jtj is given the normal equations J^T J, J^T r. */
static double residuals(const double *x, const double *y, size_t n, const double p[3], double jtj[6],
                        double jtr[3])
{
    double a = p[0], c = p[1], s = p[2], chi2 = 0.0, k = 1.0 / (SQRT_2PI * s), is = 1.0 / s;
    if (jtj)
        for (int i = 0; i < 6; i++) jtj[i] = i < 3 ? (jtr[i] = 0.0) : 0.0;
    for (size_t i = 0; i < n; i++) {
        double u = (x[i] - c) * is, g = k * exp(-0.5 * u * u), r = a * g - y[i];
        chi2 += r * r;
        if (jtj) {
            double j0 = g, j1 = a * g * u * is, j2 = a * g * (u * u - 1.0) * is;
            jtj[0] += j0 * j0; jtj[1] += j0 * j1; jtj[2] += j0 * j2;
            jtj[3] += j1 * j1; jtj[4] += j1 * j2; jtj[5] += j2 * j2;
            jtr[0] += j0 * r; jtr[1] += j1 * r; jtr[2] += j2 * r;
        }
    }
    return chi2;
}

/* Solve the symmetric 3 x 3 system M d = b (M packed as 00 01 02 11 12 22); 0 if singular. */
static int solve3(const double m[6], const double b[3], double d[3])
{
    double c00 = m[3] * m[5] - m[4] * m[4], c01 = m[2] * m[4] - m[1] * m[5], c02 = m[1] * m[4] - m[2] * m[3];
    double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
    if (!(fabs(det) > 0.0) || !isfinite(det))
        return 0;
    double c11 = m[0] * m[5] - m[2] * m[2], c12 = m[1] * m[2] - m[0] * m[4], c22 = m[0] * m[3] - m[1] * m[1];
    d[0] = (c00 * b[0] + c01 * b[1] + c02 * b[2]) / det;
    d[1] = (c01 * b[0] + c11 * b[1] + c12 * b[2]) / det;
    d[2] = (c02 * b[0] + c12 * b[1] + c22 * b[2]) / det;
    return isfinite(d[0]) && isfinite(d[1]) && isfinite(d[2]);
}

/* Levenberg-Marquardt from p (in place); 1 when it converged. A centre that runs further
 * than FIT_RUNAWAY x-ranges from the data ends the fit as failed at once: the result would be
 * refused anyway (centre within one x-range of the data), and such fits on positions without
 * a peak otherwise crawl to the iteration limit, the main cost of the fits of a map. */
static int solve(const double *x, const double *y, size_t n, double p[3])
{
    double xmid = 0.5 * (x[0] + x[n - 1]), range = fabs(x[n - 1] - x[0]);
    double jtj[6], jtr[3], lambda = 1e-3;
    double chi2 = residuals(x, y, n, p, jtj, jtr);
    if (!isfinite(chi2))
        return 0;
    for (int iter = 0; iter < FIT_MAX_ITER; iter++) {
        double diag[3] = {jtj[0], jtj[3], jtj[5]};
        for (int a = 0; a < 3; a++)
            if (!(diag[a] > 0.0)) diag[a] = 1e-300;
        for (;;) {   /* raise lambda until a step lowers chi^2 */
            double m[6] = {jtj[0] + lambda * diag[0], jtj[1], jtj[2], jtj[3] + lambda * diag[1], jtj[4],
                           jtj[5] + lambda * diag[2]};
            double b[3] = {-jtr[0], -jtr[1], -jtr[2]}, d[3], q[3];
            int ok = solve3(m, b, d);
            for (int a = 0; a < 3; a++)
                q[a] = p[a] + (ok ? d[a] : 0.0);
            double c2 = ok && q[2] != 0.0 && isfinite(q[2]) ? residuals(x, y, n, q, NULL, NULL) : INFINITY;
            if (c2 <= chi2) {
                int small = 1;
                for (int a = 0; a < 3; a++)
                    small = small && fabs(d[a]) <= FIT_XTOL * (fabs(p[a]) + FIT_XTOL);
                for (int a = 0; a < 3; a++)
                    p[a] = q[a];
                if (small || c2 == chi2)
                    return 1;
                if (fabs(p[1] - xmid) > FIT_RUNAWAY * range)
                    return 0;
                chi2 = residuals(x, y, n, p, jtj, jtr);
                lambda = lambda * 0.1 > 1e-12 ? lambda * 0.1 : 1e-12;
                break;
            }
            lambda *= 10.0;
            if (lambda > 1e16)   /* no step lowers chi^2: p is the minimum to machine precision */
                return iter > 0;
        }
    }
    return 0;
}

qmap_gauss_fit qmap_fit_gaussian_work(const double *x, const double *y, int n, double *work)
{
    if (!x || !y || !work || n < 4)
        return qmap__gauss_failed();
    double *xs = work, *ys = work + n;
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
    double p[3];
    if (m < 4 || !qmap__gauss_initial_guess(xs, ys, m, p) || !solve(xs, ys, m, p))
        return qmap__gauss_failed();
    double width = xmax - xmin;
    if (!isfinite(p[0]) || !isfinite(p[1]) || !isfinite(p[2]) || p[2] == 0.0 ||
        p[1] < xmin - width || p[1] > xmax + width)
        return qmap__gauss_failed();
    /* (A, c, s) and (-A, c, -s) are the same curve: report s > 0 (decreasing x gives a
     * negative initial guess for both). */
    qmap_gauss_fit out = {p[2] < 0.0 ? -p[0] : p[0], p[1], fabs(p[2]), 1};
    return out;
}

qmap_gauss_fit qmap_fit_gaussian(const double *x, const double *y, int n)
{
    if (n <= FIT_STACK_POINTS) {
        double work[2 * FIT_STACK_POINTS];
        return qmap_fit_gaussian_work(x, y, n, work);
    }
    double *work = malloc(2 * sizeof *work * (size_t)n);
    qmap_gauss_fit f = qmap_fit_gaussian_work(x, y, n, work);
    free(work);
    return f;
}

/* Between-class variance (up to the constant 1/total^2) of splitting after bin k. */
static double between_var(double w0, double s0, double total, double sum)
{
    double w1 = total - w0;
    if (w0 <= 0.0 || w1 <= 0.0)
        return 0.0;
    double d = s0 / w0 - (sum - s0) / w1;
    return w0 * w1 * d * d;
}

/* Otsu on an nbins histogram over [min, max] of the finite values. Class 0 is bins
 * 0..k; the best k maximises the between-class variance computed from bin centres.
 * Returned threshold: the bin edge after k, so that the upper class is exactly
 * {v >= t}. When several consecutive k give the same variance (empty bins between two
 * modes: same partition), t is the middle of that run of edges, i.e. the middle of the
 * gap. (skimage's threshold_otsu returns instead the centre of the first best bin,
 * which can fall below values of the lower class.) */
double qmap_otsu_threshold(const double *v, size_t n, int nbins)
{
    if (!v || nbins < 2)
        return NAN;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(v[i])) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
    }
    if (!(hi > lo))
        return NAN; /* no finite value, or a single distinct one */
    double *hist = calloc((size_t)nbins, sizeof *hist);
    if (!hist)
        return NAN;
    double width = (hi - lo) / nbins, total = 0.0, sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        int b = (int)((v[i] - lo) / (hi - lo) * nbins);
        hist[b >= nbins ? nbins - 1 : b] += 1.0;
    }
    for (int b = 0; b < nbins; b++) {
        total += hist[b];
        sum += hist[b] * (lo + (b + 0.5) * width);
    }
    double w0 = 0.0, s0 = 0.0, best = -1.0;
    int first = 0, last = 0;
    for (int k = 0; k < nbins - 1; k++) {
        w0 += hist[k];
        s0 += hist[k] * (lo + (k + 0.5) * width);
        double var = between_var(w0, s0, total, sum);
        if (var > best) {
            best = var;
            first = last = k;
        } else if (last == k - 1 && var >= best * (1.0 - 1e-12)) {
            last = k; /* same partition as the best one (empty bins) */
        }
    }
    free(hist);
    return lo + 0.5 * ((first + 1) + (last + 1)) * width;
}

double qmap_otsu_separability(const double *v, size_t n, double t)
{
    double n0 = 0, n1 = 0, s0 = 0, s1 = 0, mean = 0, m2 = 0, cnt = 0;
    for (size_t i = 0; v && i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        cnt += 1;   /* Welford: the total variance without cancellation */
        double d = v[i] - mean;
        mean += d / cnt;
        m2 += d * (v[i] - mean);
        if (v[i] >= t) {
            n1 += 1;
            s1 += v[i];
        } else {
            n0 += 1;
            s0 += v[i];
        }
    }
    if (n0 == 0 || n1 == 0 || !(m2 > 0))
        return NAN;
    double dm = s1 / n1 - s0 / n0, between = n0 * n1 / (cnt * cnt) * dm * dm;
    double r = between / (m2 / cnt);
    return r > 1 ? 1 : r;
}
