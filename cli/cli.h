/* cli.h -- the qmap command-line tool: one function per subcommand, shared helpers. */
#ifndef QMAP_CLI_H
#define QMAP_CLI_H

int cmd_info(int argc, char **argv);
int cmd_process(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_particles(int argc, char **argv);
int cmd_sem(int argc, char **argv);
int cmd_hkl(int argc, char **argv);
int cmd_powder(int argc, char **argv);
int cmd_view(int argc, char **argv);

/* The command being run ("qmap process"), set by main: the prefix of every message. */
extern const char *cli_name;
/* Print "qmap CMD: " + the formatted message + newline on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parsing of option values; each prints "qmap CMD: --opt: ..." to stderr and returns -1
 * on a malformed value. */
int parse_double(const char *opt, const char *s, double *out);
int parse_int(const char *opt, const char *s, int lo, int hi, int *out);
int parse_doubles(const char *opt, const char *s, char sep, int n, double *out);
int parse_ints(const char *opt, const char *s, int n, int *out);

/* Print a line on stdout (log callback for the library). */
void log_to_stdout(void *ctx, const char *line);
/* Progress bar on stderr when it is a terminal (progress callback). */
void progress_bar(void *ctx, const char *stage, double fraction);
void progress_done(void);

/* `qmap process A B C [options]`: each input processed by its own `qmap process` (a child
 * with the options argv[1..first-1]), one results file per input, going on past a failed
 * one; prints a summary table; returns 0 when every input succeeded, 1 otherwise, 128+N
 * when a signal stopped the batch (process_batch.c). */
int process_batch(int argc, char **argv, int first);

/* SIGINT/SIGTERM set the library's cancel flag (signals.c). cli_interrupted: one was
 * caught; cli_interrupt_exit prints "qmap CMD: interrupted by SIGINT; WHAT" and returns the
 * exit status 128 + signal (130 for SIGINT). */
void cli_signals_install(void);
/* SIGINT/SIGTERM remove qmap's temporaries and exit 128 + signal at once (short commands;
 * main() installs it before every command, the long ones replace it). */
void cli_signals_install_exit(void);
int cli_interrupted(void);
int cli_interrupt_exit(const char *what);

#endif
