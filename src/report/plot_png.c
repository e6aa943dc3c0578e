/* plot_png.c -- a rendered figure (cairo RGB24 image surface) encoded as PNG with libpng.
 *
 * Why not cairo's own PNG writer: it compresses at zlib's default level and tries every
 * row filter, which made PNG encoding ~70 % of `qmap report`'s time (2.4 s of the 17
 * figures and the overview of a 50 x 50 map; the overview alone 1.4 s). Report figures are
 * flat colours, lines and text: zlib level 3 with the "up" filter encodes them 4-5 times
 * faster for ~25 % more bytes (bench/README.md, "The report's PNG files"). The pixels are
 * written as 8-bit RGB, as cairo wrote them; libpng's errors (longjmp) become a cairo status.
 */
#include "plot_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

#define PNG_ZLIB_LEVEL 3

typedef struct {
    cairo_write_func_t write;
    void *closure;
    cairo_status_t status;   /* the writer's failure, kept for the caller */
} png_sink;

static void on_write(png_structp png, png_bytep data, png_size_t n)
{
    png_sink *s = png_get_io_ptr(png);
    while (n > 0) {   /* the writer takes an unsigned int */
        unsigned int part = n > 1u << 30 ? 1u << 30 : (unsigned int)n;
        cairo_status_t st = s->write(s->closure, data, part);
        if (st != CAIRO_STATUS_SUCCESS) {
            s->status = st;
            png_error(png, "write failed");
        }
        data += part;
        n -= part;
    }
}

static void on_flush(png_structp png) { (void)png; }

static void on_error(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_sink *s = png_get_error_ptr(png);
    if (s->status == CAIRO_STATUS_SUCCESS)
        s->status = CAIRO_STATUS_PNG_ERROR;   /* not the writer's failure: libpng's own */
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

cairo_status_t qmap__encode_png(cairo_surface_t *img, cairo_write_func_t write, void *closure)
{
    cairo_surface_flush(img);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS)
        return cairo_surface_status(img);
    if (cairo_image_surface_get_format(img) != CAIRO_FORMAT_RGB24)
        return CAIRO_STATUS_INVALID_FORMAT;
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *pixels = cairo_image_surface_get_data(img);
    png_sink sink = {write, closure, CAIRO_STATUS_SUCCESS};
    unsigned char *row = malloc((size_t)(w > 0 ? w : 1) * 3);
    if (!row)
        return CAIRO_STATUS_NO_MEMORY;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    volatile int done = 0;
    if (png && info && !setjmp(png_jmpbuf(png))) {
        png_set_write_fn(png, &sink, on_write, on_flush);
        png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        png_set_compression_level(png, PNG_ZLIB_LEVEL);
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
        png_write_info(png, info);
        for (int y = 0; y < h; y++) {
            const uint32_t *px = (const uint32_t *)(pixels + (size_t)y * stride);   /* xRGB, native order */
            for (int x = 0; x < w; x++) {
                row[3 * x] = (unsigned char)(px[x] >> 16);
                row[3 * x + 1] = (unsigned char)(px[x] >> 8);
                row[3 * x + 2] = (unsigned char)px[x];
            }
            png_write_row(png, row);
        }
        png_write_end(png, info);
        done = 1;
    }
    if (png)
        png_destroy_write_struct(&png, &info);
    free(row);
    if (done)
        return CAIRO_STATUS_SUCCESS;
    return sink.status != CAIRO_STATUS_SUCCESS ? sink.status : CAIRO_STATUS_NO_MEMORY;   /* no png struct */
}
