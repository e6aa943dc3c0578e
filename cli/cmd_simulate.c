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
"      --drift DX,DY      drift per scan in micrometres (default 0.04,-0.025, scaled down\n"
"                         so that the particle moves at most a quarter of the map by the\n"
"                         last scan)\n"
"      --tilt DEG         maximum tilt at the particle edge in degrees (default 0.05)\n"
"      --strain S         peak-to-peak strain across the particle (default 2e-3)\n"
"      --counts N         expected counts of the whole peak at the particle centre\n"
"      --hot-pixels N     number of hot pixels (default 5)\n"
"      --compression C    bslz4 (default), gzip or none\n"
"      --tilt-shape S     dome (default: tilt grows to --tilt at the edge, radially),\n"
"                         bending (rotation about y, linear in x: +-TILT at the x edges,\n"
"                         in the rocking plane) or mosaic (random tilt of sigma TILT per block)\n"
"      --mosaic-block UM  mosaic block size in micrometres (default 0.3; the blocks are made\n"
"                         of whole raster cells: no block edge runs through a position)\n"
"      --fluo-frames N    sample fluorescence reaching the detector: N counts per frame over\n"
"                         the whole chip where the particle is thickest (default 0)\n"
"      --fluo-counter C   measurement/fluo: yes (default), no (absent) or zero (all zeros)\n"
"      --particles N      1 (default) to 4 particles\n"
"      --background B     flat background, counts per pixel per frame (default 0.002)\n"
"      --offset FX,FY     shift the (first) particle by fractions of the map (0.5: on the border)\n"
"      --particle-size AX,AY  semi-axes of the (first) particle's ellipse as fractions of the\n"
"                           map extent (default 0.25,0.30; e.g. 0.04,0.04: a small particle\n"
"                           in a large map)\n"
"      --featureless      a film filling the whole map instead of particles\n"
"      --eta-order O      monotonic (default) or interleaved (even rocking steps, then odd)\n"
"      --seed N           random seed (default 1)\n"
"      --series N         1 (default) or 2: a second particle at another map origin, after an\n"
"                           alignment ascan, as a second series (qmap process --scans selects\n"
"                           one); its truth is DIR/ground_truth_series2.h5\n"
"      --beam ROW,COL     direct-beam pixel at zero angles = where the peak falls on the\n"
"                           detector (default 200.4,320.7; e.g. 257.5,257.5 on the chip gaps)\n"
"      --mu DEG           sample circle mu in degrees, recorded in the file (default 0)\n"
"      --detector-calib DETROT,TILT,TILTAZIMUTH  calibration angles of the simulated detector\n"
"                           in degrees (xrayutilities init_area meaning; not recorded in the\n"
"                           file: qmap process needs --detrot/--tilt/--tiltazimuth)\n"
"      --ideal-frames     store one value per physical pixel; by default the frames have the\n"
"                           LIMA Maxipix 2x2 layout: the 3-pixel-wide chip-edge pixels 255 and\n"
"                           260 hold the counts of their 3 positions and 256-259 are zero\n"
"  -h, --help             this help\n");
}

enum { O_SIZE = 256, O_ETA, O_STEP, O_DRIFT, O_TILT, O_STRAIN, O_COUNTS, O_HOT, O_COMP, O_SEED,
       O_TSHAPE, O_MBLOCK, O_FLUOF, O_FLUOC, O_PART, O_OFFSET, O_FEATURELESS, O_ETAORDER, O_BG,
       O_SERIES, O_BEAM, O_IDEAL, O_MU, O_DCALIB, O_PSIZE };

/* value of a word option among names[] (index), or -1 with a one-line error */
static int pick(const char *opt, const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    fprintf(stderr, "qmap simulate: %s: '%s' is not one of", opt, v);
    for (int i = 0; i < n; i++)
        fprintf(stderr, " %s", names[i]);
    fprintf(stderr, "\n");
    return -1;
}

int cmd_simulate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"size", required_argument, 0, O_SIZE},
        {"eta", required_argument, 0, O_ETA}, {"step", required_argument, 0, O_STEP},
        {"drift", required_argument, 0, O_DRIFT}, {"tilt", required_argument, 0, O_TILT},
        {"strain", required_argument, 0, O_STRAIN}, {"counts", required_argument, 0, O_COUNTS},
        {"hot-pixels", required_argument, 0, O_HOT}, {"compression", required_argument, 0, O_COMP},
        {"seed", required_argument, 0, O_SEED}, {"tilt-shape", required_argument, 0, O_TSHAPE},
        {"mosaic-block", required_argument, 0, O_MBLOCK}, {"fluo-frames", required_argument, 0, O_FLUOF},
        {"fluo-counter", required_argument, 0, O_FLUOC}, {"particles", required_argument, 0, O_PART},
        {"offset", required_argument, 0, O_OFFSET}, {"featureless", no_argument, 0, O_FEATURELESS},
        {"particle-size", required_argument, 0, O_PSIZE},
        {"eta-order", required_argument, 0, O_ETAORDER}, {"background", required_argument, 0, O_BG},
        {"series", required_argument, 0, O_SERIES},
        {"beam", required_argument, 0, O_BEAM}, {"ideal-frames", no_argument, 0, O_IDEAL},
        {"mu", required_argument, 0, O_MU}, {"detector-calib", required_argument, 0, O_DCALIB},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static const char *const shapes[] = {"dome", "bending", "mosaic"}, *const yesno[] = {"no", "yes", "zero"},
                             *const orders[] = {"monotonic", "interleaved"};
    int k;
    qmap_sim_params p;
    qmap_sim_defaults(&p);
    const char *dir = NULL;
    int c, bad = 0, size[2], seed, drift_given = 0;
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
        case O_DRIFT: bad = parse_doubles("--drift", optarg, ',', 2, p.drift_um); drift_given = 1; break;
        case O_TILT: bad = parse_double("--tilt", optarg, &p.tilt_max_deg); break;
        case O_STRAIN: bad = parse_double("--strain", optarg, &p.strain_amplitude); break;
        case O_COUNTS: bad = parse_double("--counts", optarg, &p.peak_counts); break;
        case O_HOT: bad = parse_int("--hot-pixels", optarg, 0, 10000, &p.hot_pixels); break;
        case O_SERIES: bad = parse_int("--series", optarg, 1, 2, &p.n_series); break;
        case O_IDEAL: p.ideal_frames = 1; break;
        case O_MU: bad = parse_double("--mu", optarg, &p.mu_deg); break;
        case O_DCALIB: bad = parse_doubles("--detector-calib", optarg, ',', 3, p.detector_calib_deg); break;
        case O_BEAM: {
            double b[2];
            bad = parse_doubles("--beam", optarg, ',', 2, b);
            p.beam_row = b[0];
            p.beam_col = b[1];
            break;
        }
        case O_SEED: bad = parse_int("--seed", optarg, 0, 2000000000, &seed); p.seed = (unsigned long)seed; break;
        case O_TSHAPE: bad = (k = pick("--tilt-shape", optarg, shapes, 3)) < 0; p.tilt_shape = k; break;
        case O_FLUOC: bad = (k = pick("--fluo-counter", optarg, yesno, 3)) < 0; p.fluo_counter = k; break;
        case O_ETAORDER: bad = (k = pick("--eta-order", optarg, orders, 2)) < 0; p.eta_order = k; break;
        case O_MBLOCK: bad = parse_double("--mosaic-block", optarg, &p.mosaic_block_um); break;
        case O_FLUOF: bad = parse_double("--fluo-frames", optarg, &p.fluo_frame_counts); break;
        case O_PART: bad = parse_int("--particles", optarg, 1, 4, &p.n_particles); break;
        case O_OFFSET: bad = parse_doubles("--offset", optarg, ',', 2, p.particle_offset); break;
        case O_PSIZE: bad = parse_doubles("--particle-size", optarg, ',', 2, p.particle_axes); break;
        case O_FEATURELESS: p.featureless = 1; break;
        case O_BG: bad = parse_double("--background", optarg, &p.background); break;
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
    if (!drift_given)
        qmap_sim_fit_default_drift(&p);
    char master[4096];
    if (qmap_simulate(&p, dir, master, sizeof master) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    printf("simulated %d eta scans of a %d x %d map (%d frames): %s\n", p.n_eta, p.n_fast, p.n_slow,
           p.n_eta * p.n_fast * p.n_slow, master);
    return 0;
}
