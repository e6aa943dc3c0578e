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

/* Non-zero elements [e0, e1) of a bitshuffle-LZ4 chunk of out_size bytes, in increasing
 * order: idx[k] the element index, bits[k] its bytes (byte j at bits 8j..8j+7, as stored
 * in memory). idx and bits must hold e1 - e0 entries; elem_size <= 8. All-zero blocks and
 * runs of 64 zero elements are skipped without unshuffling. Returns the count, or a
 * negative status for corrupt input (the same checks as qmap_bshuf_lz4_decode). */
long qmap_bshuf_lz4_decode_nonzero(const uint8_t *in, size_t in_size, size_t elem_size,
                                   size_t out_size, size_t e0, size_t e1, uint32_t *idx,
                                   uint64_t *bits);

/* The non-zero output bytes of one LZ4 block that decompresses to nbytes, found from its
 * sequences without writing the zeros: positions ascending in pos, values in val (cap
 * entries at most). Returns the count when the block is valid and was understood, -1
 * when the caller must decompress it with LZ4_decompress_safe instead (unusual or corrupt
 * streams, more than cap non-zero bytes). */
long qmap_lz4_nonzero_bytes(const uint8_t *src, size_t clen, size_t nbytes, uint32_t *pos,
                            uint8_t *val, size_t cap);

/* The non-zero pixels of detector rows [row0, row1) of one frame, in increasing order:
 * idx is the full-frame pixel index row*cols+col, val the value as float. absent = 1
 * when the frame has no stored data (chunk never written, no mapping or source extent:
 * an interrupted scan); then n = 0. */
typedef struct {
    int n, absent;
    int32_t *idx;
    float *val;
} qmap_sparse_frame;

/* Buffers of one thread reading sparse frames (grown on demand, reusable across readers). */
typedef struct qmap_sparse_worker qmap_sparse_worker;
qmap_sparse_worker *qmap_sparse_worker_new(void);
void qmap_sparse_worker_free(qmap_sparse_worker *w);

/* issue 18: the HDF5 source files the reader holds open besides the input file (one per
 * file of frames it reads directly); each keeps at most QMAP_READER_METADATA_CACHE bytes of
 * HDF5 metadata cache, so that a reader can stay open for the whole run. */
#define QMAP_READER_METADATA_CACHE ((size_t)64 << 10)
int qmap_frame_reader_n_files(const qmap_frame_reader *r);

/* Frames fetched by one call: raw chunks are read under one lock, then decoded freely.
 * QMAP_SPARSE_FETCH frames are the unit the frame loop deals to threads; a worker holds up
 * to QMAP_SPARSE_SLOTS frames, so that a thread can fetch several of its units under one
 * lock (issue 18: fewer waits for the lock with two threads). */
#define QMAP_SPARSE_FETCH 8
#define QMAP_SPARSE_SLOTS 32

/* Fetch frames [first, first + count) (count <= QMAP_SPARSE_FETCH), rows [row0, row1),
 * into the worker: raw chunks on the fast path, else the rows through H5Dread. Safe to
 * call from several OpenMP threads at once with one worker each (the HDF5 calls are
 * serialised). Then qmap_frame_reader_decode(slot i) gives frame first + i as non-zero
 * pixels (valid until the worker's next call), without any HDF5 call. */
int qmap_frame_reader_fetch(qmap_frame_reader *r, qmap_sparse_worker *w, int first, int count,
                            int row0, int row1);
/* The same for n_runs runs of frames [first[k], first[k] + count[k]), under one lock, 
 * QMAP_SPARSE_SLOTS frames at most in all: slot i is the i-th frame, run after run. */
int qmap_frame_reader_fetch_runs(qmap_frame_reader *r, qmap_sparse_worker *w, const int *first,
                                 const int *count, int n_runs, int row0, int row1);
/* issue 18: the same, but only if no other thread is reading from HDF5 now: *fetched says
 * whether it was done (0: nothing read, the worker emptied; call again later). A thread
 * with frames left to decode reads its next frames this way instead of waiting. */
int qmap_frame_reader_try_fetch_runs(qmap_frame_reader *r, qmap_sparse_worker *w, const int *first,
                                     const int *count, int n_runs, int row0, int row1, int *fetched);
int qmap_frame_reader_decode(qmap_frame_reader *r, qmap_sparse_worker *w, int i,
                             qmap_sparse_frame *out);
/* Both for one frame. */
int qmap_frame_reader_read_sparse(qmap_frame_reader *r, qmap_sparse_worker *w, int f, int row0,
                                  int row1, qmap_sparse_frame *out);

#endif
