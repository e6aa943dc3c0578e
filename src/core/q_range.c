/* q_range.c -- the range of Q over the unmasked pixels of all scans and the natural
 * sampling step (see q_range.h): the coarse axes of the quick look and the bins come from it.
 *
 * Issue 18: the sweep over every pixel of every scan (266 256 Maxipix pixels x 30 scans on
 * the 12 000-frame bench, 12 % of a one-thread run) is replaced, when the detector does not
 * move between scans, by the tiles of q_bounds.h: each scan's extremes and steps are first
 * taken at one pixel per tile (values the full sweep also reaches), then only tiles whose
 * bounds can beat them are visited pixel by pixel. Every value compared is computed exactly
 * as the full sweep computes it, so lo, hi and step are the same numbers.
 */
#include "q_range.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>

static int eta_order(const pipeline *P, int **order)
{
    /* issue 12 (non-monotonic eta order): the step between scans is taken between
     * neighbours in eta, not in acquisition order */
    int *o = malloc(P->n_scans * sizeof *o);
    if (!o)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (q arrays)");
    for (int s = 0; s < P->n_scans; s++) {
        int k = s;
        for (; k > 0 && P->angles[o[k - 1]].eta > P->angles[s].eta; k--)
            o[k] = o[k - 1];
        o[k] = s;
    }
    *order = o;
    return QMAP_OK;
}

/* Every pixel of every scan, one scan after the other in eta order. */
int qmap_q_range_every_pixel(pipeline *P, double lo[3], double hi[3], double step[3])
{
    double *q = malloc(6 * P->n_pix * sizeof *q);
    if (!q)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (q arrays)");
    double *cur = q, *prev = q + 3 * P->n_pix;
    for (int a = 0; a < 3; a++) {
        lo[a] = INFINITY;
        hi[a] = -INFINITY;
        step[a] = 0;
    }
    int *order = NULL;
    if (eta_order(P, &order) < 0) {
        free(q);
        return QMAP_ERR_NOMEM;
    }
    int rc = QMAP_OK;
    size_t n = P->n_pix;
    for (int si = 0; si < P->n_scans && rc == QMAP_OK; si++) {
        int s = order[si];
        qmap_scan_qs qs;
        if ((rc = qmap_scan_q_begin(P, s, &qs)) < 0)
            break;
        /* issue 18: both sweeps on all threads; each thread keeps its own extremes and
         * largest steps (min and max are exact in any order), merged at the end */
#pragma omp parallel
        {
            const qmap_scan_qs L = qs;   /* a local copy: the stores below cannot alias it */
#pragma omp for schedule(static)
            for (size_t p = 0; p < n; p++) {
                double v[3];
                qmap_scan_q_at(&L, p, v);
                cur[p] = v[0];
                cur[n + p] = v[1];
                cur[2 * n + p] = v[2];
            }
            double l[3], h[3], st[3];
            for (int a = 0; a < 3; a++) {
                l[a] = INFINITY;
                h[a] = -INFINITY;
                st[a] = 0;
            }
            for (int a = 0; a < 3; a++) {
                const double *c = cur + a * n, *pv = prev + a * n;
                double la = l[a], ha = h[a], sa = st[a];
#pragma omp for schedule(static) nowait
                for (int i = 0; i < P->rows; i++)
                    for (int j = 0; j < P->cols; j++) {
                        size_t p = (size_t)i * P->cols + j;
                        if (P->mask[p])
                            continue;
                        /* comparisons, not fmin/fmax calls (Q is finite; issue 18: same values) */
                        double v = c[p], e;
                        la = v < la ? v : la;
                        ha = v > ha ? v : ha;
                        if (j + 1 < P->cols && (e = fabs(c[p + 1] - v)) > sa) sa = e;
                        if (i + 1 < P->rows && (e = fabs(c[p + P->cols] - v)) > sa) sa = e;
                        if (si > 0 && (e = fabs(v - pv[p])) > sa) sa = e;
                    }
                l[a] = la;
                h[a] = ha;
                st[a] = sa;
            }
#pragma omp critical(qmap_q_range_merge)
            for (int a = 0; a < 3; a++) {
                lo[a] = l[a] < lo[a] ? l[a] : lo[a];
                hi[a] = h[a] > hi[a] ? h[a] : hi[a];
                step[a] = st[a] > step[a] ? st[a] : step[a];
            }
        }
        qmap_scan_q_end(&qs);
        double *t = cur;
        cur = prev;
        prev = t;
    }
    free(order);
    free(q);
    return rc;
}

/* The contribution of unmasked pixel p of scan qs (prev: the scan before it in eta, or
 * NULL) to the extremes and steps: the operations of the sweep over every pixel. */
static inline void range_pixel(const qmap_scan_qs *qs, const qmap_scan_qs *prev, int rows, int cols, size_t p,
                               double lo[3], double hi[3], double step[3])
{
    double v[3], r[3], b[3], pv[3];
    int i = (int)(p / (size_t)cols), j = (int)(p % (size_t)cols);
    qmap_scan_q_at(qs, p, v);
    if (j + 1 < cols)
        qmap_scan_q_at(qs, p + 1, r);
    if (i + 1 < rows)
        qmap_scan_q_at(qs, p + (size_t)cols, b);
    if (prev)
        qmap_scan_q_at(prev, p, pv);
    for (int a = 0; a < 3; a++) {
        double e;
        lo[a] = v[a] < lo[a] ? v[a] : lo[a];
        hi[a] = v[a] > hi[a] ? v[a] : hi[a];
        if (j + 1 < cols && (e = fabs(r[a] - v[a])) > step[a]) step[a] = e;
        if (i + 1 < rows && (e = fabs(b[a] - v[a])) > step[a]) step[a] = e;
        if (prev && (e = fabs(v[a] - pv[a])) > step[a]) step[a] = e;
    }
}

/* largest |c . x| over a box (empty box: -1), widened by slack */
static double abs_bound(const double c[3], const double x_lo[3], const double x_hi[3], double slack)
{
    if (!(x_lo[0] <= x_hi[0]))
        return -1;
    double l, h;
    qmap_q_bounds_linear(c, x_lo, x_hi, slack, &l, &h);
    return fabs(l) > fabs(h) ? fabs(l) : fabs(h);
}

/* One scan on the tiles: first the first pixel of every tile, then the tiles whose bounds
 * reach beyond what is already found (lo, hi, step: values reached, so thresholds). */
static void range_scan_tiled(const pipeline *P, const qmap_q_bounds *B, const qmap_scan_qs *qs,
                             const qmap_scan_qs *prev, double lo[3], double hi[3], double step[3])
{
    int rows = P->rows, cols = P->cols, n_tiles = B->tile_rows * B->tile_cols;
    for (int k = 0; k < n_tiles; k++)
        if (B->t[k].first >= 0)
            range_pixel(qs, prev, rows, cols, (size_t)B->t[k].first, lo, hi, step);
    double c[3][3], w[3][3], s_q[3], s_diff[3], s_prev[3];
    for (int a = 0; a < 3; a++) {
        double abs_c = 0, abs_p = 0;
        for (int b = 0; b < 3; b++) {
            c[a][b] = qs->k * qs->m[a][b];
            w[a][b] = prev ? qs->k * qs->m[a][b] - prev->k * prev->m[a][b] : 0;
            abs_c += fabs(qs->k) * fabs(qs->m[a][b]);
            abs_p += prev ? fabs(prev->k) * fabs(prev->m[a][b]) : 0;
        }
        s_q[a] = qmap_q_bounds_slack(B, abs_c);
        s_diff[a] = qmap_q_bounds_slack(B, 2 * abs_c);
        s_prev[a] = qmap_q_bounds_slack(B, abs_c + abs_p);
    }
    for (int k = 0; k < n_tiles; k++) {
        const qmap_q_tile *t = &B->t[k];
        if (t->first < 0)
            continue;
        int visit = 0;
        for (int a = 0; a < 3 && !visit; a++) {
            double l, h;
            qmap_q_bounds_linear(c[a], t->d_lo, t->d_hi, s_q[a], &l, &h);
            visit = l <= lo[a] || h >= hi[a] || abs_bound(c[a], t->h_lo, t->h_hi, s_diff[a]) >= step[a] ||
                    abs_bound(c[a], t->v_lo, t->v_hi, s_diff[a]) >= step[a] ||
                    (prev && abs_bound(w[a], t->d_lo, t->d_hi, s_prev[a]) >= step[a]);
        }
        if (!visit)
            continue;
        int i0 = k / B->tile_cols * QMAP_QB_TILE, j0 = k % B->tile_cols * QMAP_QB_TILE;
        int i1 = i0 + QMAP_QB_TILE < rows ? i0 + QMAP_QB_TILE : rows;
        int j1 = j0 + QMAP_QB_TILE < cols ? j0 + QMAP_QB_TILE : cols;
        for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++) {
                size_t p = (size_t)i * cols + j;
                if (!P->mask[p])
                    range_pixel(qs, prev, rows, cols, p, lo, hi, step);
            }
    }
}

int qmap_q_range(pipeline *P, double lo[3], double hi[3], double step[3])
{
    const qmap_q_bounds *B = qmap_stage_q_bounds(P);
    if (!B)
        return qmap_q_range_every_pixel(P, lo, hi, step);
    int *order = NULL, rc = eta_order(P, &order);
    qmap_scan_qs *qs = rc == QMAP_OK ? calloc(P->n_scans, sizeof *qs) : NULL;
    if (rc == QMAP_OK && !qs)
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (q range)");
    for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++)   /* the shared detector part: no copy */
        rc = qmap_scan_q_begin(P, s, &qs[s]);
    for (int a = 0; a < 3; a++) {
        lo[a] = INFINITY;
        hi[a] = -INFINITY;
        step[a] = 0;
    }
    if (rc == QMAP_OK) {
        /* scans on all threads; min and max are exact in any order */
#pragma omp parallel
        {
            double l[3], h[3], st[3];
            for (int a = 0; a < 3; a++) {
                l[a] = INFINITY;
                h[a] = -INFINITY;
                st[a] = 0;
            }
#pragma omp for schedule(dynamic)
            for (int si = 0; si < P->n_scans; si++)
                range_scan_tiled(P, B, &qs[order[si]], si > 0 ? &qs[order[si - 1]] : NULL, l, h, st);
#pragma omp critical(qmap_q_range_merge)
            for (int a = 0; a < 3; a++) {
                lo[a] = l[a] < lo[a] ? l[a] : lo[a];
                hi[a] = h[a] > hi[a] ? h[a] : hi[a];
                step[a] = st[a] > step[a] ? st[a] : step[a];
            }
        }
    }
    for (int s = 0; qs && s < P->n_scans; s++)
        if (qs[s].d || qs[s].full)   /* begun */
            qmap_scan_q_end(&qs[s]);
    free(qs);
    free(order);
    return rc;
}
