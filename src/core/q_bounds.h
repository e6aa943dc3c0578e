/* q_bounds.h -- bounds of Q over square tiles of the detector (issue 18), so that the
 * stages that need only extremes of Q (the q range) or only the pixels inside a box (the
 * plans of the VOI) evaluate Q on the few tiles that can matter instead of on every pixel
 * of every scan.
 *
 * Q of pixel p in a scan is k * m . d[p] (qmap_scan_qs: d the cached detector part, m the
 * sample rotation of the scan). A tile keeps the box of d over its unmasked pixels (and the
 * boxes of the differences to the right and lower neighbours); a linear function over a
 * box is bounded by its corners. The bounds are widened by a slack far larger than the
 * rounding of any Q or difference the stages compute (1e-11 of the largest term, against
 * a few 1e-16), so a tile whose bounds exclude a value holds no pixel that the exact
 * per-pixel computation would give it: results equal to the sweep over every pixel.
 */
#ifndef QMAP_CORE_Q_BOUNDS_H
#define QMAP_CORE_Q_BOUNDS_H

#include <stddef.h>
#include <stdint.h>

#define QMAP_QB_TILE 16

/* one tile: the boxes (lo[3], hi[3]) of d, of d[right] - d, of d[below] - d over its
 * unmasked pixels (empty box: lo > hi), and its first unmasked pixel (-1: none) */
typedef struct {
    double d_lo[3], d_hi[3];
    double h_lo[3], h_hi[3];   /* pixels with a right neighbour */
    double v_lo[3], v_hi[3];   /* pixels with a lower neighbour */
    int32_t first;
} qmap_q_tile;

typedef struct {
    int rows, cols, tile_rows, tile_cols;
    qmap_q_tile *t;            /* tile_rows x tile_cols, row-major */
    double d_abs;              /* largest |component| of d over the detector (for the slack) */
} qmap_q_bounds;

/* The tiles of d (3 per pixel, interleaved) for the mask (1 = masked). */
int qmap_q_bounds_build(qmap_q_bounds *b, const double *d, const uint8_t *mask, int rows, int cols);
void qmap_q_bounds_free(qmap_q_bounds *b);

/* [*lo, *hi] holds c . x for every x of the box [x_lo, x_hi] (not empty), widened by slack. */
static inline void qmap_q_bounds_linear(const double c[3], const double x_lo[3], const double x_hi[3],
                                        double slack, double *lo, double *hi)
{
    double l = 0, h = 0;
    for (int a = 0; a < 3; a++) {
        double u = c[a] * x_lo[a], v = c[a] * x_hi[a];
        l += u < v ? u : v;
        h += u < v ? v : u;
    }
    *lo = l - slack;
    *hi = h + slack;
}

/* The slack for values computed from d with coefficients whose absolute values sum to
 * coef_abs (for a difference of two such values: the sum over both): far above rounding. */
static inline double qmap_q_bounds_slack(const qmap_q_bounds *b, double coef_abs)
{
    return 1e-11 * coef_abs * (b->d_abs + 1.0);
}

#endif
