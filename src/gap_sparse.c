/* gap_sparse.c -- chip-gap correction of sparse frames (gap_sparse.h).
 *
 * Why: the pipeline never decodes frames to full images; only the few non-zero pixels of
 * the gap bands (the edge pixels and NEIGHBOURS pixels each side) go through a per-thread
 * dense scratch image, are corrected there (gap_correction.c) and are emitted again; every
 * other pixel passes through unchanged.
 */
#include "gap_sparse.h"
#include "qmap/error.h"

#include <stdlib.h>
#include <string.h>

#define BAND_MARGIN 2   /* = NEIGHBOURS of gap_correction.c */

struct qmap_gap_worker {
    float *dense;        /* rows x cols scratch, zero outside the current frame's band pixels */
    uint8_t *in_band;    /* 1 for pixels of a gap band */
    int32_t *band;       /* band pixel indices, increasing */
    size_t n_band;
    int32_t *idx;        /* output */
    float *val;
    size_t cap;
};

static int band_row(const qmap_gap_layout *g, int r)
{
    for (int i = 0; i < g->n_row; i++)
        if (r >= g->row[i][0] - BAND_MARGIN && r <= g->row[i][1] + BAND_MARGIN)
            return 1;
    return 0;
}

static int band_col(const qmap_gap_layout *g, int c)
{
    for (int i = 0; i < g->n_col; i++)
        if (c >= g->col[i][0] - BAND_MARGIN && c <= g->col[i][1] + BAND_MARGIN)
            return 1;
    return 0;
}

qmap_gap_worker *qmap_gap_worker_new(const qmap_gap_layout *g)
{
    size_t npix = (size_t)g->rows * g->cols;
    qmap_gap_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->dense = calloc(npix, sizeof *w->dense)) || !(w->in_band = calloc(npix, 1)) ||
        !(w->band = malloc(npix * sizeof *w->band))) {
        qmap_gap_worker_free(w);
        qmap_error(QMAP_ERR_NOMEM, "out of memory (gap correction buffers)");
        return NULL;
    }
    for (int r = 0; r < g->rows; r++) {
        int br = band_row(g, r);
        for (int c = 0; c < g->cols; c++)
            if (br || band_col(g, c)) {
                size_t p = (size_t)r * g->cols + c;
                w->in_band[p] = 1;
                w->band[w->n_band++] = (int32_t)p;
            }
    }
    return w;
}

void qmap_gap_worker_free(qmap_gap_worker *w)
{
    if (!w)
        return;
    free(w->dense);
    free(w->in_band);
    free(w->band);
    free(w->idx);
    free(w->val);
    free(w);
}

void qmap_gap_rows_needed(const qmap_gap_layout *g, int row0, int row1, int *r0, int *r1)
{
    *r0 = row0;
    *r1 = row1;
    for (int i = 0; i < g->n_row; i++) {
        int lo = g->row[i][0] - BAND_MARGIN, hi = g->row[i][1] + BAND_MARGIN + 1;
        if (hi > row0 && lo < row1) {
            if (lo < *r0) *r0 = lo;
            if (hi > *r1) *r1 = hi;
        }
    }
    if (*r0 < 0) *r0 = 0;
    if (*r1 > g->rows) *r1 = g->rows;
}

static int reserve(qmap_gap_worker *w, size_t n)
{
    if (n <= w->cap)
        return QMAP_OK;
    size_t cap = n + n / 2 + 64;
    int32_t *i = realloc(w->idx, cap * sizeof *i);
    if (i) w->idx = i;
    float *v = realloc(w->val, cap * sizeof *v);
    if (v) w->val = v;
    if (!i || !v)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (gap correction output)");
    w->cap = cap;
    return QMAP_OK;
}

int qmap_gap_correct_sparse(const qmap_gap_setup *s, qmap_gap_worker *w, int in_row0,
                            int in_row1, int row0, int row1, const qmap_sparse_frame *in,
                            qmap_sparse_frame *out)
{
    const qmap_gap_layout *g = s->layout;
    int cols = g->cols;
    int32_t lo = (int32_t)row0 * cols, hi = (int32_t)row1 * cols;
    int rc = reserve(w, (size_t)in->n + w->n_band);
    if (rc != QMAP_OK)
        return rc;
    size_t n = 0;
    int any = 0;
    for (int k = 0; k < in->n; k++) {
        int32_t p = in->idx[k];
        if (w->in_band[p]) {
            w->dense[p] = in->val[k];
            any = 1;
        } else if (p >= lo && p < hi) {
            w->idx[n] = p;
            w->val[n++] = in->val[k];
        }
    }
    if (any) {
        qmap_gap_correct_dense(g, s->mask, in_row0, in_row1, s->limit, w->dense);
        int32_t in_lo = (int32_t)in_row0 * cols, in_hi = (int32_t)in_row1 * cols;
        for (size_t b = 0; b < w->n_band; b++) {
            int32_t p = w->band[b];
            if (p < in_lo || p >= in_hi)
                continue;
            float v = w->dense[p];
            if (v != 0) {
                if (p >= lo && p < hi) {
                    w->idx[n] = p;
                    w->val[n++] = v;
                }
                w->dense[p] = 0;
            }
        }
    }
    out->n = (int)n;
    out->absent = in->absent;
    out->idx = w->idx;
    out->val = w->val;
    return QMAP_OK;
}
