/* cmd_simulate.c -- `qmap simulate`: write a synthetic ID01 dataset with ground truth. */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/simulate.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap simulate -o DIR [options]\n\n"
"Writes DIR/sample_0001.h5 (BLISS layout, virtual datasets into bitshuffle-LZ4 LIMA files\n"
"DIR/scanNNNN/mpx1x4_0000.h5) of an NMC622 003 particle with a known strain, tilt and width\n"
"field, hot pixels, monitor fluctuations, Poisson noise and a linear drift, plus\n"
"DIR/ground_truth.h5 with the true maps.\n\n"
"  -o, --output DIR       output folder (created)\n"
"      --size NF,NS       map points fast x slow (default 30,24)\n"
"      --eta N            number of eta scans (default 13)\n"
"      --step UM          raster step in micrometres (default 0.1)\n"
"      --drift DX,DY      drift per scan in micrometres (default 0.04,-0.025)\n"
"      --tilt DEG         maximum tilt at the particle edge in degrees (default 0.05)\n"
"      --strain S         peak-to-peak strain across the particle (default 2e-3)\n"
"      --counts N         expected counts of the whole peak at the particle centre\n"
"      --hot-pixels N     number of hot pixels (default 5)\n"
"      --compression C    bslz4 (default), gzip or none\n"
"      --seed N           random seed (default 1)\n"
"  -h, --help             this help\n");
}

enum { O_SIZE = 256, O_ETA, O_STEP, O_DRIFT, O_TILT, O_STRAIN, O_COUNTS, O_HOT, O_COMP, O_SEED };

int cmd_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"size", required_argument, 0, O_SIZE},
        {"eta", required_argument, 0, O_ETA}, {"step", required_argument, 0, O_STEP},
        {"drift", required_argument, 0, O_DRIFT}, {"tilt", required_argument, 0, O_TILT},
        {"strain", required_argument, 0, O_STRAIN}, {"counts", required_argument, 0, O_COUNTS},
        {"hot-pixels", required_argument, 0, O_HOT}, {"compression", required_argument, 0, O_COMP},
        {"seed", required_argument, 0, O_SEED}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    qmap_sim_params p;
    qmap_sim_defaults(&p);
    const char *dir = NULL;
    int c, bad = 0, size[2], seed;
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'h': usage(stdout); return 0;
        case O_SIZE:
            bad = parse_ints("--size", optarg, 2, size);
            if (!bad && (size[0] < 4 || size[1] < 4 || size[0] > 2000 || size[1] > 2000)) {
                cli_error("--size: each dimension must be 4..2000\n");
                bad = -1;
            }
            p.n_fast = size[0];
            p.n_slow = size[1];
            break;
        case O_ETA: bad = parse_int("--eta", optarg, 3, 1000, &p.n_eta); break;
        case O_STEP: bad = parse_double("--step", optarg, &p.step_um); break;
        case O_DRIFT: bad = parse_doubles("--drift", optarg, ',', 2, p.drift_um); break;
        case O_TILT: bad = parse_double("--tilt", optarg, &p.tilt_max_deg); break;
        case O_STRAIN: bad = parse_double("--strain", optarg, &p.strain_amplitude); break;
        case O_COUNTS: bad = parse_double("--counts", optarg, &p.peak_counts); break;
        case O_HOT: bad = parse_int("--hot-pixels", optarg, 0, 10000, &p.hot_pixels); break;
        case O_SEED: bad = parse_int("--seed", optarg, 0, 2000000000, &seed); p.seed = (unsigned long)seed; break;
        case O_COMP:
            if (strcmp(optarg, "bslz4") == 0) p.compression = 0;
            else if (strcmp(optarg, "gzip") == 0) p.compression = 1;
            else if (strcmp(optarg, "none") == 0) p.compression = 2;
            else {
                cli_error("--compression: '%s' is not bslz4, gzip or none\n", optarg);
                bad = -1;
            }
            break;
        default: bad = -1;
        }
    }
    if (bad)
        return 2;
    if (!dir || optind != argc) {
        fprintf(stderr, "qmap simulate: give the output folder with -o DIR (and nothing else); see --help\n");
        return 2;
    }
    char master[4096];
    if (qmap_simulate(&p, dir, master, sizeof master) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    printf("simulated %d eta scans of a %d x %d map (%d frames): %s\n", p.n_eta, p.n_fast, p.n_slow,
           p.n_eta * p.n_fast * p.n_slow, master);
    return 0;
}
