/* qspace.c -- reciprocal-space binning rules (see include/qmap/qspace.h).
 *
 * Two rules live here because qmap must reproduce both reference tools bit for bit:
 * xrayutilities' Gridder3D (rint of the distance to the first centre, inclusive [min, max])
 * and XSOCS, which feeds silx histogramnd_get_lut with edges widened by half a step.
 * Also the sxdm estimate of the largest useful number of bins.
 */
#include "qmap/qspace.h"
#include "qmap/error.h"

#include <math.h>
#include <stddef.h>

void qmap_axis_binner_init(qmap_axis_binner *b, const qmap_axis *a)
{
    b->min = a->min;
    b->max = a->max;
    b->n = a->n;
    b->step = a->n < 2 ? 0.0 : fabs(a->max - a->min) / (double)(a->n - 1);
    b->inv_step = b->step > 0 && isfinite(1.0 / b->step) ? 1.0 / b->step : 0.0;   /* 0: divide */
}

/* A value is skipped when not finite or outside [min, max]; a degenerate axis
 * (min == max == x) puts it in bin 0. */
int qmap_axis_bin(const qmap_axis *a, double x)
{
    if (a->n < 2 || !isfinite(x) || x < a->min || x > a->max)
        return -1;
    double step = fabs(a->max - a->min) / (double)(a->n - 1);
    if (step == 0.0)
        return 0;                       /* min == max == x: a degenerate axis */
    double k = rint((x - a->min) / step);
    return k > a->n - 1 ? a->n - 1 : (int)k;
}

/* The XSOCS range [g0, g1] handed to silx, with XSOCS' own order of operations. */
static void xsocs_range(const qmap_axis *a, double *g0, double *g1)
{
    double step = (a->max - a->min) / (a->n - 1.0);
    *g0 = a->min - step / 2.0;
    *g1 = a->min + (a->max - a->min + step) - step / 2.0;
}

/* One silx step: fold axis a's index of x into the running flat index *bin; 0 or -1. */
static int xsocs_fold(const qmap_axis *a, double x, long *bin)
{
    double g0, g1;
    int n = a->n;
    if (n < 2 || !isfinite(x))
        return -1;
    xsocs_range(a, &g0, &g1);
    double range = g1 - g0;
    if (x < g0)
        return -1;
    if (x < g1)
        *bin = (long)(*bin * n + ((x - g0) * n) / range);   /* silx: one cast of the sum */
    else if (x == g1)
        *bin = (*bin + 1) * n - 1;                          /* last_bin_closed */
    else
        return -1;
    return 0;
}

int qmap_axis_bin_xsocs(const qmap_axis *a, double x)
{
    long bin = 0;
    return xsocs_fold(a, x, &bin) < 0 ? -1 : (int)bin;
}

long qmap_grid_index_xsocs(const qmap_axis ax[3], const double q[3])
{
    long bin = 0;
    for (int d = 0; d < 3; d++)
        if (xsocs_fold(&ax[d], q[d], &bin) < 0)
            return -1;
    return bin;
}

int qmap_axis_from_data(qmap_axis *a, const double *v, long count, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (long i = 0; i < count; i++) {
        if (!isfinite(v[i]))
            continue;
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    if (n < 2)
        return qmap_error(QMAP_ERR_VALUE, "an axis needs at least 2 bins, got %d", n);
    if (lo > hi)
        return qmap_error(QMAP_ERR_VALUE, "no finite value among %ld to build a q axis", count);
    a->min = lo;
    a->max = hi;
    a->n = n;
    return QMAP_OK;
}

static int usable(const double *q, const unsigned char *mask, size_t frame_px, size_t k)
{
    return isfinite(q[k]) && !(mask && mask[k % frame_px]);
}

/* Largest |q[k] - q[k + stride]| over neighbour pairs along one array axis of length len. */
static double max_step_along(const double *q, const unsigned char *mask, const int dims[3],
                             int axis, size_t stride)
{
    size_t frame_px = (size_t)dims[1] * dims[2];
    size_t total = frame_px * dims[0];
    double best = 0.0;
    for (size_t k = 0; k < total; k++) {
        size_t pos = (axis == 0) ? k / frame_px : (axis == 1) ? (k / dims[2]) % dims[1] : k % dims[2];
        if (pos + 1 >= (size_t)dims[axis])
            continue;
        size_t k2 = k + stride;
        if (!usable(q, mask, frame_px, k) || !usable(q, mask, frame_px, k2))
            continue;
        double d = fabs(q[k2] - q[k]);
        if (d > best)
            best = d;
    }
    return best;
}

int qmap_estimate_bins(const double *q, int n_scans, int rows, int cols,
                       const unsigned char *mask)
{
    if (!q || n_scans <= 0 || rows <= 0 || cols <= 0)
        return qmap_error(QMAP_ERR_VALUE, "estimate_bins: empty q array %d x %d x %d",
                          n_scans, rows, cols);
    const int dims[3] = {n_scans, rows, cols};
    const size_t strides[3] = {(size_t)rows * cols, (size_t)cols, 1};
    size_t frame_px = strides[0], total = frame_px * n_scans;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < total; k++) {
        if (!usable(q, mask, frame_px, k))
            continue;
        if (q[k] < lo) lo = q[k];
        if (q[k] > hi) hi = q[k];
    }
    if (lo > hi)
        return qmap_error(QMAP_ERR_VALUE, "estimate_bins: every q value is masked or not finite");
    double best = INFINITY;
    for (int axis = 0; axis < 3; axis++) {
        if (dims[axis] < 2)
            continue;
        double step = max_step_along(q, mask, dims, axis, strides[axis]);
        if (step > 0.0 && (hi - lo) / step < best)
            best = (hi - lo) / step;
    }
    if (!isfinite(best))
        return qmap_error(QMAP_ERR_VALUE, "estimate_bins: q does not change along any axis");
    if (best >= 2147483646.0)
        return qmap_error(QMAP_ERR_VALUE, "estimate_bins: %g bins is out of range", best);
    return (int)best + 1;
}
