/* frames.c -- reads detector frames (frames, rows, cols) of one BLISS scan as float.
 *
 * Why not just H5Dread: measurement/<det> is usually a virtual dataset (VDS) into
 * LIMA files, and HDF5 silently returns fill values when a source file is missing;
 * and the bitshuffle-LZ4 filter runs single-threaded inside HDF5. So the reader
 * resolves the VDS mappings itself (every source file must exist), and for sources
 * stored one frame per chunk with bitshuffle-LZ4 (or no filter) it reads the raw
 * chunks with H5Dread_chunk on the calling thread (HDF5 is not thread-safe) and
 * decodes and converts them on OpenMP threads. Any other layout goes through
 * H5Dread with a hyperslab (HDF5 converts to float). Mappings that are not plain
 * frame ranges (printf-style names, unlimited or strided selections) are read
 * through the VDS itself after the source files have been checked.
 * Chunks never written (interrupted scans) read as the fill value and are counted.
 * The pipeline reads frames as their non-zero pixels instead (qmap_frame_reader_fetch /
 * _decode, frames_internal.h): each thread fetches a few raw chunks under one lock and
 * decodes them itself with qmap_bshuf_lz4_decode_nonzero, never materialising the frame.
 * The reader is split by job: this file opens and closes it and dispatches reads;
 * frames_vds.c resolves the VDS mappings, frames_dense.c reads whole frames (H5Dread or
 * raw chunks), frames_sparse.c reads non-zero pixels; frames_reader.h holds the state.
 * SPEC-era input (a SPEC file, frames in EDF files) goes to frames_edf.c instead: same
 * API, frames read dense (the legacy path), non-zero pixels picked from them.
 */
#include "frames_reader.h"
#include "link_check.h"   /* series (issue 11) */
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

/* ---- open / close -------------------------------------------------------------- */

static int check_link(qmap_frame_reader *r, const char *link, const char *what)
{
    htri_t e = H5Lexists(r->file, link, H5P_DEFAULT);
    if (e > 0) return QMAP_OK;
    return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: %s not found", r->path, r->scan, what);
}

static int open_dataset(qmap_frame_reader *r, char *dpath, size_t dpath_size)
{
    if (access(r->path, R_OK) != 0)
        return qmap_error(QMAP_ERR_IO, "%s: cannot read file (%s)", r->path, strerror(errno));
    if (H5Fis_hdf5(r->path) <= 0)
        return qmap_error(QMAP_ERR_IO, "%s: not an HDF5 file", r->path);
    r->file = qmap_h5_fopen_ro(r->path);   /* the access settings of every input open (h5util.h) */
    if (r->file < 0) return qmap_error(QMAP_ERR_IO, "%s: cannot open HDF5 file", r->path);
    snprintf(dpath, dpath_size, "/%s", r->scan);
    int st = check_link(r, dpath, "scan group");
    if (st) return st;
    snprintf(dpath, dpath_size, "/%s/measurement", r->scan);
    if ((st = check_link(r, dpath, "group measurement"))) return st;
    snprintf(dpath, dpath_size, "/%s/measurement/%s", r->scan, r->det);
    if (H5Lexists(r->file, dpath, H5P_DEFAULT) <= 0)
        return qmap__reader_error(r, QMAP_ERR_FORMAT, "detector dataset not found");
    r->dset = H5Dopen2(r->file, dpath, H5P_DEFAULT);
    if (r->dset < 0) {
        char missing[1536];   /* series (issue 11): name the absent linked file */
        if (qmap_h5_find_missing_link(r->file, r->path, dpath, missing, sizeof missing))
            return qmap__reader_error(r, QMAP_ERR_IO, "%s", missing);
        return qmap__reader_error(r, QMAP_ERR_FORMAT, "not a dataset");
    }
    return QMAP_OK;
}

static int read_shape(qmap_frame_reader *r)
{
    hid_t space = H5Dget_space(r->dset), type = H5Dget_type(r->dset);
    int st = QMAP_OK, rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    elem_kind kind;
    size_t size;
    int native;
    hsize_t dims[3] = {0, 0, 0};
    if (rank != 3) {
        st = qmap__reader_error(r, QMAP_ERR_FORMAT, "rank %d, expected 3 (frames, rows, cols)", rank);
    } else if (type < 0 || qmap__classify_type(type, &kind, &size, &native) < 0) {
        st = qmap__reader_error(r, QMAP_ERR_FORMAT, "unsupported data type (class %d, %zu bytes)",
                          type >= 0 ? (int)H5Tget_class(type) : -1, type >= 0 ? H5Tget_size(type) : 0);
    } else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        if (dims[0] > INT_MAX || dims[1] == 0 || dims[2] == 0 || dims[1] > INT_MAX ||
            dims[2] > INT_MAX || dims[1] * dims[2] > (hsize_t)INT_MAX)
            st = qmap__reader_error(r, QMAP_ERR_FORMAT, "absurd shape %llu x %llu x %llu",
                              (unsigned long long)dims[0], (unsigned long long)dims[1],
                              (unsigned long long)dims[2]);
        r->n_frames = (int)dims[0];
        r->rows = (int)dims[1];
        r->cols = (int)dims[2];
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return st;
}

static int setup_sources(qmap_frame_reader *r, const char *dpath)
{
    hid_t dcpl = H5Dget_create_plist(r->dset);
    if (dcpl < 0) return qmap__reader_error(r, QMAP_ERR_INTERNAL, "cannot read creation properties");
    r->fill = qmap__fill_value_of(dcpl);
    int st = H5Pget_layout(dcpl) == H5D_VIRTUAL ? qmap__setup_virtual(r, dcpl) : qmap__setup_plain(r, dpath);
    H5Pclose(dcpl);
    size_t max_elem = 0;
    for (int i = 0; i < r->n_seg; i++)
        if (r->seg[i].elem_size > max_elem) max_elem = r->seg[i].elem_size;
    r->scratch_bytes = max_elem * (size_t)r->rows * (size_t)r->cols;
    return st;
}

/* ---- SPEC input: EDF frame readers ------------------------------------------------ */

/* The frame readers of one SPEC reader are handed out under this lock; reading with one
 * happens outside it (each has its own file position). */
static pthread_mutex_t edf_pool_lock = PTHREAD_MUTEX_INITIALIZER;

static int open_edf(qmap_frame_reader *r)
{
    r->edf = calloc(1, sizeof *r->edf);
    r->edf_busy = calloc(1, sizeof *r->edf_busy);
    r->edf_next = calloc(1, sizeof *r->edf_next);
    if (!r->edf || !r->edf_busy || !r->edf_next)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    int st = qmap_edf_frames_open(r->path, r->scan, r->det, &r->edf[0]);
    if (st) return st;
    r->n_edf = 1;
    r->n_frames = qmap_edf_frames_n_frames(r->edf[0]);
    qmap_edf_frames_shape(r->edf[0], &r->rows, &r->cols);
    return QMAP_OK;
}

/* A free EDF reader for frames from `first` on: preferably one whose file position is at
 * or just before `first` (a multi-frame .edf.gz then never rewinds), else a new clone,
 * else any free one, into *e. Returns its index, or a negative status. */
static int edf_take(qmap_frame_reader *r, int first, qmap_edf_frames **e_out)
{
    pthread_mutex_lock(&edf_pool_lock);
    int best = -1, any = -1;
    for (int i = 0; i < r->n_edf; i++) {
        if (r->edf_busy[i]) continue;
        if (any < 0) any = i;
        if (r->edf_next[i] <= first && (best < 0 || r->edf_next[i] > r->edf_next[best])) best = i;
    }
    if (best < 0) {
        qmap_edf_frames **e = realloc(r->edf, (size_t)(r->n_edf + 1) * sizeof *e);
        if (e) r->edf = e;
        int *b = e ? realloc(r->edf_busy, (size_t)(r->n_edf + 1) * sizeof *b) : NULL;
        if (b) r->edf_busy = b;
        int *nx = b ? realloc(r->edf_next, (size_t)(r->n_edf + 1) * sizeof *nx) : NULL;
        if (nx) r->edf_next = nx;
        if (nx && qmap_edf_frames_clone(r->edf[0], &r->edf[r->n_edf]) == QMAP_OK) {
            best = r->n_edf++;
            r->edf_next[best] = 0;
        } else {
            best = any;
        }
    }
    int st = best >= 0 ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "%s: scan %s: no EDF reader free "
                                              "(out of memory)", r->path, r->scan);
    if (best >= 0) {
        r->edf_busy[best] = 1;
        *e_out = r->edf[best];
    }
    pthread_mutex_unlock(&edf_pool_lock);
    return st ? st : best;
}

static void edf_give_back(qmap_frame_reader *r, int i, int next)
{
    pthread_mutex_lock(&edf_pool_lock);
    r->edf_busy[i] = 0;
    r->edf_next[i] = next;
    pthread_mutex_unlock(&edf_pool_lock);
}

/* Frames [first, first + count), rows [row0, row1) of SPEC input: frame i to dst[i]. */
int qmap__edf_read(qmap_frame_reader *r, int first, int count, int row0, int row1,
                    float *const *dst)
{
    qmap_edf_frames *e = NULL;
    int h = edf_take(r, first, &e);
    if (h < 0) return h;
    int st = QMAP_OK;
    for (int i = 0; i < count && !st; i++)
        st = qmap_edf_frames_read(e, first + i, 1, row0, row1, dst[i]);
    edf_give_back(r, h, st ? 0 : first + count);
    return st;
}

int qmap_frame_reader_open(const char *path, const char *scan, const char *detector,
                           qmap_frame_reader **out)
{
    if (!out || !path || !scan || !detector)
        return qmap_error(QMAP_ERR_VALUE, "qmap_frame_reader_open: missing argument");
    *out = NULL;
    qmap_frame_reader *r = calloc(1, sizeof *r);
    if (!r) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    r->file = r->dset = H5I_INVALID_HID;
    r->path = qmap__dup_string(path);
    r->scan = qmap__dup_string(scan);
    r->det = qmap__dup_string(detector);
    if (!r->path || !r->scan || !r->det) {
        qmap_frame_reader_close(r);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    }
    if (qmap_is_spec_file(path)) {
        int st = open_edf(r);
        if (st) {
            qmap_frame_reader_close(r);
            return st;
        }
        *out = r;
        return QMAP_OK;
    }
    size_t dlen = strlen(scan) + strlen(detector) + 32;
    char *dpath = malloc(dlen);
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int st = dpath ? open_dataset(r, dpath, dlen) : qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (!st) st = read_shape(r);
    if (!st) st = setup_sources(r, dpath);
    qmap_h5_quiet_end(&q);
    free(dpath);
    if (st) {
        qmap_frame_reader_close(r);
        return st;
    }
    *out = r;
    return QMAP_OK;
}

void qmap_frame_reader_close(qmap_frame_reader *r)
{
    if (!r) return;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    for (int i = 0; i < r->n_seg; i++) qmap__close_segment(&r->seg[i]);
    free(r->seg);
    for (int i = 0; i < r->n_edf; i++) qmap_edf_frames_close(r->edf[i]);
    free(r->edf);
    free(r->edf_busy);
    free(r->edf_next);
    if (r->dset >= 0) H5Dclose(r->dset);
    if (r->file >= 0) H5Fclose(r->file);
    qmap_h5_quiet_end(&q);
    for (int i = 0; i < QMAP_FRAMES_BATCH; i++) free(r->raw[i]);
    for (int i = 0; i < r->n_scratch; i++) free(r->scratch[i]);
    free(r->scratch);
    free(r->path);
    free(r->scan);
    free(r->det);
    free(r);
}

int qmap_frame_reader_n_frames(const qmap_frame_reader *r)
{
    return r ? r->n_frames : 0;
}

void qmap_frame_reader_shape(const qmap_frame_reader *r, int *rows, int *cols)
{
    if (rows) *rows = r ? r->rows : 0;
    if (cols) *cols = r ? r->cols : 0;
}

int qmap_frame_reader_n_files(const qmap_frame_reader *r)
{
    int n = 0;
    for (int i = 0; r && i < r->n_seg; i++)
        n += r->seg[i].file >= 0;
    return n;
}

int qmap_frame_reader_is_fast(const qmap_frame_reader *r)
{
    if (!r || r->whole || r->n_seg == 0) return 0;
    for (int i = 0; i < r->n_seg; i++)
        if (r->seg[i].n > 0 && !r->seg[i].fast) return 0;
    return 1;
}

int qmap_frame_reader_missing_frames(const qmap_frame_reader *r)
{
    if (!r) return 0;
    return r->missing > INT_MAX ? INT_MAX : (int)r->missing;
}

/* ---- reading: dispatch over the mappings --------------------------------------------- */


static int read_mapped(qmap_frame_reader *r, int first, int count, int row0, int row1, float *out)
{
    size_t n = (size_t)(row1 - row0) * (size_t)r->cols;
    int f = first, end = first + count;
    while (f < end) {
        int next;
        segment *s = qmap__segment_of(r, f, end, &next);
        float *dst = out + (size_t)(f - first) * n;
        if (!s) { /* no mapping covers these frames: fill value */
            qmap__fill_floats(dst, (size_t)(next - f) * n, r->fill);
            r->missing += next - f;
            f = next;
            continue;
        }
        hsize_t sf = s->s0 + ((hsize_t)f - s->v0);
        int run = (int)(s->v0 + s->n - (hsize_t)f);
        if (run > end - f) run = end - f;
        if (sf >= s->src_frames) { /* source shorter than the mapping */
            qmap__fill_floats(dst, (size_t)run * n, s->fill);
            r->missing += run;
            f += run;
            continue;
        }
        if ((hsize_t)run > s->src_frames - sf) run = (int)(s->src_frames - sf);
        int st = s->fast ? qmap__read_segment_fast(r, s, sf, run, row0, row1, dst)
                         : qmap__read_segment_slab(r, s, sf, run, row0, row1, dst);
        if (st) return st;
        f += run;
    }
    return QMAP_OK;
}

int qmap_frame_reader_read(qmap_frame_reader *r, int first, int count, int row0, int row1,
                           float *out)
{
    if (!r) return qmap_error(QMAP_ERR_VALUE, "qmap_frame_reader_read: no reader");
    if (first < 0 || count < 0 || first > r->n_frames - count)
        return qmap__reader_error(r, QMAP_ERR_VALUE, "frames %d..%d out of range (%d frames)", first,
                            first + count - 1, r->n_frames);
    if (row0 < 0 || row1 <= row0 || row1 > r->rows)
        return qmap__reader_error(r, QMAP_ERR_VALUE, "rows [%d, %d) out of range (%d rows)", row0, row1,
                            r->rows);
    if (count == 0) return QMAP_OK;
    if (!out) return qmap__reader_error(r, QMAP_ERR_VALUE, "no output buffer");
    if (r->edf) {
        size_t n = (size_t)(row1 - row0) * (size_t)r->cols;
        int st = QMAP_OK;
        for (int b = 0; b < count && !st; b += QMAP_SPARSE_FETCH) {
            float *dst[QMAP_SPARSE_FETCH];
            int m = count - b < QMAP_SPARSE_FETCH ? count - b : QMAP_SPARSE_FETCH;
            for (int i = 0; i < m; i++) dst[i] = out + (size_t)(b + i) * n;
            st = qmap__edf_read(r, first + b, m, row0, row1, dst);
        }
        return st;
    }
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int st = r->whole ? qmap__read_slab(r, r->dset, r->path, "(virtual dataset)", (hsize_t)first, count,
                                  row0, row1, out)
                      : read_mapped(r, first, count, row0, row1, out);
    qmap_h5_quiet_end(&q);
    return st;
}

