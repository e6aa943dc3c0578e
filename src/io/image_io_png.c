/* image_io_png.c -- read a PNG as a grey image with libpng.
 *
 * Palette and 1/2/4-bit grey are expanded to 8 bits, tRNS is ignored; colour images are
 * averaged over R, G, B; alpha is dropped. 16-bit samples are big-endian in the file and
 * assembled here. libpng reports errors by longjmp: the error callback keeps the message
 * in heap state that stays valid across the jump, and it becomes a qmap_error.
 */
#include "qmap/error.h"
#include "image_io_internal.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char msg[200];
    png_bytep data;
    png_bytepp rows;
} png_read_state;

static void on_png_error(png_structp png, png_const_charp msg)
{
    png_read_state *st = png_get_error_ptr(png);
    snprintf(st->msg, sizeof st->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png, (void)msg;
}

/* Decode f into img using st for the buffers; returns 0 or a negative status. */
static int decode(FILE *f, const char *path, png_read_state *st, qmap_grey_image *img)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return qmap_error(QMAP_ERR_NOMEM, "%s: cannot start libpng", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return qmap_error(QMAP_ERR_FORMAT, "%s: bad or truncated PNG: %s", path, st->msg);
    }
    png_init_io(png, f);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int colour_type = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
    if (w == 0 || h == 0 || (long long)w * h > QMAP_IMAGE_MAX_PIXELS) {
        png_destroy_read_struct(&png, &info, NULL);
        return qmap_error(QMAP_ERR_FORMAT, "%s: PNG image of %lu x %lu pixels is not supported", path,
                          (unsigned long)w, (unsigned long)h);
    }
    if (colour_type == PNG_COLOR_TYPE_PALETTE)
        png_set_palette_to_rgb(png);
    if (colour_type == PNG_COLOR_TYPE_GRAY && depth < 8)
        png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    int bytes = png_get_bit_depth(png, info) / 8;
    int alpha = (png_get_color_type(png, info) & PNG_COLOR_MASK_ALPHA) != 0;
    int n_colour = channels - alpha;
    size_t rowbytes = png_get_rowbytes(png, info);
    st->data = malloc(rowbytes * h);
    st->rows = malloc(h * sizeof *st->rows);
    img->pixels = malloc((size_t)w * h * sizeof *img->pixels);
    if (!st->data || !st->rows || !img->pixels) {
        png_destroy_read_struct(&png, &info, NULL);
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for %lu x %lu pixels", path,
                          (unsigned long)w, (unsigned long)h);
    }
    for (png_uint_32 r = 0; r < h; r++)
        st->rows[r] = st->data + r * rowbytes;
    png_read_image(png, st->rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    img->width = (int)w;
    img->height = (int)h;
    img->bits = bytes == 2 ? 16 : 8;
    for (png_uint_32 r = 0; r < h; r++) {
        const png_byte *row = st->rows[r];
        for (png_uint_32 c = 0; c < w; c++) {
            const png_byte *px = row + (size_t)c * channels * bytes;
            double sum = 0;
            for (int k = 0; k < n_colour; k++)
                sum += bytes == 2 ? (px[2 * k] << 8 | px[2 * k + 1]) : px[k];
            img->pixels[(size_t)r * w + c] = sum / n_colour;
        }
    }
    return QMAP_OK;
}

int qmap_read_png_grey(const char *path, qmap_grey_image *img)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    png_read_state *st = calloc(1, sizeof *st);
    int rc = st ? decode(f, path, st, img) : qmap_error(QMAP_ERR_NOMEM, "%s: no memory", path);
    if (st) {
        free(st->data);
        free(st->rows);
        free(st);
    }
    fclose(f);
    return rc;
}
