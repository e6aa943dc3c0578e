/* test_scan_bins.c -- the quick look's coarse bins taken a block of pixels at a time
 * (issue 18, src/core/scan_bins.c: vector code where the CPU has AVX2) are, pixel by pixel,
 * the bins of qmap_scan_q_at followed by qmap_axis_bin_with.
 *
 * 200 random cases: rotations and scales of the detector part, axes of 2 to 128 bins, blocks
 * of 1 to 256 pixels starting anywhere. Where Q equals the detector part (identity matrix,
 * k = 1) the pixels are put exactly on bin edges (min + (j + 1/2) step, where rounding ties
 * and the reciprocal's error decide), on min and max and one ulp outside them, and on NaN
 * and infinities. The paths one pixel at a time (no detector-part cache, no reciprocal step)
 * are checked too, and so is the version for CPUs without AVX2 (scan_bins.c compiled here
 * for the baseline only). Mutation-checked: without the near-edge test (1e-9 -> 0) or with
 * max excluded, this test fails.
 */
#include "check.h"

/* This file's own copy of scan_bins.c compiled for the baseline x86-64 only (no AVX2 clone),
 * as qmap_scan_bins_baseline: the version CPUs without AVX2 run, tested here too */
#define QMAP_SCAN_BINS_BASELINE
#define qmap_scan_bins qmap_scan_bins_baseline
#include "../src/core/scan_bins.c"
#undef qmap_scan_bins
/* the library's (with the AVX2 clone where the CPU has it) */
void qmap_scan_bins(const qmap_scan_qs *qs, const qmap_axis_binner b[3], size_t p0, int n,
                    int32_t *out);

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NPIX 1500

static double rnd(void)
{
    return rand() / (RAND_MAX + 1.0);
}

static double uniform(double a, double b)
{
    return a + (b - a) * rnd();
}

/* The reference: one pixel at a time, as the quick look did before scan_bins.c. */
static int32_t reference_bin(const qmap_scan_qs *qs, const qmap_axis_binner b[3], size_t p)
{
    double q[3];
    qmap_scan_q_at(qs, p, q);
    int k[3];
    for (int a = 0; a < 3; a++)
        k[a] = qmap_axis_bin_with(&b[a], q[a]);
    if (k[0] < 0 || k[1] < 0 || k[2] < 0)
        return -1;
    return ((int32_t)k[0] * b[1].n + k[1]) * b[2].n + k[2];
}

/* A value for axis a of a pixel whose Q is its detector part: mostly on or near the
 * axis' special points. */
static double special_value(const qmap_axis *ax)
{
    double step = (ax->max - ax->min) / (ax->n - 1);
    int j = rand() % ax->n;
    switch (rand() % 10) {
    case 0: return ax->min;
    case 1: return ax->max;
    case 2: return nextafter(ax->min, -INFINITY);
    case 3: return nextafter(ax->max, INFINITY);
    case 4: return rand() % 2 ? NAN : (rand() % 2 ? INFINITY : -INFINITY);
    case 5: return nextafter(ax->min + (j + 0.5) * step, INFINITY);
    case 6: return nextafter(ax->min + (j + 0.5) * step, -INFINITY);
    case 7: return ax->min + (j + 0.5) * step;   /* a tie, or within an ulp of one */
    default: return uniform(ax->min - step, ax->max + step);
    }
}

/* Compare every block of the detector part d, with the library's version and the baseline
 * one, against the reference; returns mismatches. */
static int compare_blocks(const qmap_scan_qs *qs, const qmap_axis_binner b[3], const char *what, int c)
{
    int bad = 0;
    int32_t out[QMAP_SCAN_BINS_BLOCK], base[QMAP_SCAN_BINS_BLOCK];
    for (size_t p0 = 0; p0 < NPIX;) {
        int n = 1 + rand() % QMAP_SCAN_BINS_BLOCK;
        if (p0 + (size_t)n > NPIX)
            n = (int)(NPIX - p0);
        qmap_scan_bins(qs, b, p0, n, out);
        qmap_scan_bins_baseline(qs, b, p0, n, base);
        for (int i = 0; i < n; i++) {
            int32_t want = reference_bin(qs, b, p0 + (size_t)i);
            if (out[i] != want && bad++ < 3)
                CHECK(0, "case %d (%s): pixel %zu: bin %d, one pixel at a time %d", c, what,
                      p0 + (size_t)i, (int)out[i], (int)want);
            if (base[i] != want && bad++ < 3)
                CHECK(0, "case %d (%s, baseline version): pixel %zu: bin %d, one pixel at a time %d",
                      c, what, p0 + (size_t)i, (int)base[i], (int)want);
        }
        p0 += (size_t)n;
    }
    return bad;
}

int main(void)
{
    srand(18);
    double *d = malloc(3 * NPIX * sizeof *d), *full = malloc(3 * NPIX * sizeof *full);
    long edge_pixels = 0;
    for (int c = 0; c < 200; c++) {
        qmap_axis ax[3];
        qmap_axis_binner b[3];
        for (int a = 0; a < 3; a++) {
            ax[a].n = 2 + rand() % 127;
            ax[a].min = uniform(-2, 2);
            ax[a].max = ax[a].min + uniform(1e-4, 1.5);
            qmap_axis_binner_init(&b[a], &ax[a]);
        }
        qmap_scan_qs qs = {.d = d, .n_pix = NPIX};
        int identity = c % 2 == 0;
        if (identity) {   /* Q = d exactly: pixels placed on the axes' special points */
            qs.k = 1.0;
            for (int a = 0; a < 3; a++)
                for (int e = 0; e < 3; e++)
                    qs.m[a][e] = a == e;
            for (size_t p = 0; p < NPIX; p++)
                for (int a = 0; a < 3; a++)
                    d[3 * p + a] = rand() % 4 ? special_value(&ax[a]) : uniform(ax[a].min, ax[a].max);
        } else {   /* a rotation about a random axis, scaled; Q over the axes and around them */
            double u[3] = {uniform(-1, 1), uniform(-1, 1), uniform(-1, 1)};
            double nu = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]) + 1e-12, t = uniform(0, 6.3);
            for (int a = 0; a < 3; a++)
                u[a] /= nu;
            double cs = cos(t), sn = sin(t);
            for (int a = 0; a < 3; a++)
                for (int e = 0; e < 3; e++)
                    qs.m[a][e] = (a == e ? cs : 0) + (1 - cs) * u[a] * u[e] +
                                 sn * (a == 0 ? (e == 1 ? -u[2] : e == 2 ? u[1] : 0)
                                       : a == 1 ? (e == 0 ? u[2] : e == 2 ? -u[0] : 0)
                                                : (e == 0 ? -u[1] : e == 1 ? u[0] : 0));
            qs.k = uniform(0.5, 6);
            for (size_t p = 0; p < NPIX; p++) {   /* d = m^T (target / k): Q near the target */
                double target[3];
                for (int a = 0; a < 3; a++)
                    target[a] = uniform(ax[a].min - 0.1, ax[a].max + 0.1) / qs.k;
                for (int e = 0; e < 3; e++)
                    d[3 * p + e] = qs.m[0][e] * target[0] + qs.m[1][e] * target[1] + qs.m[2][e] * target[2];
            }
        }
        for (size_t p = 0; p < NPIX; p++) {   /* how many pixels lie within 1e-9 of an edge */
            double q[3];
            qmap_scan_q_at(&qs, p, q);
            for (int a = 0; a < 3; a++) {
                double y = (q[a] - b[a].min) / b[a].step;
                if (q[a] >= b[a].min && q[a] <= b[a].max && fabs(y - floor(y) - 0.5) < 1e-9)
                    edge_pixels++;
            }
        }
        compare_blocks(&qs, b, "block", c);
        if (c % 10 == 0) {   /* the one-pixel-at-a-time paths give the same */
            qmap_scan_qs qf = qs;
            qf.d = NULL;
            qf.full = full;
            for (size_t p = 0; p < NPIX; p++) {
                double q[3];
                qmap_scan_q_at(&qs, p, q);
                for (int a = 0; a < 3; a++)
                    full[(size_t)a * NPIX + p] = q[a];
            }
            compare_blocks(&qf, b, "no cache", c);
            qmap_axis_binner slow[3];
            memcpy(slow, b, sizeof slow);
            slow[1].inv_step = 0;   /* qmap_axis_bin_with divides */
            compare_blocks(&qs, slow, "no reciprocal", c);
        }
    }
    CHECK(edge_pixels > 1000, "only %ld pixel axes near a bin edge: the cases do not test the edge rule", edge_pixels);
    free(d);
    free(full);
    if (!failures)
        printf("test_scan_bins: 200 cases, %d pixels each (%ld pixel axes within 1e-9 of a bin edge): all bins as one pixel at a time\n", NPIX, edge_pixels);
    return failures != 0;
}
