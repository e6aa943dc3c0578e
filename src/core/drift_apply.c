/* drift_apply.c -- sub-pixel application of the drift to per-position sums.
 *
 * Why: re-indexing positions by the nearest map pixel leaves up to half a pixel of drift
 * uncorrected in every scan; in a strain or tilt gradient the rocking curve of a position
 * is then assembled from slightly different sample points. Instead of resampling every
 * detector pixel of every frame (what sxdm does with a cubic spline: slow, and it changes
 * the counts), the accumulation pass sums one scan at its measured (raw) positions, and
 * the scan's sums are then interpolated bilinearly at the drift-corrected position of
 * every reference position: four weighted per-position sums, whatever the detector size.
 * Weights sum to 1, so intensities keep their scale; a reference position is measured by
 * the scan only when every raw position with a non-zero weight was measured.
 */
#include "drift_measure.h"

#include <math.h>

void qmap_drift_apply_bilinear(int n_slow, int n_fast, double dr, double dc, const int *raw_measured,
                               const qmap_drift_channel *ch, int n_ch, int *ref_contrib)
{
    int r0 = (int)floor(dr), c0 = (int)floor(dc);
    double fr = dr - r0, fc = dc - c0;
    const double eps = 1e-9;
    double w[4] = {(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc};
    int off_r[4] = {0, 0, 1, 1}, off_c[4] = {0, 1, 0, 1};
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n_slow; i++)
        for (int j = 0; j < n_fast; j++) {
            long q[4];
            int ok = 1;
            for (int k = 0; k < 4 && ok; k++) {
                q[k] = -1;
                if (w[k] <= eps)
                    continue;
                int r = i + r0 + off_r[k], c = j + c0 + off_c[k];
                if (r < 0 || r >= n_slow || c < 0 || c >= n_fast || !raw_measured[(long)r * n_fast + c])
                    ok = 0;
                else
                    q[k] = (long)r * n_fast + c;
            }
            if (!ok)
                continue;
            long p = (long)i * n_fast + j;
            for (int m = 0; m < n_ch; m++) {
                int len = ch[m].len;
                double *dst = ch[m].ref + p * len;
                for (int k = 0; k < 4; k++) {
                    if (q[k] < 0)
                        continue;
                    const double *src = ch[m].raw + q[k] * len;
                    for (int b = 0; b < len; b++)
                        dst[b] += w[k] * src[b];
                }
            }
            ref_contrib[p]++;
        }
}
