/* drift_measure.h -- private interface of the drift (linear shift between eta scans) measurement.
 *
 * The drift must be measured on a signal that does not move with eta: the Bragg map of a
 * particle with a lattice-tilt field changes with eta (the diffracting region sweeps the
 * particle), which a registration takes for drift. In order of preference (issue 12):
 *   1. a Bragg-independent counter in measurement/ (fluorescence ROI, MCA/XIA counter),
 *      found by its name (drift_counter.c) and accepted only with real contrast;
 *   2. the off-Bragg signal of the detector itself: the sample's fluorescence lands all
 *      over a photon-counting detector; summed outside the Bragg peak's footprint it is a
 *      thickness map that does not move with eta (gathered per detector tile in the
 *      quick-look pass, drift_signal.c);
 *   3. the Bragg maps, only when the particle's support (total over the rocking curve)
 *      has edges inside the map; flagged as possibly tilt-biased.
 * The chosen maps go to the estimator (drift_fit.c): registration of every scan against
 * a drift-corrected template, a least-squares line in the scan sequence, and its
 * confidence figures. All functions take plain arrays; maps are n_slow x n_fast
 * row-major, one per scan, NaN = not measured.
 */
#ifndef QMAP_CORE_DRIFT_MEASURE_H
#define QMAP_CORE_DRIFT_MEASURE_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- signal contrast */

/* Contrast of a stack of maps: on the mean map over the scans, the feature's height over
 * the noise sigma (from the median absolute first difference between neighbours along the
 * fast axis). The height is the larger of the 5th-95th percentile range and the mean of the
 * 4 brightest positions above the median: a small particle in a large map (under 5 % of
 * it) is not in the 95th percentile (seventh round of issue 18: a 14-position particle of a
 * 40 x 40 map had contrast 3.5 on its fluorescence instead of ~600, and its drift was left
 * undetermined). Pure noise gives about 3.3-3.9, a constant or all-zero map 0. */
double qmap_drift_contrast(const double *maps, int n_scans, int n_slow, int n_fast);

/* Contrast below which a signal is not used for the drift. */
#define QMAP_DRIFT_MIN_CONTRAST 5.0

/* Fraction of the positions (0..1) where the per-position total over all scans exceeds
 * 20 % of its maximum: near 1 when the object fills the map (no edge to register). */
double qmap_drift_fill_fraction(const double *maps, int n_scans, int n_slow, int n_fast);

/* ---------------------------------------------------------------- off-Bragg tiles */

#define QMAP_OFFBRAGG_GRID 8     /* the detector is cut into GRID x GRID tiles */
#define QMAP_OFFBRAGG_TILES (QMAP_OFFBRAGG_GRID * QMAP_OFFBRAGG_GRID)

/* Tile of every detector pixel (-1 for masked pixels) and the unmasked pixel count of
 * every tile (QMAP_OFFBRAGG_TILES). */
void qmap_offbragg_tile_map(int rows, int cols, const uint8_t *mask, int16_t *tile_of,
                            double *pixels_per_tile);

/* Choose the tiles free of Bragg signal from their summed counts (all scans and frames):
 * a tile whose count rate per pixel exceeds 3x the median tile rate holds Bragg (or
 * diffuse) signal; it and its 8 neighbours are excluded. use[t] = 1 for off-Bragg tiles;
 * returns their number. */
int qmap_offbragg_select(const double *tile_counts, const double *pixels_per_tile, uint8_t *use);

/* One scan's off-Bragg map, from the per-tile sums of its frames (tiles[p*TILES + t],
 * n_pos frames): the tiles free of Bragg signal in this scan (qmap_offbragg_select on the
 * scan's tile totals) are summed per position into map[p]; NaN where bragg_map is NaN
 * (frame absent). Returns the number of tiles used. Scans may use different tiles: the
 * registration compares maps by correlation coefficient, blind to a scan's gain and level. */
int qmap_offbragg_scan_map(const float *tiles, int n_pos, const double *pixels_per_tile,
                           const double *bragg_map, double *map);

/* ---------------------------------------------------------------- counters */

/* 1 when a measurement/ counter name looks like a Bragg-independent counter (fluorescence
 * ROI, MCA/XIA/Falcon counter) of ID01, 0 otherwise (detector ROIs of `detector`, monitors,
 * positions, timers). */
int qmap_drift_counter_name_ok(const char *name, const char *detector);

/* Candidate counters of scan `scan` of `file`: names written into names[0..max-1]
 * (each < 128 chars). Returns the number found (>= 0) or a negative qmap_status. */
int qmap_drift_counter_candidates(const char *file, const char *scan, const char *detector,
                                  char names[][128], int max);

/* Values of measurement/<name> of `scan` in `file` into v[0..n-1] (NaN-padded). */
int qmap_drift_counter_read(const char *file, const char *scan, const char *name, double *v, int n);

/* ---------------------------------------------------------------- estimator */

typedef struct {
    double slope_r, slope_c;   /* drift per scan step, map pixels (rows = slow, cols = fast) */
    double resid_rms_px;       /* rms of measured shifts about the fitted line (pixels) */
    double sigma_last_px;      /* 1-sigma uncertainty of the line at the last scan from that rms
                                  (rms / sqrt(sum (k - mean k)^2) x last step), pixels */
    double halves_px;          /* |first-half slope - second-half slope| of the rocking curve
                                  (eta below / above its median) x the last step (pixels);
                                  NaN with fewer than 4 scans */
    double halves_sigma_px;    /* what noise alone gives halves_px: 1 sigma from resid_rms_px and the
                                  halves' own spread of steps (NaN with fewer than 4 scans) */
    int n_registered;          /* scans registered */
    int tilt_separated;        /* Bragg maps: 1 = apparent motion from tilt fitted apart from the
                                  drift (eta not monotonic in the sequence), 0 = not separable,
                                  -1 = not applicable (template registration) */
    double tilt_motion_px_per_deg;  /* Bragg maps: fitted apparent motion, map pixels per degree */
} qmap_drift_fit_result;

/* Linear drift from per-scan maps. step[s] = position of scan s in the measured sequence
 * (step[0] = 0), eta[s] its eta. Every scan is registered against a template (first the
 * scan with the most signal, then the mean of all scans moved back by the fitted line,
 * twice), and a least-squares line shift = a + b*step fitted. meas_r/meas_c (n_scans)
 * receive the measured shifts relative to the line's value at step 0 (NaN when a scan
 * could not be registered). Returns QMAP_OK, or a negative status when fewer than two
 * scans could be registered (the message says why). */
int qmap_drift_fit(const double *maps, int n_scans, int n_slow, int n_fast, const int *step,
                   const double *eta, double *meas_r, double *meas_c, qmap_drift_fit_result *out);

/* qmap_drift_fit with a choice of registration: consecutive = 0 registers every scan
 * against the template (signals that do not change with eta), 1 registers scans that are
 * neighbours in eta (Bragg maps, which change with eta) and fits the drift together with
 * an apparent motion proportional to eta, which a bending of the lattice gives. */
int qmap_drift_fit_mode(const double *maps, int n_scans, int n_slow, int n_fast, const int *step,
                        const double *eta, int consecutive, double *meas_r, double *meas_c,
                        qmap_drift_fit_result *out);

/* Map moved by (dr, dc) pixels (a feature at p goes to p + d) with bilinear
 * interpolation; positions taking data from outside the map get `fill`. */
void qmap_drift_shift_map(const double *in, int n_slow, int n_fast, double dr, double dc,
                          double fill, double *out);

/* ---------------------------------------------------------------- sub-pixel application */

/* One kind of per-position sum: len values per position, raw (one scan at its measured
 * positions) and ref (the drift-corrected accumulator it is added to). */
typedef struct {
    const double *raw;
    double *ref;
    int len;
} qmap_drift_channel;

/* Add one scan's raw per-position sums into the reference accumulators, interpolated
 * bilinearly at raw position = reference position + (dr, dc) pixels (drift_apply.c).
 * raw_measured[q] != 0 where the scan measured raw position q; ref_contrib[p] is
 * incremented where the scan measured reference position p. */
void qmap_drift_apply_bilinear(int n_slow, int n_fast, double dr, double dc, const int *raw_measured,
                               const qmap_drift_channel *ch, int n_ch, int *ref_contrib);

#endif
