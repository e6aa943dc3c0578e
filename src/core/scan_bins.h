/* scan_bins.h -- the coarse bins of a block of detector pixels in one scan, several pixels at a
 * time (issue 18: the quick look bins every pixel of every scan). */
#ifndef QMAP_SCAN_BINS_H
#define QMAP_SCAN_BINS_H

#include "stage.h"
#include "qmap/qspace.h"

#include <stdint.h>

/* Largest block qmap_scan_bins takes at once. */
#define QMAP_SCAN_BINS_BLOCK 256

/* out[i] = the flat bin (row-major over the three axes of b) of pixel p0 + i of the scan,
 * i < n <= QMAP_SCAN_BINS_BLOCK, or -1 when Q is outside an axis or not finite: exactly
 * qmap_scan_q_at followed by qmap_axis_bin_with on each axis, whatever the pixel (the mask
 * is the caller's). The product of the three bin counts must fit in an int32_t. */
void qmap_scan_bins(const qmap_scan_qs *qs, const qmap_axis_binner b[3], size_t p0, int n,
                    int32_t *out);

#endif
