/* image_io.c -- grey-image reading: format detection by signature.
 *
 * The readers for each format are in image_io_tiff.c and image_io_png.c; the pixel-size
 * text that SEMs store in their TIFF tags is parsed in sem_tags.c.
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
