/* mask_file.c -- read a user detector mask from an HDF5 or PNG file.
 *
 * Accepted: "file.h5" (the first 2D numeric dataset met walking the file in name
 * order), "file.h5:/path/to/dataset", or a PNG image (8/16-bit grey, palette, RGB,
 * grey+alpha, RGBA). Non-zero = masked; for colour images a pixel is masked when any
 * colour channel is non-zero (alpha is ignored, so an opaque black pixel is not
 * masked). The type is told by the file's signature, not its extension. The mask is
 * ORed into the caller's array so several masks can be combined. PNG is read with
 * libpng; its errors longjmp back here and become qmap errors (never printed).
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "h5util.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_MASK_PIXELS 100000000L

/* ---------------------------------------------------------------- PNG */

/* State shared with libpng callbacks; heap-allocated so that it stays well defined
 * across the longjmp of an error. */
typedef struct {
    char msg[200];
    png_bytep image;
    png_bytepp rows;
} png_state;

static void png_error_cb(png_structp png, png_const_charp msg)
{
    png_state *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Set input transformations so that samples are 8 or 16-bit grey or RGB (+alpha). */
static void png_normalise(png_structp png, png_infop info)
{
    int ct = png_get_color_type(png, info);
    int bd = png_get_bit_depth(png, info);
    if (ct == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (ct == PNG_COLOR_TYPE_GRAY && bd < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

/* OR masked pixels of the decoded image into mask; returns how many the file masks. */
static long png_to_mask(png_structp png, png_infop info, const png_state *st, int rows,
                        int cols, uint8_t *mask)
{
    int channels = png_get_channels(png, info);
    int bps = png_get_bit_depth(png, info) / 8;
    int alpha = (png_get_color_type(png, info) & PNG_COLOR_MASK_ALPHA) != 0;
    int colour = channels - alpha;
    long count = 0;
    for (int r = 0; r < rows; r++) {
        const png_byte *row = st->rows[r];
        for (int c = 0; c < cols; c++) {
            const png_byte *px = row + (size_t)c * (size_t)channels * (size_t)bps;
            int nz = 0;
            for (int k = 0; k < colour * bps; k++)
                nz |= px[k] != 0;
            if (nz) {
                mask[(size_t)r * (size_t)cols + (size_t)c] = 1;
                count++;
            }
        }
    }
    return count;
}

/* Decode the PNG in f; fills st->image/rows. Returns count or a negative status. */
static long png_decode(FILE *f, const char *path, int rows, int cols, uint8_t *mask,
                       png_state *st)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, png_error_cb,
                                             png_warning_cb);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return qmap_error(QMAP_ERR_NOMEM, "mask file %s: cannot start libpng", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return qmap_error(QMAP_ERR_FORMAT, "mask file %s: bad PNG: %s", path, st->msg);
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w != (png_uint_32)cols || h != (png_uint_32)rows) {
        png_destroy_read_struct(&png, &info, NULL);
        return qmap_error(QMAP_ERR_VALUE, "mask file %s: image is %lu x %lu (rows x cols), "
                          "detector is %d x %d", path, (unsigned long)h, (unsigned long)w,
                          rows, cols);
    }
    png_normalise(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    st->image = malloc(rowbytes * (size_t)rows);
    st->rows = malloc((size_t)rows * sizeof *st->rows);
    if (!st->image || !st->rows) {
        png_destroy_read_struct(&png, &info, NULL);
        return qmap_error(QMAP_ERR_NOMEM, "mask file %s: no memory for the image", path);
    }
    for (int r = 0; r < rows; r++)
        st->rows[r] = st->image + (size_t)r * rowbytes;
    png_read_image(png, st->rows);
    png_read_end(png, NULL);
    long count = png_to_mask(png, info, st, rows, cols, mask);
    png_destroy_read_struct(&png, &info, NULL);
    return count;
}

static long read_png_mask(const char *path, int rows, int cols, uint8_t *mask)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "mask file %s: cannot open: %s", path, strerror(errno));
    png_state *st = calloc(1, sizeof *st);
    if (!st) {
        fclose(f);
        return qmap_error(QMAP_ERR_NOMEM, "mask file %s: no memory", path);
    }
    /* Decode into a scratch mask so a PNG failing half-way leaves mask untouched. */
    size_t npix = (size_t)rows * (size_t)cols;
    uint8_t *tmp = calloc(npix, 1);
    long rc = tmp ? png_decode(f, path, rows, cols, tmp, st)
                  : qmap_error(QMAP_ERR_NOMEM, "mask file %s: no memory", path);
    if (rc >= 0)
        for (size_t i = 0; i < npix; i++)
            mask[i] |= tmp[i];
    free(tmp);
    free(st->image);
    free(st->rows);
    free(st);
    fclose(f);
    return rc;
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
