/* crystal_lattice.c -- lattice geometry and diffraction of a qmap_crystal: direct and
 * reciprocal bases, Q(hkl), d(hkl) and the X-ray structure factor.
 *
 * Direct basis as xrayutilities' Lattice: a = (a, 0, 0), b = (b cos g, b sin g, 0),
 * c = (c cos be, c (cos al - cos be cos g)/sin g, c sqrt(...)). Reciprocal rows
 * b_i = 2 pi (a_j x a_k) / V, so Q(hkl) = h a* + k b* + l c* and d = 2 pi / |Q|.
 */
#include "qmap/crystal.h"
#include "qmap/anomalous.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>

static void cross(const double u[3], const double v[3], double w[3])
{
    w[0] = u[1] * v[2] - u[2] * v[1];
    w[1] = u[2] * v[0] - u[0] * v[2];
    w[2] = u[0] * v[1] - u[1] * v[0];
}

int qmap_crystal_set_cell(qmap_crystal *c, const double cell[6])
{
    for (int i = 0; i < 3; i++)
        if (!(cell[i] > 0.0 && cell[i] < 1e4))
            return qmap_error(QMAP_ERR_VALUE, "cell length %g Angstrom is not in (0, 1e4)", cell[i]);
    for (int i = 3; i < 6; i++)
        if (!(cell[i] > 0.0 && cell[i] < 180.0))
            return qmap_error(QMAP_ERR_VALUE, "cell angle %g degrees is not in (0, 180)", cell[i]);
    double ca = cos(cell[3] * M_PI / 180), cb = cos(cell[4] * M_PI / 180);
    double cg = cos(cell[5] * M_PI / 180), sg = sin(cell[5] * M_PI / 180);
    double cz2 = 1.0 - cb * cb - ((ca - cb * cg) / sg) * ((ca - cb * cg) / sg);
    if (!(cz2 > 1e-12))
        return qmap_error(QMAP_ERR_VALUE, "cell angles %g, %g, %g degrees span no volume",
                          cell[3], cell[4], cell[5]);
    double d[3][3] = {{cell[0], 0, 0},
                      {cell[1] * cg, cell[1] * sg, 0},
                      {cell[2] * cb, cell[2] * (ca - cb * cg) / sg, cell[2] * sqrt(cz2)}};
    double w[3];
    cross(d[1], d[2], w);
    double vol = d[0][0] * w[0] + d[0][1] * w[1] + d[0][2] * w[2];
    for (int i = 0; i < 3; i++) {
        cross(d[(i + 1) % 3], d[(i + 2) % 3], w);
        for (int j = 0; j < 3; j++) {
            c->recip[i][j] = 2.0 * M_PI * w[j] / vol;
            c->direct[i][j] = d[i][j];
        }
    }
    for (int i = 0; i < 6; i++)
        c->cell[i] = cell[i];
    return 0;
}

void qmap_crystal_q(const qmap_crystal *c, const double hkl[3], double q[3])
{
    for (int j = 0; j < 3; j++)
        q[j] = hkl[0] * c->recip[0][j] + hkl[1] * c->recip[1][j] + hkl[2] * c->recip[2][j];
}

double qmap_crystal_d(const qmap_crystal *c, const double hkl[3])
{
    double q[3];
    qmap_crystal_q(c, hkl, q);
    double n = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
    return n > 0 ? 2.0 * M_PI / n : INFINITY;
}

void qmap_crystal_dispersion(const qmap_crystal *c, double energy_ev, double *f1, double *f2)
{
    int ok = energy_ev >= QMAP_ANOMALOUS_E_MIN && energy_ev <= QMAP_ANOMALOUS_E_MAX;
    for (int s = 0; s < c->n_sites; s++) {
        f1[s] = f2[s] = 0.0;
        if (ok && qmap_anomalous_factors(qmap_form_factor_z(c->sites[s].form_factor), energy_ev,
                                         &f1[s], &f2[s]) < 0) {
            f1[s] = f2[s] = 0.0;
            qmap_error_clear();
        }
    }
}

void qmap_crystal_structure_factor_dispersed(const qmap_crystal *c, const double hkl[3],
                                             const double *f1, const double *f2, double *re,
                                             double *im)
{
    double q[3];
    qmap_crystal_q(c, hkl, q);
    double s = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]) / (4.0 * M_PI);
    /* per site: (f0 + f') w and f'' w, w = occupancy times Debye-Waller */
    double bufr[64], bufi[64], *ar = bufr, *ai = bufi, *heap = NULL;
    if (c->n_sites > 64) {
        if (!(heap = malloc(2 * (size_t)c->n_sites * sizeof *heap))) {
            *re = *im = NAN;
            return;
        }
        ar = heap;
        ai = heap + c->n_sites;
    }
    for (int si = 0; si < c->n_sites; si++) {
        const qmap_atom_site *site = &c->sites[si];
        double w = site->occupancy * exp(-8.0 * M_PI * M_PI * site->u_iso * s * s);
        ar[si] = (qmap_form_factor(site->form_factor, s) + (f1 ? f1[si] : 0.0)) * w;
        ai[si] = (f2 ? f2[si] : 0.0) * w;
    }
    double fr = 0.0, fi = 0.0;
    for (int a = 0; a < c->n_atoms; a++) {
        int si = c->atoms[a].site;
        const double *x = c->atoms[a].xyz;
        double phase = 2.0 * M_PI * (hkl[0] * x[0] + hkl[1] * x[1] + hkl[2] * x[2]);
        double cp = cos(phase), sp = sin(phase);
        fr += ar[si] * cp - ai[si] * sp;
        fi += ar[si] * sp + ai[si] * cp;
    }
    free(heap);
    *re = fr;
    *im = fi;
}

void qmap_crystal_structure_factor(const qmap_crystal *c, const double hkl[3], double energy_ev,
                                   double *re, double *im)
{
    double buf1[64], buf2[64], *f1 = buf1, *f2 = buf2, *heap = NULL;
    if (c->n_sites > 64) {
        if (!(heap = malloc(2 * (size_t)c->n_sites * sizeof *heap))) {
            *re = *im = NAN;
            return;
        }
        f1 = heap;
        f2 = heap + c->n_sites;
    }
    qmap_crystal_dispersion(c, energy_ev, f1, f2);
    qmap_crystal_structure_factor_dispersed(c, hkl, f1, f2, re, im);
    free(heap);
}
