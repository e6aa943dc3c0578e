/* process_batch.c -- `qmap process A.h5 B.h5 ... [options]`: several datasets in one command.
 *
 * Each input is processed by a child `qmap process INPUT [options]` (the same binary, the
 * same options), so every dataset gets exactly what a single run gives it: its own results
 * file (<input name>_qmap.h5), its own log on stdout, its own temporary files cleaned up.
 * A failed dataset is reported and the batch goes on; the summary table at the end lists
 * each input with its status, and the exit status is 1 when any failed. An interrupt
 * (SIGINT/SIGTERM) stops the batch after the running child has cleaned up.
 */
#include "cli.h"
#include "qmap/mpi.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The default results name of an input (as cmd_process.c's default_output). */
static void results_name(const char *input, char *out, size_t size)
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    size_t n = strlen(base);
    if (n > 3 && strcmp(base + n - 3, ".h5") == 0)
        n -= 3;
    snprintf(out, size, "%.*s_qmap.h5", (int)n, base);
}

int process_batch(int argc, char **argv, int first)
{
    if (qmap_mpi_size() > 1) {
        cli_error("several inputs are not processed under mpirun: run one input per mpirun\n");
        return 2;
    }
    int n = argc - first, failed = 0, stopped = 0;
    int *status = calloc((size_t)n, sizeof *status);
    char **args = calloc((size_t)first + 3, sizeof *args);
    if (!status || !args) {
        free(status);
        free(args);
        cli_error("out of memory\n");
        return 1;
    }
    /* the children ignore nothing: a Ctrl-C reaches them (same process group) and they clean
     * up; the batch waits for the running one and stops */
    cli_signals_install();
    for (int i = 0; i < n; i++)
        status[i] = -1;   /* not run */
    for (int i = 0; i < n && !stopped; i++) {
        const char *input = argv[first + i];
        args[0] = "qmap";
        args[1] = "process";
        for (int k = 1; k < first; k++)
            args[k + 1] = argv[k];
        args[first + 1] = (char *)input;
        args[first + 2] = NULL;
        printf("=== %s (%d of %d)\n", input, i + 1, n);
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            execv("/proc/self/exe", args);
            fprintf(stderr, "qmap process: cannot run qmap for %s\n", input);
            _exit(127);
        }
        int ws = 0;
        if (pid < 0 || waitpid(pid, &ws, 0) < 0) {
            status[i] = 1;
        } else if (WIFSIGNALED(ws)) {
            status[i] = 128 + WTERMSIG(ws);
        } else {
            status[i] = WEXITSTATUS(ws);
        }
        if (status[i] == 130 || status[i] == 143 || cli_interrupted())
            stopped = status[i] == 143 ? 143 : 130;
        if (status[i] != 0)
            failed++;
    }
    int done = 0;
    for (int i = 0; i < n; i++)
        done += status[i] == 0;
    printf("\nbatch summary: %d of %d datasets processed%s\n", done, n, stopped ? " (stopped by a signal)" : "");
    printf("  %-8s  %-40s  %s\n", "status", "input", "results");
    for (int i = 0; i < n; i++) {
        char res[4096], st[32];
        results_name(argv[first + i], res, sizeof res);
        if (status[i] == 0) {
            snprintf(st, sizeof st, "ok");
        } else if (status[i] < 0) {
            snprintf(st, sizeof st, "not run");
        } else {
            snprintf(st, sizeof st, "FAILED %d", status[i]);
        }
        printf("  %-8s  %-40s  %s\n", st, argv[first + i], status[i] == 0 ? res : "-");
    }
    fflush(stdout);
    free(status);
    free(args);
    if (stopped)
        return stopped;
    if (failed) {
        cli_error("%d of %d datasets failed (listed above)\n", failed, n);
        return 1;
    }
    return 0;
}
