/* series.h -- scan lists (--scans) and the grouping of SXDM map scans into series.
 *
 * A beamline file of one sample often holds several 5D series (a rocking curve of XY maps
 * each): one particle, alignment scans, another particle elsewhere, a repeat. A series is
 * a run of consecutive map scans (in scan-number order; non-map scans in between do not
 * break it) with the same fast/slow motors, map shape, detector shape and nominal map
 * ranges (within a quarter of a map step), whose angles stay fixed except one (the rocking
 * angle: eta, phi, nu, delta, mu, or the energy) that takes a new value at every scan, in
 * any order (monotonic, interleaved, random: non-monotonic acquisition lets the drift be
 * told from a tilt); a value already measured in the series starts a new one (a repeat).
 * Scan lists are "2-14" or "2-9,11-14": scan numbers N of "N.1" (BLISS), #S numbers (SPEC),
 * entry numbers (XSOCS masters).
 */
#ifndef QMAP_SERIES_H
#define QMAP_SERIES_H

#include <stddef.h>
#include "qmap/dataset.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A parsed scan list: distinct scan numbers in the order given. */
typedef struct {
    int *numbers;
    int n;
} qmap_scan_list;

/* Parse "2-9,11-14" (non-negative integers, ranges low-high). Empty text, an empty item,
 * a reversed range, a repeated or overlapping number: QMAP_ERR_VALUE naming it. */
int qmap_scan_list_parse(const char *text, qmap_scan_list *out);
void qmap_scan_list_free(qmap_scan_list *l);
int qmap_scan_list_has(const qmap_scan_list *l, int number);
/* Sorted numbers as the shortest list text ("2-9,11-14") into out. */
void qmap_scan_list_format(const int *numbers, int n, char *out, size_t size);

/* One series: scans [first, first + count) of the dataset. */
typedef struct {
    int first, count;
    char rocking[16];          /* "eta", "phi", "nu", "delta", "mu", "energy"; "" when one scan
                                  or all scans at the same angles */
    double rock_first, rock_last, rock_step;  /* degrees (eV for energy); in non-monotonic
                                  order: lowest, highest value and the smallest spacing */
    int monotonic;             /* 1 when the rocking angle moves one way scan after scan */
    double fast_lo, fast_hi, slow_lo, slow_hi; /* nominal map region (um) of the first scan */
    char start_time[40], end_time[40];        /* first scan's start, last scan's end */
    char scans[200];           /* the scan list selecting it, e.g. "2-14" */
    char why_new[160];         /* why it does not continue the previous series ("" for the
                                  first one) */
} qmap_series;

/* Group the scans of ds into series. *out is malloc'ed (free it); *n >= 1 when ds has
 * scans. QMAP_OK or QMAP_ERR_NOMEM. */
int qmap_series_find(const qmap_dataset *ds, qmap_series **out, int *n);

/* Rocking angle values of scan s: eta, phi, nu, delta, mu (degrees), energy (eV). */
#define QMAP_SERIES_N_AXES 6
void qmap_series_axis_values(const qmap_scan_info *s, double v[QMAP_SERIES_N_AXES]);

/* One line describing series k of ds: "--scans 2-14: 13 scans, eta 10.1..11.3 step 0.1 deg,
 * map pix 25..28 um x piy 40..42 um". */
void qmap_series_describe(const qmap_dataset *ds, const qmap_series *s, char *out, size_t size);

/* Position of each scan of series se in the acquisition sequence: 0, 1, 2, ... in scan-number
 * order, with a gap where a map scan is missing (e.g. --scans 2-9,11-14; non-map scans in
 * between do not count), so that a drift linear in time stays linear (seq: se->count
 * entries). */
void qmap_series_sequence(const qmap_dataset *ds, const qmap_series *se, int *seq);

/* How the scans of ds are shared over n_ranks MPI ranks (the split of
 * qmap_mpi_scan_range): "rank 0: scans 2.1..4.1 (3); rank 1: ...". */
void qmap_series_rank_split(const qmap_dataset *ds, int n_ranks, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
