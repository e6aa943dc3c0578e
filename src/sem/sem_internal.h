/* sem_internal.h -- grey-level filters used by the SEM pipeline (private).
 *
 * All work in place on a row-major w x h image of doubles, clamp the edges, and return
 * 0 or a negative qmap_status (out of memory).
 */
#ifndef QMAP_SEM_INTERNAL_H
#define QMAP_SEM_INTERNAL_H

/* Grey opening: minimum then maximum over a (2 radius + 1)^2 square window. */
int qmap_grey_opening(double *img, int w, int h, int radius);
/* Mean over a (2 radius + 1)^2 square window. */
int qmap_box_smooth(double *img, int w, int h, int radius);
/* Gaussian of standard deviation sigma pixels (kernel cut at 3 sigma); sigma <= 0: no-op. */
int qmap_gaussian_smooth(double *img, int w, int h, double sigma);

#endif
