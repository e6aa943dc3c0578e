/* cmd_info.c -- `qmap info`: what a BLISS dataset holds, before processing it. */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "qmap/frames.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap info FILE.h5 [--detector NAME] [--monitor COUNTER]\n\n"
"Lists the SXDM map scans of an ESRF ID01 BLISS dataset file: title, map shape and motors,\n"
"detector and its calibration (centre pixel, distance in m, pixel size in m), energy (eV),\n"
"angles eta/phi/nu/delta (degrees) and the number of frames, then checks that the frames are\n"
"readable (the LIMA files behind the virtual dataset exist).\n\n"
"      --detector NAME   detector in measurement/ (default: auto-detect)\n"
"      --monitor NAME    also check that this counter exists in every scan\n"
"  -h, --help            this help\n");
}

int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"detector", required_argument, 0, 'd'},
                                             {"monitor", required_argument, 0, 'm'},
                                             {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    qmap_open_options oo = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'd') oo.detector = optarg;
        else if (c == 'm') oo.monitor = optarg;
        else if (c == 'h') { usage(stdout); return 0; }
        else return 2;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "qmap info: expected one input file; see qmap info --help\n");
        return 2;
    }
    const char *path = argv[optind];
    if (qmap_path_is_special(path)) {   /* a FIFO would block the open */
        fprintf(stderr, "qmap: %s: is not a regular file (FIFO, device or socket)\n", path);
        return 1;
    }
    qmap_dataset *ds = NULL;
    if (qmap_dataset_open(path, &oo, &ds) < 0) {
        fprintf(stderr, "qmap: %s\n", qmap_error_message());
        return 1;
    }
    int n = qmap_dataset_n_scans(ds);
    const qmap_scan_info *s0 = qmap_dataset_scan(ds, 0);
    printf("file        %s\n", path);
    printf("SXDM scans  %d (other scans skipped: %d)\n", n, qmap_dataset_n_skipped(ds));
    printf("detector    %s, %d x %d pixels of %.3g x %.3g m\n", s0->detector, s0->geom.n_rows,
           s0->geom.n_cols, s0->geom.pixel_row_m, s0->geom.pixel_col_m);
    printf("map         %d x %d (slow %s %g..%g um, fast %s %g..%g um), positions %s\n",
           s0->title.n_slow, s0->title.n_fast, s0->title.slow_motor, s0->title.slow_start,
           s0->title.slow_end, s0->title.fast_motor, s0->title.fast_start, s0->title.fast_end,
           s0->positions_recorded ? "recorded" : "nominal (none recorded)");
    printf("\n%-8s %10s %10s %8s %10s %11s %9s %9s %9s %7s  %s\n", "scan", "eta", "phi", "nu",
           "delta", "energy_eV", "dist_m", "cen_row", "cen_col", "frames", "title");
    long bad = 0;
    for (int i = 0; i < n; i++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, i);
        printf("%-8s %10.4f %10.4f %8.4f %10.4f %11.3f %9.6f %9.3f %9.3f %7d  %s( %s, %g, %g, %d, %s, %g, %g, %d )\n",
               s->name, s->angles.eta, s->angles.phi, s->angles.nu, s->angles.delta, s->geom.energy_ev,
               s->geom.distance_m, s->geom.center_row, s->geom.center_col, s->n_frames, s->title.command,
               s->title.fast_motor, s->title.fast_start, s->title.fast_end, s->title.n_fast,
               s->title.slow_motor, s->title.slow_start, s->title.slow_end, s->title.n_slow);
        qmap_frame_reader *rd = NULL;
        if (qmap_frame_reader_open(path, s->name, s->detector, &rd) < 0) {
            printf("         frames NOT readable: %s\n", qmap_error_message());
            bad++;
        } else {
            if (s->n_frames < s->title.n_fast * s->title.n_slow)
                printf("         interrupted: %d of %d frames\n", s->n_frames, s->title.n_fast * s->title.n_slow);
            qmap_frame_reader_close(rd);
        }
    }
    qmap_dataset_close(ds);
    if (bad) {
        fprintf(stderr, "qmap: %s: %ld scan(s) with unreadable frames\n", path, bad);
        return 1;
    }
    return 0;
}
