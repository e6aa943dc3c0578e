/* test_dataset.c -- qmap_dataset_open and the per-scan metadata readers.
 *
 * (1) The real ID01 BLISS file (one ascan, no map) must be refused with a clear
 *     message, and its calibration must read back through the internal readers.
 * (2) Synthetic BLISS-like files written here with the HDF5 C API: scan discovery
 *     (sorting, .2 subscans, ascans, interrupted scans), both title forms, recorded /
 *     padded / nominal positions, monitor, calibration fallbacks, the pixel mask, and
 *     one broken file per error case (each must fail with the expected words).
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[1024];

#include "check.h"
#include "shared_data.h"

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * (1 + fabs(b));
}

/* ------------------------------------------------------------ HDF5 writers */

static hid_t lcpl(void)
{
    static hid_t p = -1;
    if (p < 0) {
        p = H5Pcreate(H5P_LINK_CREATE);
        H5Pset_create_intermediate_group(p, 1);
    }
    return p;
}

static void write_data(hid_t loc, const char *path, hid_t ftype, hid_t mtype, int rank,
                       const hsize_t *dims, const void *data)
{
    hid_t s = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(loc, path, ftype, s, lcpl(), H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(2);
    }
    if (data)
        H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(d);
    H5Sclose(s);
}

static void put_double(hid_t loc, const char *path, double v)
{
    write_data(loc, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &v);
}

/* As a 1-element float32 array, the other way BLISS may store a number. */
static void put_float1(hid_t loc, const char *path, double v)
{
    float f = (float)v;
    hsize_t one = 1;
    write_data(loc, path, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, &one, &f);
}

static void put_array(hid_t loc, const char *path, const double *v, size_t n)
{
    hsize_t dims = n;
    write_data(loc, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &dims, v);
}

static void put_string(hid_t loc, const char *path, const char *str, int vlen)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (vlen) {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        write_data(loc, path, t, t, 0, NULL, &str);
    } else {
        H5Tset_size(t, strlen(str) + 4);   /* NUL-padded fixed length */
        H5Tset_strpad(t, H5T_STR_NULLPAD);
        char buf[512] = {0};
        snprintf(buf, sizeof buf, "%s", str);
        write_data(loc, path, t, t, 0, NULL, buf);
    }
    H5Tclose(t);
}

static void put_detector(hid_t loc, const char *path, int rank, int frames, int rows, int cols)
{
    hsize_t d3[3] = {(hsize_t)frames, (hsize_t)rows, (hsize_t)cols};
    const hsize_t *dims = rank == 3 ? d3 : d3 + 1;
    write_data(loc, path, H5T_STD_I32LE, H5T_NATIVE_INT, rank, dims, NULL);
}

static void put_mask(hid_t loc, const char *path, int rows, int cols, int masked_index)
{
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    unsigned short *m = calloc((size_t)rows * cols, sizeof *m);
    m[masked_index] = 300;   /* a uint16 value whose low byte is not the point */
    write_data(loc, path, H5T_STD_U16LE, H5T_NATIVE_USHORT, 2, dims, m);
    free(m);
}

/* ------------------------------------------------------------ synthetic scans */

enum { E_ENERGY, E_WAVELENGTH, E_NRJ, E_NONE };
enum { P_NONE, P_MEASUREMENT, P_POSITIONERS };

typedef struct {
    const char *name, *title;
    int vlen_title;
    const char *det;
    int det_rank, frames, rows, cols;
    double distance;       /* NAN allowed */
    int no_distance;
    double energy;         /* eV, or WaveLength (m), or nrj (keV) per energy_mode */
    int energy_mode;
    int pos_mode, n_pos_slow; /* P_POSITIONERS: slow array has n_pos_slow values */
    int n_points;
    int mon_len;           /* 0: no mon1 */
    int mask_index;        /* -1: no pixel_mask */
    int no_measurement;
    int soft_link_det;
} scan_spec;

static scan_spec base_spec(const char *name, const char *title)
{
    scan_spec s = {name, title, 1, "mpx1x4", 3, 12, 8, 6, 0.5, 0, 9000.0, E_ENERGY,
                   P_NONE, 0, 12, 12, -1, 0, 0};
    return s;
}

static void write_scan(hid_t f, const scan_spec *s)
{
    char p[256];
    hid_t g = H5Gcreate2(f, s->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    put_string(g, "title", s->title, s->vlen_title);
    if (!s->no_measurement) {
        H5Gclose(H5Gcreate2(g, "measurement", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        if (s->soft_link_det) {
            snprintf(p, sizeof p, "instrument/%s/image", s->det);
            put_detector(g, p, s->det_rank, s->frames, s->rows, s->cols);
            char target[300], link[300];
            snprintf(target, sizeof target, "/%s/instrument/%s/image", s->name, s->det);
            snprintf(link, sizeof link, "measurement/%s", s->det);
            H5Lcreate_soft(target, g, link, H5P_DEFAULT, H5P_DEFAULT);
        } else {
            snprintf(p, sizeof p, "measurement/%s", s->det);
            put_detector(g, p, s->det_rank, s->frames, s->rows, s->cols);
        }
    }
    snprintf(p, sizeof p, "instrument/%s/beam_center_x", s->det);
    put_float1(g, p, 3.5);
    snprintf(p, sizeof p, "instrument/%s/beam_center_y", s->det);
    put_double(g, p, 2.25);
    if (!s->no_distance) {
        snprintf(p, sizeof p, "instrument/%s/distance", s->det);
        put_double(g, p, s->distance);
    }
    snprintf(p, sizeof p, "instrument/%s/x_pixel_size", s->det);
    put_double(g, p, 55e-6);
    snprintf(p, sizeof p, "instrument/%s/y_pixel_size", s->det);
    put_float1(g, p, 75e-6);
    if (s->energy_mode == E_ENERGY)
        put_double(g, "instrument/monochromator/Energy", s->energy);
    else if (s->energy_mode == E_WAVELENGTH)
        put_double(g, "instrument/monochromator/WaveLength", s->energy);
    else if (s->energy_mode == E_NRJ)
        put_double(g, "instrument/positioners/nrj", s->energy);
    if (s->mask_index >= 0) {
        snprintf(p, sizeof p, "instrument/%s/pixel_mask", s->det);
        put_mask(g, p, s->rows, s->cols, s->mask_index);
    }
    double buf[64];
    for (int i = 0; i < 64; i++)
        buf[i] = 0;
    if (s->pos_mode == P_POSITIONERS) {
        double eta[3] = {10.0, 10.5, 11.0};   /* an array: its mean is used */
        put_array(g, "instrument/positioners/eta", eta, 3);
    } else {
        put_double(g, "instrument/positioners/eta", 12.5);
        put_double(g, "instrument/positioners/phi", -36.0);
        put_float1(g, "instrument/positioners/nu", -0.5);
    }
    put_double(g, "instrument/positioners/delta", 37.0);
    if (s->pos_mode == P_MEASUREMENT && !s->no_measurement) {
        for (int i = 0; i < s->n_points; i++)
            buf[i] = 100 + 0.5 * i;
        put_array(g, "measurement/pix_position", buf, (size_t)s->n_points);
        for (int i = 0; i < s->n_points; i++)
            buf[i] = 200 + i;
        put_array(g, "instrument/piy_position/value", buf, (size_t)s->n_points);
        put_double(g, "instrument/positioners/pix", 5.0);   /* scalar: must be ignored */
    } else if (s->pos_mode == P_POSITIONERS) {
        for (int i = 0; i < s->n_points; i++)
            buf[i] = 50 + i;
        put_array(g, "instrument/positioners/pix", buf, (size_t)s->n_points);
        for (int i = 0; i < s->n_pos_slow; i++)
            buf[i] = 60 + i;
        put_array(g, "instrument/positioners/piy", buf, (size_t)s->n_pos_slow);
    } else {
        put_double(g, "instrument/positioners/pix", 5.0);
        put_double(g, "instrument/positioners/piy", 6.0);
    }
    if (s->mon_len > 0 && !s->no_measurement) {
        for (int i = 0; i < s->mon_len; i++)
            buf[i] = 1000 + i;
        if (s->mon_len > 2)
            buf[2] = 0;   /* non-positive: NaN */
        put_array(g, "measurement/mon1", buf, (size_t)s->mon_len);
    }
    H5Gclose(g);
}

static void tmp_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

/* Write a file holding the given scans. */
static void write_file(const char *path, const scan_spec *specs, int n)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "cannot create %s\n", path);
        exit(2);
    }
    for (int i = 0; i < n; i++)
        write_scan(f, &specs[i]);
    H5Fclose(f);
}

/* ------------------------------------------------------------ checks */

/* Opening must fail; the message must contain every word given. */
static void expect_open_error(const char *path, const qmap_open_options *opt, const char *w1,
                              const char *w2)
{
    qmap_dataset *ds = (qmap_dataset *)1;
    qmap_error_clear();
    int rc = qmap_dataset_open(path, opt, &ds);
    const char *msg = qmap_error_message();
    CHECK(rc < 0, "%s: open succeeded, expected an error with '%s'", path, w1);
    CHECK(ds == NULL, "%s: *out not NULL after an error", path);
    CHECK(!w1 || strstr(msg, w1), "%s: message '%s' lacks '%s'", path, msg, w1);
    CHECK(!w2 || strstr(msg, w2), "%s: message '%s' lacks '%s'", path, msg, w2);
    CHECK(strchr(msg, '\n') == NULL, "message has a newline: '%s'", msg);
    if (rc == QMAP_OK)
        qmap_dataset_close(ds);
}

/* FNV-1a of a whole file, to prove that reading never writes. */
static unsigned long long file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned long long h = 1469598103934665603ull;
    int c;
    if (!f)
        return 0;
    while ((c = fgetc(f)) != EOF)
        h = (h ^ (unsigned)c) * 1099511628211ull;
    fclose(f);
    return h;
}

static void test_real_file(const char *shared)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/data/id01-bliss-ascan/PTO_STO_SL_0001.h5", shared);
    unsigned long long before = file_hash(path);
    expect_open_error(path, NULL, "no SXDM map scan (sxdm/kmap/mesh) among 1 scans",
                      "PTO_STO_SL_0001.h5");

    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0, "cannot open %s", path);
    if (f < 0)
        return;
    hid_t g = H5Gopen2(f, "20.1", H5P_DEFAULT);
    qmap_detector_geometry geom = {0};
    int rc = qmap_scan_read_calibration(g, path, "20.1", "mpx1x4", &geom);
    CHECK(rc == QMAP_OK, "real calibration: %s", qmap_error_message());
    CHECK(near(geom.center_row, 185.604, 2e-6), "centre row %.6f", geom.center_row);
    CHECK(near(geom.center_col, 172.911, 2e-6), "centre col %.6f", geom.center_col);
    CHECK(near(geom.distance_m, 0.566851, 2e-6), "distance %.6f", geom.distance_m);
    CHECK(near(geom.pixel_row_m, 55e-6, 1e-9) && near(geom.pixel_col_m, 55e-6, 1e-9),
          "pixel %g x %g", geom.pixel_row_m, geom.pixel_col_m);
    CHECK(near(geom.energy_ev, 9999.998, 1e-7), "energy %.6f", geom.energy_ev);
    int frames = 0;
    rc = qmap_scan_detector_shape(g, path, "20.1", "mpx1x4", &frames, &geom.n_rows,
                                  &geom.n_cols);
    CHECK(rc == QMAP_OK && geom.n_rows == 516 && geom.n_cols == 516,
          "real detector shape %d x %d (%s)", geom.n_rows, geom.n_cols, qmap_error_message());
    CHECK(qmap_geometry_validate(&geom) == QMAP_OK, "real geometry invalid: %s",
          qmap_error_message());
    qmap_angles a;
    rc = qmap_scan_read_angles(g, path, "20.1", &a);
    CHECK(rc == QMAP_OK, "real angles: %s", qmap_error_message());
    CHECK(near(a.delta, 37.046, 1e-3) && near(a.phi, 44.997, 1e-3) && a.nu == 0,
          "real angles delta %g phi %g nu %g", a.delta, a.phi, a.nu);
    CHECK(near(a.eta, 17.24, 0.01), "real eta mean %g (rocking 15.24..19.24)", a.eta);
    rc = qmap_scan_read_calibration(g, path, "20.1", "eiger2M", &geom);
    CHECK(rc < 0 && strstr(qmap_error_message(), "missing instrument/eiger2M/beam_center_x") &&
          strstr(qmap_error_message(), "scan 20.1"), "eiger2M message '%s'",
          qmap_error_message());
    H5Gclose(g);
    H5Fclose(f);
    CHECK(file_hash(path) == before, "the real file changed while reading it");
}

static const char *good_title_3 = "sxdm( pix, 10.0, 17.5, 4, piy, 20.0, 25.0, 3, 0.005 )";
static const char *good_title_2 = "sxdm pix 1.0 4.0 4 piy 2.0 3.0 3 0.01";
static const char *good_title_10 = "kmap(pix,0,3,4,piy,-1,1,3,0.1)";

static void write_good(const char *path)
{
    scan_spec s[6];
    s[0] = base_spec("1.1", "ascan eta 15.24 19.24 50 1");
    s[1] = base_spec("3.1", good_title_3);
    s[1].pos_mode = P_MEASUREMENT;
    s[1].mon_len = 10;
    s[1].mask_index = 5;
    s[1].soft_link_det = 1;
    s[2] = base_spec("2.1", good_title_2);
    s[2].vlen_title = 0;
    s[2].pos_mode = P_POSITIONERS;
    s[2].n_pos_slow = 7;
    s[2].energy_mode = E_WAVELENGTH;
    s[2].energy = 1.5e-10;
    s[2].mask_index = 7;
    s[3] = base_spec("2.2", good_title_2);
    s[4] = base_spec("10.1", good_title_10);
    s[4].energy_mode = E_NRJ;
    s[4].energy = 8.5;
    s[4].frames = 9;   /* interrupted: fewer frames than points */
    s[5] = base_spec("4.1", good_title_3);
    s[5].no_measurement = 1;
    write_file(path, s, 6);
}

static void check_geometry(const qmap_scan_info *s, double energy)
{
    CHECK(strcmp(s->detector, "mpx1x4") == 0, "%s: detector %s", s->name, s->detector);
    CHECK(s->geom.n_rows == 8 && s->geom.n_cols == 6, "%s: shape %d x %d", s->name,
          s->geom.n_rows, s->geom.n_cols);
    CHECK(s->geom.center_col == 3.5 && s->geom.center_row == 2.25, "%s: centre %g %g",
          s->name, s->geom.center_row, s->geom.center_col);
    CHECK(s->geom.distance_m == 0.5, "%s: distance %g", s->name, s->geom.distance_m);
    CHECK(s->geom.pixel_col_m == 55e-6 && near(s->geom.pixel_row_m, 75e-6, 1e-7),
          "%s: pixel %g x %g", s->name, s->geom.pixel_row_m, s->geom.pixel_col_m);
    CHECK(near(s->geom.energy_ev, energy, 1e-12), "%s: energy %.9g, expected %.9g", s->name,
          s->geom.energy_ev, energy);
}

static double lin(double a, double b, int n, int k)
{
    return a + (b - a) * k / (n - 1);
}

static void check_scan2(const qmap_scan_info *s)
{
    CHECK(s->number == 2 && strcmp(s->name, "2.1") == 0, "scan 0 is %s", s->name);
    CHECK(strcmp(s->title.command, "sxdm") == 0 && s->title.n_fast == 4 &&
          s->title.n_slow == 3, "2.1 title parsed wrong");
    check_geometry(s, QMAP_HC_EV_ANGSTROM / 1.5);
    CHECK(near(s->angles.eta, 10.5, 1e-12) && s->angles.phi == 0 && s->angles.nu == 0 &&
          s->angles.delta == 37.0, "2.1 angles %g %g %g %g", s->angles.eta, s->angles.phi,
          s->angles.nu, s->angles.delta);
    CHECK(s->positions_recorded, "2.1 positions not recorded");
    for (int i = 0; i < 12; i++) {
        double ey = i < 7 ? 60 + i : lin(2.0, 3.0, 3, i / 4);
        CHECK(s->x[i] == 50 + i, "2.1 x[%d] = %g", i, s->x[i]);
        CHECK(near(s->y[i], ey, 1e-12), "2.1 y[%d] = %g, expected %g", i, s->y[i], ey);
    }
    CHECK(s->n_frames == 12, "2.1 frames %d", s->n_frames);
}

static void check_scan3(const qmap_scan_info *s, int with_monitor)
{
    CHECK(s->number == 3 && strcmp(s->name, "3.1") == 0, "scan 1 is %s", s->name);
    CHECK(strcmp(s->title.fast_motor, "pix") == 0 && s->title.fast_start == 10.0 &&
          s->title.fast_end == 17.5, "3.1 title parsed wrong");
    check_geometry(s, 9000.0);
    CHECK(s->angles.eta == 12.5 && s->angles.phi == -36.0 && s->angles.nu == -0.5 &&
          s->angles.delta == 37.0, "3.1 angles");
    CHECK(s->positions_recorded, "3.1 positions not recorded");
    for (int i = 0; i < 12; i++) {
        CHECK(s->x[i] == 100 + 0.5 * i && s->y[i] == 200 + i, "3.1 pos[%d] = %g %g", i,
              s->x[i], s->y[i]);
    }
    if (!with_monitor) {
        CHECK(s->monitor == NULL, "3.1 monitor without asking");
        return;
    }
    CHECK(s->monitor != NULL, "3.1 no monitor");
    for (int i = 0; s->monitor && i < 12; i++) {
        int nan_expected = i == 2 || i >= 10;
        CHECK(nan_expected ? isnan(s->monitor[i]) : s->monitor[i] == 1000 + i,
              "3.1 monitor[%d] = %g", i, s->monitor[i]);
    }
}

static void check_scan10(const qmap_scan_info *s)
{
    CHECK(s->number == 10 && strcmp(s->name, "10.1") == 0, "scan 2 is %s", s->name);
    CHECK(strcmp(s->title.command, "kmap") == 0, "10.1 command %s", s->title.command);
    check_geometry(s, 8500.0);
    CHECK(s->n_frames == 9, "10.1 frames %d", s->n_frames);
    CHECK(!s->positions_recorded, "10.1 positions should be nominal");
    for (int i = 0; i < 12; i++) {
        double ex = lin(0, 3, 4, i % 4), ey = lin(-1, 1, 3, i / 4);
        CHECK(near(s->x[i], ex, 1e-12) && near(s->y[i], ey, 1e-12),
              "10.1 pos[%d] = %g %g, expected %g %g", i, s->x[i], s->y[i], ex, ey);
    }
}

static void test_good_file(void)
{
    char path[1200];
    tmp_path(path, sizeof path, "good.h5");
    write_good(path);

    qmap_dataset *ds = NULL;
    /* eta 10.5, 12.5, 12.5 and another map region: three series, refused by default */
    int rc = qmap_dataset_open(path, NULL, &ds);
    CHECK(rc < 0 && strstr(qmap_error_message(), "holds 3 series") &&
          strstr(qmap_error_message(), "--scans 10"), "good.h5 series: %s", qmap_error_message());
    qmap_dataset_close(ds);
    ds = NULL;
    qmap_open_options listing = {.listing = 1};
    rc = qmap_dataset_open(path, &listing, &ds);
    CHECK(rc == QMAP_OK, "open good.h5: %s", qmap_error_message());
    if (rc != QMAP_OK)
        return;
    CHECK(strcmp(qmap_dataset_path(ds), path) == 0, "path %s", qmap_dataset_path(ds));
    CHECK(qmap_dataset_n_scans(ds) == 3, "n_scans %d", qmap_dataset_n_scans(ds));
    CHECK(qmap_dataset_n_skipped(ds) == 3, "n_skipped %d (1.1 ascan, 2.2, 4.1 interrupted)",
          qmap_dataset_n_skipped(ds));
    CHECK(qmap_dataset_scan(ds, 3) == NULL && qmap_dataset_scan(ds, -1) == NULL,
          "out-of-range scan index not NULL");
    if (qmap_dataset_n_scans(ds) == 3) {
        check_scan2(qmap_dataset_scan(ds, 0));
        check_scan3(qmap_dataset_scan(ds, 1), 0);
        check_scan10(qmap_dataset_scan(ds, 2));
    }
    uint8_t mask[48] = {0};
    mask[0] = 1;
    long n = qmap_dataset_pixel_mask(ds, mask);
    CHECK(n == 2, "pixel mask count %ld (%s)", n, n < 0 ? qmap_error_message() : "");
    for (int i = 0; i < 48; i++)
        CHECK(mask[i] == (i == 0 || i == 5 || i == 7), "mask[%d] = %d", i, mask[i]);
    qmap_dataset_close(ds);

    /* explicit detector and a monitor: every scan has mon1 (12 values, [2] = 0) except
     * 3.1 (10 values: padded with NaN). */
    qmap_open_options opt = {0};
    opt.detector = "mpx1x4";
    opt.monitor = "mon1";
    opt.listing = 1;
    rc = qmap_dataset_open(path, &opt, &ds);
    CHECK(rc == QMAP_OK, "open good.h5 with monitor: %s", qmap_error_message());
    if (rc == QMAP_OK) {
        check_scan3(qmap_dataset_scan(ds, 1), 1);
        const qmap_scan_info *s = qmap_dataset_scan(ds, 0);
        CHECK(s->monitor && s->monitor[11] == 1011 && isnan(s->monitor[2]), "2.1 monitor");
        qmap_dataset_close(ds);
    }
    opt.listing = 0;
    opt.monitor = "mon9";
    expect_open_error(path, &opt, "mon9", "scan 2.1");
    opt.monitor = NULL;
    opt.detector = "foo";
    expect_open_error(path, &opt, "'foo'", "scan 2.1");
    opt.detector = "../x";
    expect_open_error(path, &opt, "detector", NULL);
}

/* One broken scan per file; the error must name it. */
static void test_bad_scan(const char *file, scan_spec s, const char *w1, const char *w2)
{
    char path[1200];
    tmp_path(path, sizeof path, file);
    scan_spec good = base_spec("1.1", good_title_3);
    scan_spec v[2] = {good, s};
    write_file(path, v, 2);
    expect_open_error(path, NULL, w1, w2);
}

static void test_errors(void)
{
    char path[1200], msg[1400];
    tmp_path(path, sizeof path, "does_not_exist.h5");
    expect_open_error(path, NULL, path, "No such file");

    tmp_path(path, sizeof path, "text.h5");
    FILE *f = fopen(path, "w");
    fputs("this is not an HDF5 file\n", f);
    fclose(f);
    expect_open_error(path, NULL, path, "not an HDF5 file");

    /* first 1000 bytes of a valid file */
    char good[1200];
    tmp_path(good, sizeof good, "good.h5");
    tmp_path(path, sizeof path, "truncated.h5");
    FILE *in = fopen(good, "rb"), *out = fopen(path, "wb");
    char buf[1000];
    size_t n = fread(buf, 1, sizeof buf, in);
    fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
    expect_open_error(path, NULL, path, "truncated");

    expect_open_error(NULL, NULL, "no file name", NULL);

    scan_spec s = base_spec("3.1", good_title_3);
    s.no_distance = 1;
    snprintf(msg, sizeof msg, "scan 3.1: missing instrument/mpx1x4/distance");
    test_bad_scan("no_distance.h5", s, msg, "no_distance.h5");

    s = base_spec("3.1", good_title_3);
    s.distance = NAN;
    test_bad_scan("nan_distance.h5", s, "scan 3.1", "distance");

    s = base_spec("3.1", good_title_3);
    s.energy = -8000;
    test_bad_scan("neg_energy.h5", s, "scan 3.1", "energy");

    s = base_spec("3.1", good_title_3);
    s.energy_mode = E_NONE;
    test_bad_scan("no_energy.h5", s, "scan 3.1", "missing instrument/monochromator/Energy");

    s = base_spec("3.1", "sxdm( pix, 10.0, 17.5, 5, piy, 20.0, 25.0, 3, 0.005 )");
    test_bad_scan("map_shape.h5", s, "scan 3.1", "map shape 5 x 3");

    s = base_spec("3.1", good_title_3);
    s.rows = 9;
    test_bad_scan("det_shape.h5", s, "scan 3.1", "9 x 6");

    s = base_spec("3.1", good_title_3);
    s.det_rank = 2;
    test_bad_scan("det_2d.h5", s, "measurement/mpx1x4 has 2 dimensions", "scan 3.1");

    s = base_spec("3.1", good_title_3);
    s.det = "andor";
    test_bad_scan("det_unknown.h5", s, "scan 3.1", "no known detector");

    /* a pixel_mask whose shape is not the detector's */
    tmp_path(path, sizeof path, "bad_pixel_mask.h5");
    scan_spec pm = base_spec("1.1", good_title_3);
    write_file(path, &pm, 1);
    hid_t h = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    put_mask(h, "1.1/instrument/mpx1x4/pixel_mask", 3, 3, 0);
    H5Fclose(h);
    qmap_dataset *ds = NULL;
    int rc = qmap_dataset_open(path, NULL, &ds);
    CHECK(rc == QMAP_OK, "bad_pixel_mask.h5: %s", qmap_error_message());
    if (rc == QMAP_OK) {
        uint8_t mask[48] = {0};
        long m = qmap_dataset_pixel_mask(ds, mask);
        CHECK(m < 0 && strstr(qmap_error_message(), "pixel_mask has shape 3 x 3") &&
              strstr(qmap_error_message(), "8 x 6"), "pixel mask shape: %ld '%s'", m,
              qmap_error_message());
        qmap_dataset_close(ds);
    }

    /* only non-map scans */
    tmp_path(path, sizeof path, "only_ascan.h5");
    scan_spec a[2] = {base_spec("1.1", "ascan eta 1 2 10 1"), base_spec("1.2", good_title_3)};
    write_file(path, a, 2);
    expect_open_error(path, NULL, "no SXDM map scan (sxdm/kmap/mesh) among 2 scans", path);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp) {
        fprintf(stderr, "test_dataset: QMAP_TEST_TMP must be set\n");
        return 1;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s", tmp);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const char *shared = shared_folder("test_dataset", "data", "the real BLISS ascan file");
    if (shared)
        test_real_file(shared);
    test_good_file();
    test_errors();
    H5Pclose(lcpl());
    if (failures) {
        fprintf(stderr, "test_dataset: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_dataset: all %s passed\n", shared ? "checks" : "simulated-data checks");
    return shared_exit_status(0);
}
