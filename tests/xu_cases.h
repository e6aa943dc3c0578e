/* xu_cases.h -- the harness of the tests that check qmap_pixel_q against FRESH random cases
 * from an xrayutilities script (test_geometry_xu.c, test_geometry_calib.c): runs
 * tests/SCRIPT with $PYTHON (default /usr/bin/python3) from $QMAP_SRC through popen, reads
 * its "seed N", "case ..." lines (each followed by its pixel lines "i j qx qy qz") and "end",
 * and requires every pixel to agree to 1e-9 relative. The test gives the parser of its case
 * line (the geometry it describes and the transform it builds). A missing xrayutilities is a
 * FAILURE, not a skip. Header-only, like check.h. */
#ifndef QMAP_TEST_XU_CASES_H
#define QMAP_TEST_XU_CASES_H

#include "qmap/geometry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define XU_REL_TOL 1e-9

/* A case line -> *t and a description; returns its number of pixel lines, or -1. */
typedef int (*xu_parse_case_fn)(const char *line, qmap_q_transform *t, char *desc, size_t cap);

typedef struct {
    int cases, pixels, failed;
    double worst_rel;
    char worst[512];
    long seed;
    int saw_end;
} xu_tally;

static double xu_norm3(const double v[3])
{
    return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

static void xu_check_pixel(xu_tally *s, const qmap_q_transform *t, const char *desc, int i, int j,
                           const double ref[3], double floor_q)
{
    double q[3], d[3];
    qmap_pixel_q(t, i, j, q);
    for (int k = 0; k < 3; k++)
        d[k] = q[k] - ref[k];
    double rel = xu_norm3(d) / fmax(xu_norm3(ref), floor_q);
    s->pixels++;
    if (!(rel <= XU_REL_TOL) && s->failed++ < 10)
        printf("FAIL [%s] pixel (%d, %d): qmap (%.17g, %.17g, %.17g) xu (%.17g, %.17g, %.17g) "
               "rel %.3g\n", desc, i, j, q[0], q[1], q[2], ref[0], ref[1], ref[2], rel);
    if (rel > s->worst_rel || rel != rel) {
        s->worst_rel = rel;
        snprintf(s->worst, sizeof s->worst, "[%s] (%d, %d)", desc, i, j);
    }
}

/* One case body (npix pixel lines), checked. Returns 0, or -1 on a short read. */
static int xu_check_case(FILE *p, xu_tally *s, const qmap_q_transform *t, const char *desc, int npix)
{
    char line[512];
    int ij[256][2];
    double q[256][3], scale = 0;
    if (npix <= 0 || npix > 256)
        return -1;
    for (int k = 0; k < npix; k++) {
        if (!fgets(line, sizeof line, p) ||
            sscanf(line, "%d %d %lf %lf %lf", &ij[k][0], &ij[k][1], &q[k][0], &q[k][1], &q[k][2]) != 5)
            return -1;
        scale = fmax(scale, xu_norm3(q[k]));
    }
    for (int k = 0; k < npix; k++)
        xu_check_pixel(s, t, desc, ij[k][0], ij[k][1], q[k], 1e-3 * scale);
    s->cases++;
    return 0;
}

static int xu_read_stream(FILE *p, xu_tally *s, const char *script, xu_parse_case_fn parse)
{
    char line[1024], desc[256];
    while (fgets(line, sizeof line, p)) {
        qmap_q_transform t;
        if (!strncmp(line, "seed ", 5)) {
            s->seed = atol(line + 5);
        } else if (!strncmp(line, "case ", 5)) {
            int npix = parse(line, &t, desc, sizeof desc);
            if (npix < 0 || xu_check_case(p, s, &t, desc, npix) < 0) {
                printf("FAIL malformed output from %s near: %s", script, line);
                return -1;
            }
        } else if (!strncmp(line, "end", 3)) {
            s->saw_end = 1;
        } else if (line[0] == '#') {
            printf("%s", line);
        }
    }
    return 0;
}

/* Run tests/script for n_cases cases of n_pixels pixels and check them all: 1 when every
 * case came and agreed, 0 otherwise (the reasons printed, with the seed to replay). */
static int xu_cases_run(const char *script, int n_cases, int n_pixels, xu_parse_case_fn parse)
{
    const char *src = getenv("QMAP_SRC");
    const char *py = getenv("PYTHON");
    char cmd[8192];
    xu_tally s = {0};
    if (!py || !*py)
        py = "/usr/bin/python3";
    if (!src) {
        printf("FAIL QMAP_SRC is not set (CTest sets it to the source tree)\n");
        return 0;
    }
    snprintf(cmd, sizeof cmd, "'%s' '%s/tests/%s' --cases %d --pixels %d", py, src, script, n_cases, n_pixels);
    printf("running: %s\n", cmd);
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p) {
        printf("FAIL cannot start %s\n", py);
        return 0;
    }
    int rs = xu_read_stream(p, &s, script, parse);
    int st = pclose(p);
    int rc = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
    if (rc != 0) {
        printf("FAIL %s exited with status %d: %s has no usable xrayutilities "
               "(install python3-xrayutilities / python3-numpy for that interpreter) or the "
               "script failed (see stderr above)\n", script, rc, py);
        return 0;
    }
    printf("seed %ld: %d random cases, %d pixels, %d failed; max relative deviation %.3g at %s\n",
           s.seed, s.cases, s.pixels, s.failed, s.worst_rel, s.worst);
    if (!s.saw_end || s.cases != n_cases)
        printf("FAIL expected %d cases and an end marker, got %d cases\n", n_cases, s.cases);
    if (s.failed)
        printf("replay with QMAP_XU_SEED=%ld\n", s.seed);
    return rs == 0 && s.saw_end && s.cases == n_cases && s.failed == 0;
}

#endif
