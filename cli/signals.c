/* signals.c -- SIGINT/SIGTERM for the long commands: stop cleanly instead of dying.
 *
 * The handler only records the signal in a volatile sig_atomic_t that the library polls
 * (qmap_set_cancel_flag); the library then unwinds, removing its temporary files, and the
 * command exits with 128 + signal number (130 for SIGINT) after a one-line message. A
 * second signal ends the process at once, after removing the temporaries in flight
 * (qmap_temp_remove_all: unlink only, async-signal-safe).
 *
 * The short commands (simulate, sem, particles, powder, hkl, ...) get cli_signals_install_exit
 * from main(): a signal removes their temporaries and exits 128 + signal at once, so no output
 * and no temporary file is left.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught_signal;

static void exit_now(int sig, const char *msg, size_t len)
{
    qmap_temp_remove_all();
    ssize_t ignored = write(2, msg, len);
    (void)ignored;
    _exit(128 + sig);
}

static void on_signal(int sig)
{
    static const char msg[] = "qmap: interrupted again; stopped at once, temporary files removed\n";
    if (caught_signal)
        exit_now(sig, msg, sizeof msg - 1);
    caught_signal = sig;
}

static void on_signal_exit(int sig)
{
    static const char msg_int[] = "qmap: interrupted by SIGINT; nothing was written\n";
    static const char msg_term[] = "qmap: interrupted by SIGTERM; nothing was written\n";
    static const char late_int[] = "qmap: interrupted by SIGINT; the files already in place are complete, "
                                   "nothing half-written is left\n";
    static const char late_term[] = "qmap: interrupted by SIGTERM; the files already in place are complete, "
                                    "nothing half-written is left\n";
    if (qmap_temp_committed() > 0) {   /* e.g. the signal waited for the last rename; demo's dataset */
        if (sig == SIGINT)
            exit_now(sig, late_int, sizeof late_int - 1);
        exit_now(sig, late_term, sizeof late_term - 1);
    }
    if (sig == SIGINT)
        exit_now(sig, msg_int, sizeof msg_int - 1);
    exit_now(sig, msg_term, sizeof msg_term - 1);
}

void cli_signals_install_exit(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal_exit;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    qmap_set_cancel_flag(&caught_signal);
}

int cli_interrupted(void)
{
    return caught_signal != 0;
}

int cli_interrupt_exit(const char *what)
{
    int sig = caught_signal;
    cli_error("interrupted by %s; %s\n", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal",
            what);
    return 128 + sig;
}
