/* test_pipeline.c -- end to end: simulated dataset with ground truth -> qmap_process.
 *
 * Checks the recovered maps against the simulation's ground truth (an independent
 * reference: the true field the frames were drawn from), and that bitshuffle-LZ4 and
 * gzip LIMA files give identical results.
 */
#include "qmap/error.h"
#include "qmap/process.h"
#include "qmap/simulate.h"
#include "qmap/truth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what, double value, double tol)
{
    fprintf(stderr, "%-48s %12.5g (tolerance %g) %s\n", what, value, tol, ok ? "ok" : "FAIL");
    failures += !ok;
}

static int run(const char *dir, int compression, qmap_results **out, char *results, size_t size)
{
    qmap_sim_params sp;
    qmap_sim_defaults(&sp);
    sp.compression = compression;
    char master[4096];
    if (qmap_simulate(&sp, dir, master, sizeof master) < 0) {
        fprintf(stderr, "simulate: %s\n", qmap_error_message());
        return -1;
    }
    qmap_process_options o;
    qmap_process_defaults(&o);
    o.input = master;
    o.hkl_set = 1;
    o.hkl[2] = 3;
    o.monitor = "mon1";
    if (qmap_process(&o, out) < 0) {
        fprintf(stderr, "process: %s\n", qmap_error_message());
        return -1;
    }
    snprintf(results, size, "%s/results.h5", dir);
    if (qmap_results_write(*out, results) < 0) {
        fprintf(stderr, "write: %s\n", qmap_error_message());
        return -1;
    }
    return 0;
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    char dir[4096], dir2[4096], results[4096], results2[4096], truth[4096];
    snprintf(dir, sizeof dir, "%s/pipeline-bslz4", tmp ? tmp : "/tmp");
    snprintf(dir2, sizeof dir2, "%s/pipeline-gzip", tmp ? tmp : "/tmp");
    qmap_results *r = NULL, *r2 = NULL;
    if (run(dir, 0, &r, results, sizeof results) < 0)
        return 1;
    snprintf(truth, sizeof truth, "%s/ground_truth.h5", dir);
    qmap_truth_report t;
    if (qmap_compare_truth(results, truth, &t) < 0) {
        fprintf(stderr, "compare: %s\n", qmap_error_message());
        return 1;
    }
    check(t.n_positions > 50, "positions compared", t.n_positions, 50);
    check(t.mask_iou > 0.7, "particle mask IoU", t.mask_iou, 0.7);
    for (int a = 0; a < 3; a++) {
        check(t.com_err_sigma[a] < 0.1, "COM error 95th pct (sigma)", t.com_err_sigma[a], 0.1);
        check(t.fit_rel_err[a] < 0.15, "Gaussian-fit sigma median rel. error", t.fit_rel_err[a], 0.15);
        check(t.std_rel_err[a] < 0.15, "second-moment std median rel. error", t.std_rel_err[a], 0.15);
    }
    check(t.d_rel_rms < 0.1 * t.strain_range_true, "d-spacing rms rel. error", t.d_rel_rms, 0.1 * t.strain_range_true);
    check(t.tilt_mag_rms_deg < 0.1 * t.tilt_max_true_deg, "tilt magnitude rms (deg)", t.tilt_mag_rms_deg,
          0.1 * t.tilt_max_true_deg);
    check(t.tilt_dir_err_deg < 10, "tilt direction median error (deg)", t.tilt_dir_err_deg, 10);
    /* default options: the drift is measured on the fluorescence counter found by name */
    check(t.shift_err_px <= 0.15, "drift error, worst scan (map pixels)", t.shift_err_px, 0.15);

    if (run(dir2, 1, &r2, results2, sizeof results2) < 0)
        return 1;
    size_t n = (size_t)r->n_fast * r->n_slow;
    int same = 1;
    for (int k = 0; k < QMAP_N_MAPS; k++)
        for (size_t p = 0; r->maps[k] && p < n; p++) {
            double a = r->maps[k][p], b = r2->maps[k][p];
            if (!(a == b || (isnan(a) && isnan(b))))
                same = 0;
        }
    check(same, "bitshuffle-LZ4 and gzip data give identical maps", same, 1);
    qmap_results_free(r);
    qmap_results_free(r2);
    return failures ? 1 : 0;
}
