/* detector_mask.h -- stage 2 of qmap_process: the detector mask. */
#ifndef QMAP_CORE_DETECTOR_MASK_H
#define QMAP_CORE_DETECTOR_MASK_H

#include "stage.h"

/* Detector mask: file pixel_mask, user mask file, hot pixels from sampled frames. */
int qmap_build_mask(pipeline *P);

#endif
