/* plan.c -- stage 6 of qmap_process: for each scan, the unmasked detector pixels whose Q
 * falls inside the VOI, their Q and the detector rows to read in pass 2.
 */
#include "plan.h"
#include "qmap/error.h"

#include <stdlib.h>
#include <string.h>

/* Per-scan plans: unmasked pixels whose Q lies inside the VOI. */
int qmap_build_plans(pipeline *P, const double voi[6], qmap_scan_plan *plans)
{
    double *q = malloc(3 * P->n_pix * sizeof *q);
    if (!q)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (plans)");
    int rc = QMAP_OK;
    for (int s = 0; s < P->n_scans && rc == QMAP_OK; s++) {
        qmap_scan_q(P, s, q, q + P->n_pix, q + 2 * P->n_pix);
        qmap_scan_plan *pl = &plans[s];
        size_t n = 0;
        for (int pass = 0; pass < 2 && rc == QMAP_OK; pass++) {
            n = 0;
            pl->row0 = P->rows;
            pl->row1 = 0;
            for (size_t p = 0; p < P->n_pix; p++) {
                double v[3] = {q[p], q[P->n_pix + p], q[2 * P->n_pix + p]};
                if (P->mask[p] || v[0] < voi[0] || v[0] > voi[1] || v[1] < voi[2] || v[1] > voi[3] ||
                    v[2] < voi[4] || v[2] > voi[5])
                    continue;
                if (pass == 1) {
                    pl->pix[n] = (int32_t)p;
                    memcpy(pl->q + 3 * n, v, sizeof v);
                }
                int row = (int)(p / P->cols);
                pl->row0 = row < pl->row0 ? row : pl->row0;
                pl->row1 = row + 1 > pl->row1 ? row + 1 : pl->row1;
                n++;
            }
            if (pass == 0) {
                pl->n_pix = (int)n;
                pl->pix = malloc((n ? n : 1) * sizeof *pl->pix);
                pl->q = malloc((n ? n : 1) * 3 * sizeof *pl->q);
                pl->bin3 = malloc((n ? n : 1) * 3 * sizeof *pl->bin3);
                if (!pl->pix || !pl->q || !pl->bin3)
                    rc = qmap_error(QMAP_ERR_NOMEM, "out of memory (plan of scan %d)", s);
            }
        }
        if (n == 0)
            pl->row0 = pl->row1 = 0;
    }
    free(q);
    return rc;
}

/* Drop plan pixels the binning rule puts outside the grid (exact VOI edges). */
void qmap_compact_plans(qmap_scan_plan *plans, int n_scans)
{
    for (int s = 0; s < n_scans; s++) {
        qmap_scan_plan *pl = &plans[s];
        int n = 0;
        for (int i = 0; i < pl->n_pix; i++) {
            const int32_t *b = pl->bin3 + 3 * i;
            if (b[0] < 0 || b[1] < 0 || b[2] < 0)
                continue;
            pl->pix[n] = pl->pix[i];
            memmove(pl->q + 3 * n, pl->q + 3 * i, 3 * sizeof *pl->q);
            memmove(pl->bin3 + 3 * n, pl->bin3 + 3 * i, 3 * sizeof *pl->bin3);
            n++;
        }
        pl->n_pix = n;
    }
}
