/* mask_file.c -- read a user detector mask from an HDF5 or PNG file.
 *
 * Accepted: "file.h5" (the first 2D numeric dataset met walking the file in name
 * order), "file.h5:/path/to/dataset", or a PNG image (8/16-bit grey, palette, RGB,
 * grey+alpha, RGBA). Non-zero = masked; for colour images a pixel is masked when any
 * colour channel is non-zero (alpha is ignored, so an opaque black pixel is not
 * masked). The type is told by the file's signature, not its extension. The mask is
 * ORed into the caller's array so several masks can be combined. PNG is decoded by the
 * image reader (image_io_png.c), the one libpng decoder of qmap.
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "h5util.h"
#include "image_io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_MASK_PIXELS 100000000L

/* ---------------------------------------------------------------- PNG */

/* The PNG decoded by the one PNG reader (image_io_png.c), which averages the colour
 * channels to grey: with unsigned samples the average is non-zero exactly when a colour
 * channel is, which is the masking rule. Decoded whole before the mask is touched, so a
 * PNG failing half-way leaves mask unchanged. */
static long read_png_mask(const char *path, int rows, int cols, uint8_t *mask)
{
    qmap_grey_image img = {0};
    int rc = qmap_read_png_grey(path, &img);
    if (rc < 0) {
        free(img.pixels);
        return qmap_error_prefix(rc, "mask file");
    }
    long count = 0;
    if (img.width != cols || img.height != rows) {
        count = qmap_error(QMAP_ERR_VALUE, "mask file %s: image is %d x %d (rows x cols), detector is %d x %d",
                           path, img.height, img.width, rows, cols);
    } else {
        for (size_t i = 0; i < (size_t)rows * (size_t)cols; i++)
            if (img.pixels[i] != 0) {
                mask[i] = 1;
                count++;
            }
    }
    free(img.pixels);
    return count;
}

/* ---------------------------------------------------------------- HDF5 */

typedef struct {
    char *found;   /* path of the first 2D numeric dataset */
} h5_search;

/* 1 when obj is a 2D dataset of a numeric type. */
static int is_2d_numeric(hid_t obj)
{
    if (H5Iget_type(obj) != H5I_DATASET)
        return 0;
    hid_t s = H5Dget_space(obj), t = H5Dget_type(obj);
    int rank = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    H5T_class_t c = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (s >= 0)
        H5Sclose(s);
    if (t >= 0)
        H5Tclose(t);
    return rank == 2 && (c == H5T_INTEGER || c == H5T_FLOAT || c == H5T_ENUM ||
                         c == H5T_BITFIELD);
}

static herr_t visit_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    h5_search *s = data;
    if (info->type != H5L_TYPE_HARD)
        return 0;   /* soft/external links: the target is visited, or lies elsewhere */
    hid_t obj = H5Oopen(g, name, H5P_DEFAULT);
    if (obj < 0)
        return 0;
    int hit = is_2d_numeric(obj);
    H5Oclose(obj);
    if (!hit)
        return 0;
    size_t n = strlen(name);
    s->found = malloc(n + 2);
    if (!s->found)
        return -1;
    s->found[0] = '/';
    memcpy(s->found + 1, name, n + 1);
    return 1;
}

/* Read dataset dpath (NULL: search) of the open file into mask. */
static long h5_mask_from(hid_t file, const char *label, const char *dpath, int rows, int cols,
                         uint8_t *mask)
{
    h5_search s = {NULL};
    if (!dpath) {
        H5Lvisit(file, H5_INDEX_NAME, H5_ITER_INC, visit_link, &s);
        if (!s.found)
            return qmap_error(QMAP_ERR_FORMAT, "mask file %s: no 2D dataset found", label);
        dpath = s.found;
    }
    int rank = 0;
    hsize_t d[8] = {0};
    const char *why = NULL;
    long rc;
    if (qmap_h5_shape(file, dpath, 8, &rank, d, &why) != QMAP_OK) {
        rc = qmap_error(QMAP_ERR_FORMAT, "mask file %s: dataset %s %s", label, dpath, why);
    } else if (rank != 2 || d[0] != (hsize_t)rows || d[1] != (hsize_t)cols) {
        char shape[128];
        qmap_h5_format_shape(rank, d, shape, sizeof shape);
        rc = qmap_error(QMAP_ERR_VALUE, "mask file %s: dataset %s has shape %s, detector is "
                        "%d x %d", label, dpath, shape, rows, cols);
    } else {
        hid_t dset = H5Dopen2(file, dpath, H5P_DEFAULT);
        long n_set = 0;
        int st = dset >= 0 ? qmap_h5_read_mask2d(dset, rows, cols, mask, &n_set, &why)
                           : QMAP_ERR_FORMAT;
        if (dset < 0)
            why = "cannot be opened";
        if (dset >= 0)
            H5Dclose(dset);
        rc = st == QMAP_OK ? n_set
                           : qmap_error(st, "mask file %s: dataset %s %s", label, dpath, why);
    }
    free(s.found);
    return rc;
}

static long read_h5_mask(const char *label, const char *file_path, const char *dpath,
                         int rows, int cols, uint8_t *mask)
{
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t file;
    long rc = qmap_h5_open_file(file_path, &file);
    if (rc == QMAP_OK) {
        rc = h5_mask_from(file, label, dpath, rows, cols, mask);
        H5Fclose(file);
    } else {
        char msg[600];
        snprintf(msg, sizeof msg, "%s", qmap_error_message());
        rc = qmap_error((int)rc, "mask file %s", msg);
    }
    qmap_h5_quiet_end(&q);
    return rc;
}

/* ---------------------------------------------------------------- dispatch */

static int is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* 1 when the file starts with the PNG signature. */
static int has_png_signature(const char *path)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char buf[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return n == sizeof buf && memcmp(buf, sig, sizeof sig) == 0;
}

/* Split "file:/dataset" at the last ":/" whose left part is an existing file. */
static int split_h5_path(const char *path, char **file, const char **dset)
{
    const char *c = strstr(path, ":/");
    const char *last = NULL;
    while (c) {
        last = c;
        c = strstr(c + 1, ":/");
    }
    if (!last || last == path)
        return -1;
    *file = strndup(path, (size_t)(last - path));
    *dset = last + 1;
    return *file ? 0 : -1;
}

long qmap_read_mask_file(const char *path, int rows, int cols, uint8_t *mask)
{
    if (!path || !*path || !mask)
        return qmap_error(QMAP_ERR_VALUE, "mask file: no path or no mask array given");
    if (rows <= 0 || cols <= 0 || (long)rows > MAX_MASK_PIXELS / cols)
        return qmap_error(QMAP_ERR_VALUE, "mask file %s: bad detector shape %d x %d", path,
                          rows, cols);
    if (is_regular_file(path)) {
        if (has_png_signature(path))
            return read_png_mask(path, rows, cols, mask);
        qmap_h5_quiet q;
        qmap_h5_quiet_begin(&q);
        htri_t is_h5 = H5Fis_hdf5(path);
        qmap_h5_quiet_end(&q);
        if (is_h5 == 0)
            return qmap_error(QMAP_ERR_FORMAT, "mask file %s: neither a PNG nor an HDF5 file",
                              path);
        return read_h5_mask(path, path, NULL, rows, cols, mask);
    }
    char *file = NULL;
    const char *dset = NULL;
    if (split_h5_path(path, &file, &dset) == 0 && is_regular_file(file)) {
        long rc = has_png_signature(file)
                      ? qmap_error(QMAP_ERR_VALUE, "mask file %s: a PNG has no datasets", path)
                      : read_h5_mask(path, file, dset, rows, cols, mask);
        free(file);
        return rc;
    }
    free(file);
    struct stat st;
    if (stat(path, &st) != 0)
        return qmap_error(QMAP_ERR_IO, "mask file %s: cannot open: %s", path, strerror(errno));
    return qmap_error(QMAP_ERR_IO, "mask file %s: not a regular file", path);
}
