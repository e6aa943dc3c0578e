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
    double tth2, mf2_2;   /* second wavelength: 2theta and m|F|^2 at its energy */
    double po;            /* March-Dollase factor */
    int n_eq;             /* symmetry-equivalent reflections (Friedel mates left out) */
    short eq[48][3];
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

/* Wavelength components of line k (1 or 2, the return value): peak centre (2theta with
 * zero shift and displacement), FWHM and integrated intensity (Rietveld: scale, LP,
 * m|F|^2, March-Dollase, absorption; Le Bail: the free intensity, times ratio2 for the
 * second component). */
int qmap__powder_components(const qmap_powder_model *m, size_t k, double centre[2], double fwhm[2],
                            double amp[2]);
double qmap__powder_pv(double x, double centre, double fwhm, double eta);
/* Peak shape of area ~1 at x: pseudo-Voigt times the asymmetry factor. */
double qmap__powder_shape(const qmap_powder_model *m, double x, double centre, double fwhm);

/* powder_corrections.c */
double qmap__powder_march_dollase(const qmap_powder_model *m, size_t k);
double qmap__powder_displacement_shift(const qmap_powder_profile *p, double tth);
double qmap__powder_absorption(const qmap_powder_profile *p, double tth);
double qmap__powder_asymmetry(const qmap_powder_profile *p, double x, double centre, double fwhm);
/* Half-width of the window over which a profile of FWHM h is evaluated. */
#define QMAP__POWDER_WINDOW(h) (30.0 * (h))

#endif
