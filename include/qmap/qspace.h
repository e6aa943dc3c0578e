/* qspace.h -- reciprocal-space binning rules (XSOCS / xrayutilities Gridder3D).
 *
 * An axis of n bins over [min, max] has step (max-min)/(n-1) and centres min + k*step;
 * a value goes to bin rint((x-min)/step), values outside [min, max] are skipped
 * (docs/sxdm-reference.md section 6).
 */
#ifndef QMAP_QSPACE_H
#define QMAP_QSPACE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double min, max;   /* first and last bin centre, 1/Angstrom */
    int n;             /* number of bins, >= 2 */
} qmap_axis;

static inline double qmap_axis_step(const qmap_axis *a) { return (a->max - a->min) / (a->n - 1); }
static inline double qmap_axis_center(const qmap_axis *a, int k) { return a->min + k * qmap_axis_step(a); }

/* Bin index of x on the axis, or -1 when x is outside [min, max] or not finite. */
int qmap_axis_bin(const qmap_axis *a, double x);

/* Largest useful number of bins along one q component (sxdm estimate_n_bins):
 * q holds n_scans frames of rows x cols values; the result is
 * min over the three array axes (scan, row, col) of (max q - min q) / max|step along that
 * axis| + 1, with axes of length 1 ignored. mask (rows*cols, non-zero = skip) may be NULL. */
int qmap_estimate_bins(const double *q, int n_scans, int rows, int cols,
                       const unsigned char *mask);

#ifdef __cplusplus
}
#endif
#endif
