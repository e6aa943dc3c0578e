/* xsocs_write.c -- write qmap results as an XSOCS q-space file (include/qmap/xsocs.h).
 *
 * The layout copies what XSOCS's QSpaceH5Writer produces (checked against a real XSOCS
 * output, shared/data/id01-xsocs-ingan/qspace_shift.h5): every Data/ dataset chunked and
 * gzip (level 4) compressed, Params/ and params/entries/ contiguous, strings variable-length
 * UTF-8 (h5py's str), booleans as h5py's int8 enum {FALSE, TRUE}, no attributes besides the
 * three NXdata ones of Data. XSOCS stores sums, not means: Data/qspace is the summed VOI
 * intensity per position, Data/histo the hit counts, so mean = qspace / histo.
 *
 * Chunks of Data/qspace: one per position (1, nx, ny, nz). XSOCS uses small cubes such as
 * (1, 2, 2, 2) (n/4 per axis); every reader of this file (XSOCS's fit and viewer, sxdm's
 * averaging, silx) reads whole positions, so a position-sized chunk is read and inflated
 * once instead of as 100+ tiny gzip streams, compresses better, and keeps the chunk index
 * small (n_pos chunks instead of n_pos * 125). It is also the layout of /qspace/cube in the
 * results file.
 *
 * Parameters XSOCS records that qmap knows: direct_beam = centre pixel (row, col) =
 * (center_chan_dim0, dim1); channels_per_degree = distance * 2 tan(0.5 deg) / pixel size per
 * detector axis, the exact inverse of the conversion XSOCS and xrayutilities (init_area
 * chpdeg) apply and that qmap's XSOCS reader applies (src/xsocs_input.c); image_normalizer =
 * the monitor counter ("" without); no Maxipix gap correction (0); no median filter (1, 1);
 * sample_roi NaN (the whole map was converted). The shifts are /shift/x, /shift/y of the
 * results (micrometres, per scan) under params/entries/shifts/ENTRY/shift when any is
 * non-zero; qmap applies them by whole-grid re-indexing but records them in micrometres,
 * so has_grid_shift stays FALSE.
 */
#include "qmap/xsocs.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "h5util.h"

#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GZIP_LEVEL 4            /* as XSOCS's files (deflate level 4) */
#define CHUNK_1D_MAX 65536      /* elements per chunk of the 1D position datasets */

typedef struct {
    int failed;   /* an HDF5 call failed: the file is discarded */
} writer;

/* ---- parameters from the results' text pairs ---- */


/* "a,b..." -> v[0..n); values not present or not numbers stay NaN. */
static void parse_numbers(const char *s, double *v, int n)
{
    for (int i = 0; i < n; i++)
        v[i] = NAN;
    for (int i = 0; s && i < n; i++) {
        char *end = NULL;
        double x = strtod(s, &end);
        if (end == s)
            return;
        v[i] = x;
        s = *end == ',' ? end + 1 : NULL;
    }
}

/* Scan names of parameter "scans" ("1.1,2.1,..."): a copy split in place into names[]. */
static char *split_scans(const char *scans, char **names, int max, int *n)
{
    *n = 0;
    char *copy = strdup(scans);
    if (!copy)
        return NULL;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (*n < max)
            names[*n] = t;
        (*n)++;
    }
    return copy;
}

/* ---- HDF5 writers; a failure sets w->failed and the caller checks once at the end ---- */

static hid_t utf8_vlen_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static hid_t make_space(int rank, const hsize_t *dims)
{
    return rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
}

/* String attribute: scalar (n < 0, v[0]) or 1D of n strings. */
static void string_attr(writer *w, hid_t obj, const char *name, const char **v, int n)
{
    if (qmap_h5_write_str_list_attr(obj, name, v, n) < 0)
        w->failed = 1;
}

/* String dataset: scalar (n < 0, v[0]) or 1D of n strings (n may be 0). */
static void string_dataset(writer *w, hid_t loc, const char *name, const char **v, int n)
{
    hsize_t dim = n < 0 ? 0 : (hsize_t)n;
    hid_t t = utf8_vlen_type(), s = make_space(n < 0 ? 0 : 1, &dim);
    hid_t d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || (n != 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        w->failed = 1;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

/* Numeric dataset; chunk NULL = contiguous, else chunked with gzip. */
static void number_dataset(writer *w, hid_t loc, const char *name, hid_t file_type, hid_t mem_type,
                           int rank, const hsize_t *dims, const hsize_t *chunk, const void *data)
{
    hid_t s = make_space(rank, dims);
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (chunk && (H5Pset_chunk(pl, rank, chunk) < 0 || H5Pset_deflate(pl, GZIP_LEVEL) < 0))
        w->failed = 1;
    hid_t d = H5Dcreate2(loc, name, file_type, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        w->failed = 1;
    if (d >= 0)
        H5Dclose(d);
    H5Pclose(pl);
    H5Sclose(s);
}

/* 1D double dataset of Data/: chunked + gzip as XSOCS's. */
static void data_vector(writer *w, hid_t loc, const char *name, hid_t file_type, hid_t mem_type,
                        size_t n, const void *v)
{
    hsize_t dim = n, chunk = n < CHUNK_1D_MAX ? n : CHUNK_1D_MAX;
    number_dataset(w, loc, name, file_type, mem_type, 1, &dim, &chunk, v);
}

/* Scalar h5py boolean: int8 enum {FALSE = 0, TRUE = 1}. */
static void bool_dataset(writer *w, hid_t loc, const char *name, int value)
{
    hid_t t = H5Tenum_create(H5T_STD_I8LE);
    signed char f = 0, tr = 1, v = value ? 1 : 0;
    H5Tenum_insert(t, "FALSE", &f);
    H5Tenum_insert(t, "TRUE", &tr);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0)
        w->failed = 1;
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

static hid_t group(writer *w, hid_t loc, const char *name)
{
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        w->failed = 1;
    return g;
}

/* ---- the three groups ---- */

static void write_data(writer *w, hid_t f, const qmap_results *r, const int32_t *histo)
{
    hid_t g = group(w, f, "Data");
    if (g < 0)
        return;
    const char *nx_class = "NXdata", *signal = "qspace", *axes[4] = {".", "qx", "qy", "qz"};
    string_attr(w, g, "NX_class", &nx_class, -1);
    string_attr(w, g, "axes", axes, 4);
    string_attr(w, g, "signal", &signal, -1);

    size_t n_pos = (size_t)r->n_fast * r->n_slow;
    hsize_t bins[3] = {(hsize_t)r->axes[0].n, (hsize_t)r->axes[1].n, (hsize_t)r->axes[2].n};
    size_t cube = (size_t)bins[0] * bins[1] * bins[2];
    hsize_t dims4[4] = {n_pos, bins[0], bins[1], bins[2]}, chunk4[4] = {1, bins[0], bins[1], bins[2]};
    number_dataset(w, g, "qspace", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, dims4, chunk4, r->qspace_cube);
    number_dataset(w, g, "histo", H5T_STD_I32LE, H5T_NATIVE_INT32, 3, bins, bins, histo);

    double *centres = malloc(sizeof(double) * (bins[0] + bins[1] + bins[2]));
    double *sx = malloc(sizeof(double) * n_pos), *sy = malloc(sizeof(double) * n_pos);
    float *sum = malloc(sizeof(float) * n_pos);
    if (!centres || !sx || !sy || !sum) {
        w->failed = 1;
    } else {
        double *c = centres;
        static const char *qnames[3] = {"qx", "qy", "qz"};
        for (int a = 0; a < 3; c += bins[a], a++) {
            for (int k = 0; k < r->axes[a].n; k++)
                c[k] = qmap_axis_center(&r->axes[a], k);
            data_vector(w, g, qnames[a], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, bins[a], c);
        }
        for (size_t p = 0; p < n_pos; p++) {
            const float *v = r->qspace_cube + p * cube;
            double s = 0;
            for (size_t i = 0; i < cube; i++)
                s += v[i];
            sum[p] = (float)s;
            sx[p] = r->x ? r->x[p % r->n_fast] : NAN;
            sy[p] = r->y ? r->y[p / r->n_fast] : NAN;
        }
        data_vector(w, g, "qspace_sum", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, n_pos, sum);
        data_vector(w, g, "sample_x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n_pos, sx);
        data_vector(w, g, "sample_y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n_pos, sy);
    }
    free(centres), free(sx), free(sy), free(sum);
    H5Gclose(g);
}

static void write_params(writer *w, hid_t f, const qmap_results *r)
{
    hid_t g = group(w, f, "Params");
    if (g < 0)
        return;
    double centre[2], pixel[2], distance, cpd[2];
    parse_numbers(qmap_results_param_value(r, "center_pixel"), centre, 2);
    parse_numbers(qmap_results_param_value(r, "pixel_size_m"), pixel, 2);
    parse_numbers(qmap_results_param_value(r, "distance_m"), &distance, 1);
    if (isnan(pixel[1]))
        pixel[1] = pixel[0];
    for (int i = 0; i < 2; i++)
        cpd[i] = distance * 2.0 * tan(0.5 * M_PI / 180.0) / pixel[i];

    /* "mon1 (mean 1.2e5)" -> "mon1" */
    char normalizer[256] = "";
    const char *mon = qmap_results_param_value(r, "monitor");
    if (mon)
        snprintf(normalizer, sizeof normalizer, "%.*s", (int)strcspn(mon, " "), mon);
    const char *norm = normalizer;

    hsize_t two = 2, four = 4;
    const int64_t medfilt[2] = {1, 1}, maxipix = 0;
    const double roi[4] = {NAN, NAN, NAN, NAN};
    number_dataset(w, g, "channels_per_degree", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &two, NULL, cpd);
    number_dataset(w, g, "direct_beam", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &two, NULL, centre);
    string_dataset(w, g, "image_normalizer", &norm, -1);
    number_dataset(w, g, "maxipix_correction", H5T_STD_I64LE, H5T_NATIVE_INT64, 0, NULL, NULL, &maxipix);
    number_dataset(w, g, "medfilt_dims", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &two, NULL, medfilt);
    number_dataset(w, g, "sample_roi", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &four, NULL, roi);
    H5Gclose(g);
}

static void write_entries(writer *w, hid_t f, const qmap_results *r, const char **names)
{
    hid_t p = group(w, f, "params");
    hid_t g = p < 0 ? -1 : group(w, p, "entries");
    if (g >= 0) {
        int shifted = 0;
        for (int s = 0; s < r->n_scans; s++)
            if ((r->shift_x && r->shift_x[s] != 0) || (r->shift_y && r->shift_y[s] != 0))
                shifted = 1;
        string_dataset(w, g, "selected", names, r->n_scans);
        string_dataset(w, g, "discarded", NULL, 0);
        bool_dataset(w, g, "has_shift", shifted);
        bool_dataset(w, g, "has_grid_shift", 0);
        hid_t sg = shifted ? group(w, g, "shifts") : -1;
        for (int s = 0; sg >= 0 && s < r->n_scans; s++) {
            hid_t e = group(w, sg, names[s]);
            if (e < 0)
                break;
            hsize_t two = 2;
            double v[2] = {r->shift_x ? r->shift_x[s] : 0, r->shift_y ? r->shift_y[s] : 0};
            number_dataset(w, e, "shift", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &two, NULL, v);
            H5Gclose(e);
        }
        if (sg >= 0)
            H5Gclose(sg);
        H5Gclose(g);
    }
    if (p >= 0)
        H5Gclose(p);
}

/* Data/histo from the hit counts, which must be whole numbers that fit int32. */
static int hits_to_histo(const qmap_results *r, const char *path, int32_t **out)
{
    size_t n = (size_t)r->axes[0].n * r->axes[1].n * r->axes[2].n;
    int32_t *h = malloc(n * sizeof *h);
    if (!h)
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for Data/histo (%zu bins)", path, n);
    for (size_t i = 0; i < n; i++) {
        double v = r->qspace_hits[i];
        if (!(v >= 0 && v <= INT32_MAX && v == floor(v))) {
            free(h);
            return qmap_error(QMAP_ERR_VALUE, "%s: q-space hit count %g in bin %zu is not a count that "
                              "fits XSOCS's int32 Data/histo", path, v, i);
        }
        h[i] = (int32_t)v;
    }
    *out = h;
    return QMAP_OK;
}

int qmap_xsocs_qspace_write(const qmap_results *r, const char *path)
{
    if (!r->qspace_cube || !r->qspace_hits)
        return qmap_error(QMAP_ERR_VALUE, "%s: the results hold no per-position q-space cube "
                          "(process with save_qspace / --save-qspace)", path);
    size_t cube_bytes = (size_t)r->axes[0].n * r->axes[1].n * r->axes[2].n * sizeof(float);
    if (cube_bytes >= 0xFFFFFFFFu)
        return qmap_error(QMAP_ERR_VALUE, "%s: one position's q-space (%zu bytes) exceeds HDF5's 4 GiB chunk limit",
                          path, cube_bytes);
    const char *scans = qmap_results_param_value(r, "scans");
    if (!scans)
        return qmap_error(QMAP_ERR_VALUE, "%s: the results have no 'scans' parameter to name the XSOCS entries", path);
    char **names = calloc(r->n_scans > 0 ? r->n_scans : 1, sizeof *names);
    int n_names = 0;
    char *scan_copy = names ? split_scans(scans, names, r->n_scans, &n_names) : NULL;
    if (!scan_copy) {
        free(names);
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", path);
    }
    int32_t *histo = NULL;
    int rc = QMAP_OK;
    if (n_names != r->n_scans)
        rc = qmap_error(QMAP_ERR_VALUE, "%s: parameter scans '%s' names %d scans, the results have %d",
                        path, scans, n_names, r->n_scans);
    if (rc == QMAP_OK)
        rc = hits_to_histo(r, path, &histo);
    char tmp[4400];
    if (rc == QMAP_OK) {
        int fd = qmap_temp_create(path, tmp, sizeof tmp);
        if (fd < 0)
            rc = fd;
        else
            close(fd);
    }
    if (rc == QMAP_OK) {
        qmap_h5_quiet quiet;
        qmap_h5_quiet_begin(&quiet);
        hid_t f = qmap_h5_create_temp(tmp, H5P_DEFAULT, H5P_DEFAULT);
        if (f < 0) {
            rc = qmap_error(QMAP_ERR_IO, "%s: cannot create the XSOCS q-space file (folder missing or not writable?)", path);
            qmap_temp_discard(tmp);
        } else {
            writer w = {0};
            write_data(&w, f, r, histo);
            write_params(&w, f, r);
            write_entries(&w, f, r, (const char **)names);
            if (H5Fclose(f) < 0)
                w.failed = 1;
            if (w.failed)
                rc = qmap_error(QMAP_ERR_IO, "%s: writing the XSOCS q-space file failed (disk full?); nothing was written", path);
            if (rc != QMAP_OK)
                qmap_temp_discard(tmp);
            else
                rc = qmap_temp_commit(tmp, path);
        }
        qmap_h5_quiet_end(&quiet);
    }
    free(histo);
    free(scan_copy);
    free(names);
    return rc;
}
