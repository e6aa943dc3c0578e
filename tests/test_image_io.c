/* test_image_io.c -- image_io.h: grey TIFF (8/16-bit, RGB, min-is-white) and PNG (8/16-bit
 * grey, RGB, 4-bit) written here with libtiff/libpng read back exactly; the pixel size from
 * FEI, Zeiss, ImageJ and centimetre-resolution tags; and bad files (missing, empty,
 * truncated, zero size, unsupported bit depth or sample format, not an image) refused with
 * a one-line message naming the file. */
#include "qmap/error.h"
#include "qmap/image_io.h"
#include "check.h"

#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <unistd.h>

static char dir[1024];

static const char *tmp_path(const char *name)
{
    static char buf[8][1200];
    static int k;
    k = (k + 1) % 8;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Test pattern value of pixel (r, c) for a given bit depth. */
static unsigned pattern(int r, int c, int bits)
{
    unsigned v = (unsigned)(r * 37 + c * 11 + (r * c) % 7);
    return bits == 8 ? v % 256 : (v * 263) % 65536;
}

typedef struct {
    int bits, spp, photometric;
    int sample_format;
    const char *fei, *zeiss, *description;
    float xres;
    int res_unit;
} tiff_spec;

static int write_tiff(const char *path, int w, int h, const tiff_spec *s)
{
    TIFF *t = TIFFOpen(path, "w");
    if (!t)
        return -1;
    static const TIFFFieldInfo extra[] = {
        {34682, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, "FEI_HELIOS"},
        {34118, -1, -1, TIFF_ASCII, FIELD_CUSTOM, 1, 0, "CZ_SEM"},
    };
    TIFFMergeFieldInfo(t, extra, 2);
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, s->bits);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, s->spp);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, s->photometric);
    TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 4);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
    if (s->sample_format)
        TIFFSetField(t, TIFFTAG_SAMPLEFORMAT, s->sample_format);
    if (s->fei)
        TIFFSetField(t, 34682, s->fei);
    if (s->zeiss)
        TIFFSetField(t, 34118, s->zeiss);
    if (s->description)
        TIFFSetField(t, TIFFTAG_IMAGEDESCRIPTION, s->description);
    if (s->xres > 0) {
        TIFFSetField(t, TIFFTAG_XRESOLUTION, s->xres);
        TIFFSetField(t, TIFFTAG_YRESOLUTION, s->xres);
        TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, s->res_unit);
    }
    size_t bps = (size_t)(s->bits + 7) / 8;
    unsigned char *line = calloc((size_t)w * s->spp * bps + 8, 1);
    for (int r = 0; r < h; r++) {
        for (int c = 0; c < w; c++)
            for (int k = 0; k < s->spp; k++) {
                /* colour channels differ by k around a base that cannot overflow 8 bits */
                unsigned v = s->spp > 1 ? pattern(r, c, 8) % 250 + (unsigned)k : pattern(r, c, s->bits == 16 ? 16 : 8);
                size_t i = (size_t)c * s->spp + k;
                if (s->bits == 8)
                    line[i] = (unsigned char)v;
                else if (s->bits == 16)
                    ((uint16_t *)line)[i] = (uint16_t)v;
                else if (s->bits == 32)
                    ((float *)line)[i] = (float)v;
            }
        if (TIFFWriteScanline(t, line, r, 0) < 0) {
            free(line);
            TIFFClose(t);
            return -1;
        }
    }
    free(line);
    TIFFClose(t);
    return 0;
}

static int write_png(const char *path, int w, int h, int bits, int colour_type)
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
    png_set_IHDR(png, info, w, h, bits, colour_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    int ch = colour_type == PNG_COLOR_TYPE_RGB ? 3 : 1;
    unsigned char *row = calloc((size_t)w * ch * 2 + 8, 1);
    for (int r = 0; r < h; r++) {
        memset(row, 0, (size_t)w * ch * 2 + 8);
        for (int c = 0; c < w; c++)
            for (int k = 0; k < ch; k++) {
                unsigned v = bits == 4 ? pattern(r, c, 8) % 16
                             : ch > 1 ? pattern(r, c, 8) % 250 + (unsigned)k : pattern(r, c, bits);
                size_t i = (size_t)c * ch + k;
                if (bits == 16) {
                    row[2 * i] = (unsigned char)(v >> 8);
                    row[2 * i + 1] = (unsigned char)v;
                } else if (bits == 8) {
                    row[i] = (unsigned char)v;
                } else {   /* 4-bit grey, two pixels per byte, high nibble first */
                    row[c / 2] |= (unsigned char)(c % 2 ? v : v << 4);
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

/* Read path and compare every pixel with expect(r, c). */
static void check_read(const char *path, int w, int h, int bits, double (*expect)(int, int), const char *what)
{
    qmap_grey_image *img = NULL;
    int st = qmap_grey_image_read(path, &img);
    CHECK(st == 0, "%s: read failed: %s", what, qmap_error_message());
    if (st != 0)
        return;
    CHECK(img->width == w && img->height == h && img->bits == bits, "%s: %dx%d %d-bit, expected %dx%d %d-bit",
          what, img->width, img->height, img->bits, w, h, bits);
    int bad = 0;
    for (int r = 0; r < h && !bad; r++)
        for (int c = 0; c < w; c++)
            if (img->pixels[r * w + c] != expect(r, c)) {
                CHECK(0, "%s: pixel (%d,%d) = %g, expected %g", what, r, c, img->pixels[r * w + c], expect(r, c));
                bad = 1;
                break;
            }
    qmap_grey_image_free(img);
}

static double grey8(int r, int c) { return pattern(r, c, 8); }
static double grey16(int r, int c) { return pattern(r, c, 16); }
static double rgb8(int r, int c) { return pattern(r, c, 8) % 250 + 1.0; }   /* mean of v, v+1, v+2 */
static double white8(int r, int c) { return 255.0 - pattern(r, c, 8); }
static double grey4(int r, int c) { return (pattern(r, c, 8) % 16) * 17.0; }   /* libpng scales 4 -> 8 bits */

static void test_formats(void)
{
    int w = 37, h = 23;
    tiff_spec s8 = {8, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, NULL, 0, 0};
    CHECK(write_tiff(tmp_path("g8.tif"), w, h, &s8) == 0, "writing g8.tif");
    check_read(tmp_path("g8.tif"), w, h, 8, grey8, "8-bit grey TIFF");
    tiff_spec s16 = {16, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, NULL, 0, 0};
    write_tiff(tmp_path("g16.tif"), w, h, &s16);
    check_read(tmp_path("g16.tif"), w, h, 16, grey16, "16-bit grey TIFF");
    tiff_spec srgb = {8, 3, PHOTOMETRIC_RGB, 0, NULL, NULL, NULL, 0, 0};
    write_tiff(tmp_path("rgb.tif"), w, h, &srgb);
    check_read(tmp_path("rgb.tif"), w, h, 8, rgb8, "8-bit RGB TIFF");
    tiff_spec swhite = {8, 1, PHOTOMETRIC_MINISWHITE, 0, NULL, NULL, NULL, 0, 0};
    write_tiff(tmp_path("white.tif"), w, h, &swhite);
    check_read(tmp_path("white.tif"), w, h, 8, white8, "min-is-white TIFF");
    CHECK(write_png(tmp_path("g8.png"), w, h, 8, PNG_COLOR_TYPE_GRAY) == 0, "writing g8.png");
    check_read(tmp_path("g8.png"), w, h, 8, grey8, "8-bit grey PNG");
    write_png(tmp_path("g16.png"), w, h, 16, PNG_COLOR_TYPE_GRAY);
    check_read(tmp_path("g16.png"), w, h, 16, grey16, "16-bit grey PNG");
    write_png(tmp_path("rgb.png"), w, h, 8, PNG_COLOR_TYPE_RGB);
    check_read(tmp_path("rgb.png"), w, h, 8, rgb8, "8-bit RGB PNG");
    write_png(tmp_path("g4.png"), w, h, 4, PNG_COLOR_TYPE_GRAY);
    check_read(tmp_path("g4.png"), w, h, 8, grey4, "4-bit grey PNG");
    /* A PNG has no trusted pixel size. */
    qmap_grey_image *img = NULL;
    if (qmap_grey_image_read(tmp_path("g8.png"), &img) == 0)
        CHECK(img->pixel_size_nm == 0, "PNG pixel size %g, expected none", img->pixel_size_nm);
    qmap_grey_image_free(img);
}

/* Pixel size read from a TIFF written with the given tags. */
static double tiff_pixel_size(const char *name, const tiff_spec *s, char *source, size_t size)
{
    const char *p = tmp_path(name);
    if (write_tiff(p, 16, 8, s) != 0)
        return -1;
    qmap_grey_image *img = NULL;
    if (qmap_grey_image_read(p, &img) != 0) {
        fprintf(stderr, "%s\n", qmap_error_message());
        return -1;
    }
    double v = img->pixel_size_nm;
    snprintf(source, size, "%s", img->pixel_size_source);
    qmap_grey_image_free(img);
    return v;
}

static void test_pixel_size(void)
{
    char src[128];
    /* FEI: a PixelWidth in another section ([EScan]) comes first and must be skipped. */
    tiff_spec fei = {8, 1, PHOTOMETRIC_MINISBLACK, 0,
                     "[User]\r\nDate=01/02/2024\r\n[EScan]\r\nPixelWidth=9e-06\r\n[Scan]\r\nInternalScan=1\r\n"
                     "PixelWidth=2.5e-09\r\nPixelHeight=2.5e-09\r\n[Stage]\r\nPixelWidth=7\r\n",
                     NULL, NULL, 0, 0};
    double v = tiff_pixel_size("fei.tif", &fei, src, sizeof src);
    CHECK(fabs(v - 2.5) < 1e-9, "FEI tag: pixel size %g nm, expected 2.5 (source %s)", v, src);
    CHECK(strstr(src, "34682") != NULL, "FEI source '%s'", src);
    tiff_spec zeiss = {8, 1, PHOTOMETRIC_MINISBLACK, 0, NULL,
                       "\r\nAP_PIXEL_SIZE\r\nImage Pixel Size = 3.906 nm\r\nAP_WD\r\nWD = 5.1 mm\r\n", NULL, 0, 0};
    v = tiff_pixel_size("zeiss.tif", &zeiss, src, sizeof src);
    CHECK(fabs(v - 3.906) < 1e-9, "Zeiss tag: pixel size %g nm, expected 3.906", v);
    tiff_spec imagej = {8, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, "ImageJ=1.53t\nunit=micron\n", 50, RESUNIT_NONE};
    v = tiff_pixel_size("imagej.tif", &imagej, src, sizeof src);
    CHECK(fabs(v - 20) < 1e-6, "ImageJ: pixel size %g nm, expected 20 (1 um / 50 px)", v);
    tiff_spec cm = {8, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, NULL, 100000, RESUNIT_CENTIMETER};
    v = tiff_pixel_size("cm.tif", &cm, src, sizeof src);
    CHECK(fabs(v - 100) < 1e-6, "XResolution 1e5 px/cm: %g nm, expected 100", v);
    tiff_spec inch = {8, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, NULL, 72, RESUNIT_INCH};
    v = tiff_pixel_size("inch.tif", &inch, src, sizeof src);
    CHECK(v == 0, "72 dpi must not be taken for a calibration: %g nm", v);
    /* The text parsers alone, with other units and malformed values. */
    const char *z = "Image Pixel Size = 1.25 \xc2\xb5m";
    CHECK(fabs(qmap_sem_tag_pixel_size_nm(z, (long)strlen(z), 1) - 1250) < 1e-9, "Zeiss in um");
    z = "Image Pixel Size = 800 pm";
    CHECK(fabs(qmap_sem_tag_pixel_size_nm(z, (long)strlen(z), 1) - 0.8) < 1e-12, "Zeiss in pm");
    z = "Image Pixel Size = 3 furlongs";
    CHECK(qmap_sem_tag_pixel_size_nm(z, (long)strlen(z), 1) == 0, "unknown unit must give 0");
    z = "[Scan]\nPixelWidth=abc\n";
    CHECK(qmap_sem_tag_pixel_size_nm(z, (long)strlen(z), 0) == 0, "malformed FEI value must give 0");
    z = "[Scan]\nPixelWidth=-1e-9\n";
    CHECK(qmap_sem_tag_pixel_size_nm(z, (long)strlen(z), 0) == 0, "negative FEI value must give 0");
}

/* The read must fail with a one-line message that names the file. */
static void expect_failure(const char *path, const char *what, const char *needle)
{
    qmap_grey_image *img = NULL;
    int st = qmap_grey_image_read(path, &img);
    const char *msg = qmap_error_message();
    CHECK(st < 0 && img == NULL, "%s: read should fail", what);
    CHECK(strstr(msg, path) != NULL, "%s: message '%s' does not name the file", what, msg);
    CHECK(strchr(msg, '\n') == NULL, "%s: message is not one line: '%s'", what, msg);
    if (needle)
        CHECK(strstr(msg, needle) != NULL, "%s: message '%s' lacks '%s'", what, msg, needle);
    qmap_grey_image_free(img);
}

static void truncate_copy(const char *from, const char *to, double fraction)
{
    FILE *f = fopen(from, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    FILE *g = fopen(to, "wb");
    fwrite(buf, 1, (size_t)(got * fraction), g);
    fclose(g);
    free(buf);
}

/* A little-endian TIFF whose IFD says width 0 (libtiff will not write one). */
static void write_zero_width_tiff(const char *path)
{
    static const uint16_t tags[][2] = {{256, 0}, {257, 4}, {258, 8}, {259, 1}, {262, 1}, {273, 200},
                                       {277, 1}, {278, 4}, {279, 0}};
    int n = 9;
    FILE *f = fopen(path, "wb");
    unsigned char hdr[8] = {'I', 'I', 42, 0, 8, 0, 0, 0};
    fwrite(hdr, 1, 8, f);
    unsigned char cnt[2] = {(unsigned char)n, 0};
    fwrite(cnt, 1, 2, f);
    for (int k = 0; k < n; k++) {
        unsigned char e[12] = {0};
        e[0] = (unsigned char)tags[k][0], e[1] = (unsigned char)(tags[k][0] >> 8);
        e[2] = 3;   /* SHORT */
        e[4] = 1;   /* count 1 */
        e[8] = (unsigned char)tags[k][1], e[9] = (unsigned char)(tags[k][1] >> 8);
        fwrite(e, 1, 12, f);
    }
    unsigned char next[4] = {0};
    fwrite(next, 1, 4, f);
    unsigned char pad[64] = {0};
    fwrite(pad, 1, sizeof pad, f);
    fclose(f);
}

static void test_bad_files(void)
{
    expect_failure(tmp_path("no-such-image.tif"), "missing file", "No such file");
    FILE *f = fopen(tmp_path("empty.tif"), "wb");
    fclose(f);
    expect_failure(tmp_path("empty.tif"), "empty file", "empty");
    f = fopen(tmp_path("text.tif"), "wb");
    fputs("this is not an image at all\n", f);
    fclose(f);
    expect_failure(tmp_path("text.tif"), "text file", "not a TIFF or PNG");
    /* Truncated: a large enough image that the cut falls in the pixel data. */
    tiff_spec s16 = {16, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, NULL, 0, 0};
    write_tiff(tmp_path("big.tif"), 200, 150, &s16);
    truncate_copy(tmp_path("big.tif"), tmp_path("truncated.tif"), 0.5);
    expect_failure(tmp_path("truncated.tif"), "truncated TIFF", NULL);
    truncate_copy(tmp_path("big.tif"), tmp_path("header-only.tif"), 0.002);
    expect_failure(tmp_path("header-only.tif"), "TIFF cut in its header", NULL);
    tiff_spec sfloat = {32, 1, PHOTOMETRIC_MINISBLACK, SAMPLEFORMAT_IEEEFP, NULL, NULL, NULL, 0, 0};
    write_tiff(tmp_path("float.tif"), 16, 8, &sfloat);
    expect_failure(tmp_path("float.tif"), "32-bit float TIFF", "bit depth 32");
    tiff_spec s1 = {1, 1, PHOTOMETRIC_MINISBLACK, 0, NULL, NULL, NULL, 0, 0};
    write_tiff(tmp_path("bilevel.tif"), 16, 8, &s1);
    expect_failure(tmp_path("bilevel.tif"), "1-bit TIFF", "bit depth 1");
    write_zero_width_tiff(tmp_path("zero.tif"));
    expect_failure(tmp_path("zero.tif"), "zero-width TIFF", NULL);
    write_png(tmp_path("big.png"), 300, 200, 16, PNG_COLOR_TYPE_GRAY);
    truncate_copy(tmp_path("big.png"), tmp_path("truncated.png"), 0.5);
    expect_failure(tmp_path("truncated.png"), "truncated PNG", "PNG");
    expect_failure(dir, "a folder", "folder");
}

int main(void)
{
    const char *t = getenv("QMAP_TEST_TMP");
    snprintf(dir, sizeof dir, "%s/image_io", t ? t : "/tmp");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    test_formats();
    test_pixel_size();
    test_bad_files();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    return failures != 0;
}
