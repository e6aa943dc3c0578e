/* voi.c -- automatic region of interest (VOI) in reciprocal space and its bins.
 *
 * The VOI is found on the coarse map-averaged reciprocal space: around its strongest
 * bin, along each axis, the extent where the hit-normalised projection stays above
 * 1 % of the peak height over the background, widened by 30 % on each side. Bins then
 * follow the natural sampling step of the data (the largest change of that q component
 * between neighbouring pixels or consecutive scans), reduced until no slab is empty.
 */
#include "voi.h"
#include "qmap/error.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Issue 18: on all threads, each over its own bins of axis a, every bin's sums taken in the
 * order of the array (the same numbers as one thread). */
void qmap_space_projection(const qmap_coarse_space *cs, int a, double *p, double *h)
{
    int n[3] = {cs->axes[0].n, cs->axes[1].n, cs->axes[2].n};
    memset(p, 0, n[a] * sizeof *p);
    memset(h, 0, n[a] * sizeof *h);
#pragma omp parallel
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int lo = (int)((long)n[a] * t / nt), hi = (int)((long)n[a] * (t + 1) / nt);
        int i0 = a == 0 ? lo : 0, i1 = a == 0 ? hi : n[0];
        int j0 = a == 1 ? lo : 0, j1 = a == 1 ? hi : n[1];
        int k0 = a == 2 ? lo : 0, k1 = a == 2 ? hi : n[2];
        for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++)
                for (int k = k0; k < k1; k++) {
                    size_t b = ((size_t)i * n[1] + j) * n[2] + k;
                    int idx = a == 0 ? i : a == 1 ? j : k;
                    p[idx] += cs->sum[b];
                    h[idx] += cs->hits[b];
                }
    }
    for (int i = 0; i < n[a]; i++)
        p[i] = h[i] > 0 ? p[i] / h[i] : NAN;
}

/* The first bin of the largest coarse sum (the sums are finite: bad readings are never
 * added). Issue 18: each thread finds the first largest of its range; the ranges are then
 * taken in order, a later one only when strictly larger: the bin one thread finds. */
static size_t coarse_peak(const double *sum, size_t total)
{
    enum { MAX_RANGES = 256 };
    size_t first_max[MAX_RANGES];   /* per range: the first bin of its largest sum */
    int n_ranges = omp_get_max_threads();
    n_ranges = n_ranges > MAX_RANGES ? MAX_RANGES : n_ranges < 1 ? 1 : n_ranges;
#pragma omp parallel for schedule(static, 1) num_threads(n_ranges)
    for (int r = 0; r < n_ranges; r++) {
        size_t lo = total * (size_t)r / (size_t)n_ranges, hi = total * (size_t)(r + 1) / (size_t)n_ranges, m = lo;
        for (size_t b = lo + 1; b < hi; b++)
            if (sum[b] > sum[m])
                m = b;
        first_max[r] = lo < hi ? m : total;   /* total: an empty range */
    }
    size_t best = 0;
    for (int r = 0; r < n_ranges; r++)
        if (first_max[r] < total && sum[first_max[r]] > sum[best])
            best = first_max[r];
    return best;
}

int qmap_auto_voi(const qmap_coarse_space *cs, double voi[6])
{
    int n[3] = {cs->axes[0].n, cs->axes[1].n, cs->axes[2].n};
    size_t total = (size_t)n[0] * n[1] * n[2], best = coarse_peak(cs->sum, total);
    if (!(cs->sum[best] > 0))
        return qmap_error(QMAP_ERR_VALUE, "no diffracted intensity in the data: cannot place the VOI "
                                          "automatically (all frames empty after masking?)");
    int peak[3] = {(int)(best / ((size_t)n[1] * n[2])), (int)(best / n[2] % n[1]), (int)(best % n[2])};
    for (int a = 0; a < 3; a++) {
        double *p = malloc(n[a] * sizeof *p), *sorted = malloc(n[a] * sizeof *sorted);
        double *h = malloc(n[a] * sizeof *h);
        if (!p || !sorted || !h) {
            free(p);
            free(sorted);
            free(h);
            return qmap_error(QMAP_ERR_NOMEM, "out of memory choosing the VOI");
        }
        qmap_space_projection(cs, a, p, h);
        free(h);
        int m = 0;
        for (int i = 0; i < n[a]; i++)
            if (isfinite(p[i]))
                sorted[m++] = p[i];
        qsort(sorted, m, sizeof *sorted, cmp_double);
        double bg = m ? sorted[m / 2] : 0, top = p[peak[a]];
        double level = bg + 0.01 * (top - bg);
        int lo = peak[a], hi = peak[a];
        while (lo > 0 && (!isfinite(p[lo - 1]) || p[lo - 1] > level))
            lo--;
        while (hi < n[a] - 1 && (!isfinite(p[hi + 1]) || p[hi + 1] > level))
            hi++;
        free(p);
        free(sorted);
        double step = qmap_axis_step(&cs->axes[a]);
        double q0 = qmap_axis_center(&cs->axes[a], lo) - 0.5 * step;
        double q1 = qmap_axis_center(&cs->axes[a], hi) + 0.5 * step;
        double pad = 0.3 * (q1 - q0);
        voi[2 * a] = fmax(q0 - pad, cs->axes[a].min);
        voi[2 * a + 1] = fmin(q1 + pad, cs->axes[a].max);
    }
    return QMAP_OK;
}

/* Fill plan bin indices for one axis and count hits per slab. */
static void bin_axis(const qmap_axis *ax, int a, qmap_scan_plan *plans, int n_scans, double *slab)
{
    memset(slab, 0, ax->n * sizeof *slab);
    qmap_axis_binner binner;   /* issue 18: the same bins as qmap_axis_bin, step computed once */
    qmap_axis_binner_init(&binner, ax);
    for (int s = 0; s < n_scans; s++)
        for (int i = 0; i < plans[s].n_pix; i++) {
            int b = qmap_axis_bin_with(&binner, plans[s].q[3 * i + a]);
            plans[s].bin3[3 * i + a] = b;
            if (b >= 0)
                slab[b] += 1;
        }
}

int qmap_choose_bins(const double voi[6], const double natural_step[3], qmap_scan_plan *plans,
                     int n_scans, int bins_set, const int user_bins[3], qmap_axis axes[3])
{
    for (int a = 0; a < 3; a++) {
        double width = voi[2 * a + 1] - voi[2 * a];
        int n;
        if (bins_set)
            n = user_bins[a];
        else {
            double steps = natural_step[a] > 0 ? width / natural_step[a] : 100;
            n = steps > 99 ? 100 : (int)floor(steps) + 1;
            if (n < 3)
                n = 3;
        }
        double *slab = malloc((size_t)(n > 0 ? n : 1) * sizeof *slab);
        if (!slab)
            return qmap_error(QMAP_ERR_NOMEM, "out of memory choosing bins");
        for (;;) {
            axes[a].min = voi[2 * a];
            axes[a].max = voi[2 * a + 1];
            axes[a].n = n;
            bin_axis(&axes[a], a, plans, n_scans, slab);
            int empty = 0;
            for (int k = 0; k < n; k++)
                empty += slab[k] == 0;
            if (!empty || bins_set || n <= 3)
                break;
            n--;
        }
        free(slab);
    }
    return QMAP_OK;
}

void qmap_scan_plan_free(qmap_scan_plan *p)
{
    free(p->pix);
    free(p->q);
    free(p->bin3);
    p->pix = NULL;
    p->q = NULL;
    p->bin3 = NULL;
}
