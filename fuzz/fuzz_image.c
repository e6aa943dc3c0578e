/* fuzz_image.c -- libFuzzer harness for the grey-image readers (an SEM image given by the
 * user: TIFF through libtiff with the SEM pixel-size tags, or PNG through libpng). The
 * bytes are written to a temporary file named .png when they start with the PNG
 * signature and .tif otherwise, read back, and the file is removed. */
#include "qmap/image_io.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int png = size >= 4 && memcmp(data, "\x89PNG", 4) == 0;
    char path[64];
    snprintf(path, sizeof path, "/tmp/qmap-fuzz-image-%d.%s", (int)getpid(), png ? "png" : "tif");
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    qmap_grey_image *img = NULL;
    if (qmap_grey_image_read(path, &img) == 0) {
        if (!img || img->width <= 0 || img->height <= 0 || (img->bits != 8 && img->bits != 16) ||
            img->pixel_size_nm < 0)
            abort();
        double top = (double)((1u << img->bits) - 1);
        for (long i = 0; i < (long)img->width * img->height; i++)
            if (!(img->pixels[i] >= 0 && img->pixels[i] <= top))
                abort();   /* every grey value within the sample range */
    }
    qmap_grey_image_free(img);
    unlink(path);
    return 0;
}
