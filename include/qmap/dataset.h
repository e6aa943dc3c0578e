/* dataset.h -- discovery and metadata of an ESRF ID01 BLISS 5D-SXDM dataset file.
 *
 * A BLISS dataset file holds scans "N.1"; the SXDM map scans are those whose title
 * starts with sxdm/asxdm/dsxdm/kmap/mesh (BLISS "cmd( m0, s, e, n, m1, s, e, n, t )"
 * or SPEC-like "cmd m0 s e n m1 s e n t" form). Each holds one XY raster at one eta.
 * Layout: README, "What the pipeline does". Files are opened read-only.
 */
#ifndef QMAP_DATASET_H
#define QMAP_DATASET_H

#include <stdint.h>
#include "qmap/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QMAP_NAME_MAX 64

/* A parsed map-scan title. n_fast/n_slow are numbers of points (not intervals). */
typedef struct {
    char command[QMAP_NAME_MAX];      /* "sxdm", "asxdm", "kmap", "mesh", ... */
    char fast_motor[QMAP_NAME_MAX];   /* motor_0: the fast axis (columns of a map) */
    char slow_motor[QMAP_NAME_MAX];   /* motor_1: the slow axis (rows of a map) */
    double fast_start, fast_end, slow_start, slow_end;  /* micrometres */
    int n_fast, n_slow;
    double exposure_s;
} qmap_scan_title;

/* Parse a title. QMAP_OK when it is an SXDM map title; QMAP_ERR_FORMAT (with message)
 * when it is not one (ascan, malformed numbers, zero or negative point counts). */
int qmap_parse_scan_title(const char *title, qmap_scan_title *out);

/* Metadata of one SXDM map scan, everything in the units named. */
typedef struct {
    char name[QMAP_NAME_MAX];         /* HDF5 group, e.g. "3.1" */
    int number;                       /* scan number N of "N.1" */
    int sequence;                     /* position in the rocking curve in steps (0, 1, ...; a
                                         scan missing from the series, e.g. left out of
                                         --scans, skips a step); kept when scans are removed,
                                         so a linear drift per scan stays linear across a
                                         removed scan */
    qmap_scan_title title;
    char detector[QMAP_NAME_MAX];     /* "mpx1x4", "mpxgaas", "eiger2M", "merlin" */
    qmap_detector_geometry geom;      /* from instrument/<det>/ and monochromator/Energy */
    qmap_angles angles;               /* instrument/positioners/{eta,phi,nu,delta}, degrees, raw */
    int n_frames;                     /* first dimension of measurement/<det> */
    double *x, *y;                    /* recorded fast/slow piezo positions (um), n_fast*n_slow
                                         entries, flat index row*n_fast+col; nominal grid when
                                         the file records none (positions_recorded = 0) */
    int positions_recorded;
    double *monitor;                  /* n_fast*n_slow values of the monitor counter, or NULL */
    double *shift_counter;            /* n_fast*n_slow values of the counter used to measure the
                                         drift (e.g. a fluorescence ROI), or NULL */
    double saturation;                /* instrument/<det>/saturation_value (counts): readings at
                                         or above it are saturated; NaN or 0 = unknown */
    /* series (issue 11) */
    char start_time[40], end_time[40]; /* ISO-8601 as stored ("" when the file has none) */
    double mu;                        /* instrument/positioners/mu (degrees, raw), 0 if absent */
    int mu_recorded;                  /* 1 when the file records mu */
    double mpxy, mpxz;                /* detector translations (mm), NaN when not recorded */
} qmap_scan_info;

/* Options of qmap_dataset_open. Zero-initialise, then set what you need. */
typedef struct {
    const char *detector;   /* NULL: auto-detect among mpx1x4, mpxgaas, eiger2M, merlin */
    const char *monitor;    /* NULL: none; else a counter name in measurement/ */
    const char *shift_counter; /* NULL: none; else a counter in measurement/ for the drift */
    /* series (issue 11) */
    const char *scans;      /* NULL: every SXDM scan, which must form one series; else a scan
                               list "2-9,11-14" (BLISS/SPEC scan numbers, XSOCS entry numbers):
                               exactly those scans, which must exist, be SXDM maps and form
                               one series */
    int listing;            /* 1 (qmap info): list whatever is readable: no SXDM scan, maps of
                               different shapes or several series are not errors, and a scan
                               whose metadata cannot be read becomes a note (see below) */
    int skip_bad_scans;     /* 0: a scan whose title or metadata cannot be read is an error
                               naming it; 1: it is skipped and listed (qmap_dataset_bad_scans) */
} qmap_open_options;

typedef struct qmap_dataset qmap_dataset;

/* Open a BLISS dataset file read-only and read the metadata of every SXDM map scan,
 * sorted by scan number. Missing calibration is an error naming the scan and dataset.
 * Errors: no SXDM scan in the file, file missing / not HDF5, unknown detector. */
int qmap_dataset_open(const char *path, const qmap_open_options *opt, qmap_dataset **out);
void qmap_dataset_close(qmap_dataset *ds);

const char *qmap_dataset_path(const qmap_dataset *ds);
int qmap_dataset_n_scans(const qmap_dataset *ds);
/* The scans skipped because their title or metadata could not be read (skip_bad_scans),
 * "NAME: why; NAME: why", or "" when none. Owned by ds. */
const char *qmap_dataset_bad_scans(const qmap_dataset *ds);
const qmap_scan_info *qmap_dataset_scan(const qmap_dataset *ds, int i);
/* Drop scan i from an open dataset (its arrays are freed, later scans move down by one),
 * e.g. a scan whose frames cannot be read. QMAP_OK, or QMAP_ERR_VALUE when i is out of
 * range or when it is the last scan left (a dataset holds at least one). */
int qmap_dataset_remove_scan(qmap_dataset *ds, int i);
/* Number of non-SXDM scans that were seen and skipped (alignment scans, .2 subscans). */
int qmap_dataset_n_skipped(const qmap_dataset *ds);

/* series (issue 11): the scans that are not read as SXDM maps (alignment scans, .2
 * subscans, and with `listing` the map scans whose metadata failed), in file order:
 * name ("20.1"), number, title (may be "") and why it was not read. */
int qmap_dataset_n_other(const qmap_dataset *ds);
int qmap_dataset_other(const qmap_dataset *ds, int i, const char **name, int *number,
                       const char **title, const char **why);

/* OR of instrument/<det>/pixel_mask over the scans into mask (n_rows*n_cols, 1 = masked).
 * Returns the number of masked pixels (0 when the file stores no mask), < 0 on error. */
long qmap_dataset_pixel_mask(const qmap_dataset *ds, uint8_t *mask);

/* Read a user mask file: HDF5 (first 2D dataset, or "file.h5:/path") or PNG image;
 * non-zero = masked. Shape must be rows x cols. ORs into mask; returns number masked. */
long qmap_read_mask_file(const char *path, int rows, int cols, uint8_t *mask);

#ifdef __cplusplus
}
#endif
#endif
