/* select_voi.c -- stage 4 of qmap_process: the VOI, from the user or found on the coarse
 * reciprocal space of the quick-look pass, clipped and reported.
 */
#include "select_voi.h"
#include "quicklook.h"
#include "log.h"
#include "qmap/error.h"

#include <math.h>
#include <string.h>

#define COARSE_MAX_BINS 128

int qmap_choose_voi(pipeline *P, const double lo[3], const double hi[3], const double step[3],
                      double voi[6], qmap_coarse_space *cs, double **scan_maps)
{
    const qmap_process_options *o = P->o;
    static const char *ax = "xyz";
    for (int a = 0; a < 3; a++) {
        double n = step[a] > 0 ? (hi[a] - lo[a]) / step[a] + 1 : 2;
        cs->axes[a].min = lo[a];
        cs->axes[a].max = hi[a];
        cs->axes[a].n = n > COARSE_MAX_BINS ? COARSE_MAX_BINS : n < 2 ? 2 : (int)n;
    }
    int rc = qmap_quick_look(P, scan_maps, cs);
    if (rc < 0)
        return rc;
    if (o->voi_set) {
        memcpy(voi, o->voi, 6 * sizeof *voi);
        for (int a = 0; a < 3; a++)
            if (voi[2 * a + 1] < lo[a] || voi[2 * a] > hi[a])
                return qmap_error(QMAP_ERR_VALUE, "--voi: q%c range %g:%g is outside the data (%g:%g 1/A)",
                                  ax[a], voi[2 * a], voi[2 * a + 1], lo[a], hi[a]);
    } else if ((rc = qmap_auto_voi(cs, voi)) < 0) {
        return rc;
    }
    return QMAP_OK;
}

void qmap_clip_and_report_voi(pipeline *P, const qmap_scan_plan *plans, double voi[6],
                                const double lo[3], const double hi[3])
{
    const qmap_process_options *o = P->o;
    if (!o->voi_set) {
        double mn[3] = {INFINITY, INFINITY, INFINITY}, mx[3] = {-INFINITY, -INFINITY, -INFINITY};
        for (int s = 0; s < P->n_scans; s++)
            for (int i = 0; i < plans[s].n_pix; i++)
                for (int a = 0; a < 3; a++) {
                    mn[a] = fmin(mn[a], plans[s].q[3 * i + a]);
                    mx[a] = fmax(mx[a], plans[s].q[3 * i + a]);
                }
        for (int a = 0; a < 3; a++)
            if (mn[a] < mx[a]) {
                voi[2 * a] = fmax(voi[2 * a], mn[a]);
                voi[2 * a + 1] = fmin(voi[2 * a + 1], mx[a]);
            }
    }
    qmap_log(o, "VOI (%s): --voi %.5f:%.5f,%.5f:%.5f,%.5f:%.5f  (data range qx %.4f:%.4f, qy %.4f:%.4f, qz %.4f:%.4f)",
             o->voi_set ? "user" : "auto", voi[0], voi[1], voi[2], voi[3], voi[4], voi[5],
             lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]);
    qmap_results_param(P->r, "voi", "%.8f:%.8f,%.8f:%.8f,%.8f:%.8f", voi[0], voi[1], voi[2], voi[3], voi[4], voi[5]);
}
