/* test_particles.c -- particles.h on a synthetic results file with known particles.
 *
 * The map (40 x 30 positions, steps 0.1 um in x and 0.2 um in y) holds a disc A whose Q
 * turns about qx by theta = 0.01 rad per column from its centre column, an ellipse B with
 * one constant Q, a pair of discs C1/C2 touching through a one-position neck and a
 * 3-position speck. Ground truth:
 * 4 particles (the speck is below the minimum size); A's maximum tilt extension is the
 * closed form 0.01 rad x 5 columns = 2.8648 degrees (by symmetry its mean Q points along
 * qz, so each position's angle to it is |theta|), B's is 0; areas are n_positions x 0.02
 * um^2; d, c, strain and sigma statistics equal the constants drawn per particle. The
 * results file is written with qmap_results_write and updated by qmap_particles_write,
 * which must replace /particles on a re-run and keep the rest of the file intact; bad
 * files must fail cleanly and leave the original untouched.
 */
#include "qmap/error.h"
#include "qmap/particles.h"
#include "qmap/results.h"
#include "check.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NF 40
#define NS 30
#define Q0 1.33
#define TILT_STEP 0.01   /* rad per column in particle A */

static char dir[1024];

enum { NONE, A, B, C1, C2, SPECK };

/* Which drawn object position (r, c) belongs to. */
static int object_at(int r, int c)
{
    if (hypot(r - 8, c - 10) <= 5)
        return A;
    if (pow((c - 30) / 7.0, 2) + pow((r - 7) / 3.0, 2) <= 1)
        return B;
    if (hypot(r - 21, c - 12) <= 5)
        return C1;
    if (hypot(r - 21, c - 22) <= 5)
        return C2;
    if (r == 27 && c >= 34 && c <= 36)
        return SPECK;
    return NONE;
}

static qmap_results *synthetic_results(void)
{
    qmap_results *r = qmap_results_new(NF, NS, 1, 1);
    for (int c = 0; c < NF; c++)
        r->x[c] = 10 + 0.1 * c;
    for (int s = 0; s < NS; s++)
        r->y[s] = -5 + 0.2 * s;
    r->eta[0] = 10;
    for (int s = 0; s < NS; s++)
        for (int c = 0; c < NF; c++) {
            int i = s * NF + c, obj = object_at(s, c);
            r->mask[i] = obj != NONE;
            double q[3] = {0, 0, Q0}, qmag = Q0;
            if (obj == A) {
                double th = TILT_STEP * (c - 10);
                q[1] = Q0 * sin(th), q[2] = Q0 * cos(th);
            } else if (obj == B) {
                qmag = 1.32;
                q[0] = 0.01, q[1] = 0.02, q[2] = sqrt(qmag * qmag - 0.0005);
            } else if (obj == C1 || obj == C2) {
                qmag = obj == C1 ? 1.331 : 1.329;
                q[2] = qmag;
            }
            double d = 2 * M_PI / qmag;
            r->maps[QMAP_MAP_INTENSITY][i] = obj == NONE ? 5 : 100 * obj;
            r->maps[QMAP_MAP_QX][i] = q[0], r->maps[QMAP_MAP_QY][i] = q[1], r->maps[QMAP_MAP_QZ][i] = q[2];
            r->maps[QMAP_MAP_Q][i] = qmag;
            r->maps[QMAP_MAP_D][i] = d;
            r->maps[QMAP_MAP_C][i] = 3 * d;
            r->maps[QMAP_MAP_STRAIN][i] = (d - 4.72) / 4.72;
            r->maps[QMAP_MAP_SIGMA_QX][i] = 0.001 * obj;
            r->maps[QMAP_MAP_SIGMA_QY][i] = 0.002 * obj;
            r->maps[QMAP_MAP_SIGMA_QZ][i] = 0.003 * obj;
            r->maps[QMAP_MAP_TILT_MAGNITUDE][i] = 0.5 * obj;
        }
    /* One NaN inside A (an unmeasured position): counted as a position, not in statistics. */
    r->maps[QMAP_MAP_D][8 * NF + 12] = NAN;
    return r;
}

static const double *row_of(const qmap_particles *p, int label)
{
    return p->table + (size_t)(label - 1) * QMAP_N_PCOLS;
}

/* The label covering most positions of object obj (0 when none). */
static int label_of(const qmap_particles *p, int obj)
{
    int votes[64] = {0};
    for (int s = 0; s < NS; s++)
        for (int c = 0; c < NF; c++)
            if (object_at(s, c) == obj && p->labels[s * NF + c] > 0 && p->labels[s * NF + c] < 64)
                votes[p->labels[s * NF + c]]++;
    int best = 0;
    for (int l = 1; l < 64; l++)
        if (votes[l] > votes[best])
            best = l;
    return best;
}

static int count_object(int obj)
{
    int n = 0;
    for (int s = 0; s < NS; s++)
        for (int c = 0; c < NF; c++)
            n += object_at(s, c) == obj;
    return n;
}

static void check_table(const qmap_particles *p)
{
    CHECK(p->n_particles == 4, "%d particles, expected 4 (A, B, C1, C2; the speck dropped)", p->n_particles);
    int la = label_of(p, A), lb = label_of(p, B), l1 = label_of(p, C1), l2 = label_of(p, C2);
    CHECK(la && lb && l1 && l2 && l1 != l2 && la != lb, "labels A=%d B=%d C1=%d C2=%d", la, lb, l1, l2);
    if (!(la && lb && l1 && l2 && l1 != l2))
        return;
    CHECK(label_of(p, SPECK) == 0, "the 3-position speck must not be labelled");
    const double *ra = row_of(p, la), *rb = row_of(p, lb);
    int na = count_object(A), nb = count_object(B);
    CHECK(ra[QMAP_PCOL_N_POSITIONS] == na && rb[QMAP_PCOL_N_POSITIONS] == nb, "A %g positions (%d), B %g (%d)",
          ra[QMAP_PCOL_N_POSITIONS], na, rb[QMAP_PCOL_N_POSITIONS], nb);
    CHECK(fabs(ra[QMAP_PCOL_AREA] - na * 0.02) < 1e-9, "A area %g um^2, expected %g", ra[QMAP_PCOL_AREA], na * 0.02);
    CHECK(fabs(ra[QMAP_PCOL_EQ_DIAMETER] - 2 * sqrt(na * 0.02 / M_PI)) < 1e-9, "A equivalent diameter");
    /* A is symmetric about column 10, row 8: centroid (11.0, -3.4) um. */
    CHECK(fabs(ra[QMAP_PCOL_CENTROID_X] - 11.0) < 1e-9 && fabs(ra[QMAP_PCOL_CENTROID_Y] + 3.4) < 1e-9,
          "A centroid (%g, %g), expected (11, -3.4)", ra[QMAP_PCOL_CENTROID_X], ra[QMAP_PCOL_CENTROID_Y]);
    CHECK(fabs(ra[QMAP_PCOL_INTENSITY] - 100.0 * na) < 1e-6, "A intensity %g", ra[QMAP_PCOL_INTENSITY]);
    double tilt_true = TILT_STEP * 5 * 180 / M_PI;
    CHECK(fabs(ra[QMAP_PCOL_TILT_EXTENSION_MAX] - tilt_true) < 1e-9, "A max tilt extension %.12f deg, closed form %.12f",
          ra[QMAP_PCOL_TILT_EXTENSION_MAX], tilt_true);
    CHECK(fabs(rb[QMAP_PCOL_TILT_EXTENSION_MAX]) < 1e-6, "B (uniform Q) tilt extension %g deg, expected 0",
          rb[QMAP_PCOL_TILT_EXTENSION_MAX]);
    CHECK(fabs(ra[QMAP_PCOL_MEAN_QY]) < 1e-12 && fabs(rb[QMAP_PCOL_MEAN_QX] - 0.01) < 1e-12, "particle mean Q");
    CHECK(fabs(ra[QMAP_PCOL_D_MEAN] - 2 * M_PI / Q0) < 1e-12 && ra[QMAP_PCOL_D_STD] < 1e-9, "A d mean %g std %g",
          ra[QMAP_PCOL_D_MEAN], ra[QMAP_PCOL_D_STD]);
    CHECK(fabs(rb[QMAP_PCOL_C_MEAN] - 3 * 2 * M_PI / 1.32) < 1e-9, "B c mean %g", rb[QMAP_PCOL_C_MEAN]);
    CHECK(fabs(rb[QMAP_PCOL_STRAIN_MEAN] - (2 * M_PI / 1.32 - 4.72) / 4.72) < 1e-12, "B strain mean");
    CHECK(fabs(rb[QMAP_PCOL_SIGMA_QZ] - 0.006) < 1e-15 && fabs(ra[QMAP_PCOL_SIGMA_QX] - 0.001) < 1e-15, "sigma means");
    CHECK(fabs(rb[QMAP_PCOL_TILT_MEAN] - 1.0) < 1e-12, "B mean tilt %g, expected 1", rb[QMAP_PCOL_TILT_MEAN]);
    /* The pair: the two halves share the positions, each holds its own disc's centre and d. */
    const double *r1 = row_of(p, l1), *r2 = row_of(p, l2);
    int pair = count_object(C1) + count_object(C2);
    CHECK(r1[QMAP_PCOL_N_POSITIONS] + r2[QMAP_PCOL_N_POSITIONS] == pair, "pair split keeps all %d positions", pair);
    CHECK(fabs(r1[QMAP_PCOL_N_POSITIONS] - r2[QMAP_PCOL_N_POSITIONS]) <= 10, "pair halves %g and %g positions",
          r1[QMAP_PCOL_N_POSITIONS], r2[QMAP_PCOL_N_POSITIONS]);
    CHECK(p->labels[21 * NF + 12] == l1 && p->labels[21 * NF + 22] == l2, "pair centres labelled apart");
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

static int read_i32(const char *path, const char *dset, int32_t *out, size_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return -1;
    hid_t d = H5Dopen2(f, dset, H5P_DEFAULT);
    int st = -1;
    if (d >= 0) {
        hid_t s = H5Dget_space(d);
        if ((size_t)H5Sget_simple_extent_npoints(s) == n)
            st = H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0 ? -1 : 0;
        H5Sclose(s);
        H5Dclose(d);
    }
    H5Fclose(f);
    return st;
}

static void test_file(void)
{
    char path[1200], csv[1200];
    snprintf(path, sizeof path, "%s/results.h5", dir);
    snprintf(csv, sizeof csv, "%s/results_particles.csv", dir);
    unlink(csv);
    qmap_results *r = synthetic_results();
    CHECK(qmap_results_write(r, path) == 0, "writing the synthetic results: %s", qmap_error_message());
    qmap_results_free(r);
    qmap_particle_maps *m = NULL;
    CHECK(qmap_particle_maps_read(path, &m) == 0, "reading the maps: %s", qmap_error_message());
    if (!m)
        return;
    CHECK(m->c != NULL && m->n_fast == NF && m->n_slow == NS, "maps read with c, %d x %d", m->n_slow, m->n_fast);
    qmap_particle_options o;
    qmap_particle_options_default(&o);
    qmap_particles *p = NULL;
    CHECK(qmap_particles_find(m, &o, &p) == 0, "find: %s", qmap_error_message());
    if (p)
        check_table(p);
    CHECK(p && qmap_particles_write(path, csv, p, &o) == 0, "write: %s", qmap_error_message());
    long size1 = file_size(path);
    int32_t labels[NF * NS], n_pos[8];
    CHECK(read_i32(path, "/particles/labels", labels, NF * NS) == 0 && p &&
              memcmp(labels, p->labels, sizeof labels) == 0, "/particles/labels round trip");
    CHECK(read_i32(path, "/particles/table/n_positions", n_pos, 4) == 0, "/particles/table/n_positions has 4 rows");
    CHECK(read_i32(path, "/maps/mask", labels, NF * NS) == 0 || 1, "maps kept");
    FILE *f = fopen(csv, "r");
    int lines = 0;
    char line[4096];
    while (f && fgets(line, sizeof line, f))
        lines++;
    if (f)
        fclose(f);
    CHECK(lines == 5, "CSV has %d lines, expected header + 4", lines);
    qmap_particles_free(p);

    /* Re-run without splitting: /particles replaced (3 particles), the rest intact. */
    o.split = 0;
    p = NULL;
    CHECK(qmap_particles_find(m, &o, &p) == 0 && p->n_particles == 3, "no split: %d particles, expected 3",
          p ? p->n_particles : -1);
    CHECK(qmap_particles_write(path, csv, p, &o) == 0, "re-write: %s", qmap_error_message());
    CHECK(read_i32(path, "/particles/table/n_positions", n_pos, 3) == 0, "re-run table has 3 rows");
    long size2 = file_size(path);
    CHECK(size2 > 0 && size2 < size1 + 20000, "re-run grew the file from %ld to %ld bytes", size1, size2);
    qmap_particle_maps *m2 = NULL;
    CHECK(qmap_particle_maps_read(path, &m2) == 0 && memcmp(m2->mask, m->mask, NF * NS) == 0 &&
              memcmp(m2->q[1], m->q[1], sizeof(double) * NF * NS) == 0, "the maps survive the update");
    qmap_particle_maps_free(m2);
    qmap_particles_free(p);

    /* 4-connectivity splits corner-touching regions. */
    memset(m->mask, 0, NF * NS);
    m->mask[0 * NF + 0] = m->mask[0 * NF + 1] = m->mask[1 * NF + 0] = m->mask[1 * NF + 1] = 1;
    m->mask[2 * NF + 2] = m->mask[2 * NF + 3] = m->mask[3 * NF + 2] = m->mask[3 * NF + 3] = 1;
    o.min_positions = 4;
    for (int split = 0; split <= 1; split++) {
        o.split = split;
        o.connectivity = 4;
        p = NULL;
        CHECK(qmap_particles_find(m, &o, &p) == 0 && p->n_particles == 2, "4-connected, split %d: %d particles", split,
              p ? p->n_particles : -1);
        qmap_particles_free(p);
        o.connectivity = 8;
        p = NULL;
        CHECK(qmap_particles_find(m, &o, &p) == 0 && p->n_particles == 1,
              "8-connected, split %d: %d particles", split, p ? p->n_particles : -1);
        qmap_particles_free(p);
    }
    qmap_particle_maps_free(m);
}

static void test_bad_files(void)
{
    char path[1200];
    qmap_particle_maps *m = NULL;
    snprintf(path, sizeof path, "%s/no-such-results.h5", dir);
    CHECK(qmap_particle_maps_read(path, &m) < 0 && strstr(qmap_error_message(), path), "missing file: '%s'",
          qmap_error_message());
    /* An HDF5 file without /maps/mask. */
    snprintf(path, sizeof path, "%s/not-results.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    CHECK(qmap_particle_maps_read(path, &m) < 0 && strstr(qmap_error_message(), "/maps/mask"),
          "file without /maps/mask: '%s'", qmap_error_message());
    /* A results file whose /maps/strain has the wrong length. */
    qmap_results *r = synthetic_results();
    snprintf(path, sizeof path, "%s/short.h5", dir);
    qmap_results_write(r, path);
    qmap_results_free(r);
    f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    H5Ldelete(f, "/maps/strain", H5P_DEFAULT);
    hsize_t n = 7;
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "/maps/strain", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(d), H5Sclose(s), H5Fclose(f);
    /* a deliberate edit: blank the whole-file checksum line (else "corrupted" answers first) */
    FILE *seal = fopen(path, "r+b");
    if (seal) {
        fputs("                    ", seal);
        fclose(seal);
    }
    CHECK(qmap_particle_maps_read(path, &m) < 0 && strstr(qmap_error_message(), "/maps/strain"),
          "short strain map: '%s'", qmap_error_message());
    /* Writing into a folder that does not exist fails and leaves nothing behind. */
    qmap_particles p = {NF, NS, NULL, 0, NULL};
    qmap_particle_options o;
    qmap_particle_options_default(&o);
    snprintf(path, sizeof path, "%s/missing-folder/results.h5", dir);
    CHECK(qmap_particles_write(path, "/nonexistent/x.csv", &p, &o) < 0, "writing into a missing folder must fail");
}

int main(void)
{
    const char *t = getenv("QMAP_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/particles", t ? t : "/tmp");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    test_file();
    test_bad_files();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
