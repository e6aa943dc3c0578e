/* segment_distance.c -- exact Euclidean distance transform of a binary image.
 *
 * Felzenszwalb & Huttenlocher, "Distance transforms of sampled functions" (2012): the
 * squared distance is separable, so a 1D transform along every column and then along
 * every row gives the exact 2D result. Each 1D pass computes the lower envelope of the
 * parabolas (x - q)^2 + f(q) in O(n). Background samples are f = 0, foreground +inf.
 * With border_is_background, one virtual background sample is added at each end of every
 * line, which is the same as padding the image with a background frame.
 */
#include "qmap/segment.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>

/* 1D squared-distance transform of f[0..n-1] into d; v (n ints) and z (n+1 doubles) are
 * scratch. Samples equal to +inf contribute no parabola. */
static void edt_1d(const double *f, int n, double *d, int *v, double *z)
{
    int k = -1;
    for (int q = 0; q < n; q++) {
        if (isinf(f[q]))
            continue;
        if (k < 0) {
            k = 0;
            v[0] = q;
            z[0] = -INFINITY;
            z[1] = INFINITY;
            continue;
        }
        /* Drop the parabolas the new one hides; z[0] = -inf stops the loop at k = 0. */
        double s;
        for (;;) {
            int p = v[k];
            s = ((f[q] + (double)q * q) - (f[p] + (double)p * p)) / (2.0 * (q - p));
            if (s > z[k])
                break;
            k--;
        }
        k++;
        v[k] = q;
        z[k] = s;
        z[k + 1] = INFINITY;
    }
    if (k < 0) {
        for (int q = 0; q < n; q++)
            d[q] = INFINITY;
        return;
    }
    int j = 0;
    for (int q = 0; q < n; q++) {
        while (z[j + 1] < q)
            j++;
        double dq = q - v[j];
        d[q] = dq * dq + f[v[j]];
    }
}

int qmap_distance_transform(const uint8_t *mask, int w, int h, int border_is_background,
                            double *dist)
{
    if (w <= 0 || h <= 0 || (long long)w * h > 1LL << 31)
        return qmap_error(QMAP_ERR_VALUE, "image of %d x %d pixels: expected 1..2^31 pixels", w, h);
    int pad = border_is_background ? 1 : 0;
    int n = (w > h ? w : h) + 2 * pad;
    double *f = malloc((size_t)n * sizeof *f), *d = malloc((size_t)n * sizeof *d);
    double *z = malloc(((size_t)n + 1) * sizeof *z);
    int *v = malloc((size_t)n * sizeof *v);
    if (!f || !d || !z || !v) {
        free(f), free(d), free(z), free(v);
        return qmap_error(QMAP_ERR_NOMEM, "distance transform of %d x %d pixels: out of memory", w, h);
    }
    /* Columns: squared distance to the nearest background pixel in the same column. */
    for (int c = 0; c < w; c++) {
        if (pad)
            f[0] = f[h + 1] = 0;
        for (int r = 0; r < h; r++)
            f[r + pad] = mask[(long)r * w + c] ? INFINITY : 0;
        edt_1d(f, h + 2 * pad, d, v, z);
        for (int r = 0; r < h; r++)
            dist[(long)r * w + c] = d[r + pad];
    }
    /* Rows: combine the column results. */
    for (int r = 0; r < h; r++) {
        double *row = dist + (long)r * w;
        if (pad)
            f[0] = f[w + 1] = 0;
        for (int c = 0; c < w; c++)
            f[c + pad] = row[c];
        edt_1d(f, w + 2 * pad, d, v, z);
        for (int c = 0; c < w; c++)
            row[c] = sqrt(d[c + pad]);
    }
    free(f), free(d), free(z), free(v);
    return QMAP_OK;
}
