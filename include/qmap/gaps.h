/* gaps.h -- detector chip gaps stored as wide edge pixels (Maxipix 2x2 and similar).
 *
 * A Maxipix 2x2 (mpx1x4, 516 x 516) is four 256 x 256 chips. Physically the pixels at the
 * chip edges are three pixels wide; LIMA stores the frame on the 516-pixel physical grid
 * with each wide edge pixel's whole counts at rows/columns 255 and 260 and the virtual
 * pixels 256-259 at zero. A gap is therefore described by its two edge pixels (a, b): the
 * physical positions a..b are covered half by pixel a (a .. a+w-1) and half by pixel b
 * (b-w+1 .. b), w = (b-a+1)/2; the pixels strictly between a and b hold no data.
 *
 * The correction puts each edge pixel's counts back on its w physical positions, split in
 * proportion to a smooth intensity profile interpolated (piecewise cubic) through the
 * measured neighbours on both sides and the box means of the two wide pixels (refined so
 * the profile reproduces those means). Masked and virtual pixels are never taken as
 * measured zeros: a masked neighbour is left out of the profile, and a profile without
 * enough neighbours falls back to the even split (XSOCS's maxipix_correction). It acts
 * on sparse frames (only the non-zero pixels of the gap bands are touched).
 */
#ifndef QMAP_GAPS_H
#define QMAP_GAPS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QMAP_GAPS_MAX 8

typedef struct {
    int n_row, n_col;
    int row[QMAP_GAPS_MAX][2];   /* edge pixel rows (a, b) of each gap between chip rows */
    int col[QMAP_GAPS_MAX][2];   /* edge pixel columns (a, b) */
    int rows, cols;              /* detector shape */
} qmap_gap_layout;

/* The built-in layout of a detector: mpx1x4, mpx4, mpxgaas, maxipix with 516 x 516 frames
 * (rows and columns 255/260). 1 when known (layout filled), 0 otherwise. */
int qmap_gap_layout_known(const char *detector, int rows, int cols, qmap_gap_layout *out);

/* Parse "rows:255,260;cols:255,260" (pairs a,b per gap, several pairs allowed:
 * rows:255,260,511,516), "rows:..." or "cols:..." alone, or "none" (no gap). Each pair
 * needs a < b, b - a odd, and both inside the detector. QMAP_ERR_VALUE naming the fault. */
int qmap_gap_layout_parse(const char *spec, int rows, int cols, qmap_gap_layout *out);

/* "rows 255/260, cols 255/260" (or "none") for logs and /parameters. */
void qmap_gap_layout_describe(const qmap_gap_layout *g, char *out, int size);

/* 1 when pixel (r, c) is a virtual pixel (strictly between the edge pixels of a gap). */
int qmap_gap_is_virtual(const qmap_gap_layout *g, int r, int c);

/* Mask policy: correcting = 1: a virtual pixel takes the mask of the edge pixel whose counts
 * it receives; 0: every virtual pixel is masked (it measures nothing). */
void qmap_gap_adjust_mask(const qmap_gap_layout *g, uint8_t *mask, int correcting);

/* Simulator: fold an image on the physical grid into the LIMA layout (each edge pixel gets
 * the counts of all its physical positions, virtual pixels zero). */
void qmap_gap_fold_frame(const qmap_gap_layout *g, int32_t *img);

/* Split every edge pixel of a dense float image (rows x cols, physical grid; mask may be
 * NULL) over its physical positions. Rows [row0, row1) hold data; only those are used and
 * written. Values that are negative, non-finite or >= limit are left as they are. */
void qmap_gap_correct_dense(const qmap_gap_layout *g, const uint8_t *mask, int row0, int row1,
                            double limit, float *img);

/* The two steps of qmap_gap_correct_dense for one line (used on sparse frames): across row
 * gap `gap` along column col (rows [row0, row1) hold data), then across column gap `gap`
 * along row `row`. All row-gap lines must be done before the column-gap lines. */
void qmap_gap_correct_row_line(const qmap_gap_layout *g, int gap, int col, const uint8_t *mask,
                               int row0, int row1, double limit, float *img);
void qmap_gap_correct_col_line(const qmap_gap_layout *g, int gap, int row, const uint8_t *mask,
                               double limit, float *img);

#ifdef __cplusplus
}
#endif
#endif
