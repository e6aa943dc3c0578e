/* gap_sparse.h -- the chip-gap correction (include/qmap/gaps.h) on sparse frames, for the
 * per-frame passes (frame_loop.c). Private. */
#ifndef QMAP_GAP_SPARSE_H
#define QMAP_GAP_SPARSE_H

#include "qmap/gaps.h"
#include "frames_internal.h"

/* What a pass needs to correct its frames: the layout, the detector mask (1 = masked,
 * adjusted with qmap_gap_adjust_mask) and the saturation limit of the scan. */
typedef struct qmap_gap_setup_s {
    const qmap_gap_layout *layout;
    const uint8_t *mask;
    double limit;
} qmap_gap_setup;

typedef struct qmap_gap_worker qmap_gap_worker;   /* buffers of one thread */
qmap_gap_worker *qmap_gap_worker_new(const qmap_gap_layout *g);
void qmap_gap_worker_free(qmap_gap_worker *w);

/* Rows to read so that the gap bands meeting [row0, row1) are complete. */
void qmap_gap_rows_needed(const qmap_gap_layout *g, int row0, int row1, int *r0, int *r1);

/* in: the non-zero pixels of rows [in_row0, in_row1); out: the corrected non-zero pixels
 * of rows [row0, row1) (arrays owned by w, valid until its next use; not sorted). */
int qmap_gap_correct_sparse(const qmap_gap_setup *s, qmap_gap_worker *w, int in_row0,
                            int in_row1, int row0, int row1, const qmap_sparse_frame *in,
                            qmap_sparse_frame *out);

#endif
