/* detector_mask.c -- stage 2 of qmap_process: the detector mask, from the file's pixel_mask, the
 * user's mask file and the hot pixels found in a sample of frames (hot_pixels.c).
 */
#include "detector_mask.h"
#include "log.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <stdlib.h>

#define HOT_SAMPLE_FRAMES 240

/* Detector mask: file pixel_mask, user mask file, hot pixels from sampled frames. */
int qmap_build_mask(pipeline *P)
{
    const qmap_process_options *o = P->o;
    P->mask = calloc(P->n_pix, 1);
    if (!P->mask)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (detector mask)");
    long n_file = qmap_dataset_pixel_mask(P->ds, P->mask);
    if (n_file < 0)
        return (int)n_file;
    long n_user = 0;
    if (o->mask_file) {
        n_user = qmap_read_mask_file(o->mask_file, P->rows, P->cols, P->mask);
        if (n_user < 0)
            return (int)n_user;
    }
    long n_hot = 0;
    if (o->hot_pixels) {
        uint32_t *nz = calloc(P->n_pix, sizeof *nz);
        double *sum = calloc(P->n_pix, sizeof *sum);
        /* issue 18: the sampled frames as their non-zero pixels (the sparse reader), not dense
         * float frames: the same counts for a fraction of the work */
        qmap_sparse_worker *w = qmap_sparse_worker_new();
        int rc = (nz && sum && w) ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (hot pixels)");
        int sampled = 0, per_scan = HOT_SAMPLE_FRAMES / P->n_scans + 1;
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
            qmap_frame_reader *rd = NULL;
            int nf = 0;
            rc = qmap_check_cancel();
            if (rc == QMAP_OK) rc = qmap_stage_open_reader(P, s, &rd, &nf);
            for (int k = 0; rc == QMAP_OK && k < per_scan && k < nf; k++) {
                int f = (int)((k + 0.5) * nf / per_scan);
                qmap_sparse_frame fr;
                rc = qmap_frame_reader_read_sparse(rd, w, f, 0, P->rows, &fr);
                double lim = P->sat_limit[s];
                for (int k = 0; rc == QMAP_OK && k < fr.n; k++)
                    if (fr.val[k] > 0 && fr.val[k] < lim) {   /* bad readings do not count */
                        nz[fr.idx[k]]++;
                        sum[fr.idx[k]] += fr.val[k];
                    }
                sampled++;
            }
            qmap_frame_reader_close(rd);
        }
        if (rc == QMAP_OK)
            n_hot = qmap_find_hot_pixels(nz, sum, sampled, P->rows, P->cols, o->hot_fraction, P->mask);
        free(nz);
        free(sum);
        qmap_sparse_worker_free(w);
        if (rc < 0)
            return rc;
        qmap_log(o, "hot pixels: %ld found in %d sampled frames (non-zero in >= %.0f %% of them, isolated)",
                 n_hot, sampled, 100 * o->hot_fraction);
    }
    long total = 0;
    for (size_t p = 0; p < P->n_pix; p++)
        total += P->mask[p] != 0;
    qmap_log(o, "detector mask: %ld pixels (%ld from the file's pixel_mask, %ld from %s, %ld hot)",
             total, n_file, n_user, o->mask_file ? o->mask_file : "no user mask", n_hot);
    qmap_results_param(P->r, "masked_pixels", "%ld (file %ld, user %ld, hot %ld)", total, n_file, n_user, n_hot);
    if (total == (long)P->n_pix)
        return qmap_error(QMAP_ERR_VALUE, "every detector pixel is masked");
    return QMAP_OK;
}
