/* cmd_info.c -- `qmap info`: what a dataset file holds, before processing it.
 *
 * Lists every readable SXDM map scan grouped into series (include/qmap/series.h), with the
 * --scans option that selects each, the other scans (alignment scans, subscans, maps whose
 * metadata cannot be read) and what `qmap process` would do with the file. It never refuses
 * a readable file; it exits 1 only when frames behind the listed scans cannot be read.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "qmap/frames.h"
#include "qmap/series.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap info FILE [--detector NAME] [--monitor COUNTER] [--scans LIST]\n\n"
"Lists the SXDM map scans of an ESRF ID01 file (BLISS HDF5, SPEC, or XSOCS master) grouped\n"
"into series: consecutive maps with the same motors, shape and nominal region (within a\n"
"quarter of a map step) whose rocking angle (eta, or another angle) steps through a rocking\n"
"curve. For each series: the scans, rocking-angle range and step (degrees), map region\n"
"(micrometres), time span and the option --scans LIST that makes qmap process take it. Then\n"
"per scan: angles eta/phi/nu/delta (degrees), energy (eV), distance (m), centre pixel and\n"
"frames, checking that the frames are readable (the LIMA files behind the virtual dataset\n"
"exist). Other scans are listed with the reason they are not maps. A file without SXDM scans\n"
"or with maps of different shapes is listed too, with what qmap process would do.\n\n"
"      --detector NAME   detector in measurement/ (default: auto-detect)\n"
"      --monitor NAME    also check that this counter exists in every scan\n"
"      --scans LIST      list only these scans (e.g. 2-14 or 2-9,11-14)\n"
"  -h, --help            this help\n");
}

static long print_scan(const char *path, const qmap_scan_info *s)
{
    printf("  %-8s %10.4f %10.4f %8.4f %10.4f %11.3f %9.6f %9.3f %9.3f %7d  %s( %s, %g, %g, %d, %s, %g, %g, %d )\n",
           s->name, s->angles.eta, s->angles.phi, s->angles.nu, s->angles.delta, s->geom.energy_ev,
           s->geom.distance_m, s->geom.center_row, s->geom.center_col, s->n_frames, s->title.command,
           s->title.fast_motor, s->title.fast_start, s->title.fast_end, s->title.n_fast,
           s->title.slow_motor, s->title.slow_start, s->title.slow_end, s->title.n_slow);
    qmap_frame_reader *rd = NULL;
    if (qmap_frame_reader_open(path, s->name, s->detector, &rd) < 0) {
        printf("           frames NOT readable: %s\n", qmap_error_message());
        return 1;
    }
    if (s->n_frames < s->title.n_fast * s->title.n_slow)
        printf("           interrupted: %d of %d frames\n", s->n_frames, s->title.n_fast * s->title.n_slow);
    qmap_frame_reader_close(rd);
    return 0;
}

static long print_series(const char *path, const qmap_dataset *ds, const qmap_series *sv, int ns)
{
    long bad = 0;
    for (int k = 0; k < ns; k++) {
        const qmap_series *se = &sv[k];
        const qmap_scan_info *s0 = qmap_dataset_scan(ds, se->first);
        char line[512];
        qmap_series_describe(ds, se, line, sizeof line);
        printf("\nseries %d   %s\n", k + 1, line);
        if (se->why_new[0])
            printf("           (a new series: %s)\n", se->why_new);
        if (se->start_time[0])
            printf("           time %s .. %s\n", se->start_time, se->end_time[0] ? se->end_time : "?");
        printf("           detector %s, %d x %d pixels of %.3g x %.3g m; positions %s\n", s0->detector,
               s0->geom.n_rows, s0->geom.n_cols, s0->geom.pixel_row_m, s0->geom.pixel_col_m,
               s0->positions_recorded ? "recorded" : "nominal (none recorded)");
        printf("  %-8s %10s %10s %8s %10s %11s %9s %9s %9s %7s  %s\n", "scan", "eta", "phi", "nu",
               "delta", "energy_eV", "dist_m", "cen_row", "cen_col", "frames", "title");
        for (int i = 0; i < se->count; i++)
            bad += print_scan(path, qmap_dataset_scan(ds, se->first + i));
    }
    return bad;
}

static void print_others(const qmap_dataset *ds)
{
    int n = qmap_dataset_n_other(ds);
    if (n == 0)
        return;
    printf("\nother scans (%d):\n", n);
    for (int i = 0; i < n; i++) {
        const char *name, *title, *why;
        qmap_dataset_other(ds, i, &name, NULL, &title, &why);
        printf("  %-8s %-40.160s  %s\n", name, title[0] ? title : "(no title)", why);
    }
}

static void print_verdict(const qmap_dataset *ds, const qmap_series *sv, int ns)
{
    if (ns == 0)
        printf("\nnote: no SXDM map scan: qmap process has nothing to process in this file\n");
    else if (ns == 1)
        printf("\nnote: qmap process takes this series as it is (or with --scans %s)\n", sv[0].scans);
    else
        printf("\nnote: %d series: qmap process needs --scans to choose one (%s, ...); it never "
               "merges series\n", ns, sv[0].scans);
    (void)ds;
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"detector", required_argument, 0, 'd'},
                                             {"monitor", required_argument, 0, 'm'},
                                             {"scans", required_argument, 0, 's'},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    qmap_open_options oo = {.listing = 1};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'd') oo.detector = optarg;
        else if (c == 'm') oo.monitor = optarg;
        else if (c == 's') oo.scans = optarg;
        else if (c == 'h') { usage(stdout); return 0; }
        else return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "qmap info: expected one input file; see qmap info --help\n");
        return 2;
    }
    const char *path = argv[optind];
    if (qmap_path_is_special(path)) {   /* a FIFO would block the open */
        cli_error("%s: is not a regular file (FIFO, device or socket)\n", path);
        return 1;
    }
    qmap_dataset *ds = NULL;
    if (qmap_dataset_open(path, &oo, &ds) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    qmap_series *sv = NULL;
    int ns = 0;
    if (qmap_series_find(ds, &sv, &ns) < 0) {
        cli_error("%s\n", qmap_error_message());
        qmap_dataset_close(ds);
        return 1;
    }
    int n = qmap_dataset_n_scans(ds);
    printf("file        %s\n", path);
    printf("SXDM scans  %d (other scans skipped: %d) in %d series\n", n, qmap_dataset_n_skipped(ds), ns);
    if (n > 0) {
        const qmap_scan_info *s0 = qmap_dataset_scan(ds, 0);
        printf("detector    %s, %d x %d pixels of %.3g x %.3g m\n", s0->detector, s0->geom.n_rows,
               s0->geom.n_cols, s0->geom.pixel_row_m, s0->geom.pixel_col_m);
    }
    long bad = print_series(path, ds, sv, ns);
    print_others(ds);
    print_verdict(ds, sv, ns);
    free(sv);
    qmap_dataset_close(ds);
    if (bad) {
        cli_error("%s: %ld scan(s) with unreadable frames\n", path, bad);
        return 1;
    }
    return 0;
}
