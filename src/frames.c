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
 * SPEC-era input (a SPEC file, frames in EDF files) goes to frames_edf.c instead: same
 * API, frames read dense (the legacy path), non-zero pixels picked from them.
 */
#include "frames_internal.h"
#include "link_check.h"   /* series (issue 11) */
#include "frames_edf.h"
#include "qmap/error.h"

#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef enum { K_U8, K_I8, K_U16, K_I16, K_U32, K_I32, K_U64, K_I64, K_F32, K_F64 } elem_kind;

typedef struct {
    hsize_t v0, n;       /* virtual frames [v0, v0 + n) */
    hsize_t s0;          /* matching first frame in the source dataset */
    hsize_t src_frames;  /* frames the source dataset really holds */
    hsize_t src_rows, src_cols;
    char *file_label;    /* source file as written in the VDS (or the master path) */
    char *dset_name;     /* source dataset path */
    hid_t file;          /* source file we opened, or H5I_INVALID_HID (master file) */
    hid_t dset;
    elem_kind kind;
    size_t elem_size;
    float fill;
    int fast;            /* one frame per chunk, no filter or bitshuffle-LZ4 */
    int bshuf;           /* fast and the chunks are bitshuffle-LZ4 */
    hsize_t chunk0;      /* frames per chunk when chunks span whole frames, else 0 */
} segment;

struct qmap_frame_reader {
    char *path, *scan, *det;
    hid_t file, dset;
    int n_frames, rows, cols;
    float fill;
    int n_seg;
    segment *seg;
    int whole;           /* read through the VDS with H5Dread */
    long missing;
    /* fast path batch: raw chunks of up to QMAP_FRAMES_BATCH frames */
    uint8_t *raw[QMAP_FRAMES_BATCH];
    size_t raw_cap[QMAP_FRAMES_BATCH], raw_size[QMAP_FRAMES_BATCH];
    uint32_t mask[QMAP_FRAMES_BATCH];
    int absent[QMAP_FRAMES_BATCH];
    uint8_t **scratch;   /* one decoded frame per thread */
    int n_scratch;
    size_t scratch_bytes;
    /* SPEC input: EDF readers, one per concurrent caller (edf[0] opened, others cloned) */
    qmap_edf_frames **edf;
    int *edf_busy, *edf_next; /* in use; frame after the last one it read */
    int n_edf;
};

/* ---- small helpers ------------------------------------------------------------ */

typedef struct {
    H5E_auto2_t func;
    void *data;
} hdf5_quiet;

static void quiet_on(hdf5_quiet *q)
{
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_off(const hdf5_quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* Error prefixed with "<file>: scan <scan> measurement/<det>: ". */
static int reader_error(const qmap_frame_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int reader_error(const qmap_frame_reader *r, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return qmap_error(code, "%s: scan %s measurement/%s: %s", r->path, r->scan, r->det, msg);
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Directory of `path` joined with relative `name` (malloc'd). */
static char *resolve_source(const char *master, const char *name)
{
    if (name[0] == '/') return dup_string(name);
    const char *slash = strrchr(master, '/');
    size_t dir_len = slash ? (size_t)(slash - master) + 1 : 0;
    size_t n = dir_len + strlen(name) + 1;
    char *out = malloc(n);
    if (!out) return NULL;
    memcpy(out, master, dir_len);
    memcpy(out + dir_len, name, strlen(name) + 1);
    return out;
}

/* Map an HDF5 datatype to an element kind; -1 when unsupported. *native is 1 when
 * the bytes in the file are in the host order (needed to decode raw chunks). */
static int classify_type(hid_t type, elem_kind *kind, size_t *size, int *native)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t sz = H5Tget_size(type);
    *size = sz;
    *native = H5Tget_order(type) == H5Tget_order(H5T_NATIVE_INT);
    if (cls == H5T_INTEGER) {
        int sgn = H5Tget_sign(type) == H5T_SGN_2;
        switch (sz) {
        case 1: *kind = sgn ? K_I8 : K_U8; return 0;
        case 2: *kind = sgn ? K_I16 : K_U16; return 0;
        case 4: *kind = sgn ? K_I32 : K_U32; return 0;
        case 8: *kind = sgn ? K_I64 : K_U64; return 0;
        default: return -1;
        }
    }
    if (cls == H5T_FLOAT) {
        /* only IEEE layouts decode correctly from raw bytes */
        if (sz == 4) *kind = K_F32;
        else if (sz == 8) *kind = K_F64;
        else return -1;
        *native = *native && (H5Tequal(type, H5T_IEEE_F32LE) > 0 || H5Tequal(type, H5T_IEEE_F64LE) > 0 ||
                              H5Tequal(type, H5T_IEEE_F32BE) > 0 || H5Tequal(type, H5T_IEEE_F64BE) > 0);
        return 0;
    }
    return -1;
}

#define CONVERT_LOOP(T)                                                   \
    do {                                                                  \
        const T *s = (const T *)src;                                      \
        for (size_t i = 0; i < n; i++) dst[i] = (float)s[i];             \
    } while (0)

static void convert_to_float(elem_kind kind, const void *src, float *dst, size_t n)
{
    switch (kind) {
    case K_U8: CONVERT_LOOP(uint8_t); break;
    case K_I8: CONVERT_LOOP(int8_t); break;
    case K_U16: CONVERT_LOOP(uint16_t); break;
    case K_I16: CONVERT_LOOP(int16_t); break;
    case K_U32: CONVERT_LOOP(uint32_t); break;
    case K_I32: CONVERT_LOOP(int32_t); break;
    case K_U64: CONVERT_LOOP(uint64_t); break;
    case K_I64: CONVERT_LOOP(int64_t); break;
    case K_F32: memcpy(dst, src, n * sizeof(float)); break;
    case K_F64: CONVERT_LOOP(double); break;
    }
}

static void fill_floats(float *dst, size_t n, float value)
{
    for (size_t i = 0; i < n; i++) dst[i] = value;
}

static float fill_value_of(hid_t dcpl)
{
    float v = 0.0f;
    H5D_fill_value_t st;
    if (H5Pfill_value_defined(dcpl, &st) < 0 || st != H5D_FILL_VALUE_USER_DEFINED) return 0.0f;
    if (H5Pget_fill_value(dcpl, H5T_NATIVE_FLOAT, &v) < 0) return 0.0f;
    return v;
}

/* ---- VDS selections ------------------------------------------------------------ */

/* 1 when `space` selects whole rows x cols frames [*start, *start + *n) of a 3-D space. */
static int frame_range_of(hid_t space, int rows, int cols, hsize_t *start0, hsize_t *n0)
{
    if (H5Sget_simple_extent_ndims(space) != 3) return 0;
    H5S_sel_type sel = H5Sget_select_type(space);
    if (sel == H5S_SEL_ALL) {
        hsize_t dims[3];
        H5Sget_simple_extent_dims(space, dims, NULL);
        if (dims[1] != (hsize_t)rows || dims[2] != (hsize_t)cols) return 0;
        *start0 = 0;
        *n0 = dims[0];
        return 1;
    }
    if (sel != H5S_SEL_HYPERSLABS || H5Sis_regular_hyperslab(space) <= 0) return 0;
    hsize_t start[3], stride[3], count[3], block[3];
    if (H5Sget_regular_hyperslab(space, start, stride, count, block) < 0) return 0;
    for (int d = 0; d < 3; d++) {
        if (count[d] == H5S_UNLIMITED || block[d] == H5S_UNLIMITED) return 0;
        if (count[d] != 1 && stride[d] != block[d]) return 0; /* gaps */
    }
    if (start[1] != 0 || count[1] * block[1] != (hsize_t)rows) return 0;
    if (start[2] != 0 || count[2] * block[2] != (hsize_t)cols) return 0;
    *start0 = start[0];
    *n0 = count[0] * block[0];
    return 1;
}

typedef ssize_t (*vds_name_fn)(hid_t, size_t, char *, size_t);

static char *vds_string(hid_t dcpl, size_t i, vds_name_fn fn)
{
    ssize_t len = fn(dcpl, i, NULL, 0);
    if (len < 0) return NULL;
    char *s = malloc((size_t)len + 1);
    if (s && fn(dcpl, i, s, (size_t)len + 1) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* ---- sources ------------------------------------------------------------------- */

static int filters_allow_fast(hid_t dcpl, size_t elem_size, int *bshuf)
{
    int nf = H5Pget_nfilters(dcpl);
    *bshuf = 0;
    if (nf == 0) return 1;
    if (nf != 1) return 0;
    unsigned cd[16] = {0}, flags = 0, config = 0;
    size_t ncd = 16;
    H5Z_filter_t id = H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, 0, NULL, &config);
    /* after set_local: {major, minor, elem_size, block, compression} */
    if (id != QMAP_BSHUF_FILTER_ID || ncd < 5 || cd[4] != QMAP_BSHUF_COMPRESS_LZ4 ||
        cd[2] != elem_size)
        return 0;
    *bshuf = 1;
    return 1;
}

/* Fill in type, fill value, chunking and the fast-path decision of a source. */
static int classify_source(qmap_frame_reader *r, segment *s)
{
    hid_t type = H5Dget_type(s->dset), space = H5Dget_space(s->dset);
    hid_t dcpl = H5Dget_create_plist(s->dset);
    int native = 0, st = QMAP_OK;
    hsize_t dims[3] = {0, 0, 0};
    if (type < 0 || space < 0 || dcpl < 0) {
        st = reader_error(r, QMAP_ERR_INTERNAL, "source file %s dataset %s: cannot query it",
                          s->file_label, s->dset_name);
    } else if (H5Sget_simple_extent_ndims(space) != 3) {
        st = reader_error(r, QMAP_ERR_FORMAT, "source file %s dataset %s is not 3-D",
                          s->file_label, s->dset_name);
    } else if (classify_type(type, &s->kind, &s->elem_size, &native) < 0) {
        st = reader_error(r, QMAP_ERR_FORMAT,
                          "source file %s dataset %s: unsupported data type (class %d, %zu bytes)",
                          s->file_label, s->dset_name, (int)H5Tget_class(type), H5Tget_size(type));
    } else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        s->src_frames = dims[0];
        s->src_rows = dims[1];
        s->src_cols = dims[2];
        s->fill = fill_value_of(dcpl);
        if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
            hsize_t cd[3] = {0, 0, 0};
            H5Pget_chunk(dcpl, 3, cd);
            if (cd[1] >= dims[1] && cd[2] >= dims[2]) s->chunk0 = cd[0];
            int frame_chunks = cd[0] == 1 && cd[1] == (hsize_t)r->rows && cd[2] == (hsize_t)r->cols &&
                               dims[1] == (hsize_t)r->rows && dims[2] == (hsize_t)r->cols;
            s->fast = native && frame_chunks && filters_allow_fast(dcpl, s->elem_size, &s->bshuf);
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (dcpl >= 0) H5Pclose(dcpl);
    return st;
}

/* Check that source file `label` (as written in the VDS) exists; open it. */
static int open_source_file(qmap_frame_reader *r, const char *label, hid_t *file)
{
    *file = H5I_INVALID_HID;
    if (strcmp(label, ".") == 0) return QMAP_OK; /* the master file itself */
    char *full = resolve_source(r->path, label);
    if (!full) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    int st = QMAP_OK;
    if (access(full, R_OK) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            st = reader_error(r, QMAP_ERR_IO, "source file %s is missing", label);
        else
            st = reader_error(r, QMAP_ERR_IO, "source file %s is not readable (%s)", label,
                              strerror(errno));
    } else {
        *file = H5Fopen(full, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (*file < 0)
            st = reader_error(r, QMAP_ERR_IO, "source file %s cannot be opened as HDF5", label);
    }
    free(full);
    return st;
}

static void close_segment(segment *s)
{
    if (s->dset >= 0) H5Dclose(s->dset);
    if (s->file >= 0) H5Fclose(s->file);
    free(s->file_label);
    free(s->dset_name);
    memset(s, 0, sizeof *s);
    s->dset = s->file = H5I_INVALID_HID;
}

/* Open the source of mapping i; *mapped = 0 when the selections are not frame ranges. */
static int setup_mapping(qmap_frame_reader *r, hid_t dcpl, size_t i, segment *s, int *mapped)
{
    s->file = s->dset = H5I_INVALID_HID;
    s->file_label = vds_string(dcpl, i, H5Pget_virtual_filename);
    s->dset_name = vds_string(dcpl, i, H5Pget_virtual_dsetname);
    if (!s->file_label || !s->dset_name)
        return reader_error(r, QMAP_ERR_INTERNAL, "cannot read virtual mapping %zu", i);
    if (strchr(s->file_label, '%') || strchr(s->dset_name, '%')) {
        *mapped = 0; /* printf-style source names: leave them to HDF5 */
        return QMAP_OK;
    }
    int st = open_source_file(r, s->file_label, &s->file);
    if (st) return st;

    hid_t vspace = H5Pget_virtual_vspace(dcpl, i), sspace = H5Pget_virtual_srcspace(dcpl, i);
    hsize_t sn = 0;
    /* a source selection "ALL" has no extent here (rank 0): it is the whole source */
    int src_all = sspace >= 0 && H5Sget_select_type(sspace) == H5S_SEL_ALL;
    *mapped = vspace >= 0 && sspace >= 0 &&
              frame_range_of(vspace, r->rows, r->cols, &s->v0, &s->n) &&
              (src_all || (frame_range_of(sspace, r->rows, r->cols, &s->s0, &sn) && sn == s->n));
    if (vspace >= 0) H5Sclose(vspace);
    if (sspace >= 0) H5Sclose(sspace);

    s->dset = H5Dopen2(s->file >= 0 ? s->file : r->file, s->dset_name, H5P_DEFAULT);
    if (s->dset < 0)
        return reader_error(r, QMAP_ERR_FORMAT, "source file %s has no dataset %s", s->file_label,
                            s->dset_name);
    if (s->v0 >= (hsize_t)r->n_frames) s->n = 0;
    else if (s->n > (hsize_t)r->n_frames - s->v0) s->n = (hsize_t)r->n_frames - s->v0;
    st = classify_source(r, s);
    if (!st && *mapped && (s->src_rows != (hsize_t)r->rows || s->src_cols != (hsize_t)r->cols))
        *mapped = 0; /* frames of another shape: let HDF5 map them */
    return st;
}

static int compare_segments(const void *a, const void *b)
{
    const segment *x = a, *y = b;
    return (x->v0 > y->v0) - (x->v0 < y->v0);
}

static int setup_virtual(qmap_frame_reader *r, hid_t dcpl)
{
    size_t count = 0;
    if (H5Pget_virtual_count(dcpl, &count) < 0)
        return reader_error(r, QMAP_ERR_INTERNAL, "cannot read the virtual dataset mappings");
    r->seg = calloc(count ? count : 1, sizeof *r->seg);
    if (!r->seg) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    r->n_seg = (int)count;
    for (size_t i = 0; i < count; i++) r->seg[i].file = r->seg[i].dset = H5I_INVALID_HID;
    int all_mapped = 1;
    for (size_t i = 0; i < count; i++) {
        int mapped = 0;
        int st = setup_mapping(r, dcpl, i, &r->seg[i], &mapped);
        if (st) return st;
        all_mapped &= mapped;
    }
    if (!all_mapped) { /* read everything through the VDS */
        for (int i = 0; i < r->n_seg; i++) close_segment(&r->seg[i]);
        r->n_seg = 0;
        r->whole = 1;
        return QMAP_OK;
    }
    qsort(r->seg, count, sizeof *r->seg, compare_segments);
    return QMAP_OK;
}

static int setup_plain(qmap_frame_reader *r, const char *dset_path)
{
    r->seg = calloc(1, sizeof *r->seg);
    if (!r->seg) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    segment *s = &r->seg[0];
    r->n_seg = 1;
    s->file = H5I_INVALID_HID;
    s->n = (hsize_t)r->n_frames;
    s->file_label = dup_string(r->path);
    s->dset_name = dup_string(dset_path);
    s->dset = H5Dopen2(r->file, dset_path, H5P_DEFAULT);
    if (!s->file_label || !s->dset_name) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (s->dset < 0) return reader_error(r, QMAP_ERR_INTERNAL, "cannot reopen the dataset");
    return classify_source(r, s);
}

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
    r->file = H5Fopen(r->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (r->file < 0) return qmap_error(QMAP_ERR_IO, "%s: cannot open HDF5 file", r->path);
    snprintf(dpath, dpath_size, "/%s", r->scan);
    int st = check_link(r, dpath, "scan group");
    if (st) return st;
    snprintf(dpath, dpath_size, "/%s/measurement", r->scan);
    if ((st = check_link(r, dpath, "group measurement"))) return st;
    snprintf(dpath, dpath_size, "/%s/measurement/%s", r->scan, r->det);
    if (H5Lexists(r->file, dpath, H5P_DEFAULT) <= 0)
        return reader_error(r, QMAP_ERR_FORMAT, "detector dataset not found");
    r->dset = H5Dopen2(r->file, dpath, H5P_DEFAULT);
    if (r->dset < 0) {
        char missing[1536];   /* series (issue 11): name the absent linked file */
        if (qmap_h5_find_missing_link(r->file, r->path, dpath, missing, sizeof missing))
            return reader_error(r, QMAP_ERR_IO, "%s", missing);
        return reader_error(r, QMAP_ERR_FORMAT, "not a dataset");
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
        st = reader_error(r, QMAP_ERR_FORMAT, "rank %d, expected 3 (frames, rows, cols)", rank);
    } else if (type < 0 || classify_type(type, &kind, &size, &native) < 0) {
        st = reader_error(r, QMAP_ERR_FORMAT, "unsupported data type (class %d, %zu bytes)",
                          type >= 0 ? (int)H5Tget_class(type) : -1, type >= 0 ? H5Tget_size(type) : 0);
    } else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        if (dims[0] > INT_MAX || dims[1] == 0 || dims[2] == 0 || dims[1] > INT_MAX ||
            dims[2] > INT_MAX || dims[1] * dims[2] > (hsize_t)INT_MAX)
            st = reader_error(r, QMAP_ERR_FORMAT, "absurd shape %llu x %llu x %llu",
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
    if (dcpl < 0) return reader_error(r, QMAP_ERR_INTERNAL, "cannot read creation properties");
    r->fill = fill_value_of(dcpl);
    int st = H5Pget_layout(dcpl) == H5D_VIRTUAL ? setup_virtual(r, dcpl) : setup_plain(r, dpath);
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
static int edf_read(qmap_frame_reader *r, int first, int count, int row0, int row1,
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
    r->path = dup_string(path);
    r->scan = dup_string(scan);
    r->det = dup_string(detector);
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
    hdf5_quiet q;
    quiet_on(&q);
    int st = dpath ? open_dataset(r, dpath, dlen) : qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (!st) st = read_shape(r);
    if (!st) st = setup_sources(r, dpath);
    quiet_off(&q);
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
    hdf5_quiet q;
    quiet_on(&q);
    for (int i = 0; i < r->n_seg; i++) close_segment(&r->seg[i]);
    free(r->seg);
    for (int i = 0; i < r->n_edf; i++) qmap_edf_frames_close(r->edf[i]);
    free(r->edf);
    free(r->edf_busy);
    free(r->edf_next);
    if (r->dset >= 0) H5Dclose(r->dset);
    if (r->file >= 0) H5Fclose(r->file);
    quiet_off(&q);
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

/* ---- reading: H5Dread fallback ----------------------------------------------------- */

/* 1 when the chunk holding source frame sf was never written. */
static int chunk_absent(const segment *s, hsize_t sf)
{
    if (s->chunk0 == 0) return 0;
    hsize_t off[3] = {sf - sf % s->chunk0, 0, 0}, nbytes = 0;
    return H5Dget_chunk_storage_size(s->dset, off, &nbytes) < 0 || nbytes == 0;
}

/* H5Dread frames [sf, sf + k), rows [row0, row1) of dset as float into out. */
static int read_slab(qmap_frame_reader *r, hid_t dset, const char *label, const char *dname,
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
        return reader_error(r, QMAP_ERR_IO, "cannot read frames %llu..%llu of source file %s dataset %s",
                            (unsigned long long)sf, (unsigned long long)(sf + (hsize_t)k - 1),
                            label, dname);
    return QMAP_OK;
}

static int read_segment_slab(qmap_frame_reader *r, segment *s, hsize_t sf, int k, int row0,
                             int row1, float *out)
{
    int st = read_slab(r, s->dset, s->file_label, s->dset_name, sf, k, row0, row1, out);
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
            return reader_error(r, QMAP_ERR_CORRUPT,
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
            return reader_error(r, QMAP_ERR_IO,
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
        fill_floats(dst, n, s->fill);
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
    convert_to_float(s->kind, src + (size_t)row0 * r->cols * s->elem_size, dst, n);
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
        return reader_error(r, err, "source file %s dataset %s frame %llu: %s", s->file_label,
                            s->dset_name, (unsigned long long)(sf + (hsize_t)err_slot), msg);
    return QMAP_OK;
}

static int read_segment_fast(qmap_frame_reader *r, segment *s, hsize_t sf, int k, int row0,
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

/* ---- reading: dispatch over the mappings --------------------------------------------- */

static segment *segment_of(qmap_frame_reader *r, int f, int end, int *next)
{
    *next = end;
    for (int i = 0; i < r->n_seg; i++) {
        segment *s = &r->seg[i];
        if ((hsize_t)f >= s->v0 && (hsize_t)f < s->v0 + s->n) return s;
        if (s->v0 > (hsize_t)f && s->v0 < (hsize_t)*next) *next = (int)s->v0;
    }
    return NULL;
}

static int read_mapped(qmap_frame_reader *r, int first, int count, int row0, int row1, float *out)
{
    size_t n = (size_t)(row1 - row0) * (size_t)r->cols;
    int f = first, end = first + count;
    while (f < end) {
        int next;
        segment *s = segment_of(r, f, end, &next);
        float *dst = out + (size_t)(f - first) * n;
        if (!s) { /* no mapping covers these frames: fill value */
            fill_floats(dst, (size_t)(next - f) * n, r->fill);
            r->missing += next - f;
            f = next;
            continue;
        }
        hsize_t sf = s->s0 + ((hsize_t)f - s->v0);
        int run = (int)(s->v0 + s->n - (hsize_t)f);
        if (run > end - f) run = end - f;
        if (sf >= s->src_frames) { /* source shorter than the mapping */
            fill_floats(dst, (size_t)run * n, s->fill);
            r->missing += run;
            f += run;
            continue;
        }
        if ((hsize_t)run > s->src_frames - sf) run = (int)(s->src_frames - sf);
        int st = s->fast ? read_segment_fast(r, s, sf, run, row0, row1, dst)
                         : read_segment_slab(r, s, sf, run, row0, row1, dst);
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
        return reader_error(r, QMAP_ERR_VALUE, "frames %d..%d out of range (%d frames)", first,
                            first + count - 1, r->n_frames);
    if (row0 < 0 || row1 <= row0 || row1 > r->rows)
        return reader_error(r, QMAP_ERR_VALUE, "rows [%d, %d) out of range (%d rows)", row0, row1,
                            r->rows);
    if (count == 0) return QMAP_OK;
    if (!out) return reader_error(r, QMAP_ERR_VALUE, "no output buffer");
    if (r->edf) {
        size_t n = (size_t)(row1 - row0) * (size_t)r->cols;
        int st = QMAP_OK;
        for (int b = 0; b < count && !st; b += QMAP_SPARSE_FETCH) {
            float *dst[QMAP_SPARSE_FETCH];
            int m = count - b < QMAP_SPARSE_FETCH ? count - b : QMAP_SPARSE_FETCH;
            for (int i = 0; i < m; i++) dst[i] = out + (size_t)(b + i) * n;
            st = edf_read(r, first + b, m, row0, row1, dst);
        }
        return st;
    }
    hdf5_quiet q;
    quiet_on(&q);
    int st = r->whole ? read_slab(r, r->dset, r->path, "(virtual dataset)", (hsize_t)first, count,
                                  row0, row1, out)
                      : read_mapped(r, first, count, row0, row1, out);
    quiet_off(&q);
    return st;
}

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
    fetched_frame slot[QMAP_SPARSE_FETCH];
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
    for (int i = 0; i < QMAP_SPARSE_FETCH; i++) {
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

/* Fetch the raw chunk of source frame sf into slot t (HDF5 calls: serialised by the caller). */
static int fetch_one_chunk(qmap_frame_reader *r, fetched_frame *t)
{
    const segment *s = t->seg;
    size_t frame_bytes = s->elem_size * (size_t)r->rows * (size_t)r->cols;
    hsize_t off[3] = {t->sf, 0, 0}, nbytes = 0;
    t->absent = H5Dget_chunk_storage_size(s->dset, off, &nbytes) < 0 || nbytes == 0;
    if (t->absent) return QMAP_OK;
    if (nbytes > 2 * (hsize_t)frame_bytes + 65536)
        return reader_error(r, QMAP_ERR_CORRUPT,
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
        return reader_error(r, QMAP_ERR_IO,
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
    int st = r->whole ? read_slab(r, r->dset, r->path, "(virtual dataset)", (hsize_t)t->frame, 1,
                                  row0, row1, t->dense)
                      : read_segment_slab(r, t->seg, t->sf, 1, row0, row1, t->dense);
    t->absent = r->missing > before;
    r->missing = before;
    return st;
}

static pthread_mutex_t hdf5_lock = PTHREAD_MUTEX_INITIALIZER;

int qmap_frame_reader_fetch(qmap_frame_reader *r, qmap_sparse_worker *w, int first, int count,
                            int row0, int row1)
{
    w->n_slots = 0;
    if (!r || !w) return qmap_error(QMAP_ERR_VALUE, "qmap_frame_reader_fetch: no reader");
    if (first < 0 || count < 1 || count > QMAP_SPARSE_FETCH || first > r->n_frames - count)
        return reader_error(r, QMAP_ERR_VALUE, "frames %d..%d out of range (%d frames)", first,
                            first + count - 1, r->n_frames);
    if (row0 < 0 || row1 <= row0 || row1 > r->rows)
        return reader_error(r, QMAP_ERR_VALUE, "rows [%d, %d) out of range (%d rows)", row0, row1,
                            r->rows);
    int st = worker_reserve(w, (size_t)(row1 - row0) * (size_t)r->cols);
    if (st) return st;
    w->row0 = row0;
    w->row1 = row1;
    if (r->edf) { /* SPEC input: dense EDF frames, non-zero pixels picked by _decode */
        float *dst[QMAP_SPARSE_FETCH];
        for (int i = 0; i < count && !st; i++) {
            fetched_frame *t = &w->slot[i];
            t->frame = first + i;
            t->absent = t->fast = 0;
            t->seg = NULL;
            st = reserve_dense(r, t, (size_t)(row1 - row0) * (size_t)r->cols);
            dst[i] = t->dense;
        }
        if (!st) st = edf_read(r, first, count, row0, row1, dst);
        if (!st) w->n_slots = count;
        return st;
    }
    for (int i = 0; i < count; i++) {
        fetched_frame *t = &w->slot[i];
        t->frame = first + i;
        t->absent = t->fast = 0;
        t->seg = NULL;
        t->sf = 0;
        if (!r->whole) {
            int next;
            t->seg = segment_of(r, t->frame, t->frame + 1, &next);
            if (t->seg) t->sf = t->seg->s0 + ((hsize_t)t->frame - t->seg->v0);
            /* no mapping or source extent covers this frame */
            t->absent = !t->seg || t->sf >= t->seg->src_frames;
            t->fast = !t->absent && t->seg->fast;
        }
    }
    /* HDF5 is not thread-safe. A plain mutex, not an OpenMP critical section: a thread
     * waiting for it sleeps instead of spinning, which matters on a busy machine. */
    pthread_mutex_lock(&hdf5_lock);
    hdf5_quiet q;
    quiet_on(&q);
    for (int i = 0; i < count && !st; i++) {
        fetched_frame *t = &w->slot[i];
        if (!t->absent)
            st = t->fast ? fetch_one_chunk(r, t) : fetch_one_dense(r, t, row0, row1);
        r->missing += t->absent;
    }
    quiet_off(&q);
    pthread_mutex_unlock(&hdf5_lock);
    if (!st) w->n_slots = count;
    return st;
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
    int n = 0;
    for (long i = 0; i < k; i++) {
        float v = bits_to_float(s->kind, w->bits[i]);
        if (v != 0) { /* -0.0 and values that round to 0 are zero pixels */
            w->idx[n] = (int32_t)w->eidx[i];
            w->val[n++] = v;
        }
    }
    out->n = n;
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
        return reader_error(r, st, "source file %s dataset %s frame %llu: %s", t->seg->file_label,
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
