/* truth.h -- compare a results file with the ground truth of `qmap simulate`.
 *
 * Used by `qmap demo` and the end-to-end tests. Statistics run over the positions that
 * are particle in both the true and the recovered mask and finite in the results.
 */
#ifndef QMAP_TRUTH_H
#define QMAP_TRUTH_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int n_positions;             /* positions compared */
    double mask_iou;             /* intersection over union of the particle masks */
    double com_err_sigma[3];     /* 95th percentile of |COM - true centre| / true sigma */
    double std_rel_err[3];       /* median |std - true sigma| / true sigma (second moment) */
    double fit_rel_err[3];       /* median |fit sigma - true sigma| / true sigma */
    double d_rel_rms;            /* rms of (d - true d)/true d */
    double strain_range_true;    /* max - min true strain over the compared positions */
    double tilt_mag_rms_deg;     /* rms of tilt magnitude - true */
    double tilt_max_true_deg;    /* maximum true tilt over the compared positions */
    double tilt_dir_err_deg;     /* median |direction - true| (wrapped) where true tilt > 40 % of max */
    double shift_err_px;         /* max over scans of |applied - true shift| in map pixels */
    double background_rel_err;   /* |sum of /maps/background / sum of the true one - 1| over the
                                    positions finite in both (every position, on the particle or
                                    not); NaN when either file has none */
    int background_positions;    /* positions in that sum */
} qmap_truth_report;

int qmap_compare_truth(const char *results_path, const char *truth_path, qmap_truth_report *rep);

#ifdef __cplusplus
}
#endif
#endif
