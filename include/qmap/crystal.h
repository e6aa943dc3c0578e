/* crystal.h -- a crystal structure from a CIF: cell, symmetry operations, atom sites
 * expanded to the full unit cell, d-spacings, Q and X-ray structure factors.
 *
 * Conventions: lengths in Angstrom, angles in degrees, |Q| = 2*pi/d (1/Angstrom).
 * Cartesian frame (as xrayutilities' Lattice): a along x, b in the xy plane, c completing
 * a right-handed set. Fractional coordinates of expanded atoms are wrapped to [0, 1).
 * Structure factors use neutral-atom or ion Cromer-Mann form factors (International
 * Tables vol. C, table 6.1.1.4) plus the anomalous terms f'(E) + i f''(E) of the element
 * (qmap/anomalous.h, Kissel's tables), and an isotropic Debye-Waller factor exp(-B s^2),
 * B = 8 pi^2 U_iso, s = sin(theta)/lambda = |Q|/(4 pi).
 */
#ifndef QMAP_CRYSTAL_H
#define QMAP_CRYSTAL_H

#include "qmap/cif.h"
#include "qmap/geometry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double r[3][3];              /* x' = r x + t, on fractional coordinates */
    double t[3];
} qmap_symop;

typedef struct {
    char label[32];              /* _atom_site_label */
    char type[16];               /* _atom_site_type_symbol (or the label) */
    int form_factor;             /* index into the form-factor table (qmap_form_factor) */
    double xyz[3], xyz_su[3];    /* fractional coordinates and their su */
    double occupancy, occupancy_su;
    double u_iso;                /* Angstrom^2 (from U_iso, or B_iso / 8 pi^2; 0 if absent) */
    int multiplicity;            /* number of distinct positions in the unit cell */
} qmap_atom_site;

typedef struct {
    int site;                    /* index into sites[] */
    double xyz[3];               /* fractional, in [0, 1) */
} qmap_atom;

typedef struct {
    char name[128];              /* data block name */
    double cell[6];              /* a, b, c (Angstrom), alpha, beta, gamma (degrees) */
    double cell_su[6];
    char hm_symbol[64];          /* Hermann-Mauguin symbol as given ("" if absent) */
    int it_number;               /* International Tables number (0 if absent) */
    int n_symops;
    qmap_symop *symops;
    int n_sites;
    qmap_atom_site *sites;       /* asymmetric unit as listed */
    int n_atoms;
    qmap_atom *atoms;            /* full unit cell */
    double direct[3][3];         /* rows: a, b, c in Cartesian Angstrom */
    double recip[3][3];          /* rows: a*, b*, c* with a_i . b_j = 2 pi delta_ij */
} qmap_crystal;

/* Read the first data block of a CIF file that has a cell. New crystal (free with
 * qmap_crystal_free) or NULL with qmap_error set (naming the file, tag and line). */
qmap_crystal *qmap_crystal_read(const char *path);

/* Build from a parsed CIF block; source names it in messages. */
qmap_crystal *qmap_crystal_from_cif(const qmap_cif_block *b, const char *source);

void qmap_crystal_free(qmap_crystal *c);

/* Deep copy (free with qmap_crystal_free), or NULL (QMAP_ERR_NOMEM). */
qmap_crystal *qmap_crystal_copy(const qmap_crystal *c);

/* Append an atom site (label, type, form_factor, xyz, occupancy, u_iso set by the caller)
 * and re-expand the cell. 0 or QMAP_ERR_NOMEM. */
int qmap_crystal_add_site(qmap_crystal *c, const qmap_atom_site *site);

/* Parse one symmetry operation "x,y,z", "-x+1/2,y,-z", "x-y,x,z+2/3" (case and spaces
 * free). Returns 0 or QMAP_ERR_FORMAT naming the text. */
int qmap_symop_parse(const char *text, qmap_symop *op);

/* Recompute direct/recip from cell[] (after changing the cell). 0 or QMAP_ERR_VALUE. */
int qmap_crystal_set_cell(qmap_crystal *c, const double cell[6]);

/* Q vector of reflection hkl in the Cartesian crystal frame (1/Angstrom). */
void qmap_crystal_q(const qmap_crystal *c, const double hkl[3], double q[3]);

/* d-spacing (Angstrom) of hkl; infinity for 0,0,0. */
double qmap_crystal_d(const qmap_crystal *c, const double hkl[3]);

/* Structure factor F(hkl) = sum_j occ_j (f0_j(s) + f'_j(E) + i f''_j(E)) exp(-B_j s^2)
 * exp(2 pi i h.x_j), real and imaginary parts (electrons), at photon energy energy_ev.
 * energy_ev <= 0 (or outside the anomalous tables, see qmap_anomalous_energy_ok) leaves
 * out f' and f'' (f0 only). */
void qmap_crystal_structure_factor(const qmap_crystal *c, const double hkl[3], double energy_ev,
                                   double *re, double *im);

/* 1 when reflection h is systematically absent (an operation (R, t) with h R = h and h.t
 * not an integer), its index in c->symops into *op_index when op_index is not NULL; else 0. */
int qmap_crystal_is_absent(const qmap_crystal *c, const int h[3], int *op_index);

/* The same with f' and f'' per site given (f1[n_sites], f2[n_sites] from
 * qmap_crystal_dispersion, or NULL for none): for many reflections at one energy. NaN
 * when memory runs out (more than 64 sites). */
void qmap_crystal_structure_factor_dispersed(const qmap_crystal *c, const double hkl[3],
                                             const double *f1, const double *f2, double *re,
                                             double *im);

/* f' and f'' of every site's element at energy_ev into f1[n_sites], f2[n_sites] (zeros when
 * energy_ev <= 0 or outside the tables). */
void qmap_crystal_dispersion(const qmap_crystal *c, double energy_ev, double *f1, double *f2);

/* ID01 diffractometer angles for a reflection (docs/conventions.md section 1):
 * sample circles eta (y-), phi (z-), detector nu (z-) = 0, delta (y-), the convention
 * of xu.QConversion(['y-','z-'], ['z-','y-'], [1,0,0]) and sxdm's calc_refl_id01.
 * Sample frame at zero angles: x along the in-plane direction ip (made perpendicular to
 * oop), z along the out-of-plane direction oop, y = z x x; ip and oop are reciprocal-lattice
 * directions (h,k,l), as xu.FourC(mat.Q(ip), mat.Q(oop)). Limits as calc_refl_id01:
 * eta in [-2, 120], phi in [-180, 180], delta in [-2, 130] degrees. */
#define QMAP_ETA_MIN (-2.0)
#define QMAP_ETA_MAX 120.0
#define QMAP_DELTA_MIN (-2.0)
#define QMAP_DELTA_MAX 130.0

/* Q of hkl in the sample frame defined by ip and oop (1/Angstrom). 0, or QMAP_ERR_VALUE
 * when ip and oop are parallel or zero. */
int qmap_crystal_sample_q(const qmap_crystal *c, const double hkl[3], const double ip[3],
                          const double oop[3], double q_sample[3]);

/* Every (eta, phi, nu = 0, delta) within the limits that brings q_sample (sample frame,
 * 1/Angstrom) into diffraction at energy_ev: up to 4 solutions into sol[], their number in
 * *n, ordered by |phi| (the first is the one reported). With nu = 0, delta = 2 theta and
 * the solution is closed-form: phi turns Q into the xz plane, eta tilts it onto the
 * scattering vector. Returns 0, or QMAP_ERR_VALUE naming why there is none (2 theta
 * beyond 130 degrees, lambda > 2d, Q pointing where eta cannot reach). */
int qmap_angles_for_q(const double q_sample[3], double energy_ev, qmap_angles sol[4], int *n);

/* Measured versus theoretical position of a reflection, as diffractometer angles. */
typedef struct {
    double q_theory[3];          /* sample-frame Q of hkl from the CIF (1/Angstrom) */
    double d_theory, d_measured; /* Angstrom */
    qmap_angles theory;          /* first solution of qmap_angles_for_q for q_theory */
    qmap_angles measured;        /* solution for the measured Q closest to theory */
    qmap_angles offset;          /* measured - theory (degrees): add to --offset to align */
    double angle_deg;            /* angle between the measured and theoretical Q */
    int phi_free;                /* theoretical Q lies on the phi axis: its phi is arbitrary
                                    and the phi offset is the azimuth of the tilt */
} qmap_reflection_offsets;

/* Angular offsets between a measured mean Q (sample frame, e.g. qmap_results.mean_q) and
 * reflection hkl of crystal c for the orientation ip/oop at energy_ev. 0, or
 * QMAP_ERR_VALUE when either Q cannot be reached within the angle limits. */
int qmap_reflection_offsets_compute(const qmap_crystal *c, const double hkl[3], const double ip[3],
                                    const double oop[3], double energy_ev,
                                    const double measured_q[3], qmap_reflection_offsets *out);

/* Cromer-Mann form factor of table entry idx at s = sin(theta)/lambda (1/Angstrom). */
double qmap_form_factor(int idx, double s);

/* Table entry for a CIF type symbol ("Ni", "Ni3+", "O2-", "Li1+"): the ion when tabulated,
 * else the neutral element; -1 when no element matches. */
int qmap_form_factor_lookup(const char *type_symbol);

/* Name of table entry idx ("Ni3+"). */
const char *qmap_form_factor_name(int idx);

/* Atomic number of table entry idx (0 when idx is not an entry). */
int qmap_form_factor_z(int idx);

#ifdef __cplusplus
}
#endif
#endif
