/* cmd_powder.c -- `qmap powder CIF PATTERN`: refine a powder pattern against a CIF
 * structure (Rietveld by default, Le Bail with --lebail); prints the refined values with
 * standard uncertainties and Rwp, Rp, Rexp, GoF, and writes the observed / calculated /
 * difference curves (CSV), the reflection list (CSV) and the Rietveld plot (PNG or SVG). */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/crystal.h"
#include "qmap/error.h"
#include "qmap/geometry.h"
#include "qmap/powder.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void print_crystal_error(const char *prefix); /* cmd_hkl.c */

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap powder FILE.cif PATTERN (--wavelength A | --energy EV) [options]\n\n"
"Refines a powder pattern against the crystal structure of a CIF: scale, cell (keeping the\n"
"crystal system), zero shift, Caglioti U, V, W, pseudo-Voigt eta, Chebyshev background and,\n"
"on request, U_iso per atom position and site occupancies (Li/Ni antisite mixing).\n"
"PATTERN: text with columns 2theta (deg) and intensity, or 2theta, intensity, sigma (.xye);\n"
"with --q the first column is Q (1/Angstrom).\n\n"
"      --wavelength A     X-ray wavelength in Angstrom (Cu K-alpha1: 1.5406)\n"
"      --energy EV        or the photon energy in eV\n"
"      --q                first column is Q in 1/Angstrom, not 2theta\n"
"      --lebail           Le Bail fit (free intensities): cell, zero, profile, background\n"
"      --occ LABEL        refine the occupancy of atom site LABEL; other sites on the same\n"
"                         position keep the total (repeatable, e.g. --occ Ni2 for Ni on Li 3b)\n"
"      --uiso             refine one U_iso per atom position\n"
"      --background N     Chebyshev background terms (default 3, at most 16)\n"
"      --polarization K   LP factor (1 + K cos^2 2t)/(1 + K): 1 = unpolarised (default);\n"
"                         cos^2(2 theta_mono) with a monochromator; 0 = fully polarised\n"
"                         perpendicular to the scattering plane (synchrotron, vertical plane)\n"
"      --range MIN:MAX    use only 2theta in [MIN, MAX] degrees\n"
"  -o, --output PREFIX    PREFIX.csv (2theta, observed, calculated, difference, background),\n"
"                         PREFIX_reflections.csv and PREFIX.png (default: pattern name)\n"
"      --svg              figure as PREFIX.svg instead of PNG\n"
"  -h, --help             this help\n");
}

/* Write text to path via a temporary name, renamed when complete. */
static int write_csv_atomically(const char *path, int (*fill)(FILE *, void *), void *ctx)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "qmap: %s: cannot write\n", tmp);
        return -1;
    }
    int rc = fill(f, ctx);
    if (fclose(f) != 0 || rc < 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "qmap: %s: write failed\n", path);
        remove(tmp);
        return -1;
    }
    return 0;
}

typedef struct {
    qmap_powder_model *m;
    const qmap_powder_data *d;
} out_ctx;

static int fill_curves(FILE *f, void *p)
{
    out_ctx *c = p;
    double *yc = malloc(c->d->n * sizeof *yc);
    if (!yc)
        return -1;
    qmap_powder_model_calc(c->m, c->d->tth, c->d->n, yc);
    qmap_powder_profile pr = *qmap_powder_model_profile(c->m);
    fprintf(f, "two_theta_deg,observed,calculated,difference,background,sigma\n");
    for (size_t i = 0; i < c->d->n; i++) {
        double bg = qmap_powder_background(&pr, c->d->tth[i]);
        fprintf(f, "%.6f,%.6g,%.6g,%.6g,%.6g,%.6g\n", c->d->tth[i], c->d->y[i], yc[i],
                c->d->y[i] - yc[i], bg, c->d->sigma[i]);
    }
    free(yc);
    return ferror(f) ? -1 : 0;
}

static int fill_lines(FILE *f, void *p)
{
    out_ctx *c = p;
    const qmap_powder_profile *pr = qmap_powder_model_profile(c->m);
    fprintf(f, "h,k,l,multiplicity,two_theta_deg,d_angstrom,m_F2\n");
    for (size_t i = 0; i < qmap_powder_n_lines(c->m); i++) {
        int hkl[3], mult;
        double tth, d, mf2;
        qmap_powder_line(c->m, i, hkl, &mult, &tth, &d, &mf2);
        if (tth + pr->zero < c->d->tth[0] || tth + pr->zero > c->d->tth[c->d->n - 1])
            continue;
        fprintf(f, "%d,%d,%d,%d,%.6f,%.6f,%.6g\n", hkl[0], hkl[1], hkl[2], mult, tth + pr->zero, d, mf2);
    }
    return ferror(f) ? -1 : 0;
}

/* Keep only points with 2theta in [lo, hi]. */
static void crop(qmap_powder_data *d, double lo, double hi)
{
    size_t j = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->tth[i] >= lo && d->tth[i] <= hi) {
            d->tth[j] = d->tth[i];
            d->y[j] = d->y[i];
            d->sigma[j] = d->sigma[i];
            j++;
        }
    d->n = j;
}

int cmd_powder(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"wavelength", required_argument, 0, 'w'}, {"energy", required_argument, 0, 'e'},
        {"q", no_argument, 0, 'Q'}, {"lebail", no_argument, 0, 'L'},
        {"occ", required_argument, 0, 'O'}, {"uiso", no_argument, 0, 'U'},
        {"background", required_argument, 0, 'b'}, {"polarization", required_argument, 0, 'P'},
        {"range", required_argument, 0, 'r'}, {"output", required_argument, 0, 'o'},
        {"svg", no_argument, 0, 'S'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    double wavelength = NAN, energy = NAN, pol = 1.0, range[2] = {0, 180};
    int use_q = 0, svg = 0, n_bg = 3, c, bad = 0;
    const char *prefix = NULL;
    qmap_powder_refine_options ro;
    qmap_powder_refine_defaults(&ro);
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'w': bad = parse_double("--wavelength", optarg, &wavelength); break;
        case 'e': bad = parse_double("--energy", optarg, &energy); break;
        case 'Q': use_q = 1; break;
        case 'L': ro.method = QMAP_POWDER_LEBAIL; break;
        case 'O':
            if (ro.n_occ == 8) {
                fprintf(stderr, "qmap: --occ: at most 8 sites\n");
                bad = -1;
            } else
                ro.occ_sites[ro.n_occ++] = optarg;
            break;
        case 'U': ro.refine_uiso = 1; break;
        case 'b': bad = parse_int("--background", optarg, 0, QMAP_POWDER_MAX_BG, &n_bg); break;
        case 'P': bad = parse_double("--polarization", optarg, &pol); break;
        case 'r': bad = parse_doubles("--range", optarg, ':', 2, range); break;
        case 'o': prefix = optarg; break;
        case 'S': svg = 1; break;
        case 'h': usage(stdout); return 0;
        default: bad = -1;
        }
    }
    if (bad)
        return 2;
    if (optind != argc - 2) {
        fprintf(stderr, "qmap powder: expected a CIF and a pattern file (got %d arguments); see "
                "qmap powder --help\n", argc - optind);
        return 2;
    }
    if (!isnan(energy) && isnan(wavelength))
        wavelength = energy > 0 ? QMAP_HC_EV_ANGSTROM / energy : NAN;
    if (!(wavelength > 0.05 && wavelength < 20)) {
        fprintf(stderr, "qmap: --wavelength A or --energy EV is required (wavelength 0.05 to 20 A)\n");
        return 2;
    }
    if (!(pol >= 0 && pol <= 1) || !(range[0] < range[1])) {
        fprintf(stderr, "qmap: --polarization must be in [0, 1] and --range increasing\n");
        return 2;
    }
    const char *cif = argv[optind], *pattern = argv[optind + 1];
    char pre[4096];
    if (!prefix) {
        const char *base = strrchr(pattern, '/');
        base = base ? base + 1 : pattern;
        const char *dot = strrchr(base, '.');
        snprintf(pre, sizeof pre, "%.*s_powder", (int)(dot && dot != base ? dot - base : (long)strlen(base)), base);
        prefix = pre;
    }
    qmap_crystal *cr = qmap_crystal_read(cif);
    if (!cr) {
        print_crystal_error("");
        return 2;
    }
    qmap_powder_data d;
    if (qmap_powder_data_read(pattern, use_q ? QMAP_POWDER_X_Q : QMAP_POWDER_X_2THETA, wavelength, &d) < 0) {
        print_crystal_error("");
        qmap_crystal_free(cr);
        return 2;
    }
    crop(&d, range[0], range[1]);
    int rc = 0;
    qmap_powder_model *m = NULL;
    if (d.n < 10) {
        fprintf(stderr, "qmap: %s: %zu points inside --range\n", pattern, d.n);
        rc = 2;
        goto done;
    }
    qmap_powder_profile p;
    qmap_powder_profile_defaults(&p, wavelength);
    p.polarization_k = pol;
    p.n_bg = n_bg;
    p.tth_min = d.tth[0];
    p.tth_max = d.tth[d.n - 1];
    double ymax = 0, ymin = INFINITY;
    for (size_t i = 0; i < d.n; i++)
        ymax = fmax(ymax, d.y[i]), ymin = fmin(ymin, d.y[i]);
    if (n_bg > 0)
        p.bg[0] = fmax(ymin, 0);
    if (!(m = qmap_powder_model_create(cr, &p, p.tth_max))) {
        print_crystal_error("");
        rc = 2;
        goto done;
    }
    /* starting scale: strongest calculated point to the strongest observed */
    double *yc = malloc(d.n * sizeof *yc), cmax = 0;
    if (yc) {
        qmap_powder_model_calc(m, d.tth, d.n, yc);
        for (size_t i = 0; i < d.n; i++)
            cmax = fmax(cmax, yc[i] - p.bg[0]);
        if (cmax > 0)
            qmap_powder_model_profile(m)->scale = (ymax - p.bg[0]) / cmax;
        free(yc);
    }
    qmap_powder_result res;
    if (qmap_powder_refine(m, &d, &ro, &res) < 0) {
        print_crystal_error("refinement: ");
        rc = 1;
        goto done;
    }
    printf("%s refinement of %s against %s: %zu points, 2theta %.3f to %.3f deg, lambda %.6f A\n",
           ro.method == QMAP_POWDER_LEBAIL ? "Le Bail" : "Rietveld", pattern, cif, d.n, d.tth[0],
           d.tth[d.n - 1], wavelength);
    printf("%-26s %14s %12s\n", "parameter", "value", "su");
    for (int j = 0; j < res.n_par; j++)
        printf("%-26s %14.7g %12.2g\n", res.name[j], res.value[j], res.su[j]);
    printf("Rwp %.4f  Rp %.4f  Rexp %.4f  GoF %.3f  (chi2 %.6g, %d parameters, %d iterations)\n",
           res.rwp, res.rp, res.rexp, res.gof, res.chi2, res.n_par, res.iterations);
    out_ctx oc = {m, &d};
    char path[4200];
    snprintf(path, sizeof path, "%s.csv", prefix);
    if (write_csv_atomically(path, fill_curves, &oc) < 0) {
        rc = 1;
        goto done;
    }
    printf("curves written to %s\n", path);
    snprintf(path, sizeof path, "%s_reflections.csv", prefix);
    if (write_csv_atomically(path, fill_lines, &oc) < 0) {
        rc = 1;
        goto done;
    }
    printf("reflections written to %s\n", path);
    snprintf(path, sizeof path, "%s.%s", prefix, svg ? "svg" : "png");
    char title[512];
    snprintf(title, sizeof title, "%s: R<sub>wp</sub> = %.2f %%, GoF = %.2f",
             ro.method == QMAP_POWDER_LEBAIL ? "Le Bail" : "Rietveld", 100 * res.rwp, res.gof);
    if (qmap_powder_figure_write(m, &d, title, path) < 0) {
        print_crystal_error("figure: ");
        rc = 1;
        goto done;
    }
    printf("figure written to %s\n", path);
done:
    qmap_powder_model_free(m);
    qmap_powder_data_free(&d);
    qmap_crystal_free(cr);
    return rc;
}
