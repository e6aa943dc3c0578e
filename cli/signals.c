/* signals.c -- SIGINT/SIGTERM for the long commands: stop cleanly instead of dying.
 *
 * The handler only records the signal in a volatile sig_atomic_t that the library polls
 * (qmap_set_cancel_flag); the library then unwinds, removing its temporary files, and the
 * command exits with 128 + signal number (130 for SIGINT) after a one-line message. A
 * second signal of the same kind is not caught again: it kills at once, as usual.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "qmap/error.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t caught_signal;

static void on_signal(int sig)
{
    caught_signal = sig;
}

void cli_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;   /* the second signal takes the default action */
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
