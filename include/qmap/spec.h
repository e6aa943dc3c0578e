/* spec.h -- read a SPEC data file (the text format of ESRF's SPEC-era scans).
 *
 * A SPEC file is a sequence of blocks of '#' header lines and data lines:
 *   #F file   #E epoch   #D date   #C comment   #O0.. motor names   #U.. user headers
 *   #S N command...       one scan: #P0.. motor positions (names from the #O lines),
 *   #N n  #L labels       column labels (separated by two spaces), then data lines.
 * File-header lines (#O, #U, #C before the first #S of a #F block) apply to every scan of
 * the block; a scan's own #U lines take precedence. README, "SPEC-era and XSOCS input".
 * The parser takes untrusted bytes of any length (it is fuzzed): everything is bounded.
 */
#ifndef QMAP_SPEC_H
#define QMAP_SPEC_H

#include <stddef.h>
#include "qmap/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One "#Ukey value" (key without '#': "UDETCALIB", "ULIMA_mpx4") or "#C text" line. */
typedef struct {
    char *key;
    char *value;
} qmap_spec_line;

/* One scan, as read. Arrays are owned by the qmap_spec_file. */
typedef struct {
    int number;                  /* N of "#S N ..." */
    int occurrence;              /* 1 for the first scan numbered N in the file, 2 ... */
    char *command;               /* rest of the #S line, trimmed: "_pscando pix 1 99 50 ..." */
    int n_motors;                /* names from the block's #O lines, positions from #P */
    char **motor_names;
    double *motor_positions;     /* NaN where #P has no (numeric) value */
    int n_columns;               /* #L labels */
    char **labels;
    long n_rows;                 /* data lines */
    double *data;                /* n_rows * n_columns, row-major; NaN for missing values */
    int n_user, n_header_user;   /* the scan's own #U lines, then the block's */
    qmap_spec_line *user, *header_user;
    int n_comments;              /* the scan's own #C lines */
    qmap_spec_line *comments;    /* key "C" */
} qmap_spec_scan;

typedef struct qmap_spec_file qmap_spec_file;

/* Parse len bytes (no NUL needed). `name` names the source in messages. Text that holds
 * no #S line is QMAP_ERR_FORMAT. */
int qmap_spec_parse(const char *buf, size_t len, const char *name, qmap_spec_file **out);
/* Read and parse a file (at most 2 GiB). */
int qmap_spec_open(const char *path, qmap_spec_file **out);
void qmap_spec_close(qmap_spec_file *f);

int qmap_spec_n_scans(const qmap_spec_file *f);
const qmap_spec_scan *qmap_spec_scan_at(const qmap_spec_file *f, int i);
/* The scan named "N" or "N.k" (k-th scan numbered N), or NULL. */
const qmap_spec_scan *qmap_spec_find_scan(const qmap_spec_file *f, const char *name);

/* Value of the first #U<key> line of the scan, else of its block header; NULL if none. */
const char *qmap_spec_user(const qmap_spec_scan *s, const char *key);
/* Position of motor `name` (#O/#P). QMAP_OK, or QMAP_ERR_FORMAT when absent / not numeric. */
int qmap_spec_motor(const qmap_spec_scan *s, const char *name, double *v);
/* Index of column `label` (#L), or -1. */
int qmap_spec_column(const qmap_spec_scan *s, const char *label);

/* In "a=1.5,b=8.990keV,c=x" find key and read its number (trailing unit text ignored).
 * QMAP_OK, or QMAP_ERR_FORMAT when the key is absent or its value is not a finite number. */
int qmap_spec_keyval(const char *text, const char *key, double *v);

/* Detector calibration of a scan from "#UDETCALIB cen_pix_x=..,cen_pix_y=..,pixperdeg=..,
 * det_distance_CC=.." and "#UMONO ..mononrj=..keV": center_col = cen_pix_x, center_row =
 * cen_pix_y, distance = det_distance_CC (m), pixel = distance * tan(1 deg) / pixperdeg (m,
 * both axes: pixperdeg is the number of pixels per degree of 2theta at that distance),
 * energy = 1000 * mononrj (eV). n_rows/n_cols untouched. `file` names the source. */
int qmap_spec_calibration(const qmap_spec_scan *s, const char *file, qmap_detector_geometry *g);

/* Angles eta, phi, nu, delta (degrees) from the #P positions of motors eta, phi, nu and
 * del (or delta). Missing eta or delta is an error; missing phi or nu reads as 0. */
int qmap_spec_angles(const qmap_spec_scan *s, const char *file, qmap_angles *a);

#ifdef __cplusplus
}
#endif
#endif
