/* test_geometry_calib.c -- qmap_q_transform_init_calib (mu, detrot, tilt, tiltazimuth;
 * issue 11) against FRESH random cases from xrayutilities.
 *
 * Runs tests/xu_calib_cases.py ($QMAP_SRC) with $PYTHON (default /usr/bin/python3) through
 * popen: every run draws new geometries, angles (mu, eta, phi, nu, delta) and detector
 * calibrations, converted by xrayutilities' own QConversion.init_area(..., detrot=, tilt=,
 * tiltazimuth=) + area(); agreement to 1e-9 relative is required. A missing xrayutilities is
 * a FAILURE, not a skip. Set QMAP_XU_SEED to replay a run. A case with all calibration
 * angles zero must also equal qmap_q_transform_init exactly (bit for bit).
 */
#include "qmap/geometry_calib.h"
#include "xu_cases.h"

#define N_CASES 40
#define N_PIXELS 24

static int zero_identical_failures, zero_cases;

/* "case E D pw1 pw2 cch1 cch2 N1 N2 mu eta phi nu delta detrot tilt tiltazimuth npix" ->
 * transform; returns npix or -1. */
static int parse_case(const char *line, qmap_q_transform *t, char *desc, size_t cap)
{
    qmap_detector_geometry g;
    qmap_angles a;
    qmap_detector_calib c;
    int npix;
    if (sscanf(line, "case %lf %lf %lf %lf %lf %lf %d %d %lf %lf %lf %lf %lf %lf %lf %lf %d",
               &g.energy_ev, &g.distance_m, &g.pixel_row_m, &g.pixel_col_m, &g.center_row,
               &g.center_col, &g.n_rows, &g.n_cols, &c.mu, &a.eta, &a.phi, &a.nu, &a.delta,
               &c.detrot, &c.tilt, &c.tiltazimuth, &npix) != 17)
        return -1;
    snprintf(desc, cap, "E=%.1f eV D=%.3f m px=%.3g/%.3g m c=(%.2f, %.2f) %dx%d mu=%.3f "
             "eta=%.3f phi=%.3f nu=%.3f del=%.3f detrot=%.3f tilt=%.3f az=%.3f", g.energy_ev,
             g.distance_m, g.pixel_row_m, g.pixel_col_m, g.center_row, g.center_col, g.n_rows,
             g.n_cols, c.mu, a.eta, a.phi, a.nu, a.delta, c.detrot, c.tilt, c.tiltazimuth);
    qmap_q_transform_init_calib(t, &g, &a, &c);
    if (c.mu == 0 && c.detrot == 0 && c.tilt == 0) {
        qmap_q_transform plain;
        qmap_q_transform_init(&plain, &g, &a);
        double q1[3], q2[3];
        qmap_pixel_q(t, 17.25, 3.5, q1);
        qmap_pixel_q(&plain, 17.25, 3.5, q2);
        zero_cases++;
        zero_identical_failures += memcmp(q1, q2, sizeof q1) != 0;
    }
    return npix;
}

int main(void)
{
    int ok = xu_cases_run("xu_calib_cases.py", N_CASES, N_PIXELS, parse_case);
    if (zero_identical_failures) {
        printf("FAIL %d of %d cases without calibration differ from qmap_q_transform_init\n",
               zero_identical_failures, zero_cases);
        ok = 0;
    }
    printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
