/* powder_model.c -- the powder pattern of a crystal: reflection lines (symmetry-equivalent
 * hkl merged with their multiplicity, systematic absences dropped), Lorentz-polarisation,
 * pseudo-Voigt profiles with Caglioti widths and a Chebyshev background (model in powder.h).
 *
 * Lines: every hkl with d >= d_min in the box |h| <= |a|/d_min (enough, since
 * |h| = |a.Q|/2pi <= |a|/d) is visited once; its orbit under the rotation parts of the
 * crystal's operations, with Friedel mates, is marked and counted as the multiplicity.
 * A reflection is systematically absent when an operation (R, t) keeps it (h R = h) with
 * h.t not an integer. d_min is taken 3 % below the requested 2theta range so that lines
 * entering the range during a cell refinement exist.
 */
#include "powder_internal.h"
#include "qmap/anomalous.h"
#include "qmap/error.h"
#include "qmap/geometry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (180.0 / M_PI)

void qmap_powder_profile_defaults(qmap_powder_profile *p, double wavelength_A)
{
    memset(p, 0, sizeof *p);
    p->wavelength = wavelength_A;
    p->polarization_k = 1.0;
    p->scale = 1.0;
    p->w = 0.01;
    p->eta = 0.5;
    p->n_bg = 3;
    p->tth_min = 0.0;
    p->tth_max = 180.0;
    p->po_hkl[2] = 1;
    p->po_r = 1.0;
    p->radius = 240.0;
}

qmap_powder_profile *qmap_powder_model_profile(qmap_powder_model *m)
{
    return &m->p;
}

qmap_crystal *qmap_powder_model_crystal(qmap_powder_model *m)
{
    return m->c;
}

size_t qmap_powder_n_lines(const qmap_powder_model *m)
{
    return m->n_lines;
}

void qmap_powder_line(qmap_powder_model *m, size_t i, int hkl[3], int *multiplicity, double *tth,
                      double *d, double *mf2)
{
    const qmap__powder_line *l = &m->lines[i];
    memcpy(hkl, l->hkl, sizeof l->hkl);
    *multiplicity = l->multiplicity;
    *tth = l->tth;
    *d = l->d;
    *mf2 = l->mf2;
}

void qmap_powder_model_free(qmap_powder_model *m)
{
    if (!m)
        return;
    qmap_crystal_free(m->c);
    free(m->lines);
    free(m);
}

static int compare_lines(const void *a, const void *b)
{
    const qmap__powder_line *x = a, *y = b;
    return (x->d < y->d) - (x->d > y->d);  /* decreasing d = increasing 2theta */
}

void qmap__powder_update_lines(qmap_powder_model *m)
{
    double e1 = QMAP_HC_EV_ANGSTROM / m->p.wavelength;
    int two = m->p.wavelength2 > 0;
    double e2 = two ? QMAP_HC_EV_ANGSTROM / m->p.wavelength2 : 0;
    size_t ns = (size_t)(m->c->n_sites > 0 ? m->c->n_sites : 1);
    double *disp = malloc(4 * ns * sizeof *disp);
    double *f1 = disp, *f2 = disp ? disp + ns : NULL, *g1 = disp ? disp + 2 * ns : NULL;
    double *g2 = disp ? disp + 3 * ns : NULL;
    if (disp) {
        qmap_crystal_dispersion(m->c, e1, f1, f2);
        if (two)
            qmap_crystal_dispersion(m->c, e2, g1, g2);
    }
    for (size_t k = 0; k < m->n_lines; k++) {
        qmap__powder_line *l = &m->lines[k];
        double h[3] = {l->hkl[0], l->hkl[1], l->hkl[2]}, re, im;
        l->d = qmap_crystal_d(m->c, h);
        double s = m->p.wavelength / (2.0 * l->d);
        l->tth = s < 1.0 ? 2.0 * asin(s) * DEG : 180.0;
        if (disp)
            qmap_crystal_structure_factor_dispersed(m->c, h, f1, f2, &re, &im);
        else
            qmap_crystal_structure_factor(m->c, h, e1, &re, &im);
        l->mf2 = l->multiplicity * (re * re + im * im);
        if (two) {
            s = m->p.wavelength2 / (2.0 * l->d);
            l->tth2 = s < 1.0 ? 2.0 * asin(s) * DEG : 180.0;
            if (disp)
                qmap_crystal_structure_factor_dispersed(m->c, h, g1, g2, &re, &im);
            else
                qmap_crystal_structure_factor(m->c, h, e2, &re, &im);
            l->mf2_2 = l->multiplicity * (re * re + im * im);
        }
        l->po = qmap__powder_march_dollase(m, k);
    }
    free(disp);
}

qmap_powder_model *qmap_powder_model_create(const qmap_crystal *c, const qmap_powder_profile *p,
                                            double tth_max_deg)
{
    if (!(p->wavelength > 0.01 && p->wavelength < 100))
        return qmap_error(QMAP_ERR_VALUE, "wavelength %g Angstrom out of range", p->wavelength), NULL;
    if (!qmap_anomalous_energy_ok(QMAP_HC_EV_ANGSTROM / p->wavelength))
        return NULL;
    if (p->wavelength2 > 0 && (!(p->wavelength2 < 100) || !(p->ratio2 >= 0 && p->ratio2 <= 10))) {
        qmap_error(QMAP_ERR_VALUE, "second wavelength %g A with ratio %g: out of range (wavelength < 100 A, "
                   "ratio 0..10)", p->wavelength2, p->ratio2);
        return NULL;
    }
    if (p->wavelength2 > 0 && !qmap_anomalous_energy_ok(QMAP_HC_EV_ANGSTROM / p->wavelength2)) {
        /* the energy check's message, prefixed (never formatted from the buffer written) */
        qmap_error_prefix(QMAP_ERR_VALUE, "second wavelength %g A with ratio %g: out of range", p->wavelength2,
                          p->ratio2);
        return NULL;
    }
    if (!(p->po_r > 0) || (p->po_hkl[0] == 0 && p->po_hkl[1] == 0 && p->po_hkl[2] == 0) ||
        !(p->radius > 0) || !(p->mu_t >= 0))
        return qmap_error(QMAP_ERR_VALUE, "March-Dollase r %g (> 0) along %d,%d,%d (not 0,0,0), "
                          "radius %g mm (> 0), mu*t %g (>= 0): out of range", p->po_r,
                          p->po_hkl[0], p->po_hkl[1], p->po_hkl[2], p->radius, p->mu_t), NULL;
    /* the second wavelength is the longer: reflections up to tth_max of the first suffice
       for it too; d_min is set by the shorter one */
    if (!(tth_max_deg > 0 && tth_max_deg < 180))
        return qmap_error(QMAP_ERR_VALUE, "2theta range up to %g degrees out of (0, 180)", tth_max_deg), NULL;
    qmap_powder_model *m = calloc(1, sizeof *m);
    int *seen = NULL;
    if (!m || !(m->c = qmap_crystal_copy(c)))
        goto nomem;
    m->p = *p;
    double lmin = p->wavelength2 > 0 ? fmin(p->wavelength, p->wavelength2) : p->wavelength;
    double dmin = lmin / (2.0 * sin(fmin(179.0, tth_max_deg) / 2.0 / DEG)) * 0.97;
    int hm[3];
    for (int i = 0; i < 3; i++) {
        double len = sqrt(c->direct[i][0] * c->direct[i][0] + c->direct[i][1] * c->direct[i][1] +
                          c->direct[i][2] * c->direct[i][2]);
        hm[i] = (int)floor(len / dmin) + 1;
        if (hm[i] > 200)
            return qmap_powder_model_free(m), qmap_error(QMAP_ERR_VALUE, "cell axis %g A needs "
                   "indices up to %d at d_min %g A: too many reflections", len, hm[i], dmin), NULL;
    }
    size_t nx = 2 * (size_t)hm[0] + 1, ny = 2 * (size_t)hm[1] + 1, nz = 2 * (size_t)hm[2] + 1;
    if (!(seen = calloc(nx * ny * nz, sizeof *seen)))
        goto nomem;
    size_t cap = 0;
    for (int h = -hm[0]; h <= hm[0]; h++)
        for (int k = -hm[1]; k <= hm[1]; k++)
            for (int l = -hm[2]; l <= hm[2]; l++) {
                size_t idx = ((size_t)(h + hm[0]) * ny + (size_t)(k + hm[1])) * nz + (size_t)(l + hm[2]);
                if (seen[idx] || (h == 0 && k == 0 && l == 0))
                    continue;
                double hv[3] = {h, k, l};
                if (qmap_crystal_d(c, hv) < dmin)
                    continue;
                int mult = 0, rep[3] = {h, k, l}, n_eq = 0;
                short eq[48][3];
                for (int o = 0; o < c->n_symops; o++)
                    for (int sign = -1; sign <= 1; sign += 2) {
                        int e[3];
                        for (int j = 0; j < 3; j++)
                            e[j] = sign * (int)lrint(h * c->symops[o].r[0][j] + k * c->symops[o].r[1][j] +
                                                     l * c->symops[o].r[2][j]);
                        if (abs(e[0]) > hm[0] || abs(e[1]) > hm[1] || abs(e[2]) > hm[2])
                            continue;
                        size_t ei = ((size_t)(e[0] + hm[0]) * ny + (size_t)(e[1] + hm[1])) * nz +
                                    (size_t)(e[2] + hm[2]);
                        if (!seen[ei]) {
                            seen[ei] = 1;
                            mult++;
                            if (n_eq < 48)
                                eq[n_eq][0] = (short)e[0], eq[n_eq][1] = (short)e[1],
                                eq[n_eq++][2] = (short)e[2];
                            /* report the lexicographically largest member (0,0,3, not 0,0,-3) */
                            if (e[0] > rep[0] || (e[0] == rep[0] && (e[1] > rep[1] ||
                                                                     (e[1] == rep[1] && e[2] > rep[2]))))
                                memcpy(rep, e, sizeof rep);
                        }
                    }
                int hkl[3] = {rep[0], rep[1], rep[2]};
                if (mult == 0 || qmap_crystal_is_absent(c, hkl, NULL))
                    continue;
                if (m->n_lines == cap) {
                    size_t ncap = cap ? 2 * cap : 256;
                    void *nl = realloc(m->lines, ncap * sizeof *m->lines);
                    if (!nl)
                        goto nomem;
                    m->lines = nl;
                    cap = ncap;
                }
                qmap__powder_line *ln = &m->lines[m->n_lines++];
                memset(ln, 0, sizeof *ln);
                memcpy(ln->hkl, hkl, sizeof hkl);
                ln->multiplicity = mult;
                ln->lebail_i = 1.0;
                ln->n_eq = n_eq;
                memcpy(ln->eq, eq, (size_t)n_eq * sizeof eq[0]);
            }
    free(seen);
    qmap__powder_update_lines(m);
    qsort(m->lines, m->n_lines, sizeof *m->lines, compare_lines);
    return m;
nomem:
    free(seen);
    qmap_powder_model_free(m);
    qmap_error(QMAP_ERR_NOMEM, "out of memory building the powder reflections of %s", c->name);
    return NULL;
}

double qmap__powder_pv(double x, double centre, double fwhm, double eta)
{
    double u = (x - centre) / fwhm, a = 4.0 * M_LN2 * u * u;
    double g = a < 700.0 ? 2.0 / fwhm * sqrt(M_LN2 / M_PI) * exp(-a) : 0.0;
    double l = 2.0 / (M_PI * fwhm) / (1.0 + 4.0 * u * u);
    return eta * l + (1.0 - eta) * g;
}

static double fwhm_at(const qmap_powder_profile *p, double tth)
{
    double t = tan(tth / 2.0 / DEG);
    double h2 = p->u * t * t + p->v * t + p->w;
    return h2 > 1e-10 ? sqrt(h2) : 1e-5;
}

static double lp_at(const qmap_powder_profile *p, double tth)
{
    double th = tth / 2.0 / DEG, c2 = cos(2 * th);
    return (1.0 + p->polarization_k * c2 * c2) /
           ((1.0 + p->polarization_k) * sin(th) * sin(th) * cos(th));
}

int qmap__powder_components(const qmap_powder_model *m, size_t k, double centre[2], double fwhm[2],
                            double amp[2])
{
    const qmap__powder_line *l = &m->lines[k];
    const qmap_powder_profile *p = &m->p;
    int n = p->wavelength2 > 0 && l->tth2 < 179.9 ? 2 : 1;
    for (int c = 0; c < n; c++) {
        double tth = c == 0 ? l->tth : l->tth2;
        centre[c] = tth + p->zero + qmap__powder_displacement_shift(p, tth);
        fwhm[c] = fwhm_at(p, tth);
        double w = c == 0 ? 1.0 : p->ratio2;
        if (m->lebail)
            amp[c] = w * l->lebail_i;
        else
            amp[c] = w * p->scale * (c == 0 ? l->mf2 : l->mf2_2) * lp_at(p, tth) * l->po *
                     qmap__powder_absorption(p, tth);
    }
    return n;
}

double qmap__powder_shape(const qmap_powder_model *m, double x, double centre, double fwhm)
{
    double eta = fmin(1.0, fmax(0.0, m->p.eta));
    return qmap__powder_pv(x, centre, fwhm, eta) * qmap__powder_asymmetry(&m->p, x, centre, fwhm);
}

double qmap_powder_background(const qmap_powder_profile *p, double x)
{
    if (p->n_bg <= 0)
        return 0.0;
    double span = p->tth_max - p->tth_min;
    double t = span > 0 ? 2.0 * (x - p->tth_min) / span - 1.0 : 0.0;
    double t0 = 1.0, t1 = t, y = p->bg[0];
    for (int i = 1; i < p->n_bg && i < QMAP_POWDER_MAX_BG; i++) {
        y += p->bg[i] * t1;
        double t2 = 2.0 * t * t1 - t0;
        t0 = t1;
        t1 = t2;
    }
    return y;
}

/* First index with tth[i] >= x (tth increasing). */
static size_t lower_bound(const double *tth, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tth[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void qmap_powder_model_calc(qmap_powder_model *m, const double *tth, size_t n, double *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = qmap_powder_background(&m->p, tth[i]);
    for (size_t k = 0; k < m->n_lines; k++) {
        double centre[2], fwhm[2], amp[2];
        int nc = qmap__powder_components(m, k, centre, fwhm, amp);
        for (int c = 0; c < nc; c++) {
            double half = QMAP__POWDER_WINDOW(fwhm[c]);
            if (n == 0 || centre[c] + half < tth[0] || centre[c] - half > tth[n - 1])
                continue;
            for (size_t i = lower_bound(tth, n, centre[c] - half); i < n && tth[i] <= centre[c] + half; i++)
                y[i] += amp[c] * qmap__powder_shape(m, tth[i], centre[c], fwhm[c]);
        }
    }
}
