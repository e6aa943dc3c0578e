/* calib_setup.h -- the pipeline's detector calibration beyond the XSOCS model (issue 11):
 * mu per scan, detrot/tilt/tiltazimuth, and the check of the detector translations. */
#ifndef QMAP_CALIB_SETUP_H
#define QMAP_CALIB_SETUP_H

#include "qmap/dataset.h"
#include "qmap/geometry_calib.h"
#include "qmap/process.h"
#include "qmap/results.h"

/* calib (n_scans entries, filled): mu = recorded mu - offset_mu, and the option angles.
 * Refuses mpxy/mpxz that change between the scans (naming them). Logs and records every
 * choice in /parameters. */
int qmap_calib_choose(const qmap_process_options *o, const qmap_dataset *ds, qmap_results *r,
                      qmap_detector_calib *calib);

#endif
