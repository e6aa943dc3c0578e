/* main.c -- qmap command-line entry point: a table of the subcommands (one file each) gives
 * both the dispatch and the usage text. */
#include "cli.h"
#include "qmap/error.h"
#include "qmap/output.h"
#include "qmap/mpi.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The subcommands: name, the function that runs it (argv[0] = the name), its line of the
 * usage text. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    {"info", cmd_info,
     "  info FILE        scans, detector, calibration, angles and map shape of a BLISS dataset"},
    {"process", cmd_process,
     "  process FILE     the whole pipeline: mask, drift, VOI, per-position peak maps -> results file"},
    {"simulate", cmd_simulate,
     "  simulate -o DIR  write a synthetic ID01 dataset with known ground truth"},
    {"demo", cmd_demo,
     "  demo             simulate, process and compare the recovered maps with the truth"},
    {"compare", cmd_compare,
     "  compare R T      recovered maps R against the ground truth T of a simulation"},
    {"report", cmd_report,
     "  report RESULTS   figures (PNG, SVG) and report.html of a results file"},
    {"particles", cmd_particles,
     "  particles RESULTS  label the particles of a results map; per-particle table (+ CSV)"},
    {"sem", cmd_sem,
     "  sem IMAGE        particle size distribution of an SEM image (TIFF, PNG): CSV + figure"},
    {"hkl", cmd_hkl,
     "  hkl CIF H,K,L    d, |Q|, 2theta, |F| and ID01 angles of reflections from a CIF structure"},
    {"powder", cmd_powder,
     "  powder CIF PAT   Rietveld / Le Bail refinement of a powder pattern against a CIF"},
    {"view", cmd_view,
     "  view RESULTS     explore a results file in the browser (maps, positions, regions)"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "qmap %s -- SXDM (ESRF ID01) data to strain, tilt and width maps\n\n"
            "usage: qmap COMMAND [options]   (qmap help COMMAND, or qmap COMMAND --help, for its options)\n\n"
            "commands:\n",
            QMAP_VERSION_STRING);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "%s\n", commands[i].help);
    fprintf(f, "  help [COMMAND]   this text, or the options of COMMAND\n"
               "  version          print the version\n\n"
               "exit status: 0 success; 1 data or processing error (unreadable input, failed fit, write\n"
               "error); 2 usage error (unknown option, bad value); 3 and 4 qmap powder's refinement\n"
               "warnings (3: converged with parameters at a physical bound or strongly correlated,\n"
               "4: not converged); 130 / 143 interrupted by SIGINT / SIGTERM (nothing half-written).\n"
               "Every error is one line on stderr starting with \"qmap COMMAND:\".\n");
}

int main(int argc, char **argv)
{
    /* A file-size limit (ulimit -f) or a full quota must surface as a write error that the
     * library reports and cleans up after, not kill the process with SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    cli_signals_install_exit();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* under mpirun (and only then) the ranks share the work of `qmap process` */
    if (qmap_mpi_start(&argc, &argv) < 0) {
        cli_error("%s\n", qmap_error_message());
        return 1;
    }
    const char *cmd = argv[1];
    int rc;
    /* `qmap help CMD` is `qmap CMD --help` */
    char *help_argv[3] = {NULL, "--help", NULL};
    int help_cmd = strcmp(cmd, "help") == 0 && argc >= 3;
    if (help_cmd)
        cmd = argv[2];
    const command *run = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            run = &commands[i];
    /* "qmap CMD" is the prefix of every message, getopt's own included (argv[0]) */
    static char name[96];
    snprintf(name, sizeof name, "qmap %s", run ? run->name : cmd);
    if (run)
        cli_name = name;
    if (run && help_cmd) {
        help_argv[0] = name;
        rc = run->run(2, help_argv);
    } else if (run) {
        argv[1] = name;
        rc = run->run(argc - 1, argv + 1);
    } else if (help_cmd) {
        cli_error("unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    } else if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("qmap %s\n", QMAP_VERSION_STRING);
        rc = 0;
    } else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        rc = 0;
    } else {
        cli_error("unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    }
    qmap_mpi_finish();
    if (fclose(stdout) != 0 && errno != EBADF) {
        cli_error("error writing to standard output: %s\n", strerror(errno));
        rc = 1;
    }
    if (rc != 0) {
        /* A failed run may leave an HDF5 file whose H5Fclose failed (disk full, I/O
         * error); libhdf5's exit handler then crashes closing it again (SIGSEGV after the
         * one-line error). Every output was already removed or never renamed: leave at
         * once, without the exit handlers, so the status stays the one printed. */
        qmap_temp_remove_all();
        fflush(stderr);
        _exit(rc);
    }
    return rc;
}
