/* test_geometry_xu.c -- qmap_pixel_q against FRESH random cases from xrayutilities.
 *
 * The stored references (test_geometry.c) only cover hand-picked geometries; this test runs
 * tests/xu_random_cases.py ($QMAP_SRC) with $PYTHON (default /usr/bin/python3) through popen,
 * so every run draws new energies, distances, pixel sizes, centres and angle sets (negative
 * ones included) and requires agreement to 1e-9 relative. A missing xrayutilities is a
 * FAILURE, not a skip: CI installs python3-xrayutilities. Set QMAP_XU_SEED to replay a run.
 */
#include "xu_cases.h"

#define N_CASES 24
#define N_PIXELS 24

/* "case E D pw1 pw2 cch1 cch2 N1 N2 eta phi nu delta npix" -> transform; returns npix or -1. */
static int parse_case(const char *line, qmap_q_transform *t, char *desc, size_t cap)
{
    qmap_detector_geometry g;
    qmap_angles a;
    int npix;
    if (sscanf(line, "case %lf %lf %lf %lf %lf %lf %d %d %lf %lf %lf %lf %d", &g.energy_ev,
               &g.distance_m, &g.pixel_row_m, &g.pixel_col_m, &g.center_row, &g.center_col,
               &g.n_rows, &g.n_cols, &a.eta, &a.phi, &a.nu, &a.delta, &npix) != 13)
        return -1;
    snprintf(desc, cap, "E=%.1f eV D=%.3f m px=%.3g/%.3g m c=(%.2f, %.2f) %dx%d "
             "eta=%.3f phi=%.3f nu=%.3f del=%.3f", g.energy_ev, g.distance_m, g.pixel_row_m,
             g.pixel_col_m, g.center_row, g.center_col, g.n_rows, g.n_cols, a.eta, a.phi, a.nu,
             a.delta);
    qmap_q_transform_init(t, &g, &a);
    return npix;
}

int main(void)
{
    int ok = xu_cases_run("xu_random_cases.py", N_CASES, N_PIXELS, parse_case);
    printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
