/* drift_signal.c -- the signals the drift can be measured on, and how good they are.
 *
 * Why: a drift registered on Bragg maps is biased by the lattice tilt (the diffracting
 * region moves across the particle with eta). The sample's fluorescence is not: a
 * photon-counting detector above its energy threshold records it all over the chip.
 * The quick-look pass sums every frame per detector tile (QMAP_OFFBRAGG_GRID^2 tiles,
 * one add per non-zero pixel, for the scan being read only: memory bounded by the map);
 * after each scan the tiles that hold Bragg or diffuse signal are found from their count
 * rate and left out, and the others summed into the scan's off-Bragg map.
 * The contrast figure decides whether a signal carries a feature to register; the fill
 * fraction whether the object has edges inside the map at all.
 */
#include "drift_measure.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CONTRAST_TOP 4   /* positions that make a small object's height (map_contrast) */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* q-quantile (0..1) of v[0..n-1], sorted in place; n > 0. */
static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, cmp_double);
    double x = q * (double)(n - 1);
    size_t i = (size_t)x;
    double f = x - (double)i;
    return i + 1 < n ? v[i] * (1 - f) + v[i + 1] * f : v[n - 1];
}

/* Contrast of one map: robust range over robust noise; 0 when it has no feature. */
static double map_contrast(const double *m, int n_slow, int n_fast, double *work)
{
    size_t n = 0, nd = 0;
    size_t npos = (size_t)n_slow * n_fast;
    for (size_t p = 0; p < npos; p++)
        if (isfinite(m[p]))
            work[n++] = m[p];
    if (n < 4)
        return 0;
    double range = quantile(work, n, 0.95) - quantile(work, n, 0.05);   /* sorts work */
    /* a small object (under 5 % of the map: a particle found in a large map) is not in the
     * 95th percentile: its height is the mean of the CONTRAST_TOP brightest positions above
     * the median (one bright glitch counts a quarter) */
    if (n >= 2 * CONTRAST_TOP) {
        double top = 0;
        for (size_t i = n - CONTRAST_TOP; i < n; i++)
            top += work[i];
        range = fmax(range, top / CONTRAST_TOP - quantile(work, n, 0.5));
    }
    if (!(range > 0))
        return 0;
    for (int r = 0; r < n_slow; r++)
        for (int c = 0; c + 1 < n_fast; c++) {
            double a = m[(size_t)r * n_fast + c], b = m[(size_t)r * n_fast + c + 1];
            if (isfinite(a) && isfinite(b))
                work[nd++] = fabs(a - b);
        }
    if (nd < 4)
        return 0;
    /* median |difference| of two independent N(0, s) values is 0.6745 * sqrt(2) * s */
    double noise = quantile(work, nd, 0.5) / (0.6745 * 1.41421356);
    /* a smooth map has tiny differences; the floor keeps the figure finite and lets a
     * noise-free feature count as strong contrast */
    double floor = 1e-3 * range;
    return range / fmax(noise, floor);
}

double qmap_drift_contrast(const double *maps, int n_scans, int n_slow, int n_fast)
{
    size_t npos = (size_t)n_slow * n_fast;
    double *work = malloc(npos * sizeof *work), *mean = calloc(npos, sizeof *mean);
    if (!work || !mean) {
        free(work);
        free(mean);
        return 0;
    }
    /* the mean over the scans: what the template registration sees (noise down by
     * sqrt(n_scans); the drift blurs it by a few pixels at most) */
    for (size_t p = 0; p < npos; p++) {
        int n = 0;
        for (int s = 0; s < n_scans; s++) {
            double v = maps[(size_t)s * npos + p];
            if (isfinite(v)) {
                mean[p] += v;
                n++;
            }
        }
        mean[p] = n ? mean[p] / n : NAN;
    }
    double c = map_contrast(mean, n_slow, n_fast, work);
    free(work);
    free(mean);
    return c;
}

double qmap_drift_fill_fraction(const double *maps, int n_scans, int n_slow, int n_fast)
{
    size_t npos = (size_t)n_slow * n_fast;
    double *t = calloc(npos, sizeof *t);
    if (!t)
        return 1;
    double mx = 0, lo = INFINITY;
    for (size_t p = 0; p < npos; p++) {
        for (int s = 0; s < n_scans; s++) {
            double v = maps[(size_t)s * npos + p];
            t[p] += isfinite(v) ? v : 0;
        }
        mx = fmax(mx, t[p]);
        lo = fmin(lo, t[p]);
    }
    size_t above = 0;
    for (size_t p = 0; p < npos; p++)
        above += t[p] - lo > 0.2 * (mx - lo);
    free(t);
    return mx > lo ? (double)above / (double)npos : 1;
}

/* ---------------------------------------------------------------- tiles */

void qmap_offbragg_tile_map(int rows, int cols, const uint8_t *mask, int16_t *tile_of,
                            double *pixels_per_tile)
{
    const int g = QMAP_OFFBRAGG_GRID;
    memset(pixels_per_tile, 0, QMAP_OFFBRAGG_TILES * sizeof *pixels_per_tile);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            size_t p = (size_t)i * cols + j;
            int t = (int)((long)i * g / rows) * g + (int)((long)j * g / cols);
            tile_of[p] = mask[p] ? -1 : (int16_t)t;
            if (!mask[p])
                pixels_per_tile[t] += 1;
        }
}

int qmap_offbragg_select(const double *tile_counts, const double *pixels_per_tile, uint8_t *use)
{
    const int g = QMAP_OFFBRAGG_GRID;
    double rate[QMAP_OFFBRAGG_TILES], sorted[QMAP_OFFBRAGG_TILES];
    int n = 0;
    for (int t = 0; t < QMAP_OFFBRAGG_TILES; t++) {
        rate[t] = pixels_per_tile[t] > 0 ? tile_counts[t] / pixels_per_tile[t] : NAN;
        if (isfinite(rate[t]))
            sorted[n++] = rate[t];
    }
    if (n == 0) {
        memset(use, 0, QMAP_OFFBRAGG_TILES);
        return 0;
    }
    double med = quantile(sorted, (size_t)n, 0.5);
    uint8_t bragg[QMAP_OFFBRAGG_TILES];
    for (int t = 0; t < QMAP_OFFBRAGG_TILES; t++)
        bragg[t] = isfinite(rate[t]) && rate[t] > 3 * med;
    int kept = 0;
    for (int t = 0; t < QMAP_OFFBRAGG_TILES; t++) {
        int ti = t / g, tj = t % g, near = 0;
        for (int di = -1; di <= 1; di++)
            for (int dj = -1; dj <= 1; dj++) {
                int a = ti + di, b = tj + dj;
                if (a >= 0 && a < g && b >= 0 && b < g && bragg[a * g + b])
                    near = 1;
            }
        use[t] = !near && pixels_per_tile[t] > 0;
        kept += use[t];
    }
    return kept;
}

int qmap_offbragg_scan_map(const float *tiles, int n_pos, const double *pixels_per_tile,
                           const double *bragg_map, double *map)
{
    double counts[QMAP_OFFBRAGG_TILES] = {0};
    uint8_t use[QMAP_OFFBRAGG_TILES];
    for (int p = 0; p < n_pos; p++)
        for (int t = 0; t < QMAP_OFFBRAGG_TILES; t++)
            counts[t] += tiles[(size_t)p * QMAP_OFFBRAGG_TILES + t];
    int kept = qmap_offbragg_select(counts, pixels_per_tile, use);
    for (int p = 0; p < n_pos; p++) {
        const float *t = tiles + (size_t)p * QMAP_OFFBRAGG_TILES;
        double v = 0;
        for (int i = 0; i < QMAP_OFFBRAGG_TILES; i++)
            if (use[i])
                v += t[i];
        map[p] = isfinite(bragg_map[p]) && kept > 0 ? v : NAN;
    }
    return kept;
}
