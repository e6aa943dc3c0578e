/* view_region_job.c -- the summed q-space of a region of any size for qmap view.
 *
 * Every position of the region is one compressed chunk of /qspace/cube to read (about
 * 0.1 to 0.3 ms), so a region of the whole 200 x 200 map takes some 6 s: too long for one request
 * on the server's single thread. The sum is therefore a job advanced row by row for a
 * bounded time per request (the page asks again until done, showing the progress; a new
 * region cancels it). Small regions run the same job to the end within their request.
 * Memory: the region's mask, one row of the cube and the three projections.
 */
#include "view_internal.h"
#include "qmap/error.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct qmap_view_region_job {
    int r0, r1, c0, c1, row;   /* bounding box; next row to read */
    size_t n_pos;
    uint8_t *keep;             /* n_fast x n_slow: 1 = in the region */
    float *buf;                /* one row of the box */
    double *proj[3], total;
    int done;
} region_job;

void qmap_view_region_cancel(qmap_view *v)
{
    region_job *j = v->rjob;
    if (!j)
        return;
    free(j->keep);
    free(j->buf);
    free(j->proj[0]);
    free(j);
    v->rjob = NULL;
}

void qmap_view_set_region_direct(qmap_view *v, int max_positions)
{
    v->region_direct_max = max_positions < 0 ? 0 : max_positions;
}

int qmap__view_region_job_start(qmap_view *v, int r0, int r1, int c0, int c1, const uint8_t *keep, size_t n_pos)
{
    qmap_view_region_cancel(v);
    const qmap_results *r = v->r;
    size_t n = (size_t)r->n_fast * r->n_slow, ncube = (size_t)v->nb[0] * v->nb[1] * v->nb[2];
    region_job *j = calloc(1, sizeof *j);
    if (j) {
        v->rjob = j;
        j->r0 = r0, j->r1 = r1, j->c0 = c0, j->c1 = c1, j->row = r0, j->n_pos = n_pos;
        j->keep = malloc(n ? n : 1);
        j->buf = malloc((size_t)(c1 - c0 + 1) * ncube * sizeof(float));
        j->proj[0] = calloc((size_t)v->nb[0] + v->nb[1] + v->nb[2], sizeof(double));
    }
    if (!j || !j->keep || !j->buf || !j->proj[0]) {
        qmap_view_region_cancel(v);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for a row of the q-space cube");
    }
    memcpy(j->keep, keep, n);
    j->proj[1] = j->proj[0] + v->nb[0];
    j->proj[2] = j->proj[1] + v->nb[1];
    return QMAP_OK;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int qmap__view_region_job_run(qmap_view *v, double budget_s)
{
    region_job *j = v->rjob;
    const qmap_results *r = v->r;
    size_t ncube = (size_t)v->nb[0] * v->nb[1] * v->nb[2];
    double t0 = now_s();
    while (j && !j->done && (budget_s < 0 || now_s() - t0 < budget_s)) {
        int rc = qmap__view_read_cube_row(v, j->row, j->c0, j->c1, j->buf);
        if (rc < 0) {
            qmap_view_region_cancel(v);
            return rc;
        }
        for (int c = j->c0; c <= j->c1; c++) {
            if (!j->keep[(size_t)j->row * r->n_fast + c])
                continue;
            const float *cube = j->buf + (size_t)(c - j->c0) * ncube;
            for (size_t q = 0; q < ncube; q++)
                j->total += cube[q];
            qmap__view_add_projections(v, cube, j->proj);
        }
        j->done = ++j->row > j->r1;
    }
    return QMAP_OK;
}

void qmap__view_region_job_qspace(const qmap_view *v, qmap_jbuf *b)
{
    region_job *j = v->rjob;
    jb_raw(b, "{\"total\":");
    jb_num(b, j->total);
    jb_printf(b, ",\"n_positions\":%zu,\"projections\":", j->n_pos);
    qmap__view_projections_json(b, v, j->proj, v->hits_proj, NULL);
    jb_raw(b, "}");
}

int qmap_view_region_step(qmap_view *v, double budget_s, qmap_view_text *out)
{
    out->data = NULL;
    out->len = 0;
    if (!v->rjob)
        return qmap_error(QMAP_ERR_VALUE, "no region q-space is being summed");
    int rc = qmap__view_region_job_run(v, budget_s);
    if (rc < 0)
        return rc;
    region_job *j = v->rjob;
    qmap_jbuf b = {0};
    jb_printf(&b, "{\"running\":%s,\"done\":%s,\"rows_done\":%d,\"rows\":%d,\"qspace\":", j->done ? "false" : "true",
              j->done ? "true" : "false", j->row - j->r0, j->r1 - j->r0 + 1);
    if (j->done)
        qmap__view_region_job_qspace(v, &b);
    else
        jb_raw(&b, "null");
    jb_raw(&b, "}");
    if (j->done)
        qmap_view_region_cancel(v);
    return jb_finish(&b, out);
}
