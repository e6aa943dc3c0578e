/* image_io_tiff.c -- read a grey (or RGB averaged to grey) 8/16-bit TIFF with libtiff,
 * and its pixel size from the tags SEMs write.
 *
 * libtiff's messages go to per-file handlers (TIFFOpenOptions, libtiff >= 4.5) that keep
 * the first error, so nothing is printed and the message reaches qmap_error. Only strip
 * images are read (TIFFReadScanline); SEM software writes strips.
 */
#include "qmap/error.h"
#include "image_io_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>

#define TAG_FEI_SFEG 34680
#define TAG_FEI_HELIOS 34682
#define TAG_ZEISS_SEM 34118

typedef struct {
    char first_error[256];
} tiff_messages;

static int keep_first_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif;
    (void)module;
    tiff_messages *m = user;
    if (!m->first_error[0])
        vsnprintf(m->first_error, sizeof m->first_error, fmt, ap);
    return 1;
}

static int ignore_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap)
{
    (void)tif, (void)user, (void)module, (void)fmt, (void)ap;
    return 1;
}

/* Bytes of a private text tag (FEI/Zeiss), or NULL. */
static const char *private_tag_text(TIFF *tif, uint32_t tag, long *len)
{
    const TIFFField *fld = TIFFFindField(tif, tag, TIFF_ANY);
    if (!fld)
        return NULL;
    uint32_t count = 0;
    void *data = NULL;
    if (TIFFFieldPassCount(fld) && TIFFFieldReadCount(fld) == TIFF_VARIABLE2) {
        if (!TIFFGetField(tif, tag, &count, &data))
            return NULL;
    } else if (TIFFFieldPassCount(fld)) {
        uint16_t c16 = 0;
        if (!TIFFGetField(tif, tag, &c16, &data))
            return NULL;
        count = c16;
    } else {
        if (!TIFFGetField(tif, tag, &data) || !data)
            return NULL;
        count = (uint32_t)strlen(data);
    }
    int type = TIFFFieldDataType(fld);
    if (!data || (type != TIFF_ASCII && type != TIFF_BYTE && type != TIFF_UNDEFINED &&
                  type != TIFF_SBYTE))
        return NULL;
    *len = (long)count;
    return data;
}

/* ImageJ: ImageDescription "ImageJ=1.x\n...unit=micron\n..." and XResolution in
 * pixels per unit. Returns nm per pixel or 0. */
static double imagej_pixel_size(const char *desc, double xres)
{
    if (!desc || strncmp(desc, "ImageJ=", 7) != 0 || !(xres > 0))
        return 0;
    const char *u = strstr(desc, "\nunit=");
    if (!u)
        return 0;
    u += 6;
    static const struct {
        const char *name;
        double nm;
    } units[] = {{"nm", 1}, {"micron", 1e3}, {"um", 1e3}, {"\\u00B5m", 1e3}, {"\xc2\xb5m", 1e3},
                 {"mm", 1e6}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        size_t n = strlen(units[k].name);
        if (strncmp(u, units[k].name, n) == 0 && (u[n] == '\n' || u[n] == '\0' || u[n] == '\r'))
            return units[k].nm / xres;
    }
    return 0;
}

static void find_pixel_size(TIFF *tif, qmap_grey_image *img)
{
    static const uint32_t fei_tags[2] = {TAG_FEI_HELIOS, TAG_FEI_SFEG};
    for (int k = 0; k < 2; k++) {
        long len = 0;
        const char *t = private_tag_text(tif, fei_tags[k], &len);
        double v = t ? qmap_sem_tag_pixel_size_nm(t, len, 0) : 0;
        if (v > 0) {
            img->pixel_size_nm = v;
            snprintf(img->pixel_size_source, sizeof img->pixel_size_source,
                     "FEI tag %u [Scan] PixelWidth", (unsigned)fei_tags[k]);
            return;
        }
    }
    long len = 0;
    const char *t = private_tag_text(tif, TAG_ZEISS_SEM, &len);
    double v = t ? qmap_sem_tag_pixel_size_nm(t, len, 1) : 0;
    if (v > 0) {
        img->pixel_size_nm = v;
        snprintf(img->pixel_size_source, sizeof img->pixel_size_source,
                 "Zeiss tag 34118 Image Pixel Size");
        return;
    }
    float xres = 0;
    uint16_t unit = RESUNIT_INCH;
    int has_xres = TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres) && xres > 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
    char *desc = NULL;
    if (has_xres && TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &desc)) {
        v = imagej_pixel_size(desc, xres);
        if (v > 0) {
            img->pixel_size_nm = v;
            snprintf(img->pixel_size_source, sizeof img->pixel_size_source,
                     "ImageJ calibration (ImageDescription unit, XResolution)");
            return;
        }
    }
    if (has_xres && unit == RESUNIT_CENTIMETER) {
        img->pixel_size_nm = 1e7 / xres;
        snprintf(img->pixel_size_source, sizeof img->pixel_size_source,
                 "XResolution %g pixels/cm", (double)xres);
    }
}

/* Check the image layout is one qmap reads; returns 0 or a negative status. */
static int check_layout(const char *path, TIFF *tif, uint32_t w, uint32_t h, uint16_t bits,
                        uint16_t spp, uint16_t fmt, uint16_t photo, uint16_t planar)
{
    if (w == 0 || h == 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: TIFF image has zero size (%u x %u pixels)", path,
                          (unsigned)w, (unsigned)h);
    if ((long long)w * h > QMAP_IMAGE_MAX_PIXELS)
        return qmap_error(QMAP_ERR_FORMAT, "%s: TIFF image of %u x %u pixels is too large", path,
                          (unsigned)w, (unsigned)h);
    if (bits != 8 && bits != 16)
        return qmap_error(QMAP_ERR_FORMAT, "%s: unsupported TIFF bit depth %u (8 or 16-bit expected)",
                          path, (unsigned)bits);
    if (fmt != SAMPLEFORMAT_UINT)
        return qmap_error(QMAP_ERR_FORMAT, "%s: unsupported TIFF sample format %u (unsigned integers expected)",
                          path, (unsigned)fmt);
    if (photo == PHOTOMETRIC_PALETTE)
        return qmap_error(QMAP_ERR_FORMAT, "%s: palette TIFF not supported (grey or RGB expected)", path);
    if (!(spp == 1 || ((spp == 3 || spp == 4) && photo == PHOTOMETRIC_RGB) ||
          (spp == 2 && photo <= PHOTOMETRIC_MINISBLACK)))
        return qmap_error(QMAP_ERR_FORMAT, "%s: unsupported TIFF with %u samples per pixel and photometric %u",
                          path, (unsigned)spp, (unsigned)photo);
    if (spp > 1 && planar != PLANARCONFIG_CONTIG)
        return qmap_error(QMAP_ERR_FORMAT, "%s: separate-plane TIFF not supported", path);
    if (TIFFIsTiled(tif))
        return qmap_error(QMAP_ERR_FORMAT, "%s: tiled TIFF not supported (strips expected)", path);
    return QMAP_OK;
}

int qmap_read_tiff_grey(const char *path, qmap_grey_image *img)
{
    tiff_messages msg = {{0}};
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts)
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", path);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, keep_first_error, &msg);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, ignore_warning, NULL);
    TIFF *tif = TIFFOpenExt(path, "r", opts);
    TIFFOpenOptionsFree(opts);
    if (!tif)
        return qmap_error(QMAP_ERR_FORMAT, "%s: not a readable TIFF: %s", path,
                          msg.first_error[0] ? msg.first_error : "libtiff could not open it");
    int st = QMAP_OK;
    unsigned char *line = NULL;
    uint32_t w = 0, h = 0;
    uint16_t bits = 1, spp = 1, fmt = SAMPLEFORMAT_UINT, photo = PHOTOMETRIC_MINISBLACK,
             planar = PLANARCONFIG_CONTIG;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo))
        photo = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    st = check_layout(path, tif, w, h, bits, spp, fmt, photo, planar);
    if (st < 0)
        goto done;
    img->width = (int)w;
    img->height = (int)h;
    img->bits = bits;
    img->pixels = malloc((size_t)w * h * sizeof *img->pixels);
    tmsize_t line_size = TIFFScanlineSize(tif);
    if (line_size < (tmsize_t)w * spp * (bits / 8)) {
        st = qmap_error(QMAP_ERR_FORMAT, "%s: TIFF scanline size %ld is inconsistent with %u pixels",
                        path, (long)line_size, (unsigned)w);
        goto done;
    }
    line = malloc((size_t)line_size);
    if (!img->pixels || !line) {
        st = qmap_error(QMAP_ERR_NOMEM, "%s: out of memory for %u x %u pixels", path, (unsigned)w, (unsigned)h);
        goto done;
    }
    /* Channels averaged: grey for spp 1, grey+alpha uses the first, RGB(A) the mean of 3. */
    int n_colour = spp >= 3 ? 3 : 1;
    double max_value = bits == 8 ? 255.0 : 65535.0;
    for (uint32_t r = 0; r < h; r++) {
        if (TIFFReadScanline(tif, line, r, 0) < 0) {
            st = qmap_error(QMAP_ERR_IO, "%s: TIFF truncated or corrupt at row %u of %u: %s", path,
                            (unsigned)r, (unsigned)h, msg.first_error[0] ? msg.first_error : "read failed");
            goto done;
        }
        double *out = img->pixels + (size_t)r * w;
        for (uint32_t c = 0; c < w; c++) {
            double sum = 0;
            for (int s = 0; s < n_colour; s++) {
                size_t k = (size_t)c * spp + s;
                sum += bits == 8 ? line[k] : ((const uint16_t *)line)[k];
            }
            double v = sum / n_colour;
            out[c] = photo == PHOTOMETRIC_MINISWHITE ? max_value - v : v;
        }
    }
    find_pixel_size(tif, img);
done:
    free(line);
    TIFFClose(tif);
    return st;
}
