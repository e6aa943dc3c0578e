/* powder_internal.h -- the powder model's private layout, shared by powder_model.c
 * (reflections, pattern) and powder_refine.c (least squares). */
#ifndef QMAP_POWDER_INTERNAL_H
#define QMAP_POWDER_INTERNAL_H

#include "qmap/powder.h"

typedef struct {
    int hkl[3];
    int multiplicity;
    double d, tth;        /* current cell, tth without zero shift (degrees) */
    double mf2;           /* multiplicity * |F|^2 */
    double lebail_i;      /* free integrated intensity (Le Bail) */
} qmap__powder_line;

struct qmap_powder_model {
    qmap_crystal *c;              /* owned copy */
    qmap_powder_profile p;
    size_t n_lines;
    qmap__powder_line *lines;
    int lebail;                   /* 1 = intensities are lines[].lebail_i */
};

/* Recompute d, 2theta and m|F|^2 of every line from the current crystal. */
void qmap__powder_update_lines(qmap_powder_model *m);

/* Profile (area 1) of line k at 2theta x, and the line's peak centre and FWHM. */
void qmap__powder_line_shape(const qmap_powder_model *m, size_t k, double *centre, double *fwhm);
double qmap__powder_pv(double x, double centre, double fwhm, double eta);
/* Integrated intensity of line k in the pattern (scale, LP and m|F|^2, or Le Bail). */
double qmap__powder_line_intensity(const qmap_powder_model *m, size_t k);
/* Half-width of the window over which a profile of FWHM h is evaluated. */
#define QMAP__POWDER_WINDOW(h) (30.0 * (h))

#endif
