/* crystal_lattice.c -- lattice geometry and diffraction of a qmap_crystal: direct and
 * reciprocal bases, Q(hkl), d(hkl) and the X-ray structure factor.
 *
 * Direct basis as xrayutilities' Lattice: a = (a, 0, 0), b = (b cos g, b sin g, 0),
 * c = (c cos be, c (cos al - cos be cos g)/sin g, c sqrt(...)). Reciprocal rows
 * b_i = 2 pi (a_j x a_k) / V, so Q(hkl) = h a* + k b* + l c* and d = 2 pi / |Q|.
 */
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <math.h>

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

void qmap_crystal_structure_factor(const qmap_crystal *c, const double hkl[3], double *re,
                                   double *im)
{
    double q[3];
    qmap_crystal_q(c, hkl, q);
    double s = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]) / (4.0 * M_PI);
    double fr = 0.0, fi = 0.0;
    for (int a = 0; a < c->n_atoms; a++) {
        const qmap_atom_site *site = &c->sites[c->atoms[a].site];
        double f = qmap_form_factor(site->form_factor, s) * site->occupancy *
                   exp(-8.0 * M_PI * M_PI * site->u_iso * s * s);
        const double *x = c->atoms[a].xyz;
        double phase = 2.0 * M_PI * (hkl[0] * x[0] + hkl[1] * x[1] + hkl[2] * x[2]);
        fr += f * cos(phase);
        fi += f * sin(phase);
    }
    *re = fr;
    *im = fi;
}
