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
    float *dense;        /* rows x cols scratch, zero except at the current frame's touched pixels */
    uint8_t *in_band;    /* 1 for pixels of a gap band */
    uint8_t *touched;    /* 1 for pixels in `list` */
    int32_t *list;       /* pixels of dense that may be non-zero */
    size_t n_list;
    uint8_t *line_mark;  /* per row gap: cols bytes (columns to split); per column gap: rows bytes */
    int32_t *lines;      /* the marked lines, per gap, in the same layout */
    int n_lines[2 * QMAP_GAPS_MAX];
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

/* Offset of gap k's marks: row gaps first (cols each), then column gaps (rows each). */
static size_t line_base(const qmap_gap_layout *g, int k)
{
    return k < g->n_row ? (size_t)k * g->cols
                        : (size_t)g->n_row * g->cols + (size_t)(k - g->n_row) * g->rows;
}

qmap_gap_worker *qmap_gap_worker_new(const qmap_gap_layout *g)
{
    size_t npix = (size_t)g->rows * g->cols;
    size_t nmarks = line_base(g, g->n_row + g->n_col) + 1;
    qmap_gap_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->dense = calloc(npix, sizeof *w->dense)) || !(w->in_band = calloc(npix, 1)) ||
        !(w->touched = calloc(npix, 1)) || !(w->list = malloc(npix * sizeof *w->list)) ||
        !(w->line_mark = calloc(nmarks, 1)) || !(w->lines = malloc(nmarks * sizeof *w->lines))) {
        qmap_gap_worker_free(w);
        qmap_error(QMAP_ERR_NOMEM, "out of memory (gap correction buffers)");
        return NULL;
    }
    for (int r = 0; r < g->rows; r++) {
        int br = band_row(g, r);
        for (int c = 0; c < g->cols; c++)
            w->in_band[(size_t)r * g->cols + c] = (uint8_t)(br || band_col(g, c));
    }
    return w;
}

void qmap_gap_worker_free(qmap_gap_worker *w)
{
    if (!w)
        return;
    free(w->dense);
    free(w->in_band);
    free(w->touched);
    free(w->list);
    free(w->line_mark);
    free(w->lines);
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

static void touch(qmap_gap_worker *w, int32_t p)
{
    if (!w->touched[p]) {
        w->touched[p] = 1;
        w->list[w->n_list++] = p;
    }
}

/* Mark line x (a column for a row gap, a row for a column gap) of gap k for splitting. */
static void mark_line(qmap_gap_worker *w, const qmap_gap_layout *g, int k, int x)
{
    size_t b = line_base(g, k);
    if (!w->line_mark[b + x]) {
        w->line_mark[b + x] = 1;
        w->lines[b + w->n_lines[k]++] = x;
    }
}

/* An input pixel (r, c) of a band: mark the lines whose edge pixel it is. */
static void mark_edges(qmap_gap_worker *w, const qmap_gap_layout *g, int r, int c)
{
    for (int i = 0; i < g->n_row; i++)
        if (r == g->row[i][0] || r == g->row[i][1])
            mark_line(w, g, i, c);
    for (int i = 0; i < g->n_col; i++)
        if (c == g->col[i][0] || c == g->col[i][1])
            mark_line(w, g, g->n_row + i, r);
}

/* The same corrections as qmap_gap_correct_dense, on the marked lines only (the others
 * have no counts in their edge pixels, so the dense version leaves them unchanged). */
static void correct_marked(const qmap_gap_setup *s, qmap_gap_worker *w, int in_row0, int in_row1)
{
    const qmap_gap_layout *g = s->layout;
    int cols = g->cols;
    for (int i = 0; i < g->n_row; i++) {
        size_t b = line_base(g, i);
        int ra = g->row[i][0], rb = g->row[i][1];
        for (int k = 0; k < w->n_lines[i]; k++) {
            int c = w->lines[b + k];
            qmap_gap_correct_row_line(g, i, c, s->mask, in_row0, in_row1, s->limit, w->dense);
            for (int r = ra > in_row0 ? ra : in_row0; r <= rb && r < in_row1; r++) {
                touch(w, (int32_t)r * cols + c);
                mark_edges(w, g, r, c);   /* a filled edge column: its row needs a split */
            }
        }
    }
    for (int i = 0; i < g->n_col; i++) {
        int k = g->n_row + i;
        size_t b = line_base(g, k);
        for (int n = 0; n < w->n_lines[k]; n++) {
            int r = w->lines[b + n];
            if (r < in_row0 || r >= in_row1)
                continue;
            qmap_gap_correct_col_line(g, i, r, s->mask, s->limit, w->dense);
            for (int c = g->col[i][0]; c <= g->col[i][1]; c++)
                touch(w, (int32_t)r * cols + c);
        }
    }
    for (int k = 0; k < g->n_row + g->n_col; k++) {
        size_t b = line_base(g, k);
        for (int n = 0; n < w->n_lines[k]; n++)
            w->line_mark[b + w->lines[b + n]] = 0;
        w->n_lines[k] = 0;
    }
}

int qmap_gap_correct_sparse(const qmap_gap_setup *s, qmap_gap_worker *w, int in_row0,
                            int in_row1, int row0, int row1, const qmap_sparse_frame *in,
                            qmap_sparse_frame *out)
{
    const qmap_gap_layout *g = s->layout;
    int cols = g->cols;
    int32_t lo = (int32_t)row0 * cols, hi = (int32_t)row1 * cols;
    size_t n = 0;
    w->n_list = 0;
    for (int k = 0; k < in->n; k++) {
        int32_t p = in->idx[k];
        if (w->in_band[p]) {
            w->dense[p] = in->val[k];
            touch(w, p);
            mark_edges(w, g, p / cols, p % cols);
        }
    }
    correct_marked(s, w, in_row0, in_row1);
    int rc = reserve(w, (size_t)in->n + w->n_list);
    for (int k = 0; rc == QMAP_OK && k < in->n; k++) {
        int32_t p = in->idx[k];
        if (!w->in_band[p] && p >= lo && p < hi) {
            w->idx[n] = p;
            w->val[n++] = in->val[k];
        }
    }
    for (size_t k = 0; k < w->n_list; k++) {
        int32_t p = w->list[k];
        float v = w->dense[p];
        if (rc == QMAP_OK && v != 0 && p >= lo && p < hi) {
            w->idx[n] = p;
            w->val[n++] = v;
        }
        w->dense[p] = 0;
        w->touched[p] = 0;
    }
    w->n_list = 0;
    out->n = (int)n;
    out->absent = in->absent;
    out->idx = w->idx;
    out->val = w->val;
    return rc;
}
