/* test_hkl.c -- reflection angles at ID01: the sample frame from in-plane/out-of-plane
 * directions and the closed-form (eta, phi, nu = 0, delta), against xrayutilities
 * (xu.FourC + Q2AngFit as sxdm's calc_refl_id01, run now through tests/xu_crystal_ref.py;
 * a missing xrayutilities FAILS), and self-consistency: every solution fed back through
 * qmap_pixel_q at the centre pixel reproduces Q to 1e-9. */
#include "check.h"
#include "qmap/crystal.h"
#include "qmap/error.h"
#include "qmap/geometry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char src_dir[2048];

/* Q at the detector centre pixel for angles a. */
static void centre_q(double energy, const qmap_angles *a, double q[3])
{
    qmap_detector_geometry g = {energy, 0.9, 55e-6, 55e-6, 256.0, 256.0, 516, 516};
    qmap_q_transform t;
    qmap_q_transform_init(&t, &g, a);
    qmap_pixel_q(&t, 256.0, 256.0, q);
}

static int n_compared, n_unconverged;

/* Start xrayutilities for one case (the cases run in parallel: SLSQP takes seconds). */
static FILE *start_xu(const char *cif, double energy, const char *ip, const char *oop, const char *hkls)
{
    char path[4096], cmd[8192];
    snprintf(path, sizeof path, "%s/tests/data/%s", src_dir, cif);
    const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/xu_crystal_ref.py' '%s' %.17g --ip %s --oop %s %s",
             py, src_dir, path, energy, ip, oop, hkls);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL, "cannot run %s", cmd);
    return p;
}

static void compare(FILE *p, const char *cif, double energy, const char *ip, const char *oop)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/%s", src_dir, cif);
    qmap_crystal *c = qmap_crystal_read(path);
    CHECK(c != NULL, "%s: %s", cif, qmap_error_message());
    if (!c) {
        if (p)
            pclose(p);
        return;
    }
    double ipv[3], oopv[3];
    sscanf(ip, "%lf,%lf,%lf", &ipv[0], &ipv[1], &ipv[2]);
    sscanf(oop, "%lf,%lf,%lf", &oopv[0], &oopv[1], &oopv[2]);
    char line[1024];
    int n = 0;
    while (p && fgets(line, sizeof line, p)) {
        int h, k, l;
        double xa[4], qerr, xq[3];
        if (sscanf(line, "angles %d %d %d %lf %lf %lf %lf %lf %lf %lf %lf", &h, &k, &l, &xa[0],
                   &xa[1], &xa[2], &xa[3], &qerr, &xq[0], &xq[1], &xq[2]) != 11)
            continue;
        n++;
        double hkl[3] = {h, k, l}, qs[3];
        CHECK(qmap_crystal_sample_q(c, hkl, ipv, oopv, qs) == 0, "%s", qmap_error_message());
        double qn = sqrt(qs[0] * qs[0] + qs[1] * qs[1] + qs[2] * qs[2]);
        for (int i = 0; i < 3; i++)
            CHECK(fabs(qs[i] - xq[i]) < 1e-12 * qn, "%s %d%d%d ip %s oop %s: sample-frame Q[%d] %.15g, xu %.15g",
                  cif, h, k, l, ip, oop, i, qs[i], xq[i]);
        qmap_angles sol[4];
        int ns = 0;
        int rc = qmap_angles_for_q(qs, energy, sol, &ns);
        if (rc < 0)
            ns = 0;
        CHECK(rc == 0 || qerr > 1e-6, "%s %d%d%d at %g eV: no solution (%s) but xu found one",
              cif, h, k, l, energy, qmap_error_message());
        for (int s = 0; s < ns; s++) {
            double q[3];
            centre_q(energy, &sol[s], q);
            for (int i = 0; i < 3; i++)
                CHECK(fabs(q[i] - qs[i]) < 1e-9 * qn, "%s %d%d%d solution %d (eta %.6f phi %.6f delta %.6f): "
                      "Q[%d] %.15g, want %.15g", cif, h, k, l, s, sol[s].eta, sol[s].phi, sol[s].delta,
                      i, q[i], qs[i]);
        }
        /* xrayutilities' numerical fit (SLSQP from all-zero angles) must land on one of the
         * closed-form solutions when it converges; when it does not (it can stop on a bound),
         * the closed form must either have none either or reproduce Q (checked above) */
        int match = -1;
        for (int s = 0; s < ns && match < 0; s++)
            if (fabs(sol[s].eta - xa[0]) < 1e-5 && fabs(sol[s].phi - xa[1]) < 1e-5 &&
                fabs(xa[2]) < 1e-9 && fabs(sol[s].delta - xa[3]) < 1e-5)
                match = s;
        if (qerr < 1e-6) {
            CHECK(match >= 0, "%s %d%d%d at %g eV (ip %s, oop %s): xu eta %.6f phi %.6f delta %.6f "
                  "not among qmap's %d solutions (first eta %.6f phi %.6f delta %.6f)", cif, h, k,
                  l, energy, ip, oop, xa[0], xa[1], xa[3], ns, ns ? sol[0].eta : NAN,
                  ns ? sol[0].phi : NAN, ns ? sol[0].delta : NAN);
            n_compared++;
        } else {
            fprintf(stderr, "note: %s %d%d%d at %g eV (ip %s, oop %s): xu's fit did not converge "
                    "(q error %.3g); qmap: %d solution(s)%s\n", cif, h, k, l, energy, ip, oop, qerr,
                    ns, ns ? ", each reproducing Q" : "");
            n_unconverged++;
        }
    }
    int status = p ? pclose(p) : -1;
    CHECK(status == 0 && n > 0, "xrayutilities reference failed (status %d, %d lines) for %s: is "
          "python3-xrayutilities installed?", status, n, cif);
    qmap_crystal_free(c);
}

static void test_unreachable(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/Si_cod.cif", src_dir);
    qmap_crystal *c = qmap_crystal_read(path);
    if (!c)
        return;
    double ip[3] = {1, 0, 0}, oop[3] = {0, 0, 1}, qs[3];
    qmap_angles sol[4];
    int n;
    double h444[3] = {4, 4, 4}, h00m4[3] = {0, 0, -4}, h800[3] = {8, 8, 8};
    qmap_crystal_sample_q(c, h444, ip, oop, qs);
    CHECK(qmap_angles_for_q(qs, 8000, sol, &n) == QMAP_ERR_VALUE &&
          strstr(qmap_error_message(), "delta limit"), "Si 444 at 8 keV: %s", qmap_error_message());
    qmap_crystal_sample_q(c, h800, ip, oop, qs);
    CHECK(qmap_angles_for_q(qs, 8000, sol, &n) == QMAP_ERR_VALUE &&
          strstr(qmap_error_message(), "Ewald"), "Si 888 at 8 keV: %s", qmap_error_message());
    qmap_crystal_sample_q(c, h00m4, ip, oop, qs);
    CHECK(qmap_angles_for_q(qs, 9000, sol, &n) == QMAP_ERR_VALUE &&
          strstr(qmap_error_message(), "eta outside"), "Si 00-4: %s", qmap_error_message());
    CHECK(qmap_crystal_sample_q(c, h444, oop, oop, qs) == QMAP_ERR_VALUE, "ip parallel to oop");
    qmap_crystal_free(c);
}

int main(void)
{
    const char *s = getenv("QMAP_SRC");
    snprintf(src_dir, sizeof src_dir, "%s", s ? s : "..");
    /* SLSQP needs seconds for reflections off the phi = 0 plane: a few of each kind, the
     * five xrayutilities runs in parallel */
    static const struct { const char *cif; double energy; const char *ip, *oop, *hkls; } cases[] = {
        {"LiNiO2_icsd.cif", 9000, "1,0,0", "0,0,1", "0,0,3 1,0,4 0,1,5 1,0,-2"},
        {"LiNiO2_icsd.cif", 8000, "1,1,0", "0,0,1", "1,0,4 0,1,2 1,1,0"},
        {"NMC622_icsd.cif", 10500, "1,0,0", "0,0,1", "0,0,3 1,0,1 0,0,9"},
        {"NMC622_icsd.cif", 9000, "0,0,1", "1,0,4", "1,0,4 1,1,3"},
        {"Si_cod.cif", 8500, "1,1,0", "0,0,1", "0,0,4 1,1,1"},
    };
    FILE *runs[5];
    for (int i = 0; i < 5; i++)
        runs[i] = start_xu(cases[i].cif, cases[i].energy, cases[i].ip, cases[i].oop, cases[i].hkls);
    for (int i = 0; i < 5; i++)
        compare(runs[i], cases[i].cif, cases[i].energy, cases[i].ip, cases[i].oop);
    test_unreachable();
    CHECK(n_compared >= 9, "only %d reflections compared with xrayutilities", n_compared);
    if (failures)
        fprintf(stderr, "test_hkl: %d failures\n", failures);
    return failures != 0;
}
