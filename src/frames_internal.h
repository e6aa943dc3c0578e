/* frames_internal.h -- private pieces of the frame reader shared with its tests. */
#ifndef QMAP_FRAMES_INTERNAL_H
#define QMAP_FRAMES_INTERNAL_H

#include "qmap/frames.h"

/* HDF5 filter id of bitshuffle, and the LZ4 value of its compression cd_value. */
#define QMAP_BSHUF_FILTER_ID 32008
#define QMAP_BSHUF_COMPRESS_LZ4 2

/* Frames per raw-chunk batch: chunks are read serially, then decoded in parallel. */
#define QMAP_FRAMES_BATCH 64

/* Like qmap_bshuf_lz4_decode, but only the blocks overlapping output bytes
 * [byte0, byte1) are decompressed (the others are length-checked and skipped, their
 * output bytes left untouched). Used to read a range of detector rows. */
int qmap_bshuf_lz4_decode_range(const uint8_t *in, size_t in_size, size_t elem_size,
                                uint8_t *out, size_t out_size, size_t byte0, size_t byte1);

#endif
