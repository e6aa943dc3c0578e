/* view_recompute.c -- a position's rocking curve, and its q-space projections and fits when
 * the results file holds no /qspace/cube, recomputed from the raw frames for `qmap view`.
 *
 * The numbers are qmap_process_position's (src/core/position.c: the pipeline's own stages
 * and sums, with the run's recorded settings), so the centre of mass and fits shown equal
 * the results file's maps. The raw data is opened on the first position asked (the
 * detector mask and the VOI plans: about a second on a large detector) and kept open; each
 * position then reads one to four frames per scan. When the raw data cannot be opened, the
 * panel gets the one-line reason and the next click tries again (the file may come back).
 */
#include "view_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>

void qmap__view_raw_close(qmap_view *v)
{
    qmap_position_source_close(v->raw);
    v->raw = NULL;
}

static void recomputed_json(qmap_jbuf *b, const qmap_position_data *d)
{
    static const char *ax[3] = {"qx", "qy", "qz"};
    jb_raw(b, ",\"recomputed\":{\"intensity\":");
    jb_num(b, d->intensity);
    jb_printf(b, ",\"measured\":%s,\"com\":", d->measured ? "true" : "false");
    jb_nums(b, d->com, 3);
    jb_raw(b, ",\"std\":");
    jb_nums(b, d->std, 3);
    jb_raw(b, ",\"fit\":[");
    for (int a = 0; a < 3; a++) {
        jb_printf(b, "%s{\"axis\":\"%s\",\"status\":%d,\"center\":", a ? "," : "", ax[a], d->fit_status[a]);
        jb_num(b, d->fit_center[a]);
        jb_raw(b, ",\"sigma\":");
        jb_num(b, d->fit_sigma[a]);
        jb_raw(b, ",\"area\":");
        jb_num(b, d->fit_area[a]);
        jb_raw(b, "}");
    }
    jb_raw(b, "]}");
}

int qmap__view_raw_position_json(qmap_view *v, int row, int col, qmap_jbuf *b, int with_qspace)
{
    const qmap_results *r = v->r;
    int rc = QMAP_OK;
    if (!v->raw)
        rc = qmap_position_source_open(v->path, &v->raw);
    qmap_position_data d = {0};
    if (rc >= 0)
        rc = qmap_process_position(v->raw, row, col, &d);
    if (rc < 0) {
        if (rc == QMAP_ERR_NOMEM)
            return rc;
        if (v->raw && rc != QMAP_ERR_VALUE)
            qmap__view_raw_close(v);   /* raw data gone since: open again next time */
        jb_raw(b, ",\"rocking_curve\":null,\"rocking_message\":");
        jb_str(b, qmap_error_message());
        if (with_qspace) {
            jb_raw(b, ",\"qspace\":null,\"qspace_message\":");
            qmap_jbuf m = {0};
            jb_printf(&m, "no per-position q-space in this results file (/qspace/cube: qmap process "
                          "--save-qspace), and %s", qmap_error_message());
            jb_str(b, m.s ? m.s : "");
            free(m.s);
        }
        return QMAP_OK;
    }
    jb_raw(b, ",\"rocking_curve\":{\"eta\":");
    jb_nums(b, r->eta, d.n_scans < r->n_scans ? d.n_scans : r->n_scans);
    jb_raw(b, ",\"intensity\":");
    jb_nums(b, d.rocking, d.n_scans);
    jb_raw(b, "},\"rocking_message\":\"\"");
    recomputed_json(b, &d);
    if (with_qspace) {
        double fit[9];
        for (int a = 0; a < 3; a++) {
            fit[3 * a] = d.fit_status[a] ? d.fit_area[a] : NAN;
            fit[3 * a + 1] = d.fit_status[a] ? d.fit_center[a] : NAN;
            fit[3 * a + 2] = d.fit_status[a] ? d.fit_sigma[a] : NAN;
        }
        jb_raw(b, ",\"qspace_source\":\"raw\",\"qspace\":{\"total\":");
        jb_num(b, d.intensity);
        jb_raw(b, ",\"projections\":");
        qmap__view_projections_json(b, v, d.proj, d.hits, fit);
        jb_raw(b, "},\"qspace_message\":\"\"");
    }
    qmap_position_data_free(&d);
    return QMAP_OK;
}
