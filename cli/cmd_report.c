/* cmd_report.c -- `qmap report RESULTS.h5 [-o DIR]`: figures and report.html of a results file. */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/report.h"

#include <getopt.h>
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
"  -q, --quiet          do not print where the report is\n"
"  -h, --help           this help\n");
}

int cmd_report(int argc, char **argv)
{
    enum { O_LOG = 256, O_SCALE, O_NOSVG };
    static const struct option longopts[] = {{"output", required_argument, 0, 'o'},
                                             {"log-intensity", no_argument, 0, O_LOG},
                                             {"scale", required_argument, 0, O_SCALE},
                                             {"no-svg", no_argument, 0, O_NOSVG},
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
        else if (c == O_SCALE) {
            if (parse_double("--scale", optarg, &o.png_scale) < 0)
                return 2;
            if (!(o.png_scale > 0 && o.png_scale <= 8)) {
                fprintf(stderr, "qmap: --scale: %s is not in (0, 8]\n", optarg);
                return 2;
            }
        } else if (c == 'h') {
            usage(stdout);
            return 0;
        } else
            return 2;
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
        fprintf(stderr, "qmap: %s\n", qmap_error_message());
        return 1;
    }
    if (!quiet)
        printf("report written to %s/report.html\n", dir);
    return 0;
}
