/* view_voi.c -- move the VOI in qmap view: the intensity and centre-of-mass maps of a box of
 * bins of the per-position q-space cube (/qspace/cube, qmap process --save-qspace).
 *
 * Why over the cube and not from the raw frames: the cube holds every position's VOI
 * intensity per bin, so any box inside the run's VOI is a sum over it, with no raw data and
 * no second implementation of the pipeline. Reading the cube is the cost (every position is
 * one compressed chunk: 0.1 to 0.3 ms, so 3.5 s for 200 x 200): the job is advanced in steps
 * of a bounded time by the page's requests (one HTTP thread, HDF5 not thread-safe: no
 * background thread), with its progress shown and a cancel. Memory: four doubles per
 * position and one row of the cube. The centre of mass is that of the binned cube (bin
 * centres), not the pipeline's exact per-pixel moments: the maps say so (kind "binned").
 * A box larger than the run's VOI, or a file without the cube, needs a new `qmap process
 * --voi`: the answer says so.
 */
#include "view_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct qmap_view_voi_job {
    int box[6];
    int rows_done, done;
    double *sum, *sq[3];    /* per position: intensity, sum I * q (then the COM) */
    float *row;             /* one row of the cube */
} voi_job;

static const char *const voi_names[4] = {"voi_intensity", "voi_qx", "voi_qy", "voi_qz"};

void qmap__view_voi_free(qmap_view *v)
{
    voi_job *j = v->voi;
    if (!j)
        return;
    free(j->sum);
    for (int a = 0; a < 3; a++)
        free(j->sq[a]);
    free(j->row);
    free(j);
    v->voi = NULL;
}

void qmap_view_voi_cancel(qmap_view *v)
{
    qmap__view_voi_free(v);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int progress_json(const qmap_view *v, qmap_view_text *out)
{
    const voi_job *j = v->voi;
    const qmap_results *r = v->r;
    qmap_jbuf b = {0};
    jb_printf(&b, "{\"running\":%s,\"done\":%s,\"rows_done\":%d,\"rows\":%d,\"box\":[%d,%d,%d,%d,%d,%d],\"voi\":[",
              j && !j->done ? "true" : "false", j && j->done ? "true" : "false", j ? j->rows_done : 0, r->n_slow,
              j ? j->box[0] : 0, j ? j->box[1] : 0, j ? j->box[2] : 0, j ? j->box[3] : 0, j ? j->box[4] : 0,
              j ? j->box[5] : 0);
    for (int a = 0; j && a < 3; a++) {   /* the box's edges in 1/Angstrom */
        double st = qmap_axis_step(&r->axes[a]);
        jb_num(&b, qmap_axis_center(&r->axes[a], j->box[2 * a]) - 0.5 * st);
        jb_raw(&b, ",");
        jb_num(&b, qmap_axis_center(&r->axes[a], j->box[2 * a + 1]) + 0.5 * st);
        jb_raw(&b, a < 2 ? "," : "");
    }
    jb_raw(&b, "],\"maps\":[");
    for (int k = 0; j && j->done && k < 4; k++)
        jb_printf(&b, "%s\"%s\"", k ? "," : "", voi_names[k]);
    jb_raw(&b, "]}");
    return jb_finish(&b, out);
}

int qmap_view_voi_start(qmap_view *v, const int box[6], qmap_view_text *out)
{
    const qmap_results *r = v->r;
    out->data = NULL;
    out->len = 0;
    if (!v->has_cube)
        return qmap_error(QMAP_ERR_VALUE, "moving the VOI needs the per-position q-space (/qspace/cube) that this "
                          "results file does not have: run qmap process with --save-qspace, or with --voi for the new VOI");
    for (int a = 0; a < 3; a++)
        if (box[2 * a] < 0 || box[2 * a + 1] >= v->nb[a] || box[2 * a] > box[2 * a + 1])
            return qmap_error(QMAP_ERR_VALUE, "VOI bins %d..%d along q%c are not inside the run's 0..%d "
                              "(a larger VOI needs qmap process --voi)", box[2 * a], box[2 * a + 1], "xyz"[a],
                              v->nb[a] - 1);
    qmap__view_voi_free(v);
    size_t n = (size_t)r->n_fast * r->n_slow, ncube = (size_t)v->nb[0] * v->nb[1] * v->nb[2];
    voi_job *j = calloc(1, sizeof *j);
    int ok = j != NULL;
    if (ok) {
        v->voi = j;
        memcpy(j->box, box, sizeof j->box);
        ok = (j->sum = calloc(n, sizeof(double))) && (j->row = malloc((size_t)r->n_fast * ncube * sizeof(float)));
        for (int a = 0; ok && a < 3; a++)
            ok = (j->sq[a] = calloc(n, sizeof(double))) != NULL;
    }
    if (!ok) {
        qmap__view_voi_free(v);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for the VOI maps");
    }
    return progress_json(v, out);
}

/* Sum the box of every position of row i. */
static int voi_row(qmap_view *v, int i)
{
    voi_job *j = v->voi;
    const qmap_results *r = v->r;
    int rc = qmap__view_read_cube_row(v, i, 0, r->n_fast - 1, j->row);
    if (rc < 0)
        return rc;
    size_t ncube = (size_t)v->nb[0] * v->nb[1] * v->nb[2];
    for (int c = 0; c < r->n_fast; c++) {
        const float *cube = j->row + (size_t)c * ncube;
        double s = 0, sq[3] = {0, 0, 0};
        for (int x = j->box[0]; x <= j->box[1]; x++) {
            double qx = qmap_axis_center(&r->axes[0], x);
            for (int y = j->box[2]; y <= j->box[3]; y++) {
                double qy = qmap_axis_center(&r->axes[1], y);
                const float *line = cube + ((size_t)x * v->nb[1] + y) * v->nb[2];
                for (int z = j->box[4]; z <= j->box[5]; z++) {
                    double w = line[z];
                    s += w;
                    sq[0] += w * qx;
                    sq[1] += w * qy;
                    sq[2] += w * qmap_axis_center(&r->axes[2], z);
                }
            }
        }
        size_t p = (size_t)i * r->n_fast + c;
        j->sum[p] = s;
        for (int a = 0; a < 3; a++)
            j->sq[a][p] = s > 0 ? sq[a] / s : NAN;
    }
    return QMAP_OK;
}

int qmap_view_voi_step(qmap_view *v, double budget_s, qmap_view_text *out)
{
    out->data = NULL;
    out->len = 0;
    voi_job *j = v->voi;
    double t0 = now_s();
    while (j && !j->done && now_s() - t0 < budget_s) {
        int rc = voi_row(v, j->rows_done);
        if (rc < 0) {
            qmap__view_voi_free(v);
            return rc;
        }
        j->done = ++j->rows_done == v->r->n_slow;
    }
    return progress_json(v, out);
}

int qmap__view_voi_map_json(const qmap_view *v, const char *name, qmap_view_text *out)
{
    const voi_job *j = v->voi;
    const qmap_results *r = v->r;
    int k = 0;
    while (k < 4 && strcmp(name, voi_names[k]) != 0)
        k++;
    if (k == 4 || !j || !j->done)
        return qmap_error(QMAP_ERR_VALUE, "no map named '%.40s' (move the VOI first)", name);
    size_t n = (size_t)r->n_fast * r->n_slow;
    const double *vals = k == 0 ? j->sum : j->sq[k - 1];
    double lo = 0, hi = 1;
    if (k == 0) {
        qmap_auto_limits(vals, NULL, n, 0.5, 0, &lo, &hi);
        if (lo > 0)
            lo = 0;
    } else {
        qmap_auto_limits(vals, r->mask, n, 1.0, 0, &lo, &hi);
    }
    qmap_jbuf b = {0};
    jb_printf(&b, "{\"name\":\"%s\",\"unit\":\"%s\",\"kind\":\"value\",\"binned\":true,\"masked\":%s,"
                  "\"cmap\":\"viridis\",\"lo\":", voi_names[k], k ? "1/angstrom" : "counts", k ? "true" : "false");
    jb_num(&b, lo);
    jb_key(&b, "hi", 0);
    jb_num(&b, hi);
    jb_key(&b, "values", 0);
    jb_nums(&b, vals, n);
    jb_raw(&b, "}");
    return jb_finish(&b, out);
}
