/* qspace.h -- reciprocal-space binning rules (XSOCS / xrayutilities Gridder3D).
 *
 * An axis of n bins over [min, max] has step (max-min)/(n-1) and centres min + k*step;
 * a value goes to bin rint((x-min)/step), values outside [min, max] are skipped
 * (docs/conventions.md section 5).
 *
 * Edge rules, as read in the sources:
 * - xrayutilities Gridder3D (gridder3d.c, gridder_utils.c): skip when x < min || x > max
 *   (both ends inclusive), step = fabs(max-min)/(n-1), bin = (unsigned) rint((x-min)/step)
 *   (rint: round half to even in the default rounding mode). The two end bins are therefore
 *   half as wide as the others inside [min, max].
 * - XSOCS QSpaceConverter + silx histogramnd_get_lut: edges g0 = min - step/2,
 *   g1 = min + (max - min + step) - step/2, bin = (long)((x - g0) * n / (g1 - g0)),
 *   keep g0 <= x < g1, plus x == g1 into the last bin (last_bin_closed=True). Because
 *   XSOCS takes min/max from the data, no point is ever dropped. The two rules agree except
 *   for values within rounding error of a bin boundary; qmap_grid_index_xsocs() reproduces
 *   the XSOCS arithmetic bit for bit (including silx's accumulation of the flat index).
 */
#ifndef QMAP_QSPACE_H
#define QMAP_QSPACE_H

#include <math.h>   /* fabs in qmap_axis_bin_with */

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

/* The same rule with the step computed once, for loops over many values (issue 18: the
 * quick look bins every detector pixel of every scan). qmap_axis_bin_with gives exactly
 * qmap_axis_bin's result: the quotient (x - min) / step is first estimated with the
 * reciprocal of the step (a multiplication instead of a division), which is within a few
 * ulps of the exact quotient, and rounded; only when that estimate lies within 1e-9 of a
 * half-integer (where the two could round to different bins, and where rint's ties-to-even
 * matters) is the exact quotient computed and rounded with rint. Branch-free but for that
 * rare case: the bins of a detector's pixels are otherwise a mispredicted branch each. */
typedef struct {
    double min, max, step, inv_step;
    int n;
} qmap_axis_binner;

void qmap_axis_binner_init(qmap_axis_binner *b, const qmap_axis *a);

static inline int qmap_axis_bin_with(const qmap_axis_binner *b, double x)
{
    if (b->n < 2 || !(x >= b->min && x <= b->max))   /* NaN fails both comparisons */
        return -1;
    if (b->step == 0.0)
        return 0;
    double y = b->inv_step > 0 ? (x - b->min) * b->inv_step : (x - b->min) / b->step;   /* >= 0 */
    int k = (int)(y + 0.5);                           /* y rounded, ties up */
    double f = y + 0.5 - (double)k;                   /* in [0, 1) */
    if (fabs(f - 0.5) > 0.5 - 1e-9 * (1.0 + y))       /* near a bin edge: the exact rule */
        k = (int)__builtin_rint((x - b->min) / b->step);
    return k > b->n - 1 ? b->n - 1 : k;
}

/* Bin index with the XSOCS / silx rule above, or -1 when x is outside
 * [min - step/2, max + step/2] or not finite. */
int qmap_axis_bin_xsocs(const qmap_axis *a, double x);

/* Flat index (row-major, axes ax[0..2]) of point q with the XSOCS / silx rule, computed
 * with exactly silx's floating-point operations; -1 when the point is dropped. */
long qmap_grid_index_xsocs(const qmap_axis ax[3], const double q[3]);

/* Axis of n bins whose first and last centres are the min and max of v[0..count), skipping
 * non-finite values (XSOCS: q.min(), q.max()). Returns QMAP_OK or QMAP_ERR_VALUE. */
int qmap_axis_from_data(qmap_axis *a, const double *v, long count, int n);

/* Largest useful number of bins along one q component (sxdm estimate_n_bins):
 * q holds n_scans frames of rows x cols values; the result is
 * min over the three array axes (scan, row, col) of (max q - min q) / max|step along that
 * axis| + 1, with axes of length 1 ignored. mask (rows*cols, non-zero = skip) may be NULL.
 * The quotient is truncated (python int()). Steps are taken between neighbours that are
 * both unmasked and finite. sxdm computes max|q| - min|q|, which equals max - min unless q
 * changes sign; qmap uses max - min. Returns >= 1, or QMAP_ERR_VALUE (negative) when the
 * shape is empty, no step is non-zero, or every value is masked. */
int qmap_estimate_bins(const double *q, int n_scans, int rows, int cols,
                       const unsigned char *mask);

#ifdef __cplusplus
}
#endif
#endif
