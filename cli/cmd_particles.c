/* cmd_particles.c -- `qmap particles`: label the particles of a results file's map and
 * add their table (/particles) to it, plus a CSV beside it. */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "qmap/particles.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap particles RESULTS.h5 [options]\n\n"
"Labels the particles of the map of a qmap results file (connected regions of /maps/mask,\n"
"touching particles split by a watershed on the distance transform) and writes their\n"
"labels (/particles/labels) and table (/particles/table: area, equivalent diameter,\n"
"centroid, intensity, d-spacing, c, strain, peak widths, mean tilt and maximum tilt\n"
"extension) into the results file, replacing an earlier /particles, and as CSV to\n"
"RESULTS_particles.csv. The file is updated through a temporary copy: a failure leaves it\n"
"untouched.\n\n"
"      --min-size N        smallest particle, in map positions (default 4)\n"
"      --connectivity 4|8  neighbours that join positions (default 8)\n"
"      --no-split          do not split touching particles\n"
"      --min-dynamic PX    split: a distance-map maximum must stand this many positions\n"
"                          above the saddle to its neighbour (default 1.0) ...\n"
"      --min-fraction F    ... and this fraction of its own height (default 0.2)\n"
"      --csv FILE          CSV path (default RESULTS_particles.csv beside the file)\n"
"  -q, --quiet             do not print the table\n"
"  -h, --help              this help\n");
}

static void default_csv_path(const char *results, char *out, size_t size)
{
    snprintf(out, size, "%s", results);
    char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    if (dot && (!slash || dot > slash + 1))
        *dot = '\0';
    size_t n = strlen(out);
    snprintf(out + n, size - n, "_particles.csv");
}

int cmd_particles(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"min-size", required_argument, 0, 'm'}, {"connectivity", required_argument, 0, 'c'},
        {"no-split", no_argument, 0, 'n'}, {"min-dynamic", required_argument, 0, 'y'},
        {"min-fraction", required_argument, 0, 'f'}, {"csv", required_argument, 0, 'v'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    qmap_particle_options o;
    qmap_particle_options_default(&o);
    const char *csv = NULL;
    int quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'm': bad = parse_int("--min-size", optarg, 1, 1000000000, &o.min_positions) < 0; break;
        case 'c': bad = parse_int("--connectivity", optarg, 4, 8, &o.connectivity) < 0 ||
                        (o.connectivity != 4 && o.connectivity != 8);
                  if (bad && o.connectivity != 4 && o.connectivity != 8)
                      cli_error("--connectivity: '%s' must be 4 or 8\n", optarg);
                  break;
        case 'n': o.split = 0; break;
        case 'y': bad = parse_double("--min-dynamic", optarg, &o.min_dynamic_px) < 0 || o.min_dynamic_px < 0;
                  break;
        case 'f': bad = parse_double("--min-fraction", optarg, &o.min_fraction) < 0 || o.min_fraction < 0 ||
                        o.min_fraction > 1;
                  break;
        case 'v': csv = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: return 2;
        }
        if (bad) {
            if (c == 'y' || c == 'f')
                cli_error("--%s: '%s' out of range\n", c == 'y' ? "min-dynamic" : "min-fraction", optarg);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "qmap particles: expected one results file; see qmap particles --help\n");
        return 2;
    }
    const char *path = argv[optind];
    char csv_path[4096];
    if (csv)
        snprintf(csv_path, sizeof csv_path, "%s", csv);
    else
        default_csv_path(path, csv_path, sizeof csv_path);
    /* before any work: the CSV must not be the results file (or another input), a device... */
    if (qmap_output_check("--csv", csv_path, (const char *const[]){path}, 1) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    qmap_particle_maps *m = NULL;
    qmap_particles *p = NULL;
    int rc = 1;
    if (qmap_particle_maps_read(path, &m) < 0 || qmap_particles_find(m, &o, &p) < 0 ||
        qmap_particles_write(path, csv_path, p, &o) < 0) {
        cli_error("%s\n", qmap_error_message());
        goto done;
    }
    printf("%d particles (of at least %d positions%s) in the %d x %d map of %s\n", p->n_particles,
           o.min_positions, o.split ? ", touching ones split" : "", m->n_slow, m->n_fast, path);
    if (!quiet && p->n_particles > 0) {
        printf("%5s %6s %10s %9s %9s %9s %10s %9s %11s %9s %9s\n", "label", "n_pos", "area_um2", "ecd_um",
               "x_um", "y_um", "intensity", "d_A", "strain", "tilt_deg", "ext_deg");
        for (int i = 0; i < p->n_particles; i++) {
            const double *r = p->table + (size_t)i * QMAP_N_PCOLS;
            printf("%5d %6d %10.4g %9.4g %9.4g %9.4g %10.4g %9.6f %11.3e %9.4f %9.4f\n", (int)r[QMAP_PCOL_LABEL],
                   (int)r[QMAP_PCOL_N_POSITIONS], r[QMAP_PCOL_AREA], r[QMAP_PCOL_EQ_DIAMETER],
                   r[QMAP_PCOL_CENTROID_X], r[QMAP_PCOL_CENTROID_Y], r[QMAP_PCOL_INTENSITY], r[QMAP_PCOL_D_MEAN],
                   r[QMAP_PCOL_STRAIN_MEAN], r[QMAP_PCOL_TILT_MEAN], r[QMAP_PCOL_TILT_EXTENSION_MAX]);
        }
    }
    printf("wrote /particles into %s and %s\n", path, csv_path);
    rc = 0;
done:
    qmap_particles_free(p);
    qmap_particle_maps_free(m);
    return rc;
}
