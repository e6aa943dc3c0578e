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
    int n_fast, n_slow;         /* map points (default 30 x 24) */
    int n_eta;                  /* eta scans (default 13) */
    double step_um;             /* raster step, micrometres (default 0.1) */
    double energy_ev;           /* default 9000 */
    double d_spacing;           /* reflection d (Angstrom); default 4.7333 (NMC622 003) */
    double strain_amplitude;    /* peak-to-peak lattice strain over the particle (default 2e-3) */
    double tilt_max_deg;        /* max tilt at the particle edge (default 0.05 deg) */
    double sigma_q[3];          /* true peak sigma along qx, qy, qz (1/A) */
    double drift_um[2];         /* linear drift per scan (x = fast, y = slow), micrometres */
    double peak_counts;         /* expected counts of the whole peak (all frames of the
                                   rocking curve, monitor factor 1) at the particle centre */
    int hot_pixels;             /* number of hot pixels (default 5) */
    unsigned long seed;
    int compression;            /* 0 = bitshuffle-LZ4 (default), 1 = gzip, 2 = none */
    /* Added: instrument and sample details (defaults in qmap_sim_defaults). */
    double distance_m;          /* sample-detector distance (default 0.60) */
    double pixel_m;             /* Maxipix pixel size (default 55e-6) */
    double beam_row, beam_col;  /* direct-beam pixel at zero angles (default 200.4, 320.7) */
    double eta_half_range_deg;  /* eta = theta + linspace(-h, h, n_eta) (default 0.36) */
    double background;          /* flat background, counts/pixel/frame (default 0.002) */
    double monitor_noise;       /* relative sigma of mon1 around 1e5 (default 0.05) */
    double jitter_um;           /* sigma of recorded piezo position noise (default 0.003) */
    double sigma_qz_growth;     /* relative growth of sigma_qz at the edge (default 0.3) */
    double particle_axes[2];    /* ellipse semi-axes as fractions of the map extent
                                   (x, y; default 0.25, 0.30) */
    /* Drift test cases (issue 12); the defaults keep the dataset above unchanged. */
    double fluo_frame_counts;   /* off-Bragg fluorescence: counts per frame spread evenly over
                                   the detector where the particle is thickest (scales with the
                                   thickness under the beam); default 0 = none */
    int fluo_counter;           /* measurement/fluo: 1 Poisson fluorescence (default), 0 absent,
                                   2 present but all zeros (a counter that was not connected) */
    int tilt_shape;             /* QMAP_SIM_TILT_DOME (default: tilt_max * rho towards the
                                   point's azimuth), _BENDING (rotation about y, linear in x:
                                   tilt_max at the particle's x edges, in the rocking plane),
                                   _MOSAIC (random tilt of sigma tilt_max per block of
                                   mosaic_block_um, both directions) */
    double mosaic_block_um;     /* mosaic block size (default 0.3 um) */
    int n_particles;            /* 1..4 particles (default 1); 2..4 are half-size, spread over
                                   the map */
    double particle_offset[2];  /* centre offset of particle 1 as fractions of the map extent
                                   (x, y; default 0, 0): 0.5 puts it on the border */
    int featureless;            /* 1: a film filling the whole map (no edge), default 0 */
    int eta_order;              /* 0: eta increases with the scan number (default); 1: even
                                   rocking-curve steps first, then odd ones (non-monotonic) */
    /* issue 11 */
    double origin_um[2];        /* nominal map start (pix, piy), micrometres (default 25, 40) */
    int ideal_frames;           /* 0 (default): frames in the LIMA Maxipix 2x2 layout (each wide
                                   chip-edge pixel 255/260 holds the counts of its 3 physical
                                   positions, 256-259 are zero); 1: one value per physical pixel */
    int n_series;               /* 1 (default) or 2: a second particle mapped at another origin
                                   (origin + 2 map widths in x) with another seed and d-spacing
                                   x (1 + 1e-3), after an alignment ascan; its scans follow the
                                   first series' and its truth is ground_truth_series2.h5 */
    double mu_deg;              /* sample circle mu (z-, outermost), recorded (default 0) */
    double detector_calib_deg[3]; /* detrot, tilt, tiltazimuth of the simulated detector
                                   (xrayutilities init_area meaning; default 0, 0, 0); not
                                   recorded in the file, as at the beamline */
} qmap_sim_params;

enum { QMAP_SIM_TILT_DOME = 0, QMAP_SIM_TILT_BENDING = 1, QMAP_SIM_TILT_MOSAIC = 2 };

void qmap_sim_defaults(qmap_sim_params *p);
/* The default drift (drift_um of qmap_sim_defaults) for p's map and scans: scaled down, both
 * components by one factor, so that by the last scan the particle has moved at most a
 * quarter of the map along each axis (QMAP_SIM_DRIFT_MAX_FRACTION). Unscaled, 0.04 um per
 * scan over 30 scans moved it 12 pixels of a 20 x 20 map, a drift qmap process rightly
 * refuses to measure. Call after setting n_fast, n_slow, n_eta and step_um. */
#define QMAP_SIM_DRIFT_MAX_FRACTION 0.25
void qmap_sim_fit_default_drift(qmap_sim_params *p);

/* The parameters of series k (0 or 1) of a simulation with n_series = 2 (issue 11). */
void qmap_sim_series_params(const qmap_sim_params *p, int k, qmap_sim_params *out);

/* Write the dataset into directory dir (created if needed): dir/sample_0001.h5,
 * dir/scanNNNN/mpx1x4_0000.h5 (NNNN = 2 .. n_eta+1) and dir/ground_truth.h5. Files are
 * written under temporary names and renamed when all are complete; on failure what was
 * written is removed and a negative qmap_status returned. The master file path is
 * written to master_path (size bytes) unless master_path is NULL.
 * The particle is centred in the map at the middle eta scan, so the linear drift moves
 * it symmetrically; ground_truth.h5 maps are on the grid of the first scan. */
int qmap_simulate(const qmap_sim_params *p, const char *dir, char *master_path, int size);

#ifdef __cplusplus
}
#endif
#endif
