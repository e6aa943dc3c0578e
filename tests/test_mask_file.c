/* test_mask_file.c -- qmap_read_mask_file on HDF5 masks (first 2D dataset, explicit
 * "file:/path", integer and float types) and PNG masks written here with libpng (grey
 * 8/16-bit, 1-bit, palette, RGB, RGBA with opaque alpha), and its errors: wrong shape,
 * truncated PNG, missing file, missing dataset, a file that is neither format. */
#include "qmap/dataset.h"
#include "qmap/error.h"

#include <hdf5.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROWS 5
#define COLS 7

static char tmpdir[1024];

#include "check.h"

static void tmp_path(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", tmpdir, name);
}

/* The pixels every test mask marks: (0,0), (1,3), (4,6). */
static int is_marked(int r, int c)
{
    return (r == 0 && c == 0) || (r == 1 && c == 3) || (r == 4 && c == 6);
}

/* ------------------------------------------------------------ PNG writer */

/* Write a rows x cols PNG; sample(r, c, ch) gives each channel value. */
static int write_png(const char *path, int rows, int cols, int color_type, int bit_depth,
                     unsigned (*sample)(int r, int c, int ch))
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)cols, (png_uint_32)rows, bit_depth, color_type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[2] = {{0, 0, 0}, {255, 0, 0}};
        png_set_PLTE(png, info, pal, 2);
    }
    png_write_info(png, info);
    int channels = color_type == PNG_COLOR_TYPE_RGB ? 3 : color_type == PNG_COLOR_TYPE_RGBA ? 4
                   : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t rowbytes = ((size_t)cols * channels * bit_depth + 7) / 8;
    png_bytep row = calloc(rowbytes, 1);
    for (int r = 0; r < rows; r++) {
        memset(row, 0, rowbytes);
        for (int c = 0; c < cols; c++) {
            for (int ch = 0; ch < channels; ch++) {
                unsigned v = sample(r, c, ch);
                size_t bit = ((size_t)c * channels + ch) * bit_depth;
                if (bit_depth == 16) {
                    row[bit / 8] = (png_byte)(v >> 8);
                    row[bit / 8 + 1] = (png_byte)(v & 0xff);
                } else if (bit_depth == 8) {
                    row[bit / 8] = (png_byte)v;
                } else {   /* packed, most significant bits first */
                    row[bit / 8] |= (png_byte)(v << (8 - bit_depth - bit % 8));
                }
            }
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    return 0;
}

static unsigned gray8(int r, int c, int ch)
{
    return is_marked(r, c) ? 200 : 0;
}

static unsigned gray16_small(int r, int c, int ch)
{
    return is_marked(r, c) ? 1 : 0;   /* only the low byte is non-zero */
}

static unsigned one_bit(int r, int c, int ch)
{
    return is_marked(r, c) ? 1 : 0;
}

static unsigned rgb_green_only(int r, int c, int ch)
{
    return is_marked(r, c) && ch == 1 ? 255 : 0;
}

static unsigned rgba_opaque(int r, int c, int ch)
{
    if (ch == 3)
        return 255;   /* alpha: opaque everywhere, must not mask */
    return is_marked(r, c) && ch == 2 ? 7 : 0;
}

/* ------------------------------------------------------------ HDF5 writer */

static void put_2d(hid_t f, const char *path, hid_t ftype, hid_t mtype, int rows, int cols,
                   const void *data)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)cols};
    hid_t s = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, path, ftype, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(d);
    H5Sclose(s);
    H5Pclose(lcpl);
}

static void write_h5_masks(const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    double vec[3] = {1, 1, 1};
    hsize_t n = 3;
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t d = H5Dcreate2(f, "a_vector", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, vec);
    H5Dclose(d);
    H5Sclose(s);

    uint8_t m8[ROWS * COLS] = {0};
    double md[ROWS * COLS] = {0};
    long long m64[3 * 3] = {0};
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            m8[r * COLS + c] = is_marked(r, c) ? 1 : 0;
    md[2] = NAN;
    md[10] = -0.5;
    m64[4] = -1;
    put_2d(f, "b/mask", H5T_STD_U8LE, H5T_NATIVE_UINT8, ROWS, COLS, m8);
    put_2d(f, "c_float", H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, ROWS, COLS, md);
    put_2d(f, "d_small", H5T_STD_I64LE, H5T_NATIVE_LLONG, 3, 3, m64);
    H5Fclose(f);
}

/* ------------------------------------------------------------ checks */

static void expect_marked(const char *what, const uint8_t *mask, long n)
{
    CHECK(n == 3, "%s: returned %ld (%s)", what, n, n < 0 ? qmap_error_message() : "");
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            CHECK(mask[r * COLS + c] == is_marked(r, c), "%s: pixel (%d,%d) = %d", what, r, c,
                  mask[r * COLS + c]);
}

static void expect_error(const char *path, int rows, int cols, const char *w1, const char *w2)
{
    uint8_t mask[ROWS * COLS] = {0};
    qmap_error_clear();
    long n = qmap_read_mask_file(path, rows, cols, mask);
    const char *msg = qmap_error_message();
    CHECK(n < 0, "%s: read succeeded (%ld), expected an error with '%s'", path, n, w1);
    CHECK(!w1 || strstr(msg, w1), "%s: message '%s' lacks '%s'", path, msg, w1);
    CHECK(!w2 || strstr(msg, w2), "%s: message '%s' lacks '%s'", path, msg, w2);
    for (int i = 0; i < ROWS * COLS; i++)
        CHECK(mask[i] == 0, "%s: mask changed by a failed read", path);
}

static void test_h5(void)
{
    char path[1200], spec[1300];
    tmp_path(path, sizeof path, "mask.h5");
    write_h5_masks(path);
    uint8_t mask[ROWS * COLS] = {0};
    expect_marked("h5 first 2D dataset", mask, qmap_read_mask_file(path, ROWS, COLS, mask));

    snprintf(spec, sizeof spec, "%s:/b/mask", path);
    memset(mask, 0, sizeof mask);
    expect_marked("h5 explicit path", mask, qmap_read_mask_file(spec, ROWS, COLS, mask));

    /* float dataset ORed into an existing mask: NaN and -0.5 are masked */
    snprintf(spec, sizeof spec, "%s:/c_float", path);
    memset(mask, 0, sizeof mask);
    mask[0] = 1;
    long n = qmap_read_mask_file(spec, ROWS, COLS, mask);
    CHECK(n == 2, "float mask returned %ld (%s)", n, qmap_error_message());
    CHECK(mask[0] == 1 && mask[2] == 1 && mask[10] == 1 && mask[1] == 0, "float mask ORed wrong");

    snprintf(spec, sizeof spec, "%s:/d_small", path);
    expect_error(spec, ROWS, COLS, "3 x 3", "5 x 7");
    snprintf(spec, sizeof spec, "%s:/nothing/here", path);
    expect_error(spec, ROWS, COLS, "/nothing/here", "missing");
    snprintf(spec, sizeof spec, "%s:/a_vector", path);
    expect_error(spec, ROWS, COLS, "/a_vector", "3 (1D)");
    expect_error(path, 4, 4, "5 x 7", "4 x 4");
}

static void test_png_ok(const char *name, int color_type, int depth,
                        unsigned (*sample)(int, int, int))
{
    char path[1200];
    tmp_path(path, sizeof path, name);
    CHECK(write_png(path, ROWS, COLS, color_type, depth, sample) == 0, "cannot write %s", name);
    uint8_t mask[ROWS * COLS] = {0};
    expect_marked(name, mask, qmap_read_mask_file(path, ROWS, COLS, mask));
}

static void test_png(void)
{
    test_png_ok("gray8.png", PNG_COLOR_TYPE_GRAY, 8, gray8);
    test_png_ok("gray16.png", PNG_COLOR_TYPE_GRAY, 16, gray16_small);
    test_png_ok("gray1.png", PNG_COLOR_TYPE_GRAY, 1, one_bit);
    test_png_ok("palette.png", PNG_COLOR_TYPE_PALETTE, 8, one_bit);
    test_png_ok("rgb.png", PNG_COLOR_TYPE_RGB, 8, rgb_green_only);
    test_png_ok("rgba.png", PNG_COLOR_TYPE_RGBA, 8, rgba_opaque);
    test_png_ok("rgb16.png", PNG_COLOR_TYPE_RGB, 16, rgb_green_only);

    char path[1200], cut[1200];
    tmp_path(path, sizeof path, "gray8.png");
    expect_error(path, 7, 5, "5 x 7", "7 x 5");

    /* a PNG cut in the middle of its image data; and one cut after the header */
    int sizes[2] = {60, 20};
    for (int k = 0; k < 2; k++) {
        tmp_path(path, sizeof path, "rgb16.png");
        snprintf(cut, sizeof cut, "%s/truncated%d.png", tmpdir, k);
        FILE *in = fopen(path, "rb"), *out = fopen(cut, "wb");
        unsigned char buf[4096];
        size_t n = fread(buf, 1, sizeof buf, in);
        size_t keep = (size_t)sizes[k] < n ? (size_t)sizes[k] : n / 2;
        fwrite(buf, 1, keep, out);
        fclose(in);
        fclose(out);
        expect_error(cut, ROWS, COLS, cut, "PNG");
    }
}

static void test_other_errors(void)
{
    char path[1200];
    tmp_path(path, sizeof path, "no_such_mask.png");
    expect_error(path, ROWS, COLS, path, "No such file");
    tmp_path(path, sizeof path, "text_mask.txt");
    FILE *f = fopen(path, "w");
    fputs("not a mask\n", f);
    fclose(f);
    expect_error(path, ROWS, COLS, path, "neither a PNG nor an HDF5 file");
    tmp_path(path, sizeof path, "gray8.png:/x");
    expect_error(path, ROWS, COLS, "PNG", NULL);
    expect_error("", ROWS, COLS, "mask file", NULL);
    tmp_path(path, sizeof path, "gray8.png");
    expect_error(path, 0, COLS, "shape", NULL);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp) {
        fprintf(stderr, "test_mask_file: QMAP_TEST_TMP must be set\n");
        return 1;
    }
    snprintf(tmpdir, sizeof tmpdir, "%s", tmp);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    test_h5();
    test_png();
    test_other_errors();
    if (failures) {
        fprintf(stderr, "test_mask_file: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_mask_file: all passed\n");
    return 0;
}
