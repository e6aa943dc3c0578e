/* image_io.c -- grey-image reading: format detection by signature, and the parsers of
 * the pixel-size text that SEMs store in their TIFF tags.
 *
 * The readers for each format are in image_io_tiff.c and image_io_png.c. Tag parsing is
 * here, on plain text, so it can be tested without a microscope's file.
 */
#include "qmap/image_io.h"
#include "qmap/error.h"
#include "image_io_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int qmap_grey_image_read(const char *path, qmap_grey_image **out)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open image: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return qmap_error(QMAP_ERR_IO, "%s: is a folder, not an image", path);
    if (sb.st_size == 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: empty file (0 bytes), not an image", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open image: %s", path, strerror(errno));
    unsigned char sig[8] = {0};
    size_t got = fread(sig, 1, sizeof sig, f);
    fclose(f);
    qmap_grey_image *img = calloc(1, sizeof *img);
    if (!img)
        return qmap_error(QMAP_ERR_NOMEM, "%s: out of memory", path);
    int st;
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (got == 8 && memcmp(sig, png_sig, 8) == 0)
        st = qmap_read_png_grey(path, img);
    else if (got >= 4 && ((sig[0] == 'I' && sig[1] == 'I') || (sig[0] == 'M' && sig[1] == 'M')))
        st = qmap_read_tiff_grey(path, img);
    else
        st = qmap_error(QMAP_ERR_FORMAT, "%s: not a TIFF or PNG image (unknown signature)", path);
    if (st < 0) {
        qmap_grey_image_free(img);
        return st;
    }
    *out = img;
    return QMAP_OK;
}

void qmap_grey_image_free(qmap_grey_image *img)
{
    if (!img)
        return;
    free(img->pixels);
    free(img);
}

/* Copy text[0..len) to a NUL-terminated buffer (embedded NULs become newlines, as the
 * Zeiss tag mixes binary fields and text). */
static char *terminated_copy(const char *text, long len)
{
    char *s = malloc((size_t)len + 1);
    if (!s)
        return NULL;
    for (long i = 0; i < len; i++)
        s[i] = text[i] ? text[i] : '\n';
    s[len] = '\0';
    return s;
}

/* nm per unit for a length unit name, 0 when unknown. */
static double unit_nm(const char *u)
{
    static const struct {
        const char *name;
        double nm;
    } units[] = {{"pm", 1e-3}, {"nm", 1}, {"um", 1e3}, {"\xc2\xb5m", 1e3}, {"\xb5m", 1e3},
                 {"micron", 1e3}, {"microns", 1e3}, {"mm", 1e6}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
        if (strcmp(u, units[k].name) == 0)
            return units[k].nm;
    return 0;
}

/* FEI: an INI text; "[Scan]" then a line "PixelWidth=5.2083e-009" in metres. */
static double fei_pixel_size(const char *s)
{
    const char *scan = strstr(s, "[Scan]");
    if (!scan)
        return 0;
    const char *p = scan + 6;
    while ((p = strstr(p, "PixelWidth=")) != NULL) {
        int line_start = p == s || p[-1] == '\n' || p[-1] == '\r';
        const char *next_section = strchr(scan + 6, '[');
        if (next_section && next_section < p)
            return 0;     /* PixelWidth of another section */
        if (line_start) {
            char *end;
            double v = strtod(p + 11, &end);
            return end != p + 11 && v > 0 && v < 1 ? v * 1e9 : 0;
        }
        p += 11;
    }
    return 0;
}

/* Zeiss: "Image Pixel Size = 2.233 nm" (the value line follows the "AP_IMAGE_PIXEL_SIZE"
 * key in the CZ_SEM tag). */
static double zeiss_pixel_size(const char *s)
{
    const char *p = strstr(s, "Image Pixel Size");
    if (!p)
        return 0;
    p += strlen("Image Pixel Size");
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '=')
        return 0;
    p++;
    char *end;
    double v = strtod(p, &end);
    if (end == p || !(v > 0))
        return 0;
    while (*end == ' ' || *end == '\t')
        end++;
    char unit[16];
    int k = 0;
    while (end[k] && end[k] != ' ' && end[k] != '\r' && end[k] != '\n' && k < 15) {
        unit[k] = end[k];
        k++;
    }
    unit[k] = '\0';
    double nm = unit_nm(unit);
    return nm > 0 ? v * nm : 0;
}

double qmap_sem_tag_pixel_size_nm(const char *text, long len, int zeiss)
{
    if (!text || len <= 0)
        return 0;
    char *s = terminated_copy(text, len);
    if (!s)
        return 0;
    double v = zeiss ? zeiss_pixel_size(s) : fei_pixel_size(s);
    free(s);
    return v;
}
