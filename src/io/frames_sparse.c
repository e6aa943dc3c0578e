/* frames_sparse.c -- the non-zero pixels of frames, on any thread (qmap_frame_reader_fetch /
 * _decode / _read_sparse, frames_internal.h): each thread fetches a few raw chunks under one
 * lock and decodes them itself with qmap_bshuf_lz4_decode_nonzero, never materialising the
 * frame; other layouts are read dense and their non-zero pixels picked. See frames.c.
 */
#include "frames_reader.h"
#include "qmap/error.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- reading: non-zero pixels of frames, on any thread ------------------------------ */

/* One fetched frame: its raw chunk (fast path) or its rows as float (H5Dread path). */
typedef struct {
    int frame, absent, fast;
    segment *seg;
    hsize_t sf;
    uint8_t *raw;
    size_t raw_cap, raw_size;
    uint32_t filter_mask;
    float *dense;
    size_t dense_cap;
} fetched_frame;

struct qmap_sparse_worker {
    fetched_frame slot[QMAP_SPARSE_SLOTS];
    int n_slots, row0, row1;
    uint32_t *eidx;        /* decoder output: element indices and bits */
    uint64_t *bits;
    int32_t *idx;          /* the frame handed out */
    float *val;
    size_t cap;            /* elements the four arrays above hold */
};

qmap_sparse_worker *qmap_sparse_worker_new(void)
{
    qmap_sparse_worker *w = calloc(1, sizeof *w);
    if (!w) qmap_error(QMAP_ERR_NOMEM, "out of memory (sparse frame buffers)");
    return w;
}

void qmap_sparse_worker_free(qmap_sparse_worker *w)
{
    if (!w) return;
    for (int i = 0; i < QMAP_SPARSE_SLOTS; i++) {
        free(w->slot[i].raw);
        free(w->slot[i].dense);
    }
    free(w->eidx);
    free(w->bits);
    free(w->idx);
    free(w->val);
    free(w);
}

static int worker_reserve(qmap_sparse_worker *w, size_t n)
{
    if (n <= w->cap) return QMAP_OK;
    free(w->eidx);
    free(w->bits);
    free(w->idx);
    free(w->val);
    w->eidx = malloc(n * sizeof *w->eidx);
    w->bits = malloc(n * sizeof *w->bits);
    w->idx = malloc(n * sizeof *w->idx);
    w->val = malloc(n * sizeof *w->val);
    w->cap = (w->eidx && w->bits && w->idx && w->val) ? n : 0;
    return w->cap ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (sparse frame buffers)");
}

/* Value of an element from its bytes (byte j at bits 8j), as float. */
static float bits_to_float(elem_kind kind, uint64_t v)
{
    uint8_t b[8];
    for (int j = 0; j < 8; j++) b[j] = (uint8_t)(v >> (8 * j));
    union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32; int32_t i32;
            uint64_t u64; int64_t i64; float f32; double f64; } x;
    memcpy(&x, b, sizeof b);
    switch (kind) {
    case K_U8: return (float)x.u8;
    case K_I8: return (float)x.i8;
    case K_U16: return (float)x.u16;
    case K_I16: return (float)x.i16;
    case K_U32: return (float)x.u32;
    case K_I32: return (float)x.i32;
    case K_U64: return (float)x.u64;
    case K_I64: return (float)x.i64;
    case K_F32: return x.f32;
    case K_F64: return (float)x.f64;
    }
    return 0.0f;
}

/* The k decoded elements as (index, float value), keeping the non-zero ones (-0.0 and
 * values that round to 0 are zero pixels); returns their count. issue 18: on a
 * little-endian machine the integer kinds of photon-counting detectors take a loop of their
 * own (the low bytes of bits are the element as stored: the same values as bits_to_float,
 * without its per-element switch and byte shuffle, ~6 % of a run's CPU time). */
#define NONZERO_LOOP(expr)                                        \
    for (long i = 0; i < k; i++) {                                \
        float v = (expr);                                         \
        if (v != 0) {                                             \
            idx[n] = (int32_t)eidx[i];                            \
            val[n++] = v;                                         \
        }                                                         \
    }

static int nonzero_values(elem_kind kind, const uint32_t *eidx, const uint64_t *bits, long k, int32_t *idx,
                          float *val)
{
    int n = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    switch (kind) {
    case K_I32: NONZERO_LOOP((float)(int32_t)(uint32_t)bits[i]) return n;
    case K_U32: NONZERO_LOOP((float)(uint32_t)bits[i]) return n;
    case K_U16: NONZERO_LOOP((float)(uint16_t)bits[i]) return n;
    case K_I16: NONZERO_LOOP((float)(int16_t)(uint16_t)bits[i]) return n;
    case K_U8: NONZERO_LOOP((float)(uint8_t)bits[i]) return n;
    default: break;
    }
#endif
    NONZERO_LOOP(bits_to_float(kind, bits[i]))
    return n;
}
#undef NONZERO_LOOP

/* Fetch the raw chunk of source frame sf into slot t (HDF5 calls: serialised by the caller). */
static int fetch_one_chunk(qmap_frame_reader *r, fetched_frame *t)
{
    const segment *s = t->seg;
    size_t frame_bytes = s->elem_size * (size_t)r->rows * (size_t)r->cols;
    hsize_t off[3] = {t->sf, 0, 0}, nbytes = 0;
    t->absent = H5Dget_chunk_storage_size(s->dset, off, &nbytes) < 0 || nbytes == 0;
    if (t->absent) return QMAP_OK;
    if (nbytes > 2 * (hsize_t)frame_bytes + 65536)
        return qmap__reader_error(r, QMAP_ERR_CORRUPT,
                            "source file %s dataset %s: chunk of frame %llu has %llu bytes for a "
                            "%zu-byte frame",
                            s->file_label, s->dset_name, (unsigned long long)t->sf,
                            (unsigned long long)nbytes, frame_bytes);
    if (t->raw_cap < nbytes) {
        uint8_t *p = realloc(t->raw, (size_t)nbytes);
        if (!p) return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", s->file_label);
        t->raw = p;
        t->raw_cap = (size_t)nbytes;
    }
    t->raw_size = (size_t)nbytes;
    t->filter_mask = 0;
    if (H5Dread_chunk(s->dset, H5P_DEFAULT, off, &t->filter_mask, t->raw) < 0)
        return qmap__reader_error(r, QMAP_ERR_IO,
                            "source file %s dataset %s: cannot read the chunk of frame %llu",
                            s->file_label, s->dset_name, (unsigned long long)t->sf);
    return QMAP_OK;
}

/* Room for n floats in t->dense. */
static int reserve_dense(const qmap_frame_reader *r, fetched_frame *t, size_t n)
{
    if (t->dense_cap >= n) return QMAP_OK;
    free(t->dense);
    t->dense = malloc(n * sizeof *t->dense);
    t->dense_cap = t->dense ? n : 0;
    return t->dense ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", r->path);
}

/* Frame t->frame through H5Dread, rows [row0, row1) (serialised by the caller). */
static int fetch_one_dense(qmap_frame_reader *r, fetched_frame *t, int row0, int row1)
{
    int st0 = reserve_dense(r, t, (size_t)(row1 - row0) * (size_t)r->cols);
    if (st0) return st0;
    long before = r->missing;
    int st = r->whole ? qmap__read_slab(r, r->dset, r->path, "(virtual dataset)", (hsize_t)t->frame, 1,
                                  row0, row1, t->dense)
                      : qmap__read_segment_slab(r, t->seg, t->sf, 1, row0, row1, t->dense);
    t->absent = r->missing > before;
    r->missing = before;
    return st;
}

static pthread_mutex_t hdf5_lock = PTHREAD_MUTEX_INITIALIZER;

/* The runs into w under the HDF5 lock; with only_if_free set, nothing is read and *fetched
 * is 0 when another thread holds the lock (issue 18). */
static int fetch_runs(qmap_frame_reader *r, qmap_sparse_worker *w, const int *first, const int *count,
                      int n_runs, int row0, int row1, int only_if_free, int *fetched)
{
    *fetched = 0;
    if (w) w->n_slots = 0;
    if (!r || !w) return qmap_error(QMAP_ERR_VALUE, "qmap_frame_reader_fetch: no reader");
    int total = 0;
    for (int k = 0; k < n_runs; k++) {
        if (first[k] < 0 || count[k] < 1 || count[k] > QMAP_SPARSE_SLOTS - total ||
            first[k] > r->n_frames - count[k])
            return qmap__reader_error(r, QMAP_ERR_VALUE, "frames %d..%d out of range (%d frames, %d "
                                      "more slots)", first[k], first[k] + count[k] - 1, r->n_frames,
                                      QMAP_SPARSE_SLOTS - total);
        total += count[k];
    }
    if (total == 0)
        return qmap__reader_error(r, QMAP_ERR_VALUE, "no frame to fetch");
    if (row0 < 0 || row1 <= row0 || row1 > r->rows)
        return qmap__reader_error(r, QMAP_ERR_VALUE, "rows [%d, %d) out of range (%d rows)", row0, row1,
                            r->rows);
    int st = worker_reserve(w, (size_t)(row1 - row0) * (size_t)r->cols);
    if (st) return st;
    w->row0 = row0;
    w->row1 = row1;
    if (r->edf) { /* SPEC input: dense EDF frames, non-zero pixels picked by _decode */
        float *dst[QMAP_SPARSE_SLOTS];
        for (int k = 0, i = 0; k < n_runs && !st; k++) {
            int i0 = i;
            for (; i < i0 + count[k] && !st; i++) {
                fetched_frame *t = &w->slot[i];
                t->frame = first[k] + (i - i0);
                t->absent = t->fast = 0;
                t->seg = NULL;
                st = reserve_dense(r, t, (size_t)(row1 - row0) * (size_t)r->cols);
                dst[i] = t->dense;
            }
            if (!st) st = qmap__edf_read(r, first[k], count[k], row0, row1, dst + i0);
        }
        if (!st) w->n_slots = total;
        *fetched = 1;   /* EDF files have their own lock: always waited for */
        return st;
    }
    for (int k = 0, i = 0; k < n_runs; k++)
        for (int f = first[k]; f < first[k] + count[k]; f++, i++) {
            fetched_frame *t = &w->slot[i];
            t->frame = f;
            t->absent = t->fast = 0;
            t->seg = NULL;
            t->sf = 0;
            if (!r->whole) {
                int next;
                t->seg = qmap__segment_of(r, t->frame, t->frame + 1, &next);
                if (t->seg) t->sf = t->seg->s0 + ((hsize_t)t->frame - t->seg->v0);
                /* no mapping or source extent covers this frame */
                t->absent = !t->seg || t->sf >= t->seg->src_frames;
                t->fast = !t->absent && t->seg->fast;
            }
        }
    /* HDF5 is not thread-safe. A plain mutex, not an OpenMP critical section: a thread
     * waiting for it sleeps instead of spinning, which matters on a busy machine. */
    if (only_if_free) {
        if (pthread_mutex_trylock(&hdf5_lock) != 0)
            return QMAP_OK;
    } else {
        pthread_mutex_lock(&hdf5_lock);
    }
    *fetched = 1;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    for (int i = 0; i < total && !st; i++) {
        fetched_frame *t = &w->slot[i];
        if (!t->absent)
            st = t->fast ? fetch_one_chunk(r, t) : fetch_one_dense(r, t, row0, row1);
        r->missing += t->absent;
    }
    qmap_h5_quiet_end(&q);
    pthread_mutex_unlock(&hdf5_lock);
    if (!st) w->n_slots = total;
    return st;
}

int qmap_frame_reader_fetch_runs(qmap_frame_reader *r, qmap_sparse_worker *w, const int *first,
                                 const int *count, int n_runs, int row0, int row1)
{
    int fetched;
    return fetch_runs(r, w, first, count, n_runs, row0, row1, 0, &fetched);
}

int qmap_frame_reader_try_fetch_runs(qmap_frame_reader *r, qmap_sparse_worker *w, const int *first,
                                     const int *count, int n_runs, int row0, int row1, int *fetched)
{
    return fetch_runs(r, w, first, count, n_runs, row0, row1, 1, fetched);
}

int qmap_frame_reader_fetch(qmap_frame_reader *r, qmap_sparse_worker *w, int first, int count,
                            int row0, int row1)
{
    if (r && w && count > QMAP_SPARSE_FETCH) {
        w->n_slots = 0;
        return qmap__reader_error(r, QMAP_ERR_VALUE, "frames %d..%d out of range (%d frames, at most %d "
                                  "at once)", first, first + count - 1, r->n_frames, QMAP_SPARSE_FETCH);
    }
    return qmap_frame_reader_fetch_runs(r, w, &first, &count, 1, row0, row1);
}

/* Non-zero pixels of a raw chunk (bitshuffle-LZ4 or unfiltered). No HDF5 call. */
static int sparse_from_chunk(const qmap_frame_reader *r, qmap_sparse_worker *w,
                             const fetched_frame *t, qmap_sparse_frame *out)
{
    const segment *s = t->seg;
    size_t cols = (size_t)r->cols, e0 = (size_t)w->row0 * cols, e1 = (size_t)w->row1 * cols;
    size_t frame_bytes = s->elem_size * (size_t)r->rows * cols;
    long k = 0;
    if (s->bshuf && !(t->filter_mask & 1u)) {
        k = qmap_bshuf_lz4_decode_nonzero(t->raw, t->raw_size, s->elem_size, frame_bytes, e0, e1,
                                          w->eidx, w->bits);
        if (k < 0) return (int)k;
    } else {
        if (t->raw_size != frame_bytes)
            return qmap_error(QMAP_ERR_CORRUPT, "unfiltered chunk has %zu bytes, expected %zu",
                              t->raw_size, frame_bytes);
        for (size_t e = e0; e < e1; e++) {
            uint64_t v = 0;
            for (size_t j = 0; j < s->elem_size; j++)
                v |= (uint64_t)t->raw[e * s->elem_size + j] << (8 * j);
            if (v) {
                w->eidx[k] = (uint32_t)e;
                w->bits[k++] = v;
            }
        }
    }
    out->n = nonzero_values(s->kind, w->eidx, w->bits, k, w->idx, w->val);
    return QMAP_OK;
}

int qmap_frame_reader_decode(qmap_frame_reader *r, qmap_sparse_worker *w, int i,
                             qmap_sparse_frame *out)
{
    out->n = 0;
    out->absent = 0;
    out->idx = w->idx;
    out->val = w->val;
    if (i < 0 || i >= w->n_slots)
        return qmap_error(QMAP_ERR_VALUE, "qmap_frame_reader_decode: slot %d of %d fetched", i,
                          w->n_slots);
    const fetched_frame *t = &w->slot[i];
    if (t->absent) {
        out->absent = 1;
        return QMAP_OK;
    }
    if (!t->fast) {
        size_t n = (size_t)(w->row1 - w->row0) * (size_t)r->cols, p0 = (size_t)w->row0 * r->cols;
        int k = 0;
        for (size_t j = 0; j < n; j++)
            if (t->dense[j] != 0) {
                w->idx[k] = (int32_t)(p0 + j);
                w->val[k++] = t->dense[j];
            }
        out->n = k;
        return QMAP_OK;
    }
    int st = sparse_from_chunk(r, w, t, out);
    if (st)
        return qmap__reader_error(r, st, "source file %s dataset %s frame %llu: %s", t->seg->file_label,
                            t->seg->dset_name, (unsigned long long)t->sf, qmap_error_message());
    return QMAP_OK;
}

int qmap_frame_reader_read_sparse(qmap_frame_reader *r, qmap_sparse_worker *w, int f, int row0,
                                  int row1, qmap_sparse_frame *out)
{
    out->n = 0;
    out->absent = 0;
    int st = qmap_frame_reader_fetch(r, w, f, 1, row0, row1);
    return st ? st : qmap_frame_reader_decode(r, w, 0, out);
}

