/* detector_mask.c -- stage 2 of qmap_process: the detector mask, from the file's pixel_mask, the
 * user's mask file and the hot pixels found (hot_pixels.c) in a sample of frames (hot_sample.c).
 */
#include "detector_mask.h"
#include "log.h"
#include "qmap/error.h"
#include "zeroed.h"

#include <stdlib.h>

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
        /* issue 18: the sampled frames as their non-zero pixels (the sparse reader), decoded
         * and added on all threads (hot_sample.c) */
        int sampled = 0;
        int rc = (nz && sum) ? qmap_hot_sample(P, nz, sum, &sampled)
                             : qmap_error(QMAP_ERR_NOMEM, "out of memory (hot pixels)");
        if (rc == QMAP_OK)
            n_hot = qmap_find_hot_pixels(nz, sum, sampled, P->rows, P->cols, o->hot_fraction, P->mask);
        free(nz);
        free(sum);
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
