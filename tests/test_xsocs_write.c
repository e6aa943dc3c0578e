/* test_xsocs_write.c -- `qmap process --xsocs-qspace`: the XSOCS q-space file.
 *
 * Layout: every object of a real XSOCS output (shared/data/id01-xsocs-ingan/qspace_shift.h5)
 * exists in ours with the same object type, datatype, rank, storage (chunked + gzip or
 * contiguous) and attributes (names, types, ranks, string values), and ours has nothing
 * else but params/entries/shifts/ENTRY/shift. Values: against the results file written in
 * the same run (Data/qspace summed over positions = /qspace/average, Data/histo =
 * /qspace/hits, qspace_sum = per-position sums, sample_x/y = the raster positions, axes,
 * entries, shifts, calibration). Bad output paths: one "qmap:" line, non-zero exit, no file.
 * Read with the HDF5 C API (h5py may crash on the real file). Without ../shared/data the
 * layout comparison is skipped (tests/shared_data.h) and the rest runs.
 */
#include "qmap/error.h"
#include "qmap/results.h"
#include "qmap/xsocs.h"
#include "check.h"
#include "shared_data.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

static char real_path[1024], ours_path[1200], results_path[1200], tmp_dir[1024];

/* ---- layout comparison ---- */

static int same_type(hid_t a, hid_t b)
{
    if (H5Tget_class(a) != H5Tget_class(b))
        return 0;
    if (H5Tget_class(a) == H5T_STRING)
        return H5Tis_variable_str(a) == H5Tis_variable_str(b) && H5Tget_cset(a) == H5Tget_cset(b) &&
               H5Tget_strpad(a) == H5Tget_strpad(b);
    return H5Tequal(a, b) > 0;
}

/* String attribute values as one "a|b|c" text (VL strings only). */
static void attr_text(hid_t a, char *out, size_t size)
{
    out[0] = '\0';
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) && n > 0 && n < 64) {
        char *v[64] = {0};
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Aread(a, mt, v) >= 0) {
            for (hssize_t i = 0; i < n; i++) {
                size_t l = strlen(out);
                snprintf(out + l, size - l, "%s%s", i ? "|" : "", v[i] ? v[i] : "");
            }
            H5Dvlen_reclaim(mt, s, H5P_DEFAULT, v);
        }
        H5Tclose(mt);
    }
    H5Tclose(t);
    H5Sclose(s);
}

static void compare_attributes(hid_t ro, hid_t oo, const char *path)
{
    H5O_info_t ri, oi;
    H5Oget_info2(ro, &ri, H5O_INFO_NUM_ATTRS);
    H5Oget_info2(oo, &oi, H5O_INFO_NUM_ATTRS);
    CHECK(ri.num_attrs == oi.num_attrs, "%s: %llu attributes, the XSOCS file has %llu", path,
          (unsigned long long)oi.num_attrs, (unsigned long long)ri.num_attrs);
    for (hsize_t k = 0; k < ri.num_attrs; k++) {
        char name[256];
        hid_t ra = H5Aopen_by_idx(ro, ".", H5_INDEX_NAME, H5_ITER_INC, k, H5P_DEFAULT, H5P_DEFAULT);
        H5Aget_name(ra, sizeof name, name);
        if (!H5Aexists(oo, name)) {
            CHECK(0, "%s: attribute %s missing", path, name);
            H5Aclose(ra);
            continue;
        }
        hid_t oa = H5Aopen(oo, name, H5P_DEFAULT);
        hid_t rt = H5Aget_type(ra), ot = H5Aget_type(oa), rs = H5Aget_space(ra), os = H5Aget_space(oa);
        CHECK(same_type(rt, ot), "%s@%s: datatype differs", path, name);
        CHECK(H5Sget_simple_extent_ndims(rs) == H5Sget_simple_extent_ndims(os), "%s@%s: rank differs", path, name);
        char rv[512], ov[512];
        attr_text(ra, rv, sizeof rv);
        attr_text(oa, ov, sizeof ov);
        CHECK(strcmp(rv, ov) == 0, "%s@%s = '%s', XSOCS has '%s'", path, name, ov, rv);
        H5Tclose(rt), H5Tclose(ot), H5Sclose(rs), H5Sclose(os), H5Aclose(ra), H5Aclose(oa);
    }
}

/* Storage of a dataset: 0 contiguous/compact, 1 chunked without gzip, 2 chunked + gzip level L
 * (returned as 100 + L). */
static int storage(hid_t d)
{
    hid_t pl = H5Dget_create_plist(d);
    int st = 0;
    if (H5Pget_layout(pl) == H5D_CHUNKED) {
        st = 1;
        for (int i = 0; i < H5Pget_nfilters(pl); i++) {
            unsigned flags, cd[8];
            size_t ncd = 8;
            if (H5Pget_filter2(pl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL) == H5Z_FILTER_DEFLATE)
                st = 100 + (ncd ? (int)cd[0] : 0);
        }
    }
    H5Pclose(pl);
    return st;
}

static hid_t ours_file;
static int n_compared;

static herr_t visit_real(hid_t real, const char *name, const H5O_info_t *info, void *data)
{
    (void)data;
    if (strcmp(name, ".") == 0)
        name = "/";
    if (!(strcmp(name, "/") == 0 || H5Lexists(ours_file, name, H5P_DEFAULT) > 0)) {
        CHECK(0, "%s: missing from our file", name);
        return 0;
    }
    hid_t ro = H5Oopen(real, name, H5P_DEFAULT), oo = H5Oopen(ours_file, name, H5P_DEFAULT);
    H5O_info_t oi;
    H5Oget_info2(oo, &oi, H5O_INFO_BASIC);
    CHECK(oi.type == info->type, "%s: object type differs", name);
    if (oi.type == info->type && info->type == H5O_TYPE_DATASET) {
        hid_t rt = H5Dget_type(ro), ot = H5Dget_type(oo), rs = H5Dget_space(ro), os = H5Dget_space(oo);
        CHECK(same_type(rt, ot), "%s: datatype differs", name);
        CHECK(H5Tget_class(rt) != H5T_ENUM || H5Tequal(rt, ot) > 0, "%s: enum differs", name);
        CHECK(H5Sget_simple_extent_type(rs) == H5Sget_simple_extent_type(os) &&
              H5Sget_simple_extent_ndims(rs) == H5Sget_simple_extent_ndims(os), "%s: rank differs", name);
        CHECK(storage(ro) == storage(oo), "%s: storage %d, XSOCS %d (0 contiguous, 100+L gzip L)", name,
              storage(oo), storage(ro));
        H5Tclose(rt), H5Tclose(ot), H5Sclose(rs), H5Sclose(os);
    }
    compare_attributes(ro, oo, name);
    H5Oclose(ro), H5Oclose(oo);
    n_compared++;
    return 0;
}

static hid_t real_file;

static herr_t visit_ours(hid_t f, const char *name, const H5O_info_t *info, void *data)
{
    (void)f, (void)info, (void)data;
    if (strcmp(name, ".") == 0 || strncmp(name, "params/entries/shifts", 21) == 0)
        return 0;
    CHECK(H5Lexists(real_file, name, H5P_DEFAULT) > 0, "%s: not in the XSOCS file", name);
    return 0;
}

/* ---- values ---- */

static void *read_all(hid_t f, const char *path, hid_t mem_type, size_t elem, size_t *n)
{
    *n = 0;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) {
        CHECK(0, "cannot open %s", path);
        return NULL;
    }
    hid_t s = H5Dget_space(d);
    *n = (size_t)H5Sget_simple_extent_npoints(s);
    void *v = malloc(elem * (*n ? *n : 1));
    if (H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        CHECK(0, "cannot read %s", path);
    H5Sclose(s);
    H5Dclose(d);
    return v;
}

static double *read_doubles(hid_t f, const char *path, size_t *n)
{
    return read_all(f, path, H5T_NATIVE_DOUBLE, sizeof(double), n);
}

static void read_param(hid_t f, const char *key, char *out, size_t size)
{
    out[0] = '\0';
    hid_t g = H5Gopen2(f, "/parameters", H5P_DEFAULT);
    if (g < 0 || !H5Aexists(g, key)) {
        CHECK(0, "results /parameters@%s missing", key);
        if (g >= 0) H5Gclose(g);
        return;
    }
    hid_t a = H5Aopen(g, key, H5P_DEFAULT), t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    char *buf = calloc(1, n + 1);
    H5Aread(a, t, buf);
    snprintf(out, size, "%s", buf);
    free(buf);
    H5Tclose(t), H5Aclose(a), H5Gclose(g);
}

static void check_values(void)
{
    hid_t res = H5Fopen(results_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t x = H5Fopen(ours_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (res < 0 || x < 0) {
        CHECK(0, "cannot open %s or %s", results_path, ours_path);
        return;
    }
    size_t n_avg, n_hits, n_cube, n_xs, n_qs, n_sx, n_sy, n_mx, n_my, n_h;
    double *avg = read_doubles(res, "/qspace/average", &n_avg);
    double *hits = read_doubles(res, "/qspace/hits", &n_hits);
    double *mx = read_doubles(res, "/maps/x", &n_mx), *my = read_doubles(res, "/maps/y", &n_my);
    float *cube = read_all(res, "/qspace/cube", H5T_NATIVE_FLOAT, sizeof(float), &n_cube);
    float *qs = read_all(x, "/Data/qspace", H5T_NATIVE_FLOAT, sizeof(float), &n_qs);
    float *qsum = read_all(x, "/Data/qspace_sum", H5T_NATIVE_FLOAT, sizeof(float), &n_xs);
    int *histo = read_all(x, "/Data/histo", H5T_NATIVE_INT, sizeof(int), &n_h);
    double *sx = read_doubles(x, "/Data/sample_x", &n_sx), *sy = read_doubles(x, "/Data/sample_y", &n_sy);
    size_t n_pos = n_mx * n_my, bins = n_avg;
    CHECK(n_pos > 1 && bins > 1 && n_qs == n_pos * bins && n_cube == n_qs && n_h == bins && n_hits == bins &&
          n_xs == n_pos && n_sx == n_pos && n_sy == n_pos,
          "sizes: %zu positions, %zu bins, qspace %zu, cube %zu, histo %zu", n_pos, bins, n_qs, n_cube, n_h);
    if (failures == 0) {
        double amax = 0, worst = 0, tot = 0;
        for (size_t b = 0; b < bins; b++)
            amax = fmax(amax, fabs(avg[b]));
        for (size_t b = 0; b < bins; b++) {
            double s = 0;
            for (size_t p = 0; p < n_pos; p++)
                s += qs[p * bins + b];
            worst = fmax(worst, fabs(s - avg[b]));
            tot += s;
        }
        CHECK(tot > 0 && worst <= 1e-5 * amax, "sum over positions of Data/qspace differs from /qspace/average "
              "by %g (max %g)", worst, amax);
        size_t bad = 0;
        for (size_t i = 0; i < n_qs; i++)
            bad += qs[i] != cube[i];
        CHECK(bad == 0, "Data/qspace differs from /qspace/cube at %zu values", bad);
        bad = 0;
        for (size_t b = 0; b < bins; b++)
            bad += histo[b] != hits[b];
        CHECK(bad == 0, "Data/histo differs from /qspace/hits at %zu bins", bad);
        bad = 0;
        for (size_t p = 0; p < n_pos; p++) {
            double s = 0;
            for (size_t b = 0; b < bins; b++)
                s += cube[p * bins + b];
            bad += fabs(qsum[p] - s) > 1e-6 * fabs(s) + 1e-3;
            bad += sx[p] != mx[p % n_mx] || sy[p] != my[p / n_mx];
        }
        CHECK(bad == 0, "qspace_sum / sample_x / sample_y wrong at %zu positions", bad);
        CHECK(sx[1] != sx[0] && sy[n_mx] != sy[0] && sy[1] == sy[0], "positions: x fast, y slow");
    }
    /* axes */
    static const char *ax[3] = {"qx", "qy", "qz"};
    for (int a = 0; a < 3; a++) {
        char p1[64], p2[64];
        snprintf(p1, sizeof p1, "/qspace/%s", ax[a]);
        snprintf(p2, sizeof p2, "/Data/%s", ax[a]);
        size_t n1, n2;
        double *v1 = read_doubles(res, p1, &n1), *v2 = read_doubles(x, p2, &n2);
        int same = n1 == n2 && n1 > 1;
        for (size_t i = 0; same && i < n1; i++)
            same = fabs(v1[i] - v2[i]) <= 1e-12;
        CHECK(same, "%s differs from %s", p2, p1);
        free(v1), free(v2);
    }
    /* entries and shifts */
    char scans[1024], centre[256], dist[64], pix[128];
    read_param(res, "scans", scans, sizeof scans);
    read_param(res, "center_pixel", centre, sizeof centre);
    read_param(res, "distance_m", dist, sizeof dist);
    read_param(res, "pixel_size_m", pix, sizeof pix);
    hid_t d = H5Dopen2(x, "/params/entries/selected", H5P_DEFAULT);
    hid_t s = H5Dget_space(d);
    int n_sel = (int)H5Sget_simple_extent_npoints(s);
    char *sel[64] = {0};
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5T_CSET_UTF8);
    CHECK(n_sel > 1 && n_sel < 64 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, sel) >= 0, "read selected");
    char joined[1024] = "";
    for (int i = 0; i < n_sel && i < 64; i++) {
        size_t l = strlen(joined);
        snprintf(joined + l, sizeof joined - l, "%s%s", i ? "," : "", sel[i]);
    }
    CHECK(strcmp(joined, scans) == 0, "selected '%s' != scans '%s'", joined, scans);
    size_t n_shx, n_shy;
    double *shx = read_doubles(res, "/shift/x", &n_shx), *shy = read_doubles(res, "/shift/y", &n_shy);
    CHECK(n_shx == (size_t)n_sel && fabs(shx[n_shx - 1]) > 0, "results shifts (%zu) for %d entries", n_shx, n_sel);
    signed char has = -1;
    hid_t hd = H5Dopen2(x, "/params/entries/has_shift", H5P_DEFAULT);
    H5Dread(hd, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, &has);
    H5Dclose(hd);
    CHECK(has == 1, "has_shift is %d for a drifting dataset", has);
    for (int i = 0; i < n_sel && i < (int)n_shx; i++) {
        char p[256];
        snprintf(p, sizeof p, "/params/entries/shifts/%s/shift", sel[i]);
        size_t n;
        double *v = read_doubles(x, p, &n);
        CHECK(v && n == 2 && v[0] == shx[i] && v[1] == shy[i], "%s != (/shift/x, /shift/y)[%d]", p, i);
        free(v);
    }
    H5Dvlen_reclaim(mt, s, H5P_DEFAULT, sel);
    H5Sclose(s), H5Dclose(d);
    /* calibration: direct beam = centre pixel (row, col); channels per degree = pixels
     * spanning 1 degree seen from the sample: 2 atan(cpd * pixel / (2 distance)) = 1 deg */
    size_t n;
    double *db = read_doubles(x, "/Params/direct_beam", &n), *cpd = read_doubles(x, "/Params/channels_per_degree", &n);
    double row, col, dm = atof(dist), prow, pcol;
    CHECK(sscanf(centre, "%lf,%lf", &row, &col) == 2 && sscanf(pix, "%lf,%lf", &prow, &pcol) == 2, "parameters");
    CHECK(fabs(db[0] - row) < 1e-9 && fabs(db[1] - col) < 1e-9, "direct_beam %g,%g != %s", db[0], db[1], centre);
    double deg0 = 2 * atan(cpd[0] * prow / (2 * dm)) * 180 / M_PI, deg1 = 2 * atan(cpd[1] * pcol / (2 * dm)) * 180 / M_PI;
    CHECK(fabs(deg0 - 1) < 1e-9 && fabs(deg1 - 1) < 1e-9, "channels_per_degree %g, %g span %.12f, %.12f deg",
          cpd[0], cpd[1], deg0, deg1);
    char *norm = NULL;
    hid_t nd = H5Dopen2(x, "/Params/image_normalizer", H5P_DEFAULT);
    CHECK(H5Dread(nd, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &norm) >= 0 && norm && strcmp(norm, "mon1") == 0,
          "image_normalizer '%s', expected the monitor mon1", norm ? norm : "(unreadable)");
    H5free_memory(norm);
    H5Dclose(nd);
    H5Tclose(mt);
    free(db), free(cpd), free(shx), free(shy);
    free(avg), free(hits), free(mx), free(my), free(cube), free(qs), free(qsum), free(histo), free(sx), free(sy);
    H5Fclose(res);
    H5Fclose(x);
}

/* ---- the CLI ---- */

static int run(const char *cmd)
{
    int st = system(cmd);
    return st == -1 ? -1 : WEXITSTATUS(st);
}

static int count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    int n = 0, c;
    while (f && (c = fgetc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static int tmp_left(void)
{
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp-") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void check_bad_path(const char *bin, const char *data, const char *out, const char *what)
{
    char cmd[8192], err[1200], first[512] = "";
    snprintf(err, sizeof err, "%s/err.txt", tmp_dir);
    snprintf(cmd, sizeof cmd, "'%s' process '%s' -o '%s/r2.h5' --hkl 0,0,3 --threads 1 -q --xsocs-qspace '%s' 2> '%s'",
             bin, data, tmp_dir, out, err);
    int rc = run(cmd);
    FILE *f = fopen(err, "r");
    if (f && !fgets(first, sizeof first, f))
        first[0] = '\0';
    if (f)
        fclose(f);
    CHECK(rc != 0, "%s: exit status 0", what);
    CHECK(count_lines(err) == 1 && strncmp(first, "qmap process:", 13) == 0, "%s: expected one 'qmap process:' line, got '%s'",
          what, first);
    CHECK(tmp_left() == 0, "%s: a temporary file was left in %s", what, tmp_dir);
}

int main(void)
{
    const char *bin = getenv("QMAP_BIN"), *scratch = getenv("QMAP_TEST_TMP");
    if (!bin || !scratch) {
        fprintf(stderr, "test_xsocs_write: QMAP_BIN and QMAP_TEST_TMP must be set\n");
        return 1;
    }
    snprintf(tmp_dir, sizeof tmp_dir, "%s/xsocs_write", scratch);
    snprintf(ours_path, sizeof ours_path, "%s/xsocs_qspace.h5", tmp_dir);
    snprintf(results_path, sizeof results_path, "%s/results.h5", tmp_dir);
    char cmd[16384], data[1200];
    snprintf(data, sizeof data, "%s/sim/sample_0001.h5", tmp_dir);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s' && '%s' simulate -o '%s/sim' --size 12,10 --eta 7 > '%s/sim.log' 2>&1 && "
             "'%s' process '%s' -o '%s' --hkl 0,0,3 --monitor mon1 --threads 1 --xsocs-qspace '%s' > '%s/process.log' 2>&1",
             tmp_dir, tmp_dir, bin, tmp_dir, tmp_dir, bin, data, results_path, ours_path, tmp_dir);
    if (run(cmd) != 0) {
        fprintf(stderr, "FAIL: simulate / process --xsocs-qspace failed: see %s/*.log\n", tmp_dir);
        return 1;
    }

    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    ours_file = H5Fopen(ours_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(ours_file >= 0, "cannot open %s", ours_path);
    if (ours_file < 0)
        return 1;
    const char *shared = shared_folder("test_xsocs_write", "data",
                                       "the layout comparison with a real XSOCS q-space file");
    if (shared) {
        snprintf(real_path, sizeof real_path, "%s/data/id01-xsocs-ingan/qspace_shift.h5", shared);
        real_file = H5Fopen(real_path, H5F_ACC_RDONLY, H5P_DEFAULT);
        CHECK(real_file >= 0, "cannot open %s", real_path);
        if (real_file < 0)
            return 1;
        H5Ovisit2(real_file, H5_INDEX_NAME, H5_ITER_INC, visit_real, NULL, H5O_INFO_BASIC);
        H5Ovisit2(ours_file, H5_INDEX_NAME, H5_ITER_INC, visit_ours, NULL, H5O_INFO_BASIC);
        CHECK(n_compared == 23, "compared %d objects of the XSOCS file, expected 23", n_compared);
        H5Fclose(real_file);
    }
    /* the one chunking we change on purpose: one chunk per position */
    hid_t d = H5Dopen2(ours_file, "/Data/qspace", H5P_DEFAULT), pl = H5Dget_create_plist(d), s = H5Dget_space(d);
    hsize_t chunk[4] = {0}, dims[4] = {0};
    H5Pget_chunk(pl, 4, chunk);
    H5Sget_simple_extent_dims(s, dims, NULL);
    CHECK(chunk[0] == 1 && chunk[1] == dims[1] && chunk[2] == dims[2] && chunk[3] == dims[3],
          "Data/qspace chunk is not one position");
    H5Sclose(s), H5Pclose(pl), H5Dclose(d);
    H5Fclose(ours_file);
    check_values();

    /* bad output paths: a missing folder, an existing folder; and results without a cube */
    char bad[1200];
    snprintf(bad, sizeof bad, "%s/no_such_folder/x.h5", tmp_dir);
    check_bad_path(bin, data, bad, "missing folder");
    struct stat st;
    CHECK(stat(bad, &st) != 0, "file made in a missing folder");
    snprintf(bad, sizeof bad, "%s/a_folder", tmp_dir);
    mkdir(bad, 0777);
    check_bad_path(bin, data, bad, "existing folder");
    CHECK(stat(bad, &st) == 0 && S_ISDIR(st.st_mode), "the folder was replaced");
    qmap_results *r = qmap_results_new(3, 2, 1, 0);
    CHECK(r && qmap_xsocs_qspace_write(r, ours_path) == QMAP_ERR_VALUE && strstr(qmap_error_message(), "cube"),
          "results without a cube: %s", qmap_error_message());
    qmap_results_free(r);
    if (failures)
        fprintf(stderr, "test_xsocs_write: %d failure(s)\n", failures);
    return shared_exit_status(failures);
}
