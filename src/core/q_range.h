/* q_range.h -- stage 3 of qmap_process, before the quick look: the range of Q over the
 * unmasked pixels of every scan and its natural sampling step. */
#ifndef QMAP_CORE_Q_RANGE_H
#define QMAP_CORE_Q_RANGE_H

#include "stage.h"

/* Range of Q over unmasked pixels of all scans (lo, hi) and the natural sampling step: the
 * largest change of each component between neighbouring pixels or neighbouring scans in
 * eta. On the detector's tiles when every scan shares its detector part (q_bounds.h), else
 * over every pixel; the same values either way. */
int qmap_q_range(pipeline *P, double lo[3], double hi[3], double step[3]);

/* The same over every pixel of every scan (the reference the tiled path equals; tests). */
int qmap_q_range_every_pixel(pipeline *P, double lo[3], double hi[3], double step[3]);

#endif
