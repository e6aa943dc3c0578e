/* test_frame_loop.c -- qmap_for_each_frame (core/frame_loop.c), the per-frame thread loop of
 * both passes, on a small simulated scan (bitshuffle-LZ4 frames, 192 frames = 24 units of
 * QMAP_SPARSE_FETCH: with two threads each reads three groups, the later ones ahead).
 *
 * The reference is the dense reader (qmap_frame_reader_read) of the same frames, a different
 * code path: every frame must reach the pass exactly once, on a valid thread, with exactly
 * the non-zero pixels of the requested detector rows, in increasing order; skipped frames
 * must not reach it; the first error (lowest frame) stops the loop and comes back with its
 * message; a raised cancel flag stops it before any frame; progress ticks lie in [0, 1).
 * The dealing that makes the sums reproducible: unit u of QMAP_SPARSE_FETCH frames goes to
 * thread u % threads, and every thread sees its frames in increasing order (issue 18: also
 * when it reads its next group ahead). A chunk that cannot be read in a group read ahead
 * stops the loop with its frame named, after the thread's frames before it (issue 18).
 */
#include "check.h"
#include "pipeline.h"
#include "qmap/error.h"
#include "qmap/simulate.h"

#include <hdf5.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES 256
#define MAX_THREADS 8

typedef struct {
    int row0, row1, cols, n_threads;
    int visits[MAX_FRAMES], bad_order[MAX_FRAMES], outside[MAX_FRAMES], bad_thread;
    int thread_of[MAX_FRAMES], last_frame[MAX_THREADS], backwards;   /* the dealing */
    long nnz[MAX_FRAMES];
    double sum[MAX_FRAMES];
    int fail_at[2];            /* frames whose pass call fails (-1: none) */
    int skip_odd;
    int ticks, bad_tick;
} pass_state;

static int skip_odd(void *ctx, int f)
{
    const pass_state *s = ctx;
    return s->skip_odd && f % 2 == 1;
}

static int on_frame(void *ctx, int thread, int f, const qmap_sparse_frame *fr)
{
    pass_state *s = ctx;
    if (f == s->fail_at[0] || f == s->fail_at[1])
        return qmap_error(QMAP_ERR_VALUE, "deliberate failure at frame %d", f);
    if (f < 0 || f >= MAX_FRAMES)
        return qmap_error(QMAP_ERR_VALUE, "frame %d out of range", f);
    if (thread < 0 || thread >= s->n_threads || thread >= MAX_THREADS) {
        s->bad_thread = 1;
    } else {
        s->thread_of[f] = thread;
        if (f <= s->last_frame[thread])   /* each thread's frames come in increasing order */
            s->backwards = 1;
        s->last_frame[thread] = f;
    }
    double sum = 0;
    for (int i = 0; i < fr->n; i++) {   /* the same ascending order as the dense reference */
        int row = fr->idx[i] / s->cols;
        if (row < s->row0 || row >= s->row1)
            s->outside[f]++;
        if (i > 0 && fr->idx[i] <= fr->idx[i - 1])
            s->bad_order[f]++;
        sum += fr->val[i];
    }
#pragma omp atomic
    s->visits[f]++;
    s->nnz[f] = fr->n;
    s->sum[f] = sum;
    return QMAP_OK;
}

static void on_tick(void *ctx, double fraction)
{
    pass_state *s = ctx;
    s->ticks++;
    if (!(fraction >= 0 && fraction < 1))
        s->bad_tick = 1;
}

/* Dense reference: per frame, the non-zero count and the sum over rows [row0, row1). */
static int reference(qmap_frame_reader *rd, int n, int row0, int row1, int cols, long *nnz, double *sum)
{
    size_t per = (size_t)(row1 - row0) * cols;
    float *buf = malloc(per * sizeof *buf);
    if (!buf)
        return -1;
    for (int f = 0; f < n; f++) {
        if (qmap_frame_reader_read(rd, f, 1, row0, row1, buf) < 0) {
            free(buf);
            return -1;
        }
        nnz[f] = 0;
        sum[f] = 0;
        for (size_t p = 0; p < per; p++)
            if (buf[p] != 0) {
                nnz[f]++;
                sum[f] += buf[p];
            }
    }
    free(buf);
    return 0;
}

static void init_state(pass_state *s, int row0, int row1, int cols, int n_threads)
{
    memset(s, 0, sizeof *s);
    s->row0 = row0;
    s->row1 = row1;
    s->cols = cols;
    s->n_threads = n_threads;
    s->fail_at[0] = s->fail_at[1] = -1;
    for (int t = 0; t < MAX_THREADS; t++)
        s->last_frame[t] = -1;
}

static void check_rows(qmap_frame_reader *rd, int n, int cols, int row0, int row1, int threads)
{
    long ref_nnz[MAX_FRAMES];
    double ref_sum[MAX_FRAMES];
    CHECK(reference(rd, n, row0, row1, cols, ref_nnz, ref_sum) == 0, "dense reference: %s", qmap_error_message());
    omp_set_num_threads(threads);
    qmap_frame_workers *ws = qmap_frame_workers_new();
    CHECK(ws && qmap_frame_workers_count(ws) == threads, "%d workers", threads);
    if (!ws)
        return;
    pass_state s;
    init_state(&s, row0, row1, cols, threads);
    qmap_frame_pass pass = {.ctx = &s, .skip = skip_odd, .frame = on_frame, .tick = on_tick};
    int rc = qmap_for_each_frame(rd, ws, n, row0, row1, &pass);
    CHECK(rc == QMAP_OK, "rows %d..%d, %d threads: %s", row0, row1, threads, qmap_error_message());
    long total = 0;
    for (int f = 0; f < n; f++) {
        CHECK(s.visits[f] == 1, "rows %d..%d, %d threads: frame %d visited %d times", row0, row1, threads, f,
              s.visits[f]);
        CHECK(s.nnz[f] == ref_nnz[f] && s.sum[f] == ref_sum[f],
              "rows %d..%d, %d threads: frame %d has %ld pixels, sum %.17g; dense reader %ld, %.17g", row0, row1,
              threads, f, s.nnz[f], s.sum[f], ref_nnz[f], ref_sum[f]);
        CHECK(s.outside[f] == 0 && s.bad_order[f] == 0, "frame %d: %d pixels outside rows %d..%d, %d out of order",
              f, s.outside[f], row0, row1, s.bad_order[f]);
        total += s.nnz[f];
    }
    CHECK(total > 0, "rows %d..%d hold no photons: the test would prove nothing", row0, row1);
    CHECK(!s.bad_thread, "a thread index outside 0..%d", threads - 1);
    int dealt_wrong = 0;
    for (int f = 0; f < n; f++)
        dealt_wrong += s.thread_of[f] != (f / QMAP_SPARSE_FETCH) % threads;
    CHECK(dealt_wrong == 0 && !s.backwards, "%d threads: %d frames on another thread than unit %% threads; "
          "frames out of order on a thread: %s", threads, dealt_wrong, s.backwards ? "yes" : "no");
    CHECK(s.ticks >= 1 && !s.bad_tick, "%d progress ticks, one outside [0, 1)", s.ticks);

    /* skipped frames never reach the pass */
    init_state(&s, row0, row1, cols, threads);
    s.skip_odd = 1;
    rc = qmap_for_each_frame(rd, ws, n, row0, row1, &pass);
    int wrong = 0;
    for (int f = 0; f < n; f++)
        wrong += s.visits[f] != (f % 2 == 0);
    CHECK(rc == QMAP_OK && wrong == 0, "skip odd frames: %d frames wrong (%s)", wrong, qmap_error_message());

    /* a failing frame stops the loop with its message; with two, the lower one on one
     * thread (chunks in order), either of them on several */
    init_state(&s, row0, row1, cols, threads);
    s.fail_at[0] = 5;
    s.fail_at[1] = n - 2;
    rc = qmap_for_each_frame(rd, ws, n, row0, row1, &pass);
    const char *m = qmap_error_message();
    CHECK(rc == QMAP_ERR_VALUE, "failing pass: status %d", rc);
    if (threads == 1)
        CHECK(strstr(m, "frame 5") != NULL, "one thread: the first failure is reported: '%s'", m);
    else
        CHECK(strstr(m, "deliberate failure at frame") != NULL, "several threads: a failure is reported: '%s'", m);
    if (threads == 1)
        for (int f = 8; f < n; f++)
            CHECK(s.visits[f] == 0, "one thread: frame %d read after the failure in the first chunk", f);

    /* a sample (the quick look, issue 18): one frame in `stride`, starting at stride / 2, and
     * an MPI rank's share: only frames from first_frame on */
    static const int strides[] = {1, 2, 7};
    for (int k = 0; k < 3; k++)
        for (int first_frame = 0; first_frame <= 9; first_frame += 9) {
            int stride = strides[k];
            init_state(&s, row0, row1, cols, threads);
            qmap_frame_pass sampled = pass;
            sampled.skip = NULL;
            sampled.stride = stride;
            sampled.first_frame = first_frame;
            rc = qmap_for_each_frame(rd, ws, n, row0, row1, &sampled);
            int wrong_sample = 0, n_seen = 0;
            for (int f = 0; f < n; f++) {
                int want = f >= first_frame && f % stride == stride / 2;
                wrong_sample += s.visits[f] != want;
                n_seen += s.visits[f];
                if (s.visits[f] && (s.nnz[f] != ref_nnz[f] || s.sum[f] != ref_sum[f]))
                    wrong_sample++;
            }
            CHECK(rc == QMAP_OK && wrong_sample == 0 && n_seen > 0,
                  "stride %d from frame %d, %d threads: %d frames wrong, %d seen (%s)", stride, first_frame,
                  threads, wrong_sample, n_seen, qmap_error_message());
        }

    /* a raised cancel flag: no frame, QMAP_ERR_CANCELLED */
    static volatile sig_atomic_t cancel = 1;
    qmap_set_cancel_flag(&cancel);
    init_state(&s, row0, row1, cols, threads);
    rc = qmap_for_each_frame(rd, ws, n, row0, row1, &pass);
    int seen = 0;
    for (int f = 0; f < n; f++)
        seen += s.visits[f];
    CHECK(rc == QMAP_ERR_CANCELLED && seen == 0, "cancelled: status %d, %d frames visited", rc, seen);
    qmap_set_cancel_flag(NULL);
    qmap_frame_workers_free(ws);
}

/* issue 18: the chunk of frame `bad` made too large to be a frame (the reader refuses it
 * when it fetches it, before any decoding); with two threads it lies in the second group of
 * thread 0, which that thread reads ahead while it decodes its first. */
static void check_bad_chunk_ahead(const char *dir, const char *master, const char *scan, const char *detector,
                                  int n, int rows, int cols)
{
    /* two threads, groups of `group` units: thread 0 reads units 0, 2, .. then g0, g0 + 2, .. */
    int group = QMAP_SPARSE_SLOTS / QMAP_SPARSE_FETCH, g0 = 2 * group, bad = (g0 + 2) * QMAP_SPARSE_FETCH + 3;
    char src[4096];
    snprintf(src, sizeof src, "%s/scan0002/%s_0000.h5", dir, detector);
    hid_t f = H5Fopen(src, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, "/entry_0000/instrument/mpx1x4/data", H5P_DEFAULT) : H5I_INVALID_HID;
    size_t big = 2 * (size_t)rows * cols * 4 + 65536 + 1024;
    uint8_t *junk = calloc(big, 1);
    hsize_t off[3] = {(hsize_t)bad, 0, 0};
    int written = d >= 0 && junk && n > bad && H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, big, junk) >= 0;
    free(junk);
    if (d >= 0) H5Dclose(d);
    if (f >= 0) H5Fclose(f);
    CHECK(written, "could not write an oversized chunk into %s", src);
    qmap_frame_reader *rd = NULL;
    CHECK(written && qmap_frame_reader_open(master, scan, detector, &rd) == QMAP_OK, "reader: %s",
          qmap_error_message());
    if (!rd)
        return;
    omp_set_num_threads(2);
    qmap_frame_workers *ws = qmap_frame_workers_new();
    pass_state s;
    init_state(&s, 0, rows, cols, 2);
    qmap_frame_pass pass = {.ctx = &s, .frame = on_frame};
    int rc = ws ? qmap_for_each_frame(rd, ws, n, 0, rows, &pass) : QMAP_ERR_NOMEM;
    char want[64];
    snprintf(want, sizeof want, "frame %d", bad);
    CHECK(rc == QMAP_ERR_CORRUPT && strstr(qmap_error_message(), want) != NULL,
          "a chunk too large in a group read ahead: status %d, '%s' (want '%s')", rc, qmap_error_message(), want);
    int first_group_missed = 0, group_seen = 0;
    for (int u = 0; u < g0; u += 2)   /* thread 0's units before the bad one's group: all handled */
        for (int i = 0; i < QMAP_SPARSE_FETCH; i++)
            first_group_missed += s.visits[u * QMAP_SPARSE_FETCH + i] != 1;
    for (int u = g0; u < g0 + 2 * group; u += 2)   /* the bad one's group: none (its read failed) */
        for (int i = 0; i < QMAP_SPARSE_FETCH; i++)
            group_seen += s.visits[u * QMAP_SPARSE_FETCH + i];
    CHECK(first_group_missed == 0 && group_seen == 0, "thread 0: %d frames of its first group not handled, %d "
          "of the failed group handled", first_group_missed, group_seen);
    qmap_frame_workers_free(ws);
    qmap_frame_reader_close(rd);
}

int main(void)
{
    const char *t = getenv("QMAP_TEST_TMP");
    char dir[1024], master[4096];
    snprintf(dir, sizeof dir, "%s/frame_loop", t ? t : "/tmp");
    qmap_sim_params p;
    qmap_sim_defaults(&p);
    p.n_fast = 16;
    p.n_slow = 12;
    p.n_eta = 2;
    p.compression = 0;   /* bitshuffle-LZ4: the fast (raw chunk) path */
    if (qmap_simulate(&p, dir, master, sizeof master) != QMAP_OK) {
        fprintf(stderr, "simulate: %s\n", qmap_error_message());
        return 1;
    }
    qmap_dataset *ds = NULL;
    CHECK(qmap_dataset_open(master, NULL, &ds) == QMAP_OK, "dataset: %s", qmap_error_message());
    if (!ds)
        return 1;
    const qmap_scan_info *sc = qmap_dataset_scan(ds, 0);
    qmap_frame_reader *rd = NULL;
    CHECK(qmap_frame_reader_open(master, sc->name, sc->detector, &rd) == QMAP_OK, "reader: %s",
          qmap_error_message());
    if (rd) {
        int n = qmap_frame_reader_n_frames(rd), rows = 0, cols = 0;
        qmap_frame_reader_shape(rd, &rows, &cols);
        CHECK(n == p.n_fast * p.n_slow && n <= MAX_FRAMES && n > 2 * QMAP_SPARSE_FETCH,
              "%d frames, expected %d over several chunks", n, p.n_fast * p.n_slow);
        if (n <= MAX_FRAMES) {
            check_rows(rd, n, cols, 0, rows, 1);
            check_rows(rd, n, cols, 0, rows, 3);
            /* a band of rows around the Bragg peak (pass 2 reads only the plan's rows) */
            check_rows(rd, n, cols, rows / 4, 3 * rows / 4, 2);
        }
        qmap_frame_reader_close(rd);
        if (n <= MAX_FRAMES)
            check_bad_chunk_ahead(dir, master, sc->name, sc->detector, n, rows, cols);
    }
    qmap_dataset_close(ds);
    return failures != 0;
}
