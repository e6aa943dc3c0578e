/* detector_mask.c -- stage 2 of qmap_process: the detector mask, from the file's pixel_mask, the
 * user's mask file and the hot pixels found in a sample of frames (hot_pixels.c).
 */
#include "detector_mask.h"
#include "log.h"
#include "qmap/error.h"
#include "qmap/frames.h"
#include "zeroed.h"

#include <omp.h>
#include <stdio.h>
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
        uint32_t *nz = qmap_zeroed(P->n_pix, sizeof *nz);   /* added to: zeroed.h */
        double *sum = qmap_zeroed(P->n_pix, sizeof *sum);
        /* issue 18: the sampled frames as their non-zero pixels (the sparse reader), not dense
         * float frames: the same counts for a fraction of the work; decoded on all threads
         * (one reader buffer each), added up in frame order (the same sums on any thread count) */
        int nth = omp_get_max_threads();
        qmap_sparse_worker **w = calloc((size_t)nth, sizeof *w);
        int rc = (nz && sum && w) ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (hot pixels)");
        for (int t = 0; rc == QMAP_OK && t < nth; t++)
            if (!(w[t] = qmap_sparse_worker_new()))
                rc = QMAP_ERR_NOMEM;
        int sampled = 0, per_scan = HOT_SAMPLE_FRAMES / P->n_scans + 1;
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
            qmap_frame_reader *rd = NULL;
            int nf = 0;
            rc = qmap_check_cancel();
            if (rc == QMAP_OK) rc = qmap_stage_open_reader(P, s, &rd, &nf);
            int n_read = rc == QMAP_OK ? (per_scan < nf ? per_scan : nf) : 0, err = QMAP_OK;
            double lim = P->sat_limit[s];
            char msg[1024] = "";
#pragma omp parallel for ordered schedule(static, 1)
            for (int k = 0; k < n_read; k++) {
                qmap_sparse_frame fr;
                int f = (int)((k + 0.5) * nf / per_scan);
                int e = qmap_frame_reader_read_sparse(rd, w[omp_get_thread_num()], f, 0, P->rows, &fr);
#pragma omp ordered
                {
                    if (e && !err) {   /* the first failed frame's message */
                        err = e;
                        snprintf(msg, sizeof msg, "%s", qmap_error_message());
                    }
                    for (int i = 0; !err && i < fr.n; i++)
                        if (fr.val[i] > 0 && fr.val[i] < lim) {   /* bad readings do not count */
                            nz[fr.idx[i]]++;
                            sum[fr.idx[i]] += fr.val[i];
                        }
                    sampled += !err;
                }
            }
            if (err)
                rc = qmap_error(err, "%s", msg);
            qmap_stage_release_reader(P, rd);
        }
        if (rc == QMAP_OK)
            n_hot = qmap_find_hot_pixels(nz, sum, sampled, P->rows, P->cols, o->hot_fraction, P->mask);
        free(nz);
        free(sum);
        for (int t = 0; w && t < nth; t++)
            qmap_sparse_worker_free(w[t]);
        free(w);
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
