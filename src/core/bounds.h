/* bounds.h -- physical ranges of every number qmap process takes, from the file and from the
 * options alike (bounds.c). Each returns QMAP_OK or QMAP_ERR_VALUE naming the value. */
#ifndef QMAP_CORE_BOUNDS_H
#define QMAP_CORE_BOUNDS_H

#include "qmap/geometry.h"
#include "qmap/process.h"

/* The ranges, shared with the --help texts and README. */
#define QMAP_BOUND_DISTANCE_MIN_M 1e-3      /* 1 mm */
#define QMAP_BOUND_DISTANCE_MAX_M 100.0
#define QMAP_BOUND_PIXEL_MIN_M 1e-7         /* 0.1 um */
#define QMAP_BOUND_PIXEL_MAX_M 1e-2         /* 1 cm */
#define QMAP_BOUND_CENTRE_MAX_PX 1e6
#define QMAP_BOUND_ANGLE_MAX_DEG 720.0      /* a diffractometer angle from the file */
#define QMAP_BOUND_OFFSET_MAX_DEG 360.0     /* --offset */
#define QMAP_BOUND_SHIFT_MAX_UM 1000.0      /* --shift DX,DY per scan */
#define QMAP_BOUND_Q_MAX 1000.0             /* --voi, 1/A (2k at 1 MeV is 1013) */

/* The options (before any file is read). */
int qmap_bounds_check_options(const qmap_process_options *o);
/* One scan's geometry after the overrides, and its angles after the offsets. */
int qmap_bounds_check_scan(const qmap_detector_geometry *g, const qmap_angles *a);

#endif
