/* test_position.c -- qmap_process_position (include/qmap/position.h): one position recomputed
 * from the raw frames equals the results file's maps at that position.
 *
 * A simulated dataset (hot pixels, monitor fluctuations, a linear drift of 0.4 and 0.25 map
 * pixels per scan) is processed as `qmap process` does it (the options given by name and
 * recorded in the results' settings), the results written, and every position of the map
 * recomputed from the raw data: intensity, centre of mass, std widths and the Gaussian fits
 * must equal the file's maps (relative 1e-9: the same sums in the same order), and the
 * per-scan rocking curve must add up to the intensity. Three runs: the automatic drift
 * applied by interpolation (default), by re-indexing (--shift-apply nearest) and a given
 * --shift with --saturation, --hot-fraction and --background faces. Then the errors: a position outside the map,
 * a results file without recorded settings, and the raw data gone.
 */
#include "qmap/error.h"
#include "qmap/params.h"
#include "qmap/position.h"
#include "qmap/process.h"
#include "qmap/simulate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void check(int ok, const char *fmt, ...)
{
    if (ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

static int same(double a, double b, double rel)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-300;
}

/* Process master with the options (name, value pairs), record them as the CLI does, write. */
static qmap_results *process(const char *master, const char *const *opts, int n_opts, const char *out)
{
    qmap_process_options o;
    qmap_process_defaults(&o);
    o.input = master;
    for (int i = 0; i < n_opts; i++)
        if (qmap_process_set_option(&o, opts[2 * i], opts[2 * i + 1]) < 0) {
            fprintf(stderr, "option %s: %s\n", opts[2 * i], qmap_error_message());
            return NULL;
        }
    qmap_results *r = NULL;
    if (qmap_process(&o, &r) < 0) {
        fprintf(stderr, "process: %s\n", qmap_error_message());
        return NULL;
    }
    qmap_params_set(&r->settings, "input", master);
    for (int i = 0; i < n_opts; i++)
        qmap_params_set(&r->settings, opts[2 * i], opts[2 * i + 1]);
    if (qmap_results_write(r, out) < 0) {
        fprintf(stderr, "write: %s\n", qmap_error_message());
        qmap_results_free(r);
        return NULL;
    }
    return r;
}

/* Every position recomputed against the maps of r. */
static void compare_all(const char *what, const char *results, const qmap_results *r)
{
    qmap_position_source *src = NULL;
    if (qmap_position_source_open(results, &src) < 0) {
        check(0, "%s: open: %s", what, qmap_error_message());
        return;
    }
    static const int com[3] = {QMAP_MAP_QX, QMAP_MAP_QY, QMAP_MAP_QZ};
    static const int std[3] = {QMAP_MAP_STD_QX, QMAP_MAP_STD_QY, QMAP_MAP_STD_QZ};
    double worst = 0;
    int n_measured = 0, n_fits = 0, n_background = 0;
    for (int row = 0; row < r->n_slow; row++)
        for (int col = 0; col < r->n_fast; col++) {
            size_t p = (size_t)row * r->n_fast + col;
            qmap_position_data d;
            if (qmap_process_position(src, row, col, &d) < 0) {
                check(0, "%s: position %d,%d: %s", what, row, col, qmap_error_message());
                continue;
            }
            const double rel = 1e-9;
            check(same(d.intensity, r->maps[QMAP_MAP_INTENSITY][p], rel), "%s (%d,%d) intensity %.17g vs %.17g",
                  what, row, col, d.intensity, r->maps[QMAP_MAP_INTENSITY][p]);
            double sum = 0, size = fabs(d.intensity);   /* with a background subtracted, the net sum can be
                                                           small beside its terms: the tolerance is theirs */
            for (int s = 0; s < d.n_scans; s++) {
                sum += isnan(d.rocking[s]) ? 0 : d.rocking[s];
                size += isnan(d.rocking[s]) ? 0 : fabs(d.rocking[s]);
            }
            if (d.measured) {
                n_measured++;
                check(fabs(sum - d.intensity) <= 1e-9 * size + 1e-12, "%s (%d,%d) rocking sum %.17g vs %.17g",
                      what, row, col, sum, d.intensity);
                n_background += d.background > 0;
            }
            for (int a = 0; a < 3; a++) {
                check(same(d.com[a], r->maps[com[a]][p], rel), "%s (%d,%d) COM %d: %.17g vs %.17g", what, row, col, a,
                      d.com[a], r->maps[com[a]][p]);
                check(same(d.std[a], r->maps[std[a]][p], 1e-7), "%s (%d,%d) std %d: %.17g vs %.17g", what, row, col, a,
                      d.std[a], r->maps[std[a]][p]);
                check(d.fit_status[a] == r->fit[a].status[p], "%s (%d,%d) fit status %d", what, row, col, a);
                if (d.fit_status[a] && r->fit[a].status[p]) {
                    n_fits++;
                    check(same(d.fit_center[a], r->fit[a].center[p], rel) && same(d.fit_sigma[a], r->fit[a].sigma[p], 1e-7) &&
                              same(d.fit_area[a], r->fit[a].area[p], 1e-7),
                          "%s (%d,%d) fit %d: %.17g %.17g %.17g vs %.17g %.17g %.17g", what, row, col, a, d.fit_center[a],
                          d.fit_sigma[a], d.fit_area[a], r->fit[a].center[p], r->fit[a].sigma[p], r->fit[a].area[p]);
                }
                if (isfinite(d.com[a]) && isfinite(r->maps[com[a]][p]))
                    worst = fmax(worst, fabs(d.com[a] - r->maps[com[a]][p]) / fabs(r->maps[com[a]][p]));
            }
            qmap_position_data_free(&d);
        }
    fprintf(stderr, "%-44s %d positions measured in every scan, %d fits; largest COM difference %.3g (relative)\n",
            what, n_measured, n_fits, worst);
    check(n_measured > r->n_fast * r->n_slow / 2, "%s: only %d positions measured", what, n_measured);
    check(n_fits > 100, "%s: only %d fits compared", what, n_fits);
    const char *bg = qmap_params_get(&r->settings, "background");
    if (bg && !strcmp(bg, "faces"))
        check(n_background > n_measured / 2, "%s: a background subtracted at %d of %d positions", what, n_background,
              n_measured);
    else
        check(n_background == 0, "%s: a background subtracted at %d positions without --background", what,
              n_background);
    qmap_position_source_close(src);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    char dir[2048], master[4096], res[4096];
    snprintf(dir, sizeof dir, "%s/position", tmp ? tmp : "/tmp");
    qmap_sim_params sp;
    qmap_sim_defaults(&sp);
    sp.n_fast = 18;
    sp.n_slow = 14;
    sp.n_eta = 9;
    sp.drift_um[0] = 0.04;    /* 0.4 map pixels per scan */
    sp.drift_um[1] = -0.025;
    if (qmap_simulate(&sp, dir, master, sizeof master) < 0) {
        fprintf(stderr, "simulate: %s\n", qmap_error_message());
        return 1;
    }

    const char *interp[] = {"hkl", "0,0,3", "monitor", "mon1"};
    snprintf(res, sizeof res, "%s/interpolate.h5", dir);
    qmap_results *r = process(master, interp, 2, res);
    check(r != NULL, "process (interpolated drift)");
    if (r)
        compare_all("automatic drift, interpolated", res, r);

    /* the errors: outside the map */
    qmap_position_source *src = NULL;
    if (r && qmap_position_source_open(res, &src) == 0) {
        qmap_position_data d;
        check(qmap_process_position(src, r->n_slow, 0, &d) == QMAP_ERR_VALUE, "a row outside the map accepted");
        check(qmap_process_position(src, 0, -1, &d) == QMAP_ERR_VALUE, "a column outside the map accepted");
        qmap_position_source_close(src);
    }
    qmap_results_free(r);

    const char *nearest[] = {"hkl", "0,0,3", "monitor", "mon1", "shift-apply", "nearest"};
    snprintf(res, sizeof res, "%s/nearest.h5", dir);
    r = process(master, nearest, 3, res);
    check(r != NULL, "process (re-indexed drift)");
    if (r)
        compare_all("automatic drift, re-indexed", res, r);
    qmap_results_free(r);

    /* a given drift, a saturation limit, another hot-pixel fraction and each position's
     * background subtracted (--background faces: the recomputed position must subtract the
     * same background, measured on its own VOI faces) */
    const char *given[] = {"shift", "0.03,-0.02", "saturation", "40", "hot-fraction", "0.8",
                           "background", "faces"};
    snprintf(res, sizeof res, "%s/given.h5", dir);
    r = process(master, given, 4, res);
    check(r != NULL, "process (given drift)");
    if (r)
        compare_all("given drift, saturation 40, background faces", res, r);
    qmap_results_free(r);

    /* a results file without the run's settings */
    snprintf(res, sizeof res, "%s/nosettings.h5", dir);
    qmap_process_options o;
    qmap_process_defaults(&o);
    o.input = master;
    if (qmap_process(&o, &r) == 0 && qmap_results_write(r, res) == 0) {
        int rc = qmap_position_source_open(res, &src);
        check(rc < 0 && strstr(qmap_error_message(), "settings"), "no settings: rc %d, '%s'", rc, qmap_error_message());
        if (rc == 0)
            qmap_position_source_close(src);
    }
    qmap_results_free(r);

    /* the raw data gone: one message naming the file */
    char moved[4200];
    snprintf(res, sizeof res, "%s/interpolate.h5", dir);
    snprintf(moved, sizeof moved, "%s.moved", master);
    if (rename(master, moved) == 0) {
        int rc = qmap_position_source_open(res, &src);
        check(rc < 0 && strstr(qmap_error_message(), "sample_0001.h5") && !strchr(qmap_error_message(), '\n'),
              "raw data missing: rc %d, '%s'", rc, qmap_error_message());
        fprintf(stderr, "raw data missing: %s\n", qmap_error_message());
        if (rc == 0)
            qmap_position_source_close(src);
        rename(moved, master);
    }
    fprintf(stderr, failures ? "test_position: %d failures\n" : "test_position: all checks passed\n", failures);
    return failures != 0;
}
