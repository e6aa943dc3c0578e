/* frames_dense.c -- whole frames of one source segment as float: the H5Dread hyperslab
 * fallback, and the fast path that reads raw chunks with H5Dread_chunk on the calling thread
 * and decodes them (bitshuffle-LZ4 or none) on OpenMP threads. See frames.c.
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

/* ---- reading: H5Dread fallback ----------------------------------------------------- */

/* 1 when the chunk holding source frame sf was never written. */
static int chunk_absent(const segment *s, hsize_t sf)
{
    if (s->chunk0 == 0) return 0;
    hsize_t off[3] = {sf - sf % s->chunk0, 0, 0}, nbytes = 0;
    return H5Dget_chunk_storage_size(s->dset, off, &nbytes) < 0 || nbytes == 0;
}

/* H5Dread frames [sf, sf + k), rows [row0, row1) of dset as float into out. */
int qmap__read_slab(qmap_frame_reader *r, hid_t dset, const char *label, const char *dname,
                     hsize_t sf, int k, int row0, int row1, float *out)
{
    hsize_t start[3] = {sf, (hsize_t)row0, 0};
    hsize_t count[3] = {(hsize_t)k, (hsize_t)(row1 - row0), (hsize_t)r->cols};
    hid_t fspace = H5Dget_space(dset), mspace = H5Screate_simple(3, count, NULL);
    herr_t e = -1;
    if (fspace >= 0 && mspace >= 0 &&
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
        e = H5Dread(dset, H5T_NATIVE_FLOAT, mspace, fspace, H5P_DEFAULT, out);
    if (fspace >= 0) H5Sclose(fspace);
    if (mspace >= 0) H5Sclose(mspace);
    if (e < 0)
        return qmap__reader_error(r, QMAP_ERR_IO, "cannot read frames %llu..%llu of source file %s dataset %s",
                            (unsigned long long)sf, (unsigned long long)(sf + (hsize_t)k - 1),
                            label, dname);
    return QMAP_OK;
}

int qmap__read_segment_slab(qmap_frame_reader *r, segment *s, hsize_t sf, int k, int row0,
                             int row1, float *out)
{
    int st = qmap__read_slab(r, s->dset, s->file_label, s->dset_name, sf, k, row0, row1, out);
    if (st) return st;
    for (int i = 0; i < k; i++) r->missing += chunk_absent(s, sf + (hsize_t)i);
    return QMAP_OK;
}

/* ---- reading: raw chunks + own decoder ---------------------------------------------- */

static int fetch_chunks(qmap_frame_reader *r, segment *s, hsize_t sf, int m)
{
    size_t frame_bytes = s->elem_size * (size_t)r->rows * (size_t)r->cols;
    for (int i = 0; i < m; i++) {
        hsize_t off[3] = {sf + (hsize_t)i, 0, 0}, nbytes = 0;
        r->absent[i] = H5Dget_chunk_storage_size(s->dset, off, &nbytes) < 0 || nbytes == 0;
        if (r->absent[i]) continue;
        if (nbytes > 2 * (hsize_t)frame_bytes + 65536)
            return qmap__reader_error(r, QMAP_ERR_CORRUPT,
                                "source file %s dataset %s: chunk of frame %llu has %llu bytes "
                                "for a %zu-byte frame",
                                s->file_label, s->dset_name, (unsigned long long)off[0],
                                (unsigned long long)nbytes, frame_bytes);
        if (r->raw_cap[i] < nbytes) {
            uint8_t *p = realloc(r->raw[i], (size_t)nbytes);
            if (!p) return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", s->file_label);
            r->raw[i] = p;
            r->raw_cap[i] = (size_t)nbytes;
        }
        r->raw_size[i] = (size_t)nbytes;
        r->mask[i] = 0;
        if (H5Dread_chunk(s->dset, H5P_DEFAULT, off, &r->mask[i], r->raw[i]) < 0)
            return qmap__reader_error(r, QMAP_ERR_IO,
                                "source file %s dataset %s: cannot read the chunk of frame %llu",
                                s->file_label, s->dset_name, (unsigned long long)off[0]);
    }
    return QMAP_OK;
}

static int ensure_scratch(qmap_frame_reader *r, int nt)
{
    if (nt <= r->n_scratch) return QMAP_OK;
    uint8_t **p = realloc(r->scratch, (size_t)nt * sizeof *p);
    if (!p) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    r->scratch = p;
    for (; r->n_scratch < nt; r->n_scratch++) {
        r->scratch[r->n_scratch] = malloc(r->scratch_bytes ? r->scratch_bytes : 1);
        if (!r->scratch[r->n_scratch]) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    }
    return QMAP_OK;
}

/* Decode batch slot i into float rows [row0, row1). Runs on worker threads. */
static int decode_slot(const qmap_frame_reader *r, const segment *s, int i, int row0, int row1,
                       float *dst, uint8_t *scratch)
{
    size_t plane = (size_t)r->rows * (size_t)r->cols, n = (size_t)(row1 - row0) * (size_t)r->cols;
    size_t frame_bytes = s->elem_size * plane;
    if (r->absent[i]) {
        qmap__fill_floats(dst, n, s->fill);
        return QMAP_OK;
    }
    const uint8_t *src = r->raw[i];
    if (s->bshuf && !(r->mask[i] & 1u)) {
        size_t row_bytes = (size_t)r->cols * s->elem_size;
        int st = qmap_bshuf_lz4_decode_range(r->raw[i], r->raw_size[i], s->elem_size, scratch,
                                             frame_bytes, (size_t)row0 * row_bytes,
                                             (size_t)row1 * row_bytes);
        if (st) return st;
        src = scratch;
    } else if (r->raw_size[i] != frame_bytes) {
        return qmap_error(QMAP_ERR_CORRUPT, "unfiltered chunk has %zu bytes, expected %zu",
                          r->raw_size[i], frame_bytes);
    }
    qmap__convert_to_float(s->kind, src + (size_t)row0 * r->cols * s->elem_size, dst, n);
    return QMAP_OK;
}

static int decode_batch(qmap_frame_reader *r, segment *s, hsize_t sf, int m, int row0, int row1,
                        float *out)
{
    int nt = omp_get_max_threads();
    if (nt > m) nt = m;
    if (nt < 1) nt = 1;
    int st = ensure_scratch(r, nt);
    if (st) return st;
    size_t n = (size_t)(row1 - row0) * (size_t)r->cols;
    int err = 0, err_slot = m;
    char msg[512] = "";
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (int i = 0; i < m; i++) {
        int e = decode_slot(r, s, i, row0, row1, out + (size_t)i * n, r->scratch[omp_get_thread_num()]);
        if (e) {
#pragma omp critical(qmap_frames_error)
            if (i < err_slot) {
                err = e;
                err_slot = i;
                snprintf(msg, sizeof msg, "%s", qmap_error_message());
            }
        }
    }
    for (int i = 0; i < m; i++) r->missing += r->absent[i];
    if (err)
        return qmap__reader_error(r, err, "source file %s dataset %s frame %llu: %s", s->file_label,
                            s->dset_name, (unsigned long long)(sf + (hsize_t)err_slot), msg);
    return QMAP_OK;
}

int qmap__read_segment_fast(qmap_frame_reader *r, segment *s, hsize_t sf, int k, int row0,
                             int row1, float *out)
{
    size_t n = (size_t)(row1 - row0) * (size_t)r->cols;
    for (int b = 0; b < k; b += QMAP_FRAMES_BATCH) {
        int m = k - b < QMAP_FRAMES_BATCH ? k - b : QMAP_FRAMES_BATCH;
        int st = fetch_chunks(r, s, sf + (hsize_t)b, m);
        if (!st) st = decode_batch(r, s, sf + (hsize_t)b, m, row0, row1, out + (size_t)b * n);
        if (st) return st;
    }
    return QMAP_OK;
}

