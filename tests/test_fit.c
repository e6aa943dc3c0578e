/* test_fit.c -- qmap_fit_gaussian against exact and noisy Gaussians and independent
 * closed forms (three-point log-parabola, discrete moments); qmap_otsu_threshold against
 * a brute-force between-class variance maximisation on the raw values.
 */
#include "qmap/fit.h"

#include <math.h>
#include <string.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


#include "check.h"

#define SQRT_2PI 2.5066282746310005

/* ---- fixed-seed RNG (splitmix64) and Gaussian deviates ---- */
static uint64_t rng_state = 2024;

static double rng_uniform(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(void)
{
    double u = rng_uniform(), v = rng_uniform();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static double gauss(double x, double a, double c, double s)
{
    double u = (x - c) / s;
    return a / (SQRT_2PI * s) * exp(-0.5 * u * u);
}

static double rel(double got, double want)
{
    return fabs(got - want) / fabs(want);
}

/* Exact Gaussians on 10..40 points, off-centre and spanning various widths. */
static void test_exact(void)
{
    double x[40], y[40];
    static const double cases[][5] = {
        /* n, area, center, sigma, half-range in sigmas */
        {10, 1.0, 0.3, 1.0, 4.0},     {12, 250.0, -3.2, 0.4, 3.0},
        {15, 3e4, 1.2345, 0.02, 3.5}, {20, 7.5, 10.0, 2.5, 2.5},
        {25, 1e-3, -0.5, 0.1, 5.0},   {40, 1e6, 4.0, 0.8, 6.0},
        {31, 42.0, 0.0, 1.0, 2.0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int n = (int)cases[k][0];
        double a = cases[k][1], c = cases[k][2], s = cases[k][3], h = cases[k][4];
        /* grid not centred on the peak: shifted by a third of a step */
        double step = 2.0 * h * s / (n - 1), x0 = c - h * s + step / 3.0;
        for (int i = 0; i < n; i++) {
            x[i] = x0 + i * step;
            y[i] = gauss(x[i], a, c, s);
        }
        qmap_gauss_fit f = qmap_fit_gaussian(x, y, n);
        CHECK(f.status == 1 && rel(f.area, a) < 1e-6 && fabs(f.center - c) < 1e-6 * s &&
                  rel(f.sigma, s) < 1e-6,
              "exact case %zu: status %d area %.9g (%g) center %.9g (%g) sigma %.9g (%g)", k,
              f.status, f.area, a, f.center, c, f.sigma, s);

        /* reversed order: same curve, reported with positive area and sigma */
        double xr[40], yr[40];
        for (int i = 0; i < n; i++) {
            xr[i] = x[n - 1 - i];
            yr[i] = y[n - 1 - i];
        }
        qmap_gauss_fit g = qmap_fit_gaussian(xr, yr, n);
        CHECK(g.status == 1 && rel(g.area, a) < 1e-6 && fabs(g.center - c) < 1e-6 * s &&
                  rel(g.sigma, s) < 1e-6,
              "reversed case %zu: status %d area %g center %g sigma %g", k, g.status, g.area,
              g.center, g.sigma);
    }
}

/* Independent closed form: ln y of an exact Gaussian is a parabola through any three
 * points, and its coefficients give centre, sigma and area directly. */
static void test_log_parabola(void)
{
    double x[16], y[16];
    double a = 12.5, c = 2.37, s = 0.61;
    for (int i = 0; i < 16; i++) {
        x[i] = 0.5 + 0.25 * i;
        y[i] = gauss(x[i], a, c, s);
    }
    int i0 = 5, i1 = 7, i2 = 10; /* any three points */
    double x0 = x[i0], x1 = x[i1], x2 = x[i2];
    double l0 = log(y[i0]), l1 = log(y[i1]), l2 = log(y[i2]);
    double d01 = (l1 - l0) / (x1 - x0), d12 = (l2 - l1) / (x2 - x1);
    double q = (d12 - d01) / (x2 - x0);       /* coefficient of x^2 */
    double b = d01 - q * (x0 + x1);           /* coefficient of x */
    double k0 = l0 - b * x0 - q * x0 * x0;    /* constant */
    double sig = sqrt(-1.0 / (2.0 * q)), cen = -b / (2.0 * q);
    double area = exp(k0 - b * b / (4.0 * q)) * SQRT_2PI * sig;
    qmap_gauss_fit f = qmap_fit_gaussian(x, y, 16);
    CHECK(f.status == 1 && rel(f.area, area) < 1e-6 && fabs(f.center - cen) < 1e-6 * sig &&
              rel(f.sigma, sig) < 1e-6,
          "log-parabola: fit (%g %g %g) vs closed form (%g %g %g)", f.area, f.center,
          f.sigma, area, cen, sig);
}

/* Noise-free and densely sampled over +-8 sigma: the discrete moments equal the
 * Gaussian's parameters to far below 1e-6, independently of any fitting. */
static void test_moments(void)
{
    enum { N = 40 };
    double x[N], y[N];
    double a = 3.3, c = -1.1, s = 0.9, step = 16.0 * s / (N - 1);
    for (int i = 0; i < N; i++) {
        x[i] = c - 8.0 * s + 0.37 * step + i * step;
        y[i] = gauss(x[i], a, c, s);
    }
    double m0 = 0, m1 = 0, m2 = 0;
    for (int i = 0; i < N; i++) {
        m0 += y[i];
        m1 += x[i] * y[i];
    }
    m1 /= m0;
    for (int i = 0; i < N; i++)
        m2 += (x[i] - m1) * (x[i] - m1) * y[i];
    double area = m0 * step, sig = sqrt(m2 / m0);
    qmap_gauss_fit f = qmap_fit_gaussian(x, y, N);
    CHECK(f.status == 1 && rel(f.area, area) < 1e-6 && fabs(f.center - m1) < 1e-6 * sig &&
              rel(f.sigma, sig) < 1e-6,
          "moments: fit (%.9g %.9g %.9g) vs moments (%.9g %.9g %.9g)", f.area, f.center,
          f.sigma, area, m1, sig);
}

/* Poisson-like noise (variance = counts) on a peak of ~2000 counts over a background of
 * a few counts, the situation of a projected q-space peak. */
static void test_noisy(void)
{
    double x[30], y[30];
    double worst_a = 0, worst_c = 0, worst_s = 0;
    for (int trial = 0; trial < 50; trial++) {
        double a = 800.0 + 20.0 * trial, c = 0.2 * (trial % 7) - 0.6,
               s = 0.15 + 0.01 * (trial % 11);
        for (int i = 0; i < 30; i++) {
            x[i] = -1.5 + 0.1 * i;
            double mu = gauss(x[i], a, c, s) + 2.0;
            y[i] = mu + sqrt(mu) * rng_normal() - 2.0;
        }
        qmap_gauss_fit f = qmap_fit_gaussian(x, y, 30);
        CHECK(f.status == 1, "noisy trial %d: status 0", trial);
        if (f.status != 1)
            continue;
        worst_a = fmax(worst_a, rel(f.area, a));
        worst_c = fmax(worst_c, fabs(f.center - c) / s);
        worst_s = fmax(worst_s, rel(f.sigma, s));
    }
    CHECK(worst_a < 0.03 && worst_c < 0.05 && worst_s < 0.03,
          "noisy: worst relative area %g, centre %g sigma, sigma %g", worst_a, worst_c,
          worst_s);
    printf("noisy Gaussians: worst rel. area %.4f, centre %.4f sigma, rel. sigma %.4f\n",
           worst_a, worst_c, worst_s);
}

/* NaN entries are skipped: the remaining points still define the exact Gaussian. */
static void test_nan_points(void)
{
    double x[20], y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i * 0.5;
        y[i] = gauss(x[i], 5.0, 4.6, 1.3);
    }
    y[3] = NAN;
    y[11] = NAN;
    x[15] = NAN;
    qmap_gauss_fit f = qmap_fit_gaussian(x, y, 20);
    CHECK(f.status == 1 && rel(f.area, 5.0) < 1e-6 && fabs(f.center - 4.6) < 1e-6 &&
              rel(f.sigma, 1.3) < 1e-6,
          "NaN points: status %d (%g %g %g)", f.status, f.area, f.center, f.sigma);
}

static int is_failed(qmap_gauss_fit f)
{
    return f.status == 0 && isnan(f.area) && isnan(f.center) && isnan(f.sigma);
}

static void test_degenerate(void)
{
    double x[12], y[12], z[12], neg[12], nan_y[12];
    for (int i = 0; i < 12; i++) {
        x[i] = i;
        y[i] = gauss(i, 10.0, 5.0, 1.5);
        z[i] = 0.0;
        neg[i] = -1.0 - i % 3;
        nan_y[i] = NAN;
    }
    CHECK(is_failed(qmap_fit_gaussian(x, z, 12)), "all-zero data did not fail");
    CHECK(is_failed(qmap_fit_gaussian(x, neg, 12)), "negative data did not fail");
    CHECK(is_failed(qmap_fit_gaussian(x, nan_y, 12)), "all-NaN data did not fail");
    CHECK(is_failed(qmap_fit_gaussian(x, y, 3)), "n = 3 did not fail");
    CHECK(is_failed(qmap_fit_gaussian(x, y, 0)), "n = 0 did not fail");
    CHECK(is_failed(qmap_fit_gaussian(NULL, y, 12)), "NULL x did not fail");
    double y3[12];
    for (int i = 0; i < 12; i++)
        y3[i] = i < 9 ? NAN : y[i];
    CHECK(is_failed(qmap_fit_gaussian(x, y3, 12)), "3 finite points did not fail");
    /* all x equal: zero range, zero initial sigma */
    double same[12];
    for (int i = 0; i < 12; i++)
        same[i] = 2.0;
    CHECK(is_failed(qmap_fit_gaussian(same, y, 12)), "equal x did not fail");
    /* a single spike and a flat line must simply not crash and be consistent */
    double spike[12] = {0};
    spike[6] = 100.0;
    qmap_gauss_fit f = qmap_fit_gaussian(x, spike, 12);
    CHECK(f.status == 0 ? is_failed(f) : (f.sigma > 0 && isfinite(f.area)),
          "spike: inconsistent result");
    double flat[12];
    for (int i = 0; i < 12; i++)
        flat[i] = 3.0;
    f = qmap_fit_gaussian(x, flat, 12);
    CHECK(f.status == 0 ? is_failed(f) : (f.sigma > 0 && f.center >= -11 && f.center <= 22),
          "flat: inconsistent result");
}

/* Many fits in parallel give the same results as serially (no shared state). */
static void test_threads(void)
{
    enum { M = 400, N = 24 };
    static double xs[N], ys[M][N];
    static qmap_gauss_fit serial[M], parallel[M];
    for (int i = 0; i < N; i++)
        xs[i] = 0.1 * i;
    for (int m = 0; m < M; m++)
        for (int i = 0; i < N; i++)
            ys[m][i] = gauss(xs[i], 1.0 + m, 0.8 + 0.002 * m, 0.3) + 0.01 * rng_normal();
    for (int m = 0; m < M; m++)
        serial[m] = qmap_fit_gaussian(xs, ys[m], N);
#ifdef _OPENMP
#pragma omp parallel for schedule(dynamic)
#endif
    for (int m = 0; m < M; m++)
        parallel[m] = qmap_fit_gaussian(xs, ys[m], N);
    int bad = 0;
    for (int m = 0; m < M; m++)
        if (serial[m].status != parallel[m].status || serial[m].status != 1 ||
            serial[m].area != parallel[m].area || serial[m].center != parallel[m].center ||
            serial[m].sigma != parallel[m].sigma)
            bad++;
    CHECK(bad == 0, "threads: %d of %d fits differ or failed", bad, M);
}

/* Issue 18: the fast solver against the reference (GSL's Levenberg-Marquardt on the same
 * problem, from the same start): projections as the pipeline fits them (20-60 bins, a
 * Gaussian of 1-8 bins width at a random place, Poisson-like noise and a flat background,
 * intensities from 30 to 3e4 counts). Where both converge, centres and widths agree within
 * 1e-3 of sigma; the two disagree on convergence in at most 1 % of the cases. */
static void test_against_gsl(void)
{
    int both = 0, status_differ = 0, over = 0, trials = 3000;
    double worst = 0;
    for (int t = 0; t < trials; t++) {
        int n = 20 + (int)(40 * rng_uniform());
        double x[64], y[64], s = (1.0 + 7.0 * rng_uniform()) * 1e-3, c = (0.2 + 0.6 * rng_uniform()) * n * 1e-3;
        double area = pow(10.0, 1.5 + 3.0 * rng_uniform()) * 1e-3, bg = 0.3 * rng_uniform();
        for (int i = 0; i < n; i++) {
            x[i] = 1.3 + i * 1e-3;
            double m = gauss(i * 1e-3, area, c, s) + bg;
            y[i] = fmax(0.0, m + sqrt(m) * rng_normal());
        }
        qmap_gauss_fit f = qmap_fit_gaussian(x, y, n), g = qmap_fit_gaussian_gsl(x, y, n);
        if (f.status != g.status) {
            status_differ++;
            continue;
        }
        if (!f.status)
            continue;
        both++;
        double d = fmax(fabs(f.center - g.center), fabs(f.sigma - g.sigma)) / g.sigma;
        worst = fmax(worst, d);
        over += d > 1e-3;
    }
    printf("fit vs GSL reference: %d of %d converged in both, %d differ in status, worst "
           "|difference|/sigma %.2e, %d over 1e-3\n", both, trials, status_differ, worst, over);
    CHECK(both > trials / 2, "fit vs GSL: only %d of %d fits converged in both", both, trials);
    CHECK(status_differ <= trials / 100, "fit vs GSL: %d of %d differ in status", status_differ, trials);
    CHECK(over <= both / 1000, "fit vs GSL: %d of %d fits differ by more than 1e-3 sigma (worst %.2e)",
          over, both, worst);
}

/* ---- Otsu ---- */

/* Raw between-class variance of the split {v < t} / {v >= t} (finite values only). */
static double raw_between_var(const double *v, size_t n, double t)
{
    double w0 = 0, w1 = 0, s0 = 0, s1 = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (v[i] < t) {
            w0++;
            s0 += v[i];
        } else {
            w1++;
            s1 += v[i];
        }
    }
    if (w0 == 0 || w1 == 0)
        return 0.0;
    double d = s0 / w0 - s1 / w1;
    return w0 * w1 * d * d;
}

/* Brute force: the best split among all nbins - 1 interior histogram edges. */
static double brute_best(const double *v, size_t n, int nbins)
{
    double lo = INFINITY, hi = -INFINITY, best = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    for (int j = 1; j < nbins; j++)
        best = fmax(best, raw_between_var(v, n, lo + j * (hi - lo) / nbins));
    return best;
}

static void test_otsu(void)
{
    enum { N = 3000 };
    static double v[N];
    /* two well separated modes (background ~ 100 +- 10, particle ~ 1000 +- 50) */
    double low_max = -INFINITY, high_min = INFINITY;
    for (int i = 0; i < N; i++) {
        if (i % 3 == 0) {
            v[i] = 1000.0 + 50.0 * rng_normal();
            high_min = fmin(high_min, v[i]);
        } else {
            v[i] = 100.0 + 10.0 * rng_normal();
            low_max = fmax(low_max, v[i]);
        }
    }
    v[17] = NAN;
    v[18] = INFINITY;
    for (int nbins = 16; nbins <= 1024; nbins *= 4) {
        double t = qmap_otsu_threshold(v, N, nbins);
        CHECK(t > low_max && t < high_min, "separated, %d bins: threshold %g not in (%g, %g)",
              nbins, t, low_max, high_min);
        double best = brute_best(v, N, nbins), got = raw_between_var(v, N, t);
        CHECK(got >= best * (1 - 1e-12), "separated, %d bins: variance %g < brute force %g",
              nbins, got, best);
        /* the gap's middle: halfway between the modes' extreme values within a bin */
        double w = 0;
        {
            double lo = INFINITY, hi = -INFINITY;
            for (int i = 0; i < N; i++)
                if (isfinite(v[i])) {
                    lo = fmin(lo, v[i]);
                    hi = fmax(hi, v[i]);
                }
            w = (hi - lo) / nbins;
        }
        CHECK(fabs(t - 0.5 * (low_max + high_min)) <= w,
              "separated, %d bins: threshold %g not mid-gap %g", nbins, t,
              0.5 * (low_max + high_min));
    }
    /* separability of the separated modes: close to 1 (between/total variance, closed form
     * for two point masses at the mode means: 1 - within/total) */
    {
        double t = qmap_otsu_threshold(v, N, 256), sep = qmap_otsu_separability(v, N, t);
        CHECK(sep > 0.98 && sep <= 1, "separated modes: separability %g", sep);
    }
    /* one population: a normal distribution split at its Otsu threshold (about its mean)
     * gives 2/pi, a uniform one 3/4 (closed forms) */
    for (int i = 0; i < N; i++)
        v[i] = 50.0 + 5.0 * rng_normal();
    {
        double t = qmap_otsu_threshold(v, N, 256), sep = qmap_otsu_separability(v, N, t);
        CHECK(fabs(sep - 2 / M_PI) < 0.02, "normal: separability %g, want 2/pi = %g", sep, 2 / M_PI);
    }
    for (int i = 0; i < N; i++)
        v[i] = (i + 0.5) / N;
    {
        double sep = qmap_otsu_separability(v, N, 0.5);
        CHECK(fabs(sep - 0.75) < 1e-6, "uniform split in the middle: separability %.9g, want 0.75", sep);
        CHECK(isnan(qmap_otsu_separability(v, N, 2.0)) && isnan(qmap_otsu_separability(v, N, -1.0)),
              "a split with an empty class gave a separability");
    }
    /* overlapping modes: the histogram optimum is close to the raw optimum */
    for (int i = 0; i < N; i++)
        v[i] = (i % 4 == 0 ? 30.0 : 10.0) + 6.0 * rng_normal();
    double t = qmap_otsu_threshold(v, N, 256);
    double best = brute_best(v, N, 256), got = raw_between_var(v, N, t);
    CHECK(t > 10.0 && t < 30.0 && got >= 0.999 * best,
          "overlapping: threshold %g, variance %g vs brute force %g", t, got, best);
    /* degenerate inputs */
    double one[5] = {2, 2, 2, NAN, 2}, nans[3] = {NAN, NAN, NAN};
    CHECK(isnan(qmap_otsu_threshold(one, 5, 64)), "single distinct value gave a threshold");
    CHECK(isnan(qmap_otsu_threshold(nans, 3, 64)), "all NaN gave a threshold");
    CHECK(isnan(qmap_otsu_threshold(v, 0, 64)), "n = 0 gave a threshold");
    CHECK(isnan(qmap_otsu_threshold(v, N, 1)), "1 bin gave a threshold");
    double two[2] = {1.0, 3.0};
    double t2 = qmap_otsu_threshold(two, 2, 10);
    CHECK(t2 > 1.0 && t2 <= 3.0, "two values: threshold %g", t2);
}

/* qmap_face_background: the intensity per hit pooled over the six faces (first and last slab
 * of each axis); a peak in the middle slabs does not count; a face more than 3 Poisson standard
 * deviations above the pool holds the peak's tail and leaves it, up to half of the faces;
 * faces without hits are left out. At a few counts per face the pool is unbiased (the median of
 * six read 25 % low at the simulation's default background). */
static double poisson_draw(uint64_t *state, double lambda)   /* Knuth's, for small lambda */
{
    double l = exp(-lambda), p = 1.0;
    int k = -1;
    do {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        p *= ((*state >> 11) + 0.5) / 9007199254740992.0;
        k++;
    } while (p > l);
    return k;
}

static void test_face_background(void)
{
    double px[5] = {20, 90, 900, 95, 22}, py[4] = {24, 500, 520, 30}, pz[3] = {18, 2000, 21};
    double hx[5] = {10, 40, 40, 40, 10}, hy[4] = {10, 200, 200, 10}, hz[3] = {10, 100, 10};
    const double *proj[3] = {px, py, pz}, *hits[3] = {hx, hy, hz};
    int n[3] = {5, 4, 3};
    /* faces 20, 22, 24, 30, 18, 21 counts on 10 hits each: within their noise, all pooled */
    double b = qmap_face_background(proj, hits, n, QMAP_FACES_ALL);
    CHECK(fabs(b - 135.0 / 60) < 1e-12, "face background %.15g, want 2.25", b);
    /* two faces on the peak's tail (200, 300 counts): both leave the pool, the other four stay */
    px[0] = 200, py[3] = 300;
    b = qmap_face_background(proj, hits, n, QMAP_FACES_ALL);
    CHECK(fabs(b - 85.0 / 40) < 1e-12, "two faces on the tail: %.15g, want the other four's 2.125", b);
    /* four faces on the tail: three leave (half of the faces stay), the pool reads high: what
     * the background check's "uneven" WARNING is for */
    pz[0] = 250;
    px[4] = 220;
    b = qmap_face_background(proj, hits, n, QMAP_FACES_ALL);
    CHECK(b > 5 && b < 25, "four faces on the tail: %g, want between the clean and the tail faces", b);
    /* the caller leaves out the faces it knows hold the tail (decided over the map): the
     * clean two pooled, whatever the per-position test says */
    unsigned clean = QMAP_FACES_ALL & ~(1u << 0 | 1u << 1 | 1u << 3 | 1u << 4);   /* qy-, qz+ */
    b = qmap_face_background(proj, hits, n, clean);
    CHECK(fabs(b - 45.0 / 20) < 1e-12, "faces named: %.15g, want qy- and qz+'s 2.25", b);
    px[0] = 20, py[3] = 30, pz[0] = 18, px[4] = 22;
    /* one slab along an axis: one face value, named by either of the axis' faces */
    {
        double p1[1] = {40}, h1[1] = {10};
        const double *proj1[3] = {p1, py, pz}, *hits1[3] = {h1, hy, hz};
        int n1[3] = {1, 4, 3};
        CHECK(fabs(qmap_face_background(proj1, hits1, n1, 1u << 1) - 4.0) < 1e-12, "one slab named by qx+");
        CHECK(isnan(qmap_face_background(proj1, hits1, n1, 0)), "no face named gave a background");
    }
    /* the faces as text and back */
    char text[64];
    qmap_faces_format(clean, text, sizeof text);
    CHECK(strcmp(text, "qy-, qz+") == 0 && qmap_faces_parse(text) == clean, "faces text '%s'", text);
    CHECK(qmap_faces_parse(NULL) == QMAP_FACES_ALL && qmap_faces_parse("none") == QMAP_FACES_ALL &&
              qmap_faces_parse("qx+,qz-") == (1u << 1 | 1u << 4) && qmap_faces_parse("aqx+") == QMAP_FACES_ALL,
          "faces parse");
    /* a face without hits is left out: five faces pooled */
    hx[0] = 0;
    b = qmap_face_background(proj, hits, n, QMAP_FACES_ALL);
    CHECK(fabs(b - 115.0 / 50) < 1e-12, "five faces: %.15g, want 2.3", b);
    /* no face with hits: NaN */
    hx[4] = hy[0] = hy[3] = hz[0] = hz[2] = 0;
    CHECK(isnan(qmap_face_background(proj, hits, n, QMAP_FACES_ALL)), "no face with hits gave a background");
    /* 3 counts per face on average (0.003 per hit on 1000 hits): the mean of the estimate over
     * 20 000 draws is the true background within 1 % (6 standard errors) */
    uint64_t st = 7;
    double sum = 0, h1000[2] = {1000, 1000}, f[3][2];
    const double *pf[3] = {f[0], f[1], f[2]}, *hf[3] = {h1000, h1000, h1000};
    int n2[3] = {2, 2, 2};
    for (int t = 0; t < 20000; t++) {
        for (int a = 0; a < 3; a++)
            for (int e = 0; e < 2; e++)
                f[a][e] = poisson_draw(&st, 3.0);
        sum += qmap_face_background(pf, hf, n2, QMAP_FACES_ALL);
    }
    CHECK(fabs(sum / 20000 / 0.003 - 1) < 0.01, "low counts: mean estimate %.5g per hit, want 0.003", sum / 20000);
}

int main(void)
{
    test_exact();
    test_log_parabola();
    test_moments();
    test_noisy();
    test_nan_points();
    test_degenerate();
    test_threads();
    test_against_gsl();
    test_otsu();
    test_face_background();
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
