/* powder_refine.c -- Rietveld and Le Bail refinement of a powder model against a measured
 * pattern, by weighted nonlinear least squares (GSL multifit_nlinear, Levenberg-Marquardt
 * with a finite-difference Jacobian).
 *
 * Parameters are a table of named values with a setter each, so constraints live in one
 * place: the cell keeps its crystal system (cubic: a; hexagonal and tetragonal: a, c;
 * orthorhombic: a, b, c; otherwise all six), U_iso is one value per distinct atom
 * position, and a refined site occupancy leaves the total occupancy of its position
 * unchanged (the other sites there are rescaled: Li/Ni antisite exchange).
 * Rietveld runs in stages (scale and background, then everything asked for) to start
 * the full fit close to the minimum. Le Bail alternates intensity extraction
 * (I_k <- sum_i I_k Omega_ik (y_obs - bg)/(y_calc - bg) dx_i) with a least-squares fit of
 * the cell, zero, profile and background. Standard uncertainties are the square roots
 * of the covariance diagonal times the reduced chi^2 (the usual Rietveld convention).
 */
#include "powder_internal.h"
#include "qmap/error.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum par_kind { P_SCALE, P_ZERO, P_U, P_V, P_W, P_ETA, P_BG, P_CELL, P_UISO, P_OCC, P_PO, P_ASYM,
                P_DISP, P_EXCH };

typedef struct {
    enum par_kind kind;
    int index;                 /* bg term, cell slot (0..5), or site */
    char name[40];
    int tied[6];               /* P_CELL: cell slots set together; P_UISO: sites (-1 ends) */
    double occ0, total;        /* P_OCC, P_EXCH: initial occupancy, total at the position */
    int metal_site, li_site;   /* P_EXCH: the metal's own site and the Li site beside it */
} param;

typedef struct {
    qmap_powder_model *m;
    const qmap_powder_data *d;
    param par[QMAP_POWDER_MAX_PAR];
    int n_par;
    double occ_initial[1024];  /* initial occupancies of the first 1024 sites */
    double *ycalc;
} fit_ctx;

void qmap_powder_refine_defaults(qmap_powder_refine_options *o)
{
    memset(o, 0, sizeof *o);
    o->method = QMAP_POWDER_RIETVELD;
    o->refine_scale = o->refine_cell = o->refine_zero = 1;
    o->refine_profile = o->refine_eta = o->refine_bg = 1;
    o->max_iter = 200;
}

static int same_position(const qmap_atom_site *a, const qmap_atom_site *b)
{
    for (int i = 0; i < 3; i++) {
        double d = a->xyz[i] - b->xyz[i];
        if (fabs(d - nearbyint(d)) > 1e-4)
            return 0;
    }
    return 1;
}

static double get_param(const fit_ctx *f, const param *p)
{
    qmap_powder_profile *pr = &f->m->p;
    const qmap_crystal *c = f->m->c;
    switch (p->kind) {
    case P_SCALE: return pr->scale;
    case P_ZERO: return pr->zero;
    case P_U: return pr->u;
    case P_V: return pr->v;
    case P_W: return pr->w;
    case P_ETA: return pr->eta;
    case P_BG: return pr->bg[p->index];
    case P_CELL: return c->cell[p->index];
    case P_UISO: return c->sites[p->index].u_iso;
    case P_OCC:
    case P_EXCH: return c->sites[p->index].occupancy;
    case P_PO: return pr->po_r;
    case P_ASYM: return pr->asym[p->index];
    case P_DISP: return pr->displacement;
    }
    return NAN;
}

static void set_param(fit_ctx *f, const param *p, double v)
{
    qmap_powder_profile *pr = &f->m->p;
    qmap_crystal *c = f->m->c;
    switch (p->kind) {
    case P_SCALE: pr->scale = v; break;
    case P_ZERO: pr->zero = v; break;
    case P_U: pr->u = v; break;
    case P_V: pr->v = v; break;
    case P_W: pr->w = v; break;
    case P_ETA: pr->eta = v; break;
    case P_BG: pr->bg[p->index] = v; break;
    case P_CELL: {
        double cell[6];
        memcpy(cell, c->cell, sizeof cell);
        for (int i = 0; i < 6 && p->tied[i] >= 0; i++)
            cell[p->tied[i]] = v;
        if (qmap_crystal_set_cell(c, cell) < 0)
            qmap_error_clear();
        break;
    }
    case P_UISO:
        for (int i = 0; i < 6 && p->tied[i] >= 0; i++)
            c->sites[p->tied[i]].u_iso = v;
        break;
    case P_PO: pr->po_r = v; break;
    case P_ASYM: pr->asym[p->index] = v; break;
    case P_DISP: pr->displacement = v; break;
    case P_OCC:
    case P_EXCH: {
        c->sites[p->index].occupancy = v;
        if (p->kind == P_EXCH) {
            /* the metal leaves its own layer, Li takes its place there */
            double dx = v - p->occ0;
            c->sites[p->metal_site].occupancy = f->occ_initial[p->metal_site] - dx;
            c->sites[p->li_site].occupancy = f->occ_initial[p->li_site] + dx;
        }
        double rest0 = p->total - p->occ0, rest = p->total - v;
        for (int s = 0; s < c->n_sites; s++) {
            if (s == p->index || !same_position(&c->sites[s], &c->sites[p->index]) ||
                (p->kind == P_EXCH && (s == p->metal_site || s == p->li_site)))
                continue;
            double o0 = s < 1024 ? f->occ_initial[s] : c->sites[s].occupancy;
            c->sites[s].occupancy = rest0 > 1e-12 ? o0 * rest / rest0 : rest;
        }
        break;
    }
    }
}

static void add_param(fit_ctx *f, enum par_kind kind, int index, const char *name)
{
    if (f->n_par >= QMAP_POWDER_MAX_PAR)
        return;
    param *p = &f->par[f->n_par++];
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->index = index;
    snprintf(p->name, sizeof p->name, "%s", name);
    for (int i = 0; i < 6; i++)
        p->tied[i] = -1;
}

/* Cell parameters that keep the crystal system of the starting cell. */
static void add_cell_params(fit_ctx *f)
{
    const double *c = f->m->c->cell;
    int right = fabs(c[3] - 90) < 1e-6 && fabs(c[4] - 90) < 1e-6;
    int hex = right && fabs(c[5] - 120) < 1e-6 && fabs(c[0] - c[1]) < 1e-9;
    int ortho = right && fabs(c[5] - 90) < 1e-6;
    int ab = fabs(c[0] - c[1]) < 1e-9, abc = ab && fabs(c[0] - c[2]) < 1e-9;
    param *p;
    if (ortho && abc) {
        add_param(f, P_CELL, 0, "a");
        p = &f->par[f->n_par - 1];
        p->tied[0] = 0, p->tied[1] = 1, p->tied[2] = 2;
    } else if (hex || (ortho && ab)) {
        add_param(f, P_CELL, 0, "a");
        p = &f->par[f->n_par - 1];
        p->tied[0] = 0, p->tied[1] = 1;
        add_param(f, P_CELL, 2, "c");
        f->par[f->n_par - 1].tied[0] = 2;
    } else {
        static const char *const names[6] = {"a", "b", "c", "alpha", "beta", "gamma"};
        for (int i = 0; i < (ortho ? 3 : 6); i++) {
            add_param(f, P_CELL, i, names[i]);
            f->par[f->n_par - 1].tied[0] = i;
        }
    }
}

static int find_site(const qmap_crystal *c, const char *label)
{
    for (int t = 0; t < c->n_sites && t < 1024; t++)
        if (strcmp(c->sites[t].label, label) == 0)
            return t;
    return -1;
}

static int is_lithium(const qmap_atom_site *s)
{
    return qmap_form_factor_z(s->form_factor) == 3;
}

/* Index of a site holding the element of site like (by Z) on the position of site at; if
 * none, one is added (occupancy 0, label "<like>_<at>", U_iso of at). -1 on error. */
static int site_on_position(fit_ctx *f, int like, int at)
{
    qmap_crystal *c = f->m->c;
    int z = qmap_form_factor_z(c->sites[like].form_factor);
    for (int t = 0; t < c->n_sites && t < 1024; t++)
        if (qmap_form_factor_z(c->sites[t].form_factor) == z && same_position(&c->sites[t], &c->sites[at]))
            return t;
    if (c->n_sites >= 1024) {
        qmap_error(QMAP_ERR_VALUE, "exchange: too many sites");
        return -1;
    }
    qmap_atom_site add = c->sites[like];
    snprintf(add.label, sizeof add.label, "%.14s_%.14s", c->sites[like].label, c->sites[at].label);
    memcpy(add.xyz, c->sites[at].xyz, sizeof add.xyz);
    add.occupancy = 0.0;
    add.occupancy_su = 0.0;
    add.u_iso = c->sites[at].u_iso;
    if (qmap_crystal_add_site(c, &add) < 0)
        return -1;
    f->occ_initial[c->n_sites - 1] = 0.0;
    return c->n_sites - 1;
}

/* The composition-keeping exchange parameter (powder.h, qmap_powder_refine). */
static int add_exchange(fit_ctx *f, const qmap_powder_refine_options *o, int *stage)
{
    qmap_crystal *c = f->m->c;
    int li = find_site(c, o->exchange[0]), me = o->exchange[1] ? find_site(c, o->exchange[1]) : -1;
    if (li < 0 || me < 0)
        return qmap_error(QMAP_ERR_VALUE, "exchange: no atom site labelled '%s' in %s",
                          li < 0 ? o->exchange[0] : o->exchange[1] ? o->exchange[1] : "", c->name);
    if (!is_lithium(&c->sites[li]) || is_lithium(&c->sites[me]) ||
        same_position(&c->sites[li], &c->sites[me]))
        return qmap_error(QMAP_ERR_VALUE, "exchange: %s must be a Li site and %s a metal site on "
                          "another position", c->sites[li].label, c->sites[me].label);
    int me_on_li = site_on_position(f, me, li);
    int li_on_me = me_on_li < 0 ? -1 : site_on_position(f, li, me);
    if (me_on_li < 0 || li_on_me < 0)
        return QMAP_ERR_NOMEM;
    qmap__powder_update_lines(f->m);
    char nm[40];
    snprintf(nm, sizeof nm, "exch(%.14s)", c->sites[me_on_li].label);
    add_param(f, P_EXCH, me_on_li, nm);
    param *p = &f->par[f->n_par - 1];
    stage[f->n_par - 1] = 2;
    p->occ0 = c->sites[me_on_li].occupancy;
    p->metal_site = me;
    p->li_site = li_on_me;
    p->total = 0;
    for (int t = 0; t < c->n_sites; t++)
        if (same_position(&c->sites[t], &c->sites[me_on_li]))
            p->total += c->sites[t].occupancy;
    return 0;
}

static int residuals(const gsl_vector *x, void *data, gsl_vector *fv)
{
    fit_ctx *f = data;
    for (int j = 0; j < f->n_par; j++)
        set_param(f, &f->par[j], gsl_vector_get(x, (size_t)j));
    qmap__powder_update_lines(f->m);
    qmap_powder_model_calc(f->m, f->d->tth, f->d->n, f->ycalc);
    for (size_t i = 0; i < f->d->n; i++)
        gsl_vector_set(fv, i, (f->ycalc[i] - f->d->y[i]) / f->d->sigma[i]);
    return GSL_SUCCESS;
}

/* Least squares over the parameters flagged in use[]; su filled for them. */
static int run_lsq(fit_ctx *all, const int *use, int max_iter, double *su, qmap_powder_result *res)
{
    fit_ctx f = *all;
    f.n_par = 0;
    int map[QMAP_POWDER_MAX_PAR];
    for (int j = 0; j < all->n_par; j++)
        if (use[j]) {
            map[f.n_par] = j;
            f.par[f.n_par++] = all->par[j];
        }
    if (f.n_par == 0)
        return 0;
    size_t n = f.d->n, p = (size_t)f.n_par;
    if (n <= p)
        return qmap_error(QMAP_ERR_VALUE, "%zu pattern points for %zu parameters", n, p);
    gsl_multifit_nlinear_parameters fp = gsl_multifit_nlinear_default_parameters();
    fp.trs = gsl_multifit_nlinear_trs_lm;
    gsl_multifit_nlinear_workspace *w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &fp, n, p);
    gsl_vector *x = gsl_vector_alloc(p);
    gsl_matrix *cov = gsl_matrix_alloc(p, p);
    if (!w || !x || !cov) {
        if (w) gsl_multifit_nlinear_free(w);
        if (x) gsl_vector_free(x);
        if (cov) gsl_matrix_free(cov);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for the powder refinement");
    }
    for (size_t j = 0; j < p; j++)
        gsl_vector_set(x, j, get_param(&f, &f.par[j]));
    gsl_multifit_nlinear_fdf fdf;
    memset(&fdf, 0, sizeof fdf);
    fdf.f = residuals;
    fdf.df = NULL;
    fdf.n = n;
    fdf.p = p;
    fdf.params = &f;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int info = 0, st = gsl_multifit_nlinear_init(x, &fdf, w);
    if (st == GSL_SUCCESS)
        st = gsl_multifit_nlinear_driver((size_t)max_iter, 1e-10, 1e-10, 1e-12, NULL, NULL, &info, w);
    const gsl_vector *xs = gsl_multifit_nlinear_position(w);
    gsl_vector *fres = gsl_multifit_nlinear_residual(w);
    residuals(xs, &f, fres); /* leave the model at the solution */
    double chi2;
    gsl_blas_ddot(fres, fres, &chi2);
    gsl_matrix *J = gsl_multifit_nlinear_jac(w);
    int cst = gsl_multifit_nlinear_covar(J, 0.0, cov);
    for (size_t j = 0; j < p; j++)
        su[map[j]] = cst == GSL_SUCCESS ? sqrt(gsl_matrix_get(cov, j, j) * chi2 / (double)(n - p)) : NAN;
    for (int a = 0; a < QMAP_POWDER_MAX_PAR; a++)
        for (int b = 0; b < QMAP_POWDER_MAX_PAR; b++)
            res->corr[a][b] = NAN;
    for (size_t a = 0; a < p && cst == GSL_SUCCESS; a++)
        for (size_t b = 0; b < p; b++) {
            double den = sqrt(gsl_matrix_get(cov, a, a) * gsl_matrix_get(cov, b, b));
            res->corr[map[a]][map[b]] = den > 0 ? gsl_matrix_get(cov, a, b) / den : NAN;
        }
    size_t niter = gsl_multifit_nlinear_niter(w);
    res->iterations += (int)niter;
    res->converged = st == GSL_SUCCESS && (info == 1 || info == 2);
    if (st == GSL_EMAXITER)
        snprintf(res->criterion, sizeof res->criterion, "not converged: %d iterations, the limit, "
                 "reached", max_iter);
    else if (info == 1)
        snprintf(res->criterion, sizeof res->criterion, "converged: every step |dx_j| < 1e-10 "
                 "(|x_j| + 1e-10) after %zu iterations", niter);
    else if (info == 2)
        snprintf(res->criterion, sizeof res->criterion, "converged: gradient max |g_j x_j| < "
                 "1e-10 chi2 after %zu iterations", niter);
    else
        snprintf(res->criterion, sizeof res->criterion, "not converged: %s after %zu iterations",
                 gsl_strerror(st), niter);
    gsl_set_error_handler(old);
    gsl_multifit_nlinear_free(w);
    gsl_vector_free(x);
    gsl_matrix_free(cov);
    if (st != GSL_SUCCESS && st != GSL_EMAXITER)
        return qmap_error(QMAP_ERR_INTERNAL, "powder least squares failed: %s", gsl_strerror(st));
    return 0;
}

/* Le Bail extraction of every line's intensity from the current profile: each line gets
 * its share of the observed counts (above background) in proportion to its calculated
 * contribution, over both wavelength components. */
static void lebail_extract(fit_ctx *f)
{
    qmap_powder_model *m = f->m;
    const qmap_powder_data *d = f->d;
    qmap_powder_model_calc(m, d->tth, d->n, f->ycalc);
    double *next = calloc(m->n_lines ? m->n_lines : 1, sizeof *next);
    if (!next)
        return;
    for (size_t k = 0; k < m->n_lines; k++) {
        double centre[2], fwhm[2], amp[2], sum = 0.0, weight = 0.0;
        int nc = qmap__powder_components(m, k, centre, fwhm, amp);
        for (int c = 0; c < nc; c++) {
            double half = QMAP__POWDER_WINDOW(fwhm[c]);
            weight += amp[c];
            for (size_t i = 0; i < d->n; i++) {
                if (d->tth[i] < centre[c] - half || d->tth[i] > centre[c] + half)
                    continue;
                double bg = qmap_powder_background(&m->p, d->tth[i]);
                double peak = f->ycalc[i] - bg;
                double dx = 0.5 * (d->tth[i + 1 < d->n ? i + 1 : i] - d->tth[i > 0 ? i - 1 : i]);
                if (peak > 1e-12 * (fabs(bg) + 1))
                    sum += amp[c] * qmap__powder_shape(m, d->tth[i], centre[c], fwhm[c]) *
                           fmax(0.0, d->y[i] - bg) / peak * dx;
            }
        }
        /* sum is the intensity of all components; the line's own is its share */
        next[k] = weight > 0 ? sum * m->lines[k].lebail_i / weight : 0.0;
    }
    for (size_t k = 0; k < m->n_lines; k++)
        m->lines[k].lebail_i = next[k];
    free(next);
}

static void statistics(fit_ctx *f, qmap_powder_result *res)
{
    const qmap_powder_data *d = f->d;
    qmap_powder_model_calc(f->m, d->tth, d->n, f->ycalc);
    double swd = 0, swy = 0, sad = 0, say = 0;
    for (size_t i = 0; i < d->n; i++) {
        double w = 1.0 / (d->sigma[i] * d->sigma[i]), r = d->y[i] - f->ycalc[i];
        swd += w * r * r;
        swy += w * d->y[i] * d->y[i];
        sad += fabs(r);
        say += fabs(d->y[i]);
    }
    double dof = (double)d->n - res->n_par;
    res->chi2 = swd;
    res->n_obs = d->n;
    res->rwp = sqrt(swd / swy);
    res->rp = sad / say;
    res->rexp = sqrt(dof / swy);
    res->gof = sqrt(swd / dof);
}

int qmap_powder_refine(qmap_powder_model *m, const qmap_powder_data *d,
                       const qmap_powder_refine_options *o, qmap_powder_result *res)
{
    memset(res, 0, sizeof *res);
    fit_ctx f;
    memset(&f, 0, sizeof f);
    f.m = m;
    f.d = d;
    if (d->n < 10)
        return qmap_error(QMAP_ERR_VALUE, "powder pattern has %zu points (at least 10 needed)", d->n);
    f.ycalc = malloc(d->n * sizeof *f.ycalc);
    if (!f.ycalc)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory for the powder refinement");
    for (int s = 0; s < m->c->n_sites && s < 1024; s++)
        f.occ_initial[s] = m->c->sites[s].occupancy;
    int lebail = o->method == QMAP_POWDER_LEBAIL;
    m->lebail = lebail;
    /* the parameter table; stage[] says from which Rietveld stage each one is free */
    int stage[QMAP_POWDER_MAX_PAR];
    int rc = 0;
#define ADD(kind, idx, name, st) do { add_param(&f, kind, idx, name); stage[f.n_par - 1] = st; } while (0)
    if (o->refine_scale && !lebail)
        ADD(P_SCALE, 0, "scale", 0);
    for (int i = 0; o->refine_bg && i < m->p.n_bg && i < QMAP_POWDER_MAX_BG; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "bg%d", i);
        ADD(P_BG, i, nm, 0);
    }
    if (o->refine_cell) {
        int before = f.n_par;
        add_cell_params(&f);
        for (int j = before; j < f.n_par; j++)
            stage[j] = 1;
    }
    if (o->refine_zero)
        ADD(P_ZERO, 0, "zero", 1);
    if (o->refine_profile) {
        ADD(P_U, 0, "U", 2);
        ADD(P_V, 0, "V", 2);
        ADD(P_W, 0, "W", 1);
    }
    if (o->refine_eta)
        ADD(P_ETA, 0, "eta", 2);
    if (o->refine_displacement)
        ADD(P_DISP, 0, "displacement", 1);
    if (o->refine_asym) {
        ADD(P_ASYM, 0, "asym_P1", 2);
        ADD(P_ASYM, 1, "asym_P2", 2);
    }
    if (o->refine_po && !lebail) {
        char nm[40];
        snprintf(nm, sizeof nm, "MD_r(%d,%d,%d)", m->p.po_hkl[0], m->p.po_hkl[1], m->p.po_hkl[2]);
        ADD(P_PO, 0, nm, 2);
    }
    /* the exchange may add sites: before U_iso, so that they share their position's U_iso */
    if (o->exchange[0] && !lebail && (rc = add_exchange(&f, o, stage)) < 0)
        goto done;
    if (o->refine_uiso && !lebail) {
        int done[1024] = {0};
        for (int s = 0; s < m->c->n_sites && s < 1024; s++) {
            if (done[s])
                continue;
            char nm[40];
            snprintf(nm, sizeof nm, "Uiso(%s", m->c->sites[s].label);
            ADD(P_UISO, s, nm, 2);
            param *p = &f.par[f.n_par - 1];
            int nt = 0;
            for (int t = s; t < m->c->n_sites && t < 1024; t++)
                if (!done[t] && same_position(&m->c->sites[s], &m->c->sites[t]) && nt < 6) {
                    done[t] = 1;
                    p->tied[nt++] = t;
                    if (t != s && strlen(p->name) + strlen(m->c->sites[t].label) + 2 < sizeof p->name) {
                        strcat(p->name, "/");
                        strcat(p->name, m->c->sites[t].label);
                    }
                }
            strcat(p->name, ")");
        }
    }
    for (int i = 0; i < o->n_occ && !lebail; i++) {
        int s = -1;
        for (int t = 0; t < m->c->n_sites && t < 1024; t++)
            if (strcmp(m->c->sites[t].label, o->occ_sites[i]) == 0)
                s = t;
        if (s < 0) {
            rc = qmap_error(QMAP_ERR_VALUE, "occupancy: no atom site labelled '%s' in %s",
                            o->occ_sites[i], m->c->name);
            goto done;
        }
        char nm[40];
        snprintf(nm, sizeof nm, "occ(%s)", m->c->sites[s].label);
        ADD(P_OCC, s, nm, 2);
        param *p = &f.par[f.n_par - 1];
        p->occ0 = m->c->sites[s].occupancy;
        p->total = 0;
        for (int t = 0; t < m->c->n_sites; t++)
            if (same_position(&m->c->sites[t], &m->c->sites[s]))
                p->total += m->c->sites[t].occupancy;
    }
#undef ADD
    double su[QMAP_POWDER_MAX_PAR];
    for (int j = 0; j < QMAP_POWDER_MAX_PAR; j++)
        su[j] = NAN;
    int use[QMAP_POWDER_MAX_PAR];
    if (!lebail) {
        /* linear start: scale from the data, then stages */
        qmap__powder_update_lines(m);
        for (int st = 0; st <= 2 && rc == 0; st++) {
            for (int j = 0; j < f.n_par; j++)
                use[j] = stage[j] <= st;
            rc = run_lsq(&f, use, o->max_iter, su, res);
        }
    } else {
        qmap__powder_update_lines(m);
        for (int cycle = 0; cycle < 8 && rc == 0; cycle++) {
            for (int e = 0; e < (cycle == 0 ? 20 : 5); e++)
                lebail_extract(&f);
            for (int j = 0; j < f.n_par; j++)
                use[j] = cycle == 0 ? f.par[j].kind == P_BG : (cycle == 1 ? stage[j] <= 1 : 1);
            rc = run_lsq(&f, use, o->max_iter, su, res);
        }
        if (rc == 0)
            lebail_extract(&f);
    }
    if (rc < 0)
        goto done;
    res->n_par = f.n_par;
    for (int j = 0; j < f.n_par; j++) {
        snprintf(res->name[j], sizeof res->name[j], "%s", f.par[j].name);
        res->value[j] = get_param(&f, &f.par[j]);
        res->su[j] = su[j];
    }
    statistics(&f, res);
done:
    free(f.ycalc);
    return rc;
}
