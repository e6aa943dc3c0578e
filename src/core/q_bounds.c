/* q_bounds.c -- the tiles of the detector part and their boxes (see q_bounds.h). One sweep
 * over the detector, done once per run (the detector part does not change while only the
 * sample rotates), on all threads: each tile is built by one thread. */
#include "q_bounds.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>

static void box_empty(double lo[3], double hi[3])
{
    for (int a = 0; a < 3; a++) {
        lo[a] = INFINITY;
        hi[a] = -INFINITY;
    }
}

/* comparisons: a NaN never enters a box (nor does the exact computation ever pick it) */
static void box_add(double lo[3], double hi[3], const double x[3])
{
    for (int a = 0; a < 3; a++) {
        lo[a] = x[a] < lo[a] ? x[a] : lo[a];
        hi[a] = x[a] > hi[a] ? x[a] : hi[a];
    }
}

int qmap_q_bounds_build(qmap_q_bounds *b, const double *d, const uint8_t *mask, int rows, int cols)
{
    b->rows = rows;
    b->cols = cols;
    b->tile_rows = (rows + QMAP_QB_TILE - 1) / QMAP_QB_TILE;
    b->tile_cols = (cols + QMAP_QB_TILE - 1) / QMAP_QB_TILE;
    b->t = malloc((size_t)b->tile_rows * b->tile_cols * sizeof *b->t);
    if (!b->t)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (detector tiles)");
    int n_tiles = b->tile_rows * b->tile_cols;
    double d_abs = 0;
#pragma omp parallel for schedule(static) reduction(max : d_abs)
    for (int k = 0; k < n_tiles; k++) {
        qmap_q_tile *t = &b->t[k];
        int i0 = k / b->tile_cols * QMAP_QB_TILE, j0 = k % b->tile_cols * QMAP_QB_TILE;
        int i1 = i0 + QMAP_QB_TILE < rows ? i0 + QMAP_QB_TILE : rows;
        int j1 = j0 + QMAP_QB_TILE < cols ? j0 + QMAP_QB_TILE : cols;
        box_empty(t->d_lo, t->d_hi);
        box_empty(t->h_lo, t->h_hi);
        box_empty(t->v_lo, t->v_hi);
        t->first = -1;
        for (int i = i0; i < i1; i++)
            for (int j = j0; j < j1; j++) {
                size_t p = (size_t)i * cols + j;
                const double *x = d + 3 * p;
                for (int a = 0; a < 3; a++)   /* every pixel: neighbours of unmasked ones too */
                    d_abs = fabs(x[a]) > d_abs ? fabs(x[a]) : d_abs;
                if (mask[p])
                    continue;
                if (t->first < 0)
                    t->first = (int32_t)p;
                box_add(t->d_lo, t->d_hi, x);
                double e[3];
                if (j + 1 < cols) {
                    for (int a = 0; a < 3; a++)
                        e[a] = x[3 + a] - x[a];
                    box_add(t->h_lo, t->h_hi, e);
                }
                if (i + 1 < rows) {
                    for (int a = 0; a < 3; a++)
                        e[a] = x[3 * (size_t)cols + a] - x[a];
                    box_add(t->v_lo, t->v_hi, e);
                }
            }
    }
    b->d_abs = d_abs;
    return QMAP_OK;
}

void qmap_q_bounds_free(qmap_q_bounds *b)
{
    free(b->t);
    b->t = NULL;
}
