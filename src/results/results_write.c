/* results_write.c -- write qmap_results as the documented HDF5 results file.
 *
 * The file is written under a temporary name in the destination folder and renamed
 * onto the final path only when every dataset was written and the file closed, so a
 * failure never leaves a half-written results file. Layout: docs/results-file.md.
 */
#include "qmap/results.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "results_format.h"
#include "h5util.h"
#include "nexus_write.h"

#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const char *path;    /* final path, for messages */
    int failed;
} writer;

static int set_str_attr(writer *w, hid_t obj, const char *name, const char *value)
{
    int rc = qmap_h5_write_str_attr(obj, name, value);
    if (rc < 0)
        w->failed = 1;
    return rc;
}

static int set_str_list_attr(writer *w, hid_t obj, const char *name, const char **v, int n)
{
    int rc = qmap_h5_write_str_list_attr(obj, name, v, n);
    if (rc < 0)
        w->failed = 1;
    return rc;
}

static hid_t write_array(writer *w, hid_t loc, const char *name, hid_t file_type, hid_t mem_type,
                         int rank, const hsize_t *dims, const void *data, const char *units)
{
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t pl = qmap__results_dcpl(rank, dims, H5Tget_size(file_type));
    hid_t d = H5Dcreate2(loc, name, file_type, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    qmap__results_plist_close(pl);
    H5Sclose(s);
    if (d < 0 || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        w->failed = 1;
        if (d >= 0)
            H5Dclose(d);
        return -1;
    }
    if (units)
        set_str_attr(w, d, "units", units);
    H5Dclose(d);
    return 0;
}

static void write_doubles(writer *w, hid_t loc, const char *name, int rank, const hsize_t *dims,
                          const double *data, const char *units)
{
    write_array(w, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims, data, units);
}

static void write_u8(writer *w, hid_t loc, const char *name, int rank, const hsize_t *dims,
                     const uint8_t *data)
{
    write_array(w, loc, name, H5T_STD_U8LE, H5T_NATIVE_UINT8, rank, dims, data, NULL);
}

static hid_t make_group(writer *w, hid_t loc, const char *name, const char *nx_class)
{
    hid_t pl = qmap__results_gcpl();
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, pl, H5P_DEFAULT);
    qmap__results_plist_close(pl);
    if (g < 0) {
        w->failed = 1;
        return -1;
    }
    if (nx_class)
        set_str_attr(w, g, "NX_class", nx_class);
    return g;
}

static void write_maps(writer *w, hid_t file, const qmap_results *r)
{
    hid_t g = make_group(w, file, "maps", "NXdata");
    if (g < 0)
        return;
    hsize_t dims[2] = {(hsize_t)r->n_slow, (hsize_t)r->n_fast};
    const char *names[QMAP_N_MAPS];
    int n_aux = 0;
    for (int k = 0; k < QMAP_N_MAPS; k++) {
        if (!r->maps[k])
            continue;
        write_doubles(w, g, qmap_map_name(k), 2, dims, r->maps[k], qmap_map_unit(k));
        if (k != QMAP_MAP_INTENSITY)
            names[n_aux++] = qmap_map_name(k);
    }
    write_u8(w, g, "mask", 2, dims, r->mask);
    write_doubles(w, g, "background", 2, dims, r->background, "counts/hit");
    hsize_t nx = (hsize_t)r->n_fast, ny = (hsize_t)r->n_slow;
    write_doubles(w, g, "x", 1, &nx, r->x, "um");
    write_doubles(w, g, "y", 1, &ny, r->y, "um");
    set_str_attr(w, g, "signal", "intensity");
    /* axes (the nominal grid) and long names: nexus_write.c */
    set_str_list_attr(w, g, "auxiliary_signals", names, n_aux);
    H5Gclose(g);
}

static void write_fits(writer *w, hid_t file, const qmap_results *r)
{
    static const char *axis_names[3] = {"qx", "qy", "qz"};
    hid_t g = make_group(w, file, "fit", "NXcollection");
    if (g < 0)
        return;
    hsize_t dims[2] = {(hsize_t)r->n_slow, (hsize_t)r->n_fast};
    for (int a = 0; a < 3; a++) {
        hid_t ga = make_group(w, g, axis_names[a], "NXcollection");
        if (ga < 0)
            continue;
        write_doubles(w, ga, "center", 2, dims, r->fit[a].center, "1/angstrom");
        write_doubles(w, ga, "sigma", 2, dims, r->fit[a].sigma, "1/angstrom");
        write_doubles(w, ga, "area", 2, dims, r->fit[a].area, "counts/hit*1/angstrom");
        write_u8(w, ga, "status", 2, dims, r->fit[a].status);
        set_str_attr(w, ga, "model", "A/(sqrt(2 pi) s) exp(-(x-c)^2/(2 s^2)) on the hit-normalised projection");
        H5Gclose(ga);
    }
    H5Gclose(g);
}

static void write_shift_and_scans(writer *w, hid_t file, const qmap_results *r)
{
    hsize_t n = (hsize_t)r->n_scans;
    hid_t g = make_group(w, file, "shift", "NXcollection");
    if (g >= 0) {
        write_doubles(w, g, "x", 1, &n, r->shift_x, "um");
        write_doubles(w, g, "y", 1, &n, r->shift_y, "um");
        write_doubles(w, g, "measured_x", 1, &n, r->measured_shift_x, "um");
        write_doubles(w, g, "measured_y", 1, &n, r->measured_shift_y, "um");
        /* drift confidence (issue 12): docs/results-file.md */
        hsize_t one = 1;
        write_doubles(w, g, "contrast", 1, &one, &r->shift_contrast, NULL);
        write_doubles(w, g, "residual_rms", 1, &one, &r->shift_resid_px, "map pixel");
        write_doubles(w, g, "uncertainty_last_scan", 1, &one, &r->shift_sigma_px, "map pixel");
        write_doubles(w, g, "halves_difference", 1, &one, &r->shift_halves_px, "map pixel");
        set_str_attr(w, g, "signal", r->shift_signal[0] ? r->shift_signal : "none (not measured)");
        H5Gclose(g);
    }
    g = make_group(w, file, "scans", "NXcollection");
    if (g >= 0) {
        write_doubles(w, g, "eta", 1, &n, r->eta, "degree");
        write_doubles(w, g, "intensity", 1, &n, r->scan_intensity, "counts");
        H5Gclose(g);
    }
}

/* /qspace/cube (n_slow, n_fast, nx, ny, nz) float32, one chunk per position, gzip. */
static void write_cube(writer *w, hid_t g, const qmap_results *r, const hsize_t bins[3])
{
    hsize_t dims[5] = {(hsize_t)r->n_slow, (hsize_t)r->n_fast, bins[0], bins[1], bins[2]};
    hsize_t chunk[5] = {1, 1, bins[0], bins[1], bins[2]};
    hid_t s = H5Screate_simple(5, dims, NULL);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(pl, 5, chunk);
    H5Pset_deflate(pl, 1);
    H5Pset_fletcher32(pl);
    H5Pset_obj_track_times(pl, 0);
    hid_t d = H5Dcreate2(g, "cube", H5T_IEEE_F32LE, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->qspace_cube) < 0)
        w->failed = 1;
    if (d >= 0) {
        set_str_attr(w, d, "units", "counts");
        set_str_attr(w, d, "description", "VOI intensity per map position (sum, not divided by hits)");
        H5Dclose(d);
    }
    H5Pclose(pl);
    H5Sclose(s);
}

/* Bin centres of a q grid as datasets qx, qy, qz of g; dims receives the grid shape. */
static void write_axes(writer *w, hid_t g, const qmap_axis axes[3], hsize_t dims[3])
{
    static const char *names[3] = {"qx", "qy", "qz"};
    for (int a = 0; a < 3; a++) {
        hsize_t n = dims[a] = (hsize_t)axes[a].n;
        double *c = malloc(n * sizeof *c);
        if (!c) {
            w->failed = 1;
            continue;
        }
        for (hsize_t k = 0; k < n; k++)
            c[k] = qmap_axis_center(&axes[a], (int)k);
        write_doubles(w, g, names[a], 1, &n, c, "1/angstrom");
        free(c);
    }
}

static void write_qspace(writer *w, hid_t file, const qmap_results *r)
{
    if (!r->qspace_average)
        return;
    hid_t g = make_group(w, file, "qspace", "NXdata");
    if (g < 0)
        return;
    hsize_t dims[3];
    write_axes(w, g, r->axes, dims);
    write_doubles(w, g, "average", 3, dims, r->qspace_average, "counts");
    write_doubles(w, g, "hits", 3, dims, r->qspace_hits, NULL);
    if (r->qspace_cube)
        write_cube(w, g, r, dims);
    set_str_attr(w, g, "signal", "average");
    const char *axes[3] = {"qx", "qy", "qz"};
    set_str_list_attr(w, g, "axes", axes, 3);
    hsize_t three = 3;
    write_doubles(w, g, "mean_q", 1, &three, r->mean_q, "1/angstrom");
    H5Gclose(g);
}

/* A 3-D array of doubles written chunk by chunk (OVERVIEW_CHUNK^3), the chunks whose values
 * are all +0.0 left unwritten: HDF5 reads them back as the fill value 0, so every reader gets
 * the same array. Issue 18: the coarse overview is two 128^3 arrays of which about 2/3 of the
 * bins are empty; writing them whole made 95 % of a 20 x 20 map's results file. */
#define OVERVIEW_CHUNK 16

static int all_zero(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &v[i], sizeof bits);   /* -0.0 is not +0.0: it is written */
        if (bits)
            return 0;
    }
    return 1;
}

static void write_doubles_sparse(writer *w, hid_t loc, const char *name, const hsize_t dims[3], const double *data,
                                 const char *units)
{
    hsize_t chunk[3];
    for (int a = 0; a < 3; a++)
        chunk[a] = dims[a] < OVERVIEW_CHUNK ? (dims[a] ? dims[a] : 1) : OVERVIEW_CHUNK;
    hid_t s = H5Screate_simple(3, dims, NULL);
    hid_t pl = qmap__results_dcpl_chunked(3, chunk);
    hid_t d = s >= 0 && pl >= 0 ? H5Dcreate2(loc, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, pl, H5P_DEFAULT)
                                : H5I_INVALID_HID;
    qmap__results_plist_close(pl);
    double *buf = malloc(chunk[0] * chunk[1] * chunk[2] * sizeof *buf);
    int ok = d >= 0 && buf;
    for (hsize_t i = 0; ok && i < dims[0]; i += chunk[0])
        for (hsize_t j = 0; ok && j < dims[1]; j += chunk[1])
            for (hsize_t k = 0; ok && k < dims[2]; k += chunk[2]) {
                hsize_t start[3] = {i, j, k}, n[3];
                for (int a = 0; a < 3; a++)
                    n[a] = start[a] + chunk[a] <= dims[a] ? chunk[a] : dims[a] - start[a];
                size_t m = 0;
                for (hsize_t a = 0; a < n[0]; a++)
                    for (hsize_t b = 0; b < n[1]; b++) {
                        memcpy(buf + m, data + ((i + a) * dims[1] + (j + b)) * dims[2] + k, n[2] * sizeof *buf);
                        m += n[2];
                    }
                if (all_zero(buf, m))
                    continue;
                hid_t ms = H5Screate_simple(3, n, NULL);
                ok = ms >= 0 && H5Sselect_hyperslab(s, H5S_SELECT_SET, start, NULL, n, NULL) >= 0 &&
                     H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, s, H5P_DEFAULT, buf) >= 0;
                if (ms >= 0)
                    H5Sclose(ms);
            }
    if (ok && units)
        set_str_attr(w, d, "units", units);
    if (!ok)
        w->failed = 1;
    free(buf);
    if (d >= 0)
        H5Dclose(d);
    if (s >= 0)
        H5Sclose(s);
}

/* /qspace_overview: the coarse map-averaged reciprocal space over the whole sampled range,
 * with the VOI box, for overview figures (where the VOI sits around the Bragg peak). */
static void write_overview(writer *w, hid_t file, const qmap_results *r)
{
    if (!r->overview_sum)
        return;
    hid_t g = make_group(w, file, "qspace_overview", "NXdata");
    if (g < 0)
        return;
    hsize_t dims[3];
    write_axes(w, g, r->overview_axes, dims);
    write_doubles_sparse(w, g, "sum", dims, r->overview_sum, "counts");
    write_doubles_sparse(w, g, "hits", dims, r->overview_hits, NULL);
    hsize_t six = 6;
    write_doubles(w, g, "voi", 1, &six, r->voi, "1/angstrom");
    set_str_attr(w, g, "signal", "sum");
    const char *axes[3] = {"qx", "qy", "qz"};
    set_str_list_attr(w, g, "axes", axes, 3);
    H5Gclose(g);
}

static void write_parameters(writer *w, hid_t file, const qmap_results *r)
{
    hid_t g = make_group(w, file, "parameters", "NXcollection");
    if (g < 0)
        return;
    for (int i = 0; i < r->n_params; i++)
        set_str_attr(w, g, r->param_keys[i], r->param_values[i]);
    set_str_attr(w, g, "qmap_version", QMAP_VERSION_STRING);
    H5Gclose(g);
}

int qmap_results_write(const qmap_results *r, const char *path)
{
    char tmp[4400];
    int fd = qmap_temp_create(path, tmp, sizeof tmp);
    if (fd < 0)
        return fd;
    close(fd);
    writer w = {path, 0};
    qmap_h5_quiet quiet;
    qmap_h5_quiet_begin(&quiet);
    hid_t fcpl = qmap__results_fcpl(), fapl = qmap__results_fapl();
    hid_t f = qmap_h5_create_temp(tmp, fcpl, fapl);
    qmap__results_plist_close(fcpl);
    qmap__results_plist_close(fapl);
    if (f < 0) {
        qmap_h5_quiet_end(&quiet);
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: cannot create output file (folder missing or not writable?)", path);
    }
    set_str_attr(&w, f, "creator", "qmap " QMAP_VERSION_STRING);
    /* the cancel flag is polled between the groups: an interrupt leaves no file */
    void (*const parts[])(writer *, hid_t, const qmap_results *) = {
        write_maps, write_fits, write_shift_and_scans, write_qspace, write_overview, write_parameters};
    int cancelled = 0;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !cancelled; i++) {
        parts[i](&w, f, r);
        cancelled = qmap_cancelled();
    }
    if (!cancelled && qmap_nexus_write(f, r) < 0)
        w.failed = 1;
    if (H5Fclose(f) < 0)
        w.failed = 1;
    qmap_h5_quiet_end(&quiet);
    if (cancelled) {
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_CANCELLED, "interrupted while writing %s; nothing was written", path);
    }
    if (w.failed) {
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: writing the results failed (disk full?); nothing was written", path);
    }
    if (qmap_file_seal(tmp) < 0) {
        qmap_temp_discard(tmp);
        return qmap_error_prefix(QMAP_ERR_IO, "%s: nothing was written", path);
    }
    return qmap_temp_commit(tmp, path);
}
