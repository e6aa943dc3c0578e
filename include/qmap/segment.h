/* segment.h -- binary-image segmentation: connected components, exact Euclidean distance
 * transform, marker-based watershed, hole filling and the clean-up steps that turn a
 * thresholded image into labelled particles.
 *
 * Images are row-major, width w (columns) by height h (rows), index = row*w + col.
 * Masks are uint8 (non-zero = foreground); label images are int32 (0 = background,
 * 1..n = objects). Functions write into caller-owned arrays, allocate only scratch,
 * never print, and return a count (>= 0) or a negative qmap_status (error.h).
 */
#ifndef QMAP_SEGMENT_H
#define QMAP_SEGMENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Label the connected components of the foreground of mask. connectivity is 4 (edge
 * neighbours) or 8 (edges and corners). Labels are numbered 1..n in raster order of
 * each component's first pixel. Returns n (>= 0) or a negative status. */
int qmap_label_components(const uint8_t *mask, int w, int h, int connectivity,
                          int32_t *labels);

/* Exact Euclidean distance (in pixels) from every foreground pixel of mask to the nearest
 * background pixel centre; 0 on background (Felzenszwalb & Huttenlocher's lower envelope
 * of parabolas, applied to columns then rows). border_is_background: 1 = the pixels just
 * outside the image count as background (an object cut by the border is measured to the
 * border), 0 = they do not exist (as scipy.ndimage.distance_transform_edt); with 0 and no
 * background pixel at all, every distance is +infinity. Returns 0 or a negative status. */
int qmap_distance_transform(const uint8_t *mask, int w, int h, int border_is_background,
                            double *dist);

/* Marker-based watershed by flooding (Meyer): labels holds the markers on entry (> 0,
 * several pixels may share a label) and the segmentation on return. Flooding goes from
 * the lowest elevation up, through 8-connected pixels where mask is non-zero (mask NULL =
 * everywhere), with a priority queue ordered by elevation and, for ties, by the order of
 * insertion (so plateaus are split evenly between the markers that reach them). Pixels
 * outside the mask keep label 0; mask pixels no marker reaches keep label 0.
 * Returns 0 or a negative status. */
int qmap_watershed(const double *elevation, const uint8_t *mask, int w, int h,
                   int32_t *labels);

/* One marker per maximum of f (inside the mask) whose dynamic -- the height of the
 * maximum above the highest saddle that joins it to a higher maximum -- is at least
 * max(min_dynamic, min_fraction * height of the maximum). Found by visiting the mask
 * pixels from the highest value down and merging basins by the elder rule (the lower
 * basin joins the higher one when its dynamic is too small). Each marker is the single
 * pixel where its maximum was first met. markers (int32, w*h) gets 1..n, 0 elsewhere.
 * Returns n or a negative status. */
int qmap_find_maxima_markers(const double *f, const uint8_t *mask, int w, int h,
                             double min_dynamic, double min_fraction, int32_t *markers);

/* Split touching objects of a binary mask: distance transform (border = background),
 * markers on its maxima (qmap_find_maxima_markers with min_dynamic pixels and
 * min_fraction), watershed of -distance inside the mask. Each connected component gets at
 * least one label. Labels 1..n; returns n or a negative status. */
int qmap_split_touching(const uint8_t *mask, int w, int h, double min_dynamic,
                        double min_fraction, int32_t *labels);

/* Fill the holes of the foreground: background regions (4-connected) that do not reach
 * the image border become foreground. Returns the number of pixels filled or a negative
 * status. */
int qmap_fill_holes(uint8_t *mask, int w, int h);

/* Remove (set to 0) the objects that touch the image border (reject = 1) and/or that
 * have fewer than min_pixels pixels, then renumber the remaining labels 1..n keeping
 * their order. n_labels is the largest label on entry. Returns n or a negative status. */
int qmap_filter_labels(int32_t *labels, int w, int h, int n_labels, int reject_border,
                       long min_pixels);

/* Give every connected region of equal non-zero label its own label (connectivity 4 or
 * 8), numbered 1..n in raster order. Returns n or a negative status. */
int qmap_relabel_connected(int32_t *labels, int w, int h, int connectivity);

#ifdef __cplusplus
}
#endif
#endif
