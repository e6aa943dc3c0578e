/* cmd_demo.c -- `qmap demo`: simulate a dataset, process it, compare with the truth.
 *
 * Needs no input: shows in seconds what qmap does and how well it recovers a known
 * strain, tilt and width field. Exits non-zero when a recovered figure misses its
 * tolerance, so the demo doubles as a smoke test of an installation.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/process.h"
#include "qmap/report.h"
#include "qmap/simulate.h"
#include "qmap/truth.h"

#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap demo [-o DIR] [--quiet]\n\n"
"Simulates an NMC622 particle dataset in DIR (default ./qmap-demo), runs `qmap process` on\n"
"it (DIR/results.h5) and prints recovered versus true figures with their tolerances.\n\n"
"  -o, --output DIR   working folder (default qmap-demo)\n"
"  -q, --quiet        print only the comparison\n"
"  -h, --help         this help\n");
}

static int row(const char *what, double value, double tol, const char *unit)
{
    int ok = value <= tol;
    printf("  %-44s %10.4g %-8s (tolerance %g) %s\n", what, value, unit, tol, ok ? "ok" : "FAIL");
    return ok;
}

/* Print recovered-versus-true figures; returns 1 when all are within tolerance. */
static int print_report(const qmap_truth_report *tp)
{
    qmap_truth_report t = *tp;
    printf("== recovered versus true (%d particle positions, mask overlap %.2f)\n", t.n_positions, t.mask_iou);
    int ok = 1;
    static const char *ax[3] = {"qx", "qy", "qz"};
    char label[96];
    for (int a = 0; a < 3; a++) {
        snprintf(label, sizeof label, "peak centre %s error, 95th pct", ax[a]);
        ok &= row(label, t.com_err_sigma[a], 0.1, "sigma");
    }
    for (int a = 0; a < 3; a++) {
        snprintf(label, sizeof label, "width sigma_%s (Gaussian fit), median error", ax[a]);
        ok &= row(label, t.fit_rel_err[a], 0.15, "relative");
    }
    for (int a = 0; a < 3; a++) {
        snprintf(label, sizeof label, "width std_%s (second moment), median error", ax[a]);
        ok &= row(label, t.std_rel_err[a], 0.15, "relative");
    }
    ok &= row("d-spacing rms error", t.d_rel_rms, 0.1 * t.strain_range_true, "strain");
    printf("  %-44s %10.4g\n", "  (true strain range over the particle)", t.strain_range_true);
    ok &= row("tilt magnitude rms error", t.tilt_mag_rms_deg, 0.1 * t.tilt_max_true_deg, "degree");
    printf("  %-44s %10.4g\n", "  (true maximum tilt, degree)", t.tilt_max_true_deg);
    ok &= row("tilt direction median error (tilted part)", t.tilt_dir_err_deg, 10, "degree");
    ok &= row("drift correction, worst scan", t.shift_err_px, 0.5, "pixels");
    ok &= row("particle mask overlap (1 - IoU)", 1 - t.mask_iou, 0.3, "");
    if (isfinite(t.background_rel_err))   /* truth files of simulations before 2026-12-08 have none */
        ok &= row("background on the VOI's faces, sum error", t.background_rel_err, 0.1, "relative");
    return ok;
}

int cmd_demo(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, 0, 'o'},
                                             {"quiet", no_argument, 0, 'q'},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *dir = "qmap-demo";
    int c, quiet = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        if (c == 'o') dir = optarg;
        else if (c == 'q') quiet = 1;
        else if (c == 'h') { usage(stdout); return 0; }
        else return 2;
    }
    qmap_sim_params sp;
    qmap_sim_defaults(&sp);
    char master[4096], results[4096], truth[4096];
    printf("== simulating %d eta scans of a %d x %d map into %s\n", sp.n_eta, sp.n_fast, sp.n_slow, dir);
    if (qmap_simulate(&sp, dir, master, sizeof master) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    snprintf(results, sizeof results, "%s/results.h5", dir);
    snprintf(truth, sizeof truth, "%s/ground_truth.h5", dir);
    printf("== qmap process %s -o %s --hkl 0,0,3 --monitor mon1\n", master, results);
    qmap_process_options o;
    qmap_process_defaults(&o);
    o.input = master;
    o.hkl_set = 1;
    o.hkl[2] = 3;
    o.monitor = "mon1";
    o.log = log_to_stdout;
    o.progress = progress_bar;
    o.ctx = &quiet;
    qmap_results *r = NULL;
    if (qmap_process(&o, &r) < 0 || qmap_results_write(r, results) < 0) {
        progress_done();
        cli_error("%s\n", qmap_error_message());
        qmap_results_free(r);
        return 1;
    }
    progress_done();
    qmap_results_free(r);
    qmap_truth_report t;
    if (qmap_compare_truth(results, truth, &t) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    int ok = print_report(&t);
    char report_dir[4096];
    qmap_report_default_dir(results, report_dir, sizeof report_dir);
    if (qmap_report_write(results, report_dir, NULL) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    printf("== figures and report: %s/report.html\n", report_dir);
    printf("== %s: results in %s\n", ok ? "all recovered within tolerance" : "SOME FIGURES OUT OF TOLERANCE", results);
    return ok ? 0 : 1;
}

/* `qmap compare RESULTS.h5 TRUTH.h5`: the demo's comparison for any simulated dataset. */
int cmd_compare(int argc, char **argv)
{
    if (argc != 3 || argv[1][0] == '-') {
        fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                "usage: qmap compare RESULTS.h5 GROUND_TRUTH.h5\n\n"
                "Compares the maps of `qmap process` with the ground truth written by `qmap simulate`\n"
                "(centre errors in units of the true sigma, relative width errors, d-spacing error in\n"
                "strain units, tilt errors in degrees, drift error in map pixels, the background map's sum).\n");
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    qmap_truth_report t;
    if (qmap_compare_truth(argv[1], argv[2], &t) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    return print_report(&t) ? 0 : 1;
}
