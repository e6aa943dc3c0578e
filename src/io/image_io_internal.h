/* image_io_internal.h -- the per-format readers behind qmap_grey_image_read (private).
 *
 * Each reader fills a zeroed qmap_grey_image (pixels malloc'ed) or returns a negative
 * qmap_status with the message set; on failure it frees what it allocated.
 */
#ifndef QMAP_IMAGE_IO_INTERNAL_H
#define QMAP_IMAGE_IO_INTERNAL_H

#include "qmap/image_io.h"

int qmap_read_tiff_grey(const char *path, qmap_grey_image *img);
int qmap_read_png_grey(const char *path, qmap_grey_image *img);

/* Largest image accepted (pixels), so that a corrupt header cannot ask for terabytes. */
#define QMAP_IMAGE_MAX_PIXELS (1L << 30)

#endif
