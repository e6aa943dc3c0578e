/* simulate_internal.h -- private interface between the simulator's physics model
 * (simulate_model.c), its file writers (simulate_write.c) and the driver (simulate.c).
 *
 * The model holds everything derived from qmap_sim_params once: angles, the per-scan
 * detector window where the Bragg peak can fall (with the Q of each of its pixels),
 * recorded piezo positions, monitor values, hot and dead pixels. Frames are generated
 * from it independently (per-frame RNG streams), so threads never share state.
 */
#ifndef QMAP_SIMULATE_INTERNAL_H
#define QMAP_SIMULATE_INTERNAL_H

#include <stdint.h>
#include "qmap/geometry.h"
#include "qmap/simulate.h"

#define QMAP_SIM_PI 3.14159265358979323846
#define QMAP_SIM_ROWS 516
#define QMAP_SIM_COLS 516
#define QMAP_SIM_NDEAD 2
#define QMAP_SIM_DETECTOR "mpx1x4"
#define QMAP_SIM_SAMPLE "sample"

/* xoshiro256** generator; one independent stream per (seed, a, b). */
typedef struct { uint64_t s[4]; } qmap_sim_rng;

void qmap_sim_rng_seed(qmap_sim_rng *r, uint64_t seed, uint64_t a, uint64_t b);
double qmap_sim_uniform(qmap_sim_rng *r);          /* in (0, 1) */
double qmap_sim_normal(qmap_sim_rng *r);           /* N(0, 1) */
int32_t qmap_sim_poisson(qmap_sim_rng *r, double lambda);
int32_t qmap_sim_poisson_nonzero(qmap_sim_rng *r, double lambda);   /* given that it is >= 1 */

/* The crystal at one sample point. */
typedef struct {
    double rho;        /* normalised elliptical radius (0 centre, 1 edge) */
    double amp;        /* peak amplitude, counts per pixel at monitor factor 1 */
    double d;          /* d-spacing, Angstrom */
    double q0[3];      /* true Bragg peak centre, 1/Angstrom */
    double sigma[3];   /* peak sigmas along qx, qy, qz, 1/Angstrom */
} qmap_sim_point;

/* Detector rectangle rows [r0, r1) x cols [c0, c1) where the peak can appear in one
 * scan; q holds qx, qy, qz of each of its pixels (interleaved, row-major). */
typedef struct {
    int r0, r1, c0, c1;
    double *q;
} qmap_sim_box;

typedef struct {
    qmap_sim_params p;
    qmap_detector_geometry geom;
    double theta_deg, delta_deg;
    double *eta;                    /* n_eta eta angles, degrees */
    int npts;                       /* n_fast * n_slow */
    double x0, y0;                  /* nominal grid start, micrometres */
    double cx, cy, ax, ay;          /* particle centre and semi-axes (sample frame, um) */
    int n_part;                     /* particles: centres and semi-axes (um); [0] = cx, cy, ax, ay */
    double part_c[4][2], part_a[4][2];
    double amp0;                    /* amplitude giving peak_counts at the centre */
    qmap_sim_box *box;              /* n_eta */
    double *pos_x, *pos_y, *mon;    /* n_eta * npts recorded positions and monitor */
    double *fluo;                   /* n_eta * npts fluorescence counts (Bragg-independent) */
    int n_hot;
    int *hot_idx;                   /* flat pixel index of each hot pixel */
    double *hot_level;              /* its mean counts per frame */
    int dead_idx[QMAP_SIM_NDEAD];   /* flat pixel indices of the masked dead pixels */
    int number0;                    /* issue 11: scan number of the first map (default 2) */
    double t0;                      /* issue 11: start time offset of this series, seconds */
} qmap_sim_model;

/* Ground-truth maps, each n_slow * n_fast (row = slow index). */
typedef struct {
    double *intensity, *qx, *qy, *qz, *q, *d, *strain;
    double *sigma_qx, *sigma_qy, *sigma_qz, *tilt_magnitude, *tilt_direction;
    double *background;   /* expected counts per pixel and frame under the peak: the flat
                             background plus the sample's fluorescence (monitor at its mean) */
    uint8_t *mask;
} qmap_sim_truth;

int qmap_sim_check_params(const qmap_sim_params *p);
/* issue 11: the master file of n models (series) written one after the other, an alignment
 * ascan before each; sums[k] holds model k's per-frame sums. */
int qmap_sim_write_master_series(const qmap_sim_model *const *m, int n, const char *path,
                                 int64_t *const *sums);
int qmap_sim_model_init(qmap_sim_model *m, const qmap_sim_params *p);
void qmap_sim_model_free(qmap_sim_model *m);

/* Thickness of the sample under the beam at (sx, sy) um, relative to the thickest point
 * (ellipsoidal particles, 1 everywhere for a film). */
double qmap_sim_thickness(const qmap_sim_model *m, double sx, double sy);

/* Crystal at sample point (sx, sy) um; returns 1 inside the particle, 0 outside. */
int qmap_sim_point_at(const qmap_sim_model *m, double sx, double sy, qmap_sim_point *pt);

/* Expected counts of the peak (monitor factor 1) of point pt summed over scan's window. */
double qmap_sim_peak_sum(const qmap_sim_model *m, int scan, const qmap_sim_point *pt);

/* Generate frame `frame` of scan `scan` (n_rows*n_cols int32, overwritten); *sum = total. */
void qmap_sim_frame(const qmap_sim_model *m, int scan, int frame, int32_t *img, int64_t *sum);

int qmap_sim_truth_compute(const qmap_sim_model *m, qmap_sim_truth *t);
void qmap_sim_truth_free(qmap_sim_truth *t);

/* Bitshuffle-LZ4 (HDF5 filter 32008) chunk of n int32 values; returns its size in bytes,
 * or -1 when cap is too small. qmap_sim_bslz4_bound(n) bytes always suffice. */
size_t qmap_sim_bslz4_bound(size_t n);
long qmap_sim_bslz4_encode(const int32_t *in, size_t n, uint8_t *out, size_t cap);

/* Writers: each writes one complete file at path. */
int qmap_sim_write_lima(const qmap_sim_model *m, int scan, const char *path, int64_t *sums);
int qmap_sim_write_master(const qmap_sim_model *m, const char *path, const int64_t *sums);
int qmap_sim_write_truth(const qmap_sim_model *m, const qmap_sim_truth *t, const char *path);

#endif
