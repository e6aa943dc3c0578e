/* position_internal.h -- the raw data behind a results file, opened for recomputing single
 * positions (private to position_source.c and position.c; include/qmap/position.h). */
#ifndef QMAP_CORE_POSITION_INTERNAL_H
#define QMAP_CORE_POSITION_INTERNAL_H

#include "stage.h"
#include "gap_sparse.h"
#include "qmap/params.h"
#include "qmap/position.h"
#include "qmap/results.h"

struct qmap_position_source {
    qmap_results *run;             /* the results file read with QMAP_READ_RUN: the run's settings
                                      (owning the option strings of o), paths, scans, drift, VOI, bins */
    const char *input;             /* the raw input: run->input_path, else the input as given */
    qmap_process_options o;
    pipeline P;
    qmap_scan_plan *plans;
    int32_t **slot;                /* per scan: plan index of each pixel of rows [row0, row1) */
    qmap_frame_reader **rd;        /* per scan, opened on first use */
    int *nf;                       /* per scan: frames (capped to the map), -1 = not opened */
    qmap_sparse_worker *w;
    qmap_gap_worker *gw;
    double voi[6], qc[3];
    qmap_axis axes[3];
    double *hits[3];               /* hits per slab, as accumulate.c's hits_proj */
    double hits_total, hits_q1[3], hits_q2[3];   /* the VOI's hits and their summed q - qc,
                                                    (q - qc)^2, as accumulate.c's */
};


/* The raw data cannot be opened: the reader's message, prefixed (one line). */
int qmap__position_raw_error(int rc);

#endif
