/* test_crystal.c -- crystal structures from CIFs written for the tests in ICSD and COD
 * layouts (tests/data): cell and su, space-group symbol, symmetry-operation parsing,
 * expansion to the full cell (Wyckoff multiplicities), d-spacings against the closed-form
 * hexagonal and cubic formulas, and d, |Q|, |F| against Debian's python3-xrayutilities
 * (tests/xu_crystal_ref.py, run now with $PYTHON; a missing xrayutilities FAILS). */
#include "check.h"
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char src_dir[2048];

static qmap_crystal *load(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/%s", src_dir, name);
    qmap_crystal *c = qmap_crystal_read(path);
    CHECK(c != NULL, "%s: %s", name, qmap_error_message());
    return c;
}

static double hex_d(double a, double c, int h, int k, int l)
{
    return 1.0 / sqrt(4.0 * (h * h + h * k + k * k) / (3.0 * a * a) + l * l / (c * c));
}

static void test_symops(void)
{
    qmap_symop op;
    CHECK(qmap_symop_parse("-x+1/2, y ,-Z", &op) == 0, "%s", qmap_error_message());
    CHECK(op.r[0][0] == -1 && op.r[1][1] == 1 && op.r[2][2] == -1 && op.t[0] == 0.5 &&
          op.t[1] == 0 && op.t[2] == 0, "-x+1/2,y,-z parsed wrong");
    CHECK(qmap_symop_parse("x-y,x,z+2/3", &op) == 0 && op.r[0][0] == 1 && op.r[0][1] == -1 &&
          op.r[1][0] == 1 && fabs(op.t[2] - 2.0 / 3) < 1e-15, "x-y,x,z+2/3 parsed wrong");
    CHECK(qmap_symop_parse("1/4+x,0.25-y,1/2*z", &op) == 0 && op.t[0] == 0.25 &&
          op.t[1] == 0.25 && op.r[1][1] == -1 && op.r[2][2] == 0.5, "1/4+x,0.25-y,1/2*z");
    const char *bad[] = {"x,y", "x,y,z,x", "x,,z", "x,y,w", "x,y,1/0", "x y,z", "", "x,y,z+"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(qmap_symop_parse(bad[i], &op) == QMAP_ERR_FORMAT &&
              strstr(qmap_error_message(), "symmetry operation"), "'%s' accepted", bad[i]);
}

static void test_linio2(void)
{
    qmap_crystal *c = load("LiNiO2_icsd.cif");
    if (!c)
        return;
    CHECK(c->cell[0] == 2.8776 && c->cell[2] == 14.192 && c->cell[5] == 120.0, "cell %g %g %g",
          c->cell[0], c->cell[2], c->cell[5]);
    CHECK(fabs(c->cell_su[0] - 0.0003) < 1e-15 && fabs(c->cell_su[2] - 0.0009) < 1e-15,
          "su %g %g", c->cell_su[0], c->cell_su[2]);
    CHECK(strcmp(c->hm_symbol, "R -3 m H") == 0 && c->it_number == 166, "space group '%s' %d",
          c->hm_symbol, c->it_number);
    CHECK(c->n_symops == 36, "symops %d", c->n_symops);
    CHECK(c->n_sites == 3 && c->n_atoms == 12, "sites %d atoms %d", c->n_sites, c->n_atoms);
    int want[3] = {3, 3, 6};
    for (int i = 0; i < c->n_sites && i < 3; i++)
        CHECK(c->sites[i].multiplicity == want[i], "%s multiplicity %d, want %d",
              c->sites[i].label, c->sites[i].multiplicity, want[i]);
    CHECK(strcmp(qmap_form_factor_name(c->sites[0].form_factor), "Li1+") == 0 &&
          strcmp(qmap_form_factor_name(c->sites[2].form_factor), "O2-") == 0, "ions %s %s",
          qmap_form_factor_name(c->sites[0].form_factor), qmap_form_factor_name(c->sites[2].form_factor));
    CHECK(fabs(c->sites[0].u_iso - 0.52 / (8 * M_PI * M_PI)) < 1e-15, "B_iso -> U_iso %g",
          c->sites[0].u_iso);
    int hkl[][3] = {{0, 0, 3}, {1, 0, 4}, {1, 0, 1}, {0, 1, 2}, {1, 1, 0}, {1, 0, 8}, {1, 1, 3}, {2, 1, 7}};
    for (size_t i = 0; i < sizeof hkl / sizeof hkl[0]; i++) {
        double h[3] = {hkl[i][0], hkl[i][1], hkl[i][2]};
        double d = qmap_crystal_d(c, h), ref = hex_d(2.8776, 14.192, hkl[i][0], hkl[i][1], hkl[i][2]);
        CHECK(fabs(d - ref) < 1e-12 * ref, "d(%d%d%d) %.15g, hexagonal formula %.15g", hkl[i][0],
              hkl[i][1], hkl[i][2], d, ref);
    }
    /* R-3m reflection condition -h+k+l = 3n: 100 and 001 are extinct */
    double re, im, h100[3] = {1, 0, 0}, h001[3] = {0, 0, 1}, h003[3] = {0, 0, 3};
    qmap_crystal_structure_factor(c, h100, 0.0, &re, &im);
    CHECK(hypot(re, im) < 1e-9, "|F(100)| = %g, extinct in R-3m", hypot(re, im));
    qmap_crystal_structure_factor(c, h001, 0.0, &re, &im);
    CHECK(hypot(re, im) < 1e-9, "|F(001)| = %g", hypot(re, im));
    qmap_crystal_structure_factor(c, h003, 0.0, &re, &im);
    CHECK(hypot(re, im) > 10, "|F(003)| = %g", hypot(re, im));
    qmap_crystal_free(c);
}

static void test_nmc_si(void)
{
    qmap_crystal *c = load("NMC622_icsd.cif");
    if (c) {
        CHECK(c->n_sites == 6 && c->n_atoms == 21, "NMC sites %d atoms %d", c->n_sites, c->n_atoms);
        for (int i = 0; i < c->n_sites; i++)
            CHECK(c->sites[i].multiplicity == (i == 5 ? 6 : 3), "%s multiplicity %d",
                  c->sites[i].label, c->sites[i].multiplicity);
        CHECK(fabs(c->sites[1].occupancy - 0.03) < 1e-15 && fabs(c->sites[1].occupancy_su - 0.01) < 1e-15,
              "antisite occupancy %g (%g)", c->sites[1].occupancy, c->sites[1].occupancy_su);
        double h[3] = {0, 0, 3};
        CHECK(fabs(qmap_crystal_d(c, h) - 14.2115 / 3) < 1e-12, "NMC d003 %.12g", qmap_crystal_d(c, h));
        qmap_crystal_free(c);
    }
    c = load("Si_cod.cif");
    if (c) {
        CHECK(c->n_symops == 192 && c->n_atoms == 8 && c->sites[0].multiplicity == 8,
              "Si symops %d atoms %d", c->n_symops, c->n_atoms);
        CHECK(c->it_number == 227 && strcmp(c->hm_symbol, "F d -3 m :1") == 0, "Si group %s",
              c->hm_symbol);
        double h[3] = {1, 1, 1}, h2[3] = {2, 0, 0}, re, im;
        CHECK(fabs(qmap_crystal_d(c, h) - 5.4309 / sqrt(3)) < 1e-12, "Si d111");
        qmap_crystal_structure_factor(c, h2, 0.0, &re, &im);
        CHECK(hypot(re, im) < 1e-9, "Si 200 forbidden, |F| %g", hypot(re, im));
        qmap_crystal_free(c);
    }
}

/* d, |Q| and |F| against xrayutilities for each CIF at two energies. */
static void test_against_xu(const char *name, const char *hkls)
{
    qmap_crystal *c = load(name);
    if (!c)
        return;
    const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/xu_crystal_ref.py' '%s/tests/data/%s' 9000 %s", py,
             src_dir, src_dir, name, hkls);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL, "cannot run %s", cmd);
    int n = 0;
    char line[512];
    while (p && fgets(line, sizeof line, p)) {
        int h, k, l, natoms;
        double d, q, f;
        if (sscanf(line, "refl %d %d %d %lf %lf %lf %d", &h, &k, &l, &d, &q, &f, &natoms) != 7)
            continue;
        n++;
        double hkl[3] = {h, k, l}, re, im, qv[3];
        qmap_crystal_q(c, hkl, qv);
        double mine_d = qmap_crystal_d(c, hkl), mine_q = sqrt(qv[0] * qv[0] + qv[1] * qv[1] + qv[2] * qv[2]);
        qmap_crystal_structure_factor(c, hkl, 0.0, &re, &im);
        double mine_f = hypot(re, im);
        CHECK(fabs(mine_d - d) < 1e-10 * d, "%s %d%d%d: d %.15g, xu %.15g", name, h, k, l, mine_d, d);
        CHECK(fabs(mine_q - q) < 1e-10 * q, "%s %d%d%d: Q %.15g, xu %.15g", name, h, k, l, mine_q, q);
        CHECK(fabs(mine_f - f) < 1e-5 * (f + 1e-3) + 1e-9, "%s %d%d%d: |F| %.10g, xu %.10g", name, h,
              k, l, mine_f, f);
        CHECK(natoms == c->n_atoms, "%s: %d atoms in the cell, xu %d", name, c->n_atoms, natoms);
    }
    int status = p ? pclose(p) : -1;
    CHECK(status == 0 && n > 0, "%s: xrayutilities reference failed (status %d, %d lines): is "
          "python3-xrayutilities installed for %s?", name, status, n, py);
    qmap_crystal_free(c);
}

/* The tabulated Cromer-Mann coefficients must give f0(0) = number of electrons (Z minus the
 * ion charge) within the fit accuracy: an independent check of every table entry. */
static void test_form_factor_table(void)
{
    int n = 0;
    for (int i = 0; ; i++) {
        const char *name = qmap_form_factor_name(i);
        if (strcmp(name, "?") == 0)
            break;
        n++;
        char el[4] = {0};
        int k = 0;
        while (k < 2 && ((k == 0 && name[k] >= 'A' && name[k] <= 'Z') || (k == 1 && name[k] >= 'a' && name[k] <= 'z')))
            el[k] = name[k], k++;
        int charge = 0;
        if (name[k] >= '0' && name[k] <= '9' && (name[k + 1] == '+' || name[k + 1] == '-'))
            charge = (name[k] - '0') * (name[k + 1] == '+' ? 1 : -1);
        int z_idx = qmap_form_factor_lookup(el);
        double electrons = qmap_form_factor(z_idx, 0.0) - charge;   /* neutral f0(0) ~ Z */
        CHECK(fabs(qmap_form_factor(i, 0.0) - electrons) < 0.05 + 0.01 * electrons,
              "%s: f0(0) = %.4f, want %.4f electrons", name, qmap_form_factor(i, 0.0), electrons);
        CHECK(qmap_form_factor(i, 1.5) < qmap_form_factor(i, 0.0), "%s: f0 does not decrease", name);
    }
    CHECK(n > 200, "only %d form-factor entries", n);
    CHECK(fabs(qmap_form_factor(qmap_form_factor_lookup("Si"), 0.0) - 14) < 0.01, "Si f0(0)");
    CHECK(fabs(qmap_form_factor(qmap_form_factor_lookup("Ni"), 0.0) - 28) < 0.02, "Ni f0(0)");
    CHECK(strcmp(qmap_form_factor_name(qmap_form_factor_lookup("Ni+3")), "Ni3+") == 0 &&
          strcmp(qmap_form_factor_name(qmap_form_factor_lookup("Co4+")), "Co") == 0 &&
          strcmp(qmap_form_factor_name(qmap_form_factor_lookup("NI")), "Ni") == 0,
          "type-symbol lookup");
}

int main(void)
{
    test_form_factor_table();
    const char *s = getenv("QMAP_SRC");
    snprintf(src_dir, sizeof src_dir, "%s", s ? s : "..");
    test_symops();
    test_linio2();
    test_nmc_si();
    test_against_xu("LiNiO2_icsd.cif", "0,0,3 1,0,4 1,0,1 0,1,2 0,0,6 1,1,0 1,0,8 1,1,3 0,1,5 2,0,2 1,0,0");
    test_against_xu("NMC622_icsd.cif", "0,0,3 1,0,4 1,0,1 0,0,6 1,1,0 1,0,7 0,1,8");
    test_against_xu("Si_cod.cif", "1,1,1 2,2,0 3,1,1 4,0,0 3,3,1 4,2,2 2,0,0 2,2,2");
    if (failures)
        fprintf(stderr, "test_crystal: %d failures\n", failures);
    return failures != 0;
}
