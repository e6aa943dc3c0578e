/* segment_label.c -- connected-component labelling, hole filling and label clean-up.
 *
 * Labelling is a flood fill from each unlabelled foreground pixel met in raster order,
 * with an explicit stack of pixel indices (no recursion, so large objects cannot
 * overflow the call stack). Each pixel is pushed at most once, so the cost is O(w*h).
 */
#include "qmap/segment.h"
#include "qmap/error.h"

#include <stdlib.h>
#include <string.h>

static int check_shape(int w, int h)
{
    if (w <= 0 || h <= 0 || (long long)w * h > 1LL << 31)
        return qmap_error(QMAP_ERR_VALUE, "image of %d x %d pixels: expected 1..2^31 pixels", w, h);
    return QMAP_OK;
}

/* Flood region `lab` from seed over pixels where in_region(value) holds, writing lab into
 * out. The region test is "mask[i] != 0" when fg, "mask[i] == 0" when !fg. */
static void flood(const uint8_t *mask, int w, int h, int connectivity, int fg, int32_t *out,
                  int32_t lab, long seed, long *stack)
{
    long top = 0;
    stack[top++] = seed;
    out[seed] = lab;
    while (top > 0) {
        long i = stack[--top];
        int r = (int)(i / w), c = (int)(i % w);
        for (int dr = -1; dr <= 1; dr++) {
            for (int dc = -1; dc <= 1; dc++) {
                if ((dr == 0 && dc == 0) || (connectivity == 4 && dr != 0 && dc != 0))
                    continue;
                int rr = r + dr, cc = c + dc;
                if (rr < 0 || rr >= h || cc < 0 || cc >= w)
                    continue;
                long j = (long)rr * w + cc;
                if (out[j] != 0 || (mask[j] != 0) != fg)
                    continue;
                out[j] = lab;
                stack[top++] = j;
            }
        }
    }
}

int qmap_label_components(const uint8_t *mask, int w, int h, int connectivity, int32_t *labels)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    if (connectivity != 4 && connectivity != 8)
        return qmap_error(QMAP_ERR_VALUE, "connectivity %d: expected 4 or 8", connectivity);
    long n = (long)w * h;
    long *stack = malloc((size_t)n * sizeof *stack);
    if (!stack)
        return qmap_error(QMAP_ERR_NOMEM, "labelling %d x %d pixels: out of memory", w, h);
    memset(labels, 0, (size_t)n * sizeof *labels);
    int32_t next = 0;
    for (long i = 0; i < n; i++)
        if (mask[i] && labels[i] == 0)
            flood(mask, w, h, connectivity, 1, labels, ++next, i, stack);
    free(stack);
    return next;
}

int qmap_fill_holes(uint8_t *mask, int w, int h)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    long n = (long)w * h;
    long *stack = malloc((size_t)n * sizeof *stack);
    int32_t *outside = calloc((size_t)n, sizeof *outside);
    if (!stack || !outside) {
        free(stack);
        free(outside);
        return qmap_error(QMAP_ERR_NOMEM, "hole filling %d x %d pixels: out of memory", w, h);
    }
    /* Background 4-connected to the border is "outside"; the rest of the background is
     * enclosed by 8-connected foreground, i.e. a hole. */
    for (long i = 0; i < n; i++) {
        int r = (int)(i / w), c = (int)(i % w);
        int on_border = r == 0 || c == 0 || r == h - 1 || c == w - 1;
        if (on_border && !mask[i] && !outside[i])
            flood(mask, w, h, 4, 0, outside, 1, i, stack);
    }
    int filled = 0;
    for (long i = 0; i < n; i++)
        if (!mask[i] && !outside[i]) {
            mask[i] = 1;
            filled++;
        }
    free(stack);
    free(outside);
    return filled;
}

int qmap_filter_labels(int32_t *labels, int w, int h, int n_labels, int reject_border,
                       long min_pixels)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    if (n_labels < 0)
        return qmap_error(QMAP_ERR_VALUE, "label count %d is negative", n_labels);
    long n = (long)w * h;
    long *count = calloc((size_t)n_labels + 1, sizeof *count);
    uint8_t *drop = calloc((size_t)n_labels + 1, 1);
    int32_t *renum = calloc((size_t)n_labels + 1, sizeof *renum);
    if (!count || !drop || !renum) {
        free(count);
        free(drop);
        free(renum);
        return qmap_error(QMAP_ERR_NOMEM, "filtering %d labels: out of memory", n_labels);
    }
    int bad = 0;
    for (long i = 0; i < n; i++) {
        int32_t l = labels[i];
        if (l < 0 || l > n_labels) {
            bad = 1;
            break;
        }
        count[l]++;
        int r = (int)(i / w), c = (int)(i % w);
        if (reject_border && (r == 0 || c == 0 || r == h - 1 || c == w - 1))
            drop[l] = 1;
    }
    int32_t next = 0;
    for (int l = 1; l <= n_labels && !bad; l++) {
        if (count[l] == 0 || drop[l] || count[l] < min_pixels)
            continue;
        renum[l] = ++next;
    }
    if (!bad)
        for (long i = 0; i < n; i++)
            labels[i] = renum[labels[i]];
    free(count);
    free(drop);
    free(renum);
    if (bad)
        return qmap_error(QMAP_ERR_VALUE, "label image holds a value outside 0..%d", n_labels);
    return next;
}

int qmap_relabel_connected(int32_t *labels, int w, int h, int connectivity)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    if (connectivity != 4 && connectivity != 8)
        return qmap_error(QMAP_ERR_VALUE, "connectivity %d: expected 4 or 8", connectivity);
    long n = (long)w * h;
    long *stack = malloc((size_t)n * sizeof *stack);
    int32_t *out = calloc((size_t)n, sizeof *out);
    if (!stack || !out) {
        free(stack);
        free(out);
        return qmap_error(QMAP_ERR_NOMEM, "relabelling %d x %d pixels: out of memory", w, h);
    }
    int32_t next = 0;
    for (long seed = 0; seed < n; seed++) {
        if (labels[seed] == 0 || out[seed] != 0)
            continue;
        long top = 0;
        stack[top++] = seed;
        out[seed] = ++next;
        while (top > 0) {
            long i = stack[--top];
            int r = (int)(i / w), c = (int)(i % w);
            for (int dr = -1; dr <= 1; dr++)
                for (int dc = -1; dc <= 1; dc++) {
                    if ((dr == 0 && dc == 0) || (connectivity == 4 && dr != 0 && dc != 0))
                        continue;
                    int rr = r + dr, cc = c + dc;
                    if (rr < 0 || rr >= h || cc < 0 || cc >= w)
                        continue;
                    long j = (long)rr * w + cc;
                    if (out[j] == 0 && labels[j] == labels[seed]) {
                        out[j] = next;
                        stack[top++] = j;
                    }
                }
        }
    }
    memcpy(labels, out, (size_t)n * sizeof *labels);
    free(stack);
    free(out);
    return next;
}
