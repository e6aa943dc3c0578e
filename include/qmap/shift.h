/* shift.h -- registration kernel of the drift measurement (linear shift correction).
 *
 * Sub-pixel cross-correlation of two maps (FFTW) and a least-squares line. The drift
 * itself (which signal, which scans are registered against what, the line in the scan
 * sequence and its confidence) is decided in src/drift_choose.c and src/drift_fit.c:
 * fluorescence-like maps are registered against a template of all scans, Bragg maps
 * between eta neighbours. Shifts are in map pixels (rows = slow, cols = fast); the
 * caller converts to micrometres with the raster steps.
 */
#ifndef QMAP_SHIFT_H
#define QMAP_SHIFT_H

#ifdef __cplusplus
extern "C" {
#endif

/* Shift of `moving` relative to `ref` (both rows x cols, row-major, NaN = background),
 * in pixels: a feature at (r, c) in ref sits at (r + *drow, c + *dcol) in moving.
 * Sub-pixel precision 1/upsample (upsample >= 1; 20..100 typical) by matrix-multiply
 * DFT refinement around the correlation peak (Guizar-Sicairos et al. 2008).
 * Each map has its border level subtracted and is windowed internally (Tukey 0.25);
 * the spectrum is not phase-normalised by default (see qmap_phase_correlation_ex).
 * Thread-safe: FFTW planning is serialised by an internal mutex. */
int qmap_phase_correlation(const double *ref, const double *moving, int rows, int cols,
                           int upsample, double *drow, double *dcol);

/* Spectrum weighting: QMAP_PCC_CROSS = plain cross-correlation (the default; best with
 * counting noise on smooth particles), QMAP_PCC_PHASE = normalised cross-power spectrum
 * (phase correlation proper, skimage's default normalization="phase"). */
typedef enum { QMAP_PCC_CROSS = 0, QMAP_PCC_PHASE = 1 } qmap_pcc_normalization;

typedef struct {
    qmap_pcc_normalization normalization;
    double window_alpha; /* Tukey taper fraction in [0, 1]: 0 none, 1 Hann; default 0.25 */
} qmap_pcc_options;

/* qmap_phase_correlation with explicit options; options NULL = the defaults used by
 * qmap_phase_correlation ({QMAP_PCC_CROSS, 0.25}). */
int qmap_phase_correlation_ex(const double *ref, const double *moving, int rows, int cols,
                              int upsample, const qmap_pcc_options *options, double *drow,
                              double *dcol);

/* Least-squares straight line y = a + b*x through n points; n >= 2. */
int qmap_fit_line(const double *x, const double *y, int n, double *a, double *b);

#ifdef __cplusplus
}
#endif
#endif
