/* hot_pixels.c -- find hot detector pixels from a sample of frames.
 *
 * Photon-counting frames are sparse: a pixel that counts in nearly every frame is hot,
 * unless its neighbours count as much (then it is part of a broad Bragg peak or of
 * diffuse scattering). Isolation is judged against the median of the 8 neighbours.
 */
#include "pipeline.h"

#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

long qmap_find_hot_pixels(const uint32_t *nonzero, const double *sum, int n_frames, int rows,
                          int cols, double fraction, uint8_t *mask)
{
    if (n_frames <= 0)
        return 0;
    long found = 0;
    double need = fraction * n_frames;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
            size_t p = (size_t)i * cols + j;
            if (mask[p] || nonzero[p] < need)
                continue;
            double nb[8];
            int n = 0;
            for (int di = -1; di <= 1; di++)
                for (int dj = -1; dj <= 1; dj++) {
                    int ii = i + di, jj = j + dj;
                    if ((di || dj) && ii >= 0 && ii < rows && jj >= 0 && jj < cols)
                        nb[n++] = sum[(size_t)ii * cols + jj] / n_frames;
                }
            qsort(nb, n, sizeof nb[0], cmp_double);
            double med = n ? (n % 2 ? nb[n / 2] : 0.5 * (nb[n / 2 - 1] + nb[n / 2])) : 0;
            if (sum[p] / n_frames > 10.0 * med + 1.0) {
                mask[p] = 1;
                found++;
            }
        }
    }
    return found;
}
