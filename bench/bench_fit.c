/* bench_fit.c -- cost of the per-position Gaussian fits, per map point (3 fits: qx, qy, qz).
 *
 * Fits the projections a map point gives in `qmap process` (the bench dataset's bins:
 * 22, 45 and 58 along qx, qy, qz; a Gaussian of a few bins with Poisson-like noise over a
 * flat background) with qmap's solver (qmap_fit_gaussian_work, one work buffer, as
 * peak_maps.c calls it) and with the reference, GSL's Levenberg-Marquardt
 * (qmap_fit_gaussian_gsl, the solver qmap used before issue 18), one thread, CPU time.
 * Prints the milliseconds per point of both, the largest difference between their centres
 * and widths (in sigma), and the ratio to XSOCS's figure of about 3.6 ms per point per
 * process (bench/README.md). Usage: bench_fit [POINTS] (default 4000).
 */
#include "qmap/fit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define XSOCS_MS_PER_POINT 3.6

static uint64_t state = 18;

static double uniform(void)
{
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return ((double)((z ^ (z >> 31)) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    int points = argc > 1 ? atoi(argv[1]) : 4000;
    static const int bins[3] = {22, 45, 58};
    if (points < 1)
        return 2;
    double *y = malloc(sizeof *y * (size_t)points * (22 + 45 + 58)), x[3][58], work[2 * 58];
    if (!y)
        return 1;
    double *py = y;
    for (int p = 0; p < points; p++)
        for (int a = 0; a < 3; a++) {
            double s = 2.0 + 3.0 * uniform(), c = bins[a] * (0.35 + 0.3 * uniform());
            double area = pow(10.0, 2.0 + 2.0 * uniform()), bg = 0.5 * uniform();
            for (int k = 0; k < bins[a]; k++) {
                x[a][k] = 1e-3 * k;
                double m = area / (2.5066282746310002 * s) * exp(-0.5 * (k - c) * (k - c) / (s * s)) + bg;
                *py++ = fmax(0.0, m + sqrt(m) * normal());
            }
        }
    qmap_gauss_fit *f = malloc(sizeof *f * (size_t)points * 3);
    if (!f)
        return 1;
    double t0 = cpu_seconds();
    py = y;
    for (int p = 0; p < points; p++)
        for (int a = 0; a < 3; a++) {
            f[3 * p + a] = qmap_fit_gaussian_work(x[a], py, bins[a], work);
            py += bins[a];
        }
    double t1 = cpu_seconds();
    double worst = 0;
    int status_differ = 0;
    py = y;
    for (int p = 0; p < points; p++)
        for (int a = 0; a < 3; a++) {
            qmap_gauss_fit g = qmap_fit_gaussian_gsl(x[a], py, bins[a]), h = f[3 * p + a];
            py += bins[a];
            if (g.status != h.status)
                status_differ++;
            else if (g.status)
                worst = fmax(worst, fmax(fabs(g.center - h.center), fabs(g.sigma - h.sigma)) / g.sigma);
        }
    double t2 = cpu_seconds();
    double ms_new = 1e3 * (t1 - t0) / points, ms_gsl = 1e3 * (t2 - t1) / points;
    printf("fits per point (3 axes, bins 22/45/58, %d points, 1 thread, CPU time): qmap %.4f ms, "
           "GSL reference %.4f ms (%.1fx); XSOCS ~%.1f ms per point per process: qmap %.0fx XSOCS\n",
           points, ms_new, ms_gsl, ms_gsl / ms_new, XSOCS_MS_PER_POINT, XSOCS_MS_PER_POINT / ms_new);
    printf("fits vs GSL reference: %d of %d differ in status; worst |difference| of centre or "
           "width %.2e sigma\n", status_differ, 3 * points, worst);
    free(y);
    free(f);
    return 0;
}
