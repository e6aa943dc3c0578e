/* main.c -- qmap command-line entry point: dispatches to one file per subcommand. */
#include "cli.h"
#include "qmap/error.h"
#include "qmap/mpi.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "qmap %s -- SXDM (ESRF ID01) data to strain, tilt and width maps\n\n"
            "usage: qmap COMMAND [options]   (qmap COMMAND --help for its options)\n\n"
            "commands:\n"
            "  info FILE        scans, detector, calibration, angles and map shape of a BLISS dataset\n"
            "  process FILE     the whole pipeline: mask, drift, VOI, per-position peak maps -> results file\n"
            "  simulate -o DIR  write a synthetic ID01 dataset with known ground truth\n"
            "  demo             simulate, process and compare the recovered maps with the truth\n"
            "  compare R T      recovered maps R against the ground truth T of a simulation\n"
            "  report RESULTS   figures (PNG, SVG) and report.html of a results file\n"
            "  particles RESULTS  label the particles of a results map; per-particle table (+ CSV)\n"
            "  sem IMAGE        particle size distribution of an SEM image (TIFF, PNG): CSV + figure\n"
            "  hkl CIF H,K,L    d, |Q|, 2theta, |F| and ID01 angles of reflections from a CIF structure\n"
            "  powder CIF PAT   Rietveld / Le Bail refinement of a powder pattern against a CIF\n"
            "  view RESULTS     explore a results file in the browser (maps, positions, regions)\n"
            "  version          print the version\n",
            QMAP_VERSION_STRING);
}

int main(int argc, char **argv)
{
    /* A file-size limit (ulimit -f) or a full quota must surface as a write error that the
     * library reports and cleans up after, not kill the process with SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* under mpirun (and only then) the ranks share the work of `qmap process` */
    if (qmap_mpi_start(&argc, &argv) < 0) {
        fprintf(stderr, "qmap: %s\n", qmap_error_message());
        return 1;
    }
    const char *cmd = argv[1];
    int rc;
    if (strcmp(cmd, "info") == 0)
        rc = cmd_info(argc - 1, argv + 1);
    else if (strcmp(cmd, "process") == 0)
        rc = cmd_process(argc - 1, argv + 1);
    else if (strcmp(cmd, "simulate") == 0)
        rc = cmd_simulate(argc - 1, argv + 1);
    else if (strcmp(cmd, "demo") == 0)
        rc = cmd_demo(argc - 1, argv + 1);
    else if (strcmp(cmd, "compare") == 0)
        rc = cmd_compare(argc - 1, argv + 1);
    else if (strcmp(cmd, "report") == 0)
        rc = cmd_report(argc - 1, argv + 1);
    else if (strcmp(cmd, "particles") == 0)
        rc = cmd_particles(argc - 1, argv + 1);
    else if (strcmp(cmd, "sem") == 0)
        rc = cmd_sem(argc - 1, argv + 1);
    else if (strcmp(cmd, "hkl") == 0)
        rc = cmd_hkl(argc - 1, argv + 1);
    else if (strcmp(cmd, "powder") == 0)
        rc = cmd_powder(argc - 1, argv + 1);
    else if (strcmp(cmd, "view") == 0)
        rc = cmd_view(argc - 1, argv + 1);
    else if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("qmap %s\n", QMAP_VERSION_STRING);
        rc = 0;
    } else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        rc = 0;
    } else {
        fprintf(stderr, "qmap: unknown command '%s'\n", cmd);
        usage(stderr);
        rc = 2;
    }
    qmap_mpi_finish();
    if (fclose(stdout) != 0 && errno != EBADF) {
        fprintf(stderr, "qmap: error writing to standard output: %s\n", strerror(errno));
        return 1;
    }
    return rc;
}
