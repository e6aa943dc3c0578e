/* results_read.h -- private pieces of the results reader (results_read.c): the settings of
 * /entry/process/parameters (results_read_settings.c) and /particles (results_read_particles.c), each read
 * from an open results file, and the settings-only read behind qmap_params_read
 * (params_file.c). Every function returns QMAP_OK or a negative qmap_status with
 * a message naming `path` and the dataset at fault. Call inside qmap_h5_quiet. */
#ifndef QMAP_RESULTS_READ_H
#define QMAP_RESULTS_READ_H

#include <hdf5.h>
#include "qmap/params.h"
#include "qmap/results.h"

int qmap__params_read_h5(hid_t f, const char *path, qmap_params *p);
/* The settings of results file `path` alone (qmap_params_read), opened as qmap_results_read
 * opens it. Handles qmap_h5_quiet itself. */
int qmap__results_read_settings(const char *path, qmap_params *p);
/* *out = new /particles (free with qmap_results_particles_free), or NULL without the group. */
int qmap__particles_read_h5(hid_t f, const char *path, qmap_results_particles **out);

#endif
