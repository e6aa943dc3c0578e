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

/* Shape of a known detector by name (mpx1x4, mpx4, mpxgaas, maxipix, merlin, eiger2M,
 * ei2m), used when a scan's frames are absent; QMAP_OK or QMAP_ERR_FORMAT. */
int qmap_known_detector_shape(const char *name, int *rows, int *cols);

/* An empty dataset for path (NULL: no memory). */
qmap_dataset *qmap_dataset_new(const char *path);

/* Sort the scans by scan number and number them 0, 1, ... in that order (sequence). */
void qmap_dataset_order_scans(qmap_dataset *ds);

/* BLISS map scan (bliss_scan.c): the fallback reader of a scan group (sniff always 1); reads
 * the detector, calibration, angles, positions and the counters asked for in opt into s
 * (name, number and title already set). */
int qmap_bliss_is_scan(hid_t scan);
int qmap_bliss_read_scan(hid_t scan, const char *file, const qmap_open_options *opt,
                         qmap_scan_info *s);

/* Append a zeroed scan to ds (NULL: no memory); count a skipped scan. */
qmap_scan_info *qmap_dataset_append_scan(qmap_dataset *ds);
void qmap_dataset_add_skipped(qmap_dataset *ds);
/* A scan skipped for unreadable metadata (skip_bad_scans): listed with why. */
void qmap_dataset_add_bad(qmap_dataset *ds, const char *name, const char *why);
/* Remove the last scan appended (its metadata failed). */
void qmap_dataset_pop_scan(qmap_dataset *ds);

/* SPEC-era input (dataset_spec.c): every pscan/kmap/sxdm map scan of a SPEC file. */
int qmap_dataset_read_spec(qmap_dataset *ds, const char *path, const qmap_open_options *opt);

/* XSOCS master/entry input (xsocs_input.c): 1 when scan group holds the XSOCS detector
 * calibration instrument/detector/chan_per_deg_dim0; then qmap_xsocs_read_scan fills s
 * (s->name, number and title already set). */
int qmap_xsocs_is_entry(hid_t scan);
int qmap_xsocs_read_scan(hid_t scan, const char *file, const qmap_open_options *opt,
                         qmap_scan_info *s);
/* Nominal raster positions into s->x, s->y (allocated here; n_fast*n_slow each). */
int qmap_scan_nominal_positions(qmap_scan_info *s);

#endif
