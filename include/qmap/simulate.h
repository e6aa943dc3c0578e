/* simulate.h -- a synthetic ID01 5D-SXDM dataset with known ground truth.
 *
 * Writes exactly the BLISS layout qmap reads: DIR/<sample>_0001.h5 with scans N.1
 * (sxdm titles, positioners, calibration, monitor, piezo positions) whose
 * measurement/mpx1x4 is a virtual dataset into DIR/scanNNNN/mpx1x4_0000.h5 LIMA files
 * (int32, one frame per chunk, bitshuffle-LZ4 via the HDF5 filter plugin), and
 * DIR/ground_truth.h5 with the true maps (same shapes as the results file's maps).
 */
#ifndef QMAP_SIMULATE_H
#define QMAP_SIMULATE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int n_fast, n_slow;         /* map points (default 40 x 30) */
    int n_eta;                  /* eta scans (default 11) */
    double step_um;             /* raster step, micrometres (default 0.1) */
    double energy_ev;           /* default 9000 */
    double d_spacing;           /* reflection d (Angstrom); default 4.7333 (NMC622 003) */
    double strain_amplitude;    /* peak-to-peak lattice strain over the particle (default 2e-3) */
    double tilt_max_deg;        /* max tilt at the particle edge (default 0.05 deg) */
    double sigma_q[3];          /* true peak sigma along qx, qy, qz (1/A) */
    double drift_um[2];         /* linear drift per scan (x = fast, y = slow), micrometres */
    double peak_counts;         /* expected counts of the whole peak at one position */
    int hot_pixels;             /* number of hot pixels (default 5) */
    unsigned long seed;
    int compression;            /* 0 = bitshuffle-LZ4 (default), 1 = gzip, 2 = none */
} qmap_sim_params;

void qmap_sim_defaults(qmap_sim_params *p);

/* Write the dataset into directory dir (created if needed). The master file path is
 * written to master_path (size bytes). */
int qmap_simulate(const qmap_sim_params *p, const char *dir, char *master_path, int size);

#ifdef __cplusplus
}
#endif
#endif
