/* powder_checks.c -- is a finished refinement physically meaningful? Occupancies in [0, 1]
 * (each site and the total on a position), U_iso not negative nor absurd, pseudo-Voigt
 * eta in [0, 1], March-Dollase r positive, standard uncertainties neither zero, NaN nor
 * larger than what the parameter could be, no pair of parameters correlated above 0.95
 * (except within the Caglioti U, V, W, the background terms and the two asymmetry terms),
 * and convergence. One sentence per problem, so that the command line can print them and
 * exit with a distinct status instead of presenting an unphysical fit as a result.
 */
#include "powder_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char (*msg)[QMAP_POWDER_MSG];
    int n, max;
} sink;

static void say(sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(sink *s, const char *fmt, ...)
{
    if (s->n >= s->max) {
        s->n++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->msg[s->n++], QMAP_POWDER_MSG, fmt, ap);
    va_end(ap);
}

static int starts(const char *name, const char *prefix)
{
    return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* The largest su that still says something about parameter j (0: no limit). */
static double su_limit(const qmap_powder_result *r, int j)
{
    const char *n = r->name[j];
    double v = fabs(r->value[j]);
    if (strcmp(n, "scale") == 0 || strcmp(n, "a") == 0 || strcmp(n, "b") == 0 ||
        strcmp(n, "c") == 0 || strcmp(n, "W") == 0 || starts(n, "MD_r"))
        return v;
    if (starts(n, "occ(") || starts(n, "exch(") || strcmp(n, "eta") == 0)
        return 1.0;
    if (starts(n, "Uiso("))
        return 0.25;
    if (strcmp(n, "zero") == 0)
        return 1.0;      /* degrees */
    if (strcmp(n, "displacement") == 0)
        return 1.0;      /* mm */
    return 0.0;
}

/* Parameters whose mutual correlation is built into their parametrisation and says
 * nothing about the structure: the Caglioti U, V, W among themselves (the width curve is
 * sampled over a limited range of tan theta) and the Chebyshev background terms among
 * themselves. Their correlations are still in res->corr (--correlations). */
static int same_family(const char *a, const char *b)
{
    int wa = !strcmp(a, "U") || !strcmp(a, "V") || !strcmp(a, "W");
    int wb = !strcmp(b, "U") || !strcmp(b, "V") || !strcmp(b, "W");
    return (wa && wb) || (starts(a, "bg") && starts(b, "bg")) || (starts(a, "asym_") && starts(b, "asym_"));
}

int qmap_powder_check(const qmap_powder_model *m, const qmap_powder_result *res,
                      char msg[][QMAP_POWDER_MSG], int max)
{
    sink s = {msg, 0, max};
    const qmap_crystal *c = m->c;
    for (int i = 0; i < c->n_sites; i++) {
        const qmap_atom_site *a = &c->sites[i];
        if (a->occupancy < -1e-9 || a->occupancy > 1.0 + 1e-6)
            say(&s, "occupancy of site %s is %.4g, outside [0, 1]", a->label, a->occupancy);
        if (a->u_iso < 0.0)
            say(&s, "U_iso of site %s is %.4g A^2, negative", a->label, a->u_iso);
        else if (a->u_iso > 0.25)
            say(&s, "U_iso of site %s is %.4g A^2, above 0.25 A^2 (no solid vibrates that much)",
                a->label, a->u_iso);
        int first = 1;
        double total = 0.0;
        for (int t = 0; t < c->n_sites; t++) {
            int same = 1;
            for (int k = 0; k < 3 && same; k++) {
                double d = c->sites[t].xyz[k] - a->xyz[k];
                same = fabs(d - nearbyint(d)) <= 1e-4;
            }
            if (same) {
                total += c->sites[t].occupancy;
                if (t < i)
                    first = 0;
            }
        }
        if (first && total > 1.0 + 1e-6)
            say(&s, "total occupancy on the position of site %s is %.4g, above 1", a->label, total);
    }
    if (m->p.eta < 0.0 || m->p.eta > 1.0)
        say(&s, "pseudo-Voigt eta is %.4g, outside [0, 1]", m->p.eta);
    if (!(m->p.po_r > 0))
        say(&s, "March-Dollase r is %.4g, not positive", m->p.po_r);
    for (int j = 0; j < res->n_par; j++) {
        double su = res->su[j], lim = su_limit(res, j);
        if (!isfinite(su))
            say(&s, "su of %s is not defined (singular normal matrix: the data do not "
                "determine it)", res->name[j]);
        else if (su == 0.0)
            say(&s, "su of %s is 0 (the parameter does not change the pattern)", res->name[j]);
        else if (lim > 0 && su > lim)
            say(&s, "su of %s is %.3g for a value of %.6g: undetermined", res->name[j], su,
                res->value[j]);
    }
    for (int j = 0; j < res->n_par; j++)
        for (int k = j + 1; k < res->n_par; k++)
            if (fabs(res->corr[j][k]) > 0.95 && !same_family(res->name[j], res->name[k]))
                say(&s, "correlation of %s and %s is %+.3f (above 0.95 in magnitude)", res->name[j],
                    res->name[k], res->corr[j][k]);
    if (!res->converged)
        say(&s, "least squares %s", res->criterion);
    return s.n;
}
