/* crystal.c -- build a qmap_crystal from a parsed CIF block: cell with su, space-group
 * symbol and number, the symmetry operations listed in the file, and the atom sites,
 * expanded with those operations into the full unit cell.
 *
 * Design: the file's own operation list is the symmetry (databases list every operation,
 * centring translations included), so no space-group tables are needed; a file without
 * operations is accepted only for P 1. Expansion applies every operation to every site,
 * wraps to [0, 1) and merges images closer than 0.01 Angstrom (modulo lattice
 * translations), which gives special positions their true multiplicity even when the
 * coordinates are rounded (0.3333 for 1/3).
 */
#include "qmap/crystal.h"
#include "crystal_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MERGE_TOL_A 0.01

void qmap_crystal_free(qmap_crystal *c)
{
    if (!c)
        return;
    free(c->symops);
    free(c->sites);
    free(c->atoms);
    free(c);
}

qmap_crystal *qmap_crystal_copy(const qmap_crystal *c)
{
    qmap_crystal *d = calloc(1, sizeof *d);
    if (!d)
        goto nomem;
    *d = *c;
    d->symops = NULL;
    d->sites = NULL;
    d->atoms = NULL;
    d->symops = malloc((size_t)(c->n_symops ? c->n_symops : 1) * sizeof *d->symops);
    d->sites = malloc((size_t)(c->n_sites ? c->n_sites : 1) * sizeof *d->sites);
    d->atoms = malloc((size_t)(c->n_atoms ? c->n_atoms : 1) * sizeof *d->atoms);
    if (!d->symops || !d->sites || !d->atoms)
        goto nomem;
    memcpy(d->symops, c->symops, (size_t)c->n_symops * sizeof *d->symops);
    memcpy(d->sites, c->sites, (size_t)c->n_sites * sizeof *d->sites);
    memcpy(d->atoms, c->atoms, (size_t)c->n_atoms * sizeof *d->atoms);
    return d;
nomem:
    qmap_crystal_free(d);
    qmap_error(QMAP_ERR_NOMEM, "out of memory copying crystal %s", c->name);
    return NULL;
}

/* A required number from a single item; message names source, block, tag. */
static int item_number(const qmap_cif_block *b, const char *src, const char *tag, double *v,
                       double *su)
{
    const qmap_cif_value *val = qmap_cif_find(b, tag);
    if (!val)
        return qmap_error(QMAP_ERR_FORMAT, "%s: block %s: %s is missing", src, b->name, tag);
    if (qmap_cif_number(val, v, su) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: block %s: %s (line %d) is '%.40s', not a number",
                          src, b->name, tag, val->line, val->text);
    return 0;
}

static const qmap_cif_value *find_any(const qmap_cif_block *b, const char *const *tags)
{
    for (int i = 0; tags[i]; i++) {
        const qmap_cif_value *v = qmap_cif_find(b, tags[i]);
        if (v && v->kind == QMAP_CIF_VALUE)
            return v;
    }
    return NULL;
}

static int read_symops(qmap_crystal *c, const qmap_cif_block *b, const char *src)
{
    static const char *const tags[] = {"_symmetry_equiv_pos_as_xyz",
                                       "_space_group_symop_operation_xyz",
                                       "_space_group_symop.operation_xyz", NULL};
    const qmap_cif_loop *loop = NULL;
    const qmap_cif_value *single = NULL;
    int col = 0;
    for (int i = 0; tags[i] && !loop && !single; i++) {
        loop = qmap_cif_find_loop(b, tags[i], &col);
        if (!loop)
            single = qmap_cif_find(b, tags[i]);
    }
    size_t n = loop ? loop->n_rows : single ? 1 : 0;
    if (n == 0) {
        char compact[64] = "";
        for (size_t i = 0, j = 0; c->hm_symbol[i] && j + 1 < sizeof compact; i++)
            if (c->hm_symbol[i] != ' ')
                compact[j++] = c->hm_symbol[i], compact[j] = '\0';
        if (strcmp(compact, "P1") != 0 && c->it_number != 1)
            return qmap_error(QMAP_ERR_FORMAT, "%s: block %s: no symmetry operations "
                              "(_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz) "
                              "for space group '%s'; qmap needs the operations listed in the file",
                              src, b->name, c->hm_symbol[0] ? c->hm_symbol : "?");
        n = 1;
    }
    if (n > 1000)
        return qmap_error(QMAP_ERR_FORMAT, "%s: block %s: %zu symmetry operations (at most 192 "
                          "expected)", src, b->name, n);
    c->symops = calloc(n, sizeof *c->symops);
    if (!c->symops)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", src);
    c->n_symops = (int)n;
    if (!loop && !single) {
        for (int i = 0; i < 3; i++)
            c->symops[0].r[i][i] = 1.0;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const qmap_cif_value *v = loop ? &loop->values[i * (size_t)loop->n_tags + (size_t)col] : single;
        qmap_symop *op = &c->symops[i];
        if (qmap_symop_parse(v->text, op) < 0)
            return qmap_error_prefix(QMAP_ERR_FORMAT, "%s: line %d", src, v->line);
        double det = op->r[0][0] * (op->r[1][1] * op->r[2][2] - op->r[1][2] * op->r[2][1]) -
                     op->r[0][1] * (op->r[1][0] * op->r[2][2] - op->r[1][2] * op->r[2][0]) +
                     op->r[0][2] * (op->r[1][0] * op->r[2][1] - op->r[1][1] * op->r[2][0]);
        if (fabs(fabs(det) - 1.0) > 1e-9)
            return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: symmetry operation '%.60s' has "
                              "determinant %g (a symmetry operation has +-1)", src, v->line,
                              v->text, det);
    }
    return 0;
}

/* Optional number in a loop row: default when absent, '?' or '.'. */
static int row_number(const qmap_cif_loop *l, size_t row, int col, double def, double *v,
                      double *su, const char *src, const char *tag)
{
    *v = def;
    if (su)
        *su = 0.0;
    if (col < 0)
        return 0;
    const qmap_cif_value *val = &l->values[row * (size_t)l->n_tags + (size_t)col];
    if (val->kind != QMAP_CIF_VALUE)
        return 0;
    if (qmap_cif_number(val, v, su) < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: %s is '%.40s', not a number", src,
                          val->line, tag, val->text);
    return 0;
}

static int read_sites(qmap_crystal *c, const qmap_cif_block *b, const char *src)
{
    int cx, cy, cz;
    const qmap_cif_loop *l = qmap_cif_find_loop(b, "_atom_site_fract_x", &cx);
    if (!l)
        return qmap_error(QMAP_ERR_FORMAT, "%s: block %s: no atom sites (_atom_site_fract_x loop)",
                          src, b->name);
    cy = qmap_cif_loop_column(l, "_atom_site_fract_y");
    cz = qmap_cif_loop_column(l, "_atom_site_fract_z");
    int clabel = qmap_cif_loop_column(l, "_atom_site_label");
    int ctype = qmap_cif_loop_column(l, "_atom_site_type_symbol");
    int cocc = qmap_cif_loop_column(l, "_atom_site_occupancy");
    int cu = qmap_cif_loop_column(l, "_atom_site_U_iso_or_equiv");
    int cb = qmap_cif_loop_column(l, "_atom_site_B_iso_or_equiv");
    if (cy < 0 || cz < 0 || (clabel < 0 && ctype < 0))
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: atom-site loop lacks _atom_site_fract_y/z "
                          "or both _atom_site_label and _atom_site_type_symbol", src, l->line);
    if (l->n_rows > 100000)
        return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: %zu atom sites (too many)", src, l->line,
                          l->n_rows);
    c->sites = calloc(l->n_rows, sizeof *c->sites);
    if (!c->sites)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", src);
    c->n_sites = (int)l->n_rows;
    for (size_t i = 0; i < l->n_rows; i++) {
        qmap_atom_site *s = &c->sites[i];
        const qmap_cif_value *row = &l->values[i * (size_t)l->n_tags];
        const char *label = clabel >= 0 ? row[clabel].text : row[ctype].text;
        const char *type = ctype >= 0 && row[ctype].kind == QMAP_CIF_VALUE ? row[ctype].text : label;
        snprintf(s->label, sizeof s->label, "%s", label);
        snprintf(s->type, sizeof s->type, "%s", type);
        s->form_factor = qmap_form_factor_lookup(type);
        if (s->form_factor < 0)
            return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: atom site '%s': type '%s' is not a "
                              "chemical element", src, row[0].line, s->label, type);
        static const char *const xyz_tags[3] = {"_atom_site_fract_x", "_atom_site_fract_y",
                                                "_atom_site_fract_z"};
        int cols[3] = {cx, cy, cz};
        for (int k = 0; k < 3; k++) {
            const qmap_cif_value *v = &row[cols[k]];
            if (qmap_cif_number(v, &s->xyz[k], &s->xyz_su[k]) < 0 || !isfinite(s->xyz[k]) ||
                fabs(s->xyz[k]) > 1e6)
                return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: atom site '%s': %s is '%.40s', "
                                  "not a number", src, v->line, s->label, xyz_tags[k], v->text);
        }
        double biso = 0.0;
        if (row_number(l, i, cocc, 1.0, &s->occupancy, &s->occupancy_su, src, "_atom_site_occupancy") < 0 ||
            row_number(l, i, cu, 0.0, &s->u_iso, NULL, src, "_atom_site_U_iso_or_equiv") < 0 ||
            row_number(l, i, cb, 0.0, &biso, NULL, src, "_atom_site_B_iso_or_equiv") < 0)
            return QMAP_ERR_FORMAT;
        if (cu < 0 || row[cu].kind != QMAP_CIF_VALUE)
            s->u_iso = biso / (8.0 * M_PI * M_PI);
        if (!(s->occupancy >= 0.0 && s->occupancy <= 1.0 + 1e-6) || !(s->u_iso >= 0.0 && s->u_iso < 10.0))
            return qmap_error(QMAP_ERR_FORMAT, "%s: line %d: atom site '%s': occupancy %g or U_iso "
                              "%g A^2 out of range", src, row[0].line, s->label, s->occupancy, s->u_iso);
    }
    return 0;
}

/* Fractional difference to the nearest lattice translation, as a Cartesian length. */
static double periodic_distance(const qmap_crystal *c, const double p[3], const double q[3])
{
    double d[3], v[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        d[k] = p[k] - q[k];
        d[k] -= nearbyint(d[k]);
    }
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 3; j++)
            v[j] += d[k] * c->direct[k][j];
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

int qmap__crystal_expand_sites(qmap_crystal *c, const char *src)
{
    size_t cap = (size_t)c->n_sites * (size_t)c->n_symops;
    free(c->atoms);
    c->atoms = calloc(cap ? cap : 1, sizeof *c->atoms);
    if (!c->atoms)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory expanding the sites of %s", src);
    c->n_atoms = 0;
    for (int s = 0; s < c->n_sites; s++) {
        int first = c->n_atoms;
        for (int o = 0; o < c->n_symops; o++) {
            const qmap_symop *op = &c->symops[o];
            double p[3];
            for (int i = 0; i < 3; i++) {
                p[i] = op->t[i];
                for (int j = 0; j < 3; j++)
                    p[i] += op->r[i][j] * c->sites[s].xyz[j];
                p[i] -= floor(p[i]);
                if (p[i] >= 1.0 - 1e-12)
                    p[i] = 0.0;
            }
            int dup = 0;
            for (int a = first; a < c->n_atoms && !dup; a++)
                dup = periodic_distance(c, p, c->atoms[a].xyz) < MERGE_TOL_A;
            if (!dup) {
                c->atoms[c->n_atoms].site = s;
                memcpy(c->atoms[c->n_atoms].xyz, p, sizeof p);
                c->n_atoms++;
            }
        }
        c->sites[s].multiplicity = c->n_atoms - first;
    }
    return 0;
}

qmap_crystal *qmap_crystal_from_cif(const qmap_cif_block *b, const char *src)
{
    qmap_crystal *c = calloc(1, sizeof *c);
    if (!c) {
        qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", src);
        return NULL;
    }
    snprintf(c->name, sizeof c->name, "%s", b->name);
    static const char *const cell_tags[6] = {"_cell_length_a", "_cell_length_b", "_cell_length_c",
                                             "_cell_angle_alpha", "_cell_angle_beta",
                                             "_cell_angle_gamma"};
    double cell[6];
    for (int i = 0; i < 6; i++)
        if (item_number(b, src, cell_tags[i], &cell[i], &c->cell_su[i]) < 0)
            goto fail;
    if (qmap_crystal_set_cell(c, cell) < 0) {
        qmap_error_prefix(QMAP_ERR_FORMAT, "%s: block %s", src, b->name);
        goto fail;
    }
    static const char *const hm_tags[] = {"_symmetry_space_group_name_H-M",
                                          "_space_group_name_H-M_alt",
                                          "_space_group.name_H-M_alt", NULL};
    static const char *const it_tags[] = {"_symmetry_Int_Tables_number", "_space_group_IT_number",
                                          "_space_group.IT_number", NULL};
    const qmap_cif_value *hm = find_any(b, hm_tags), *it = find_any(b, it_tags);
    if (hm)
        snprintf(c->hm_symbol, sizeof c->hm_symbol, "%s", hm->text);
    double itn;
    if (it && qmap_cif_number(it, &itn, NULL) == 0 && itn >= 1 && itn <= 230)
        c->it_number = (int)itn;
    if (read_symops(c, b, src) < 0 || read_sites(c, b, src) < 0 || qmap__crystal_expand_sites(c, src) < 0)
        goto fail;
    return c;
fail:
    qmap_crystal_free(c);
    return NULL;
}

qmap_crystal *qmap_crystal_read(const char *path)
{
    qmap_cif *cif = qmap_cif_read(path);
    if (!cif)
        return NULL;
    qmap_crystal *c = NULL;
    int found = 0;
    for (int i = 0; i < cif->n_blocks && !found; i++) {
        if (qmap_cif_find(&cif->blocks[i], "_cell_length_a")) {
            found = 1;
            c = qmap_crystal_from_cif(&cif->blocks[i], path);
        }
    }
    if (!found)
        qmap_error(QMAP_ERR_FORMAT, "%s: no data block has a cell (_cell_length_a)", path);
    qmap_cif_free(cif);
    return c;
}
