/* powder.h -- X-ray powder patterns from a crystal structure, and their refinement
 * (Le Bail and Rietveld) against a measured pattern.
 *
 * Model (angles in degrees of 2theta):
 *   y(2t) = background(2t) + scale * sum_k sum_c w_c I_kc * LP(theta_kc) * PO_k * A(theta_kc)
 *           * PV(2t - 2t_kc - zero - disp(theta_kc); H_kc, eta) * (1 + asym(2t, theta_kc))
 * with c the wavelength components (one, or K-alpha1 with weight 1 and K-alpha2 with weight
 * ratio2), 2t_kc = 2 asin(lambda_c / 2 d_k), I_kc = m_k |F_k(E_c)|^2 (multiplicity times squared
 * structure factor with f', f'' at the component's energy, Rietveld) or a free intensity per
 * reflection (Le Bail), PO_k the March-Dollase factor averaged over the equivalent
 * reflections, (1/m) sum_j (r^2 cos^2 a_j + sin^2 a_j / r)^(-3/2), a_j the angle between
 * reflection j and the preferred-orientation direction po_hkl (reciprocal-lattice vector);
 * disp = -2 s cos(theta) / R (radians) for a sample displaced by s from the goniometer axis
 * (radius R); A = 1 - exp(-2 mu t / sin theta) for a Bragg-Brentano sample of finite
 * thickness (mu t = 0: infinitely thick, A = 1); asym the Berar-Baldinozzi low-angle
 * asymmetry (P1 Fa(z) + P2 Fb(z)) / tan(theta), z = (2t - centre) / H, Fa = 2 z exp(-z^2),
 * Fb = 2 (2 z^2 - 3) Fa (J. Appl. Cryst. 26 (1993) 128; FullProf's asymmetry); Lorentz-polarisation
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

/* What a pattern file said about itself. */
typedef struct {
    char format[16];               /* "text", "GSAS STD", "GSAS ESD", "GSAS FXYE", "xrdml" */
    double lambda1, lambda2, ratio; /* wavelengths the file states (xrdml), Angstrom; 0 if none */
} qmap_powder_file_info;

/* Read a pattern in any supported format, chosen by content: PANalytical .xrdml (XML with
 * <xrdMeasurement>: the first 2Theta scan, start/end or listed positions, <intensities> or
 * <counts>, sigma = sqrt(counts); its usedWavelength into info), GSAS raw (a 'BANK n nchan
 * nrec CONS start step ...' line, start and step in centidegrees; STD, ESD or FXYE records;
 * the first bank), otherwise text as qmap_powder_data_read. x = Q applies to text only.
 * 0, or a negative status naming the file and what is wrong (a file of another format,
 * a GSAS bank that is not constant-step, an XML file that is not xrdml...). */
int qmap_powder_data_read_file(const char *path, qmap_powder_x x, double wavelength_A,
                               qmap_powder_data *d, qmap_powder_file_info *info);

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
    double wavelength2;            /* second component (K-alpha2), Angstrom; 0 = none */
    double ratio2;                 /* its intensity relative to the first (K-alpha: 0.5) */
    int po_hkl[3];                 /* March-Dollase direction (reciprocal lattice), e.g. 0,0,1 */
    double po_r;                   /* March-Dollase r: 1 random, < 1 platelets along po_hkl */
    double asym[2];                /* Berar-Baldinozzi P1, P2 (0 = symmetric) */
    double displacement;           /* sample displacement s, mm (positive: towards the source
                                      side of the focusing circle, lines move to lower 2theta) */
    double radius;                 /* goniometer radius R, mm (default 240) */
    double mu_t;                   /* linear absorption times thickness (0 = infinitely thick) */
} qmap_powder_profile;

/* Wavelengths of a laboratory anode by name ("Cu", "Mo", "Co", "Cr", "Ag", any case):
 * K-alpha1 and K-alpha2 (Angstrom; X-ray Data Booklet / Hoelzer et al. 1997) and the
 * K-alpha2/K-alpha1 intensity ratio 0.5. 0, or QMAP_ERR_VALUE naming the anode. */
int qmap_powder_anode(const char *name, double *lambda1, double *lambda2, double *ratio);

/* Defaults: K = 1, scale 1, zero 0, U = 0, V = 0, W = 0.01 deg^2, eta 0.5, 3 background
 * terms of 0, domain set from the data; one wavelength, no preferred orientation (r = 1,
 * direction 0,0,1), no asymmetry, no displacement (R = 240 mm), infinitely thick sample. */
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

/* Reflection lines. For line i: representative hkl, multiplicity, 2theta (degrees, first
 * wavelength, without zero shift and displacement), d (Angstrom) and m|F|^2 (electrons^2, at
 * the first wavelength's energy), for the current cell/structure. */
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
    int refine_po;                 /* March-Dollase r */
    int refine_asym;               /* Berar-Baldinozzi P1, P2 */
    int refine_displacement;       /* sample displacement (instead of nothing; zero stays) */
    const char *exchange[2];       /* composition-keeping Li/metal exchange: exchange[0] the Li
                                      site of the Li layer (Li1), exchange[1] the metal's site on
                                      the metal layer (Ni1); NULL = none. See qmap_powder_refine. */
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
    int converged;                 /* 1: the last least-squares stage met criterion[] */
    char criterion[128];           /* what stopped it, in words */
    double corr[QMAP_POWDER_MAX_PAR][QMAP_POWDER_MAX_PAR];  /* correlation matrix (NaN if none) */
} qmap_powder_result;

/* Physical-range checks of a finished refinement (model m at the refined values): every
 * site occupancy in [0, 1], U_iso >= 0 (and below 0.25 A^2), eta in [0, 1], March-Dollase
 * r > 0, su neither 0 nor NaN nor huge (larger than the value itself for scale, cell and W,
 * larger than the parameter's whole physical range for occupancies, U_iso and eta), no
 * correlation above 0.95 in magnitude (pairs within U, V, W, within the background terms or
 * within the asymmetry terms excepted: intrinsic to those parametrisations), convergence. Up to max problems, one sentence each,
 * into msg[]; returns their number (0 = nothing to report). */
#define QMAP_POWDER_MSG 200
int qmap_powder_check(const qmap_powder_model *m, const qmap_powder_result *res,
                      char msg[][QMAP_POWDER_MSG], int max);

/* Refine m against d. The model is left at the refined values; su are from the
 * covariance matrix scaled by the reduced chi^2. With o->exchange = {Li site, metal site}
 * one parameter x, the occupancy of the metal on the Li site's position, is refined with
 * the composition kept: when x changes by dx, the Li site (and any other site there but
 * the metal) loses dx, the metal site loses dx and Li on the metal site's position gains
 * dx. Sites missing for this (metal on the Li position, Li on the metal position) are
 * added with occupancy 0, the U_iso of the position, labels "Ni1_Li1", "Li1_Ni1". 0 or a negative status. A refinement that ends outside the
 * physical ranges still returns 0: see qmap_powder_check. */
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
