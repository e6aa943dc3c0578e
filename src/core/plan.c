/* plan.c -- stage 6 of qmap_process: for each scan, the unmasked detector pixels whose Q
 * falls inside the VOI, their Q and the detector rows to read in pass 2.
 * Issue 18: with the detector's tiles (q_bounds.h) only the tiles whose bounds of Q meet the
 * VOI are visited (a VOI around a Bragg peak meets a few per cent of the detector); the
 * pixels inside are tested exactly as before, so the plans are the same.
 */
#include "plan.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Is pixel p unmasked with Q inside the VOI? Its Q in v. */
static inline int in_voi(const pipeline *P, const qmap_scan_qs *qs, const double voi[6], size_t p, double v[3])
{
    if (P->mask[p])
        return 0;
    qmap_scan_q_at(qs, p, v);
    return !(v[0] < voi[0] || v[0] > voi[1] || v[1] < voi[2] || v[1] > voi[3] || v[2] < voi[4] || v[2] > voi[5]);
}

/* Which tiles of scan qs can hold a pixel whose Q is inside the VOI (tile_in, one per tile). */
static void tiles_in_voi(const qmap_q_bounds *B, const qmap_scan_qs *qs, const double voi[6], uint8_t *tile_in)
{
    double c[3][3], slack[3];
    for (int a = 0; a < 3; a++) {
        double abs_c = 0;
        for (int b = 0; b < 3; b++) {
            c[a][b] = qs->k * qs->m[a][b];
            abs_c += fabs(qs->k) * fabs(qs->m[a][b]);
        }
        slack[a] = qmap_q_bounds_slack(B, abs_c);
    }
    int n_tiles = B->tile_rows * B->tile_cols;
    for (int k = 0; k < n_tiles; k++) {
        const qmap_q_tile *t = &B->t[k];
        int in = t->first >= 0;
        for (int a = 0; a < 3 && in; a++) {
            double l, h;
            qmap_q_bounds_linear(c[a], t->d_lo, t->d_hi, slack[a], &l, &h);
            in = h >= voi[2 * a] && l <= voi[2 * a + 1];
        }
        tile_in[k] = (uint8_t)in;
    }
}

/* Columns of row i to test: [*j0, *j1) of the tile column tj that can meet the VOI (0 when it
 * cannot), or the whole row (tj 0) without tiles. */
static int row_part(const qmap_q_bounds *B, const uint8_t *tile_in, int i, int tj, int cols, int *j0, int *j1)
{
    if (!tile_in) {
        *j0 = 0;
        *j1 = cols;
        return 1;
    }
    if (!tile_in[(size_t)(i / QMAP_QB_TILE) * B->tile_cols + tj])
        return 0;
    *j0 = tj * QMAP_QB_TILE;
    *j1 = *j0 + QMAP_QB_TILE < cols ? *j0 + QMAP_QB_TILE : cols;
    return 1;
}

/* Per-scan plans: unmasked pixels whose Q lies inside the VOI, in pixel order.
 * issue 18: on all threads, by detector rows: each row's pixels are counted, the rows'
 * offsets summed up, then each row fills its part (the same plan as one thread makes). */
int qmap_build_plans(pipeline *P, const double voi[6], qmap_scan_plan *plans)
{
    const qmap_q_bounds *B = qmap_stage_q_bounds(P);
    int *row_n = malloc(((size_t)P->rows + 1) * sizeof *row_n);
    uint8_t *tile_in = B ? malloc((size_t)B->tile_rows * B->tile_cols) : NULL;
    if (!row_n || (B && !tile_in)) {
        free(row_n);
        free(tile_in);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (plans)");
    }
    int rc = QMAP_OK, cols = P->cols, parts = B ? B->tile_cols : 1;
    for (int s = 0; s < P->n_scans && rc == QMAP_OK; s++) {
        qmap_scan_qs qs;
        if ((rc = qmap_scan_q_begin(P, s, &qs)) < 0)
            break;
        qmap_scan_plan *pl = &plans[s];
        if (tile_in)
            tiles_in_voi(B, &qs, voi, tile_in);
#pragma omp parallel for schedule(static) firstprivate(qs)
        for (int i = 0; i < P->rows; i++) {
            int n = 0, j0, j1;
            double v[3];
            for (int tj = 0; tj < parts; tj++)
                if (row_part(B, tile_in, i, tj, cols, &j0, &j1))
                    for (int j = j0; j < j1; j++)
                        n += in_voi(P, &qs, voi, (size_t)i * cols + j, v);
            row_n[i] = n;
        }
        size_t n = 0;
        pl->row0 = P->rows;
        pl->row1 = 0;
        for (int i = 0; i < P->rows; i++) {
            int k = row_n[i];
            row_n[i] = (int)n;   /* now the row's first plan index */
            if (k) {
                pl->row0 = i < pl->row0 ? i : pl->row0;
                pl->row1 = i + 1;
            }
            n += (size_t)k;
        }
        row_n[P->rows] = (int)n;
        pl->n_pix = (int)n;
        pl->pix = malloc((n ? n : 1) * sizeof *pl->pix);
        pl->q = malloc((n ? n : 1) * 3 * sizeof *pl->q);
        pl->bin3 = malloc((n ? n : 1) * 3 * sizeof *pl->bin3);
        if (!pl->pix || !pl->q || !pl->bin3) {
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (plan of scan %d)", s);
        } else if (n > 0) {
#pragma omp parallel for schedule(static) firstprivate(qs)
            for (int i = pl->row0; i < pl->row1; i++) {
                int k = row_n[i], j0, j1;
                if (k == row_n[i + 1])
                    continue;
                for (int tj = 0; tj < parts; tj++) {
                    if (!row_part(B, tile_in, i, tj, cols, &j0, &j1))
                        continue;
                    for (int j = j0; j < j1; j++) {
                        size_t p = (size_t)i * cols + j;
                        double v[3];
                        if (!in_voi(P, &qs, voi, p, v))
                            continue;
                        pl->pix[k] = (int32_t)p;
                        memcpy(pl->q + 3 * (size_t)k, v, sizeof v);
                        k++;
                    }
                }
            }
        }
        if (n == 0)
            pl->row0 = pl->row1 = 0;
        qmap_scan_q_end(&qs);
    }
    free(row_n);
    free(tile_in);
    return rc;
}

/* Drop plan pixels the binning rule puts outside the grid (exact VOI edges). */
void qmap_compact_plans(qmap_scan_plan *plans, int n_scans)
{
    for (int s = 0; s < n_scans; s++) {
        qmap_scan_plan *pl = &plans[s];
        int n = 0;
        for (int i = 0; i < pl->n_pix; i++) {
            const int32_t *b = pl->bin3 + 3 * i;
            if (b[0] < 0 || b[1] < 0 || b[2] < 0)
                continue;
            pl->pix[n] = pl->pix[i];
            memmove(pl->q + 3 * n, pl->q + 3 * i, 3 * sizeof *pl->q);
            memmove(pl->bin3 + 3 * n, pl->bin3 + 3 * i, 3 * sizeof *pl->bin3);
            n++;
        }
        pl->n_pix = n;
    }
}
