/* simulate_write.c -- the file layout of qmap's synthetic dataset, as ID01 BLISS writes it.
 *
 * LIMA files scanNNNN/mpx1x4_0000.h5 hold /entry_0000/instrument/mpx1x4/data, int32
 * frames chunked one per frame (bitshuffle-LZ4, gzip or none). The dataset ("master")
 * file holds one group per scan: 1.1 an eta alignment ascan, 1.2 a subscan readers
 * must skip, then the sxdm map scans 2.1 .. (n_eta+1).1 whose measurement/mpx1x4 is a
 * virtual dataset over the LIMA file (relative path). ground_truth.h5 holds the true
 * maps. Frames are generated (and compressed) in parallel batches and written serially.
 */
#include "simulate_internal.h"
#include "qmap/error.h"
#include "h5util.h"

#include <hdf5.h>
#include <zlib.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BSHUF_FILTER 32008
#define BATCH_FRAMES 32
#define ALIGN_SCAN_TITLE "ascan eta 8.0 8.7 20 0.1"

static _Thread_local const char *g_file = "";   /* file being written, for messages */

static int h5fail(const char *what, const char *name)
{
    return qmap_error(QMAP_ERR_IO, "simulation: cannot %s %s in %s", what, name, g_file);
}

/* ---------------------------------------------------------------- small writers */

static hid_t lcpl_intermediate(void)
{
    hid_t l = H5Pcreate(H5P_LINK_CREATE);
    if (l >= 0)
        H5Pset_create_intermediate_group(l, 1);
    return l;
}

static int write_data(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                      const hsize_t *dims, const void *data)
{
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t l = lcpl_intermediate();
    hid_t d = (sp >= 0 && l >= 0) ? H5Dcreate2(loc, name, ftype, sp, l, H5P_DEFAULT, H5P_DEFAULT)
                                  : -1;
    herr_t w = d >= 0 ? H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : -1;
    if (d >= 0) H5Dclose(d);
    if (l >= 0) H5Pclose(l);
    if (sp >= 0) H5Sclose(sp);
    return w < 0 ? h5fail("write dataset", name) : QMAP_OK;
}

static int write_f64(hid_t loc, const char *name, double v)
{
    return write_data(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &v);
}

static int write_i64(hid_t loc, const char *name, long long v)
{
    return write_data(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 0, NULL, &v);
}

static int write_f64_array(hid_t loc, const char *name, hsize_t n, const double *v)
{
    return write_data(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, v);
}

static hid_t utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0) {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    return t;
}

/* Variable-length UTF-8 scalar string, as h5py/BLISS write them. */
static int write_string(hid_t loc, const char *name, const char *s)
{
    hid_t t = utf8_type();
    int rc = t >= 0 ? write_data(loc, name, t, t, 0, NULL, &s) : h5fail("make type for", name);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

static hid_t make_group(hid_t loc, const char *name)
{
    hid_t l = lcpl_intermediate();
    hid_t g = l >= 0 ? H5Gcreate2(loc, name, l, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (l >= 0)
        H5Pclose(l);
    if (g < 0)
        h5fail("create group", name);
    return g;
}

static int write_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                      const void *v)
{
    hid_t sp = n > 1 ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t w = a >= 0 ? H5Awrite(a, mtype, v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return w < 0 ? h5fail("write attribute", name) : QMAP_OK;
}

static int attr_f64(hid_t loc, const char *name, hsize_t n, const double *v)
{
    return write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v);
}

static int attr_i64(hid_t loc, const char *name, hsize_t n, const long long *v)
{
    return write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, n, v);
}

static int attr_string(hid_t loc, const char *name, const char *s)
{
    hid_t t = utf8_type();
    int rc = t >= 0 ? write_attr(loc, name, t, t, 1, &s) : h5fail("make type for", name);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

static int close_file(hid_t f)
{
    return H5Fclose(f) < 0 ? h5fail("close", "file") : QMAP_OK;
}

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
    return w < 0 ? h5fail("write frames to", "/entry_0000/instrument/mpx1x4/data") : QMAP_OK;
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

/* Compressed frames are generated and encoded in parallel, then stored as raw chunks
 * (H5Dwrite_chunk, filter mask 0) so HDF5's serial filter pipeline is bypassed. */
static int write_encoded(const qmap_sim_model *m, int scan, hid_t dset, int64_t *sums,
                         int32_t *raw, int nb)
{
    const size_t npix = (size_t)QMAP_SIM_ROWS * QMAP_SIM_COLS;
    size_t cap = m->p.compression == 0 ? qmap_sim_bslz4_bound(npix)
                                       : (size_t)compressBound((uLong)(npix * sizeof(int32_t)));
    uint8_t *enc = malloc(cap * nb);
    long *len = malloc(sizeof(long) * nb);
    int rc = QMAP_OK;
    if (!enc || !len)
        rc = qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for %d compressed frames", nb);
    for (int f0 = 0; f0 < m->npts && rc == QMAP_OK; f0 += nb) {
        int n = m->npts - f0 < nb ? m->npts - f0 : nb;
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < n; i++) {
            qmap_sim_frame(m, scan, f0 + i, raw + (size_t)i * npix, &sums[f0 + i]);
            len[i] = encode_frame(m->p.compression, raw + (size_t)i * npix, npix, enc + cap * i,
                                  cap);
        }
        for (int i = 0; i < n && rc == QMAP_OK; i++) {
            hsize_t off[3] = {(hsize_t)(f0 + i), 0, 0};
            if (len[i] < 0)
                rc = qmap_error(QMAP_ERR_INTERNAL, "simulation: compressing frame %d of %s "
                                "failed", f0 + i, g_file);
            else if (H5Dwrite_chunk(dset, H5P_DEFAULT, 0, off, (size_t)len[i],
                                    enc + cap * i) < 0)
                rc = h5fail("write frames to", "/entry_0000/instrument/mpx1x4/data");
        }
    }
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
                          "in %s", ncd, cd[2], cd[4], g_file);
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
        if (rc == QMAP_OK)
            rc = write_encoded(m, scan, dset, sums, buf, nb);
        free(buf);
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
    g_file = path;
    f = qmap_h5_create_temp(path, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    sp = H5Screate_simple(3, dims, NULL);
    dcpl = frame_dcpl(m);
    l = lcpl_intermediate();
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
    int rc2 = close_file(f);
    return rc < 0 ? rc : rc2;
}

/* ---------------------------------------------------------------- master file */

static void iso_time(double seconds, char *out, size_t size)
{
    long s = (long)seconds;
    snprintf(out, size, "2024-03-14T%02ld:%02ld:%02ld.%06ld+01:00", 9 + s / 3600,
             (s / 60) % 60, s % 60, (long)((seconds - s) * 1e6));
}

static int write_times(hid_t g, double t0, double t1)
{
    char a[64], b[64];
    iso_time(t0, a, sizeof a);
    iso_time(t1, b, sizeof b);
    int rc = write_string(g, "start_time", a);
    return rc < 0 ? rc : write_string(g, "end_time", b);
}

static void map_title(const qmap_sim_model *m, int spec_like, char *out, size_t size)
{
    const qmap_sim_params *p = &m->p;
    double x1 = m->x0 + (p->n_fast - 1) * p->step_um, y1 = m->y0 + (p->n_slow - 1) * p->step_um;
    if (spec_like)
        snprintf(out, size, "sxdm pix %.6g %.6g %d piy %.6g %.6g %d 0.005", m->x0, x1,
                 p->n_fast, m->y0, y1, p->n_slow);
    else
        snprintf(out, size, "sxdm( pix, %.6g, %.6g, %d, piy, %.6g, %.6g, %d, 0.005 )", m->x0, x1,
                 p->n_fast, m->y0, y1, p->n_slow);
}

static int write_alignment_scans(const qmap_sim_model *m, hid_t f)
{
    double eta[21];
    char title[256];
    int rc;
    for (int i = 0; i < 21; i++)
        eta[i] = 8.0 + 0.7 * i / 20.0;
    hid_t g = make_group(f, "1.1");
    if (g < 0)
        return QMAP_ERR_IO;
    rc = write_string(g, "title", ALIGN_SCAN_TITLE);
    if (rc == QMAP_OK) rc = write_times(g, 0.0, 30.0);
    if (rc == QMAP_OK) rc = write_f64_array(g, "measurement/eta", 21, eta);
    H5Gclose(g);
    if (rc < 0)
        return rc;
    g = make_group(f, "1.2");
    if (g < 0)
        return QMAP_ERR_IO;
    map_title(m, 0, title, sizeof title);
    rc = write_string(g, "title", title);
    hid_t mg = rc == QMAP_OK ? make_group(g, "measurement") : -1;
    if (rc == QMAP_OK && mg < 0)
        rc = QMAP_ERR_IO;
    if (mg >= 0)
        H5Gclose(mg);
    H5Gclose(g);
    return rc;
}

static int write_detector_vds(const qmap_sim_model *m, hid_t g, int number)
{
    hsize_t dims[3] = {(hsize_t)m->npts, QMAP_SIM_ROWS, QMAP_SIM_COLS};
    char src[64];
    int rc = QMAP_OK;
    snprintf(src, sizeof src, "scan%04d/mpx1x4_0000.h5", number);
    hid_t vs = H5Screate_simple(3, dims, NULL), ss = H5Screate_simple(3, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), l = lcpl_intermediate(), d = -1;
    if (vs >= 0 && ss >= 0 && dcpl >= 0 && l >= 0 &&
        H5Pset_virtual(dcpl, vs, src, "/entry_0000/instrument/mpx1x4/data", ss) >= 0)
        d = H5Dcreate2(g, "measurement/mpx1x4", H5T_STD_I32LE, vs, l, dcpl, H5P_DEFAULT);
    if (d < 0)
        rc = h5fail("create virtual dataset", "measurement/mpx1x4");
    if (d >= 0) H5Dclose(d);
    if (l >= 0) H5Pclose(l);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (ss >= 0) H5Sclose(ss);
    if (vs >= 0) H5Sclose(vs);
    return rc;
}

static int write_detector_info(const qmap_sim_model *m, hid_t g, const char *scan_name)
{
    char target[64];
    hsize_t md[2] = {QMAP_SIM_ROWS, QMAP_SIM_COLS};
    uint8_t *mask = calloc(md[0] * md[1], 1);
    int rc;
    if (!mask)
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory for the pixel mask");
    for (int i = 0; i < QMAP_SIM_NDEAD; i++)
        mask[m->dead_idx[i]] = 1;
    hid_t d = make_group(g, "instrument/mpx1x4");
    rc = d < 0 ? QMAP_ERR_IO : QMAP_OK;
    if (rc == QMAP_OK) rc = write_f64(d, "beam_center_x", m->p.beam_col);
    if (rc == QMAP_OK) rc = write_f64(d, "beam_center_y", m->p.beam_row);
    if (rc == QMAP_OK) rc = write_f64(d, "distance", m->p.distance_m);
    if (rc == QMAP_OK) rc = write_f64(d, "x_pixel_size", m->p.pixel_m);
    if (rc == QMAP_OK) rc = write_f64(d, "y_pixel_size", m->p.pixel_m);
    if (rc == QMAP_OK) rc = write_i64(d, "dim_i", QMAP_SIM_ROWS);
    if (rc == QMAP_OK) rc = write_i64(d, "dim_j", QMAP_SIM_COLS);
    if (rc == QMAP_OK)
        rc = write_data(d, "pixel_mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, md, mask);
    if (rc == QMAP_OK) rc = write_string(d, "sensor_material", "Si");
    snprintf(target, sizeof target, "/%s/measurement/mpx1x4", scan_name);
    if (rc == QMAP_OK && H5Lcreate_soft(target, d, "data", H5P_DEFAULT, H5P_DEFAULT) < 0)
        rc = h5fail("link", "instrument/mpx1x4/data");
    if (d >= 0)
        H5Gclose(d);
    free(mask);
    return rc;
}

static int write_positioners(const qmap_sim_model *m, hid_t g, int scan, int alt_positions)
{
    const double *px = m->pos_x + (size_t)scan * m->npts;
    const double *py = m->pos_y + (size_t)scan * m->npts;
    double lambda_m = QMAP_HC_EV_ANGSTROM / m->p.energy_ev * 1e-10;
    int rc = write_f64(g, "instrument/monochromator/Energy", m->p.energy_ev);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/monochromator/WaveLength", lambda_m);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/eta", m->eta[scan]);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/phi", 0.0);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/nu", 0.0);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/delta", m->delta_deg);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/mu", m->p.mu_deg);
    /* issue 11: the detector translations a real ID01 file records (values of the example
     * file, docs/sxdm-reference.md 1.2); the simulated calibration holds at this position */
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/mpxy", -7.8);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/mpxz", -11.5);
    if (rc == QMAP_OK && alt_positions)
        rc = write_f64_array(g, "instrument/positioners/pix", (hsize_t)m->npts, px);
    else if (rc == QMAP_OK)
        rc = write_f64(g, "instrument/positioners/pix", px[0]);
    if (rc == QMAP_OK) rc = write_f64(g, "instrument/positioners/piy", py[0]);
    if (rc == QMAP_OK && !alt_positions)
        rc = write_f64_array(g, "measurement/pix_position", (hsize_t)m->npts, px);
    if (rc == QMAP_OK)
        rc = write_f64_array(g, "measurement/piy_position", (hsize_t)m->npts, py);
    return rc;
}

static int write_map_scan(const qmap_sim_model *m, hid_t f, int scan, const int64_t *sums)
{
    int number = m->number0 + scan, n_eta = m->p.n_eta;
    int spec_like = scan == n_eta - 1, alt_positions = scan == (n_eta > 1 ? 1 : 0);
    char name[32], title[256];
    hsize_t n = (hsize_t)m->npts;
    double t0 = m->t0 + 60.0 + scan * (m->npts * 0.005 + 20.0);
    snprintf(name, sizeof name, "%d.1", number);
    hid_t g = make_group(f, name);
    if (g < 0)
        return QMAP_ERR_IO;
    map_title(m, spec_like, title, sizeof title);
    int rc = write_string(g, "title", title);
    if (rc == QMAP_OK) rc = write_times(g, t0, t0 + m->npts * 0.005 + 5.0);
    if (rc == QMAP_OK) rc = write_detector_vds(m, g, number);
    if (rc == QMAP_OK) rc = write_positioners(m, g, scan, alt_positions);
    if (rc == QMAP_OK)
        rc = write_f64_array(g, "measurement/mon1", n, m->mon + (size_t)scan * m->npts);
    if (rc == QMAP_OK && m->p.fluo_counter != 0)
        rc = write_f64_array(g, "measurement/fluo", n, m->fluo + (size_t)scan * m->npts);
    if (rc == QMAP_OK)
        rc = write_data(g, "measurement/mpx1x4_mpx4int", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n,
                        sums + (size_t)scan * m->npts);
    if (rc == QMAP_OK) rc = write_detector_info(m, g, name);
    if (rc == QMAP_OK) rc = write_string(g, "sample/name", QMAP_SIM_SAMPLE);
    H5Gclose(g);
    return rc;
}

/* issue 11: the alignment ascan written before series k > 0, as scan number - 1 of its
 * first map. */
static int write_series_alignment(const qmap_sim_model *m, hid_t f)
{
    char name[32];
    double eta[21];
    for (int i = 0; i < 21; i++)
        eta[i] = 8.0 + 0.7 * i / 20.0;
    snprintf(name, sizeof name, "%d.1", m->number0 - 1);
    hid_t g = make_group(f, name);
    if (g < 0)
        return QMAP_ERR_IO;
    int rc = write_string(g, "title", ALIGN_SCAN_TITLE);
    if (rc == QMAP_OK) rc = write_times(g, m->t0, m->t0 + 30.0);
    if (rc == QMAP_OK) rc = write_f64_array(g, "measurement/eta", 21, eta);
    H5Gclose(g);
    return rc;
}

int qmap_sim_write_master_series(const qmap_sim_model *const *m, int n, const char *path,
                                 int64_t *const *sums)
{
    g_file = path;
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    int rc = write_alignment_scans(m[0], f);
    for (int s = 0; s < n && rc == QMAP_OK; s++) {
        if (s > 0)
            rc = write_series_alignment(m[s], f);
        for (int k = 0; k < m[s]->p.n_eta && rc == QMAP_OK; k++)
            rc = write_map_scan(m[s], f, k, sums[s]);
    }
    int rc2 = close_file(f);
    return rc < 0 ? rc : rc2;
}

int qmap_sim_write_master(const qmap_sim_model *m, const char *path, const int64_t *sums)
{
    g_file = path;
    hid_t f = qmap_h5_create_temp(path, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    int rc = write_alignment_scans(m, f);
    for (int k = 0; k < m->p.n_eta && rc == QMAP_OK; k++)
        rc = write_map_scan(m, f, k, sums);
    int rc2 = close_file(f);
    return rc < 0 ? rc : rc2;
}

/* ---------------------------------------------------------------- ground truth */

static int write_truth_maps(const qmap_sim_model *m, const qmap_sim_truth *t, hid_t f)
{
    hsize_t dims[2] = {(hsize_t)m->p.n_slow, (hsize_t)m->p.n_fast};
    struct { const char *name; const double *v; } maps[] = {
        {"maps/intensity", t->intensity}, {"maps/qx", t->qx}, {"maps/qy", t->qy},
        {"maps/qz", t->qz}, {"maps/q", t->q}, {"maps/d_spacing", t->d},
        {"maps/strain", t->strain}, {"maps/sigma_qx", t->sigma_qx},
        {"maps/sigma_qy", t->sigma_qy}, {"maps/sigma_qz", t->sigma_qz},
        {"maps/tilt_magnitude", t->tilt_magnitude}, {"maps/tilt_direction", t->tilt_direction},
    };
    int rc = QMAP_OK;
    for (size_t i = 0; i < sizeof maps / sizeof maps[0] && rc == QMAP_OK; i++)
        rc = write_data(f, maps[i].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, maps[i].v);
    if (rc == QMAP_OK)
        rc = write_data(f, "maps/mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, dims, t->mask);
    return rc;
}

static int write_truth_axes(const qmap_sim_model *m, hid_t f)
{
    const qmap_sim_params *p = &m->p;
    int nmax = p->n_fast > p->n_slow ? p->n_fast : p->n_slow;
    if (p->n_eta > nmax)
        nmax = p->n_eta;
    double *v = malloc(sizeof(double) * nmax);
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory");
    for (int i = 0; i < p->n_fast; i++)
        v[i] = m->x0 + i * p->step_um;
    int rc = write_f64_array(f, "maps/x", (hsize_t)p->n_fast, v);
    for (int i = 0; i < p->n_slow; i++)
        v[i] = m->y0 + i * p->step_um;
    if (rc == QMAP_OK) rc = write_f64_array(f, "maps/y", (hsize_t)p->n_slow, v);
    for (int i = 0; i < p->n_eta; i++)
        v[i] = i * p->drift_um[0];
    if (rc == QMAP_OK) rc = write_f64_array(f, "shift/x", (hsize_t)p->n_eta, v);
    for (int i = 0; i < p->n_eta; i++)
        v[i] = i * p->drift_um[1];
    if (rc == QMAP_OK) rc = write_f64_array(f, "shift/y", (hsize_t)p->n_eta, v);
    free(v);
    return rc;
}

static int write_truth_params(const qmap_sim_model *m, hid_t g)
{
    const qmap_sim_params *p = &m->p;
    double centre[2] = {m->cx, m->cy}, axes[2] = {m->ax, m->ay}, start[2] = {m->x0, m->y0};
    long long iv[] = {p->n_fast, p->n_slow, p->n_eta, p->hot_pixels, (long long)p->seed,
                      p->compression, p->fluo_counter, p->tilt_shape, p->n_particles, p->featureless,
                      p->eta_order};
    const char *in[] = {"n_fast", "n_slow", "n_eta", "hot_pixels", "seed", "compression", "fluo_counter",
                        "tilt_shape", "n_particles", "featureless", "eta_order"};
    struct { const char *name; hsize_t n; const double *v; } dv[] = {
        {"step_um", 1, &p->step_um}, {"energy_ev", 1, &p->energy_ev},
        {"d_spacing", 1, &p->d_spacing}, {"strain_amplitude", 1, &p->strain_amplitude},
        {"tilt_max_deg", 1, &p->tilt_max_deg}, {"sigma_q", 3, p->sigma_q},
        {"drift_um", 2, p->drift_um}, {"peak_counts", 1, &p->peak_counts},
        {"distance_m", 1, &p->distance_m}, {"pixel_m", 1, &p->pixel_m},
        {"beam_row", 1, &p->beam_row}, {"beam_col", 1, &p->beam_col},
        {"eta_half_range_deg", 1, &p->eta_half_range_deg}, {"background", 1, &p->background},
        {"monitor_noise", 1, &p->monitor_noise}, {"jitter_um", 1, &p->jitter_um},
        {"sigma_qz_growth", 1, &p->sigma_qz_growth}, {"particle_axes", 2, p->particle_axes},
        {"theta_deg", 1, &m->theta_deg}, {"delta_deg", 1, &m->delta_deg},
        {"eta_deg", (hsize_t)p->n_eta, m->eta}, {"amplitude", 1, &m->amp0},
        {"particle_center_um", 2, centre}, {"particle_semi_axes_um", 2, axes},
        {"grid_start_um", 2, start}, {"fluo_frame_counts", 1, &p->fluo_frame_counts},
        {"mosaic_block_um", 1, &p->mosaic_block_um}, {"particle_offset", 2, p->particle_offset},
    };
    int rc = QMAP_OK;
    for (size_t i = 0; i < sizeof iv / sizeof iv[0] && rc == QMAP_OK; i++)
        rc = attr_i64(g, in[i], 1, &iv[i]);
    for (size_t i = 0; i < sizeof dv / sizeof dv[0] && rc == QMAP_OK; i++)
        rc = attr_f64(g, dv[i].name, dv[i].n, dv[i].v);
    if (rc == QMAP_OK) rc = attr_string(g, "sample", QMAP_SIM_SAMPLE);
    if (rc == QMAP_OK) rc = attr_string(g, "detector", QMAP_SIM_DETECTOR);
    long long hot[1000 + QMAP_SIM_NDEAD];
    for (int i = 0; i < m->n_hot; i++)
        hot[i] = m->hot_idx[i];
    if (rc == QMAP_OK && m->n_hot > 0)
        rc = attr_i64(g, "hot_pixel_flat_index", (hsize_t)m->n_hot, hot);
    if (rc == QMAP_OK && m->n_hot > 0)
        rc = attr_f64(g, "hot_pixel_level", (hsize_t)m->n_hot, m->hot_level);
    for (int i = 0; i < QMAP_SIM_NDEAD; i++)
        hot[i] = m->dead_idx[i];
    if (rc == QMAP_OK)
        rc = attr_i64(g, "dead_pixel_flat_index", QMAP_SIM_NDEAD, hot);
    return rc;
}

int qmap_sim_write_truth(const qmap_sim_model *m, const qmap_sim_truth *t, const char *path)
{
    g_file = path;
    hid_t f = qmap_h5_create_temp(path, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    int rc = write_truth_maps(m, t, f);
    if (rc == QMAP_OK) rc = write_truth_axes(m, f);
    hid_t g = rc == QMAP_OK ? make_group(f, "parameters") : -1;
    if (rc == QMAP_OK && g < 0)
        rc = QMAP_ERR_IO;
    if (rc == QMAP_OK) rc = write_truth_params(m, g);
    if (g >= 0)
        H5Gclose(g);
    int rc2 = close_file(f);
    return rc < 0 ? rc : rc2;
}
