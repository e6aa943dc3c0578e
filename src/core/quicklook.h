/* quicklook.h -- stage 3 of qmap_process: the quick-look pass (the q range before it: q_range.h). */
#ifndef QMAP_CORE_QUICKLOOK_H
#define QMAP_CORE_QUICKLOOK_H

#include "stage.h"

/* Pass 1: per-scan masked intensity maps (*scan_maps, n_scans x n_pos, NaN = not measured)
 * and the coarse map-averaged reciprocal space cs (axes set by the caller). */
int qmap_quick_look(pipeline *P, double **scan_maps, qmap_coarse_space *cs);

/* issue 18: one frame in this many (from stride / 2) is read by a quick-look pass whose maps
 * are not needed: about n_pos / 100, chosen so that the sample leaves no large part of the
 * n_pos / n_fast x n_fast map unread (tests/test_quicklook_stride.c). */
int qmap_quicklook_stride(int n_pos, int n_fast);

#endif
