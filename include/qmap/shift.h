/* shift.h -- drift of the particle between eta scans (linear shift correction).
 *
 * Each scan's integrated-intensity map is registered against the first scan with
 * sub-pixel phase cross-correlation (FFTW), then a straight line shift(k) = a + b*k
 * is fitted over the scan index k. Shifts are in map pixels (rows = slow, cols = fast);
 * the caller converts to micrometres with the raster steps.
 */
#ifndef QMAP_SHIFT_H
#define QMAP_SHIFT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Shift of `moving` relative to `ref` (both rows x cols, row-major, NaN treated as 0),
 * in pixels: a feature at (r, c) in ref sits at (r + *drow, c + *dcol) in moving.
 * Sub-pixel precision 1/upsample (upsample >= 1; 20..100 typical) by matrix-multiply
 * DFT refinement around the correlation peak (Guizar-Sicairos et al. 2008).
 * Each map is mean-subtracted and windowed internally. */
int qmap_phase_correlation(const double *ref, const double *moving, int rows, int cols,
                           int upsample, double *drow, double *dcol);

/* Least-squares straight line y = a + b*x through n points; n >= 2. */
int qmap_fit_line(const double *x, const double *y, int n, double *a, double *b);

#ifdef __cplusplus
}
#endif
#endif
