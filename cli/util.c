/* util.c -- option-value parsing (through the library's qmap/parse.h), log and progress
 * output shared by the subcommands. */
#include "cli.h"
#include "qmap/error.h"
#include "qmap/parse.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The library's number parser (qmap/parse.h); its message printed as the CLI's error. */
int parse_double(const char *opt, const char *s, double *out)
{
    return parse_doubles(opt, s, ',', 1, out);
}

int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    if (qmap_parse_integers(opt, s, 1, lo, hi, out) < 0) {
        cli_error("%s\n", qmap_error_message());
        return -1;
    }
    return 0;
}

int parse_doubles(const char *opt, const char *s, char sep, int n, double *out)
{
    if (qmap_parse_numbers(opt, s, sep, n, out) < 0) {
        cli_error("%s\n", qmap_error_message());
        return -1;
    }
    return 0;
}

int parse_ints(const char *opt, const char *s, int n, int *out)
{
    if (qmap_parse_integers(opt, s, n, -1000000, 1000000, out) < 0) {
        cli_error("%s\n", qmap_error_message());
        return -1;
    }
    return 0;
}

void log_to_stdout(void *ctx, const char *line)
{
    if (ctx && *(const int *)ctx)   /* quiet */
        return;
    progress_done();
    printf("%s\n", line);
    fflush(stdout);
}

static int bar_shown;

void progress_bar(void *ctx, const char *stage, double fraction)
{
    if (!isatty(STDERR_FILENO))
        return;
    int width = 40, n = (int)(fraction * width + 0.5);
    if (n > width)
        n = width;
    fprintf(stderr, "\r%-12s [%.*s%*s] %3.0f%%", stage, n, "########################################",
            width - n, "", 100 * fraction);
    bar_shown = 1;
}

void progress_done(void)
{
    if (bar_shown) {
        fprintf(stderr, "\r%*s\r", 70, "");
        bar_shown = 0;
    }
}

const char *cli_name = "qmap";

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", cli_name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}
