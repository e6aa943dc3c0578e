/* particles.h -- the particles of an SXDM map: labelling and per-particle statistics.
 *
 * A particle is a connected region (8-neighbours by default) of the particle mask with at
 * least min_positions positions; touching particles are split by a watershed on the
 * distance transform (segment.h, qmap_split_touching). For every particle the table
 * gives its size, position, intensity and the statistics of its lattice maps, among
 * them the maximum tilt extension: the largest angle between a position's Q and the
 * particle's own mean Q (the unweighted mean of the finite Q vectors of the particle,
 * as /qspace/mean_q is for the whole mask).
 *
 * Statistics are over the particle's positions with a finite value of that map; std is
 * the population standard deviation (n denominator); a column with no finite value is NaN.
 * Files: qmap_particle_maps_read reads a results file; qmap_particles_write adds /particles to it
 * (docs/results-file.md) plus a CSV.
 */
#ifndef QMAP_PARTICLES_H
#define QMAP_PARTICLES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Columns of the particle table, in file order. */
enum {
    QMAP_PCOL_LABEL, QMAP_PCOL_N_POSITIONS, QMAP_PCOL_AREA, QMAP_PCOL_EQ_DIAMETER,
    QMAP_PCOL_CENTROID_X, QMAP_PCOL_CENTROID_Y, QMAP_PCOL_INTENSITY,
    QMAP_PCOL_D_MEAN, QMAP_PCOL_D_STD, QMAP_PCOL_C_MEAN, QMAP_PCOL_C_STD,
    QMAP_PCOL_STRAIN_MEAN, QMAP_PCOL_STRAIN_STD,
    QMAP_PCOL_SIGMA_QX, QMAP_PCOL_SIGMA_QY, QMAP_PCOL_SIGMA_QZ,
    QMAP_PCOL_TILT_MEAN, QMAP_PCOL_TILT_EXTENSION_MAX,
    QMAP_PCOL_MEAN_QX, QMAP_PCOL_MEAN_QY, QMAP_PCOL_MEAN_QZ,
    QMAP_N_PCOLS
};

/* Name (as in the file and CSV header), unit and one-line meaning of column k. */
const char *qmap_particle_column_name(int k);
const char *qmap_particle_column_unit(int k);
const char *qmap_particle_column_meaning(int k);

/* The maps the particle analysis reads, (n_slow, n_fast) row-major like /maps. Pointers
 * are borrowed, except from qmap_particle_maps_read (free with qmap_particle_maps_free).
 * c may be NULL (no /maps/c): its columns are then NaN. */
typedef struct {
    int n_fast, n_slow;
    double *x, *y;                 /* n_fast, n_slow positions (um) */
    uint8_t *mask;                 /* 1 = particle */
    double *intensity, *d_spacing, *c, *strain;
    double *sigma[3];              /* sigma_qx, sigma_qy, sigma_qz (1/Angstrom) */
    double *tilt;                  /* tilt_magnitude (degree) */
    double *q[3];                  /* qx, qy, qz (1/Angstrom) */
} qmap_particle_maps;

typedef struct {
    int min_positions;      /* smaller regions are dropped (default 4) */
    int connectivity;       /* 4 or 8 (default 8) */
    int split;              /* 1 = watershed split of touching particles (default 1) */
    double min_dynamic_px;  /* split criteria, as qmap_find_maxima_markers (default 1.0 ... */
    double min_fraction;    /* ... and 0.2) */
} qmap_particle_options;

void qmap_particle_options_default(qmap_particle_options *o);

typedef struct {
    int n_fast, n_slow;
    int32_t *labels;        /* n_slow*n_fast, 0 = no particle */
    int n_particles;
    double *table;          /* n_particles x QMAP_N_PCOLS, row-major */
} qmap_particles;

void qmap_particles_free(qmap_particles *p);

/* Label the particles of m->mask under o and measure them. *out is new. */
int qmap_particles_find(const qmap_particle_maps *m, const qmap_particle_options *o,
                        qmap_particles **out);

/* Measure given labels (1..n_labels, 0 = none) into table (n_labels x QMAP_N_PCOLS). */
int qmap_particles_measure(const qmap_particle_maps *m, const int32_t *labels, int n_labels,
                           double *table);

/* Read the maps of a qmap results file (read-only). *out is new. Errors name the file and
 * the dataset (missing, wrong shape). */
int qmap_particle_maps_read(const char *results_path, qmap_particle_maps **out);
void qmap_particle_maps_free(qmap_particle_maps *m);

/* Replace /particles in the results file with p (labels, table, the options used) and
 * write the table as CSV to csv_path. The results file is copied to a temporary file in
 * its folder, updated there and renamed over the original only when complete; the CSV
 * likewise: a failure leaves both untouched. */
int qmap_particles_write(const char *results_path, const char *csv_path, const qmap_particles *p,
                         const qmap_particle_options *o);

#ifdef __cplusplus
}
#endif
#endif
