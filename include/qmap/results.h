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

typedef struct {
    int n_fast, n_slow;              /* map shape */
    int n_scans;
    double *x, *y;                   /* n_fast, n_slow: positions of the first scan (um) */
    double *maps[QMAP_N_MAPS];       /* n_slow*n_fast each; maps[QMAP_MAP_C] NULL without hkl */
    uint8_t *mask;                   /* particle mask, 1 = particle */
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
} qmap_results;

/* Allocate empty results for a map shape (all maps NaN). */
qmap_results *qmap_results_new(int n_fast, int n_slow, int n_scans, int with_c);
void qmap_results_free(qmap_results *r);
/* Record a parameter (copied). */
int qmap_results_param(qmap_results *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the command line that produced the results (copied; NULL clears it). */
int qmap_results_set_command_line(qmap_results *r, const char *line);

/* Write the results file: to "path.tmp-XXXX" first, renamed to path when complete. */
int qmap_results_write(const qmap_results *r, const char *path);

#ifdef __cplusplus
}
#endif
#endif
