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
#include "qmap/error.h"

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

static int is_absent(const qmap_crystal *c, const int h[3])
{
    for (int o = 0; o < c->n_symops; o++) {
        const qmap_symop *op = &c->symops[o];
        int same = 1;
        for (int j = 0; j < 3 && same; j++) {
            double hr = h[0] * op->r[0][j] + h[1] * op->r[1][j] + h[2] * op->r[2][j];
            same = fabs(hr - h[j]) < 1e-9;
        }
        if (!same)
            continue;
        double ht = h[0] * op->t[0] + h[1] * op->t[1] + h[2] * op->t[2];
        if (fabs(ht - nearbyint(ht)) > 1e-6)
            return 1;
    }
    return 0;
}

static int compare_lines(const void *a, const void *b)
{
    const qmap__powder_line *x = a, *y = b;
    return (x->d < y->d) - (x->d > y->d);  /* decreasing d = increasing 2theta */
}

void qmap__powder_update_lines(qmap_powder_model *m)
{
    for (size_t k = 0; k < m->n_lines; k++) {
        qmap__powder_line *l = &m->lines[k];
        double h[3] = {l->hkl[0], l->hkl[1], l->hkl[2]}, re, im;
        l->d = qmap_crystal_d(m->c, h);
        double s = m->p.wavelength / (2.0 * l->d);
        l->tth = s < 1.0 ? 2.0 * asin(s) * DEG : 180.0;
        qmap_crystal_structure_factor(m->c, h, &re, &im);
        l->mf2 = l->multiplicity * (re * re + im * im);
    }
}

qmap_powder_model *qmap_powder_model_create(const qmap_crystal *c, const qmap_powder_profile *p,
                                            double tth_max_deg)
{
    if (!(p->wavelength > 0.01 && p->wavelength < 100))
        return qmap_error(QMAP_ERR_VALUE, "wavelength %g Angstrom out of range", p->wavelength), NULL;
    if (!(tth_max_deg > 0 && tth_max_deg < 180))
        return qmap_error(QMAP_ERR_VALUE, "2theta range up to %g degrees out of (0, 180)", tth_max_deg), NULL;
    qmap_powder_model *m = calloc(1, sizeof *m);
    int *seen = NULL;
    if (!m || !(m->c = qmap_crystal_copy(c)))
        goto nomem;
    m->p = *p;
    double dmin = p->wavelength / (2.0 * sin(fmin(179.0, tth_max_deg) / 2.0 / DEG)) * 0.97;
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
                int mult = 0, rep[3] = {h, k, l};
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
                            /* report the lexicographically largest member (0,0,3, not 0,0,-3) */
                            if (e[0] > rep[0] || (e[0] == rep[0] && (e[1] > rep[1] ||
                                                                     (e[1] == rep[1] && e[2] > rep[2]))))
                                memcpy(rep, e, sizeof rep);
                        }
                    }
                int hkl[3] = {rep[0], rep[1], rep[2]};
                if (mult == 0 || is_absent(c, hkl))
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
    double u = (x - centre) / fwhm;
    double g = 2.0 / fwhm * sqrt(M_LN2 / M_PI) * exp(-4.0 * M_LN2 * u * u);
    double l = 2.0 / (M_PI * fwhm) / (1.0 + 4.0 * u * u);
    return eta * l + (1.0 - eta) * g;
}

void qmap__powder_line_shape(const qmap_powder_model *m, size_t k, double *centre, double *fwhm)
{
    const qmap__powder_line *l = &m->lines[k];
    double t = tan(l->tth / 2.0 / DEG);
    double h2 = m->p.u * t * t + m->p.v * t + m->p.w;
    *fwhm = h2 > 1e-10 ? sqrt(h2) : 1e-5;
    *centre = l->tth + m->p.zero;
}

double qmap__powder_line_intensity(const qmap_powder_model *m, size_t k)
{
    const qmap__powder_line *l = &m->lines[k];
    if (m->lebail)
        return l->lebail_i;
    double th = l->tth / 2.0 / DEG, c2 = cos(2 * th);
    double lp = (1.0 + m->p.polarization_k * c2 * c2) /
                ((1.0 + m->p.polarization_k) * sin(th) * sin(th) * cos(th));
    return m->p.scale * l->mf2 * lp;
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
    double eta = fmin(1.0, fmax(0.0, m->p.eta));
    for (size_t k = 0; k < m->n_lines; k++) {
        double centre, fwhm;
        qmap__powder_line_shape(m, k, &centre, &fwhm);
        double half = QMAP__POWDER_WINDOW(fwhm);
        if (n == 0 || centre + half < tth[0] || centre - half > tth[n - 1])
            continue;
        double a = qmap__powder_line_intensity(m, k);
        for (size_t i = lower_bound(tth, n, centre - half); i < n && tth[i] <= centre + half; i++)
            y[i] += a * qmap__powder_pv(tth[i], centre, fwhm, eta);
    }
}
