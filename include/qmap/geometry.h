/* geometry.h -- detector pixel to reciprocal-space vector, ESRF ID01 convention.
 *
 * Convention (docs/conventions.md section 1, identical to xrayutilities
 * QConversion(['y-','z-'], ['z-','y-'], [1,0,0]) with init_area('z-','y+')):
 * lab x = beam, z = up; sample circles eta (y-) then phi (z-); detector circles
 * nu (z-) then delta (y-); detector rows run along -z, columns along +y.
 * Q is returned in the sample frame at zero angles, in 1/Angstrom, double precision.
 */
#ifndef QMAP_GEOMETRY_H
#define QMAP_GEOMETRY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hc/e in eV*Angstrom (CODATA, as scipy.constants used by xrayutilities). */
#define QMAP_HC_EV_ANGSTROM 12398.419843320025

typedef struct {
    double energy_ev;      /* photon energy, eV */
    double distance_m;     /* sample to detector distance, m */
    double pixel_row_m;    /* pixel size along rows (first index), m */
    double pixel_col_m;    /* pixel size along columns (second index), m */
    double center_row;     /* direct-beam pixel at zero angles, row (beam_center_y) */
    double center_col;     /* direct-beam pixel at zero angles, column (beam_center_x) */
    int n_rows, n_cols;    /* detector shape */
} qmap_detector_geometry;

typedef struct {
    double eta, phi, nu, delta;   /* degrees, offsets already subtracted */
} qmap_angles;

/* Check that every field is finite and physically possible; names the bad value. */
int qmap_geometry_validate(const qmap_detector_geometry *g);

/* Wavevector 2*pi/lambda in 1/Angstrom. */
double qmap_wavevector(double energy_ev);

/* Precomputed rotation state for one set of angles, so per-pixel work is cheap. */
typedef struct {
    double k;              /* 2*pi/lambda */
    double m_det[3][3];    /* detector rotation R_z-(nu) R_y-(delta) [R_x+(detrot)] */
    double m_sample_t[3][3]; /* transpose of [R_z-(mu)] R_y-(eta) R_z-(phi) */
    qmap_detector_geometry g;
    /* lab-frame step from one pixel to the next along rows and columns at zero angles (m):
     * (0, 0, -pixel_row_m) and (0, pixel_col_m, 0), or those tilted by the detector
     * calibration (include/qmap/geometry_calib.h) */
    double v_row[3], v_col[3];
} qmap_q_transform;

void qmap_q_transform_init(qmap_q_transform *t, const qmap_detector_geometry *g,
                           const qmap_angles *a);

/* Q of pixel (row, col) (fractional allowed) into q[3] = (qx, qy, qz). */
void qmap_pixel_q(const qmap_q_transform *t, double row, double col, double q[3]);

/* Q of every pixel of rows [row0, row1) : qx/qy/qz arrays of (row1-row0)*n_cols. */
void qmap_frame_q(const qmap_q_transform *t, int row0, int row1,
                  double *qx, double *qy, double *qz);

#ifdef __cplusplus
}
#endif
#endif
