/* detector_mask.h -- stage 2 of qmap_process: the detector mask. */
#ifndef QMAP_CORE_DETECTOR_MASK_H
#define QMAP_CORE_DETECTOR_MASK_H

#include "stage.h"

/* Detector mask: file pixel_mask, user mask file, hot pixels from sampled frames. */
int qmap_build_mask(pipeline *P);

/* The hot-pixel sample (hot_sample.c): per pixel, the sampled frames where it is non-zero (nz)
 * and the sum of its readings (sum), both zero on entry; *sampled = frames read. */
int qmap_hot_sample(pipeline *P, uint32_t *nz, double *sum, int *sampled);

/* Frame of a scan of nf frames read as the k-th (0 <= k < n_read <= nf) of its hot-pixel
 * sample: the middles of n_read equal parts, so n_read distinct frames spread over the scan
 * (every frame when n_read == nf). */
int qmap_hot_sample_frame(int k, int n_read, int nf);

#endif
