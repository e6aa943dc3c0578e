/* h5util.c -- small HDF5 helpers: quiet error handling, read-only file opening, and
 * readers for numbers, numeric arrays, strings and 2D masks whatever their stored type.
 * BLISS writes the same quantity as float or double, scalar or 1-element array, and
 * strings as fixed or variable length, so every reader converts through HDF5.
 */
#include "h5util.h"
#include "qmap/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

/* Largest array the readers accept, in elements (guards allocations). */
#define H5U_MAX_ELEMENTS ((hssize_t)100000000)

void qmap_h5_quiet_begin(qmap_h5_quiet *q)
{
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void qmap_h5_quiet_end(const qmap_h5_quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

/* A file access property list that does not use file locking (often unsupported on
 * beamline network file systems, and pointless for a read-only reader). */
hid_t qmap_h5_read_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
#if H5_VERSION_GE(1, 10, 7)
    if (fapl >= 0)
        H5Pset_file_locking(fapl, 0, 1);
#endif
    return fapl >= 0 ? fapl : H5P_DEFAULT;
}

hid_t qmap_h5_fopen_ro(const char *path)
{
    hid_t fapl = qmap_h5_read_fapl();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (fapl != H5P_DEFAULT)
        H5Pclose(fapl);
    if (f < 0 && fapl != H5P_DEFAULT)
        f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    return f;
}

int qmap_h5_bound_metadata_cache(hid_t file, size_t max_bytes)
{
    H5AC_cache_config_t c;
    memset(&c, 0, sizeof c);
    c.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    if (H5Fget_mdc_config(file, &c) < 0)
        return -1;
    c.set_initial_size = 1;
    c.initial_size = max_bytes;
    c.max_size = max_bytes;
    c.min_size = max_bytes / 2;
    c.incr_mode = H5C_incr__off;            /* no growth, no shrinking: a fixed budget */
    c.flash_incr_mode = H5C_flash_incr__off;
    c.decr_mode = H5C_decr__off;
    return H5Fset_mdc_config(file, &c) < 0 ? -1 : 0;
}

int qmap_h5_open_file(const char *path, hid_t *out)
{
    *out = H5I_INVALID_HID;
    if (!path || !*path)
        return qmap_error(QMAP_ERR_IO, "no file name given");
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return qmap_error(QMAP_ERR_IO, "%s: is a directory, not an HDF5 file", path);
    /* a FIFO or a device would block the open or read without end */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return qmap_error(QMAP_ERR_IO, "%s: is not a regular file (FIFO, device or socket)", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    fclose(f);
    int sealed = qmap_file_seal_check(path);   /* a corrupted qmap results file */
    if (sealed < 0)
        return sealed;

    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    htri_t is_h5 = H5Fis_hdf5(path);
    hid_t fid = H5I_INVALID_HID;
    if (is_h5 > 0)
        fid = qmap_h5_fopen_ro(path);
    qmap_h5_quiet_end(&q);

    if (is_h5 == 0)
        return qmap_error(QMAP_ERR_IO, "%s: not an HDF5 file", path);
    if (is_h5 < 0)
        return qmap_error(QMAP_ERR_IO, "%s: cannot be read as an HDF5 file", path);
    if (fid < 0)
        return qmap_error(QMAP_ERR_IO,
                          "%s: HDF5 file cannot be opened (truncated or corrupt?)", path);
    *out = fid;
    return QMAP_OK;
}

/* "3 x 4", "7 (1D)", "scalar", "2 x 3 x 4" */
void qmap_h5_format_shape(int rank, const hsize_t *d, char *out, size_t size)
{
    if (rank == 0) {
        snprintf(out, size, "scalar");
        return;
    }
    size_t k = 0;
    out[0] = '\0';
    for (int i = 0; i < rank && i < 8 && k < size; i++)
        k += (size_t)snprintf(out + k, size - k, "%s%llu", i ? " x " : "",
                              (unsigned long long)d[i]);
    if (rank == 1 && k < size)
        snprintf(out + k, size - k, " (1D)");
}

int qmap_h5_exists(hid_t loc, const char *path)
{
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    htri_t e = H5Oexists_by_name(loc, path, H5P_DEFAULT);
    qmap_h5_quiet_end(&q);
    return e > 0;
}

int qmap_h5_is_group(hid_t loc, const char *path)
{
    if (!qmap_h5_exists(loc, path))
        return 0;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int is = 0;
    hid_t obj = H5Oopen(loc, path, H5P_DEFAULT);
    if (obj >= 0) {
        is = H5Iget_type(obj) == H5I_GROUP;
        H5Oclose(obj);
    }
    qmap_h5_quiet_end(&q);
    return is;
}

/* Open dataset path under loc (quietly); sets *why when it is absent. */
static hid_t open_dataset(hid_t loc, const char *path, const char **why)
{
    if (!qmap_h5_exists(loc, path)) {
        *why = "is missing";
        return H5I_INVALID_HID;
    }
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    if (d < 0)
        *why = "is not a dataset";
    return d;
}

int qmap_h5_shape(hid_t loc, const char *path, int maxrank, int *rank, hsize_t *dims,
                  const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = QMAP_ERR_FORMAT;
    hid_t d = open_dataset(loc, path, why);
    hid_t s = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    if (d >= 0 && s < 0)
        *why = "has an unreadable dataspace";
    if (s >= 0) {
        int r = H5Sget_simple_extent_ndims(s);
        if (r < 0) {
            *why = "has an unreadable dataspace";
        } else if (r > maxrank) {
            *rank = r;
            *why = "has too many dimensions";
        } else {
            *rank = r;
            H5Sget_simple_extent_dims(s, dims, NULL);
            rc = QMAP_OK;
        }
        H5Sclose(s);
    }
    if (d >= 0)
        H5Dclose(d);
    qmap_h5_quiet_end(&q);
    return rc;
}

/* Number of elements of an open dataset after checking that it is numeric; < 0 on error. */
static hssize_t numeric_npoints(hid_t d, const char **why)
{
    hid_t t = H5Dget_type(d);
    H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (t >= 0)
        H5Tclose(t);
    if (c != H5T_INTEGER && c != H5T_FLOAT) {
        *why = "is not numeric";
        return -1;
    }
    hid_t s = H5Dget_space(d);
    hssize_t n = s >= 0 ? H5Sget_simple_extent_npoints(s) : -1;
    if (s >= 0)
        H5Sclose(s);
    if (n < 0)
        *why = "has an unreadable dataspace";
    else if (n > H5U_MAX_ELEMENTS)
        *why = "is too large";
    return n > H5U_MAX_ELEMENTS ? -1 : n;
}

int qmap_h5_read_scalar(hid_t loc, const char *path, double *v, const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = QMAP_ERR_FORMAT;
    hid_t d = open_dataset(loc, path, why);
    if (d >= 0) {
        hssize_t n = numeric_npoints(d, why);
        if (n == 0)
            *why = "is empty";
        else if (n > 1)
            *why = "is an array, expected a single value";
        else if (n == 1) {
            if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0)
                rc = QMAP_OK;
            else
                *why = "could not be read";
        }
        H5Dclose(d);
    }
    qmap_h5_quiet_end(&q);
    return rc;
}

int qmap_h5_read_array(hid_t loc, const char *path, double **v, size_t *n,
                       const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    *v = NULL;
    *n = 0;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = QMAP_ERR_FORMAT;
    hid_t d = open_dataset(loc, path, why);
    if (d >= 0) {
        hssize_t np = numeric_npoints(d, why);
        if (np == 0) {
            rc = QMAP_OK;
        } else if (np > 0) {
            double *buf = malloc((size_t)np * sizeof *buf);
            if (!buf) {
                *why = "does not fit in memory";
                rc = QMAP_ERR_NOMEM;
            } else if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
                *why = "could not be read";
                free(buf);
            } else {
                *v = buf;
                *n = (size_t)np;
                rc = QMAP_OK;
            }
        }
        H5Dclose(d);
    }
    qmap_h5_quiet_end(&q);
    return rc;
}

/* Copy src into buf (size > 0), NUL-terminated, dropping trailing NULs/spaces. */
static void copy_string(char *buf, size_t size, const char *src, size_t len)
{
    size_t k = 0;
    while (k < len && src[k] != '\0')
        k++;
    if (k > size - 1)
        k = size - 1;
    memcpy(buf, src, k);
    while (k > 0 && buf[k - 1] == ' ')
        k--;
    buf[k] = '\0';
}

/* Read a variable-length string dataset of one element. */
static int read_vlen_string(hid_t d, hid_t ftype, char *buf, size_t size)
{
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0)
        return QMAP_ERR_INTERNAL;
    H5Tset_size(mt, H5T_VARIABLE);
    H5Tset_cset(mt, H5Tget_cset(ftype));
    char *s = NULL;
    herr_t e = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &s);
    H5Tclose(mt);
    if (e < 0)
        return QMAP_ERR_FORMAT;
    if (s) {
        copy_string(buf, size, s, strlen(s));
        H5free_memory(s);
    }
    return QMAP_OK;
}

/* Read a fixed-length string dataset of one element. */
static int read_fixed_string(hid_t d, hid_t ftype, char *buf, size_t size)
{
    size_t len = H5Tget_size(ftype);
    if (len == 0 || len > (1u << 20))
        return QMAP_ERR_FORMAT;
    char *tmp = calloc(len + 1, 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (!tmp || mt < 0) {
        free(tmp);
        if (mt >= 0)
            H5Tclose(mt);
        return QMAP_ERR_NOMEM;
    }
    H5Tset_size(mt, len);
    H5Tset_strpad(mt, H5T_STR_NULLPAD);
    H5Tset_cset(mt, H5Tget_cset(ftype));
    herr_t e = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp);
    H5Tclose(mt);
    if (e >= 0)
        copy_string(buf, size, tmp, len);
    free(tmp);
    return e >= 0 ? QMAP_OK : QMAP_ERR_FORMAT;
}

int qmap_h5_read_string(hid_t loc, const char *path, char *buf, size_t size,
                        const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    if (size == 0)
        return QMAP_ERR_INTERNAL;
    buf[0] = '\0';
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = QMAP_ERR_FORMAT;
    hid_t d = open_dataset(loc, path, why);
    hid_t t = d >= 0 ? H5Dget_type(d) : H5I_INVALID_HID;
    hid_t s = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    if (t >= 0 && s >= 0) {
        hssize_t n = H5Sget_simple_extent_npoints(s);
        if (H5Tget_class(t) != H5T_STRING)
            *why = "is not a string";
        else if (n != 1)
            *why = "is not a single string";
        else {
            htri_t vl = H5Tis_variable_str(t);
            rc = vl > 0 ? read_vlen_string(d, t, buf, size)
                        : read_fixed_string(d, t, buf, size);
            if (rc != QMAP_OK)
                *why = "could not be read";
        }
    } else if (d >= 0) {
        *why = "could not be read";
    }
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    if (d >= 0)
        H5Dclose(d);
    qmap_h5_quiet_end(&q);
    return rc;
}

/* Integer-like mask: read in native layout and test every byte of each element. */
static int mask_from_integers(hid_t d, hid_t ftype, size_t count, uint8_t *mask, long *n_set)
{
    hid_t nt = H5Tget_native_type(ftype, H5T_DIR_ASCEND);
    if (nt < 0)
        return QMAP_ERR_FORMAT;
    size_t es = H5Tget_size(nt);
    unsigned char *buf = es > 0 && es <= 16 ? malloc(count * es) : NULL;
    if (!buf) {
        H5Tclose(nt);
        return es > 0 && es <= 16 ? QMAP_ERR_NOMEM : QMAP_ERR_FORMAT;
    }
    herr_t e = H5Dread(d, nt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Tclose(nt);
    if (e >= 0) {
        /* issue 18: a loop per element size (one pixel_mask per scan is read: 30 x 266 256
         * elements on the 12 000-frame bench; the loop over bytes cost 10 ms) */
        long set = 0;
        if (es == 1) {
            for (size_t i = 0; i < count; i++)
                if (buf[i]) {
                    mask[i] = 1;
                    set++;
                }
        } else if (es == 4) {
            for (size_t i = 0; i < count; i++) {
                uint32_t v;
                memcpy(&v, buf + 4 * i, 4);
                if (v) {
                    mask[i] = 1;
                    set++;
                }
            }
        } else {
            for (size_t i = 0; i < count; i++) {
                const unsigned char *p = buf + i * es;
                int nz = 0;
                for (size_t b = 0; b < es; b++)
                    nz |= p[b] != 0;
                if (nz) {
                    mask[i] = 1;
                    set++;
                }
            }
        }
        *n_set = set;
    }
    free(buf);
    return e >= 0 ? QMAP_OK : QMAP_ERR_FORMAT;
}

/* Float mask: non-zero (and NaN) elements are masked. */
static int mask_from_floats(hid_t d, size_t count, uint8_t *mask, long *n_set)
{
    double *buf = malloc(count * sizeof *buf);
    if (!buf)
        return QMAP_ERR_NOMEM;
    herr_t e = H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    if (e >= 0) {
        long set = 0;
        for (size_t i = 0; i < count; i++) {
            if (buf[i] != 0.0) {
                mask[i] = 1;
                set++;
            }
        }
        *n_set = set;
    }
    free(buf);
    return e >= 0 ? QMAP_OK : QMAP_ERR_FORMAT;
}

int qmap_h5_read_mask2d(hid_t dset, int rows, int cols, uint8_t *mask, long *n_set,
                        const char **why)
{
    static const char *dummy;
    if (!why)
        why = &dummy;
    *n_set = 0;
    if (rows <= 0 || cols <= 0 || (size_t)rows > (size_t)H5U_MAX_ELEMENTS / (size_t)cols) {
        *why = "has an absurd shape";
        return QMAP_ERR_VALUE;
    }
    size_t count = (size_t)rows * (size_t)cols;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int rc = QMAP_ERR_FORMAT;
    hid_t sp = H5Dget_space(dset);
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0)
        H5Sclose(sp);
    if (np != (hssize_t)count) {
        qmap_h5_quiet_end(&q);
        *why = "does not have the expected shape";
        return QMAP_ERR_VALUE;
    }
    hid_t t = H5Dget_type(dset);
    H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (c == H5T_INTEGER || c == H5T_ENUM || c == H5T_BITFIELD)
        rc = mask_from_integers(dset, t, count, mask, n_set);
    else if (c == H5T_FLOAT)
        rc = mask_from_floats(dset, count, mask, n_set);
    else
        *why = "is not numeric";
    if (rc != QMAP_OK && (c == H5T_INTEGER || c == H5T_ENUM || c == H5T_BITFIELD ||
                          c == H5T_FLOAT))
        *why = rc == QMAP_ERR_NOMEM ? "does not fit in memory" : "could not be read";
    if (t >= 0)
        H5Tclose(t);
    qmap_h5_quiet_end(&q);
    return rc;
}

/* ---- writing string attributes ------------------------------------------------------ */

static int write_attr(hid_t obj, const char *name, hid_t type, hid_t space, const void *data)
{
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    herr_t e = a < 0 ? -1 : H5Awrite(a, type, data);
    if (a >= 0)
        H5Aclose(a);
    return e < 0 ? -1 : 0;
}

int qmap_h5_write_str_attr(hid_t obj, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = H5Screate(H5S_SCALAR);
    int rc = write_attr(obj, name, t, s, value);
    H5Sclose(s);
    H5Tclose(t);
    return rc;
}

int qmap_h5_write_str_list_attr(hid_t obj, const char *name, const char **v, int n)
{
    hsize_t dim = n < 0 ? 0 : (hsize_t)n;
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = n < 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    int rc = write_attr(obj, name, t, s, v);
    H5Sclose(s);
    H5Tclose(t);
    return rc;
}

/* ---- the one-dimensional datasets of a group (counters) ---- */

typedef struct {
    char (*names)[128];
    int n, max;
} listed_1d;

static herr_t list_1d_one(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    listed_1d *c = data;
    if (c->n < c->max && strlen(name) < 128) {
        int rank = 0;
        hsize_t dims[4];
        const char *why = NULL;
        if (qmap_h5_shape(g, name, 4, &rank, dims, &why) == 0 && rank == 1)
            snprintf(c->names[c->n++], 128, "%s", name);
    }
    return 0;
}

int qmap_h5_list_1d(const char *file, const char *group, char names[][128], int max)
{
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t f;
    int rc = qmap_h5_open_file(file, &f);
    if (rc < 0) {
        qmap_h5_quiet_end(&q);
        return rc;
    }
    listed_1d all = {names, 0, max};
    hid_t g = qmap_h5_is_group(f, group) ? H5Gopen2(f, group, H5P_DEFAULT) : H5I_INVALID_HID;
    if (g >= 0) {
        hsize_t idx = 0;
        H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, list_1d_one, &all);
        H5Gclose(g);
    }
    H5Fclose(f);
    qmap_h5_quiet_end(&q);
    return all.n;
}
