/* setup.h -- stage 1 of qmap_process: the scans, their geometry, saturation and monitor. */
#ifndef QMAP_CORE_SETUP_H
#define QMAP_CORE_SETUP_H

#include "stage.h"

/* --skip-bad-scans: drop every scan whose frames cannot be opened (a missing or unreadable
 * LIMA file behind the virtual dataset), logging the scan and the reason; their names go
 * to `skipped` (comma-separated). When no scan would remain, the last failure is returned. */
int qmap_drop_unreadable_scans(const qmap_process_options *o, qmap_dataset *ds, char *skipped,
                               size_t size);

/* Map positions (x of each column, y of each row) from the first scan. */
void qmap_fill_positions(pipeline *P);

/* Calibration overrides, offsets, and consistency of geometry across scans. */
int qmap_setup_geometry(pipeline *P);

/* Per-scan saturation limit: --saturation, else the scan's saturation_value, else none. */
int qmap_setup_saturation(pipeline *P);

/* --monitor: the mean monitor over all scans, the frames' normalisation. */
int qmap_setup_monitor(pipeline *P);

/* Without --monitor: the scans' monitor-like counters (measurement/mon*) and how much each
 * varies over the frames, logged and recorded (/parameters monitor), with a WARNING above
 * QMAP_MONITOR_VARIATION_SAID: the frames are then not normalised by the incident flux and
 * the user should know by how much it moved (monitor_check.c). Says nothing when the input
 * has no such counter or cannot be listed (SPEC, XSOCS entries). */
#define QMAP_MONITOR_VARIATION_SAID 0.02
void qmap_check_unnormalised(pipeline *P);

#endif
