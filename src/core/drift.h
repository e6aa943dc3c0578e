/* drift.h -- stage 5 of qmap_process: the drift between scans. */
#ifndef QMAP_CORE_DRIFT_H
#define QMAP_CORE_DRIFT_H

#include "stage.h"

/* Drift between scans: measured (or given), fitted by a line through 0 (the first scan
 * is the reference), applied as an integer re-indexing of the positions (P->row_shift,
 * P->col_shift); the measured and fitted shifts go to the results. */
int qmap_drift(pipeline *P, const double *scan_maps);

#endif
