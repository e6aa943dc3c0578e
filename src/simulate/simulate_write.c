/* simulate_write.c -- the file layout of qmap's synthetic dataset, as ID01 BLISS writes it.
 *
 * LIMA files scanNNNN/mpx1x4_0000.h5 hold /entry_0000/instrument/mpx1x4/data, int32
 * frames chunked one per frame (bitshuffle-LZ4, gzip or none). The dataset ("master")
 * file holds one group per scan: 1.1 an eta alignment ascan, 1.2 a subscan readers
 * must skip, then the sxdm map scans 2.1 .. (n_eta+1).1 whose measurement/mpx1x4 is a
 * virtual dataset over the LIMA file (relative path). ground_truth.h5 holds the true
 * maps. This file writes the master file; the LIMA files are simulate_lima.c, the ground
 * truth simulate_truth_write.c, the small HDF5 writers simulate_h5.c (split, issue 18).
 */
#include "simulate_internal.h"
#include "qmap/error.h"
#include "h5util.h"
#include "simulate_h5.h"

#include <hdf5.h>
#include <zlib.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define ALIGN_SCAN_TITLE "ascan eta 8.0 8.7 20 0.1"

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
    int rc = qmap_sim_write_string(g, "start_time", a);
    return rc < 0 ? rc : qmap_sim_write_string(g, "end_time", b);
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
    hid_t g = qmap_sim_make_group(f, "1.1");
    if (g < 0)
        return QMAP_ERR_IO;
    rc = qmap_sim_write_string(g, "title", ALIGN_SCAN_TITLE);
    if (rc == QMAP_OK) rc = write_times(g, 0.0, 30.0);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64_array(g, "measurement/eta", 21, eta);
    H5Gclose(g);
    if (rc < 0)
        return rc;
    g = qmap_sim_make_group(f, "1.2");
    if (g < 0)
        return QMAP_ERR_IO;
    map_title(m, 0, title, sizeof title);
    rc = qmap_sim_write_string(g, "title", title);
    hid_t mg = rc == QMAP_OK ? qmap_sim_make_group(g, "measurement") : -1;
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
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), l = qmap_sim_lcpl_intermediate(), d = -1;
    if (vs >= 0 && ss >= 0 && dcpl >= 0 && l >= 0 &&
        H5Pset_virtual(dcpl, vs, src, "/entry_0000/instrument/mpx1x4/data", ss) >= 0)
        d = H5Dcreate2(g, "measurement/mpx1x4", H5T_STD_I32LE, vs, l, dcpl, H5P_DEFAULT);
    if (d < 0)
        rc = qmap_sim_h5fail("create virtual dataset", "measurement/mpx1x4");
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
    hid_t d = qmap_sim_make_group(g, "instrument/mpx1x4");
    rc = d < 0 ? QMAP_ERR_IO : QMAP_OK;
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(d, "beam_center_x", m->p.beam_col);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(d, "beam_center_y", m->p.beam_row);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(d, "distance", m->p.distance_m);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(d, "x_pixel_size", m->p.pixel_m);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(d, "y_pixel_size", m->p.pixel_m);
    if (rc == QMAP_OK) rc = qmap_sim_write_i64(d, "dim_i", QMAP_SIM_ROWS);
    if (rc == QMAP_OK) rc = qmap_sim_write_i64(d, "dim_j", QMAP_SIM_COLS);
    if (rc == QMAP_OK)
        rc = qmap_sim_write_data(d, "pixel_mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, md, mask);
    if (rc == QMAP_OK) rc = qmap_sim_write_string(d, "sensor_material", "Si");
    snprintf(target, sizeof target, "/%s/measurement/mpx1x4", scan_name);
    if (rc == QMAP_OK && H5Lcreate_soft(target, d, "data", H5P_DEFAULT, H5P_DEFAULT) < 0)
        rc = qmap_sim_h5fail("link", "instrument/mpx1x4/data");
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
    int rc = qmap_sim_write_f64(g, "instrument/monochromator/Energy", m->p.energy_ev);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/monochromator/WaveLength", lambda_m);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/eta", m->eta[scan]);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/phi", 0.0);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/nu", 0.0);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/delta", m->delta_deg);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/mu", m->p.mu_deg);
    /* issue 11: the detector translations a real ID01 file records (values of the example
     * file, docs/sxdm-reference.md 1.2); the simulated calibration holds at this position */
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/mpxy", -7.8);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/mpxz", -11.5);
    if (rc == QMAP_OK && alt_positions)
        rc = qmap_sim_write_f64_array(g, "instrument/positioners/pix", (hsize_t)m->npts, px);
    else if (rc == QMAP_OK)
        rc = qmap_sim_write_f64(g, "instrument/positioners/pix", px[0]);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64(g, "instrument/positioners/piy", py[0]);
    if (rc == QMAP_OK && !alt_positions)
        rc = qmap_sim_write_f64_array(g, "measurement/pix_position", (hsize_t)m->npts, px);
    if (rc == QMAP_OK)
        rc = qmap_sim_write_f64_array(g, "measurement/piy_position", (hsize_t)m->npts, py);
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
    hid_t g = qmap_sim_make_group(f, name);
    if (g < 0)
        return QMAP_ERR_IO;
    map_title(m, spec_like, title, sizeof title);
    int rc = qmap_sim_write_string(g, "title", title);
    if (rc == QMAP_OK) rc = write_times(g, t0, t0 + m->npts * 0.005 + 5.0);
    if (rc == QMAP_OK) rc = write_detector_vds(m, g, number);
    if (rc == QMAP_OK) rc = write_positioners(m, g, scan, alt_positions);
    if (rc == QMAP_OK)
        rc = qmap_sim_write_f64_array(g, "measurement/mon1", n, m->mon + (size_t)scan * m->npts);
    if (rc == QMAP_OK && m->p.fluo_counter != 0)
        rc = qmap_sim_write_f64_array(g, "measurement/fluo", n, m->fluo + (size_t)scan * m->npts);
    if (rc == QMAP_OK)
        rc = qmap_sim_write_data(g, "measurement/mpx1x4_mpx4int", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n,
                        sums + (size_t)scan * m->npts);
    if (rc == QMAP_OK) rc = write_detector_info(m, g, name);
    if (rc == QMAP_OK) rc = qmap_sim_write_string(g, "sample/name", QMAP_SIM_SAMPLE);
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
    hid_t g = qmap_sim_make_group(f, name);
    if (g < 0)
        return QMAP_ERR_IO;
    int rc = qmap_sim_write_string(g, "title", ALIGN_SCAN_TITLE);
    if (rc == QMAP_OK) rc = write_times(g, m->t0, m->t0 + 30.0);
    if (rc == QMAP_OK) rc = qmap_sim_write_f64_array(g, "measurement/eta", 21, eta);
    H5Gclose(g);
    return rc;
}

int qmap_sim_write_master_series(const qmap_sim_model *const *m, int n, const char *path,
                                 int64_t *const *sums)
{
    qmap_sim_h5_file = path;
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
    int rc2 = qmap_sim_close_file(f);
    return rc < 0 ? rc : rc2;
}

int qmap_sim_write_master(const qmap_sim_model *m, const char *path, const int64_t *sums)
{
    qmap_sim_h5_file = path;
    hid_t f = qmap_h5_create_temp(path, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    int rc = write_alignment_scans(m, f);
    for (int k = 0; k < m->p.n_eta && rc == QMAP_OK; k++)
        rc = write_map_scan(m, f, k, sums);
    int rc2 = qmap_sim_close_file(f);
    return rc < 0 ? rc : rc2;
}

