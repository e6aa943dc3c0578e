/* shift.c -- sub-pixel registration of two SXDM maps and a straight-line drift fit.
 *
 * The particle drifts between eta scans (docs/sxdm-reference.md section 5), so each
 * scan's integrated-intensity map is registered against a reference: both maps are
 * background-subtracted and Tukey-windowed, their cross-power spectrum (optionally
 * phase-normalised) is inverse transformed with FFTW, the integer peak located, and the
 * peak refined to 1/upsample pixel by evaluating the inverse DFT only on a 1.5 x 1.5
 * pixel neighbourhood with two small matrix products (Guizar-Sicairos, Thurman & Fienup,
 * Opt. Lett. 33, 156 (2008); the method behind skimage's phase_cross_correlation).
 * Why plain cross-correlation and a narrow taper are the defaults: see default_options.
 *
 * Threading: FFTW's planner is not thread-safe, so plan creation and destruction are
 * serialised by a static mutex; fftw_execute_dft on distinct arrays runs concurrently.
 * qmap_phase_correlation may therefore be called from several threads at once, as long
 * as other code in the process that plans with FFTW does not plan at the same moment
 * (qmap code that plans should take the same care).
 */
#include "qmap/shift.h"
#include "qmap/error.h"

#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#define QMAP_TWO_PI 6.283185307179586476925286766559

/* Relative floor of the cross-power magnitude before phase normalisation (avoids 0/0). */
#define CROSS_POWER_EPS 1e-12

/* Defaults, chosen from tests/test_shift.c (worst errors over shifts of up to +-5 px,
 * upsample 20..100, Poisson-like noise; maps 64x64, 24x32, 40x28):
 * - Plain cross-correlation, not phase normalisation: whitening gives every spectral bin
 *   unit weight, but a smooth particle only has signal at low frequencies, so the
 *   noise-only bins dominate. Phase mode erred by up to 1 px on noisy 64x64 maps (0.2-0.4
 *   px on the small ones) and 0.02-0.07 px even without noise, against <= 0.05 px for
 *   plain cross-correlation. Phase mode stays available (skimage's default, used by the
 *   sxdm tutorial) through qmap_phase_correlation_ex.
 * - Tukey window with alpha 0.25 (cosine taper over the outer 12.5% of each side, flat
 *   inside). Any window is static while the particle moves, so the part of it that covers
 *   the particle pulls the peak towards zero shift: a Hann window (alpha 1) biased the
 *   recovered shifts by up to 1.6 px, alpha 0.5 by up to 0.45 px on 24x32 and 40x28 maps.
 *   Without a window (alpha 0) an isolated particle registers best, but content crossing
 *   the border (a neighbouring particle drifting into view) then wraps around: errors of
 *   0.6-0.8 px against 0.4 px with alpha 0.25, which keeps isolated-particle errors
 *   <= 0.1 px. */
static const qmap_pcc_options default_options = {QMAP_PCC_CROSS, 0.25};

static pthread_mutex_t fftw_plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* Tukey window of length n at index i: flat, with a cosine taper over the outer a/2 of
 * each side (a = 0: no window, a = 1: Hann). */
static double tukey(int i, int n, double a)
{
    if (n < 2 || a <= 0.0)
        return 1.0;
    double x = (double)i / (double)(n - 1); /* 0..1 */
    if (x < a / 2.0)
        return 0.5 * (1.0 - cos(QMAP_TWO_PI * x / a));
    if (x > 1.0 - a / 2.0)
        return 0.5 * (1.0 - cos(QMAP_TWO_PI * (1.0 - x) / a));
    return 1.0;
}

/* Mean of the finite values on the outer ring of pixels (NaN when there are none). */
static double border_mean(const double *in, int rows, int cols)
{
    double sum = 0.0;
    size_t count = 0;
    for (int i = 0; i < rows; i++) {
        int step = (i == 0 || i == rows - 1) ? 1 : cols - 1;
        for (int j = 0; j < cols; j += step) {
            double v = in[(size_t)i * cols + j];
            if (isfinite(v)) {
                sum += v;
                count++;
            }
        }
    }
    return count ? sum / (double)count : NAN;
}

/* Copy a map into a complex buffer, ready for the transform. Non-finite values count as
 * background. The level subtracted is the mean of the border ring rather than the global
 * mean: the window tapers the map towards that level, so an isolated particle on a flat
 * background is left untouched, whereas the global mean (raised by the particle) leaves
 * a static window-shaped plateau that correlates with itself and pulls the peak towards
 * zero (up to 0.08 px on noise-free 64x64 maps in the tests). Fails when the map carries
 * no feature (no finite value, or all finite values equal). */
static int prepare_map(const double *in, int rows, int cols, const double *wr,
                       const double *wc, fftw_complex *out, const char *name)
{
    size_t n = (size_t)rows * (size_t)cols, count = 0;
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(in[i])) {
            sum += in[i];
            count++;
            lo = in[i] < lo ? in[i] : lo;
            hi = in[i] > hi ? in[i] : hi;
        }
    }
    if (count == 0)
        return qmap_error(QMAP_ERR_VALUE,
                          "drift registration (cross-correlation): %s map (%dx%d) has no finite value", name,
                          rows, cols);
    double mean = sum / (double)count;
    if (!(hi - lo > 1e-12 * fabs(mean)))
        return qmap_error(QMAP_ERR_VALUE,
                          "drift registration (cross-correlation): %s map (%dx%d) is constant (value %g), "
                          "no feature to register",
                          name, rows, cols, mean);
    double level = border_mean(in, rows, cols);
    if (!isfinite(level))
        level = mean;
    for (size_t i = 0; i < n; i++) {
        double v = isfinite(in[i]) ? in[i] - level : 0.0;
        out[i] = v * wr[i / (size_t)cols] * wc[i % (size_t)cols];
    }
    return QMAP_OK;
}

/* p <- p / |p| (phase only), with a floor relative to the largest magnitude. */
static void normalise_cross_power(fftw_complex *p, size_t n)
{
    double maxmag = 0.0;
    for (size_t i = 0; i < n; i++)
        if (cabs(p[i]) > maxmag)
            maxmag = cabs(p[i]);
    double eps = CROSS_POWER_EPS * maxmag + 1e-300;
    for (size_t i = 0; i < n; i++)
        p[i] /= cabs(p[i]) + eps;
}

/* Signed DFT frequency of bin k in a transform of length n (numpy fftfreq * n). */
static int signed_freq(int k, int n)
{
    return k <= (n - 1) / 2 ? k : k - n;
}

/* Row/column index of the maximum of the real part of a rows x cols buffer. */
static void argmax_real(const fftw_complex *c, int rows, int cols, int *pr, int *pc)
{
    size_t best = 0, n = (size_t)rows * (size_t)cols;
    for (size_t i = 1; i < n; i++)
        if (creal(c[i]) > creal(c[best]))
            best = i;
    *pr = (int)(best / (size_t)cols);
    *pc = (int)(best % (size_t)cols);
}

/* kern[k * m + j] = exp(2 pi i f(k) x_j / n), x_j = x0 + (j - half) / up, j < m. */
static void dft_kernel(fftw_complex *kern, int n, int m, double x0, int half, int up)
{
    for (int k = 0; k < n; k++) {
        double f = (double)signed_freq(k, n);
        for (int j = 0; j < m; j++) {
            double x = x0 + (double)(j - half) / (double)up;
            kern[(size_t)k * m + j] = cexp(I * (QMAP_TWO_PI * f * x / (double)n));
        }
    }
}

/* Refine the integer peak (r0, c0) of the inverse transform of p by evaluating that
 * inverse DFT on an m x m grid of step 1/up centred on the peak (m = ceil(1.5 up)).
 * The real part is used: for a real image pair it is the Hermitian-symmetric
 * interpolant (the even-length Nyquist term enters as a cosine). */
static int refine_peak(const fftw_complex *p, int rows, int cols, int up, double *r0,
                       double *c0)
{
    int m = (int)ceil(1.5 * up), half = m / 2;
    fftw_complex *kr = malloc(sizeof *kr * (size_t)rows * m);
    fftw_complex *kc = malloc(sizeof *kc * (size_t)cols * m);
    fftw_complex *t = malloc(sizeof *t * (size_t)rows * m);
    if (!kr || !kc || !t) {
        free(kr);
        free(kc);
        free(t);
        return qmap_error(QMAP_ERR_NOMEM, "drift registration (cross-correlation): no memory for %dx upsampling",
                          up);
    }
    dft_kernel(kr, rows, m, *r0, half, up);
    dft_kernel(kc, cols, m, *c0, half, up);
    /* t[kr][j] = sum_kc p[kr][kc] kc[kc][j] */
    for (int a = 0; a < rows; a++) {
        for (int j = 0; j < m; j++)
            t[(size_t)a * m + j] = 0.0;
        for (int b = 0; b < cols; b++) {
            fftw_complex v = p[(size_t)a * cols + b];
            const fftw_complex *row = kc + (size_t)b * m;
            for (int j = 0; j < m; j++)
                t[(size_t)a * m + j] += v * row[j];
        }
    }
    /* out[i][j] = Re sum_kr kr[kr][i] t[kr][j]; keep the maximum */
    double best = -INFINITY;
    int bi = half, bj = half;
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
            double s = 0.0;
            for (int a = 0; a < rows; a++)
                s += creal(kr[(size_t)a * m + i] * t[(size_t)a * m + j]);
            if (s > best) {
                best = s;
                bi = i;
                bj = j;
            }
        }
    }
    *r0 += (double)(bi - half) / (double)up;
    *c0 += (double)(bj - half) / (double)up;
    free(kr);
    free(kc);
    free(t);
    return QMAP_OK;
}

/* Plan (under the lock) and run the two forward transforms, the cross-power spectrum
 * (phase-normalised if asked) and its inverse. On return a holds the correlation and b
 * the cross-power spectrum. */
static int correlate(fftw_complex *a, fftw_complex *b, int rows, int cols, int phase)
{
    pthread_mutex_lock(&fftw_plan_lock);
    fftw_plan fwd = fftw_plan_dft_2d(rows, cols, a, a, FFTW_FORWARD, FFTW_ESTIMATE);
    fftw_plan inv = fftw_plan_dft_2d(rows, cols, a, a, FFTW_BACKWARD, FFTW_ESTIMATE);
    pthread_mutex_unlock(&fftw_plan_lock);
    if (!fwd || !inv) {
        pthread_mutex_lock(&fftw_plan_lock);
        if (fwd)
            fftw_destroy_plan(fwd);
        if (inv)
            fftw_destroy_plan(inv);
        pthread_mutex_unlock(&fftw_plan_lock);
        return qmap_error(QMAP_ERR_INTERNAL, "drift registration (cross-correlation): FFTW could not plan a "
                          "%dx%d transform", rows, cols);
    }
    fftw_execute_dft(fwd, a, a);
    fftw_execute_dft(fwd, b, b);
    size_t n = (size_t)rows * (size_t)cols;
    /* moving = ref shifted by d: B = A exp(-2 pi i k d / n), so the inverse transform of
     * B conj(A) peaks at +d. */
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] * conj(a[i]);
    if (phase)
        normalise_cross_power(a, n);
    for (size_t i = 0; i < n; i++)
        b[i] = a[i]; /* keep the spectrum for the refinement */
    fftw_execute_dft(inv, a, a);
    pthread_mutex_lock(&fftw_plan_lock);
    fftw_destroy_plan(fwd);
    fftw_destroy_plan(inv);
    pthread_mutex_unlock(&fftw_plan_lock);
    return QMAP_OK;
}

int qmap_phase_correlation(const double *ref, const double *moving, int rows, int cols,
                           int upsample, double *drow, double *dcol)
{
    return qmap_phase_correlation_ex(ref, moving, rows, cols, upsample, NULL, drow, dcol);
}

int qmap_phase_correlation_ex(const double *ref, const double *moving, int rows, int cols,
                              int upsample, const qmap_pcc_options *options, double *drow,
                              double *dcol)
{
    const qmap_pcc_options *opt = options ? options : &default_options;
    if (!ref || !moving || !drow || !dcol)
        return qmap_error(QMAP_ERR_VALUE, "drift registration (cross-correlation): NULL argument");
    if (rows < 4 || cols < 4)
        return qmap_error(QMAP_ERR_VALUE,
                          "drift registration (cross-correlation): map %dx%d too small (need >= 4x4)", rows, cols);
    if (upsample < 1)
        return qmap_error(QMAP_ERR_VALUE, "drift registration (cross-correlation): upsample %d < 1", upsample);
    if (!(opt->window_alpha >= 0.0 && opt->window_alpha <= 1.0))
        return qmap_error(QMAP_ERR_VALUE,
                          "drift registration (cross-correlation): window alpha %g outside [0, 1]",
                          opt->window_alpha);
    if (opt->normalization != QMAP_PCC_CROSS && opt->normalization != QMAP_PCC_PHASE)
        return qmap_error(QMAP_ERR_VALUE, "drift registration (cross-correlation): unknown normalization %d",
                          (int)opt->normalization);

    size_t n = (size_t)rows * (size_t)cols;
    fftw_complex *a = fftw_malloc(sizeof *a * n);
    fftw_complex *b = fftw_malloc(sizeof *b * n);
    double *wr = malloc(sizeof *wr * (size_t)rows);
    double *wc = malloc(sizeof *wc * (size_t)cols);
    int rc = QMAP_OK;
    if (!a || !b || !wr || !wc) {
        rc = qmap_error(QMAP_ERR_NOMEM, "drift registration (cross-correlation): no memory for %dx%d maps", rows,
                        cols);
        goto done;
    }
    for (int i = 0; i < rows; i++)
        wr[i] = tukey(i, rows, opt->window_alpha);
    for (int j = 0; j < cols; j++)
        wc[j] = tukey(j, cols, opt->window_alpha);
    if ((rc = prepare_map(ref, rows, cols, wr, wc, a, "reference")) != QMAP_OK)
        goto done;
    if ((rc = prepare_map(moving, rows, cols, wr, wc, b, "moving")) != QMAP_OK)
        goto done;
    if ((rc = correlate(a, b, rows, cols, opt->normalization == QMAP_PCC_PHASE)) !=
        QMAP_OK)
        goto done;

    int pr, pc;
    argmax_real(a, rows, cols, &pr, &pc);
    double r0 = pr > rows / 2 ? pr - rows : pr; /* wrap: shifts > n/2 are negative */
    double c0 = pc > cols / 2 ? pc - cols : pc;
    if (upsample > 1 && (rc = refine_peak(b, rows, cols, upsample, &r0, &c0)) != QMAP_OK)
        goto done;
    *drow = r0;
    *dcol = c0;
done:
    fftw_free(a);
    fftw_free(b);
    free(wr);
    free(wc);
    return rc;
}

int qmap_fit_line(const double *x, const double *y, int n, double *a, double *b)
{
    if (!x || !y || !a || !b)
        return qmap_error(QMAP_ERR_VALUE, "line fit: NULL argument");
    if (n < 2)
        return qmap_error(QMAP_ERR_VALUE, "line fit: %d point(s), need >= 2", n);
    double mx = 0.0, my = 0.0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            return qmap_error(QMAP_ERR_VALUE, "line fit: point %d (%g, %g) is not finite",
                              i, x[i], y[i]);
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxx = 0.0, sxy = 0.0;
    for (int i = 0; i < n; i++) {
        sxx += (x[i] - mx) * (x[i] - mx);
        sxy += (x[i] - mx) * (y[i] - my);
    }
    if (!(sxx > 0.0))
        return qmap_error(QMAP_ERR_VALUE, "line fit: all %d x values equal (%g)", n, x[0]);
    *b = sxy / sxx;
    *a = my - *b * mx;
    return QMAP_OK;
}
