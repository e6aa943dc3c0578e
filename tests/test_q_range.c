/* test_q_range.c -- the q range and the plans of the VOI computed on the detector's tiles
 * (issue 18, src/core/q_bounds.c, q_range.c, plan.c) are the numbers of the sweep over every
 * pixel: lo, hi and the natural step bit for bit, every plan pixel and its Q.
 *
 * 60 random cases: detectors of odd sizes (not multiples of the tile), energies, distances,
 * centres on and off the detector, detector and sample angles, calibration (mu, detrot,
 * tilt), eta out of order, masks from none to most pixels (single pixels, whole rows,
 * whole tiles), VOIs around a pixel's Q, tiny, or over everything. A detector that moves
 * between scans takes the every-pixel path. Mutation-checked: with the tiles' slack made
 * negative, or with the tiles never visited after their first pixel, this test fails.
 */
#include "check.h"
#include "q_range.h"
#include "plan.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double rnd(void)
{
    return rand() / (RAND_MAX + 1.0);
}

static double uniform(double a, double b)
{
    return a + (b - a) * rnd();
}

typedef struct {
    pipeline P;
    qmap_q_cache cache;
} fixture;

static void fixture_free(fixture *F)
{
    free(F->P.geom);
    free(F->P.angles);
    free(F->P.calib);
    free(F->P.mask);
    free(F->cache.d);
    qmap_q_bounds_free(&F->cache.bounds);
}

/* a random case; moving: the detector angle changes from scan to scan */
static int fixture_new(fixture *F, int c, int moving)
{
    memset(F, 0, sizeof *F);
    pipeline *P = &F->P;
    P->rows = 2 + rand() % 300;
    P->cols = 2 + rand() % 300;
    if (c % 7 == 0)   /* a Maxipix in full now and then */
        P->rows = P->cols = 516;
    P->n_pix = (size_t)P->rows * P->cols;
    P->n_scans = 1 + rand() % 12;
    P->geom = calloc(P->n_scans, sizeof *P->geom);
    P->angles = calloc(P->n_scans, sizeof *P->angles);
    P->calib = calloc(P->n_scans, sizeof *P->calib);
    P->mask = calloc(P->n_pix, 1);
    F->cache.d = malloc(3 * P->n_pix * sizeof *F->cache.d);
    P->qcache = &F->cache;
    if (!P->geom || !P->angles || !P->calib || !P->mask || !F->cache.d)
        return -1;
    qmap_detector_geometry g = {uniform(6000, 25000), uniform(0.2, 2.0), 55e-6, 55e-6,
                                uniform(-200, P->rows + 200), uniform(-200, P->cols + 200), P->rows, P->cols};
    if (c % 3 == 0)
        g.pixel_row_m = g.pixel_col_m = 75e-6;
    double delta = uniform(2, 60), nu = c % 2 ? uniform(-10, 10) : 0, phi = c % 4 ? 0 : uniform(-180, 180);
    qmap_detector_calib cal = {c % 5 ? 0 : uniform(-2, 2), c % 3 ? 0 : uniform(-3, 3), c % 4 ? 0 : uniform(-5, 5),
                               uniform(0, 360)};
    double eta0 = uniform(0, delta), deta = uniform(0.002, 0.2);
    for (int s = 0; s < P->n_scans; s++) {
        P->geom[s] = g;
        P->calib[s] = cal;
        int k = c % 2 ? (s * 5) % P->n_scans : s;   /* out of eta order half of the time */
        P->angles[s] = (qmap_angles){eta0 + k * deta + (c % 6 == 1 ? uniform(0, 1e-3) : 0), phi, nu,
                                     delta + (moving ? 0.01 * s : 0)};
    }
    double frac = (double[]){0, 0, 0.01, 0.1, 0.6, 0.97}[c % 6];
    for (size_t p = 0; p < P->n_pix; p++)
        P->mask[p] = rnd() < frac;
    if (c % 4 == 1)   /* whole rows and a block of tiles */
        for (int i = 0; i < P->rows; i++)
            for (int j = 0; j < P->cols; j++)
                if (i % 37 == 5 || (i >= 16 && i < 64 && j < 48))
                    P->mask[(size_t)i * P->cols + j] = 1;
    return 0;
}

static int same(const double *a, const double *b, int n)
{
    return memcmp(a, b, n * sizeof *a) == 0;
}

static void check_plans(fixture *F, const double voi[6], int c)
{
    pipeline *P = &F->P;
    qmap_scan_plan *tiled = calloc(P->n_scans, sizeof *tiled), *every = calloc(P->n_scans, sizeof *every);
    CHECK(tiled && every, "memory");
    if (!tiled || !every)
        return;
    int rc1 = qmap_build_plans(P, voi, tiled);
    qmap_q_cache *keep = P->qcache;
    qmap_q_cache plain = {0};
    plain.d = malloc(3 * P->n_pix * sizeof *plain.d);
    plain.bounds_state = -1;   /* the cache without tiles: every pixel */
    P->qcache = &plain;
    int rc2 = qmap_build_plans(P, voi, every);
    P->qcache = keep;
    CHECK(rc1 == QMAP_OK && rc2 == QMAP_OK, "case %d: plans rc %d %d", c, rc1, rc2);
    for (int s = 0; rc1 == QMAP_OK && rc2 == QMAP_OK && s < P->n_scans; s++) {
        const qmap_scan_plan *a = &tiled[s], *b = &every[s];
        int ok = a->n_pix == b->n_pix && a->row0 == b->row0 && a->row1 == b->row1 &&
                 memcmp(a->pix, b->pix, a->n_pix * sizeof *a->pix) == 0 &&
                 memcmp(a->q, b->q, 3 * a->n_pix * sizeof *a->q) == 0;
        CHECK(ok, "case %d scan %d: plan of %d pixels (rows %d-%d) on tiles, %d (rows %d-%d) over every pixel",
              c, s, a->n_pix, a->row0, a->row1, b->n_pix, b->row0, b->row1);
    }
    for (int s = 0; s < P->n_scans; s++) {
        qmap_scan_plan_free(&tiled[s]);
        qmap_scan_plan_free(&every[s]);
    }
    free(tiled);
    free(every);
    free(plain.d);
}

int main(void)
{
    srand(18);
    int tiled_cases = 0, nonempty_plans = 0;
    for (int c = 0; c < 60; c++) {
        int moving = c % 10 == 9;
        fixture F;
        if (fixture_new(&F, c, moving) < 0) {
            CHECK(0, "case %d: out of memory", c);
            fixture_free(&F);
            continue;
        }
        pipeline *P = &F.P;
        double lo1[3], hi1[3], st1[3], lo2[3], hi2[3], st2[3];
        int rc1 = qmap_q_range(P, lo1, hi1, st1);
        int rc2 = qmap_q_range_every_pixel(P, lo2, hi2, st2);
        int has_tiles = qmap_stage_q_bounds(P) != NULL;
        CHECK(has_tiles == !moving, "case %d: tiles %s for a detector that %s", c, has_tiles ? "used" : "not used",
              moving ? "moves" : "stays");
        tiled_cases += has_tiles;
        CHECK(rc1 == QMAP_OK && rc2 == QMAP_OK, "case %d: rc %d %d", c, rc1, rc2);
        CHECK(same(lo1, lo2, 3) && same(hi1, hi2, 3) && same(st1, st2, 3),
              "case %d (%d x %d, %d scans): tiles lo %.17g %.17g %.17g hi %.17g %.17g %.17g step %.17g %.17g %.17g; "
              "every pixel lo %.17g %.17g %.17g hi %.17g %.17g %.17g step %.17g %.17g %.17g", c, P->rows, P->cols,
              P->n_scans, lo1[0], lo1[1], lo1[2], hi1[0], hi1[1], hi1[2], st1[0], st1[1], st1[2], lo2[0], lo2[1],
              lo2[2], hi2[0], hi2[1], hi2[2], st2[0], st2[1], st2[2]);
        /* VOIs: around the Q of an unmasked pixel of the middle scan, a sliver, everything */
        qmap_scan_qs qs;
        size_t p0 = P->n_pix / 2;
        while (p0 < P->n_pix && P->mask[p0])
            p0++;
        if (p0 < P->n_pix && qmap_scan_q_begin(P, P->n_scans / 2, &qs) == QMAP_OK) {
            double q[3];
            qmap_scan_q_at(&qs, p0, q);
            qmap_scan_q_end(&qs);
            double w = 0.02 * (hi2[2] - lo2[2]) + 1e-9;
            double around[6] = {q[0] - w, q[0] + w, q[1] - w, q[1] + w, q[2] - w, q[2] + w};
            double sliver[6] = {q[0] - 1e-12, q[0] + 1e-12, lo2[1], hi2[1], lo2[2], hi2[2]};
            double all[6] = {lo2[0], hi2[0], lo2[1], hi2[1], lo2[2], hi2[2]};
            check_plans(&F, around, c);
            check_plans(&F, sliver, c);
            check_plans(&F, all, c);
            nonempty_plans++;
        }
        fixture_free(&F);
    }
    CHECK(tiled_cases >= 50, "only %d cases took the tiles", tiled_cases);
    CHECK(nonempty_plans >= 50, "only %d cases checked plans", nonempty_plans);
    printf("q range and plans on tiles equal to every pixel: %d cases on tiles, %d with plans\n", tiled_cases,
           nonempty_plans);
    return failures != 0;
}
