/* drift_choose.h -- automatic drift measurement: choice of signal, estimate, confidence.
 * See drift_choose.c for the order of preference and drift_measure.h for the pieces. */
#ifndef QMAP_DRIFT_CHOOSE_H
#define QMAP_DRIFT_CHOOSE_H

#include <stdint.h>
#include "qmap/dataset.h"
#include "qmap/process.h"

typedef struct {
    const qmap_process_options *o;   /* input path, --shift-counter, log */
    const qmap_dataset *ds;          /* scan names, detector, monitor, counters */
    int n_scans, n_slow, n_fast, n_pos;
    double mon_mean;                 /* mean monitor (0 = no monitor normalisation) */
    const int *step;                 /* n_scans: position in the measured sequence (step[0] = 0) */
    const double *eta;               /* n_scans: eta (degrees) */
    const double *bragg_maps;        /* n_scans*n_pos: quick-look masked intensity (NaN = absent) */
    const double *offbragg_maps;     /* n_scans*n_pos off-Bragg detector maps (quick-look pass), or NULL */
    int offbragg_tiles_min;          /* fewest detector tiles (of QMAP_OFFBRAGG_TILES) a scan used */
    double offbragg_pixels;          /* unmasked detector pixels */
    int counters_only;               /* before any frame is read (bragg_maps, offbragg_maps NULL): stop
                                        with needs_frames = 1 where the choice would go past the counters */
    int skip_counters;               /* the counters were already tried (counters_only) and had no contrast */
} qmap_drift_inputs;

typedef struct {
    int determined;                  /* 0: no signal supports a drift (zero drift applied) */
    int low_confidence;              /* figures beyond their limits, or a possibly tilt-biased signal */
    double slope_r, slope_c;         /* map pixels per scan step */
    double *meas_r, *meas_c;         /* caller's n_scans arrays: measured shifts (pixels, NaN = none) */
    double contrast, resid_rms_px, halves_px;
    double halves_sigma_px;          /* what noise alone gives halves_px (1 sigma) */
    int halves_apart;                /* the halves differ beyond 0.5 px and 3 x that noise */
    double sigma_last_px;            /* 1-sigma uncertainty of the drift at the last scan (pixels) */
    char signal[160];
    int needs_frames;                /* counters_only: no counter has contrast, the frame signals are next */
} qmap_drift_outcome;

/* Measure the drift as drift_choose.c describes. Fails only on no memory, cancellation,
 * or a --shift-counter without contrast; an undetermined drift is not an error. */
int qmap_drift_measure(const qmap_drift_inputs *in, qmap_drift_outcome *out);

#endif
