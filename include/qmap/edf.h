/* edf.h -- read ESRF Data Format (EDF) images, plain or gzip-compressed (.edf.gz).
 *
 * An EDF file is one or more frames, each an ASCII header "{ Key = Value ; ... }" padded
 * with spaces to a multiple of 512 bytes (the closing "}\n" ends it), followed by Size
 * bytes of binary data: Dim_1 values along the fast axis (columns) times Dim_2 rows, of
 * DataType (SignedInteger, UnsignedShort, FloatValue, ... ESRF's short and long names)
 * in ByteOrder (LowByteFirst / HighByteFirst). Frames are read as float counts.
 */
#ifndef QMAP_EDF_H
#define QMAP_EDF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    QMAP_EDF_U8, QMAP_EDF_I8, QMAP_EDF_U16, QMAP_EDF_I16, QMAP_EDF_U32, QMAP_EDF_I32,
    QMAP_EDF_U64, QMAP_EDF_I64, QMAP_EDF_F32, QMAP_EDF_F64
} qmap_edf_type;

/* One frame's header, as far as reading the data needs it. */
typedef struct {
    int cols, rows;            /* Dim_1, Dim_2 */
    qmap_edf_type type;
    int elem_size;             /* bytes per value */
    int big_endian;            /* ByteOrder = HighByteFirst */
    uint64_t data_bytes;       /* Size (or cols*rows*elem_size when Size is absent) */
    size_t header_bytes;       /* bytes from '{' to the first data byte */
} qmap_edf_header;

/* The DataType name (case-insensitive) as a type; QMAP_ERR_FORMAT when unknown. */
int qmap_edf_type_from_name(const char *name, qmap_edf_type *type, int *elem_size);

/* Parse a header from buf[0..len) (starting at '{'). QMAP_ERR_FORMAT when the header is
 * incomplete in these bytes (no "}\n" yet), malformed or unsupported; name is for
 * messages. */
int qmap_edf_parse_header(const char *buf, size_t len, const char *name, qmap_edf_header *h);

/* Convert n values of raw data (in the header's type and byte order) to float. */
void qmap_edf_convert(const qmap_edf_header *h, const unsigned char *raw, size_t n, float *out);

typedef struct qmap_edf_file qmap_edf_file;

/* Open an EDF or EDF.gz file and read its first frame header. Missing file, empty file,
 * bad header: an error naming the file. */
int qmap_edf_open(const char *path, qmap_edf_file **out);
void qmap_edf_close(qmap_edf_file *f);
const char *qmap_edf_path(const qmap_edf_file *f);

/* Header of frame k (frames are indexed on demand). QMAP_ERR_FORMAT naming the file when
 * the file holds no frame k. */
int qmap_edf_frame_header(qmap_edf_file *f, int k, qmap_edf_header *h);
/* 1 when frame k exists, 0 when the file ends before it, < 0 on a corrupt header. */
int qmap_edf_has_frame(qmap_edf_file *f, int k);
/* Number of frames (walks the whole file once). */
int qmap_edf_n_frames(qmap_edf_file *f);

/* Rows [row0, row1) of frame k, all columns, as float into out ((row1-row0) * cols).
 * Truncated data: QMAP_ERR_CORRUPT naming the file and frame. */
int qmap_edf_read(qmap_edf_file *f, int k, int row0, int row1, float *out);

#ifdef __cplusplus
}
#endif
#endif
