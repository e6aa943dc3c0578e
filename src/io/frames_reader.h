/* frames_reader.h -- the frame reader's state and the helpers its files share (private to
 * frames*.c): frames.c (open, close, dispatch), frames_common.c (shared helpers),
 * frames_vds.c (VDS mappings and sources),
 * frames_dense.c (whole frames: H5Dread and the raw-chunk fast path), frames_sparse.c
 * (non-zero pixels of frames, for the pipeline), frames_edf.c (SPEC input). */
#ifndef QMAP_FRAMES_READER_H
#define QMAP_FRAMES_READER_H

#include "frames_internal.h"
#include "frames_edf.h"
#include "h5util.h"

#include <hdf5.h>
#include <stdint.h>

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

/* HDF5 automatic error printing is switched off around calls that may fail with the one
 * helper of every reader and writer, qmap_h5_quiet_begin / _end (h5util.h). */

/* Error prefixed with "<file>: scan <scan> measurement/<det>: ". */
int qmap__reader_error(const qmap_frame_reader *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

char *qmap__dup_string(const char *s);

/* Directory of `path` joined with relative `name` (malloc'd). */
char *qmap__resolve_source(const char *master, const char *name);

/* Map an HDF5 datatype to an element kind; -1 when unsupported. *native is 1 when
 * the bytes in the file are in the host order (needed to decode raw chunks). */
int qmap__classify_type(hid_t type, elem_kind *kind, size_t *size, int *native);

void qmap__convert_to_float(elem_kind kind, const void *src, float *dst, size_t n);

void qmap__fill_floats(float *dst, size_t n, float value);

float qmap__fill_value_of(hid_t dcpl);

/* Frames [first, first + count), rows [row0, row1) of SPEC input: frame i to dst[i]. */
int qmap__edf_read(qmap_frame_reader *r, int first, int count, int row0, int row1,
                    float *const *dst);

segment *qmap__segment_of(qmap_frame_reader *r, int f, int end, int *next);

void qmap__close_segment(segment *s);

int qmap__setup_virtual(qmap_frame_reader *r, hid_t dcpl);

int qmap__setup_plain(qmap_frame_reader *r, const char *dset_path);

/* vds_check.c: *out = name with "%b" (master's name without folder and extension) and "%%"
 * expanded; returns 1, 0 when name has another conversion (left to HDF5, *out NULL), or
 * QMAP_ERR_NOMEM. */
int qmap__vds_expand_name(const char *master, const char *name, char **out);
/* QMAP_OK when full exists and is a regular file, else QMAP_ERR_IO with *why ("is missing"). */
int qmap__vds_check_file(const char *full, const char *label, const char **why);
/* 1 when the opened source dataset is itself virtual (chains and cycles are refused). */
int qmap__vds_source_is_virtual(hid_t dset);

/* H5Dread frames [sf, sf + k), rows [row0, row1) of dset as float into out. */
int qmap__read_slab(qmap_frame_reader *r, hid_t dset, const char *label, const char *dname,
                     hsize_t sf, int k, int row0, int row1, float *out);

int qmap__read_segment_slab(qmap_frame_reader *r, segment *s, hsize_t sf, int k, int row0,
                             int row1, float *out);

int qmap__read_segment_fast(qmap_frame_reader *r, segment *s, hsize_t sf, int k, int row0,
                             int row1, float *out);

#endif
