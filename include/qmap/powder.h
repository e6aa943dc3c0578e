/* powder.h -- X-ray powder patterns from a crystal structure, and their refinement
 * (Le Bail and Rietveld) against a measured pattern.
 *
 * Model (angles in degrees of 2theta):
 *   y(2t) = background(2t) + scale * sum_k I_k * LP(theta_k) * PV(2t - 2t_k - zero; H_k, eta)
 * with 2t_k = 2 asin(lambda / 2 d_k), I_k = m_k |F_k|^2 (multiplicity times squared structure
 * factor, Rietveld) or a free intensity per reflection (Le Bail), Lorentz-polarisation
 * LP = (1 + K cos^2 2t) / ((1 + K) sin^2 t cos t) (K = 1: unpolarised beam, no monochromator;
 * K = cos^2 2t_m with a monochromator), area-normalised pseudo-Voigt with Caglioti width
 * H^2 = U tan^2 t + V tan t + W and Lorentzian fraction eta, background a Chebyshev series
 * on [2t_min, 2t_max] of the data. Symmetry-equivalent reflections (by the crystal's own
 * operations, Friedel pairs included) form one line with their multiplicity.
 */
#ifndef QMAP_POWDER_H
#define QMAP_POWDER_H

#include <stddef.h>
#include "qmap/crystal.h"

#ifdef __cplusplus
extern "C" {
#endif

#define QMAP_POWDER_MAX_BG 16
#define QMAP_POWDER_MAX_PAR 64

/* A measured pattern in 2theta (degrees), with standard deviations (sqrt(y) if absent). */
typedef struct {
    size_t n;
    double *tth, *y, *sigma;
} qmap_powder_data;

typedef enum { QMAP_POWDER_X_2THETA = 0, QMAP_POWDER_X_Q } qmap_powder_x;

/* Read a text pattern: two columns (x, intensity) or three (x, intensity, sigma, as .xye);
 * '#' and '!' lines and a non-numeric header line are skipped. x is 2theta (degrees) or
 * Q (1/Angstrom, converted with wavelength_A). Rows must increase in x. 0 or a negative
 * status naming the file and line. */
int qmap_powder_data_read(const char *path, qmap_powder_x x, double wavelength_A,
                          qmap_powder_data *d);
void qmap_powder_data_free(qmap_powder_data *d);

typedef struct {
    double wavelength;             /* Angstrom */
    double polarization_k;         /* K of the LP factor (1 = unpolarised) */
    double scale;
    double zero;                   /* 2theta zero shift, degrees (observed = calc + zero) */
    double u, v, w;                /* Caglioti, degrees^2 */
    double eta;                    /* pseudo-Voigt Lorentzian fraction, 0..1 */
    int n_bg;                      /* Chebyshev terms (0..QMAP_POWDER_MAX_BG) */
    double bg[QMAP_POWDER_MAX_BG];
    double tth_min, tth_max;       /* background domain (degrees) */
} qmap_powder_profile;

/* Defaults: K = 1, scale 1, zero 0, U = 0, V = 0, W = 0.01 deg^2, eta 0.5, 3 background
 * terms of 0, domain set from the data. */
void qmap_powder_profile_defaults(qmap_powder_profile *p, double wavelength_A);

/* Chebyshev background of profile p at 2theta x (degrees). */
double qmap_powder_background(const qmap_powder_profile *p, double x);

typedef struct qmap_powder_model qmap_powder_model;

/* Reflections of a copy of c up to tth_max_deg (plus a margin for cell changes). New model
 * (free with qmap_powder_model_free) or NULL with qmap_error set. */
qmap_powder_model *qmap_powder_model_create(const qmap_crystal *c, const qmap_powder_profile *p,
                                            double tth_max_deg);
void qmap_powder_model_free(qmap_powder_model *m);

/* The model's profile and crystal (borrowed; edits take effect at the next calculation). */
qmap_powder_profile *qmap_powder_model_profile(qmap_powder_model *m);
qmap_crystal *qmap_powder_model_crystal(qmap_powder_model *m);

/* Reflection lines. For line i: representative hkl, multiplicity, 2theta (degrees, without
 * the zero shift), d (Angstrom) and m|F|^2 (electrons^2), for the current cell/structure. */
size_t qmap_powder_n_lines(const qmap_powder_model *m);
void qmap_powder_line(qmap_powder_model *m, size_t i, int hkl[3], int *multiplicity, double *tth,
                      double *d, double *mf2);

/* Calculated pattern at n angles tth (degrees) into y (Rietveld intensities). */
void qmap_powder_model_calc(qmap_powder_model *m, const double *tth, size_t n, double *y);

typedef enum { QMAP_POWDER_RIETVELD = 0, QMAP_POWDER_LEBAIL } qmap_powder_method;

typedef struct {
    qmap_powder_method method;
    int refine_scale, refine_cell, refine_zero, refine_profile, refine_eta, refine_bg;
    int refine_uiso;               /* one U_iso per distinct atom position (Rietveld) */
    int n_occ;                     /* sites (labels) whose occupancy is refined; other sites on
                                      the same position keep the total occupancy there */
    const char *occ_sites[8];
    int max_iter;                  /* per least-squares stage */
} qmap_powder_refine_options;

/* Defaults: Rietveld; scale, cell, zero, profile (U, V, W, eta), background refined;
 * no U_iso, no occupancy; 200 iterations. */
void qmap_powder_refine_defaults(qmap_powder_refine_options *o);

typedef struct {
    int n_par;
    char name[QMAP_POWDER_MAX_PAR][40];
    double value[QMAP_POWDER_MAX_PAR], su[QMAP_POWDER_MAX_PAR];
    double rwp, rp, rexp, gof, chi2;   /* gof = sqrt(chi2 / (n_obs - n_par)) = Rwp/Rexp */
    size_t n_obs;
    int iterations;
} qmap_powder_result;

/* Refine m against d. The model is left at the refined values; su are from the
 * covariance matrix scaled by the reduced chi^2. 0 or a negative status. */
int qmap_powder_refine(qmap_powder_model *m, const qmap_powder_data *d,
                       const qmap_powder_refine_options *o, qmap_powder_result *res);

/* Observed / calculated / difference figure with reflection ticks (SI Figures S7, S10)
 * for the model's current state, written as PNG or SVG by the extension of path (temporary
 * name, then renamed). title is Pango markup or NULL. 0 or a negative status. */
int qmap_powder_figure_write(qmap_powder_model *m, const qmap_powder_data *d, const char *title,
                             const char *path);

#ifdef __cplusplus
}
#endif
#endif
