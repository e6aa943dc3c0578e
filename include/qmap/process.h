/* process.h -- the qmap pipeline: raw ID01 5D-SXDM dataset -> per-position peak maps.
 *
 * Steps (README "What the pipeline does", docs/conventions.md): detector mask (file
 * pixel_mask, user mask, hot pixels found automatically), per-scan pixel -> Q plan, quick-look pass giving the
 * per-scan intensity maps and the map-averaged reciprocal space, linear drift
 * correction by phase correlation (re-indexing of positions, no resampling), automatic
 * VOI and bins, then one streaming pass over the frames accumulating, per map position,
 * the VOI intensity, exact Q moments and hit-normalised projections along qx, qy, qz.
 * Every automatic choice is reported through the log callback and stored in results.
 */
#ifndef QMAP_PROCESS_H
#define QMAP_PROCESS_H

#include <stdint.h>
#include "qmap/results.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { QMAP_SHIFT_AUTO = 0, QMAP_SHIFT_NONE, QMAP_SHIFT_MANUAL } qmap_shift_mode;
typedef enum {
    QMAP_DRIFT_SIGNAL_AUTO = 0, QMAP_DRIFT_SIGNAL_COUNTER, QMAP_DRIFT_SIGNAL_OFFBRAGG, QMAP_DRIFT_SIGNAL_BRAGG
} qmap_drift_signal;

/* Called with one line (no newline) for every choice the pipeline makes. */
typedef void (*qmap_log_fn)(void *ctx, const char *line);
/* Called with the fraction done (0..1) of the current stage and its name. */
typedef void (*qmap_progress_fn)(void *ctx, const char *stage, double fraction);

typedef struct {
    const char *input;            /* BLISS dataset file */
    const char *detector;         /* NULL = auto */
    const char *monitor;          /* NULL = no monitor normalisation */
    const char *mask_file;        /* NULL = none */
    /* Calibration overrides: NaN = take from the file. */
    double energy_ev, distance_m, pixel_m, center_row, center_col;
    /* Angle offsets, subtracted from the recorded angles (degrees). */
    double offset_eta, offset_phi, offset_nu, offset_delta;
    int hot_pixels;               /* 1 = detect hot pixels automatically (default) */
    double hot_fraction;          /* pixel non-zero in at least this fraction of sampled frames */
    qmap_shift_mode shift_mode;
    double shift_dx_um, shift_dy_um;   /* QMAP_SHIFT_MANUAL: drift per scan, micrometres */
    const char *shift_counter;    /* QMAP_SHIFT_AUTO: register maps of this measurement/ counter
                                     (e.g. fluorescence) instead of the detector intensity */
    int voi_set;                  /* 1 = use voi[] (qx0,qx1,qy0,qy1,qz0,qz1), else automatic */
    double voi[6];
    int bins_set;                 /* 1 = use bins[] */
    int bins[3];
    double dref;                  /* reference d (Angstrom) for strain; NaN = mean over particle */
    int hkl_set;                  /* 1 = hkl[] given (c = l*d for 0,0,l) */
    int hkl[3];
    double mask_threshold;        /* particle mask intensity threshold; NaN = Otsu */
    int threads;                  /* 0 = OpenMP default */
    int save_qspace;              /* 1 = also keep the per-position VOI cube (written as
                                     /qspace/cube); held in memory, refused above 4 GiB */
    const char *checkpoint;       /* NULL = none; else after every scan of the accumulation pass
                                     the sums are saved there (atomically), for a later resume.
                                     Not with save_qspace nor under MPI. The caller removes it
                                     once the results are written. */
    int resume;                   /* 1 = continue from the checkpoint file (refused when it was
                                     made with other input, options or thread count) */
    int skip_bad_scans;           /* 1 = drop (and log) scans whose frames cannot be opened, e.g.
                                     a missing LIMA file; listed in parameter skipped_scans */
    double saturation;            /* counts: readings >= this are saturated and ignored; NaN =
                                     instrument/<det>/saturation_value of each scan when present */
    /* issue 11: series, chip gaps, detector calibration */
    const char *scans;            /* scan list "2-9,11-14" (NULL: every SXDM scan, which must
                                     form one series); see include/qmap/series.h */
    int no_gap_correction;        /* 1 = leave the frames of a detector with chip gaps as stored */
    const char *gap_layout;       /* NULL = the detector's known layout (mpx1x4 516 x 516); else
                                     "rows:255,260;cols:255,260" = wide edge pixels (see
                                     include/qmap/gaps.h) or "none" */
    double detrot, tilt, tiltazimuth; /* detector calibration angles, degrees (xrayutilities
                                     init_area meaning; 0 = ideal detector) */
    double offset_mu;             /* degrees, subtracted from the recorded mu */
    qmap_log_fn log;
    qmap_progress_fn progress;
    void *ctx;
    qmap_drift_signal shift_signal; /* QMAP_SHIFT_AUTO: signal the drift is measured on; default
                                       QMAP_DRIFT_SIGNAL_AUTO = the first with contrast of a
                                       fluorescence counter, the off-Bragg detector signal, the
                                       Bragg maps (README, drift) */
    int shift_subpixel;           /* 1 = apply the drift by bilinear interpolation of each scan's
                                     per-position sums at the drift-corrected position; 0 =
                                     re-index by the nearest map pixel. Not with save_qspace
                                     (nearest is used). Default 1 (better maps on the simulated
                                     cases: README, drift) */
    int quicklook_full;           /* 1 = the quick-look pass reads every frame even when the drift
                                     needs no frame signal (given, none, or measured on a counter);
                                     0 (default) = then it reads a sample of each scan's frames
                                     (one in about n_pos/100, spread over the map) to place the VOI */
    int background_faces;         /* 1 = subtract at each position the flat background per hit
                                     measured on the VOI's six faces (the first and last slab
                                     along each axis, their median) before the moments and fits
                                     (--background faces); 0 (default, --background none) = the
                                     moments of everything in the VOI, sxdm's definition */
    double checkpoint_interval_s; /* with checkpoint: save after a scan (the last one included)
                                     only when this many seconds passed since the last save or
                                     the start of the pass; 0 (default) = after every scan. The
                                     CLI uses 30 s */
    int timings;                  /* 1 = log the wall-clock and CPU seconds of every stage
                                     ("time:" lines; CLI -v/--verbose). Default 0 */
} qmap_process_options;

/* Fill defaults: everything automatic, NaN overrides, hot pixels on (fraction 0.9).
 * Negative, non-finite and saturated pixel readings never enter the sums (masked for that
 * frame, counted and logged). */
void qmap_process_defaults(qmap_process_options *o);

/* Set one option from its CLI long-option name (without "--") and text value, e.g.
 * ("energy", "9000"), ("voi", "3.5:3.7,-2.8:-2.6,5.9:6.2"), ("shift", "0.04,-0.02"),
 * ("hot-pixels", "off"). String values are kept by pointer: they must outlive the call
 * of qmap_process. Unknown names and malformed values: QMAP_ERR_VALUE with a message. */
int qmap_process_set_option(qmap_process_options *o, const char *key, const char *value);

/* Run the pipeline. On success *out owns the results (qmap_results_free). Polls the cancel
 * flag (qmap_set_cancel_flag) between frame batches and stages: QMAP_ERR_CANCELLED. */
int qmap_process(const qmap_process_options *o, qmap_results **out);

#ifdef __cplusplus
}
#endif
#endif
