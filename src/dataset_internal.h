/* dataset_internal.h -- per-scan metadata readers behind qmap_dataset_open, exposed
 * for the tests (they can read calibration from a file that holds no SXDM map scan)
 * and for other modules that already hold an open scan group. Private, not installed.
 *
 * `file` and `scan` are only used to name the culprit in error messages.
 */
#ifndef QMAP_DATASET_INTERNAL_H
#define QMAP_DATASET_INTERNAL_H

#include <hdf5.h>
#include "qmap/dataset.h"

/* Known detector names, tried in this order when none is asked for. */
extern const char *const qmap_known_detectors[];
extern const int qmap_n_known_detectors;

/* Read instrument/<det>/{beam_center_x, beam_center_y, distance, x_pixel_size,
 * y_pixel_size} and the energy (instrument/monochromator/Energy in eV, else
 * .../WaveLength in m, else instrument/positioners/nrj in keV) into g. Does not touch
 * g->n_rows / g->n_cols and does not validate (the caller knows the shape). */
int qmap_scan_read_calibration(hid_t scan, const char *file, const char *scan_name,
                               const char *det, qmap_detector_geometry *g);

/* Read instrument/positioners/{eta, phi, nu, delta} (degrees; arrays give their mean).
 * Missing eta or delta is an error; missing phi or nu reads as 0. */
int qmap_scan_read_angles(hid_t scan, const char *file, const char *scan_name,
                          qmap_angles *a);

/* Shape of measurement/<det>: must be 3D (frames, rows, cols). */
int qmap_scan_detector_shape(hid_t scan, const char *file, const char *scan_name,
                             const char *det, int *n_frames, int *rows, int *cols);

#endif
