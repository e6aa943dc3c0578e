/* frames.h -- fast reading of detector frames of one scan.
 *
 * measurement/<det> is usually an HDF5 virtual dataset into per-scan LIMA files
 * (relative paths), one frame per chunk, compressed with bitshuffle-LZ4 (filter
 * 32008) or gzip. The reader resolves the virtual mapping itself, so that a
 * missing LIMA file is an error naming it (HDF5 would silently return fill values),
 * reads raw chunks with H5Dread_chunk and decodes bitshuffle-LZ4 itself in worker
 * threads; any other layout or filter goes through H5Dread as the fallback.
 */
#ifndef QMAP_FRAMES_H
#define QMAP_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct qmap_frame_reader qmap_frame_reader;

/* Open measurement/<detector> of scan group `scan` ("3.1") of the BLISS file. */
int qmap_frame_reader_open(const char *path, const char *scan, const char *detector,
                           qmap_frame_reader **out);
void qmap_frame_reader_close(qmap_frame_reader *r);

int qmap_frame_reader_n_frames(const qmap_frame_reader *r);
void qmap_frame_reader_shape(const qmap_frame_reader *r, int *rows, int *cols);
/* 1 when the fast path (raw chunks, own bitshuffle-LZ4 decoder) is used. */
int qmap_frame_reader_is_fast(const qmap_frame_reader *r);

/* Number of frames returned so far (counted on every read) whose chunk was never
 * written, or which no virtual mapping / source extent covers: they read as the fill
 * value (0), as happens when a scan was interrupted. */
int qmap_frame_reader_missing_frames(const qmap_frame_reader *r);

/* Read frames [first, first+count), detector rows [row0, row1), all columns, as float
 * counts into out (count * (row1-row0) * cols). Decoding runs on OpenMP threads. */
int qmap_frame_reader_read(qmap_frame_reader *r, int first, int count, int row0, int row1,
                           float *out);

/* Decode one bitshuffle-LZ4 chunk as written by the HDF5 bitshuffle filter (12-byte
 * header: uint64 big-endian total bytes, uint32 big-endian block bytes; then per block
 * a uint32 big-endian compressed size and the LZ4 block). out must hold out_size bytes,
 * which must equal the header's total. Truncated or corrupt input: QMAP_ERR_CORRUPT. */
int qmap_bshuf_lz4_decode(const uint8_t *in, size_t in_size, size_t elem_size,
                          uint8_t *out, size_t out_size);

#ifdef __cplusplus
}
#endif
#endif
