/* segment_watershed.c -- marker-based watershed and the markers that split touching
 * objects.
 *
 * Watershed (Meyer's flooding): all marker pixels enter a binary min-heap keyed by
 * (elevation, insertion order). Popping a pixel gives each unlabelled 8-neighbour inside
 * the mask the popped pixel's label and pushes it. A pixel is labelled once, by the
 * lowest (then earliest) flooded neighbour, so the cost is O(n log n) and the result does
 * not depend on anything but the inputs.
 *
 * Markers: the mask pixels are visited from the highest value of f down; a union-find
 * keeps one basin per maximum met so far, with its peak value. When a pixel touches
 * several basins, the lower-peaked ones whose dynamic (peak - current value) is below the
 * threshold join the highest (the elder rule of persistence), the others stay separate.
 * What remains are the significant maxima: for a distance transform, one per particle,
 * however many digitisation ripples its ridge has.
 */
#include "qmap/segment.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- min-heap */

typedef struct {
    double key;
    long age;     /* insertion order: ties leave in FIFO order */
    long index;
} heap_item;

typedef struct {
    heap_item *a;
    long n, cap, next_age;
} heap;

static int item_less(const heap_item *x, const heap_item *y)
{
    return x->key < y->key || (x->key == y->key && x->age < y->age);
}

static void heap_push(heap *hp, double key, long index)
{
    heap_item it = {key, hp->next_age++, index};
    long i = hp->n++;
    while (i > 0) {
        long parent = (i - 1) / 2;
        if (!item_less(&it, &hp->a[parent]))
            break;
        hp->a[i] = hp->a[parent];
        i = parent;
    }
    hp->a[i] = it;
}

static heap_item heap_pop(heap *hp)
{
    heap_item top = hp->a[0], last = hp->a[--hp->n];
    long i = 0;
    for (;;) {
        long child = 2 * i + 1;
        if (child >= hp->n)
            break;
        if (child + 1 < hp->n && item_less(&hp->a[child + 1], &hp->a[child]))
            child++;
        if (!item_less(&hp->a[child], &last))
            break;
        hp->a[i] = hp->a[child];
        i = child;
    }
    hp->a[i] = last;
    return top;
}

static int check_shape(int w, int h)
{
    if (w <= 0 || h <= 0 || (long long)w * h > 1LL << 31)
        return qmap_error(QMAP_ERR_VALUE, "image of %d x %d pixels: expected 1..2^31 pixels", w, h);
    return QMAP_OK;
}

int qmap_watershed(const double *elevation, const uint8_t *mask, int w, int h, int32_t *labels)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    long n = (long)w * h;
    /* Every pixel is pushed at most once (when it is labelled). */
    heap hp = {malloc((size_t)n * sizeof(heap_item)), 0, n, 0};
    if (!hp.a)
        return qmap_error(QMAP_ERR_NOMEM, "watershed of %d x %d pixels: out of memory", w, h);
    for (long i = 0; i < n; i++) {
        if (labels[i] < 0) {
            free(hp.a);
            return qmap_error(QMAP_ERR_VALUE, "watershed: marker %d at pixel %ld is negative", labels[i], i);
        }
        if (labels[i] > 0 && (!mask || mask[i]))
            heap_push(&hp, elevation[i], i);
        else if (mask && !mask[i])
            labels[i] = 0;
    }
    while (hp.n > 0) {
        heap_item it = heap_pop(&hp);
        int r = (int)(it.index / w), c = (int)(it.index % w);
        for (int dr = -1; dr <= 1; dr++) {
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = c + dc;
                if ((dr == 0 && dc == 0) || rr < 0 || rr >= h || cc < 0 || cc >= w)
                    continue;
                long j = (long)rr * w + cc;
                if (labels[j] != 0 || (mask && !mask[j]))
                    continue;
                labels[j] = labels[it.index];
                heap_push(&hp, elevation[j], j);
            }
        }
    }
    free(hp.a);
    return QMAP_OK;
}

/* ---------------------------------------------------------------- markers */

typedef struct {
    double value;
    long index;
} ranked_pixel;

static int by_value_descending(const void *a, const void *b)
{
    const ranked_pixel *x = a, *y = b;
    if (x->value != y->value)
        return x->value > y->value ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static long find_root(long *parent, long i)
{
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

int qmap_find_maxima_markers(const double *f, const uint8_t *mask, int w, int h,
                             double min_dynamic, double min_fraction, int32_t *markers)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    if (!(min_dynamic >= 0) || !(min_fraction >= 0))
        return qmap_error(QMAP_ERR_VALUE, "maxima markers: minimum dynamic %g and fraction %g must be >= 0",
                          min_dynamic, min_fraction);
    long n = (long)w * h, m = 0;
    ranked_pixel *order = malloc((size_t)n * sizeof *order);
    long *parent = malloc((size_t)n * sizeof *parent);
    double *peak = malloc((size_t)n * sizeof *peak);
    if (!order || !parent || !peak) {
        free(order), free(parent), free(peak);
        return qmap_error(QMAP_ERR_NOMEM, "maxima markers of %d x %d pixels: out of memory", w, h);
    }
    for (long i = 0; i < n; i++) {
        parent[i] = -1;    /* not visited yet */
        markers[i] = 0;
        if ((!mask || mask[i]) && !isnan(f[i]))
            order[m++] = (ranked_pixel){f[i], i};
    }
    qsort(order, (size_t)m, sizeof *order, by_value_descending);
    for (long k = 0; k < m; k++) {
        long p = order[k].index;
        double level = order[k].value;
        int r = (int)(p / w), c = (int)(p % w);
        long roots[8];
        int nr = 0;
        for (int dr = -1; dr <= 1; dr++) {
            for (int dc = -1; dc <= 1; dc++) {
                int rr = r + dr, cc = c + dc;
                if ((dr == 0 && dc == 0) || rr < 0 || rr >= h || cc < 0 || cc >= w)
                    continue;
                long j = (long)rr * w + cc;
                if (parent[j] < 0)
                    continue;
                long root = find_root(parent, j);
                int seen = 0;
                for (int t = 0; t < nr; t++)
                    seen |= roots[t] == root;
                if (!seen)
                    roots[nr++] = root;
            }
        }
        if (nr == 0) {           /* a new maximum */
            parent[p] = p;
            peak[p] = level;
            continue;
        }
        long highest = roots[0];
        for (int t = 1; t < nr; t++)
            if (peak[roots[t]] > peak[highest] ||
                (peak[roots[t]] == peak[highest] && roots[t] < highest))
                highest = roots[t];
        parent[p] = highest;
        for (int t = 0; t < nr; t++) {
            long low = roots[t];
            if (low == highest)
                continue;
            double need = fmax(min_dynamic, min_fraction * peak[low]);
            if (peak[low] - level < need)
                parent[low] = highest;
        }
    }
    int32_t count = 0;
    for (long k = 0; k < m; k++) {     /* roots in the order their maxima were met */
        long p = order[k].index;
        if (parent[p] == p)
            markers[p] = ++count;
    }
    free(order), free(parent), free(peak);
    return count;
}

int qmap_split_touching(const uint8_t *mask, int w, int h, double min_dynamic,
                        double min_fraction, int32_t *labels)
{
    int st = check_shape(w, h);
    if (st < 0)
        return st;
    long n = (long)w * h;
    double *dist = malloc((size_t)n * sizeof *dist);
    if (!dist)
        return qmap_error(QMAP_ERR_NOMEM, "splitting %d x %d pixels: out of memory", w, h);
    int count = qmap_distance_transform(mask, w, h, 1, dist);
    if (count >= 0)
        count = qmap_find_maxima_markers(dist, mask, w, h, min_dynamic, min_fraction, labels);
    if (count >= 0) {
        for (long i = 0; i < n; i++)
            dist[i] = -dist[i];
        st = qmap_watershed(dist, mask, w, h, labels);
        if (st < 0)
            count = st;
    }
    free(dist);
    return count;
}
