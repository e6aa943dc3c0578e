/* test_results_run.c -- the results reader's view of the run behind a results file
 * (include/qmap/results.h): the typed /parameters fields input_path, mask_path and scans,
 * QMAP_READ_RUN (settings, /qspace_overview/voi, /qspace bin axes, each required, without
 * the q-space grids) and qmap_params_read on a results file, which reads the settings with
 * the reader's own code. A synthetic results file is written with qmap_results_write and
 * every value read back is compared with the one written.
 */
#include "check.h"
#include "qmap/error.h"
#include "qmap/params.h"
#include "qmap/results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double VOI[6] = {-0.05, 0.05, 3.10, 3.30, -0.02, 0.04};

/* A 4 x 3 map of 2 scans with the run's parameters and settings; the q-space grids and the
 * overview (holding the VOI) only when `with_qspace`. */
static qmap_results *synthetic(int with_qspace)
{
    qmap_results *r = qmap_results_new(4, 3, 2, 0);
    if (!r)
        return NULL;
    for (int i = 0; i < 4; i++)
        r->x[i] = 0.5 * i;
    for (int j = 0; j < 3; j++)
        r->y[j] = 0.5 * j;
    for (int k = 0; k < QMAP_N_MAPS; k++)
        if (r->maps[k])
            for (int i = 0; i < 12; i++)
                r->maps[k][i] = k + 0.01 * i;
    for (int s = 0; s < 2; s++) {
        r->eta[s] = 10 + 0.1 * s;
        r->scan_intensity[s] = 100 + s;
        r->shift_x[s] = 0.25 * s;
        r->shift_y[s] = -0.125 * s;
    }
    qmap_results_param(r, "energy_ev", "%.6f", 9000.0);
    qmap_results_param(r, "input_path", "%s", "/data/sample/sample_0001.h5");
    qmap_results_param(r, "mask_path", "%s", "/data/sample/mask.png");
    qmap_results_param(r, "scans", "%s", "1.1,2.1");
    qmap_params_set(&r->settings, "input", "sample/sample_0001.h5");
    qmap_params_set(&r->settings, "mask", "mask.png");
    qmap_params_set(&r->settings, "shift", "none");
    if (with_qspace) {
        memcpy(r->voi, VOI, sizeof VOI);
        int n[3] = {5, 7, 3};
        for (int a = 0; a < 3; a++) {
            r->axes[a] = (qmap_axis){VOI[2 * a], VOI[2 * a + 1], n[a]};
            r->overview_axes[a] = (qmap_axis){VOI[2 * a] - 0.1, VOI[2 * a + 1] + 0.1, 4};
        }
        size_t nq = 5 * 7 * 3, no = 4 * 4 * 4;
        r->qspace_average = calloc(nq, sizeof(double));
        r->qspace_hits = calloc(nq, sizeof(double));
        r->overview_sum = calloc(no, sizeof(double));
        r->overview_hits = calloc(no, sizeof(double));
        if (!r->qspace_average || !r->qspace_hits || !r->overview_sum || !r->overview_hits) {
            qmap_results_free(r);
            return NULL;
        }
    }
    return r;
}

static void check_run(const char *path, const qmap_results *w)
{
    qmap_results *r = NULL;
    int rc = qmap_results_read(path, QMAP_READ_RUN, &r);
    CHECK(rc == QMAP_OK && r, "QMAP_READ_RUN: %s", qmap_error_message());
    if (!r)
        return;
    CHECK(r->input_path && strcmp(r->input_path, "/data/sample/sample_0001.h5") == 0, "input_path %s",
          r->input_path ? r->input_path : "(null)");
    CHECK(r->mask_path && strcmp(r->mask_path, "/data/sample/mask.png") == 0, "mask_path %s",
          r->mask_path ? r->mask_path : "(null)");
    CHECK(r->scans_used && strcmp(r->scans_used, "1.1,2.1") == 0, "scans %s", r->scans_used ? r->scans_used : "(null)");
    CHECK(fabs(r->energy_ev - 9000.0) < 1e-9, "energy %g", r->energy_ev);
    CHECK(r->settings.n == w->settings.n, "settings: %d read, %d written", r->settings.n, w->settings.n);
    for (int i = 0; i < w->settings.n; i++) {
        const char *v = qmap_params_get(&r->settings, w->settings.keys[i]);
        CHECK(v && strcmp(v, w->settings.values[i]) == 0, "setting %s = %s, wrote %s", w->settings.keys[i],
              v ? v : "(missing)", w->settings.values[i]);
    }
    for (int k = 0; k < 6; k++)
        CHECK(r->voi[k] == VOI[k], "voi[%d] = %.17g, wrote %.17g", k, r->voi[k], VOI[k]);
    for (int a = 0; a < 3; a++) {
        CHECK(r->axes[a].n == w->axes[a].n, "axis %d: %d bins, wrote %d", a, r->axes[a].n, w->axes[a].n);
        for (int k = 0; k < w->axes[a].n && r->axes[a].n == w->axes[a].n; k++)
            CHECK(fabs(qmap_axis_center(&r->axes[a], k) - qmap_axis_center(&w->axes[a], k)) <=
                      1e-12 * fabs(qmap_axis_step(&w->axes[a])),
                  "axis %d bin %d: %.17g, wrote %.17g", a, k, qmap_axis_center(&r->axes[a], k),
                  qmap_axis_center(&w->axes[a], k));
    }
    CHECK(!r->qspace_average && !r->overview_sum, "QMAP_READ_RUN read the q-space grids");
    for (int s = 0; s < 2; s++)
        CHECK(r->shift_x[s] == w->shift_x[s] && r->shift_y[s] == w->shift_y[s], "shift of scan %d", s);
    CHECK(strcmp(qmap_results_param_get(r, "scans"), "1.1,2.1") == 0, "qmap_results_param_get(scans)");
    CHECK(qmap_results_param_get(r, "no_such_parameter") == NULL, "qmap_results_param_get of a missing key");
    qmap_results_free(r);

    /* without QMAP_READ_RUN: the typed fields too, no settings, no axes */
    rc = qmap_results_read(path, 0, &r);
    CHECK(rc == QMAP_OK && r, "plain read: %s", qmap_error_message());
    if (r) {
        CHECK(r->input_path && r->mask_path && r->scans_used, "typed /parameters fields read without parts");
        CHECK(r->settings.n == 0 && r->axes[0].n == 0, "settings or axes read without being asked for");
        qmap_results_free(r);
    }

    /* qmap_params_read on a results file: the same settings */
    qmap_params p = {0};
    rc = qmap_params_read(path, &p);
    CHECK(rc == QMAP_OK && p.n == w->settings.n, "qmap_params_read: rc %d, %d settings: %s", rc, p.n,
          rc < 0 ? qmap_error_message() : "");
    for (int i = 0; rc == QMAP_OK && i < p.n && i < w->settings.n; i++)
        CHECK(strcmp(p.keys[i], w->settings.keys[i]) == 0 && strcmp(p.values[i], w->settings.values[i]) == 0,
              "qmap_params_read setting %d: %s = %s", i, p.keys[i], p.values[i]);
    qmap_params_clear(&p);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp)
        tmp = "/tmp";
    char path[4096], bare[4096];
    snprintf(path, sizeof path, "%s/results_run.h5", tmp);
    snprintf(bare, sizeof bare, "%s/results_run_no_qspace.h5", tmp);

    qmap_results *w = synthetic(1);
    CHECK(w != NULL, "synthetic results");
    if (!w)
        return 1;
    CHECK(qmap_results_write(w, path) == QMAP_OK, "write %s: %s", path, qmap_error_message());
    check_run(path, w);
    qmap_results_free(w);

    /* a file without the q-space: readable, but QMAP_READ_RUN names the missing VOI */
    w = synthetic(0);
    CHECK(w && qmap_results_write(w, bare) == QMAP_OK, "write %s: %s", bare, qmap_error_message());
    qmap_results_free(w);
    qmap_results *r = NULL;
    CHECK(qmap_results_read(bare, 0, &r) == QMAP_OK, "plain read of %s: %s", bare, qmap_error_message());
    qmap_results_free(r);
    r = NULL;
    int rc = qmap_results_read(bare, QMAP_READ_RUN, &r);
    CHECK(rc == QMAP_ERR_FORMAT && !r && strstr(qmap_error_message(), "/qspace_overview/voi") &&
              strstr(qmap_error_message(), bare),
          "QMAP_READ_RUN without a VOI: rc %d, message: %s", rc, qmap_error_message());
    qmap_results_free(r);

    remove(path);
    remove(bare);
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}
