/* cmd_process.c -- `qmap process`: run the pipeline on a BLISS dataset, write results. */
#define _GNU_SOURCE
#include "cli.h"
#include "qmap/error.h"
#include "qmap/mpi.h"
#include "qmap/params.h"
#include "qmap/process.h"
#include "qmap/crystal.h"
#include "qmap/report.h"
#include "qmap/xsocs.h"
#include "qmap/output.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f,
"usage: qmap process FILE [-o RESULTS.h5] [options]\n"
"       qmap process --params PARAMS|RESULTS.h5 [-o RESULTS.h5] [options]\n"
"       qmap process FILE FILE... [options]   (a batch: each FILE processed with the same\n"
"           options into <name>_qmap.h5, going on past a failed one; a summary table at the\n"
"           end; exit status 1 when any failed)\n\n"
"Processes an ESRF ID01 5D-SXDM dataset (BLISS HDF5 with scans N.1 holding sxdm/kmap/mesh\n"
"maps at successive eta, SPEC + EDF, or an XSOCS master file) into per-position maps; every\n"
"automatic choice is printed. Map sizes are given fast x slow.\n\n"
"  -o, --output FILE        results file (default: <input name>_qmap.h5 in the current folder)\n"
"      --detector NAME      detector in measurement/ (default: first of mpx1x4, mpxgaas, eiger2M, merlin)\n"
"      --monitor COUNTER    normalise each frame by COUNTER/<COUNTER> (e.g. mon1); default: none\n"
"      --mask FILE          extra detector mask: HDF5 (FILE or FILE:/dataset) or PNG, non-zero = masked\n"
"      --no-hot-pixels      do not detect hot pixels automatically\n"
"      --hot-fraction F     hot = non-zero in >= F of sampled frames and isolated (default 0.9)\n"
"      --energy EV          photon energy in eV, 100 .. 1e6 (default: instrument/monochromator/Energy)\n"
"      --distance M         sample-detector distance in metres, 0.001 .. 100 (default: instrument/<det>/distance)\n"
"      --pixel-size M       detector pixel size in metres, 1e-7 .. 0.01 (default: x/y_pixel_size)\n"
"      --center ROW,COL     direct-beam pixel at zero angles, pixels, |value| <= 1e6 (default: beam_center_y, _x)\n"
"      --offset LIST        angle offsets in degrees, subtracted from the recorded angles:\n"
"                           eta=D,phi=D,nu=D,delta=D,mu=D (any subset; mu is read from\n"
"                           instrument/positioners/mu when recorded, else 0), each |D| <= 360;\n"
"                           the angles after the offsets must be within +-720 deg (the same\n"
"                           ranges apply to the file's calibration and angles)\n"
"      --detrot D, --tilt D, --tiltazimuth D  detector calibration angles in degrees, as in\n"
"                           xrayutilities' init_area: detrot = rotation of the detector about the\n"
"                           primary beam, tilt = tilt of the detector plane about an axis in it at\n"
"                           tiltazimuth from the first pixel direction (default 0, 0, 0)\n"
"      --scans LIST         process exactly these scans (scan numbers N of N.1, SPEC #S numbers,\n"
"                           XSOCS entry numbers): ranges and comma lists, e.g. 2-14 or 2-9,11-14;\n"
"                           they must form one series. Without it the file must hold one series\n"
"                           (qmap info lists the series and the --scans option of each)\n"
"      --no-gap-correction  leave the chip-gap pixels of a Maxipix 2x2 (mpx1x4, 516 x 516) as\n"
"                           stored; by default each wide edge pixel's counts are split over its\n"
"                           three physical pixel positions following the neighbours' profile\n"
"      --gap-layout SPEC    wide edge pixels of another detector: rows:R1,R2,...;cols:C1,C2,...\n"
"                           (each a pair first,last of a gap: rows:255,260 means pixels 255 and\n"
"                           260 are 3 pixels wide and 256-259 are virtual), or none\n"
"      --shift MODE         drift correction: auto (default: cross-correlation registration + line fit),\n"
"                           none, or DX,DY = drift in micrometres per scan (x = fast, y = slow),\n"
"                           each |value| <= 1000 um\n"
"      --shift-signal S     what auto measures the drift on: auto (default: the first with\n"
"                           contrast of a fluorescence counter of measurement/, the detector's\n"
"                           off-Bragg fluorescence, the Bragg maps), counter, off-bragg, bragg\n"
"      --shift-counter NAME measure the drift on this measurement/ counter (e.g. a fluorescence\n"
"                           ROI); an error if it is missing or has no contrast\n"
"      --shift-apply M      nearest (re-index by whole map pixels) or interpolate (bilinear\n"
"                           interpolation of each scan's per-position sums at the drift-\n"
"                           corrected position; default, not with --save-qspace)\n"
"      --quick-look M       sample (default) or full: when the drift needs no frame signal (--shift\n"
"                           given or none, or measured on a counter) the quick-look pass that\n"
"                           places the VOI reads one frame in about n/100 of each scan of n\n"
"                           positions, spread over the map; full reads every frame (the drift's\n"
"                           frame signals always need every frame). After pass 2 the log says\n"
"                           whether the VOI holds the whole peak; a sampled VOI that cuts it\n"
"                           makes qmap redo the quick look and pass 2 on every frame\n"
"      --background M       none (default: centres and widths are moments of everything in the\n"
"                           VOI, sxdm's definition) or faces: at each position, subtract the flat\n"
"                           background per pixel measured on the VOI's faces (the first and last\n"
"                           slab along qx, qy, qz pooled, less those on the peak's tail) before\n"
"                           the moments and fits;\n"
"                           the intensity map is then the net intensity\n"
"      --voi Q0:Q1,Q0:Q1,Q0:Q1  reciprocal-space box qx,qy,qz in 1/Angstrom, |Q| <= 1000 (default: automatic)\n"
"      --bins NX,NY,NZ      number of q bins in the VOI, each 2 .. 1000 (default: automatic, no empty slabs)\n"
"      --dref D             reference d-spacing for strain, Angstrom (default: particle mean)\n"
"      --hkl H,K,L          reflection; with 0,0,L the lattice parameter map c = L*d is written\n"
"      --cif FILE           crystal structure: d_ref = d(H,K,L) of the CIF (needs --hkl, not --dref),\n"
"                           and the angular offsets of the measured mean Q from the CIF reflection\n"
"      --ip-dir, --oop-dir H,K,L  sample orientation for those offsets (default 1,0,0 and 0,0,1)\n"
"      --threshold I        particle-mask threshold on the VOI intensity, counts (default: Otsu)\n"
"      --threads N          OpenMP threads (default: all cores)\n"
"      --skip-bad-scans     drop (and report) scans whose frames cannot be read, e.g. a missing\n"
"                           LIMA file, or whose title or metadata cannot be read, instead of\n"
"                           stopping; at least one scan must remain\n"
"      --saturation COUNTS  pixel readings >= COUNTS are saturated and ignored (default: each\n"
"                           scan's instrument/<det>/saturation_value when the file has one)\n"
"      --save-qspace        also write the per-position VOI cube /qspace/cube (n_slow, n_fast,\n"
"                           nx, ny, nz), held in memory: refused above 4 GiB\n"
"      --xsocs-qspace FILE  also write the per-position q-space as an XSOCS q-space file for XSOCS\n"
"                           and silx (Data/qspace, qx, qy, qz, histo; implies --save-qspace)\n"
"      --params FILE        take the settings of FILE: a parameter file (name = value lines, the\n"
"                           option names above; written by --write-params) or a results file\n"
"                           (RESULTS.h5 repeats that run bit for bit); options given on the\n"
"                           command line override it, FILE.h5 may be left out (input = ...)\n"
"      --write-params FILE  write the settings of this command as a parameter file and stop\n"
"      --report             also draw the figures and report.html into RESULTS_report/\n"
"      --resume             continue an interrupted run (SIGINT, SIGTERM, crash) from the checkpoint\n"
"                           RESULTS.checkpoint that the accumulation pass saves after a scan\n"
"                           every 30 s at most (a pass shorter than 30 s saves none);\n"
"                           same input, options and --threads required; the result is identical\n"
"                           to an uninterrupted run. The checkpoint is removed once RESULTS is\n"
"                           written (not available with --save-qspace or under MPI)\n"
"  -q, --quiet              do not print the choices\n"
"  -v, --verbose            also print the wall-clock and CPU seconds of every stage (\"time:\" lines:\n"
"                           the profile of bench/README.md)\n"
"  -h, --help               this help\n");
}

/* O_LIB: the option's value goes to qmap_process_set_option under the option's name. */
enum { O_LIB = 256, O_NOHOT, O_SAVE_QSPACE, O_REPORT, O_CIF, O_IP_DIR, O_OOP_DIR, O_XSOCS_QSPACE,
       O_RESUME, O_SKIP_BAD, O_NOGAP, O_PARAMS, O_WRITE_PARAMS };

/* The settings as given (qmap/params.h): recorded in the results file, written by
 * --write-params; `loaded` holds the values read by --params (options point into it). */
static qmap_params settings, loaded;
static const char *write_params_path;

/* --cif and the sample orientation (helpers in cmd_hkl.c) */
static struct { const char *path; int ip[3], oop[3]; } cif_opt = {NULL, {1, 0, 0}, {0, 0, 1}};
static const char *xsocs_qspace_path;   /* --xsocs-qspace FILE (src/results/xsocs_write.c) */
qmap_crystal *hkl_process_reference(const char *cif, const int hkl[3], double *dref);
void hkl_process_offsets(const qmap_crystal *c, const char *cif, const int hkl[3],
                         const int ip[3], const int oop[3], qmap_results *r, int quiet);

/* An option whose value the library parses (same names, values and messages as the
 * Python binding's keyword arguments: qmap_process_set_option). */
static int library_option(qmap_process_options *o, const char *name, const char *value)
{
    if (qmap_process_set_option(o, name, value) < 0 || qmap_params_set(&settings, name, value) < 0) {
        fprintf(stderr, "qmap process: %s\n", qmap_error_message());
        return -1;
    }
    return 0;
}

static int record(const char *name, const char *value)
{
    if (qmap_params_set(&settings, name, value) < 0) {
        fprintf(stderr, "qmap process: %s\n", qmap_error_message());
        return -1;
    }
    return 0;
}

/* --params FILE: apply every setting of a parameter or results file; the command line
 * (parsed afterwards) overrides them. */
static int apply_params(qmap_process_options *o, const char *path)
{
    if (qmap_params_read(path, &loaded) < 0) {
        fprintf(stderr, "qmap process: %s\n", qmap_error_message());
        return -1;
    }
    for (int i = 0; i < loaded.n; i++) {
        const char *k = loaded.keys[i], *v = loaded.values[i];
        int bad = 0;
        if (strcmp(k, "input") == 0) o->input = v;
        else if (strcmp(k, "cif") == 0) cif_opt.path = v;
        else if (strcmp(k, "ip-dir") == 0) bad = parse_ints("ip-dir", v, 3, cif_opt.ip);
        else if (strcmp(k, "oop-dir") == 0) bad = parse_ints("oop-dir", v, 3, cif_opt.oop);
        else {
            if (qmap_process_set_option(o, k, v) < 0) {
                fprintf(stderr, "qmap process: %s: %s\n", path, qmap_error_message());
                return -1;
            }
        }
        if (bad || record(k, v) < 0)
            return -1;
    }
    return 0;
}

static int parse_args(int argc, char **argv, qmap_process_options *o, const char **output, int *quiet,
                      int *report)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'}, {"detector", required_argument, 0, O_LIB},
        {"monitor", required_argument, 0, O_LIB}, {"mask", required_argument, 0, O_LIB},
        {"no-hot-pixels", no_argument, 0, O_NOHOT}, {"hot-fraction", required_argument, 0, O_LIB},
        {"energy", required_argument, 0, O_LIB}, {"distance", required_argument, 0, O_LIB},
        {"pixel-size", required_argument, 0, O_LIB}, {"center", required_argument, 0, O_LIB},
        {"offset", required_argument, 0, O_LIB}, {"shift", required_argument, 0, O_LIB},
        {"shift-counter", required_argument, 0, O_LIB}, {"shift-signal", required_argument, 0, O_LIB},
        {"shift-apply", required_argument, 0, O_LIB}, {"quick-look", required_argument, 0, O_LIB},
        {"background", required_argument, 0, O_LIB},
        {"voi", required_argument, 0, O_LIB}, {"bins", required_argument, 0, O_LIB},
        {"dref", required_argument, 0, O_LIB}, {"hkl", required_argument, 0, O_LIB},
        {"cif", required_argument, 0, O_CIF}, {"ip-dir", required_argument, 0, O_IP_DIR},
        {"oop-dir", required_argument, 0, O_OOP_DIR},
        {"threshold", required_argument, 0, O_LIB}, {"threads", required_argument, 0, O_LIB},
        {"skip-bad-scans", no_argument, 0, O_SKIP_BAD}, {"saturation", required_argument, 0, O_LIB},
        {"save-qspace", no_argument, 0, O_SAVE_QSPACE}, {"report", no_argument, 0, O_REPORT},
        {"xsocs-qspace", required_argument, 0, O_XSOCS_QSPACE}, {"resume", no_argument, 0, O_RESUME},
        {"scans", required_argument, 0, O_LIB}, {"gap-layout", required_argument, 0, O_LIB},
        {"detrot", required_argument, 0, O_LIB}, {"tilt", required_argument, 0, O_LIB},
        {"tiltazimuth", required_argument, 0, O_LIB}, {"no-gap-correction", no_argument, 0, O_NOGAP},
        {"params", required_argument, 0, O_PARAMS}, {"write-params", required_argument, 0, O_WRITE_PARAMS},
        {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, bad = 0, index = 0;
    /* --params first, whatever its place, so that the command line overrides the file */
    for (int i = 1; i < argc; i++) {
        const char *file = NULL;
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--params") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strncmp(argv[i], "--params=", 9) == 0)
            file = argv[i] + 9;
        if (file && apply_params(o, file) < 0)
            return -1;
    }
    optind = 1;
    while (!bad && (c = getopt_long(argc, argv, "o:qvh", longopts, &index)) != -1) {
        switch (c) {
        case 'o': *output = optarg; break;
        case 'q': *quiet = 1; break;
        case 'v': o->timings = 1; break;
        case 'h': usage(stdout); return 1;
        case O_LIB: bad = library_option(o, longopts[index].name, optarg); break;
        case O_NOHOT: o->hot_pixels = 0; bad = record("hot-pixels", "off"); break;
        case O_CIF: cif_opt.path = optarg; bad = record("cif", optarg); break;
        case O_IP_DIR: bad = parse_ints("--ip-dir", optarg, 3, cif_opt.ip) || record("ip-dir", optarg); break;
        case O_OOP_DIR: bad = parse_ints("--oop-dir", optarg, 3, cif_opt.oop) || record("oop-dir", optarg); break;
        case O_SAVE_QSPACE: o->save_qspace = 1; bad = record("save-qspace", "on"); break;
        case O_PARAMS: break;   /* applied above */
        case O_WRITE_PARAMS: write_params_path = optarg; break;
        case O_XSOCS_QSPACE: xsocs_qspace_path = optarg; o->save_qspace = 1; break;
        case O_REPORT: *report = 1; break;
        case O_RESUME: o->resume = 1; break;
        case O_SKIP_BAD: o->skip_bad_scans = 1; bad = record("skip-bad-scans", "on"); break;
        case O_NOGAP: o->no_gap_correction = 1; bad = record("gap-correction", "off"); break;
        default: bad = -1;
        }
    }
    if (bad)
        return -1;
    if (optind == argc && o->input)
        return 0;   /* the input of --params */
    if (argc - optind > 1)
        return 2;   /* several inputs: a batch (process_batch.c), the options at argv[1..optind-1] */
    if (optind != argc - 1) {
        fprintf(stderr, "qmap process: expected exactly one input file (got %d); see qmap process --help\n",
                argc - optind);
        return -1;
    }
    o->input = argv[optind];
    return 0;
}

/* The settings in order, input first: what the results file and --write-params record. */
static int final_settings(const char *input, qmap_params *out)
{
    if (qmap_params_set(out, "input", input) < 0)
        return -1;
    for (int i = 0; i < settings.n; i++)
        if (strcmp(settings.keys[i], "input") != 0 && qmap_params_set(out, settings.keys[i], settings.values[i]) < 0)
            return -1;
    return 0;
}

/* The command line as one string, arguments with spaces or quotes single-quoted. */
static char *command_line(int argc, char **argv)
{
    size_t n = 8;
    for (int i = 0; i < argc; i++)
        n += 4 * strlen(argv[i]) + 3;
    char *s = malloc(n), *p = s;
    if (!s)
        return NULL;
    p += sprintf(p, "qmap process");   /* argv[0] is the command's name */
    for (int i = 1; i < argc; i++) {
        int quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t'\"\\$*?;&|<>()") != NULL;
        *p++ = ' ';
        if (quote)
            *p++ = '\'';
        for (const char *c = argv[i]; *c; c++) {
            if (quote && *c == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            } else {
                *p++ = *c;
            }
        }
        if (quote)
            *p++ = '\'';
    }
    *p = '\0';
    return s;
}

/* Progress callback: the bar, except for the per-scan checkpoint events, which drive the
 * test hook QMAP_TEST_STOP_AFTER_SCANS=N (raise QMAP_TEST_STOP_SIGNAL, INT or TERM, once
 * N scans are saved: a deterministic interrupt for tests/test_signals.sh and test_resume),
 * and QMAP_TEST_PAUSE_AFTER_SCANS=N (stop with SIGSTOP there, so that a test can send a
 * real signal from outside at a known point without timing). */
static void process_progress(void *ctx, const char *stage, double fraction)
{
    static int saved;
    if (strcmp(stage, "checkpoint") != 0) {
        if (qmap_mpi_rank() == 0)
            progress_bar(ctx, stage, fraction);
        return;
    }
    const char *stop = getenv("QMAP_TEST_STOP_AFTER_SCANS");
    const char *pause = getenv("QMAP_TEST_PAUSE_AFTER_SCANS");
    ++saved;
    if (pause && saved == atoi(pause))
        raise(SIGSTOP);   /* the test sees the process stopped, sends a real signal, continues it */
    if (stop && saved == atoi(stop)) {
        const char *sig = getenv("QMAP_TEST_STOP_SIGNAL");
        raise(sig && strcmp(sig, "TERM") == 0 ? SIGTERM : SIGINT);
    }
}

/* Output safety before any computation (qmap/output.h): no output may be an input (the
 * dataset file, the mask, the CIF), a device, a link or in a missing folder, and an existing
 * HDF5 output is replaced only when qmap wrote it. A FIFO or device as input is refused too. */
static int check_outputs(const qmap_process_options *o, const char *output, const char *checkpoint, int report)
{
    if (qmap_path_is_special(o->input))
        return qmap_error(QMAP_ERR_VALUE, "%s: is not a regular file (FIFO, device or socket)", o->input);
    char mask[4096] = "";
    if (o->mask_file) {
        snprintf(mask, sizeof mask, "%s", o->mask_file);
        char *colon = strrchr(mask, ':');
        if (colon && access(mask, F_OK) != 0)
            *colon = '\0';   /* FILE:/dataset */
        if (qmap_path_is_special(mask))
            return qmap_error(QMAP_ERR_VALUE, "--mask %s: is not a regular file", mask);
    }
    const char *inputs[] = {o->input, mask[0] ? mask : NULL, cif_opt.path};
    int n = (int)(sizeof inputs / sizeof inputs[0]);
    int rc;
    if ((rc = qmap_output_check("-o", output, inputs, n)) < 0 || (rc = qmap_output_check_ours("-o", output)) < 0 ||
        (rc = qmap_output_check("checkpoint", checkpoint, inputs, n)) < 0)
        return rc;
    if (xsocs_qspace_path) {
        /* the XSOCS layout has no creator attribute: the inode check only */
        if ((rc = qmap_output_check("--xsocs-qspace", xsocs_qspace_path, inputs, n)) < 0)
            return rc;
        if (strcmp(xsocs_qspace_path, output) == 0)
            return qmap_error(QMAP_ERR_VALUE, "--xsocs-qspace %s: is also the results file -o", output);
    }
    if (report) {
        char dir[4096];
        qmap_report_default_dir(output, dir, sizeof dir);
        if ((rc = qmap_output_check_folder("report folder", dir)) < 0)
            return rc;
    }
    return QMAP_OK;
}

/* Default output name: basename of the input without .h5, plus _qmap.h5. */
static void default_output(const char *input, char *out, size_t size)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".h5") == 0)
        n -= 3;
    snprintf(out, size, "%.*s_qmap.h5", (int)n, base);
}

int cmd_process(int argc, char **argv)
{
    qmap_process_options o;
    qmap_process_defaults(&o);
    const char *output = NULL;
    int quiet = 0, report = 0;
    static char *line;   /* static: reachable on every early return */
    line = command_line(argc, argv);   /* before getopt reorders argv */
    int rc = parse_args(argc, argv, &o, &output, &quiet, &report);
    if (rc == 2) {
        free(line);
        if (output || write_params_path) {
            cli_error("%s names one file; with several inputs each gets <input name>_qmap.h5 in the "
                      "current folder\n", output ? "-o" : "--write-params");
            return 2;
        }
        return process_batch(argc, argv, optind);
    }
    if (rc != 0) {
        free(line);
        return rc > 0 ? 0 : 2;
    }
    static qmap_params run_settings;   /* static: reachable on every early return */
    if (final_settings(o.input, &run_settings) < 0) {
        fprintf(stderr, "qmap process: %s\n", qmap_error_message());
        return 1;
    }
    if (write_params_path) {
        rc = qmap_params_write_text(write_params_path, &run_settings,
                                    "qmap process parameters (qmap " QMAP_VERSION_STRING "): qmap process --params FILE");
        qmap_params_clear(&run_settings);
        if (rc < 0) {
            fprintf(stderr, "qmap process: %s\n", qmap_error_message());
            return 1;
        }
        printf("parameters written to %s\n", write_params_path);
        return 0;
    }
    int rank = qmap_mpi_rank();   /* under mpirun every rank gets the results; rank 0 prints and writes */
    if (rank != 0)
        quiet = 1;
    qmap_crystal *crystal = NULL;
    if (cif_opt.path) {
        if (!o.hkl_set || !isnan(o.dref)) {
            cli_error("--cif needs --hkl H,K,L and replaces --dref\n");
            return 2;
        }
        if (!(crystal = hkl_process_reference(cif_opt.path, o.hkl, &o.dref)))
            return 2;
        if (!quiet)
            printf("d_ref from %s: d(%d,%d,%d) = %.6f A  (--dref %.8f)\n", cif_opt.path, o.hkl[0],
                   o.hkl[1], o.hkl[2], o.dref, o.dref);
    }
    char def[4096];
    if (!output) {
        default_output(o.input, def, sizeof def);
        output = def;
    }
    char checkpoint[4200];
    snprintf(checkpoint, sizeof checkpoint, "%s.checkpoint", output);
    if (check_outputs(&o, output, checkpoint, report) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 2;
    }
    if (o.resume) {   /* what a killed run left: qmap's own temporaries beside the outputs */
        qmap_temp_clean_stale(output);
        qmap_temp_clean_stale(checkpoint);
        if (xsocs_qspace_path)
            qmap_temp_clean_stale(xsocs_qspace_path);
    }
    if (qmap_mpi_size() == 1 && !o.save_qspace)
        o.checkpoint = checkpoint;
    /* issue 18: checkpoints at most every 30 s (every scan for the tests' stop-after-N-scans hooks) */
    o.checkpoint_interval_s = getenv("QMAP_TEST_STOP_AFTER_SCANS") || getenv("QMAP_TEST_PAUSE_AFTER_SCANS") ? 0 : 30;
    o.log = log_to_stdout;
    o.progress = process_progress;
    o.ctx = &quiet;
    cli_signals_install();
    /* a failed fresh run removes its own checkpoint, never one an earlier run left */
    int drop_checkpoint_on_error = o.checkpoint && !o.resume && access(checkpoint, F_OK) != 0;
    qmap_results *r = NULL;
    if (qmap_process(&o, &r) < 0) {
        progress_done();
        qmap_crystal_free(crystal);
        if (cli_interrupted()) {
            int keep = o.checkpoint && access(checkpoint, F_OK) == 0;
            char what[4400];
            snprintf(what, sizeof what, "no results written%s%s%s", keep ? " (continue with --resume from " : "",
                     keep ? checkpoint : "", keep ? ")" : "");
            return cli_interrupt_exit(what);
        }
        if (rank == 0)
            cli_error("%s\n", qmap_error_message());
        if (drop_checkpoint_on_error)
            unlink(checkpoint);
        return 1;
    }
    progress_done();
    if (crystal)
        hkl_process_offsets(crystal, cif_opt.path, o.hkl, cif_opt.ip, cif_opt.oop, r, quiet);
    qmap_crystal_free(crystal);
    if (rank != 0) {
        qmap_results_free(r);
        return 0;
    }
    qmap_results_param(r, "output", "%s", output);
    int recorded = qmap_results_set_command_line(r, line) == 0;
    free(line);
    line = NULL;
    for (int i = 0; recorded && i < run_settings.n; i++)
        recorded = qmap_params_set(&r->settings, run_settings.keys[i], run_settings.values[i]) == 0;
    qmap_params_clear(&run_settings);
    if (!recorded) {
        fprintf(stderr, "qmap process: %s\n", qmap_error_message());
        qmap_results_free(r);
        return 1;
    }
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    if (qmap_results_write(r, output) < 0) {
        qmap_results_free(r);
        if (cli_interrupted())
            return cli_interrupt_exit("no results written (continue with --resume)");
        cli_error("%s\n", qmap_error_message());
        if (drop_checkpoint_on_error)
            unlink(checkpoint);
        return 1;
    }
    if (o.checkpoint)
        unlink(checkpoint);   /* the results are complete: nothing to resume */
    clock_gettime(CLOCK_MONOTONIC, &w1);
    if (!quiet && o.timings)
        printf("time: %-22s wall %8.3f s\n", "write results",
               (double)(w1.tv_sec - w0.tv_sec) + 1e-9 * (double)(w1.tv_nsec - w0.tv_nsec));
    if (!quiet)
        printf("results written to %s\n", output);
    if (cli_interrupted()) {
        qmap_results_free(r);
        return cli_interrupt_exit("the results file is complete, later outputs were not written");
    }
    if (xsocs_qspace_path && qmap_xsocs_qspace_write(r, xsocs_qspace_path) < 0) {
        cli_error("%s\n", qmap_error_message());
        qmap_results_free(r);
        return 1;
    }
    if (xsocs_qspace_path && !quiet)
        printf("XSOCS q-space file written to %s\n", xsocs_qspace_path);
    qmap_results_free(r);
    if (report && cli_interrupted())
        return cli_interrupt_exit("the results file is complete, the report was not written");
    if (report) {
        char dir[4096];
        qmap_report_default_dir(output, dir, sizeof dir);
        if (qmap_report_write(output, dir, NULL) < 0) {
            if (cli_interrupted())
                return cli_interrupt_exit("the results file is complete, the report was not written");
            cli_error("%s\n", qmap_error_message());
            return 1;
        }
        if (!quiet)
            printf("report written to %s/report.html\n", dir);
    }
    return 0;
}
