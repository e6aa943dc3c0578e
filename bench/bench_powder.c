/* bench_powder.c -- how long a Rietveld refinement of a 10 000-point pattern with about
 * 60 reflections takes on one core (the target: under 2 s). Not a test: it prints
 * the time and the recovered values.
 *
 * usage: bench_powder CIF [N_POINTS [ANODE [TTH_MAX]]]
 *        (e.g. tests/data/NMC622_icsd.cif 10000 Mo 63: 62 reflections, 124 with K-alpha2)
 * The pattern is the model's own (Cu, or ANODE, K-alpha1 + K-alpha2, 15 to TTH_MAX (150) deg 2theta, the CIF's
 * occupancies, cell +0.05 %, zero 0.01 deg) with Poisson-like Gaussian noise (fixed seed);
 * the refinement starts from the CIF with scale, background, cell, zero, U, V, W, eta,
 * U_iso per position and the exchange free.
 */
#include "qmap/crystal.h"
#include "qmap/error.h"
#include "qmap/powder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double gauss(unsigned long long *s)
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = ((double)(*s >> 11) + 0.5) / 9007199254740992.0;
    }
    return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_powder CIF [N_POINTS [ANODE [TTH_MAX]]]\n");
        return 2;
    }
    size_t n = argc > 2 ? (size_t)atol(argv[2]) : 10000;
    qmap_crystal *c = qmap_crystal_read(argv[1]);
    if (!c || n < 100) {
        fprintf(stderr, "bench_powder: %s\n", c ? "N_POINTS < 100" : qmap_error_message());
        return 2;
    }
    qmap_powder_data d = {n, malloc(n * sizeof(double)), malloc(n * sizeof(double)),
                          malloc(n * sizeof(double))};
    double lo = 15, hi = argc > 4 ? atof(argv[4]) : 150;
    if (!(hi > 20 && hi < 170)) {
        fprintf(stderr, "bench_powder: TTH_MAX must be in (20, 170)\n");
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        d.tth[i] = lo + (hi - lo) * (double)i / (double)(n - 1);
    qmap_powder_profile p;
    double l1, l2, r;
    if (qmap_powder_anode(argc > 3 ? argv[3] : "Cu", &l1, &l2, &r) < 0) {
        fprintf(stderr, "bench_powder: %s\n", qmap_error_message());
        return 2;
    }
    qmap_powder_profile_defaults(&p, l1);
    p.wavelength2 = l2, p.ratio2 = r;
    p.tth_min = lo, p.tth_max = hi;
    p.u = 0.005, p.v = -0.002, p.w = 0.004, p.eta = 0.4, p.zero = 0.01;
    p.bg[0] = 200, p.bg[1] = 20;
    /* truth: cell +0.05 %, 4 % exchange */
    qmap_crystal *t = qmap_crystal_copy(c);
    double cell[6];
    memcpy(cell, c->cell, sizeof cell);
    cell[0] *= 1.0005, cell[1] *= 1.0005, cell[2] *= 1.0005;
    qmap_crystal_set_cell(t, cell);
    qmap_powder_model *truth = qmap_powder_model_create(t, &p, hi);
    if (!truth) {
        fprintf(stderr, "bench_powder: %s\n", qmap_error_message());
        return 1;
    }
    qmap_powder_model_calc(truth, d.tth, n, d.y);
    double ymax = 0;
    for (size_t i = 0; i < n; i++)
        ymax = fmax(ymax, d.y[i]);
    unsigned long long seed = 7;
    for (size_t i = 0; i < n; i++) {
        d.y[i] = d.y[i] / ymax * 20000 + 200;
        d.sigma[i] = sqrt(d.y[i]);
        d.y[i] += d.sigma[i] * gauss(&seed);
    }
    size_t lines = 0;
    for (size_t k = 0; k < qmap_powder_n_lines(truth); k++) {
        int hkl[3], m;
        double tth, dd, mf2;
        qmap_powder_line(truth, k, hkl, &m, &tth, &dd, &mf2);
        lines += tth >= lo && tth <= hi;
    }
    qmap_powder_profile start = p;
    start.zero = 0, start.scale = 1, start.bg[0] = 200, start.bg[1] = 0;
    qmap_powder_model *m = qmap_powder_model_create(c, &start, hi);
    double *yc = malloc(n * sizeof *yc), cmax = 0;
    qmap_powder_model_calc(m, d.tth, n, yc);
    for (size_t i = 0; i < n; i++)
        cmax = fmax(cmax, yc[i] - 200);
    qmap_powder_model_profile(m)->scale = 20000 / cmax;
    qmap_powder_refine_options o;
    qmap_powder_refine_defaults(&o);
    o.refine_uiso = 1;
    int li = -1, me = -1;
    for (int s = 0; s < c->n_sites; s++) {
        int z = qmap_form_factor_z(c->sites[s].form_factor);
        if (z == 3 && li < 0)
            li = s;
        if (z == 28 && me < 0 && fabs(c->sites[s].xyz[2]) < 1e-6)
            me = s;
    }
    if (li >= 0 && me >= 0) {
        o.exchange[0] = c->sites[li].label;
        o.exchange[1] = c->sites[me].label;
    }
    qmap_powder_result res;
    double t0 = now();
    int rc = qmap_powder_refine(m, &d, &o, &res);
    double dt = now() - t0;
    if (rc < 0) {
        fprintf(stderr, "bench_powder: %s\n", qmap_error_message());
        return 1;
    }
    printf("%zu points, %zu reflections (x2 with K-alpha2) in range, %d parameters: %.3f s, "
           "%d iterations, GoF %.3f, %s\n", n, lines, res.n_par, dt, res.iterations, res.gof,
           res.criterion);
    for (int j = 0; j < res.n_par; j++)
        if (!strcmp(res.name[j], "a") || !strcmp(res.name[j], "c") || !strncmp(res.name[j], "exch", 4))
            printf("  %-20s %.6f (su %.2g)\n", res.name[j], res.value[j], res.su[j]);
    printf("  truth: a %.6f c %.6f\n", cell[0], cell[2]);
    qmap_powder_model_free(m);
    qmap_powder_model_free(truth);
    qmap_crystal_free(t);
    qmap_crystal_free(c);
    free(yc);
    qmap_powder_data_free(&d);
    return 0;
}
