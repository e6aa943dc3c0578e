/* cmd_powder.c -- `qmap powder CIF PATTERN`: refine a powder pattern against a CIF
 * structure (Rietveld by default, Le Bail with --lebail); prints the refined values with
 * standard uncertainties, Rwp, Rp, Rexp, GoF and the convergence criterion, reports every
 * parameter outside its physical range (exit status 3) or a fit that did not converge
 * (exit status 4), and writes the observed / calculated / difference curves (CSV), the
 * reflection list (CSV) and the Rietveld plot (PNG or SVG). */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/anomalous.h"
#include "qmap/crystal.h"
#include "qmap/error.h"
#include "qmap/output.h"
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
"usage: qmap powder FILE.cif PATTERN (--anode NAME | --wavelength A | --energy EV) [options]\n\n"
"Refines a powder pattern against the crystal structure of a CIF: scale, cell (keeping the\n"
"crystal system), zero shift, Caglioti U, V, W, pseudo-Voigt eta, Chebyshev background and,\n"
"on request, U_iso per atom position, site occupancies or a composition-keeping Li/Ni\n"
"exchange, March-Dollase preferred orientation, low-angle asymmetry, sample displacement.\n"
"Structure factors include f' and f'' (Kissel's tables) at each wavelength's energy.\n"
"PATTERN: text with columns 2theta (deg) and intensity, or 2theta, intensity, sigma (.xy,\n"
".xye; with --q the first column is Q in 1/Angstrom); GSAS .gsa/.gss/.fxye with a constant\n"
"step (BANK ... CONS, formats STD, ESD, FXYE); PANalytical .xrdml (2Theta scans; its\n"
"K-alpha1/K-alpha2 wavelengths and ratio are used when no wavelength is given).\n\n"
"      --anode NAME       laboratory tube Cu, Mo, Co, Cr or Ag: K-alpha1 + K-alpha2 doublet\n"
"      --ratio R          K-alpha2/K-alpha1 intensity ratio (default 0.5)\n"
"      --ka1-only         K-alpha1 only (primary monochromator)\n"
"      --wavelength A     monochromatic X-ray wavelength in Angstrom (synchrotron)\n"
"      --energy EV        or the photon energy in eV (1000 to 1e6: the f', f'' tables)\n"
"      --q                first column is Q in 1/Angstrom, not 2theta\n"
"      --lebail           Le Bail fit (free intensities): cell, zero, profile, background\n"
"      --occ LABEL        refine the occupancy of atom site LABEL; other sites on the same\n"
"                         position keep the total (repeatable, e.g. --occ Ni2 for Ni on Li 3b)\n"
"      --uiso             refine one U_iso per atom position\n"
"      --exchange LI:M    Li/metal exchange keeping the composition, LI the Li site of the\n"
"                         Li layer and M the metal's site (e.g. Li1:Ni1): refines x, the\n"
"                         metal's occupancy on the Li layer; Li there and M lose its change,\n"
"                         Li on M's position gains it (missing sites are added at 0)\n"
"      --po H,K,L         March-Dollase preferred orientation along reciprocal vector H,K,L\n"
"                         (0,0,1 for platelets of layered oxides); refines r (start --po-r)\n"
"      --po-r R           March-Dollase r, fixed unless --po is given (default 1)\n"
"      --asymmetry        refine Berar-Baldinozzi low-angle asymmetry P1, P2\n"
"      --displacement     refine the sample displacement (mm) from the goniometer axis;\n"
"                         with a refined zero shift the two are ~100 %% correlated: fix the\n"
"                         zero with --zero\n"
"      --zero DEG         fix the 2theta zero shift at DEG degrees (default: refined from 0)\n"
"      --radius MM        goniometer radius in mm (default 240)\n"
"      --mu-t X           Bragg-Brentano absorption of a sample of finite thickness:\n"
"                         linear absorption coefficient times thickness (default 0: thick)\n"
"      --correlations     print the correlation matrix (percent)\n"
"      --max-iter N       least-squares iterations per stage (default 200)\n"
"      --background N     Chebyshev background terms (default 3, at most 16)\n"
"      --polarization K   LP factor (1 + K cos^2 2t)/(1 + K): 1 = unpolarised (default);\n"
"                         cos^2(2 theta_mono) with a monochromator; 0 = fully polarised\n"
"                         perpendicular to the scattering plane (synchrotron, vertical plane)\n"
"      --range MIN:MAX    use only 2theta in [MIN, MAX] degrees\n"
"  -o, --output PREFIX    PREFIX.csv (2theta, observed, calculated, difference, background),\n"
"                         PREFIX_reflections.csv and PREFIX.png (default: pattern name)\n"
"      --svg              figure as PREFIX.svg instead of PNG\n"
"  -h, --help             this help\n\n"
"Exit status: 0 converged and physical; 1 refinement or output failed; 2 bad input (no\n"
"output written); 3 finished, but a parameter is outside its physical range (occupancy\n"
"outside [0, 1], negative U_iso, eta outside [0, 1]), a su is 0 or huge or a correlation\n"
"exceeds 0.95 (one line each on stderr; outputs written); 4 did not converge.\n");
}

/* Write text to path via a temporary name, renamed when complete. */
static int write_csv_atomically(const char *path, int (*fill)(FILE *, void *), void *ctx)
{
    char tmp[4400];
    int fd = qmap_temp_create(path, tmp, sizeof tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) {
            close(fd);
            qmap_temp_discard(tmp);
        }
        cli_error("%s: cannot write: %s\n", path, qmap_error_message());
        return -1;
    }
    int rc = fill(f, ctx);
    if (fclose(f) != 0 || rc < 0) {
        cli_error("%s: write failed\n", path);
        qmap_temp_discard(tmp);
        return -1;
    }
    if (qmap_temp_commit(tmp, path) < 0) {
        cli_error("%s\n", qmap_error_message());
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
        /* observed position: zero shift and sample displacement (-2 s cos(theta) / R) */
        double obs = tth + pr->zero - 2.0 * pr->displacement * cos(tth / 2 * M_PI / 180) /
                                          pr->radius * 180 / M_PI;
        if (obs < c->d->tth[0] || obs > c->d->tth[c->d->n - 1])
            continue;
        fprintf(f, "%d,%d,%d,%d,%.6f,%.6f,%.6g\n", hkl[0], hkl[1], hkl[2], mult, obs, d, mf2);
    }
    return ferror(f) ? -1 : 0;
}

/* Correlation matrix in percent, lower triangle, one row per parameter. */
static void print_correlations(const qmap_powder_result *r)
{
    printf("correlation matrix (percent):\n");
    for (int j = 0; j < r->n_par; j++) {
        printf("%-22.22s %3d", r->name[j], j + 1);
        for (int k = 0; k <= j; k++) {
            if (isnan(r->corr[j][k]))
                printf("    .");
            else
                printf(" %4.0f", 100 * r->corr[j][k]);
        }
        printf("\n");
    }
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
        {"svg", no_argument, 0, 'S'}, {"help", no_argument, 0, 'h'},
        {"anode", required_argument, 0, 'A'}, {"ratio", required_argument, 0, 'R'},
        {"ka1-only", no_argument, 0, '1'}, {"exchange", required_argument, 0, 'X'},
        {"po", required_argument, 0, 'p'}, {"po-r", required_argument, 0, 'm'},
        {"asymmetry", no_argument, 0, 'a'}, {"displacement", no_argument, 0, 'D'},
        {"radius", required_argument, 0, 'G'}, {"mu-t", required_argument, 0, 'M'},
        {"correlations", no_argument, 0, 'C'}, {"max-iter", required_argument, 0, 'I'},
        {"zero", required_argument, 0, 'Z'},
        {0, 0, 0, 0}};
    double wavelength = NAN, energy = NAN, pol = 1.0, range[2] = {0, 180};
    int use_q = 0, svg = 0, n_bg = 3, c, bad = 0, ka1_only = 0, correlations = 0;
    int po_hkl[3] = {0, 0, 1};
    double zero = 0.0, ratio = NAN, po_r = 1.0, radius = 240.0, mu_t = 0.0, lambda2 = 0.0;
    const char *prefix = NULL, *anode = NULL;
    char exch[2][64];
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
                cli_error("--occ: at most 8 sites\n");
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
        case 'A': anode = optarg; break;
        case 'R': bad = parse_double("--ratio", optarg, &ratio); break;
        case '1': ka1_only = 1; break;
        case 'X': {
            const char *colon = strchr(optarg, ':');
            if (!colon || colon == optarg || !colon[1] || colon - optarg >= 64 || strlen(colon + 1) >= 64) {
                cli_error("--exchange: expected LI_SITE:METAL_SITE (e.g. Li1:Ni1), "
                        "got '%s'\n", optarg);
                bad = -1;
                break;
            }
            snprintf(exch[0], sizeof exch[0], "%.*s", (int)(colon - optarg), optarg);
            snprintf(exch[1], sizeof exch[1], "%s", colon + 1);
            ro.exchange[0] = exch[0];
            ro.exchange[1] = exch[1];
            break;
        }
        case 'p': bad = parse_ints("--po", optarg, 3, po_hkl); ro.refine_po = 1; break;
        case 'm': bad = parse_double("--po-r", optarg, &po_r); break;
        case 'a': ro.refine_asym = 1; break;
        case 'D': ro.refine_displacement = 1; break;
        case 'G': bad = parse_double("--radius", optarg, &radius); break;
        case 'M': bad = parse_double("--mu-t", optarg, &mu_t); break;
        case 'C': correlations = 1; break;
        case 'Z': bad = parse_double("--zero", optarg, &zero); ro.refine_zero = 0; break;
        case 'I': bad = parse_int("--max-iter", optarg, 1, 100000, &ro.max_iter); break;
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
    if ((anode != NULL) + !isnan(energy) + !isnan(wavelength) > 1) {
        cli_error("give one of --anode, --wavelength and --energy\n");
        return 2;
    }
    if (anode) {
        double r;
        if (qmap_powder_anode(anode, &wavelength, &lambda2, &r) < 0) {
            print_crystal_error("--anode: ");
            return 2;
        }
        if (isnan(ratio))
            ratio = r;
        if (ka1_only)
            lambda2 = 0.0;
    } else if ((!isnan(ratio) || ka1_only)) {
        cli_error("--ratio and --ka1-only need --anode\n");
        return 2;
    }
    if (!isnan(energy))
        wavelength = energy > 0 ? QMAP_HC_EV_ANGSTROM / energy : -1;
    if (!(pol >= 0 && pol <= 1) || !(range[0] < range[1])) {
        cli_error("--polarization must be in [0, 1] and --range increasing\n");
        return 2;
    }
    if (!(po_r > 0) || !(radius > 0) || !(mu_t >= 0) || (!isnan(ratio) && !(ratio >= 0 && ratio <= 10)) ||
        (po_hkl[0] == 0 && po_hkl[1] == 0 && po_hkl[2] == 0)) {
        cli_error("--po-r and --radius must be positive, --mu-t not negative, --ratio "
                "in [0, 10], --po not 0,0,0\n");
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
    {   /* the three outputs, checked before any work: never the CIF or the pattern */
        const char *suffix[] = {".csv", "_reflections.csv", svg ? ".svg" : ".png"};
        const char *const inputs[] = {cif, pattern};
        for (int k = 0; k < 3; k++) {
            char out[4200];
            snprintf(out, sizeof out, "%s%s", prefix, suffix[k]);
            if (qmap_output_check("-o", out, inputs, 2) < 0) {
                cli_error("%s\n", qmap_error_message());
                return 1;
            }
        }
    }
    qmap_crystal *cr = qmap_crystal_read(cif);
    if (!cr) {
        print_crystal_error("");
        return 2;
    }
    qmap_powder_data d;
    qmap_powder_file_info info;
    if (qmap_powder_data_read_file(pattern, use_q ? QMAP_POWDER_X_Q : QMAP_POWDER_X_2THETA,
                                   wavelength, &d, &info) < 0) {
        print_crystal_error("");
        qmap_crystal_free(cr);
        return 2;
    }
    if (isnan(wavelength) && info.lambda1 > 0) {
        /* the file's own wavelengths (xrdml) */
        wavelength = info.lambda1;
        lambda2 = info.lambda2;
        ratio = info.ratio;
    }
    if (!(wavelength > 0.01 && wavelength < 20) || !qmap_anomalous_energy_ok(QMAP_HC_EV_ANGSTROM / wavelength)) {
        if (isnan(wavelength))
            cli_error("--anode NAME, --wavelength A or --energy EV is required (%s "
                    "states no wavelength)\n", pattern);
        else
            cli_error("wavelength %g A (%g eV): outside 0.0124 to 12.4 A, the range "
                    "of the f', f'' tables\n", wavelength, QMAP_HC_EV_ANGSTROM / wavelength);
        qmap_powder_data_free(&d);
        qmap_crystal_free(cr);
        return 2;
    }
    crop(&d, range[0], range[1]);
    int rc = 0;
    qmap_powder_model *m = NULL;
    if (d.n < 10) {
        cli_error("%s: %zu points inside --range\n", pattern, d.n);
        rc = 2;
        goto done;
    }
    qmap_powder_profile p;
    qmap_powder_profile_defaults(&p, wavelength);
    p.polarization_k = pol;
    p.wavelength2 = lambda2;
    p.ratio2 = isnan(ratio) ? 0.5 : ratio;
    memcpy(p.po_hkl, po_hkl, sizeof po_hkl);
    p.po_r = po_r;
    p.radius = radius;
    p.mu_t = mu_t;
    p.zero = zero;
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
        rc = strstr(qmap_error_message(), "no atom site") || strstr(qmap_error_message(), "exchange:") ? 2 : 1;
        goto done;
    }
    printf("%s refinement of %s (%s) against %s: %zu points, 2theta %.3f to %.3f deg, lambda %.6f A",
           ro.method == QMAP_POWDER_LEBAIL ? "Le Bail" : "Rietveld", pattern, info.format, cif, d.n,
           d.tth[0], d.tth[d.n - 1], wavelength);
    if (lambda2 > 0)
        printf(" + %.6f A (ratio %.3g)", lambda2, p.ratio2);
    printf("\n");
    printf("%-26s %14s %12s\n", "parameter", "value", "su");
    for (int j = 0; j < res.n_par; j++)
        printf("%-26s %14.7g %12.2g\n", res.name[j], res.value[j], res.su[j]);
    printf("Rwp %.4f  Rp %.4f  Rexp %.4f  GoF %.3f  (chi2 %.6g, %d parameters, %d iterations)\n",
           res.rwp, res.rp, res.rexp, res.gof, res.chi2, res.n_par, res.iterations);
    printf("%s\n", res.criterion);
    if (correlations)
        print_correlations(&res);
    char problems[32][QMAP_POWDER_MSG];
    int n_problems = qmap_powder_check(m, &res, problems, 32);
    for (int i = 0; i < n_problems && i < 32; i++)
        cli_error("warning: %s\n", problems[i]);
    if (n_problems > 32)
        cli_error("warning: %d more problems\n", n_problems - 32);
    int fit_status = !res.converged ? 4 : n_problems > 0 ? 3 : 0;
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
    rc = fit_status;
done:
    qmap_powder_model_free(m);
    qmap_powder_data_free(&d);
    qmap_crystal_free(cr);
    return rc;
}
