/* test_simulate.c -- checks qmap_simulate's synthetic ID01 dataset.
 *
 * Layout: with plain HDF5 calls (from another working directory, so the virtual
 * dataset must resolve its relative LIMA paths), the scans, titles, calibration,
 * positions, monitor, the VDS frames and their per-frame sums, the pixel mask and the
 * ground-truth shapes. Physics, independently of the simulator's internals: for
 * particle points in scan 0, the centre of mass in q (qmap_pixel_q on the file's
 * calibration and angles) of background-subtracted counts over all eta scans, taking
 * each scan's frame at the drifted position, lies within 0.1 sigma of the true Q0; hot
 * pixels are hot in every frame. Determinism: the same seed with one thread and gzip
 * instead of bitshuffle-LZ4 gives identical frames. Errors: bad parameters and unwritable paths.
 */
#include "qmap/error.h"
#include "qmap/geometry.h"
#include "qmap/simulate.h"

#include <hdf5.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROWS 516
#define COLS 516
#define NPIX (ROWS * COLS)
#define MAX_ETA 16
#define NPOINTS 3


#include "check.h"

/* ---------------------------------------------------------------- HDF5 helpers */

static int exists(hid_t f, const char *path)
{
    return H5Lexists(f, path, H5P_DEFAULT) > 0;
}

static int read_string(hid_t f, const char *path, char *out, size_t size)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL;
    herr_t r = H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
    if (r >= 0 && s) {
        snprintf(out, size, "%s", s);
        H5free_memory(s);
    }
    H5Tclose(t);
    H5Dclose(d);
    return r < 0 ? -1 : 0;
}

/* Number of elements of a dataset (product of dims), rank into *rank; -1 if missing. */
static long ds_size(hid_t f, const char *path, int *rank, hsize_t *dims)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return -1;
    hid_t s = H5Dget_space(d);
    int r = H5Sget_simple_extent_dims(s, dims, NULL);
    long n = 1;
    for (int i = 0; i < r; i++)
        n *= (long)dims[i];
    if (rank)
        *rank = r;
    H5Sclose(s);
    H5Dclose(d);
    return n;
}

static int read_all(hid_t f, const char *path, hid_t mtype, void *buf)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0)
        return -1;
    herr_t r = H5Dread(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return r < 0 ? -1 : 0;
}

static double read_f64(hid_t f, const char *path)
{
    double v = NAN;
    if (read_all(f, path, H5T_NATIVE_DOUBLE, &v) < 0)
        return NAN;
    return v;
}

static int read_attr(hid_t f, const char *obj, const char *name, hid_t mtype, void *buf)
{
    hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t r = H5Aread(a, mtype, buf);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* Read frames [f0, f0+n) of a 3D dataset into buf. */
static int read_frames(hid_t d, hsize_t f0, hsize_t n, int32_t *buf)
{
    hsize_t start[3] = {f0, 0, 0}, count[3] = {n, ROWS, COLS};
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(3, count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    herr_t r = H5Dread(d, H5T_NATIVE_INT32, ms, fs, H5P_DEFAULT, buf);
    H5Sclose(ms);
    H5Sclose(fs);
    return r < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------- test data */

typedef struct {
    int row, col;             /* grid point in scan 0 */
    double q0[3], sigma[3];   /* truth */
    double sw, swq[3];        /* COM accumulators */
} test_point;

typedef struct {
    qmap_sim_params p;
    char dir[1024], master[1200];
    long hot[64];
    int n_hot;
    long dead[2];
    test_point pts[NPOINTS];
} ctx;

static void test_params(qmap_sim_params *p)
{
    qmap_sim_defaults(p);
    p->n_fast = 20;
    p->n_slow = 16;
    p->n_eta = 7;
    p->drift_um[0] = 0.1;    /* whole map steps, so a grid point maps onto a grid point */
    p->drift_um[1] = -0.1;
    p->particle_axes[0] = 0.25;
    p->particle_axes[1] = 0.22;
    p->seed = 12345;
}

/* ---------------------------------------------------------------- layout checks */

static void check_alignment_scans(hid_t f)
{
    char s[256] = "";
    CHECK(read_string(f, "1.1/title", s, sizeof s) == 0 && strcmp(s, "ascan eta 8.0 8.7 20 0.1") == 0,
          "1.1 title '%s'", s);
    CHECK(ds_size(f, "1.1/measurement/eta", NULL, (hsize_t[4]){0}) == 21, "1.1 eta length");
    CHECK(read_string(f, "1.2/title", s, sizeof s) == 0 && strncmp(s, "sxdm(", 5) == 0,
          "1.2 title '%s'", s);
    H5G_info_t gi = {0};
    CHECK(H5Gget_info_by_name(f, "1.2/measurement", &gi, H5P_DEFAULT) >= 0 && gi.nlinks == 0,
          "1.2/measurement must be an empty group");
}

static void check_scan_metadata(const ctx *c, hid_t f, int k, const char *g)
{
    const qmap_sim_params *p = &c->p;
    char path[256], s[256] = "", want[256];
    long npts = (long)p->n_fast * p->n_slow;
    hsize_t dims[4];
    int rank = 0;

    snprintf(path, sizeof path, "%s/title", g);
    CHECK(read_string(f, path, s, sizeof s) == 0, "%s missing", path);
    if (k == p->n_eta - 1)
        snprintf(want, sizeof want, "sxdm pix 25 26.9 %d piy 40 41.5 %d 0.005", p->n_fast, p->n_slow);
    else
        snprintf(want, sizeof want, "sxdm( pix, 25, 26.9, %d, piy, 40, 41.5, %d, 0.005 )",
                 p->n_fast, p->n_slow);
    CHECK(strcmp(s, want) == 0, "%s title '%s', want '%s'", g, s, want);
    snprintf(path, sizeof path, "%s/start_time", g);
    CHECK(read_string(f, path, s, sizeof s) == 0 && strncmp(s, "2024-", 5) == 0, "%s", path);
    snprintf(path, sizeof path, "%s/end_time", g);
    CHECK(read_string(f, path, s, sizeof s) == 0 && s[10] == 'T', "%s", path);
    snprintf(path, sizeof path, "%s/measurement/mpx1x4", g);
    CHECK(ds_size(f, path, &rank, dims) == npts * NPIX && rank == 3, "%s shape", path);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT), pl = H5Dget_create_plist(d);
    CHECK(H5Pget_layout(pl) == H5D_VIRTUAL, "%s is not a virtual dataset", path);
    H5Pclose(pl);
    H5Dclose(d);
    const char *counters[] = {"mon1", "mpx1x4_mpx4int", "piy_position"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/measurement/%s", g, counters[i]);
        CHECK(ds_size(f, path, NULL, dims) == npts, "%s length", path);
    }
    snprintf(path, sizeof path, "%s/measurement/pix_position", g);
    int has_pix = exists(f, path);
    snprintf(path, sizeof path, "%s/instrument/positioners/pix", g);
    long npix_pos = ds_size(f, path, NULL, dims);
    if (k == 1)
        CHECK(!has_pix && npix_pos == npts, "%s: fast positions must be in positioners/pix", g);
    else
        CHECK(has_pix && npix_pos == 1, "%s: pix_position + scalar positioners/pix", g);
    const char *scalars[] = {"instrument/mpx1x4/beam_center_x", "instrument/mpx1x4/beam_center_y",
                             "instrument/mpx1x4/distance", "instrument/mpx1x4/x_pixel_size",
                             "instrument/mpx1x4/y_pixel_size", "instrument/monochromator/Energy",
                             "instrument/monochromator/WaveLength",
                             "instrument/positioners/eta", "instrument/positioners/phi",
                             "instrument/positioners/nu", "instrument/positioners/delta",
                             "instrument/positioners/mu", "instrument/positioners/piy",
                             "instrument/mpx1x4/dim_i", "instrument/mpx1x4/dim_j"};
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", g, scalars[i]);
        CHECK(ds_size(f, path, &rank, dims) == 1 && rank == 0, "%s must be a scalar", path);
    }
    snprintf(path, sizeof path, "%s/instrument/mpx1x4/beam_center_x", g);
    CHECK(fabs(read_f64(f, path) - 320.7) < 1e-12, "beam_center_x");
    snprintf(path, sizeof path, "%s/instrument/mpx1x4/beam_center_y", g);
    CHECK(fabs(read_f64(f, path) - 200.4) < 1e-12, "beam_center_y");
    snprintf(path, sizeof path, "%s/instrument/monochromator/Energy", g);
    CHECK(fabs(read_f64(f, path) - 9000.0) < 1e-9, "Energy");
    snprintf(path, sizeof path, "%s/sample/name", g);
    CHECK(read_string(f, path, s, sizeof s) == 0, "%s", path);
    snprintf(path, sizeof path, "%s/instrument/mpx1x4/pixel_mask", g);
    CHECK(ds_size(f, path, &rank, dims) == NPIX && rank == 2, "%s shape", path);
}

static void read_geometry(hid_t f, const char *g, qmap_q_transform *t)
{
    char path[256];
    qmap_detector_geometry geo;
    qmap_angles a;
#define RD(field, name) (snprintf(path, sizeof path, "%s/%s", g, name), field = read_f64(f, path))
    RD(geo.center_col, "instrument/mpx1x4/beam_center_x");
    RD(geo.center_row, "instrument/mpx1x4/beam_center_y");
    RD(geo.distance_m, "instrument/mpx1x4/distance");
    RD(geo.pixel_col_m, "instrument/mpx1x4/x_pixel_size");
    RD(geo.pixel_row_m, "instrument/mpx1x4/y_pixel_size");
    RD(geo.energy_ev, "instrument/monochromator/Energy");
    RD(a.eta, "instrument/positioners/eta");
    RD(a.phi, "instrument/positioners/phi");
    RD(a.nu, "instrument/positioners/nu");
    RD(a.delta, "instrument/positioners/delta");
#undef RD
    geo.n_rows = ROWS;
    geo.n_cols = COLS;
    qmap_q_transform_init(t, &geo, &a);
}

/* Add one frame's background-subtracted counts to a point's COM, over pixels within
 * 5 sigma of its true Q0 (a symmetric window, so the COM is unbiased). */
static void accumulate_com(test_point *tp, const int32_t *img, const qmap_q_transform *t,
                           double bg, const uint8_t *skip)
{
    for (int i = 0; i < ROWS; i++)
        for (int j = 0; j < COLS; j++) {
            double q[3], a = 0;
            if (skip[i * COLS + j])
                continue;
            qmap_pixel_q(t, i, j, q);
            for (int d = 0; d < 3; d++)
                a += pow((q[d] - tp->q0[d]) / tp->sigma[d], 2);
            if (a > 25.0)
                continue;
            double w = img[i * COLS + j] - bg;
            tp->sw += w;
            for (int d = 0; d < 3; d++)
                tp->swq[d] += w * q[d];
        }
}

/* Frames of one scan: sums, hot and dead pixels, and COM of the test points. */
static void check_scan_frames(ctx *c, hid_t f, int k, const char *g, const uint8_t *skip)
{
    const qmap_sim_params *p = &c->p;
    long npts = (long)p->n_fast * p->n_slow;
    char path[256];
    int64_t *sums = malloc(sizeof(int64_t) * npts);
    double *mon = malloc(sizeof(double) * npts);
    int32_t *img = malloc(sizeof(int32_t) * NPIX);
    qmap_q_transform t;
    snprintf(path, sizeof path, "%s/measurement/mpx1x4_mpx4int", g);
    CHECK(read_all(f, path, H5T_NATIVE_INT64, sums) == 0, "%s", path);
    snprintf(path, sizeof path, "%s/measurement/mon1", g);
    CHECK(read_all(f, path, H5T_NATIVE_DOUBLE, mon) == 0, "%s", path);
    read_geometry(f, g, &t);
    snprintf(path, sizeof path, "%s/measurement/mpx1x4", g);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    int bad_sum = 0, cold_hot = 0, live_dead = 0;
    for (long fr = 0; fr < npts; fr++) {
        if (read_frames(d, (hsize_t)fr, 1, img) < 0) {
            CHECK(0, "%s: frame %ld unreadable through the VDS", path, fr);
            break;
        }
        int64_t s = 0;
        for (long i = 0; i < NPIX; i++)
            s += img[i];
        bad_sum += s != sums[fr];
        for (int h = 0; h < c->n_hot; h++)
            cold_hot += img[c->hot[h]] < 300;
        live_dead += img[c->dead[0]] != 0 || img[c->dead[1]] != 0;
        for (int n = 0; n < NPOINTS; n++) {
            test_point *tp = &c->pts[n];
            int row = tp->row + (int)lround(k * p->drift_um[1] / p->step_um);
            int col = tp->col + (int)lround(k * p->drift_um[0] / p->step_um);
            if (fr == (long)row * p->n_fast + col)
                accumulate_com(tp, img, &t, p->background * mon[fr] / 1e5, skip);
        }
    }
    CHECK(bad_sum == 0, "%s: %d frame sums differ from mpx1x4_mpx4int", g, bad_sum);
    CHECK(cold_hot == 0, "%s: hot pixels below 300 counts %d times", g, cold_hot);
    CHECK(live_dead == 0, "%s: dead pixels counted in %d frames", g, live_dead);
    H5Dclose(d);
    free(sums);
    free(mon);
    free(img);
}

/* Ground truth shapes, and the test points (strong, tilted / strained, in every scan). */
static void read_truth(ctx *c)
{
    const qmap_sim_params *p = &c->p;
    char path[1300];
    snprintf(path, sizeof path, "%s/ground_truth.h5", c->dir);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "cannot open %s", path);
    if (f < 0)
        return;
    const char *maps[] = {"intensity", "qx", "qy", "qz", "q", "d_spacing", "strain", "sigma_qx",
                          "sigma_qy", "sigma_qz", "tilt_magnitude", "tilt_direction", "mask"};
    long n = (long)p->n_fast * p->n_slow;
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        hsize_t dims[4];
        int rank = 0;
        char m[64];
        snprintf(m, sizeof m, "maps/%s", maps[i]);
        CHECK(ds_size(f, m, &rank, dims) == n && rank == 2 && dims[0] == (hsize_t)p->n_slow,
              "%s shape", m);
    }
    hsize_t dims[4];
    CHECK(ds_size(f, "maps/x", NULL, dims) == p->n_fast, "maps/x");
    CHECK(ds_size(f, "maps/y", NULL, dims) == p->n_slow, "maps/y");
    double shx[MAX_ETA], shy[MAX_ETA];
    CHECK(read_all(f, "shift/x", H5T_NATIVE_DOUBLE, shx) == 0 &&
          read_all(f, "shift/y", H5T_NATIVE_DOUBLE, shy) == 0, "shift");
    for (int k = 0; k < p->n_eta; k++)
        CHECK(fabs(shx[k] - k * p->drift_um[0]) < 1e-12 && fabs(shy[k] - k * p->drift_um[1]) < 1e-12,
              "shift[%d] = (%g, %g)", k, shx[k], shy[k]);
    c->n_hot = p->hot_pixels;
    CHECK(read_attr(f, "parameters", "hot_pixel_flat_index", H5T_NATIVE_LONG, c->hot) == 0,
          "hot pixel attribute");
    CHECK(read_attr(f, "parameters", "dead_pixel_flat_index", H5T_NATIVE_LONG, c->dead) == 0,
          "dead pixel attribute");

    double *v[12];
    uint8_t *mask = malloc(n);
    for (int i = 0; i < 12; i++) {
        v[i] = malloc(sizeof(double) * n);
        char m[64];
        snprintf(m, sizeof m, "maps/%s", maps[i]);
        read_all(f, m, H5T_NATIVE_DOUBLE, v[i]);
    }
    read_all(f, "maps/mask", H5T_NATIVE_UINT8, mask);
    double imax = 0, smean = 0;
    long nmask = 0;
    for (long i = 0; i < n; i++)
        if (mask[i]) {
            imax = fmax(imax, v[0][i]);
            smean += v[6][i];
            nmask++;
        }
    CHECK(nmask > 20, "particle mask has only %ld points", nmask);
    CHECK(nmask > 0 && fabs(smean / nmask) < 1e-9, "strain must average to 0 over the mask");
    /* Points: the strongest, the most tilted strong one, the most strained strong one. */
    long best[NPOINTS] = {-1, -1, -1};
    for (long i = 0; i < n; i++) {
        if (!mask[i] || v[0][i] < 0.9 * imax)
            continue;
        if (best[0] < 0 || v[0][i] > v[0][best[0]]) best[0] = i;
        if (best[1] < 0 || v[10][i] > v[10][best[1]]) best[1] = i;
        if (best[2] < 0 || fabs(v[6][i]) > fabs(v[6][best[2]])) best[2] = i;
    }
    for (int k = 0; k < NPOINTS; k++) {
        test_point *tp = &c->pts[k];
        memset(tp, 0, sizeof *tp);
        tp->row = (int)(best[k] / p->n_fast);
        tp->col = (int)(best[k] % p->n_fast);
        for (int d = 0; d < 3; d++) {
            tp->q0[d] = v[1 + d][best[k]];
            tp->sigma[d] = v[7 + d][best[k]];
        }
    }
    CHECK(c->pts[1].q0[0] != c->pts[0].q0[0], "test points must differ");
    for (int i = 0; i < 12; i++)
        free(v[i]);
    free(mask);
    H5Fclose(f);
}

static void check_master(ctx *c)
{
    const qmap_sim_params *p = &c->p;
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
    CHECK(chdir("/") == 0, "chdir");     /* the VDS must resolve relative to the file */
    hid_t f = H5Fopen(c->master, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "cannot open %s", c->master);
    if (f < 0)
        return;
    check_alignment_scans(f);
    uint8_t *skip = calloc(NPIX, 1);
    for (int h = 0; h < c->n_hot; h++)
        skip[c->hot[h]] = 1;
    skip[c->dead[0]] = skip[c->dead[1]] = 1;
    uint8_t *pm = malloc(NPIX);
    CHECK(read_all(f, "2.1/instrument/mpx1x4/pixel_mask", H5T_NATIVE_UINT8, pm) == 0, "mask");
    long nm = 0;
    for (long i = 0; i < NPIX; i++)
        nm += pm[i] != 0;
    CHECK(nm == 2 && pm[c->dead[0]] && pm[c->dead[1]], "pixel_mask marks %ld pixels", nm);
    for (int h = 0; h < c->n_hot; h++)
        CHECK(!pm[c->hot[h]], "hot pixel %ld must not be in pixel_mask", c->hot[h]);
    for (int k = 0; k < p->n_eta; k++) {
        char g[32];
        snprintf(g, sizeof g, "%d.1", k + 2);
        check_scan_metadata(c, f, k, g);
        check_scan_frames(c, f, k, g, skip);
    }
    free(pm);
    free(skip);
    H5Fclose(f);
    CHECK(chdir(cwd) == 0, "chdir back");
}

static void check_physics(const ctx *c)
{
    for (int n = 0; n < NPOINTS; n++) {
        const test_point *tp = &c->pts[n];
        CHECK(tp->sw > 5000, "point (%d,%d): only %g net counts", tp->row, tp->col, tp->sw);
        for (int d = 0; d < 3; d++) {
            double com = tp->swq[d] / tp->sw, err = (com - tp->q0[d]) / tp->sigma[d];
            printf("point (%d,%d) q%c: COM %.6f true %.6f, %+.4f sigma (%.0f counts)\n", tp->row,
                   tp->col, "xyz"[d], com, tp->q0[d], err, tp->sw);
            CHECK(fabs(err) < 0.1, "point (%d,%d) q%c: COM %.6f vs true %.6f (%.3f sigma)",
                  tp->row, tp->col, "xyz"[d], com, tp->q0[d], err);
        }
    }
}

/* The geometry convention: the centre pixel at eta = theta, delta = 2 theta is on +qz. */
static void check_symmetric_geometry(void)
{
    double lambda = QMAP_HC_EV_ANGSTROM / 9000.0, d = 4.7333;
    double th = asin(lambda / (2 * d)) * 180.0 / 3.14159265358979323846;
    qmap_detector_geometry g = {9000.0, 0.6, 55e-6, 55e-6, 200.4, 320.7, ROWS, COLS};
    qmap_angles a = {th, 0, 0, 2 * th};
    qmap_q_transform t;
    double q[3];
    qmap_q_transform_init(&t, &g, &a);
    qmap_pixel_q(&t, 200.4, 320.7, q);
    CHECK(fabs(q[0]) < 1e-12 && fabs(q[1]) < 1e-12 && fabs(q[2] - 2 * 3.14159265358979323846 / d) < 1e-9,
          "centre pixel Q = (%g, %g, %g)", q[0], q[1], q[2]);
}

/* Frames of dir a and dir b (every scan) must be identical. */
static void check_identical(const ctx *c, const char *dir_b)
{
    char pa[1300], pb[1300];
    int32_t *fa = malloc(sizeof(int32_t) * NPIX * 16), *fb = malloc(sizeof(int32_t) * NPIX * 16);
    long npts = (long)c->p.n_fast * c->p.n_slow, diff = 0;
    for (int k = 0; k < c->p.n_eta; k++) {
        snprintf(pa, sizeof pa, "%s/scan%04d/mpx1x4_0000.h5", c->dir, k + 2);
        snprintf(pb, sizeof pb, "%s/scan%04d/mpx1x4_0000.h5", dir_b, k + 2);
        hid_t a = H5Fopen(pa, H5F_ACC_RDONLY, H5P_DEFAULT), b = H5Fopen(pb, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(a >= 0 && b >= 0, "open %s / %s", pa, pb);
        if (a < 0 || b < 0)
            break;
        hid_t da = H5Dopen2(a, "/entry_0000/instrument/mpx1x4/data", H5P_DEFAULT);
        hid_t db = H5Dopen2(b, "/entry_0000/instrument/mpx1x4/data", H5P_DEFAULT);
        for (long f0 = 0; f0 < npts; f0 += 16) {
            long n = npts - f0 < 16 ? npts - f0 : 16;
            CHECK(read_frames(da, f0, n, fa) == 0 && read_frames(db, f0, n, fb) == 0, "read");
            diff += memcmp(fa, fb, sizeof(int32_t) * NPIX * n) != 0;
        }
        H5Dclose(da);
        H5Dclose(db);
        H5Fclose(a);
        H5Fclose(b);
    }
    CHECK(diff == 0, "same seed gave different frames in %ld batches", diff);
    free(fa);
    free(fb);
}

static void check_errors(const char *tmp)
{
    qmap_sim_params p;
    char dir[1300], file[1200];
    qmap_sim_defaults(&p);
    p.n_fast = 0;
    CHECK(qmap_simulate(&p, tmp, NULL, 0) == QMAP_ERR_VALUE, "n_fast = 0 must fail");
    qmap_sim_defaults(&p);
    p.d_spacing = 0.5;      /* lambda / 2d > 1 at 9 keV */
    CHECK(qmap_simulate(&p, tmp, NULL, 0) == QMAP_ERR_VALUE, "unreachable d must fail");
    CHECK(strlen(qmap_error_message()) > 0, "error message");
    snprintf(file, sizeof file, "%s/sim_not_a_dir", tmp);
    FILE *fp = fopen(file, "w");
    if (fp)
        fclose(fp);
    snprintf(dir, sizeof dir, "%s/sub", file);
    test_params(&p);
    p.n_eta = 2;
    CHECK(qmap_simulate(&p, dir, NULL, 0) == QMAP_ERR_IO, "a path under a file must fail");
    unlink(file);

    /* Failure after the first scan was written: everything written is removed. */
    char blocker[1400], probe[1400];
    snprintf(dir, sizeof dir, "%s/sim_fail", tmp);
    mkdir(dir, 0777);
    snprintf(blocker, sizeof blocker, "%s/scan0003", dir);
    fp = fopen(blocker, "w");
    if (fp)
        fclose(fp);
    CHECK(qmap_simulate(&p, dir, NULL, 0) == QMAP_ERR_IO, "blocked scan directory must fail");
    struct stat st;
    snprintf(probe, sizeof probe, "%s/scan0002", dir);
    CHECK(stat(probe, &st) != 0, "%s must be removed after a failure", probe);
    snprintf(probe, sizeof probe, "%s/sample_0001.h5", dir);
    CHECK(stat(probe, &st) != 0, "%s must not exist after a failure", probe);
    unlink(blocker);
    rmdir(dir);
}

/* Remove a simulated dataset directory (what qmap_simulate writes, nothing else). */
static void remove_dataset(const char *dir, int n_eta)
{
    char p[1400];
    for (int k = 0; k < n_eta; k++) {
        snprintf(p, sizeof p, "%s/scan%04d/mpx1x4_0000.h5", dir, k + 2);
        unlink(p);
        snprintf(p, sizeof p, "%s/scan%04d", dir, k + 2);
        rmdir(p);
    }
    snprintf(p, sizeof p, "%s/sample_0001.h5", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/ground_truth.h5", dir);
    unlink(p);
    rmdir(dir);
}

/* The CLI's default drift for a map: unchanged where it moves the particle less than a
 * quarter of the map by the last scan (the demo's 30 x 24 x 13), scaled down, direction kept,
 * where it would move it more (20 x 20 x 30: 1.2 um of a 1.9 um map). */
static void check_default_drift(void)
{
    qmap_sim_params d, p;
    qmap_sim_defaults(&d);
    p = d;
    qmap_sim_fit_default_drift(&p);
    CHECK(p.drift_um[0] == d.drift_um[0] && p.drift_um[1] == d.drift_um[1], "default map: drift %g,%g changed",
          p.drift_um[0], p.drift_um[1]);
    p.n_fast = p.n_slow = 20;
    p.n_eta = 30;
    qmap_sim_fit_default_drift(&p);
    double moved_x = fabs(p.drift_um[0]) * 29, room = QMAP_SIM_DRIFT_MAX_FRACTION * 19 * p.step_um;
    CHECK(fabs(moved_x - room) < 1e-12 && fabs(p.drift_um[1] * 29) < room &&
              fabs(p.drift_um[1] / p.drift_um[0] - d.drift_um[1] / d.drift_um[0]) < 1e-12,
          "20 x 20 x 30: drift %g,%g um per scan moves %g um of %g allowed, or turned", p.drift_um[0],
          p.drift_um[1], moved_x, room);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    static ctx c;
    char dir_b[1200];
    if (!tmp)
        tmp = "/tmp";
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    check_symmetric_geometry();
    check_default_drift();
    test_params(&c.p);
    snprintf(c.dir, sizeof c.dir, "%s/sim_a", tmp);
    int rc = qmap_simulate(&c.p, c.dir, c.master, sizeof c.master);
    CHECK(rc == QMAP_OK, "qmap_simulate: %d %s", rc, qmap_error_message());
    if (rc != QMAP_OK)
        return 1;
    char want[1300];
    snprintf(want, sizeof want, "%s/sample_0001.h5", c.dir);
    CHECK(strcmp(c.master, want) == 0, "master path %s", c.master);
    read_truth(&c);
    check_master(&c);
    check_physics(&c);

    /* Same seed, one thread, gzip instead of bitshuffle-LZ4: identical frames. */
    qmap_sim_params pb = c.p;
    pb.compression = 1;
    snprintf(dir_b, sizeof dir_b, "%s/sim_b", tmp);
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    rc = qmap_simulate(&pb, dir_b, NULL, 0);
    omp_set_num_threads(nt);
    CHECK(rc == QMAP_OK, "second simulation: %s", qmap_error_message());
    if (rc == QMAP_OK)
        check_identical(&c, dir_b);
    remove_dataset(dir_b, pb.n_eta);
    check_errors(tmp);
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
