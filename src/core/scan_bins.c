/* scan_bins.c -- the coarse bins of a block of detector pixels in one scan.
 *
 * Why: the quick look bins every unmasked pixel of every scan (its hit counts); one pixel at
 * a time that is about 60 floating-point operations behind a chain of branches. Here the
 * usual case (the detector-part cache, a binner that multiplies by the reciprocal step) is
 * one loop without branches over the block, which the compiler turns into vector code
 * (`omp simd`), with the very operations of qmap_scan_q_at and qmap_axis_bin_with in the
 * same order (never fused into multiply-adds: the project builds with -ffp-contract=off), so
 * every Q and every bin is the same double and int as one pixel at a time. The pixels whose
 * quotient lies near a bin edge (where qmap_axis_bin_with takes the exact division) are
 * flagged and done again one at a time; so are whole blocks when the cache or the
 * reciprocal is missing.
 */
#include "scan_bins.h"

#include <math.h>

/* One pixel, the reference rule. */
static int32_t bin_one(const qmap_scan_qs *qs, const qmap_axis_binner b[3], size_t p)
{
    double q[3];
    qmap_scan_q_at(qs, p, q);
    int k0 = qmap_axis_bin_with(&b[0], q[0]);
    int k1 = qmap_axis_bin_with(&b[1], q[1]);
    int k2 = qmap_axis_bin_with(&b[2], q[2]);
    if (k0 < 0 || k1 < 0 || k2 < 0)
        return -1;
    return ((int32_t)k0 * b[1].n + k1) * b[2].n + k2;
}

/* qmap_axis_bin_with's usual path for a value X inside [min, max] (inv_step > 0): the bin K,
 * and EDGE = 1 when the estimate is too near a bin edge to be trusted. A macro: the loop
 * below must stay one piece of straight code for the vectoriser. */
#define BIN_ESTIMATE(x, min, inv_step, last, k, edge)                        \
    do {                                                                     \
        double y_ = ((x) - (min)) * (inv_step);                              \
        int k_ = (int)(y_ + 0.5);                                            \
        double f_ = y_ + 0.5 - (double)k_;                                   \
        (edge) = fabs(f_ - 0.5) > 0.5 - 1e-9 * (1.0 + y_);                   \
        (k) = k_ > (last) ? (last) : k_;                                     \
    } while (0)

/* Two versions chosen when the program loads (GCC's function multiversioning): AVX2, where
 * the loop becomes vector code (4 pixels at a time), and the baseline x86-64 one, where it
 * does not (SSE2 has no vector form for the conversions) and runs one pixel at a time.
 * tests/test_scan_bins.c also compiles this file with QMAP_SCAN_BINS_BASELINE defined: only
 * the baseline version, so that it is tested on machines that would pick the AVX2 one. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(QMAP_SCAN_BINS_BASELINE)
__attribute__((target_clones("avx2", "default")))
#endif
void qmap_scan_bins(const qmap_scan_qs *qs, const qmap_axis_binner b[3], size_t p0, int n,
                    int32_t *out)
{
    int fast = qs->d != NULL;
    for (int a = 0; a < 3; a++)
        fast = fast && b[a].n >= 2 && b[a].step != 0.0 && b[a].inv_step > 0;
    if (!fast) {
        for (int i = 0; i < n; i++)
            out[i] = bin_one(qs, b, p0 + (size_t)i);
        return;
    }
    const double *d = qs->d + 3 * p0;
    const double k = qs->k;
    const double m00 = qs->m[0][0], m01 = qs->m[0][1], m02 = qs->m[0][2];
    const double m10 = qs->m[1][0], m11 = qs->m[1][1], m12 = qs->m[1][2];
    const double m20 = qs->m[2][0], m21 = qs->m[2][1], m22 = qs->m[2][2];
    const double lo0 = b[0].min, lo1 = b[1].min, lo2 = b[2].min;
    const double hi0 = b[0].max, hi1 = b[1].max, hi2 = b[2].max;
    const double r0 = b[0].inv_step, r1 = b[1].inv_step, r2 = b[2].inv_step;
    const int l0 = b[0].n - 1, l1 = b[1].n - 1, l2 = b[2].n - 1, n1 = b[1].n, n2 = b[2].n;
    unsigned char redo[QMAP_SCAN_BINS_BLOCK];
#pragma omp simd
    for (int i = 0; i < n; i++) {
        const double *dp = d + 3 * i;
        double x0 = k * (m00 * dp[0] + m01 * dp[1] + m02 * dp[2]);
        double x1 = k * (m10 * dp[0] + m11 * dp[1] + m12 * dp[2]);
        double x2 = k * (m20 * dp[0] + m21 * dp[1] + m22 * dp[2]);
        int in = (x0 >= lo0) & (x0 <= hi0) & (x1 >= lo1) & (x1 <= hi1) & (x2 >= lo2) & (x2 <= hi2);
        /* outside (or NaN): binned at min instead, so that no conversion overflows */
        x0 = in ? x0 : lo0;
        x1 = in ? x1 : lo1;
        x2 = in ? x2 : lo2;
        int e0, e1, e2;
        int k0, k1, k2;
        BIN_ESTIMATE(x0, lo0, r0, l0, k0, e0);
        BIN_ESTIMATE(x1, lo1, r1, l1, k1, e1);
        BIN_ESTIMATE(x2, lo2, r2, l2, k2, e2);
        out[i] = in ? (k0 * n1 + k1) * n2 + k2 : -1;
        redo[i] = (unsigned char)(in & (e0 | e1 | e2));
    }
    for (int i = 0; i < n; i++)
        if (redo[i])
            out[i] = bin_one(qs, b, p0 + (size_t)i);
}
