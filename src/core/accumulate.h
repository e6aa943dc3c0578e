/* accumulate.h -- stage 7 of qmap_process: pass 2, the accumulation. */
#ifndef QMAP_CORE_ACCUMULATE_H
#define QMAP_CORE_ACCUMULATE_H

#include "stage.h"

/* The sums of the accumulation pass, zeroed, for the chosen bins (P->r->axes) and the VOI
 * centre as the moments' reference point. */
int qmap_accumulators_alloc(const pipeline *P, const double voi[6], qmap_accumulators *A);
void qmap_accumulators_free(qmap_accumulators *A);

/* --save-qspace: the per-position q-space cube (float), refused above 4 GiB. */
int qmap_alloc_qspace_cube(pipeline *P, const qmap_accumulators *A);

/* Pass 2: accumulate per-position moments and projections over the VOI pixels, reading
 * only the detector rows of the scan's plan; sums reduced over MPI ranks; checkpoints
 * after every scan when asked (checkpoint.c). */
int qmap_accumulate(pipeline *P, qmap_scan_plan *plans, qmap_accumulators *A);

#endif
