/* simulate_truth_write.c -- ground_truth.h5 of the synthetic dataset: the true maps, the
 * axes and the simulation parameters. Split from simulate_write.c (issue 18).
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
        {"maps/background", t->background},
    };
    int rc = QMAP_OK;
    for (size_t i = 0; i < sizeof maps / sizeof maps[0] && rc == QMAP_OK; i++)
        rc = qmap_sim_write_data(f, maps[i].name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, maps[i].v);
    if (rc == QMAP_OK)
        rc = qmap_sim_write_data(f, "maps/mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, dims, t->mask);
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
    int rc = qmap_sim_write_f64_array(f, "maps/x", (hsize_t)p->n_fast, v);
    for (int i = 0; i < p->n_slow; i++)
        v[i] = m->y0 + i * p->step_um;
    if (rc == QMAP_OK) rc = qmap_sim_write_f64_array(f, "maps/y", (hsize_t)p->n_slow, v);
    for (int i = 0; i < p->n_eta; i++)
        v[i] = i * p->drift_um[0];
    if (rc == QMAP_OK) rc = qmap_sim_write_f64_array(f, "shift/x", (hsize_t)p->n_eta, v);
    for (int i = 0; i < p->n_eta; i++)
        v[i] = i * p->drift_um[1];
    if (rc == QMAP_OK) rc = qmap_sim_write_f64_array(f, "shift/y", (hsize_t)p->n_eta, v);
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
        rc = qmap_sim_attr_i64(g, in[i], 1, &iv[i]);
    for (size_t i = 0; i < sizeof dv / sizeof dv[0] && rc == QMAP_OK; i++)
        rc = qmap_sim_attr_f64(g, dv[i].name, dv[i].n, dv[i].v);
    if (rc == QMAP_OK) rc = qmap_sim_attr_string(g, "sample", QMAP_SIM_SAMPLE);
    if (rc == QMAP_OK) rc = qmap_sim_attr_string(g, "detector", QMAP_SIM_DETECTOR);
    long long hot[1000 + QMAP_SIM_NDEAD];
    for (int i = 0; i < m->n_hot; i++)
        hot[i] = m->hot_idx[i];
    if (rc == QMAP_OK && m->n_hot > 0)
        rc = qmap_sim_attr_i64(g, "hot_pixel_flat_index", (hsize_t)m->n_hot, hot);
    if (rc == QMAP_OK && m->n_hot > 0)
        rc = qmap_sim_attr_f64(g, "hot_pixel_level", (hsize_t)m->n_hot, m->hot_level);
    for (int i = 0; i < QMAP_SIM_NDEAD; i++)
        hot[i] = m->dead_idx[i];
    if (rc == QMAP_OK)
        rc = qmap_sim_attr_i64(g, "dead_pixel_flat_index", QMAP_SIM_NDEAD, hot);
    return rc;
}

int qmap_sim_write_truth(const qmap_sim_model *m, const qmap_sim_truth *t, const char *path)
{
    qmap_sim_h5_file = path;
    hid_t f = qmap_h5_create_temp(path, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return qmap_error(QMAP_ERR_IO, "simulation: cannot create %s", path);
    int rc = write_truth_maps(m, t, f);
    if (rc == QMAP_OK) rc = write_truth_axes(m, f);
    hid_t g = rc == QMAP_OK ? qmap_sim_make_group(f, "parameters") : -1;
    if (rc == QMAP_OK && g < 0)
        rc = QMAP_ERR_IO;
    if (rc == QMAP_OK) rc = write_truth_params(m, g);
    if (g >= 0)
        H5Gclose(g);
    int rc2 = qmap_sim_close_file(f);
    return rc < 0 ? rc : rc2;
}

