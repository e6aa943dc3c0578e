/* cmd_report.c -- `qmap report RESULTS.h5 [-o DIR]`: figures and report.html of a results file. */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/plot.h"
#include "qmap/report.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap report RESULTS.h5 [-o DIR] [options]\n\n"
"Draws every figure of a `qmap process` results file (maps, peak widths, tilt, distribution,\n"
"reciprocal space, drift, rocking curve) as PNG and SVG, an overview.png and a self-contained\n"
"report.html with the processing parameters. When the file has /particles (qmap particles),\n"
"the labelled-particle map and the particle table are added.\n\n"
"  -o, --output DIR     report folder (default: RESULTS_report beside the results file)\n"
"      --log-intensity  intensity map on a log colour scale\n"
"      --scale S        PNG pixels per figure unit (default 2)\n"
"      --no-svg         PNG only\n"
"      --pdf            also NAME.pdf for each figure (vector, for papers)\n"
"      --maps LIST      draw only these figures, comma-separated: figure names (map_strain,\n"
"                       widths_sigma, tilt_polar, ...) or map names (strain, d_spacing, c, q,\n"
"                       intensity); qmap report --list-figures prints them\n"
"      --vmin V, --vmax V  colour limits of the single maps, in the map's unit (default: the\n"
"                       1st and 99th percentiles over the particle; intensity from 0, strain\n"
"                       symmetric about 0); use with --maps to give one quantity its limits\n"
"      --cmap NAME      colour map of the single maps: viridis, diverging or cyclic\n"
"      --list-figures   print the figure names and stop\n"
"  -q, --quiet          do not print where the report is\n"
"  -h, --help           this help\n");
}

int cmd_report(int argc, char **argv)
{
    enum { O_LOG = 256, O_SCALE, O_NOSVG, O_PDF, O_MAPS, O_VMIN, O_VMAX, O_CMAP, O_LIST };
    static const struct option longopts[] = {{"output", required_argument, 0, 'o'},
                                             {"log-intensity", no_argument, 0, O_LOG},
                                             {"scale", required_argument, 0, O_SCALE},
                                             {"no-svg", no_argument, 0, O_NOSVG},
                                             {"pdf", no_argument, 0, O_PDF},
                                             {"maps", required_argument, 0, O_MAPS},
                                             {"vmin", required_argument, 0, O_VMIN},
                                             {"vmax", required_argument, 0, O_VMAX},
                                             {"cmap", required_argument, 0, O_CMAP},
                                             {"list-figures", no_argument, 0, O_LIST},
                                             {"quiet", no_argument, 0, 'q'},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    qmap_report_options o;
    qmap_report_defaults(&o);
    const char *dir = NULL;
    int c, quiet = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
        if (c == 'o') dir = optarg;
        else if (c == 'q') quiet = 1;
        else if (c == O_LOG) o.log_intensity = 1;
        else if (c == O_NOSVG) o.svg = 0;
        else if (c == O_PDF) o.pdf = 1;
        else if (c == O_MAPS) o.figures = optarg;
        else if (c == O_VMIN || c == O_VMAX) {
            if (parse_double(c == O_VMIN ? "--vmin" : "--vmax", optarg, c == O_VMIN ? &o.vmin : &o.vmax) < 0)
                return 2;
        } else if (c == O_CMAP) {
            static const char *names[] = {"viridis", "diverging", "cyclic"};
            o.cmap = -1;
            for (int k = 0; k < 3; k++)
                if (strcmp(optarg, names[k]) == 0)
                    o.cmap = k == 0 ? QMAP_CMAP_VIRIDIS : k == 1 ? QMAP_CMAP_DIVERGING : QMAP_CMAP_CYCLIC;
            if (o.cmap < 0) {
                cli_error("--cmap: '%s' is not viridis, diverging or cyclic\n", optarg);
                return 2;
            }
        } else if (c == O_LIST) {
            for (int i = 0; i < qmap_report_n_figures(); i++)
                printf("%s\n", qmap_report_figure_name(i));
            printf("particles\n");
            return 0;
        }
        else if (c == O_SCALE) {
            if (parse_double("--scale", optarg, &o.png_scale) < 0)
                return 2;
            if (!(o.png_scale > 0 && o.png_scale <= 8)) {
                cli_error("--scale: %s is not in (0, 8]\n", optarg);
                return 2;
            }
        } else if (c == 'h') {
            usage(stdout);
            return 0;
        } else
            return 2;
    }
    if (isfinite(o.vmin) && isfinite(o.vmax) && !(o.vmin < o.vmax)) {
        cli_error("--vmin %g must be below --vmax %g\n", o.vmin, o.vmax);
        return 2;
    }
    /* every item of --maps names a figure or a map */
    for (const char *p = o.figures; p && *p;) {
        const char *end = strchr(p, ',');
        char item[64];
        snprintf(item, sizeof item, "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
        int known = strcmp(item, "particles") == 0;
        for (int i = 0; i < qmap_report_n_figures() && !known; i++)
            known = qmap_report_selects(item, qmap_report_figure_name(i));
        if (!known) {
            cli_error("--maps: '%s' is no figure or map (qmap report --list-figures)\n", item);
            return 2;
        }
        p = end ? end + 1 : p + strlen(p);
    }
    if (optind != argc - 1) {
        fprintf(stderr, "qmap report: expected exactly one results file (got %d); see qmap report --help\n",
                argc - optind);
        return 2;
    }
    char def[4096];
    if (!dir) {
        qmap_report_default_dir(argv[optind], def, sizeof def);
        dir = def;
    }
    cli_signals_install();   /* the report polls the cancel flag and removes its folder */
    if (qmap_report_write(argv[optind], dir, &o) < 0) {
        if (cli_interrupted())
            return cli_interrupt_exit("the report was not written");
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    if (!quiet)
        printf("report written to %s/report.html\n", dir);
    return 0;
}
