/* hot_sample.c -- the sample of frames the hot-pixel search counts (stage 2, detector_mask.c):
 * per detector pixel, in how many sampled frames it is non-zero and the sum of its readings.
 *
 * HOT_SAMPLE_FRAMES frames spread over all scans (qmap_hot_sample_frame: distinct frames
 * spread over each scan, all of a scan shorter than its share), read as their non-zero
 * pixels. Issue 18,
 * third round: the frames are decoded a batch at a time on all threads (each copied out of its
 * thread's reader buffer), then every thread adds the whole batch, frame after frame, to its
 * own range of pixels: each pixel gets its readings in frame order, as one thread adds them,
 * so the sums are the same on any thread count. (The loop before added every frame inside an
 * ordered section: the additions, most of the stage's work, ran on one thread.)
 */
#include "detector_mask.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOT_SAMPLE_FRAMES 240
#define HOT_BATCH_MAX 16
#define HOT_BATCH_BYTES ((size_t)64 << 20)   /* a batch of dense frames stays under this */

/* one decoded frame of a batch: its non-zero pixels, copied */
typedef struct {
    int n, cap;
    int32_t *idx;
    float *val;
} hot_frame;

static int hot_frame_keep(hot_frame *h, const qmap_sparse_frame *fr)
{
    if (fr->n > h->cap) {
        int32_t *i = realloc(h->idx, (size_t)fr->n * sizeof *i);
        if (i)
            h->idx = i;
        float *v = i ? realloc(h->val, (size_t)fr->n * sizeof *v) : NULL;
        if (v)
            h->val = v;
        if (!i || !v)
            return qmap_error(QMAP_ERR_NOMEM, "out of memory (hot-pixel sample frame of %d pixels)", fr->n);
        h->cap = fr->n;
    }
    memcpy(h->idx, fr->idx, (size_t)fr->n * sizeof *h->idx);
    memcpy(h->val, fr->val, (size_t)fr->n * sizeof *h->val);
    h->n = fr->n;
    return QMAP_OK;
}

int qmap_hot_sample_frame(int k, int n_read, int nf)
{
    return (int)((k + 0.5) * nf / n_read);
}

/* Frames [k0, k0 + m) of the scan's sample of n_read into batch[]: decoded on all threads. On
 * failure the first failed frame (in frame order) gives the error. */
static int decode_batch(const pipeline *P, qmap_frame_reader *rd, qmap_sparse_worker **w, int nf, int n_read,
                        int k0, int m, hot_frame *batch)
{
    int err = QMAP_OK, err_j = m;
    char msg[1024] = "";
#pragma omp parallel for schedule(static, 1)
    for (int j = 0; j < m; j++) {
        qmap_sparse_frame fr;
        int f = qmap_hot_sample_frame(k0 + j, n_read, nf);
        int e = qmap_frame_reader_read_sparse(rd, w[omp_get_thread_num()], f, 0, P->rows, &fr);
        if (!e)
            e = hot_frame_keep(&batch[j], &fr);
        if (e) {
#pragma omp critical(qmap_hot_sample_error)
            if (j < err_j) {
                err_j = j;
                err = e;
                snprintf(msg, sizeof msg, "%s", qmap_error_message());
            }
        }
    }
    return err ? qmap_error(err, "%s", msg) : QMAP_OK;
}

/* The batch added frame after frame, each thread to its own range of pixels. */
static void add_batch(const pipeline *P, const hot_frame *batch, int m, double lim, uint32_t *nz, double *sum)
{
    size_t n_pix = P->n_pix;
#pragma omp parallel
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int32_t lo = (int32_t)(n_pix * (size_t)t / (size_t)nt), hi = (int32_t)(n_pix * (size_t)(t + 1) / (size_t)nt);
        for (int j = 0; j < m; j++) {
            const hot_frame *h = &batch[j];
            for (int i = 0; i < h->n; i++) {
                int32_t p = h->idx[i];
                if (p < lo || p >= hi)
                    continue;
                if (h->val[i] > 0 && h->val[i] < lim) {   /* bad readings do not count */
                    nz[p]++;
                    sum[p] += h->val[i];
                }
            }
        }
    }
}

int qmap_hot_sample(pipeline *P, uint32_t *nz, double *sum, int *sampled)
{
    int nth = omp_get_max_threads(), per_scan = HOT_SAMPLE_FRAMES / P->n_scans + 1;
    size_t dense = P->n_pix * (sizeof(int32_t) + sizeof(float));
    int batch_n = (int)(HOT_BATCH_BYTES / (dense ? dense : 1));
    batch_n = batch_n > HOT_BATCH_MAX ? HOT_BATCH_MAX : batch_n < nth ? nth : batch_n;
    qmap_sparse_worker **w = calloc((size_t)nth, sizeof *w);
    hot_frame *batch = calloc((size_t)batch_n, sizeof *batch);
    int rc = w && batch ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (hot pixels)");
    for (int t = 0; rc == QMAP_OK && t < nth; t++)
        if (!(w[t] = qmap_sparse_worker_new()))
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (hot pixels)");
    *sampled = 0;
    for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
        qmap_frame_reader *rd = NULL;
        int nf = 0;
        rc = qmap_check_cancel();
        if (rc == QMAP_OK)
            rc = qmap_stage_open_reader(P, s, &rd, &nf);
        int n_read = rc == QMAP_OK ? (per_scan < nf ? per_scan : nf) : 0;
        for (int k0 = 0; rc == QMAP_OK && k0 < n_read; k0 += batch_n) {
            int m = n_read - k0 < batch_n ? n_read - k0 : batch_n;
            rc = decode_batch(P, rd, w, nf, n_read, k0, m, batch);
            if (rc == QMAP_OK) {
                add_batch(P, batch, m, P->sat_limit[s], nz, sum);
                *sampled += m;
            }
        }
        if (rd)
            qmap_stage_release_reader(P, s, rd);
    }
    for (int t = 0; w && t < nth; t++)
        qmap_sparse_worker_free(w[t]);
    for (int j = 0; batch && j < batch_n; j++) {
        free(batch[j].idx);
        free(batch[j].val);
    }
    free(w);
    free(batch);
    return rc;
}
