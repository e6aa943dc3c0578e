/* geometry_calib.h -- detector calibration angles and the mu circle (issue 11).
 *
 * The ID01 nano-hutch geometry of xrayutilities' examples adds to eta, phi, nu, delta the
 * outermost sample circle mu (about z-) and the detector calibration of Ang2Q.init_area:
 *   detrot      rotation of the detector about the primary beam: an innermost detector
 *               circle about +x (xrayutilities appends r_i's direction as a detector axis);
 *   tilt        rotation of the detector plane by -tilt (right-handed) about an axis lying
 *               in it, whose direction is cos(tiltazimuth + 90 deg) u_row +
 *               sin(tiltazimuth + 90 deg) u_col, with u_row = -z, u_col = +y the unit pixel
 *               directions (init_area('z-', 'y+')); the sign is xrayutilities'.
 * So, with v_row = R_tilt (0, 0, -p_row), v_col = R_tilt (0, p_col, 0):
 *   r(i,j) = D x + (i - c_row) v_row + (j - c_col) v_col
 *   kf = R_z-(nu) R_y-(delta) R_x+(detrot) r/|r|,  Q = k [R_z-(mu) R_y-(eta) R_z-(phi)]^T (kf - x)
 * equal to xrayutilities QConversion(['z-','y-','z-'], ['z-','y-'], [1,0,0]) with
 * init_area('z-','y+', ..., detrot=, tiltazimuth=, tilt=) and area(mu, eta, phi, nu, delta)
 * (tests/test_geometry_calib.c checks it at test time). All angles in degrees; zeros give
 * exactly qmap_q_transform_init.
 */
#ifndef QMAP_GEOMETRY_CALIB_H
#define QMAP_GEOMETRY_CALIB_H

#include "qmap/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double mu;            /* outermost sample circle (z-), degrees, offset subtracted */
    double detrot;        /* detector rotation about the primary beam, degrees */
    double tilt;          /* detector plane tilt, degrees */
    double tiltazimuth;   /* direction of the tilt in the detector plane, degrees */
} qmap_detector_calib;

void qmap_q_transform_init_calib(qmap_q_transform *t, const qmap_detector_geometry *g,
                                 const qmap_angles *a, const qmap_detector_calib *c);

/* Check that every angle is finite and |tilt| < 90 degrees; names the bad value. */
int qmap_detector_calib_validate(const qmap_detector_calib *c);

#ifdef __cplusplus
}
#endif
#endif
