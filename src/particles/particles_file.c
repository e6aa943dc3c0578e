/* particles_file.c -- the maps of a results file for the particle analysis (read with
 * qmap_results_read), and add /particles to it (plus the CSV table) without ever leaving
 * it half-updated.
 *
 * Update scheme: the results file is copied byte for byte to an exclusive temporary (qmap/output.h) in the
 * same folder, /particles is replaced in the copy, the copy is closed and renamed over
 * the original. The CSV is written to its own temporary name first and renamed last. A
 * failure at any step removes the temporaries and leaves the original files as they were.
 * The superseded /particles' space inside the file is not reclaimed (a few bytes per
 * position per re-run).
 */
#include "qmap/particles.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "qmap/results.h"
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void qmap_particle_maps_free(qmap_particle_maps *m)
{
    if (!m)
        return;
    free(m->x), free(m->y), free(m->mask), free(m->intensity), free(m->d_spacing);
    free(m->c), free(m->strain), free(m->tilt);
    for (int a = 0; a < 3; a++)
        free(m->sigma[a]), free(m->q[a]);
    free(m);
}

/* A new copy of map k of r (n values), or NULL. */
static double *copy_map(const double *src, size_t n)
{
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (d)
        memcpy(d, src, n * sizeof *d);
    return d;
}

int qmap_particle_maps_read(const char *results_path, qmap_particle_maps **out)
{
    *out = NULL;
    qmap_results *r = NULL;
    int st = qmap_results_read(results_path, 0, &r);
    if (st < 0)
        return st;
    qmap_particle_maps *m = calloc(1, sizeof *m);
    size_t n = (size_t)r->n_fast * r->n_slow;
    int ok = m != NULL;
    if (ok) {
        m->n_slow = r->n_slow;
        m->n_fast = r->n_fast;
        static const int sigma_maps[3] = {QMAP_MAP_SIGMA_QX, QMAP_MAP_SIGMA_QY, QMAP_MAP_SIGMA_QZ};
        static const int q_maps[3] = {QMAP_MAP_QX, QMAP_MAP_QY, QMAP_MAP_QZ};
        ok = (m->x = copy_map(r->x, r->n_fast)) && (m->y = copy_map(r->y, r->n_slow)) &&
             (m->intensity = copy_map(r->maps[QMAP_MAP_INTENSITY], n)) &&
             (m->d_spacing = copy_map(r->maps[QMAP_MAP_D], n)) &&
             (m->strain = copy_map(r->maps[QMAP_MAP_STRAIN], n)) &&
             (m->tilt = copy_map(r->maps[QMAP_MAP_TILT_MAGNITUDE], n)) && (m->mask = malloc(n ? n : 1));
        for (int a = 0; ok && a < 3; a++)
            ok = (m->sigma[a] = copy_map(r->maps[sigma_maps[a]], n)) && (m->q[a] = copy_map(r->maps[q_maps[a]], n));
        if (ok && r->maps[QMAP_MAP_C])
            ok = (m->c = copy_map(r->maps[QMAP_MAP_C], n)) != NULL;
        if (ok)
            memcpy(m->mask, r->mask, n);
    }
    qmap_results_free(r);
    if (!ok) {
        qmap_particle_maps_free(m);
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", results_path);
    }
    *out = m;
    return QMAP_OK;
}

/* ---------------------------------------------------------------- writing */

/* Copy from into the exclusive temporary `out` (see qmap/output.h), keeping from's mode. */
static int copy_file(const char *from, const char *to, int out)
{
    int in = open(from, O_RDONLY | O_NONBLOCK);
    if (in < 0) {
        close(out);
        return qmap_error(QMAP_ERR_IO, "%s: cannot open: %s", from, strerror(errno));
    }
    struct stat sb;
    if (fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(in);
        close(out);
        return qmap_error(QMAP_ERR_IO, "%s: not a regular file", from);
    }
    fchmod(out, sb.st_mode & 0777);
    char buf[1 << 16];
    ssize_t got;
    int st = QMAP_OK;
    while ((got = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t done = 0; done < got;) {
            ssize_t put = write(out, buf + done, (size_t)(got - done));
            if (put < 0) {
                if (errno == EINTR)
                    continue;
                st = qmap_error(QMAP_ERR_IO, "%s: writing %s failed: %s", from, to, strerror(errno));
                break;
            }
            done += put;
        }
        if (st < 0)
            break;
    }
    if (got < 0 && st == QMAP_OK)
        st = qmap_error(QMAP_ERR_IO, "%s: read failed: %s", from, strerror(errno));
    close(in);
    if (close(out) != 0 && st == QMAP_OK)
        st = qmap_error(QMAP_ERR_IO, "%s: writing %s failed: %s", from, to, strerror(errno));
    return st;
}

static int write_dataset(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                         const hsize_t *dims, const void *data, const char *units, const char *meaning)
{
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(s);
    int bad = d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0;
    if (!bad && units)
        bad |= qmap_h5_write_str_attr(d, "units", units) < 0;
    if (!bad && meaning)
        bad |= qmap_h5_write_str_attr(d, "description", meaning) < 0;
    if (d >= 0)
        H5Dclose(d);
    return bad ? -1 : 0;
}

/* Write /particles into the open file f; returns 0 or -1. */
static int write_group(hid_t f, const qmap_particles *p, const qmap_particle_options *o)
{
    if (qmap_h5_exists(f, "/particles") && H5Ldelete(f, "/particles", H5P_DEFAULT) < 0)
        return -1;
    hid_t g = H5Gcreate2(f, "/particles", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return -1;
    char opts[256];
    snprintf(opts, sizeof opts, "min_positions=%d connectivity=%d split=%d min_dynamic_px=%g min_fraction=%g",
             o->min_positions, o->connectivity, o->split, o->min_dynamic_px, o->min_fraction);
    int bad = qmap_h5_write_str_attr(g, "NX_class", "NXcollection") < 0 || qmap_h5_write_str_attr(g, "options", opts) < 0 ||
              qmap_h5_write_str_attr(g, "creator", "qmap particles " QMAP_VERSION_STRING) < 0;
    hsize_t dims[2] = {(hsize_t)p->n_slow, (hsize_t)p->n_fast};
    bad |= write_dataset(g, "labels", H5T_STD_I32LE, H5T_NATIVE_INT32, 2, dims, p->labels, NULL,
                         "particle label per map position (0 = none); row i of /particles/table is label i+1") < 0;
    hid_t t = H5Gcreate2(g, "table", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (t < 0) {
        H5Gclose(g);
        return -1;
    }
    bad |= qmap_h5_write_str_attr(t, "NX_class", "NXcollection") < 0;
    hsize_t n = (hsize_t)p->n_particles;
    size_t n_alloc = p->n_particles > 0 ? (size_t)p->n_particles : 1;
    double *col = malloc(n_alloc * sizeof *col);
    const char *names[QMAP_N_PCOLS];
    for (int k = 0; k < QMAP_N_PCOLS && col && !bad; k++) {
        names[k] = qmap_particle_column_name(k);
        for (int i = 0; i < p->n_particles; i++)
            col[i] = p->table[(size_t)i * QMAP_N_PCOLS + k];
        if (k == QMAP_PCOL_LABEL || k == QMAP_PCOL_N_POSITIONS) {
            int32_t *ic = malloc(n_alloc * sizeof *ic);
            if (!ic) {
                bad = 1;
                break;
            }
            for (int i = 0; i < p->n_particles; i++)
                ic[i] = (int32_t)col[i];
            bad |= write_dataset(t, names[k], H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n, ic, NULL,
                                 qmap_particle_column_meaning(k)) < 0;
            free(ic);
        } else {
            bad |= write_dataset(t, names[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, col,
                                 qmap_particle_column_unit(k), qmap_particle_column_meaning(k)) < 0;
        }
    }
    if (!col)
        bad = 1;
    free(col);
    if (!bad) {   /* column order, as a string list */
        hid_t st = H5Tcopy(H5T_C_S1);
        H5Tset_size(st, H5T_VARIABLE);
        hsize_t nc = QMAP_N_PCOLS;
        hid_t sp = H5Screate_simple(1, &nc, NULL);
        hid_t a = H5Acreate2(t, "columns", st, sp, H5P_DEFAULT, H5P_DEFAULT);
        bad |= a < 0 || H5Awrite(a, st, names) < 0;
        if (a >= 0)
            H5Aclose(a);
        H5Sclose(sp);
        H5Tclose(st);
    }
    H5Gclose(t);
    H5Gclose(g);
    return bad ? -1 : 0;
}

static int write_csv(const char *path, int fd, const qmap_particles *p)
{
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return qmap_error(QMAP_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    for (int k = 0; k < QMAP_N_PCOLS; k++) {
        const char *u = qmap_particle_column_unit(k);
        fprintf(f, "%s%s%s%s%s", k ? "," : "", qmap_particle_column_name(k), *u ? " (" : "", u, *u ? ")" : "");
    }
    fputc('\n', f);
    for (int i = 0; i < p->n_particles; i++) {
        const double *row = p->table + (size_t)i * QMAP_N_PCOLS;
        for (int k = 0; k < QMAP_N_PCOLS; k++) {
            if (k == QMAP_PCOL_LABEL || k == QMAP_PCOL_N_POSITIONS)
                fprintf(f, "%s%d", k ? "," : "", (int)row[k]);
            else
                fprintf(f, ",%.10g", row[k]);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return qmap_error(QMAP_ERR_IO, "%s: write failed (disk full?)", path);
    return QMAP_OK;
}

int qmap_particles_write(const char *results_path, const char *csv_path, const qmap_particles *p,
                         const qmap_particle_options *o)
{
    char tmp[4400], csv_tmp[4400];
    int fd = qmap_temp_create(results_path, tmp, sizeof tmp);
    if (fd < 0)
        return fd;
    int st = copy_file(results_path, tmp, fd);
    if (st < 0) {
        qmap_temp_discard(tmp);
        return st;
    }
    qmap_h5_quiet quiet;
    qmap_h5_quiet_begin(&quiet);
    hid_t f = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        st = qmap_error(QMAP_ERR_IO, "%s: cannot open its copy %s for update", results_path, tmp);
    else {
        if (write_group(f, p, o) < 0)
            st = qmap_error(QMAP_ERR_IO, "%s: writing /particles failed (disk full?); the file is unchanged",
                            results_path);
        if (H5Fclose(f) < 0 && st == QMAP_OK)
            st = qmap_error(QMAP_ERR_IO, "%s: closing the updated copy failed; the file is unchanged", results_path);
    }
    qmap_h5_quiet_end(&quiet);
    int have_csv = 0;
    if (st == QMAP_OK) {
        int cfd = qmap_temp_create(csv_path, csv_tmp, sizeof csv_tmp);
        st = cfd < 0 ? cfd : write_csv(csv_tmp, cfd, p);
        have_csv = cfd >= 0;
    }
    if (st == QMAP_OK && qmap_file_sealed(tmp))
        st = qmap_file_seal(tmp);   /* the updated copy gets its own checksum */
    if (st == QMAP_OK) {   /* the updated file and its table, both or neither */
        char *tmps[2] = {tmp, csv_tmp}, *finals[2] = {(char *)results_path, (char *)csv_path};
        return qmap_temp_commit_all(tmps, finals, 2, NULL);
    }
    qmap_temp_discard(tmp);
    if (have_csv)
        qmap_temp_discard(csv_tmp);
    return st;
}
