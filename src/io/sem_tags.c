/* sem_tags.c -- the pixel size in the text that SEMs store in their TIFF tags (FEI/Thermo
 * "[Scan] PixelWidth=", Zeiss "Image Pixel Size = 12.5 nm"), qmap_sem_tag_pixel_size_nm.
 *
 * Parsed on plain text, apart from libtiff, so it can be tested without a microscope's file;
 * image_io_tiff.c hands it the tags' text.
 */
#include "qmap/image_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
