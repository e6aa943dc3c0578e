/* gap_correction.c -- wide edge pixels of detector chip gaps (include/qmap/gaps.h).
 *
 * Why: LIMA stores a Maxipix 2x2 frame with each 3-pixel-wide chip-edge pixel's whole
 * counts at one position and zeros beside it; taken as is, a Bragg peak on a gap gets a
 * spike and two holes, which collapses fitted widths and moves the centre of mass. XSOCS
 * spreads each edge pixel evenly over its positions; here the counts are split following
 * the local intensity profile (the peak is smooth on the pixel scale), interpolated through
 * the measured neighbours and the box means of the two wide pixels of the gap, so that a
 * peak on the gap is seen as on an ideal detector. Counts are conserved exactly.
 */
#include "qmap/gaps.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEIGHBOURS 2     /* measured pixels used on each side of a gap */
#define ITERATIONS 4     /* refinements of the wide pixels' centre values */
#define WIDE_MAX 16      /* widest edge pixel handled (physical positions) */

/* ---------------------------------------------------------------- layouts */

int qmap_gap_layout_known(const char *detector, int rows, int cols, qmap_gap_layout *out)
{
    static const char *const maxipix[] = {"mpx1x4", "mpx4", "mpxgaas", "maxipix"};
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->cols = cols;
    for (size_t i = 0; detector && i < sizeof maxipix / sizeof maxipix[0]; i++) {
        if (strcmp(detector, maxipix[i]) == 0 && rows == 516 && cols == 516) {
            out->n_row = out->n_col = 1;
            out->row[0][0] = out->col[0][0] = 255;
            out->row[0][1] = out->col[0][1] = 260;
            return 1;
        }
    }
    return 0;
}

/* "a,b,a,b..." into pairs; QMAP_OK or an error naming the spec. */
static int parse_pairs(const char *spec, const char *list, int limit, int pairs[][2], int *n)
{
    int v[2 * QMAP_GAPS_MAX], k = 0;
    const char *p = list;
    while (*p && *p != ';') {
        char *end;
        long x = strtol(p, &end, 10);
        if (end == p || k == 2 * QMAP_GAPS_MAX)
            return qmap_error(QMAP_ERR_VALUE, "--gap-layout '%s': expected up to %d pairs of "
                              "pixel indices a,b", spec, QMAP_GAPS_MAX);
        v[k++] = (int)x;
        p = end;
        if (*p == ',')
            p++;
        else if (*p && *p != ';')
            return qmap_error(QMAP_ERR_VALUE, "--gap-layout '%s': unexpected '%s'", spec, p);
    }
    if (k == 0 || k % 2)
        return qmap_error(QMAP_ERR_VALUE, "--gap-layout '%s': each gap is a pair a,b of edge "
                          "pixel indices", spec);
    for (int i = 0; i < k; i += 2) {
        int a = v[i], b = v[i + 1];
        if (a < 0 || b >= limit || a >= b || (b - a + 1) % 2 || (b - a + 1) / 2 > WIDE_MAX)
            return qmap_error(QMAP_ERR_VALUE, "--gap-layout '%s': gap %d,%d must have 0 <= a < b "
                              "< %d with an even number of positions a..b (b - a odd)", spec, a,
                              b, limit);
        pairs[*n][0] = a;
        pairs[*n][1] = b;
        (*n)++;
    }
    return QMAP_OK;
}

int qmap_gap_layout_parse(const char *spec, int rows, int cols, qmap_gap_layout *out)
{
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->cols = cols;
    if (!spec || !*spec)
        return qmap_error(QMAP_ERR_VALUE, "--gap-layout: empty (expected e.g. rows:255,260;cols:255,260 or none)");
    if (strcmp(spec, "none") == 0)
        return QMAP_OK;
    const char *p = spec;
    while (*p) {
        int rc;
        if (strncmp(p, "rows:", 5) == 0 && out->n_row == 0)
            rc = parse_pairs(spec, p + 5, rows, out->row, &out->n_row);
        else if (strncmp(p, "cols:", 5) == 0 && out->n_col == 0)
            rc = parse_pairs(spec, p + 5, cols, out->col, &out->n_col);
        else
            rc = qmap_error(QMAP_ERR_VALUE, "--gap-layout '%s': expected rows:A,B;cols:A,B "
                            "(each at most once) or none", spec);
        if (rc != QMAP_OK)
            return rc;
        p = strchr(p, ';');
        if (!p)
            break;
        p++;
    }
    return QMAP_OK;
}

void qmap_gap_layout_describe(const qmap_gap_layout *g, char *out, int size)
{
    int len = 0;
    out[0] = '\0';
    if (g->n_row == 0 && g->n_col == 0) {
        snprintf(out, (size_t)size, "none");
        return;
    }
    for (int axis = 0; axis < 2; axis++) {
        int n = axis ? g->n_col : g->n_row;
        const int(*v)[2] = axis ? g->col : g->row;
        if (n && len < size)
            len += snprintf(out + len, (size_t)(size - len), "%s%s", len ? "; " : "",
                            axis ? "cols" : "rows");
        for (int i = 0; i < n && len < size; i++)
            len += snprintf(out + len, (size_t)(size - len), " %d/%d", v[i][0], v[i][1]);
    }
}

static int virtual_index(const int (*v)[2], int n, int x)
{
    for (int i = 0; i < n; i++)
        if (x > v[i][0] && x < v[i][1])
            return 1;
    return 0;
}

int qmap_gap_is_virtual(const qmap_gap_layout *g, int r, int c)
{
    return virtual_index(g->row, g->n_row, r) || virtual_index(g->col, g->n_col, c);
}

/* The edge pixel index whose counts position x (inside gap (a, b)) receives. */
static int owner(int a, int b, int x)
{
    int w = (b - a + 1) / 2;
    return x < a + w ? a : b;
}

void qmap_gap_adjust_mask(const qmap_gap_layout *g, uint8_t *mask, int correcting)
{
    for (int r = 0; r < g->rows; r++) {
        for (int c = 0; c < g->cols; c++) {
            if (!qmap_gap_is_virtual(g, r, c))
                continue;
            size_t p = (size_t)r * g->cols + c;
            if (!correcting) {
                mask[p] = 1;
                continue;
            }
            int rr = r, cc = c;
            for (int i = 0; i < g->n_row; i++)
                if (r > g->row[i][0] && r < g->row[i][1]) rr = owner(g->row[i][0], g->row[i][1], r);
            for (int i = 0; i < g->n_col; i++)
                if (c > g->col[i][0] && c < g->col[i][1]) cc = owner(g->col[i][0], g->col[i][1], c);
            mask[p] = mask[(size_t)rr * g->cols + cc];
        }
    }
}

void qmap_gap_fold_frame(const qmap_gap_layout *g, int32_t *img)
{
    /* rows first, then columns: a corner pixel collects its w x w positions */
    for (int i = 0; i < g->n_row; i++) {
        int a = g->row[i][0], b = g->row[i][1];
        for (int r = a + 1; r < b; r++) {
            int o = owner(a, b, r);
            for (int c = 0; c < g->cols; c++) {
                img[(size_t)o * g->cols + c] += img[(size_t)r * g->cols + c];
                img[(size_t)r * g->cols + c] = 0;
            }
        }
    }
    for (int i = 0; i < g->n_col; i++) {
        int a = g->col[i][0], b = g->col[i][1];
        for (int r = 0; r < g->rows; r++) {
            int32_t *row = img + (size_t)r * g->cols;
            for (int c = a + 1; c < b; c++) {
                row[owner(a, b, c)] += row[c];
                row[c] = 0;
            }
        }
    }
}

/* ---------------------------------------------------------------- profile split */

/* 1 when sample i is to be preferred to sample j for target t: nearer to t, and on a tie
 * nearer to the gap centre mid (so that the split is mirror-symmetric about the gap). */
static int nearer(const double *pos, int i, int j, double t, double mid)
{
    double di = fabs(pos[i] - t), dj = fabs(pos[j] - t);
    if (fabs(di - dj) > 1e-9)
        return di < dj;
    return fabs(pos[i] - mid) < fabs(pos[j] - mid);
}

/* Weights wt[0..n) such that the interpolated profile at t is sum wt[i] val[i]: Lagrange
 * interpolation through the (up to 4) known samples nearest to t. They depend on the sample
 * positions only, so they are computed once per line and reused while the wide pixels'
 * centre values are refined. */
static void interpolation_weights(const double *pos, int n, double t, double mid, double *wt)
{
    int pick[4], k = 0;
    int used[2 * NEIGHBOURS + 2] = {0};
    for (; k < 4 && k < n; k++) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (!used[i] && (best < 0 || nearer(pos, i, best, t, mid)))
                best = i;
        used[best] = 1;
        pick[k] = best;
    }
    for (int i = 0; i < n; i++)
        wt[i] = 0;
    for (int i = 0; i < k; i++) {
        double l = 1;
        for (int j = 0; j < k; j++)
            if (j != i)
                l *= (t - pos[pick[j]]) / (pos[pick[i]] - pos[pick[j]]);
        wt[pick[i]] = l;
    }
}

static double weighted(const double *wt, const double *val, int n)
{
    double f = 0;
    for (int i = 0; i < n; i++)
        f += wt[i] * val[i];
    return f;
}

/* One line across gap (a, b): get(x) gives the value at position x and whether it is a
 * measured sample; the two edge pixels' counts are written back split. */
typedef struct {
    float *base;
    long stride;            /* elements between positions */
    int lo, hi;             /* valid positions [lo, hi) (data rows / detector) */
    const uint8_t *mask;    /* same stride as base, or NULL */
    double limit;
} line_view;

static int good_value(const line_view *L, int x, double *v)
{
    if (x < L->lo || x >= L->hi)
        return 0;
    if (L->mask && L->mask[(long)x * L->stride])
        return 0;
    double y = L->base[(long)x * L->stride];
    if (!isfinite(y) || y < 0 || y >= L->limit)
        return 0;
    *v = y;
    return 1;
}

static void split_gap(const line_view *L, int a, int b)
{
    int w = (b - a + 1) / 2;
    double A, B;
    int okA = good_value(L, a, &A) && a + w - 1 < L->hi;
    int okB = good_value(L, b, &B) && b - w + 1 >= L->lo;
    if ((!okA || A == 0) && (!okB || B == 0))
        return;   /* nothing to split */
    /* samples: NEIGHBOURS measured pixels each side, and the two wide pixels' centres */
    double pos[2 * NEIGHBOURS + 2], val[2 * NEIGHBOURS + 2];
    int n = 0, iA = -1, iB = -1;
    unsigned pattern = 0;   /* which samples are known: the weights depend on nothing else */
    for (int d = NEIGHBOURS; d >= 1; d--, pattern <<= 1)
        if (good_value(L, a - d, &val[n])) { pos[n++] = a - d; pattern |= 1; }
    if (okA) { iA = n; pos[n] = a + 0.5 * (w - 1); val[n++] = A / w; pattern |= 1; }
    pattern <<= 1;
    if (okB) { iB = n; pos[n] = b - 0.5 * (w - 1); val[n++] = B / w; pattern |= 1; }
    for (int d = 1; d <= NEIGHBOURS; d++) {
        pattern <<= 1;
        if (good_value(L, b + d, &val[n])) { pos[n++] = b + d; pattern |= 1; }
    }
    double mid = 0.5 * (a + b), f[WIDE_MAX];
    /* per-thread cache of the weights for the last (gap width, pattern) */
    static _Thread_local struct {
        int w, valid;
        unsigned pattern;
        double wtA[WIDE_MAX][2 * NEIGHBOURS + 2], wtB[WIDE_MAX][2 * NEIGHBOURS + 2];
    } cache;
    double (*wtA)[2 * NEIGHBOURS + 2] = cache.wtA, (*wtB)[2 * NEIGHBOURS + 2] = cache.wtB;
    int smooth = n >= 3;
    if (smooth && !(cache.valid && cache.w == w && cache.pattern == pattern)) {
        for (int k = 0; k < w; k++) {   /* relative positions: the weights do not depend on a */
            interpolation_weights(pos, n, a + k, mid, wtA[k]);
            interpolation_weights(pos, n, b - w + 1 + k, mid, wtB[k]);
        }
        cache.valid = 1;
        cache.w = w;
        cache.pattern = pattern;
    }
    for (int it = 0; smooth && it < ITERATIONS; it++) {
        double mA = 0, mB = 0;
        for (int k = 0; k < w; k++) {
            mA += weighted(wtA[k], val, n) / w;
            mB += weighted(wtB[k], val, n) / w;
        }
        /* move the centre values so the profile's box means equal the measured means */
        if (iA >= 0) val[iA] += A / w - mA;
        if (iB >= 0) val[iB] += B / w - mB;
    }
    for (int e = 0; e < 2; e++) {
        int ok = e ? okB : okA, first = e ? b - w + 1 : a;
        double total = e ? B : A, sum = 0;
        if (!ok || total == 0)
            continue;
        for (int k = 0; k < w; k++) {
            f[k] = smooth ? fmax(weighted(e ? wtB[k] : wtA[k], val, n), 0.0) : 1.0;
            sum += f[k];
        }
        for (int k = 0; k < w; k++)
            L->base[(long)(first + k) * L->stride] = (float)(sum > 0 ? total * f[k] / sum : total / w);
    }
}

void qmap_gap_correct_row_line(const qmap_gap_layout *g, int gap, int col, const uint8_t *mask,
                               int row0, int row1, double limit, float *img)
{
    if (row0 < 0) row0 = 0;
    if (row1 > g->rows) row1 = g->rows;
    line_view L = {img + col, g->cols, row0, row1, mask ? mask + col : NULL, limit};
    split_gap(&L, g->row[gap][0], g->row[gap][1]);
}

void qmap_gap_correct_col_line(const qmap_gap_layout *g, int gap, int row, const uint8_t *mask,
                               double limit, float *img)
{
    size_t off = (size_t)row * g->cols;
    line_view L = {img + off, 1, 0, g->cols, mask ? mask + off : NULL, limit};
    split_gap(&L, g->col[gap][0], g->col[gap][1]);
}

void qmap_gap_correct_dense(const qmap_gap_layout *g, const uint8_t *mask, int row0, int row1,
                            double limit, float *img)
{
    if (row0 < 0) row0 = 0;
    if (row1 > g->rows) row1 = g->rows;
    /* across row gaps: one line per column, along the rows */
    for (int i = 0; i < g->n_row; i++) {
        int a = g->row[i][0], b = g->row[i][1];
        if (b + NEIGHBOURS < row0 || a - NEIGHBOURS >= row1)
            continue;
        for (int c = 0; c < g->cols; c++)
            qmap_gap_correct_row_line(g, i, c, mask, row0, row1, limit, img);
    }
    /* then across column gaps: one line per row (rows just filled included) */
    for (int i = 0; i < g->n_col; i++)
        for (int r = row0; r < row1; r++)
            qmap_gap_correct_col_line(g, i, r, mask, limit, img);
}
