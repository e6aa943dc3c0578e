/* simulate.c -- qmap_simulate: write a synthetic ID01 5D-SXDM dataset plus ground truth.
 *
 * Why: qmap's readers, drift correction and peak fitting need data with a known answer
 * in exactly the layout beamline files have. This driver builds the model
 * (simulate_model.c), writes every file under an exclusive temporary name (qmap/output.h)
 * (simulate_write.c) and renames them only when all are complete; on failure it removes
 * what it wrote. HDF5's own error printing is silenced; failures return qmap_error codes.
 */
#include "simulate_internal.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_NAME_MAX 4400

void qmap_sim_defaults(qmap_sim_params *p)
{
    memset(p, 0, sizeof *p);
    p->n_fast = 30;
    p->n_slow = 24;
    p->n_eta = 13;
    p->step_um = 0.1;
    p->energy_ev = 9000.0;
    p->d_spacing = 4.7333;
    p->strain_amplitude = 2e-3;
    p->tilt_max_deg = 0.05;
    p->sigma_q[0] = 2.5e-3;
    p->sigma_q[1] = 2.0e-3;
    p->sigma_q[2] = 2.0e-3;
    p->drift_um[0] = 0.04;
    p->drift_um[1] = -0.025;
    p->peak_counts = 3e4;
    p->hot_pixels = 5;
    p->seed = 20240314UL;
    p->compression = 0;
    p->distance_m = 0.60;
    p->pixel_m = 55e-6;
    p->beam_row = 200.4;
    p->beam_col = 320.7;
    p->eta_half_range_deg = 0.36;
    p->background = 0.002;
    p->monitor_noise = 0.05;
    p->jitter_um = 0.003;
    p->sigma_qz_growth = 0.3;
    p->particle_axes[0] = 0.25;
    p->particle_axes[1] = 0.30;
    p->origin_um[0] = 25.0;   /* issue 11 */
    p->origin_um[1] = 40.0;
    p->n_series = 1;
    p->fluo_frame_counts = 0;
    p->fluo_counter = 1;
    p->tilt_shape = QMAP_SIM_TILT_DOME;
    p->mosaic_block_um = 0.3;
    p->n_particles = 1;
}

void qmap_sim_fit_default_drift(qmap_sim_params *p)
{
    qmap_sim_params d;
    qmap_sim_defaults(&d);
    double scale = 1, scans = p->n_eta > 1 ? p->n_eta - 1 : 0;
    int n[2] = {p->n_fast, p->n_slow};
    for (int a = 0; a < 2; a++) {
        double moved = fabs(d.drift_um[a]) * scans, room = QMAP_SIM_DRIFT_MAX_FRACTION * (n[a] - 1) * fabs(p->step_um);
        if (moved > room && moved > 0)
            scale = fmin(scale, room / moved);
    }
    p->drift_um[0] = d.drift_um[0] * scale;
    p->drift_um[1] = d.drift_um[1] * scale;
}

void qmap_sim_series_params(const qmap_sim_params *p, int k, qmap_sim_params *out)
{
    *out = *p;
    if (k == 0)
        return;
    out->origin_um[0] = p->origin_um[0] + 2.0 * (p->n_fast - 1) * p->step_um;
    out->origin_um[1] = p->origin_um[1] + 0.5 * (p->n_slow - 1) * p->step_um;
    out->seed = p->seed + 7919UL;
    out->d_spacing = p->d_spacing * (1.0 + 1e-3);
}

/* ---------------------------------------------------------------- paths */

typedef struct {
    int n, n_renamed;
    char **tmp, **final;     /* files written under tmp, to be renamed to final */
    char **dirs;             /* directories this call created (removed on failure) */
    int n_dirs;
} sim_files;

static char *join(const char *a, const char *b, const char *suffix)
{
    size_t n = strlen(a) + strlen(b) + strlen(suffix) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s/%s%s", a, b, suffix);
    return s;
}

/* mkdir -p; records directories it creates. */
static int make_dirs(const char *path, sim_files *fl)
{
    char *buf = strdup(path);
    int rc = QMAP_OK;
    if (!buf)
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory");
    for (char *s = buf + 1;; s++) {
        int end = *s == '\0';
        if (*s != '/' && !end)
            continue;
        *s = '\0';
        if (mkdir(buf, 0777) == 0) {
            char *d = strdup(buf);
            if (d)
                fl->dirs[fl->n_dirs++] = d;
        } else if (errno != EEXIST) {
            rc = qmap_error(QMAP_ERR_IO, "simulation: cannot create directory %s: %s", buf,
                            strerror(errno));
            break;
        }
        if (end)
            break;
        *s = '/';
    }
    struct stat st;
    if (rc == QMAP_OK && (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)))
        rc = qmap_error(QMAP_ERR_IO, "simulation: %s is not a directory", path);
    free(buf);
    return rc;
}

static int files_alloc(sim_files *fl, int n, int max_dirs)
{
    memset(fl, 0, sizeof *fl);
    fl->tmp = calloc(n, sizeof(char *));
    fl->final = calloc(n, sizeof(char *));
    fl->dirs = calloc(max_dirs, sizeof(char *));
    if (!fl->tmp || !fl->final || !fl->dirs)
        return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory");
    return QMAP_OK;
}

/* Register the next output file dir/name; its temporary name is returned. */
static const char *files_add(sim_files *fl, const char *dir, const char *name)
{
    char *t = malloc(TEMP_NAME_MAX), *f = join(dir, name, "");
    if (!t || !f) {
        free(t);
        free(f);
        qmap_error(QMAP_ERR_NOMEM, "simulation: no memory");
        return NULL;
    }
    int fd = qmap_temp_create(f, t, TEMP_NAME_MAX);   /* exclusive, random name */
    if (fd < 0) {
        free(t);
        free(f);
        return NULL;
    }
    close(fd);
    fl->tmp[fl->n] = t;
    fl->final[fl->n] = f;
    fl->n++;
    return t;
}

/* Rename every file into place as one step no signal splits (qmap_temp_commit_all). */
static int files_commit(sim_files *fl)
{
    if (qmap_temp_commit_all(fl->tmp, fl->final, fl->n, &fl->n_renamed) < 0)
        return qmap_error_prefix(QMAP_ERR_IO, "simulation");
    return QMAP_OK;
}

static void files_cleanup(sim_files *fl, int failed)
{
    for (int i = 0; i < fl->n; i++) {
        if (failed && i < fl->n_renamed)
            unlink(fl->final[i]);
        else if (failed)
            qmap_temp_discard(fl->tmp[i]);
        free(fl->tmp[i]);
        free(fl->final[i]);
    }
    for (int i = fl->n_dirs - 1; i >= 0; i--) {
        if (failed)
            rmdir(fl->dirs[i]);
        free(fl->dirs[i]);
    }
    free(fl->tmp);
    free(fl->final);
    free(fl->dirs);
}

/* ---------------------------------------------------------------- driver */

static int write_scans(const qmap_sim_model *m, const char *dir, sim_files *fl, int64_t *sums)
{
    for (int k = 0; k < m->p.n_eta; k++) {
        char sub[32];
        snprintf(sub, sizeof sub, "scan%04d", m->number0 + k);
        char *sd = join(dir, sub, "");
        if (!sd)
            return qmap_error(QMAP_ERR_NOMEM, "simulation: no memory");
        int rc = make_dirs(sd, fl);
        const char *tmp = rc == QMAP_OK ? files_add(fl, sd, "mpx1x4_0000.h5") : NULL;
        free(sd);
        if (rc == QMAP_OK && !tmp)
            rc = QMAP_ERR_NOMEM;
        if (rc == QMAP_OK)
            rc = qmap_sim_write_lima(m, k, tmp, sums + (size_t)k * m->npts);
        if (rc < 0)
            return rc;
    }
    return QMAP_OK;
}

static int write_truth(const qmap_sim_model *m, const char *dir, const char *name,
                       sim_files *fl)
{
    qmap_sim_truth truth;
    const char *tmp = files_add(fl, dir, name);
    int rc = tmp ? qmap_sim_truth_compute(m, &truth) : QMAP_ERR_NOMEM;
    if (rc == QMAP_OK) {
        rc = qmap_sim_write_truth(m, &truth, tmp);
        qmap_sim_truth_free(&truth);
    }
    return rc;
}

/* n models (series, issue 11): their LIMA files, one master file, one truth file each. */
static int write_all(const qmap_sim_model *const *m, int n, const char *dir, sim_files *fl)
{
    int64_t *sums[2] = {NULL, NULL};
    int rc = QMAP_OK;
    for (int s = 0; s < n && rc == QMAP_OK; s++) {
        sums[s] = malloc(sizeof(int64_t) * (size_t)m[s]->npts * m[s]->p.n_eta);
        rc = sums[s] ? write_scans(m[s], dir, fl, sums[s])
                     : qmap_error(QMAP_ERR_NOMEM, "simulation: no memory");
    }
    const char *tmp = NULL;
    if (rc == QMAP_OK && !(tmp = files_add(fl, dir, QMAP_SIM_SAMPLE "_0001.h5")))
        rc = QMAP_ERR_NOMEM;
    if (rc == QMAP_OK)
        rc = qmap_sim_write_master_series(m, n, tmp, sums);
    for (int s = 0; s < n; s++)
        free(sums[s]);
    if (rc == QMAP_OK)
        rc = write_truth(m[0], dir, "ground_truth.h5", fl);
    if (rc == QMAP_OK && n > 1)
        rc = write_truth(m[1], dir, "ground_truth_series2.h5", fl);
    return rc;
}

int qmap_simulate(const qmap_sim_params *p, const char *dir, char *master_path, int size)
{
    qmap_sim_model m, m2;
    sim_files fl;
    H5E_auto2_t old_func;
    void *old_data;
    if (!p || !dir || !*dir)
        return qmap_error(QMAP_ERR_VALUE, "simulation: no parameters or output directory");
    int n_series = p->n_series == 2 ? 2 : 1;   /* issue 11: one or two series */
    if (p->n_series < 0 || p->n_series > 2)
        return qmap_error(QMAP_ERR_VALUE, "simulation: n_series = %d must be 1 or 2", p->n_series);
    qmap_sim_params p2;
    qmap_sim_series_params(p, 1, &p2);
    int rc = qmap_sim_model_init(&m, p);
    if (rc < 0)
        return rc;
    if (n_series == 2 && (rc = qmap_sim_model_init(&m2, &p2)) < 0) {
        qmap_sim_model_free(&m);
        return rc;
    }
    m2.number0 = m.number0 + p->n_eta + 1;   /* after the alignment ascan */
    m2.t0 = 60.0 + p->n_eta * (m.npts * 0.005 + 20.0) + 60.0;
    const qmap_sim_model *models[2] = {&m, &m2};
    rc = files_alloc(&fl, n_series * (p->n_eta + 1) + 2,
                     2 * (int)strlen(dir) + n_series * p->n_eta + 8);
    H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (rc == QMAP_OK)
        rc = make_dirs(dir, &fl);
    if (rc == QMAP_OK)
        rc = write_all(models, n_series, dir, &fl);
    if (rc == QMAP_OK)
        rc = files_commit(&fl);
    H5Eset_auto2(H5E_DEFAULT, old_func, old_data);
    files_cleanup(&fl, rc < 0);
    qmap_sim_model_free(&m);
    if (n_series == 2)
        qmap_sim_model_free(&m2);
    if (rc == QMAP_OK && master_path && size > 0 &&
        snprintf(master_path, size, "%s/%s_0001.h5", dir, QMAP_SIM_SAMPLE) >= size)
        return qmap_error(QMAP_ERR_VALUE, "simulation: master path buffer of %d bytes is too "
                          "small", size);
    return rc;
}
