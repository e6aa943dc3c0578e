/* image_io.h -- read grey-level images (TIFF with libtiff, PNG with libpng), with the
 * pixel size that scanning electron microscopes record in their TIFF tags.
 *
 * Accepted: 8- or 16-bit unsigned samples, one channel (grey, min-is-black or
 * min-is-white) or RGB(A) (averaged to grey; alpha ignored), strip-organised TIFF of any
 * compression libtiff decodes, PNG of any type (palette and low bit depths expanded to
 * 8 bits). The type is told by the file's signature, not its extension.
 *
 * Pixel size, in this order of preference (TIFF only):
 *   1. FEI/Thermo Fisher tag 34682 (or 34680): the "[Scan]" section's "PixelWidth=" (metres);
 *   2. Zeiss tag 34118: "Image Pixel Size = <value> <pm|nm|um|µm|mm>";
 *   3. ImageJ calibration: ImageDescription "ImageJ=... unit=<nm|micron|um|mm>" with
 *      XResolution (pixels per unit);
 *   4. XResolution with ResolutionUnit = centimetre.
 * XResolution in inches is ignored: it is nearly always a screen default (72 dpi), not
 * a calibration. PNG files carry no pixel size qmap trusts (pHYs is usually 72 dpi too).
 */
#ifndef QMAP_IMAGE_IO_H
#define QMAP_IMAGE_IO_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int width, height;         /* pixels */
    int bits;                  /* bits per sample in the file: 8 or 16 */
    double *pixels;            /* width*height grey values (0 .. 2^bits - 1), row-major, row 0 = top */
    double pixel_size_nm;      /* from the file's metadata; 0 when it has none */
    char pixel_size_source[96];/* where pixel_size_nm came from, e.g. "FEI tag 34682 [Scan] PixelWidth" */
} qmap_grey_image;

/* Read the image at path. On success *out is new (free with qmap_grey_image_free).
 * Errors (QMAP_ERR_IO: missing/unreadable/truncated; QMAP_ERR_FORMAT: not a TIFF or PNG,
 * unsupported bit depth or sample format, zero size) carry a one-line message naming
 * the file. */
int qmap_grey_image_read(const char *path, qmap_grey_image **out);

/* Free an image (NULL is fine). */
void qmap_grey_image_free(qmap_grey_image *img);

/* Pixel size in nm parsed from the text of an SEM metadata tag (FEI "[Scan]
 * PixelWidth=" in metres, or Zeiss "Image Pixel Size = v unit"); text need not be
 * NUL-terminated (len bytes). Returns the size (> 0) or 0 when the text holds none.
 * Exposed for tests. */
double qmap_sem_tag_pixel_size_nm(const char *text, long len, int zeiss);

#ifdef __cplusplus
}
#endif
#endif
