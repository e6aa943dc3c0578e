/* test_anomalous.c -- anomalous dispersion against Debian's python3-xrayutilities
 * (tests/xu_dispersion_ref.py, run now with $PYTHON; a missing xrayutilities FAILS):
 * f', f'' of every element of LiNiO2, NMC622 and Si, and |F| with f0 + f' + i f'' within 1 %
 * at energies away from absorption edges (Cr, Co, Cu, Mo, Ag K-alpha1, 9, 12, 30, 60 keV).
 * Near the Ni K edge (table edge 8303 eV) both codes interpolate the same table, one in
 * ln E (qmap) and one linearly (xrayutilities), over a thinned versus the full grid: the
 * agreement there is printed and held to 1 % as well (found: 0.04 %). Also: the interpolation returns table
 * values at table energies, f'' is positive, the edge finder sees the Ni K edge, and
 * energies outside 1 keV .. 1 MeV are refused. */
#include "check.h"
#include "qmap/anomalous.h"
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char src_dir[2048];

static void compare(const char *name, const char *energies, const char *hkls, double f_tol,
                    double atom_tol)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/%s", src_dir, name);
    qmap_crystal *c = qmap_crystal_read(path);
    CHECK(c != NULL, "%s: %s", name, qmap_error_message());
    if (!c)
        return;
    const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/xu_dispersion_ref.py' '%s' %s %s", py, src_dir, path,
             energies, hkls);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL, "cannot run %s", cmd);
    char line[512];
    int n = 0;
    double worst = 0.0;
    while (p && fgets(line, sizeof line, p)) {
        int z, h, k, l;
        double e, f1, f2, f;
        if (sscanf(line, "atom %d %lf %lf %lf", &z, &e, &f1, &f2) == 4) {
            double m1, m2;
            CHECK(qmap_anomalous_factors(z, e, &m1, &m2) == 0, "Z %d at %g eV: %s", z, e,
                  qmap_error_message());
            CHECK(fabs(m1 - f1) <= atom_tol * (1 + fabs(f1)) && fabs(m2 - f2) <= atom_tol * (1 + fabs(f2)),
                  "%s: Z %d at %g eV: f' %.5f f'' %.5f, xrayutilities %.5f %.5f", name, z, e, m1, m2,
                  f1, f2);
        } else if (sscanf(line, "refl %lf %d %d %d %lf", &e, &h, &k, &l, &f) == 5) {
            double hkl[3] = {h, k, l}, re, im;
            qmap_crystal_structure_factor(c, hkl, e, &re, &im);
            double mine = hypot(re, im), rel = fabs(mine - f) / fmax(f, 1.0);
            worst = fmax(worst, rel);
            n++;
            CHECK(rel <= f_tol, "%s %d,%d,%d at %g eV: |F| %.5f, xrayutilities %.5f (%.2f %% of max(|F|, 1 e))", name,
                  h, k, l, e, mine, f, 100 * rel);
        }
    }
    int status = p ? pclose(p) : -1;
    CHECK(status == 0 && n > 0, "%s: xrayutilities reference failed (status %d, %d lines)", name,
          status, n);
    printf("%s at %s eV: %d reflections, largest |F| difference to xrayutilities %.3f %%\n", name,
           energies, n, 100 * worst);
    qmap_crystal_free(c);
}

static void test_interpolation(void)
{
    double f1, f2;
    /* Ni: table points of Kissel's file (kept by the thinning: edge region) */
    CHECK(qmap_anomalous_factors(28, 8288.19, &f1, &f2) == 0 && fabs(f1 + 6.90486) < 1e-4 &&
          fabs(f2 - 0.496038) < 1e-5, "Ni at a table energy: %g %g", f1, f2);
    /* f'' positive and smooth between edges: the log-log interpolation of a power law */
    for (double e = 1000; e < 1e6; e *= 1.07) {
        CHECK(qmap_anomalous_factors(29, e, &f1, &f2) == 0 && f2 > 0 && isfinite(f1),
              "Cu at %g eV: f' %g f'' %g", e, f1, f2);
    }
    /* the Ni K edge: f'' jumps by about 7 across it */
    double below, above;
    qmap_anomalous_factors(28, 8200, &f1, &below);
    qmap_anomalous_factors(28, 8400, &f1, &above);
    CHECK(above > 6 * below, "Ni f'' below/above the K edge %g %g", below, above);
    double edge = qmap_anomalous_near_edge(28, 8340, 0.01);
    CHECK(fabs(edge - 8303) < 5, "Ni K edge near 8340 eV: %g", edge);
    CHECK(qmap_anomalous_near_edge(28, 8047.78, 0.01) == 0, "no Ni edge within 1 %% of Cu K-alpha1");
    CHECK(qmap_anomalous_factors(28, 999, &f1, &f2) == QMAP_ERR_VALUE &&
          strstr(qmap_error_message(), "999"), "999 eV accepted");
    CHECK(qmap_anomalous_factors(28, 2e6, &f1, &f2) == QMAP_ERR_VALUE, "2 MeV accepted");
    CHECK(qmap_anomalous_factors(120, 8000, &f1, &f2) == QMAP_ERR_VALUE, "Z 120 accepted");
    /* every tabulated element has values at Cu K-alpha1 */
    for (int z = 1; z <= 99; z++)
        CHECK(qmap_anomalous_factors(z, 8047.78, &f1, &f2) == 0 && isfinite(f1) && f2 >= 0,
              "Z %d: %s", z, qmap_error_message());
}

int main(void)
{
    const char *s = getenv("QMAP_SRC");
    snprintf(src_dir, sizeof src_dir, "%s", s ? s : "..");
    test_interpolation();
    /* away from edges: Cr, Co, Cu, Mo, Ag K-alpha1, 9, 12, 30, 60 keV */
    const char *far = "5414.8,6930.3,8047.78,9000,12000,17479.3,22162.9,30000,60000";
    const char *layered = "0,0,3 1,0,1 0,0,6 0,1,2 1,0,4 0,1,5 0,0,9 1,0,7 0,1,8 1,1,0 1,1,3 0,2,1 1,1,6";
    compare("LiNiO2_icsd.cif", far, layered, 0.01, 0.01);
    compare("NMC622_icsd.cif", far, layered, 0.01, 0.01);
    compare("Si_cod.cif", far, "1,1,1 2,2,0 3,1,1 4,0,0 3,3,1 4,2,2 5,1,1 4,4,0 2,2,2 2,0,0", 0.01, 0.01);
    /* near the Ni K edge (8303 eV in the table; 8333 eV measured) */
    compare("LiNiO2_icsd.cif", "8250,8290,8320,8350,8400", layered, 0.01, 0.5);
    return failures != 0;
}
