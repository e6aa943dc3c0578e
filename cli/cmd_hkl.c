/* cmd_hkl.c -- `qmap hkl CIF H,K,L ... --energy EV`: d-spacing, |Q|, Bragg angle,
 * structure-factor magnitude and the ID01 angles (eta, phi, nu, delta) that bring each
 * reflection onto the detector, for a sample oriented by --ip-dir / --oop-dir (the
 * calc_refl_id01 of sxdm, without numerical fitting). */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/anomalous.h"
#include "qmap/crystal.h"
#include "qmap/error.h"
#include "qmap/geometry.h"
#include "qmap/cif_reference.h"
#include "qmap/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap hkl FILE.cif H,K,L [H,K,L ...] --energy EV [--ip-dir H,K,L] [--oop-dir H,K,L]\n\n"
"Reads the crystal structure (cell, symmetry operations, atom sites) from a CIF and prints,\n"
"for each reflection, d (Angstrom), |Q| = 2 pi/d (1/Angstrom), the Bragg angle 2theta,\n"
"|F| (electrons: Cromer-Mann f0 plus the anomalous f'(E) + i f''(E) of Kissel's tables,\n"
"occupancies and isotropic Debye-Waller factors) and the ID01 angles eta, phi, nu = 0,\n"
"delta (degrees) within eta [-2, 120], phi [-180, 180], delta [-2, 130], as sxdm's\n"
"calc_refl_id01. First it lists f0(sin theta/lambda = 0), f' and f'' (electrons) of each\n"
"atom type at the energy, with a warning when an absorption edge is within 1 %%.\n"
"Systematically absent reflections (screw axis, glide, centring) and reflections whose\n"
"|F| is zero by the structure are flagged on their line instead of given angles.\n\n"
"      --energy EV        photon energy in eV (required; 1000 to 1e6, the tables' range)\n"
"      --ip-dir H,K,L     in-plane reference direction, along the beam at eta = phi = 0\n"
"                         (reciprocal-lattice direction; default 1,0,0)\n"
"      --oop-dir H,K,L    sample surface normal (reciprocal-lattice direction; default 0,0,1)\n"
"  -h, --help             this help\n");
}

/* Print "qmap: <prefix><library message>" with bytes that came from a binary file shown as
 * '?', so a bad CIF cannot put control characters on the terminal. Also used by
 * cmd_powder.c. */
void print_crystal_error(const char *prefix)
{
    const char *m = qmap_error_message();
    cli_error("%s", prefix);
    for (; *m; m++)
        fputc((unsigned char)*m >= 0x20 && (unsigned char)*m < 0x7f ? *m : '?', stderr);
    fputc('\n', stderr);
}

static void print_crystal(const qmap_crystal *c, const char *path)
{
    printf("crystal %s (block %s): %s", path, c->name, c->hm_symbol[0] ? c->hm_symbol : "?");
    if (c->it_number)
        printf(" (No. %d)", c->it_number);
    printf(", %d symmetry operations, %d sites, %d atoms in the cell\n", c->n_symops, c->n_sites,
           c->n_atoms);
    static const char *const names[6] = {"a", "b", "c", "alpha", "beta", "gamma"};
    printf("cell");
    for (int i = 0; i < 6; i++) {
        printf(" %s=%.6g", names[i], c->cell[i]);
        if (c->cell_su[i] > 0)
            printf("(su %.2g)", c->cell_su[i]);
    }
    printf("\n");
}

/* f0 at s = 0, f', f'' of each distinct atom type at the energy, and edge warnings. */
static void print_dispersion(const qmap_crystal *c, double energy)
{
    printf("scattering factors at %.6g eV (f0 at sin(theta)/lambda = 0; f', f'' from Kissel's "
           "tables, free atoms):\n", energy);
    for (int s = 0; s < c->n_sites; s++) {
        int seen = 0;
        for (int t = 0; t < s && !seen; t++)
            seen = c->sites[t].form_factor == c->sites[s].form_factor;
        if (seen)
            continue;
        int ff = c->sites[s].form_factor, z = qmap_form_factor_z(ff);
        double f1 = 0, f2 = 0;
        if (qmap_anomalous_factors(z, energy, &f1, &f2) < 0)
            qmap_error_clear();
        printf("  %-8s Z %-3d f0 %8.4f  f' %8.4f  f'' %8.4f\n", qmap_form_factor_name(ff), z,
               qmap_form_factor(ff, 0.0), f1, f2);
        double edge = qmap_anomalous_near_edge(z, energy, 0.01);
        if (edge > 0)
            printf("  warning: %s has an absorption edge at %.1f eV (table), within 1 %% of the "
                   "energy: free-atom f', f'' are uncertain there\n", qmap_form_factor_name(ff), edge);
    }
}

static double s_of(double d)
{
    return 1.0 / (2.0 * d);
}

/* sum of occ |f0(s)| over the cell: the scale against which |F| counts as zero */
static double structure_scale(const qmap_crystal *c, double s)
{
    double sum = 0.0;
    for (int a = 0; a < c->n_atoms; a++) {
        const qmap_atom_site *site = &c->sites[c->atoms[a].site];
        sum += site->occupancy * fabs(qmap_form_factor(site->form_factor, s));
    }
    return sum;
}

/* Value of option opt at argv[*i] ("--opt V" or "--opt=V"), advancing *i; NULL if argv[*i]
 * is not opt. *missing is set when the value is absent. */
static const char *option_value(int argc, char **argv, int *i, const char *opt, int *missing)
{
    size_t n = strlen(opt);
    if (strncmp(argv[*i], opt, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cmd_hkl(int argc, char **argv)
{
    double energy = NAN;
    int ip[3] = {1, 0, 0}, oop[3] = {0, 0, 1};
    const char *cif = NULL;
    int n_refl = 0, rc = 0;
    int (*hkl)[3] = calloc((size_t)argc, sizeof *hkl);
    if (!hkl) {
        cli_error("out of memory\n");
        return 1;
    }
    /* parsed by hand, not getopt: reflections such as -1,0,2 start with '-' */
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(hkl);
            return 0;
        } else if ((v = option_value(argc, argv, &i, "--energy", &missing))) {
            rc = parse_double("--energy", v, &energy) < 0 ? 2 : 0;
        } else if ((v = option_value(argc, argv, &i, "--ip-dir", &missing))) {
            rc = parse_ints("--ip-dir", v, 3, ip) < 0 ? 2 : 0;
        } else if ((v = option_value(argc, argv, &i, "--oop-dir", &missing))) {
            rc = parse_ints("--oop-dir", v, 3, oop) < 0 ? 2 : 0;
        } else if (missing) {
            cli_error("%s needs a value\n", a);
            rc = 2;
        } else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) {
            fprintf(stderr, "qmap hkl: unknown option '%s'; see qmap hkl --help\n", a);
            rc = 2;
        } else if (!cif) {
            cif = a;
        } else if (parse_ints("H,K,L", a, 3, hkl[n_refl]) < 0) {
            rc = 2;
        } else if (hkl[n_refl][0] == 0 && hkl[n_refl][1] == 0 && hkl[n_refl][2] == 0) {
            cli_error("0,0,0 is not a reflection\n");
            rc = 2;
        } else {
            n_refl++;
        }
    }
    if (rc == 0 && (!cif || n_refl == 0)) {
        fprintf(stderr, "qmap hkl: expected a CIF file and at least one H,K,L; see qmap hkl --help\n");
        rc = 2;
    }
    if (rc == 0 && isnan(energy)) {
        cli_error("--energy: missing (photon energy in eV is required)\n");
        rc = 2;
    }
    if (rc == 0 && !qmap_anomalous_energy_ok(energy)) {
        print_crystal_error("--energy: ");
        rc = 2;
    }
    qmap_crystal *cr = NULL;
    if (rc == 0 && !(cr = qmap_crystal_read(cif))) {
        print_crystal_error("");
        rc = 2;
    }
    double ipd[3] = {ip[0], ip[1], ip[2]}, oopd[3] = {oop[0], oop[1], oop[2]}, qs[3];
    if (rc == 0 && qmap_crystal_sample_q(cr, ipd, ipd, oopd, qs) < 0) {
        print_crystal_error("--ip-dir/--oop-dir: ");
        rc = 2;
    }
    if (rc == 0) {
        double lambda = QMAP_HC_EV_ANGSTROM / energy;
        print_crystal(cr, cif);
        print_dispersion(cr, energy);
        printf("energy %.6g eV (lambda %.6f A), in-plane %d,%d,%d, out-of-plane %d,%d,%d\n", energy,
               lambda, ip[0], ip[1], ip[2], oop[0], oop[1], oop[2]);
        printf("%-12s %10s %10s %10s %10s %10s %10s %6s %10s\n", "h,k,l", "d(A)", "|Q|(1/A)",
               "2theta", "|F|", "eta", "phi", "nu", "delta");
        for (int r = 0; r < n_refl; r++) {
            double h[3] = {hkl[r][0], hkl[r][1], hkl[r][2]}, re, im;
            double d = qmap_crystal_d(cr, h), q = 2 * M_PI / d;
            qmap_crystal_structure_factor(cr, h, energy, &re, &im);
            char name[48];
            snprintf(name, sizeof name, "%d,%d,%d", hkl[r][0], hkl[r][1], hkl[r][2]);
            double s = lambda / (2 * d);
            printf("%-12s %10.6f %10.6f ", name, d, q);
            if (s <= 1)
                printf("%10.4f ", 2 * asin(s) * 180 / M_PI);
            else
                printf("%10s ", "-");
            printf("%10.3f ", hypot(re, im));
            int op = -1;
            if (qmap_crystal_is_absent(cr, hkl[r], &op)) {
                printf("systematically absent (symmetry operation %d of the CIF: h.t = %g)\n",
                       op + 1, h[0] * cr->symops[op].t[0] + h[1] * cr->symops[op].t[1] +
                       h[2] * cr->symops[op].t[2]);
                continue;
            }
            if (hypot(re, im) <= 1e-6 * structure_scale(cr, s_of(d))) {
                printf("|F| = 0 (extinct by the atom positions)\n");
                continue;
            }
            qmap_angles sol[4];
            int n = 0;
            qmap_crystal_sample_q(cr, h, ipd, oopd, qs);
            if (qmap_angles_for_q(qs, energy, sol, &n) < 0) {
                printf("unreachable: %s\n", qmap_error_message());
                continue;
            }
            printf("%10.4f %10.4f %6.1f %10.4f", sol[0].eta, sol[0].phi, sol[0].nu, sol[0].delta);
            for (int k = 1; k < n; k++)
                printf("   (or eta %.4f phi %.4f)", sol[k].eta, sol[k].phi);
            printf("\n");
        }
    }
    qmap_crystal_free(cr);
    free(hkl);
    return rc;
}

/* ---- qmap process --cif: strain reference and angular offsets from a CIF ---- */

/* Read cif and give d(hkl) as the strain reference (qmap_cif_reference_d). The crystal
 * (free with qmap_crystal_free) or NULL after printing the error. */
qmap_crystal *hkl_process_reference(const char *cif, const int hkl[3], double *dref)
{
    qmap_crystal *c = NULL;
    if (qmap_cif_reference_d(cif, hkl, &c, dref) < 0) {
        print_crystal_error("--cif: ");
        return NULL;
    }
    return c;
}

/* After processing: theoretical vs measured angles of the reflection (qmap_cif_angle_offsets
 * records them in the results parameters cif, cif_angle_offsets_deg), printed unless quiet.
 * A reflection out of reach is reported, not fatal. */
void hkl_process_offsets(const qmap_crystal *c, const char *cif, const int hkl[3],
                         const int ip[3], const int oop[3], qmap_results *r, int quiet)
{
    qmap_reflection_offsets off;
    if (qmap_cif_angle_offsets(r, c, cif, hkl, ip, oop, &off) < 0) {
        if (!quiet)
            printf("angular offsets from the CIF: not computed (%s)\n", qmap_error_message());
        return;
    }
    if (quiet)
        return;
    printf("CIF %d,%d,%d: d = %.6f A, theoretical eta %.4f phi %.4f nu 0 delta %.4f deg at %.1f eV\n",
           hkl[0], hkl[1], hkl[2], off.d_theory, off.theory.eta, off.theory.phi, off.theory.delta, r->energy_ev);
    printf("measured mean Q: d = %.6f A (strain %+.3e), eta %.4f phi %.4f delta %.4f deg, %.4f deg "
           "from the CIF direction\n", off.d_measured, (off.d_measured - off.d_theory) / off.d_theory,
           off.measured.eta, off.measured.phi, off.measured.delta, off.angle_deg);
    printf("angular offsets (measured - CIF), to add to --offset: eta=%.4f,phi=%.4f,nu=0,delta=%.4f%s\n",
           off.offset.eta, off.offset.phi, off.offset.delta,
           off.phi_free ? " (phi: azimuth of the tilt; the reflection lies on the phi axis)" : "");
}
