/* test_drift.c -- the pieces of the drift measurement (src/core/drift_*.c) on maps built here
 * from closed forms with a known drift: counter names, contrast of a signal, choice of the
 * off-Bragg detector tiles, the template estimator on a drifting particle (also cut by the
 * map border), and the Bragg-map estimator on a particle whose diffracting band sweeps
 * across it with eta (a bending of the lattice): biased and flagged when eta is monotonic
 * in the scan sequence, unbiased when it is interleaved.
 */
#include "drift_measure.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what, double value, double tol)
{
    fprintf(stderr, "%-64s %10.4g (limit %g) %s\n", what, value, tol, ok ? "ok" : "FAIL");
    failures += !ok;
}

static uint64_t rng = 88172645463325252ULL;
static double uniform(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return ((rng >> 11) + 0.5) * 0x1.0p-53;
}
static double normal(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }
/* Poisson by normal approximation above 30, inversion below */
static double poisson(double lam)
{
    if (lam > 30)
        return fmax(0, round(lam + sqrt(lam) * normal()));
    double L = exp(-lam), p = uniform();
    int k = 0;
    while (p > L) {
        k++;
        p *= uniform();
    }
    return k;
}

#define NS 24
#define NF 30
#define NPOS (NS * NF)

/* Thickness of an ellipsoidal particle centred at (cr, cc) with semi-axes (ar, ac). */
static double thickness(double r, double c, double cr, double cc, double ar, double ac)
{
    double rho2 = (r - cr) * (r - cr) / (ar * ar) + (c - cc) * (c - cc) / (ac * ac);
    return rho2 < 1 ? sqrt(1 - rho2) : 0;
}

static void test_names(void)
{
    const char *good[] = {"fluo", "falconx_det0_Ni", "xia_det0_roi1", "mca_det0_fluo", "xrf_Ni", "falcon_NiKa"};
    const char *bad[] = {"mpx1x4_roi1", "mpx1x4_mpx4int", "mon1", "falconx_det0_elapsed_time",
                         "falconx_det0_dead_time", "pix_position", "epoch", "sec"};
    int ok = 1;
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ok &= qmap_drift_counter_name_ok(good[i], "mpx1x4");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ok &= !qmap_drift_counter_name_ok(bad[i], "mpx1x4");
    check(ok, "counter names: fluorescence ROIs taken, detector ROIs/monitors/timers not", ok, 1);
}

static void test_contrast(void)
{
    double *m = malloc(3 * NPOS * sizeof *m);
    for (int k = 0; k < 3 * NPOS; k++)
        m[k] = 0;
    double c0 = qmap_drift_contrast(m, 3, NS, NF);
    check(c0 == 0, "contrast of all-zero maps", c0, 0);
    for (int k = 0; k < 3 * NPOS; k++)
        m[k] = 100 + 10 * normal();
    double cn = qmap_drift_contrast(m, 3, NS, NF);
    check(cn < QMAP_DRIFT_MIN_CONTRAST, "contrast of flat noise below the acceptance limit", cn, QMAP_DRIFT_MIN_CONTRAST);
    for (int s = 0; s < 3; s++)
        for (int r = 0; r < NS; r++)
            for (int c = 0; c < NF; c++)
                m[s * NPOS + r * NF + c] = poisson(5 + 40 * thickness(r, c, 12, 15, 6, 7));
    double cp = qmap_drift_contrast(m, 3, NS, NF);
    check(cp > 2 * QMAP_DRIFT_MIN_CONTRAST, "contrast of a particle at 45 counts (Poisson)", cp, 2 * QMAP_DRIFT_MIN_CONTRAST);
    double fill = qmap_drift_fill_fraction(m, 3, NS, NF);
    check(fill < 0.4, "fill fraction of a particle with edges in the map", fill, 0.4);
    for (int k = 0; k < 3 * NPOS; k++)
        m[k] = 100 + normal();
    fill = qmap_drift_fill_fraction(m, 3, NS, NF);
    check(fill > 0.8, "fill fraction of a film", fill, 0.8);
    free(m);
}

static void test_tiles(void)
{
    double counts[QMAP_OFFBRAGG_TILES], px[QMAP_OFFBRAGG_TILES];
    uint8_t use[QMAP_OFFBRAGG_TILES];
    for (int t = 0; t < QMAP_OFFBRAGG_TILES; t++) {
        px[t] = 4096;
        counts[t] = 4096 * (1 + 0.05 * normal());
    }
    int bragg = 3 * QMAP_OFFBRAGG_GRID + 4;   /* tile (3, 4) holds the Bragg peak */
    counts[bragg] *= 50;
    int kept = qmap_offbragg_select(counts, px, use);
    int ok = kept == QMAP_OFFBRAGG_TILES - 9;
    for (int di = -1; di <= 1; di++)
        for (int dj = -1; dj <= 1; dj++)
            ok &= !use[bragg + di * QMAP_OFFBRAGG_GRID + dj];
    check(ok, "off-Bragg tiles: the Bragg tile and its 8 neighbours left out", kept, QMAP_OFFBRAGG_TILES - 9);
    int16_t tile_of[16 * 16];
    uint8_t mask[16 * 16] = {0};
    mask[1] = 1;
    qmap_offbragg_tile_map(16, 16, mask, tile_of, px);
    check(tile_of[1] == -1 && tile_of[0] == 0 && tile_of[16 * 16 - 1] == QMAP_OFFBRAGG_TILES - 1 && px[0] == 3,
          "tile map: masked pixel out, corners in the corner tiles", px[0], 3);
}

/* Fluorescence-like maps: a particle drifting by (dr, dc) pixels per scan, Poisson counts. */
static void fluo_maps(double *m, int n, double cr, double cc, double dr, double dc, double peak, double bg)
{
    for (int s = 0; s < n; s++)
        for (int r = 0; r < NS; r++)
            for (int c = 0; c < NF; c++)
                m[s * NPOS + r * NF + c] = poisson(bg + peak * thickness(r, c, cr + dr * s, cc + dc * s, 5, 6));
}

static double worst_error(const qmap_drift_fit_result *f, int n, double dr, double dc)
{
    return fmax(fabs(f->slope_r - dr), fabs(f->slope_c - dc)) * (n - 1);
}

static void test_template(void)
{
    enum { N = 13 };
    double *m = malloc(N * NPOS * sizeof *m), mr[N], mc[N], eta[N];
    int step[N];
    for (int s = 0; s < N; s++) {
        step[s] = s;
        eta[s] = 0.05 * s;
    }
    qmap_drift_fit_result f;
    fluo_maps(m, N, 9, 10, 0.25, 0.4, 2000, 50);
    int rc = qmap_drift_fit(m, N, NS, NF, step, eta, mr, mc, &f);
    double e = rc == 0 ? worst_error(&f, N, 0.25, 0.4) : 99;
    check(rc == 0 && e < 0.05, "template fit, strong counter: drift error at the last scan (px)", e, 0.05);
    fluo_maps(m, N, 9, 10, 0.25, 0.4, 30, 40);
    rc = qmap_drift_fit(m, N, NS, NF, step, eta, mr, mc, &f);
    e = rc == 0 ? worst_error(&f, N, 0.25, 0.4) : 99;
    check(rc == 0 && e < 0.15, "template fit, 30 counts over 40 background (px)", e, 0.15);
    /* half the particle beyond the right border */
    fluo_maps(m, N, 11, 26, -0.2, 0.3, 500, 20);
    rc = qmap_drift_fit(m, N, NS, NF, step, eta, mr, mc, &f);
    e = rc == 0 ? worst_error(&f, N, -0.2, 0.3) : 99;
    check(rc == 0 && e < 0.15, "template fit, particle cut by the map border (px)", e, 0.15);
    check(rc == 0 && f.resid_rms_px < 0.3 && f.halves_px < 0.5, "its residual rms (px)", f.resid_rms_px, 0.3);
    free(m);
}

/* Bragg maps of a bent particle: the diffracting band (Gaussian in the local rocking
 * angle, which varies linearly along x) sits at column x = x0 + (eta - eta0)/g in the
 * sample frame; the particle drifts by (dr, dc) per scan of the sequence. */
static void bragg_maps(double *m, int n, const double *eta, double dr, double dc)
{
    const double g = 0.04;   /* degrees of tilt per pixel along x */
    for (int s = 0; s < n; s++)
        for (int r = 0; r < NS; r++)
            for (int c = 0; c < NF; c++) {
                double sr = r - dr * s, sc = c - dc * s;   /* sample-frame position */
                double loc = (sc - 15) * g;               /* local Bragg angle offset */
                double rock = exp(-0.5 * pow((eta[s] - loc) / 0.08, 2));
                m[s * NPOS + r * NF + c] = poisson(2 + 800 * thickness(sr, sc, 12, 15, 7, 8) * rock);
            }
}

static void test_bragg(void)
{
    enum { N = 13 };
    double *m = malloc(N * NPOS * sizeof *m), mr[N], mc[N], eta[N];
    int step[N];
    qmap_drift_fit_result f;
    for (int s = 0; s < N; s++) {
        step[s] = s;
        eta[s] = -0.3 + 0.05 * s;
    }
    bragg_maps(m, N, eta, -0.2, 0.3);
    int rc = qmap_drift_fit_mode(m, N, NS, NF, step, eta, 1, mr, mc, &f);
    double e = rc == 0 ? worst_error(&f, N, -0.2, 0.3) : 0;
    check(rc == 0 && f.tilt_separated == 0 && e > 1,
          "Bragg maps, eta monotonic: bending taken for drift, flagged (px)", e, 1);
    for (int s = 0; s < N; s++)   /* interleaved: even rocking steps first, then odd */
        eta[s] = -0.3 + 0.05 * (2 * s < N ? 2 * s : 2 * s - N);
    bragg_maps(m, N, eta, -0.2, 0.3);
    rc = qmap_drift_fit_mode(m, N, NS, NF, step, eta, 1, mr, mc, &f);
    e = rc == 0 ? worst_error(&f, N, -0.2, 0.3) : 99;
    check(rc == 0 && f.tilt_separated == 1 && e < 0.15,
          "Bragg maps, eta interleaved: drift fitted apart from the bending (px)", e, 0.15);
    /* the band's centroid moves at 1/g = 25 px/deg in the middle of the particle, slower
     * where the particle's edges cut it */
    check(f.tilt_motion_px_per_deg > 0.6 / 0.04 && f.tilt_motion_px_per_deg < 1.1 / 0.04,
          "  apparent motion fitted (px/deg; band 25, less at the edges)", f.tilt_motion_px_per_deg, 25);
    free(m);
}

int main(void)
{
    test_names();
    test_contrast();
    test_tiles();
    test_template();
    test_bragg();
    return failures ? 1 : 0;
}
