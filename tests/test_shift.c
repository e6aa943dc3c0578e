/* test_shift.c -- qmap_phase_correlation on synthetic particle maps, qmap_fit_line.
 *
 * The particle is an elliptical blob with internal texture (a sum of Gaussians) on a
 * weak background; the moving map evaluates the same model at shifted coordinates, so
 * the sub-pixel shift is exact and independent of any FFT. Poisson-like noise comes
 * from a fixed-seed generator written here (Gaussian with variance = expected counts).
 */
#include "qmap/error.h"
#include "qmap/shift.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


#include "check.h"

/* ---- fixed-seed RNG (splitmix64) and Gaussian deviates (Box-Muller) ---- */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_uniform(void) /* (0, 1) */
{
    return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0;
}

static double rng_normal(void)
{
    double u = rng_uniform(), v = rng_uniform();
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* ---- particle model ---- */
typedef struct {
    double r, c, sr, sc, rho, amp; /* centre, widths, correlation, peak counts */
} blob;

#define NBLOB 5 /* particle body, three internal features, optional neighbour */
#define PEAK 2000.0 /* counts at the particle body's maximum */
#define BACKGROUND 20.0

static double blob_value(const blob *b, double r, double c)
{
    double u = (r - b->r) / b->sr, v = (c - b->c) / b->sc;
    double q = (u * u - 2.0 * b->rho * u * v + v * v) / (1.0 - b->rho * b->rho);
    return b->amp * exp(-0.5 * q);
}

/* Particle centred at (r0, c0) with size scale s: one tilted elliptical body plus three
 * smaller internal features; out[4] is a neighbouring particle cut by the left map
 * border when `neighbour` is set (zero amplitude otherwise). */
static void particle(double r0, double c0, double s, int neighbour, blob out[NBLOB])
{
    out[0] = (blob){r0, c0, 1.0 * s, 1.5 * s, 0.3, PEAK};
    out[1] = (blob){r0 - 0.5 * s, c0 + 0.6 * s, 0.35 * s, 0.4 * s, 0.0, 0.6 * PEAK};
    out[2] = (blob){r0 + 0.6 * s, c0 - 0.4 * s, 0.3 * s, 0.5 * s, -0.2, 0.45 * PEAK};
    out[3] = (blob){r0 + 0.1 * s, c0 + 1.2 * s, 0.45 * s, 0.3 * s, 0.1, 0.3 * PEAK};
    out[4] = (blob){0.4 * r0, 0.0, 0.8 * s, 0.8 * s, 0.0, neighbour ? 0.8 * PEAK : 0.0};
}

/* Map of the particle displaced by (dr, dc): value at pixel (i, j) is the model at
 * (i - dr, j - dc). noise != 0 adds Gaussian noise with variance = counts. */
static void render(double *map, int rows, int cols, const blob p[NBLOB], double dr, double dc,
                   double background, int noise)
{
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            double v = background;
            for (int k = 0; k < NBLOB; k++)
                v += blob_value(&p[k], i - dr, j - dc);
            if (noise)
                v += sqrt(v) * rng_normal();
            map[(size_t)i * cols + j] = v;
        }
    }
}

/* Register a model pair displaced by (dr, dc) and return the worst absolute error. */
#define NOISY 1
#define NEIGHBOUR 2

static double register_case(int rows, int cols, double size, double dr, double dc,
                            int flags, int upsample)
{
    double *ref = malloc(sizeof *ref * (size_t)rows * cols);
    double *mov = malloc(sizeof *mov * (size_t)rows * cols);
    blob p[NBLOB];
    particle(0.5 * (rows - 1), 0.5 * (cols - 1), size, flags & NEIGHBOUR, p);
    render(ref, rows, cols, p, 0.0, 0.0, BACKGROUND, flags & NOISY);
    render(mov, rows, cols, p, dr, dc, BACKGROUND, flags & NOISY);
    double gr = NAN, gc = NAN;
    int rc = qmap_phase_correlation(ref, mov, rows, cols, upsample, &gr, &gc);
    free(ref);
    free(mov);
    if (rc != QMAP_OK) {
        fprintf(stderr, "  phase correlation failed: %s\n", qmap_error_message());
        return INFINITY;
    }
    double er = fabs(gr - dr), ec = fabs(gc - dc);
    return er > ec ? er : ec;
}

/* Sub-pixel shifts up to +-5 px, both signs, square and non-square maps. */
static void test_subpixel(const char *label, int rows, int cols, double size, int flags,
                          int upsample, double tol)
{
    static const double shifts[][2] = {
        {0.0, 0.0},   {0.3, -0.7},  {-1.25, 2.6}, {2.45, 0.15}, {-3.8, -4.35},
        {4.9, -2.2},  {-4.95, 4.7}, {1.5, 3.5},   {-2.75, -1.1}, {3.3, 4.85},
        {5.0, 5.0},   {-5.0, -5.0}, {0.05, -0.05}};
    double worst = 0.0;
    for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
        double err = register_case(rows, cols, size, shifts[k][0], shifts[k][1], flags,
                                   upsample);
        CHECK(err <= tol + 1e-9, "%s: shift (%g, %g) recovered with error %g > %g", label,
              shifts[k][0], shifts[k][1], err, tol);
        if (err > worst)
            worst = err;
    }
    printf("%-34s worst error %.4f px (tol %.3f)\n", label, worst, tol);
}

/* A circular integer shift of an unwindowed map is a pure phase ramp: the refined peak
 * must be exactly the integer in both spectrum modes (this also pins the sign
 * convention on an asymmetric map). With the default window, a model shifted by an
 * integer (non-circular, noise-free) must land exactly on it too. */
static void test_integer_exact(void)
{
    const int rows = 24, cols = 32;
    double ref[24 * 32], mov[24 * 32];
    blob p[NBLOB];
    particle(11.0, 15.0, 3.0, 0, p);
    rng_state = 7;
    render(ref, rows, cols, p, 0.0, 0.0, BACKGROUND, 1);
    static const int shifts[][2] = {{0, 0}, {2, 3}, {-3, 5}, {5, -4}, {-5, -5}, {1, 0}};
    for (size_t k = 0; k < sizeof shifts / sizeof shifts[0]; k++) {
        int sr = shifts[k][0], sc = shifts[k][1];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                mov[((i + sr + rows) % rows) * cols + (j + sc + cols) % cols] =
                    ref[i * cols + j];
        for (int mode = 0; mode < 2; mode++) {
            qmap_pcc_options opt = {mode ? QMAP_PCC_PHASE : QMAP_PCC_CROSS, 0.0};
            for (int up = 1; up <= 50; up += 49) {
                double gr = NAN, gc = NAN;
                int rc = qmap_phase_correlation_ex(ref, mov, rows, cols, up, &opt, &gr, &gc);
                CHECK(rc == QMAP_OK && gr == sr && gc == sc,
                      "circular shift (%d, %d), mode %d, upsample %d: rc %d (%g, %g)", sr,
                      sc, mode, up, rc, gr, gc);
            }
        }
    }
    for (int sr = -5; sr <= 5; sr += 5) {
        double err = register_case(40, 48, 3.5, sr, -sr, 0, 20);
        CHECK(err < 1e-9, "model integer shift (%d, %d): error %g", sr, -sr, err);
    }
}

/* Wrap-around: a shift of more than half the map is reported as the negative one. */
static void test_wrap(void)
{
    const int rows = 24, cols = 28;
    double ref[24 * 28], mov[24 * 28];
    blob p[NBLOB];
    particle(13.0, 16.0, 2.0, 0, p);
    render(ref, rows, cols, p, 0.0, 0.0, BACKGROUND, 0);
    render(mov, rows, cols, p, -5.0, -7.0, BACKGROUND, 0);
    double gr = NAN, gc = NAN;
    int rc = qmap_phase_correlation(ref, mov, rows, cols, 10, &gr, &gc);
    CHECK(rc == QMAP_OK && fabs(gr + 5.0) <= 0.1 && fabs(gc + 7.0) <= 0.1,
          "wrap: got (%g, %g), want (-5, -7)", gr, gc);
}

/* NaN pixels (masked positions) must not break the registration. */
static void test_nan_pixels(void)
{
    const int rows = 40, cols = 40;
    double ref[40 * 40], mov[40 * 40];
    blob p[NBLOB];
    particle(19.5, 19.5, 4.0, 0, p);
    rng_state = 11;
    render(ref, rows, cols, p, 0.0, 0.0, BACKGROUND, 1);
    render(mov, rows, cols, p, 1.7, -2.3, BACKGROUND, 1);
    for (int k = 0; k < 40; k++) {
        ref[(k * 7) % (rows * cols)] = NAN;
        mov[(k * 13 + 3) % (rows * cols)] = NAN;
    }
    double gr = NAN, gc = NAN;
    int rc = qmap_phase_correlation(ref, mov, rows, cols, 20, &gr, &gc);
    CHECK(rc == QMAP_OK && fabs(gr - 1.7) <= 0.1 && fabs(gc + 2.3) <= 0.1,
          "NaN pixels: rc %d, got (%g, %g), want (1.7, -2.3)", rc, gr, gc);
}

static void test_errors(void)
{
    double m[64], z[64], c[64], nan_map[64], d1, d2;
    for (int i = 0; i < 64; i++) {
        m[i] = (i * 37) % 11;
        z[i] = 0.0;
        c[i] = 3.25;
        nan_map[i] = NAN;
    }
    CHECK(qmap_phase_correlation(m, m, 3, 21, 10, &d1, &d2) == QMAP_ERR_VALUE,
          "rows 3 accepted");
    CHECK(qmap_phase_correlation(m, m, 16, 3, 10, &d1, &d2) == QMAP_ERR_VALUE,
          "cols 3 accepted");
    CHECK(qmap_phase_correlation(m, m, 8, 8, 0, &d1, &d2) == QMAP_ERR_VALUE,
          "upsample 0 accepted");
    int rc = qmap_phase_correlation(z, m, 8, 8, 10, &d1, &d2);
    CHECK(rc == QMAP_ERR_VALUE && qmap_error_message()[0] != '\0', "all-zero ref: rc %d",
          rc);
    CHECK(qmap_phase_correlation(m, c, 8, 8, 10, &d1, &d2) == QMAP_ERR_VALUE,
          "constant moving map accepted");
    CHECK(qmap_phase_correlation(nan_map, m, 8, 8, 10, &d1, &d2) == QMAP_ERR_VALUE,
          "all-NaN map accepted");
    CHECK(qmap_phase_correlation(NULL, m, 8, 8, 10, &d1, &d2) == QMAP_ERR_VALUE,
          "NULL map accepted");
    qmap_pcc_options bad_alpha = {QMAP_PCC_CROSS, 1.5}, bad_mode = {(qmap_pcc_normalization)7, 0.2};
    CHECK(qmap_phase_correlation_ex(m, m, 8, 8, 10, &bad_alpha, &d1, &d2) == QMAP_ERR_VALUE,
          "window alpha 1.5 accepted");
    CHECK(qmap_phase_correlation_ex(m, m, 8, 8, 10, &bad_mode, &d1, &d2) == QMAP_ERR_VALUE,
          "normalization 7 accepted");
    CHECK(qmap_phase_correlation(m, m, 8, 8, 10, &d1, &d2) == QMAP_OK && d1 == 0.0 &&
              d2 == 0.0,
          "identical maps: (%g, %g)", d1, d2);
}

static void test_line(void)
{
    double x[6], y[6], a = NAN, b = NAN;
    for (int i = 0; i < 6; i++) {
        x[i] = i;
        y[i] = 2.0 - 0.3 * i;
    }
    CHECK(qmap_fit_line(x, y, 6, &a, &b) == QMAP_OK && fabs(a - 2.0) < 1e-12 &&
              fabs(b + 0.3) < 1e-12,
          "exact line: a %g b %g", a, b);
    /* noisy points against the closed-form normal equations in raw sums */
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < 6; i++) {
        y[i] += (i % 2 ? 0.05 : -0.04) * (i + 1);
        sx += x[i];
        sy += y[i];
        sxx += x[i] * x[i];
        sxy += x[i] * y[i];
    }
    double bb = (6 * sxy - sx * sy) / (6 * sxx - sx * sx), aa = (sy - bb * sx) / 6;
    CHECK(qmap_fit_line(x, y, 6, &a, &b) == QMAP_OK && fabs(a - aa) < 1e-12 &&
              fabs(b - bb) < 1e-12,
          "noisy line: a %g (want %g) b %g (want %g)", a, aa, b, bb);
    double two_x[2] = {1.0, 3.0}, two_y[2] = {5.0, 1.0};
    CHECK(qmap_fit_line(two_x, two_y, 2, &a, &b) == QMAP_OK && fabs(a - 7.0) < 1e-12 &&
              fabs(b + 2.0) < 1e-12,
          "two points: a %g b %g", a, b);
    CHECK(qmap_fit_line(x, y, 1, &a, &b) == QMAP_ERR_VALUE, "n = 1 accepted");
    double same[3] = {2.0, 2.0, 2.0};
    CHECK(qmap_fit_line(same, y, 3, &a, &b) == QMAP_ERR_VALUE, "equal x accepted");
    y[2] = NAN;
    CHECK(qmap_fit_line(x, y, 6, &a, &b) == QMAP_ERR_VALUE, "NaN y accepted");
}

int main(void)
{
    rng_state = 12345;
    test_subpixel("64x64 noise-free, upsample 100", 64, 64, 5.0, 0, 100, 0.05);
    test_subpixel("64x64 noisy, upsample 50", 64, 64, 5.0, NOISY, 50, 0.1);
    /* a bright neighbour cut by the border drifts in and out of view: harder */
    test_subpixel("64x64 noisy + neighbour, upsample 50", 64, 64, 5.0, NOISY | NEIGHBOUR, 50,
                  0.5);
    test_subpixel("24x32 noise-free, upsample 50", 24, 32, 2.5, 0, 50, 0.1);
    test_subpixel("24x32 noisy, upsample 50", 24, 32, 2.5, NOISY, 50, 0.1);
    test_subpixel("40x28 noisy, upsample 20", 40, 28, 2.5, NOISY, 20, 0.1);
    test_subpixel("40x28 noisy + neighbour, upsample 20", 40, 28, 3.0, NOISY | NEIGHBOUR,
                  20, 0.5);
    test_integer_exact();
    test_wrap();
    test_nan_pixels();
    test_errors();
    test_line();
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
