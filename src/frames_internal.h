/* frames_internal.h -- private pieces of the frame reader shared with its tests. */
#ifndef QMAP_FRAMES_INTERNAL_H
#define QMAP_FRAMES_INTERNAL_H

#include "qmap/frames.h"

/* HDF5 filter id of bitshuffle, and the LZ4 value of its compression cd_value. */
#define QMAP_BSHUF_FILTER_ID 32008
#define QMAP_BSHUF_COMPRESS_LZ4 2

/* Frames per raw-chunk batch: chunks are read serially, then decoded in parallel. */
#define QMAP_FRAMES_BATCH 64

#endif
