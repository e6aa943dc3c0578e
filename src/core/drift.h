/* drift.h -- stage 5 of qmap_process: the drift between scans. */
#ifndef QMAP_CORE_DRIFT_H
#define QMAP_CORE_DRIFT_H

#include "stage.h"

/* Drift between scans: measured (or given), a line through 0 in the scan sequence (the
 * first scan is the reference), as whole map pixels (P->row_shift, P->col_shift: the
 * re-indexing) and fractional ones (P->row_shift_f, P->col_shift_f, P->subpixel: the
 * interpolated application, drift_apply.c); the measured and fitted shifts and the
 * confidence figures go to the results. The measurement itself is drift_choose.h.
 * before_frames (issue 18): called before the quick-look pass, scan_maps NULL; *decided = 0
 * when the drift needs the frame signals (then call again after the pass, before_frames 0). */
int qmap_drift(pipeline *P, const double *scan_maps, int before_frames, int *decided);

#endif
