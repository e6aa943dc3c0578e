/* plan.h -- stage 6 of qmap_process: per-scan plans of the VOI pixels. */
#ifndef QMAP_CORE_PLAN_H
#define QMAP_CORE_PLAN_H

#include "stage.h"

/* Per-scan plans: unmasked pixels whose Q lies inside the VOI. */
int qmap_build_plans(pipeline *P, const double voi[6], qmap_scan_plan *plans);

/* Drop plan pixels the binning rule puts outside the grid (exact VOI edges). */
void qmap_compact_plans(qmap_scan_plan *plans, int n_scans);

#endif
