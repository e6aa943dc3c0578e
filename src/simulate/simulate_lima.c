/* simulate_lima.c -- the LIMA files of the synthetic dataset: scanNNNN/mpx1x4_0000.h5 with
 * /entry_0000/instrument/mpx1x4/data, int32 frames chunked one per frame (bitshuffle-LZ4,
 * gzip or none). Frames are generated (and compressed) in parallel batches and written
 * serially, compressed ones as raw chunks. Split from simulate_write.c (issue 18).
 */
#include "simulate_internal.h"
#include "qmap/error.h"
#include "h5util.h"
#include "simulate_h5.h"

#include <hdf5.h>
#include <omp.h>
#include <zlib.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define BSHUF_FILTER 32008
#define BATCH_FRAMES 32
#define ENCODE_BATCH 64   /* frames encoded while the previous batch is stored */

/* ---------------------------------------------------------------- LIMA file */

static hid_t frame_dcpl(const qmap_sim_model *m)
{
    hsize_t chunk[3] = {1, QMAP_SIM_ROWS, QMAP_SIM_COLS};
    /* User values {block size 0 = auto, 2 = LZ4}; the plugin's set_local prepends its
     * version and the element size, so the file stores {0, 3, 4, 0, 2} (bitshuffle 0.3). */
    unsigned cd[2] = {0, 2};
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p < 0 || H5Pset_chunk(p, 3, chunk) < 0)
        goto fail;
    if (m->p.compression == 0 &&
        H5Pset_filter(p, BSHUF_FILTER, H5Z_FLAG_MANDATORY, 2, cd) < 0)
        goto fail;
    if (m->p.compression == 1 && H5Pset_deflate(p, 1) < 0)
        goto fail;
    return p;
fail:
    if (p >= 0)
        H5Pclose(p);
    return -1;
}

static int write_batch(hid_t dset, hid_t fspace, hsize_t f0, hsize_t n, const int32_t *buf)
{
    hsize_t start[3] = {f0, 0, 0}, count[3] = {n, QMAP_SIM_ROWS, QMAP_SIM_COLS};
    hid_t ms = H5Screate_simple(3, count, NULL);
    herr_t w = -1;
    if (ms >= 0 && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) >= 0)
        w = H5Dwrite(dset, H5T_NATIVE_INT32, ms, fspace, H5P_DEFAULT, buf);
    if (ms >= 0)
        H5Sclose(ms);
    return w < 0 ? qmap_sim_h5fail("write frames to", "/entry_0000/instrument/mpx1x4/data") : QMAP_OK;
}

/* Compressed chunk of one frame in the dataset's filter format: bitshuffle-LZ4, or a
 * zlib stream (what HDF5's deflate filter stores); -1 on failure. */
static long encode_frame(int compression, const int32_t *img, size_t npix, uint8_t *out,
                         size_t cap)
{
    if (compression == 0)
        return qmap_sim_bslz4_encode(img, npix, out, cap);
    uLongf n = (uLongf)cap;
    if (compress2(out, &n, (const Bytef *)img, (uLong)(npix * sizeof *img), 1) != Z_OK)
        return -1;
    return (long)n;
}

/* Store frames [f0, f0 + n) encoded in enc (cap bytes each, sizes in len) as raw chunks. */
static int store_chunks(hid_t dset, int f0, int n, const uint8_t *enc, size_t cap, const long *len)
{
    for (int i = 0; i < n; i++) {
        hsize_t off[3] = {(hsize_t)(f0 + i), 0, 0};
        if (len[i] < 0)
            return qmap_error(QMAP_ERR_INTERNAL, "simulation: compressing frame %d of %s failed", f0 + i,
                              qmap_sim_h5_file);
        if (H5Dwrite_chunk(dset, H5P_DEFAULT, 0, off, (size_t)len[i], enc + cap * i) < 0)
            return qmap_sim_h5fail("write frames to", "/entry_0000/instrument/mpx1x4/data");
    }
    return QMAP_OK;
}

/* Compressed frames are generated and encoded in parallel, then stored as raw chunks
 * (H5Dwrite_chunk, filter mask 0) so HDF5's serial filter pipeline is bypassed. Issue 18:
 * one thread stores batch b - 1 while the others (then it too) generate batch b into the
 * other half of a double buffer, so the serial HDF5 writes no longer leave threads idle. */
static int write_encoded(const qmap_sim_model *m, int scan, hid_t dset, int64_t *sums)
{
    const size_t npix = (size_t)QMAP_SIM_ROWS * QMAP_SIM_COLS;
    size_t cap = m->p.compression == 0 ? qmap_sim_bslz4_bound(npix)
                                       : (size_t)compressBound((uLong)(npix * sizeof(int32_t)));
    int nb = ENCODE_BATCH, nth = omp_get_max_threads(), nbatch = (m->npts + nb - 1) / nb;
    int32_t *raw = malloc(sizeof *raw * npix * (size_t)nth);
    uint8_t *enc = malloc(cap * (size_t)nb * 2);
    long *len = malloc(sizeof(long) * (size_t)nb * 2);
    int rc = QMAP_OK;
    char msg[1024] = "";
    if (!raw || !enc || !len)
        rc = qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for %d compressed frames", 2 * nb);
    if (rc == QMAP_OK) {
#pragma omp parallel num_threads(nth)
        {
            int32_t *img = raw + npix * (size_t)omp_get_thread_num();
            for (int b = 0; b <= nbatch; b++) {
#pragma omp single nowait
                if (b > 0 && rc == QMAP_OK) {
                    int f0 = (b - 1) * nb, n = m->npts - f0 < nb ? m->npts - f0 : nb, h = (b - 1) % 2;
                    int st = store_chunks(dset, f0, n, enc + cap * nb * h, cap, len + nb * h);
                    if (st < 0) {
                        snprintf(msg, sizeof msg, "%s", qmap_error_message());   /* this thread's message */
                        rc = st;
                    }
                }
                if (b < nbatch) {
                    int f0 = b * nb, n = m->npts - f0 < nb ? m->npts - f0 : nb, h = b % 2;
#pragma omp for schedule(dynamic, 1)
                    for (int i = 0; i < n; i++) {
                        qmap_sim_frame(m, scan, f0 + i, img, &sums[f0 + i]);
                        len[nb * h + i] = encode_frame(m->p.compression, img, npix, enc + cap * (nb * h + i), cap);
                    }
                } else {
#pragma omp barrier
                }
            }
        }
        if (rc < 0)
            rc = qmap_error(rc, "%s", msg);
    }
    free(raw);
    free(enc);
    free(len);
    return rc;
}

/* Direct chunk writes are only valid if the stored filter says LZ4, 4-byte elements. */
static int check_bshuf_params(hid_t dset)
{
    unsigned cd[16] = {0}, flags = 0;
    size_t ncd = 16;
    hid_t p = H5Dget_create_plist(dset);
    herr_t r = p >= 0 ? H5Pget_filter_by_id2(p, BSHUF_FILTER, &flags, &ncd, cd, 0, NULL, NULL)
                      : -1;
    if (p >= 0)
        H5Pclose(p);
    if (r < 0 || ncd < 5 || cd[2] != 4 || cd[4] != 2)
        return qmap_error(QMAP_ERR_INTERNAL, "simulation: the bitshuffle plugin stored "
                          "unexpected parameters (%zu values, element size %u, compression %u) "
                          "in %s", ncd, cd[2], cd[4], qmap_sim_h5_file);
    return QMAP_OK;
}

static int generate_and_write(const qmap_sim_model *m, int scan, hid_t dset, hid_t fspace,
                              int64_t *sums)
{
    const size_t npix = (size_t)QMAP_SIM_ROWS * QMAP_SIM_COLS;
    int nb = m->npts < BATCH_FRAMES ? m->npts : BATCH_FRAMES, rc = QMAP_OK;
    int32_t *buf = malloc(sizeof(int32_t) * npix * nb);
    if (!buf)
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for %d frames", nb);
    if (m->p.compression != 2) {
        rc = m->p.compression == 0 ? check_bshuf_params(dset) : QMAP_OK;
        free(buf);
        if (rc == QMAP_OK)
            rc = write_encoded(m, scan, dset, sums);
        return rc;
    }
    for (int f0 = 0; f0 < m->npts && rc == QMAP_OK; f0 += nb) {
        int n = m->npts - f0 < nb ? m->npts - f0 : nb;
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < n; i++)
            qmap_sim_frame(m, scan, f0 + i, buf + (size_t)i * npix, &sums[f0 + i]);
        rc = write_batch(dset, fspace, (hsize_t)f0, (hsize_t)n, buf);
    }
    free(buf);
    return rc;
}

int qmap_sim_write_lima(const qmap_sim_model *m, int scan, const char *path, int64_t *sums)
{
    hsize_t dims[3] = {(hsize_t)m->npts, QMAP_SIM_ROWS, QMAP_SIM_COLS};
    hid_t f = -1, sp = -1, dcpl = -1, l = -1, d = -1;
    int rc;
    qmap_sim_h5_file = path;
    f = qmap_h5_create_temp(path, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    sp = H5Screate_simple(3, dims, NULL);
    dcpl = frame_dcpl(m);
    l = qmap_sim_lcpl_intermediate();
    if (sp >= 0 && dcpl >= 0 && l >= 0)
        d = H5Dcreate2(f, "/entry_0000/instrument/mpx1x4/data", H5T_STD_I32LE, sp, l, dcpl,
                       H5P_DEFAULT);
    if (d < 0)
        rc = qmap_error(QMAP_ERR_IO, "simulation: cannot create the frame dataset in %s%s",
                        path, m->p.compression == 0 ? " (is the bitshuffle HDF5 filter plugin, "
                        "id 32008, installed?)" : "");
    else
        rc = generate_and_write(m, scan, d, sp, sums);
    if (d >= 0) H5Dclose(d);
    if (l >= 0) H5Pclose(l);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    int rc2 = qmap_sim_close_file(f);
    return rc < 0 ? rc : rc2;
}

