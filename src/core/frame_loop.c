/* frame_loop.c -- runs a per-frame function over the non-zero pixels of every frame of one
 * scan on all OpenMP threads.
 *
 * Why: the pipeline's passes are per-frame reductions over sparse photon-counting frames.
 * Each thread reads and decodes its own frames (the HDF5 calls inside the reader are
 * serialised, the decoding is not) and hands them to the pass, which keeps per-thread
 * partial sums. Frames are dealt to threads in fixed units of QMAP_SPARSE_FETCH frames
 * (unit u to thread u % threads, as schedule(static, 1) deals), so for a given thread count
 * the partial sums, and thus the results, are reproducible. Issue 18: with several threads
 * each fetches QMAP_SPARSE_SLOTS / QMAP_SPARSE_FETCH of its units under one lock, and reads
 * its next group into a second worker while it decodes, whenever no other thread holds the
 * lock (then it rarely waits for the lock at all); the same units are handled in the same
 * order: the same sums. A sample (one frame in a stride: the quick look) is fetched the same
 * way, a run of one frame per sampled frame. The cancel flag (qmap_cancelled) is polled
 * before every group, so an interrupt stops a pass within QMAP_SPARSE_SLOTS frames.
 * The passes' per-thread counts of bad pixel readings (pipeline.h) are summed here too.
 */
#include "pipeline.h"
#include "gap_sparse.h"   /* gaps (issue 11) */
#include "qmap/error.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

struct qmap_frame_workers {
    int n;
    qmap_sparse_worker **w;
    qmap_sparse_worker **w2;   /* issue 18: with several threads, each one's second worker (read ahead) */
    qmap_gap_worker **gw;   /* gaps (issue 11): per-thread gap correction buffers, on first use */
};

qmap_frame_workers *qmap_frame_workers_new(void)
{
    qmap_frame_workers *ws = calloc(1, sizeof *ws);
    int n = omp_get_max_threads();
    if (ws) ws->w = calloc((size_t)n, sizeof *ws->w);
    int ok = ws && ws->w;
    if (ok && n > 1)
        ok = (ws->w2 = calloc((size_t)n, sizeof *ws->w2)) != NULL;
    for (int i = 0; ok && i < n; i++, ws->n++) {
        ok = (ws->w[i] = qmap_sparse_worker_new()) != NULL;
        if (ok && ws->w2) ok = (ws->w2[i] = qmap_sparse_worker_new()) != NULL;
    }
    if (!ok) {
        qmap_frame_workers_free(ws);
        qmap_error(QMAP_ERR_NOMEM, "out of memory (frame reader buffers for %d threads)", n);
        return NULL;
    }
    return ws;
}

void qmap_frame_workers_free(qmap_frame_workers *ws)
{
    if (!ws) return;
    for (int i = 0; ws->w && i < ws->n; i++) qmap_sparse_worker_free(ws->w[i]);
    for (int i = 0; ws->w2 && i < ws->n; i++) qmap_sparse_worker_free(ws->w2[i]);
    free(ws->w2);
    for (int i = 0; ws->gw && i < ws->n; i++) qmap_gap_worker_free(ws->gw[i]);   /* gaps (issue 11) */
    free(ws->gw);
    free(ws->w);
    free(ws);
}

void qmap_bad_counts_sum(const qmap_bad_counts *per_thread, int n, qmap_bad_counts *total)
{
    for (int t = 0; t < n; t++) {
        total->negative += per_thread[t].negative;
        total->saturated += per_thread[t].saturated;
        total->nonfinite += per_thread[t].nonfinite;
    }
}

int qmap_frame_workers_count(const qmap_frame_workers *ws)
{
    return ws->n;
}

/* gaps (issue 11): the per-thread gap buffers, made on first use. */
static int gap_workers(qmap_frame_workers *ws, const qmap_gap_layout *g)
{
    if (ws->gw)
        return QMAP_OK;
    ws->gw = calloc((size_t)ws->n, sizeof *ws->gw);
    for (int i = 0; ws->gw && i < ws->n; i++)
        if (!(ws->gw[i] = qmap_gap_worker_new(g)))
            return QMAP_ERR_NOMEM;
    return ws->gw ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (gap correction)");
}

/* issue 18: the frames of unit c of the n_sel selected ones (QMAP_SPARSE_FETCH, fewer at the end) */
static int unit_frames(int c, int n_sel)
{
    int f0 = c * QMAP_SPARSE_FETCH;
    return n_sel - f0 < QMAP_SPARSE_FETCH ? n_sel - f0 : QMAP_SPARSE_FETCH;
}

/* issue 18: the frames of the group of units c0, c0 + nt, ... (`group` of them at most, those
 * below n_units) as runs to fetch: a run per unit, or with a stride a run per frame; returns
 * how many runs. */
static int group_runs(int c0, int nt, int group, int n_units, int first, int stride, int n_sel, int *run_first,
                      int *run_count)
{
    int n_runs = 0;
    for (int c = c0, j = 0; c < n_units && j < group; c += nt, j++) {
        int f0 = c * QMAP_SPARSE_FETCH, m = unit_frames(c, n_sel);
        for (int i = 0; i < (stride == 1 ? 1 : m); i++, n_runs++) {
            run_first[n_runs] = first + (f0 + i) * stride;
            run_count[n_runs] = stride == 1 ? m : 1;
        }
    }
    return n_runs;
}

int qmap_for_each_frame(qmap_frame_reader *rd, qmap_frame_workers *ws, int n_frames, int row0,
                        int row1, const qmap_frame_pass *pass)
{
    /* gaps (issue 11): read the whole gap bands that [row0, row1) meets */
    int read0 = row0, read1 = row1;
    if (pass->gaps) {
        int e = gap_workers(ws, pass->gaps->layout);
        if (e != QMAP_OK)
            return e;
        qmap_gap_rows_needed(pass->gaps->layout, row0, row1, &read0, &read1);
    }
    int err = 0, err_frame = n_frames;
    /* issue 18: a sample of the frames, one in `stride` */
    int stride = pass->stride > 1 ? pass->stride : 1, first = stride / 2, f_lo = pass->first_frame;
    if (stride == 1) {
        first = f_lo > 0 ? f_lo : 0;
    } else if (f_lo > first) {   /* MPI position split (issue 18): the sampled frames of this rank */
        first += (f_lo - first + stride - 1) / stride * stride;
    }
    int n_sel = n_frames > first ? (n_frames - first + stride - 1) / stride : 0;
    int n_units = (n_sel + QMAP_SPARSE_FETCH - 1) / QMAP_SPARSE_FETCH;
    char msg[1024] = "";
    /* issue 18: unit c goes to thread c % nth as schedule(static, 1) would deal it; each
     * thread fetches `group` of its units at a time under one lock, and, while it decodes a
     * group, reads its next group into its second worker whenever the HDF5 lock is free
     * (instead of waiting for it at the group's end): the same frames in the same order, so
     * the same sums */
    enum { GROUP_MAX = QMAP_SPARSE_SLOTS / QMAP_SPARSE_FETCH };
    int group = ws->n > 1 ? GROUP_MAX : 1, ahead = group > 1 && ws->w2 != NULL;
#pragma omp parallel num_threads(ws->n)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads();
        qmap_sparse_worker *w = ws->w[tid], *w_next = ahead ? ws->w2[tid] : NULL;
        int next_ready = 0, next_err = 0;   /* the next group, read ahead (and how that went) */
        char next_msg[sizeof msg];
        for (int c0 = tid; c0 < n_units; c0 += nt * group) {
            int failed;
#pragma omp atomic read
            failed = err;
            if (failed)
                break;
            int run_first[QMAP_SPARSE_SLOTS], run_count[QMAP_SPARSE_SLOTS];
            int n_runs = group_runs(c0, nt, group, n_units, first, stride, n_sel, run_first, run_count);
            int e = qmap_check_cancel(), ef = first + c0 * QMAP_SPARSE_FETCH * stride;
            if (!e && next_ready) {   /* read ahead: swap it in, with its error if it had one */
                qmap_sparse_worker *t = w;
                w = w_next;
                w_next = t;
                next_ready = 0;
                if (next_err) e = qmap_error(next_err, "%s", next_msg);
            } else if (!e) {
                e = qmap_frame_reader_fetch_runs(rd, w, run_first, run_count, n_runs, read0, read1);
            }
            int c_next = c0 + nt * group, next_first[QMAP_SPARSE_SLOTS], next_count[QMAP_SPARSE_SLOTS], n_next = 0;
            if (ahead && c_next < n_units)
                n_next = group_runs(c_next, nt, group, n_units, first, stride, n_sel, next_first, next_count);
            for (int j = 0, slot = 0, c = c0; j < group && c < n_units && !e; j++, c += nt) {
                int f0 = c * QMAP_SPARSE_FETCH, m = unit_frames(c, n_sel);
                for (int i = 0; i < m && !e; i++, slot++) {
                    int f = first + (f0 + i) * stride;
                    if (n_next && !next_ready) {
                        next_err = qmap_frame_reader_try_fetch_runs(rd, w_next, next_first, next_count, n_next,
                                                                    read0, read1, &next_ready);
                        if (next_err) {
                            next_ready = 1;
                            snprintf(next_msg, sizeof next_msg, "%s", qmap_error_message());
                        }
                    }
                    if (pass->skip && pass->skip(pass->ctx, f))
                        continue;
                    qmap_sparse_frame fr, corrected;
                    ef = f;
                    e = qmap_frame_reader_decode(rd, w, slot, &fr);
                    if (!e && pass->gaps) {   /* gaps (issue 11) */
                        e = qmap_gap_correct_sparse(pass->gaps, ws->gw[tid], read0, read1, row0, row1,
                                                    &fr, &corrected);
                        fr = corrected;
                    }
                    if (!e) e = pass->frame(pass->ctx, tid, f, &fr);
                }
                if (tid == 0 && pass->tick && c % 8 == 0)
                    pass->tick(pass->ctx, (double)f0 / (n_sel ? n_sel : 1));
            }
            if (e) {
#pragma omp critical(qmap_frame_loop_error)
                if (ef < err_frame) {
                    err_frame = ef;
                    snprintf(msg, sizeof msg, "%s", qmap_error_message());
#pragma omp atomic write
                    err = e;
                }
            }
        }
    }
    if (err)
        return qmap_error(err, "%s", msg);
    return QMAP_OK;
}
