/* results.h -- the maps qmap computes and the results-file contract.
 *
 * Maps are (n_slow, n_fast) row-major: row = slow motor index, column = fast motor
 * index, on the raster of the first SXDM scan. NaN marks positions that were not
 * measured in every scan (after drift correction) or that hold no intensity.
 * File layout: docs/results-file.md.
 */
#ifndef QMAP_RESULTS_H
#define QMAP_RESULTS_H

#include <stdint.h>
#include "qmap/qspace.h"
#include "qmap/params.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    QMAP_MAP_INTENSITY, QMAP_MAP_QX, QMAP_MAP_QY, QMAP_MAP_QZ, QMAP_MAP_Q,
    QMAP_MAP_D, QMAP_MAP_STRAIN, QMAP_MAP_STD_QX, QMAP_MAP_STD_QY, QMAP_MAP_STD_QZ,
    QMAP_MAP_SIGMA_QX, QMAP_MAP_SIGMA_QY, QMAP_MAP_SIGMA_QZ, QMAP_MAP_SIGMA_MEAN,
    QMAP_MAP_TILT_MAGNITUDE, QMAP_MAP_TILT_DIRECTION, QMAP_MAP_C,
    QMAP_N_MAPS
};

/* Name and unit of map k as stored under /maps. */
const char *qmap_map_name(int k);
const char *qmap_map_unit(int k);

typedef struct {
    double *center, *sigma, *area;   /* n_pos each */
    uint8_t *status;                 /* 1 = converged */
} qmap_fit_maps;

/* The /particles group of a results file (`qmap particles`; docs/results-file.md). */
typedef struct {
    int n_fast, n_slow;       /* shape of the label map (must be the shape of /maps) */
    int n_particles;          /* rows of /particles/table */
    int32_t *labels;          /* n_slow*n_fast row-major, 0 = no particle, label i = row i-1 */
    int n_columns;            /* columns of /particles/table, in the order of its `columns` */
    char **names, **units;    /* column names and units ("" when the column has none) */
    double *values;           /* n_columns x n_particles: column k, row i = values[k*n_particles+i] */
} qmap_results_particles;

void qmap_results_particles_free(qmap_results_particles *p);

typedef struct {
    int n_fast, n_slow;              /* map shape */
    int n_scans;
    double *x, *y;                   /* n_fast, n_slow: positions of the first scan (um) */
    double *maps[QMAP_N_MAPS];       /* n_slow*n_fast each; maps[QMAP_MAP_C] NULL without hkl */
    uint8_t *mask;                   /* particle mask, 1 = particle */
    double *background;              /* n_slow*n_fast: flat background per pixel hit on each
                                        position's VOI faces (qmap_face_background; the
                                        intensity's normalisation), subtracted or not; NaN where
                                        not measured (and in files written before it) */
    qmap_fit_maps fit[3];            /* Gaussian fits along qx, qy, qz */
    double *shift_x, *shift_y;       /* applied drift per scan (um, relative to the first) */
    double *measured_shift_x, *measured_shift_y;  /* registration result (NaN if none) */
    double *eta;                     /* eta of each scan (degrees, offsets subtracted) */
    double *scan_intensity;          /* VOI intensity summed over the map, per scan */
    qmap_axis axes[3];               /* VOI bins */
    double *qspace_average;          /* nx*ny*nz summed VOI intensity over all positions */
    double *qspace_hits;             /* nx*ny*nz pixel hits */
    float *qspace_cube;              /* n_pos*nx*ny*nz per-position VOI intensity, or NULL */
    qmap_axis overview_axes[3];      /* coarse grid over the whole sampled q range */
    double *overview_sum;            /* summed masked intensity per coarse bin (all frames) */
    double *overview_hits;           /* pixel hits per coarse bin */
    double voi[6];                   /* VOI box qx0,qx1,qy0,qy1,qz0,qz1 (1/Angstrom) */
    double mean_q[3];                /* mean Q over the particle (tilt reference) */
    double d_ref;                    /* strain reference d (Angstrom) */
    double energy_ev;                /* photon energy used (eV; NaN when unknown) */
    /* Drift confidence (automatic drift; NaN / "" otherwise), stored as attributes of /shift. */
    char shift_signal[160];          /* signal the drift was measured on ("none": not determined) */
    double shift_contrast;           /* contrast of that signal (robust range / noise) */
    double shift_resid_px;           /* rms of the measured shifts about the line (map pixels) */
    double shift_sigma_px;           /* 1-sigma uncertainty of the line at the last scan (map pixels) */
    double shift_halves_px;          /* low- vs high-eta half slopes, at the last scan (map pixels) */
    /* Parameters as (key, value) text pairs, in the order they were decided. */
    int n_params;
    char **param_keys, **param_values;
    /* The nominal raster of the first scan's title (micrometres), the regular axes of the
     * NeXus maps; grid_set = 0 when unknown (then the recorded positions are used). */
    int grid_set;
    double grid_fast_start, grid_fast_end, grid_slow_start, grid_slow_end;
    char fast_motor[64], slow_motor[64];
    /* The run as given: option name -> text (qmap/params.h), written typed under
     * /entry/process/parameters; and the command line (NULL = not recorded). */
    qmap_params settings;
    char *command_line;
    /* /particles when read with QMAP_READ_PARTICLES and the file has it, else NULL (owned). */
    qmap_results_particles *particles;
    /* The run behind the file, as needed to recompute it from the raw data (qmap/position.h):
     * always read from the /parameters attributes; NULL when not recorded (older files).
     * The writer records them as parameters (qmap_results_param), not through these fields. */
    char *input_path;                /* input_path: the input file, absolute */
    char *mask_path;                 /* mask_path: the --mask file, absolute */
    char *scans_used;                /* scans: the names of the scans processed, comma-separated */
} qmap_results;

/* Allocate empty results for a map shape (all maps NaN). */
qmap_results *qmap_results_new(int n_fast, int n_slow, int n_scans, int with_c);
void qmap_results_free(qmap_results *r);
/* Record a parameter (copied). */
int qmap_results_param(qmap_results *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The text of parameter key (NULL when not recorded; owned by r). */
const char *qmap_results_param_value(const qmap_results *r, const char *key);

/* Record the command line that produced the results (copied; NULL clears it). */
int qmap_results_set_command_line(qmap_results *r, const char *line);

/* Write the results file: to "path.tmp-XXXX" first, renamed to path when complete. */
int qmap_results_write(const qmap_results *r, const char *path);

/* ---- reading a results file (results_read.c): the one reader of report, particles, view,
 * the truth comparison, the CLI and Python ---- */

/* Optional parts of a results file, read on request (the maps, their axes x/y, /scans
 * (eta, intensity), /shift (drift, measured drift), /qspace/mean_q, the VOI, the
 * parameters and the energy are always read). */
enum {
    QMAP_READ_QSPACE = 1 << 0,     /* /qspace average + hits and /qspace_overview (report) */
    QMAP_READ_FIT = 1 << 1,        /* /fit: the per-position Gaussian fits (fit[] stays NaN without) */
    QMAP_READ_PARTICLES = 1 << 2,  /* /particles (r->particles; NULL when the file has none) */
    QMAP_READ_SETTINGS = 1 << 3,   /* /entry/process/parameters: the run as given (r->settings) */
    /* Everything a recomputation from the raw data needs (qmap/position.h), each part required:
     * the settings (QMAP_READ_SETTINGS, with the input), the VOI (/qspace_overview/voi into
     * r->voi) and the /qspace bin axes (r->axes), without the q-space grids themselves. */
    QMAP_READ_RUN = 1 << 4,
};

/* The value of parameter `key` (r->param_keys), or NULL. Borrowed from r. */
const char *qmap_results_param_get(const qmap_results *r, const char *key);

/* Read results file `path` (docs/results-file.md), opened read-only, after checking its
 * checksum seal. `parts` is an OR of QMAP_READ_*. Every shape is checked against the map
 * shape of /maps/mask, so a truncated or foreign file gives one message naming the file and
 * the dataset at fault. r->energy_ev is the `energy_ev` parameter as a number (NaN when the
 * file has none). *out = new results (free with qmap_results_free). Returns QMAP_OK,
 * QMAP_ERR_IO (file missing, not HDF5), QMAP_ERR_CORRUPT (seal) or QMAP_ERR_FORMAT. */
int qmap_results_read(const char *path, unsigned parts, qmap_results **out);

/* A results file kept open for the parts too big to read whole: the per-position q-space
 * (/qspace/cube, written with --save-qspace), read a map row at a time. */
typedef struct qmap_results_file qmap_results_file;

/* As qmap_results_read (QMAP_READ_QSPACE is implied: the cube needs the /qspace axes and
 * hits), keeping the file open. *out = new (close with qmap_results_close). */
int qmap_results_open(const char *path, unsigned parts, qmap_results_file **out);
/* The results read by qmap_results_open. Borrowed: valid until qmap_results_close. */
qmap_results *qmap_results_file_results(qmap_results_file *f);
/* 1 when the file has a /qspace/cube of shape (n_slow, n_fast, nx, ny, nz), else 0. */
int qmap_results_has_cube(const qmap_results_file *f);
/* Read positions (row, c0..c1) of the cube into buf: (c1-c0+1) x nx*ny*nz floats, position
 * after position. Returns QMAP_OK or QMAP_ERR_FORMAT (no cube, out of range, unreadable). */
int qmap_results_cube_read(const qmap_results_file *f, int row, int c0, int c1, float *buf);
void qmap_results_close(qmap_results_file *f);

#ifdef __cplusplus
}
#endif
#endif
