/* sem_filters.c -- the grey-level filters of the SEM pipeline: separable Gaussian
 * smoothing, grey opening (running minimum then maximum over a square window) and box
 * smoothing, all with edges clamped (the nearest pixel inside the image stands for the
 * ones outside).
 *
 * The running minimum/maximum keep a monotonic queue of candidate indices, so each 1D
 * pass is O(n) whatever the window: background windows of a hundred pixels cost the same
 * as small ones.
 */
#include "qmap/error.h"
#include "sem_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* out[i] = min (or max) of in[i-r .. i+r] clamped to [0, n); q is n ints of scratch. */
static void running_extreme(const double *in, int n, int r, int want_max, double *out, int *q)
{
    int head = 0, tail = 0;     /* queue q[head..tail): indices, values monotonic */
    int next = 0;               /* next index to enter the window */
    for (int i = 0; i < n; i++) {
        int last = i + r < n - 1 ? i + r : n - 1;
        while (next <= last) {
            while (tail > head && (want_max ? in[q[tail - 1]] <= in[next] : in[q[tail - 1]] >= in[next]))
                tail--;
            q[tail++] = next++;
        }
        while (q[head] < i - r)
            head++;
        out[i] = in[q[head]];
    }
}

/* Apply a 1D operation along rows then columns. op(line_in, n, line_out, scratch). */
typedef void (*line_op)(const double *in, int n, double *out, void *ctx, int *iscratch);

static int separable(double *img, int w, int h, line_op op, void *ctx)
{
    int n = w > h ? w : h;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    int *q = malloc((size_t)n * sizeof *q);
    if (!a || !b || !q) {
        free(a), free(b), free(q);
        return qmap_error(QMAP_ERR_NOMEM, "filtering a %d x %d image: out of memory", w, h);
    }
    for (int r = 0; r < h; r++) {
        double *row = img + (size_t)r * w;
        memcpy(a, row, (size_t)w * sizeof *a);
        op(a, w, row, ctx, q);
    }
    for (int c = 0; c < w; c++) {
        for (int r = 0; r < h; r++)
            a[r] = img[(size_t)r * w + c];
        op(a, h, b, ctx, q);
        for (int r = 0; r < h; r++)
            img[(size_t)r * w + c] = b[r];
    }
    free(a), free(b), free(q);
    return QMAP_OK;
}

static void min_line(const double *in, int n, double *out, void *ctx, int *q)
{
    running_extreme(in, n, *(const int *)ctx, 0, out, q);
}

static void max_line(const double *in, int n, double *out, void *ctx, int *q)
{
    running_extreme(in, n, *(const int *)ctx, 1, out, q);
}

int qmap_grey_opening(double *img, int w, int h, int radius)
{
    int st = separable(img, w, h, min_line, &radius);
    return st < 0 ? st : separable(img, w, h, max_line, &radius);
}

/* Mean over a window of half-width r clamped to the line (edge pixels repeated). */
static void box_line(const double *in, int n, double *out, void *ctx, int *q)
{
    (void)q;
    int r = *(const int *)ctx;
    double sum = 0;
    for (int k = -r; k <= r; k++)
        sum += in[k < 0 ? 0 : k >= n ? n - 1 : k];
    for (int i = 0; i < n; i++) {
        out[i] = sum / (2 * r + 1);
        int add = i + r + 1, drop = i - r;
        sum += in[add >= n ? n - 1 : add] - in[drop < 0 ? 0 : drop];
    }
}

int qmap_box_smooth(double *img, int w, int h, int radius)
{
    return radius > 0 ? separable(img, w, h, box_line, &radius) : QMAP_OK;
}

typedef struct {
    const double *kernel;
    int r;
} gauss_ctx;

static void gauss_line(const double *in, int n, double *out, void *ctx, int *q)
{
    (void)q;
    const gauss_ctx *g = ctx;
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int k = -g->r; k <= g->r; k++) {
            int j = i + k;
            s += g->kernel[k + g->r] * in[j < 0 ? 0 : j >= n ? n - 1 : j];
        }
        out[i] = s;
    }
}

int qmap_gaussian_smooth(double *img, int w, int h, double sigma)
{
    if (!(sigma > 0))
        return QMAP_OK;
    int r = (int)ceil(3 * sigma);
    double *kernel = malloc((size_t)(2 * r + 1) * sizeof *kernel), sum = 0;
    if (!kernel)
        return qmap_error(QMAP_ERR_NOMEM, "Gaussian smoothing: out of memory");
    for (int k = -r; k <= r; k++)
        sum += kernel[k + r] = exp(-0.5 * k * k / (sigma * sigma));
    for (int k = 0; k <= 2 * r; k++)
        kernel[k] /= sum;
    gauss_ctx g = {kernel, r};
    int st = separable(img, w, h, gauss_line, &g);
    free(kernel);
    return st;
}
