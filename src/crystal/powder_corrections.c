/* powder_corrections.c -- the instrument and sample terms of the powder model (formulas in
 * qmap/powder.h): laboratory anode wavelengths, March-Dollase preferred orientation,
 * Berar-Baldinozzi low-angle asymmetry, sample displacement and Bragg-Brentano absorption
 * of a sample of finite thickness. Kept apart from powder_model.c, which sums the lines.
 */
#include "powder_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <strings.h>

#define DEG (180.0 / M_PI)

/* K-alpha1, K-alpha2 (Angstrom): X-ray Data Booklet (LBNL, 2009) table 1-2 energies,
 * Cu and Co as Hoelzer et al., Phys. Rev. A 56 (1997) 4554; lambda = 12398.42 eV A / E. */
static const struct {
    const char *name;
    double ka1, ka2;
} anodes[] = {
    {"Cu", 1.5405929, 1.5444140},
    {"Mo", 0.7093171, 0.7136000},
    {"Co", 1.7889600, 1.7928350},
    {"Cr", 2.2897260, 2.2936510},
    {"Ag", 0.5594075, 0.5638130},
};

int qmap_powder_anode(const char *name, double *lambda1, double *lambda2, double *ratio)
{
    for (size_t i = 0; i < sizeof anodes / sizeof anodes[0]; i++)
        if (name && strcasecmp(name, anodes[i].name) == 0) {
            *lambda1 = anodes[i].ka1;
            *lambda2 = anodes[i].ka2;
            *ratio = 0.5;
            return 0;
        }
    return qmap_error(QMAP_ERR_VALUE, "unknown anode '%.20s' (known: Cu, Mo, Co, Cr, Ag)",
                      name ? name : "");
}

double qmap__powder_march_dollase(const qmap_powder_model *m, size_t k)
{
    double r = m->p.po_r;
    const qmap__powder_line *l = &m->lines[k];
    if (fabs(r - 1.0) < 1e-12 || !(r > 0) || l->n_eq == 0)
        return 1.0;
    double g[3], hg[3] = {m->p.po_hkl[0], m->p.po_hkl[1], m->p.po_hkl[2]};
    qmap_crystal_q(m->c, hg, g);
    double gn = sqrt(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]);
    if (!(gn > 0))
        return 1.0;
    double sum = 0.0;
    for (int j = 0; j < l->n_eq; j++) {
        double h[3] = {l->eq[j][0], l->eq[j][1], l->eq[j][2]}, q[3];
        qmap_crystal_q(m->c, h, q);
        double qn = sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
        double c = (q[0] * g[0] + q[1] * g[1] + q[2] * g[2]) / (qn * gn), c2 = c * c;
        sum += pow(r * r * c2 + (1.0 - c2) / r, -1.5);
    }
    return sum / l->n_eq;
}

double qmap__powder_displacement_shift(const qmap_powder_profile *p, double tth)
{
    if (p->displacement == 0.0 || !(p->radius > 0))
        return 0.0;
    return -2.0 * p->displacement * cos(tth / 2.0 / DEG) / p->radius * DEG;
}

double qmap__powder_absorption(const qmap_powder_profile *p, double tth)
{
    if (!(p->mu_t > 0))
        return 1.0;
    return 1.0 - exp(-2.0 * p->mu_t / sin(tth / 2.0 / DEG));
}

double qmap__powder_asymmetry(const qmap_powder_profile *p, double x, double centre, double fwhm)
{
    if (p->asym[0] == 0.0 && p->asym[1] == 0.0)
        return 1.0;
    double z = (x - centre) / fwhm, fa = 2.0 * z * exp(-z * z), fb = 2.0 * (2.0 * z * z - 3.0) * fa;
    double t = tan(centre / 2.0 / DEG);
    return 1.0 + (p->asym[0] * fa + p->asym[1] * fb) / (t > 1e-6 ? t : 1e-6);
}
