/* util.c -- option-value parsing, log and progress output shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int parse_double(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        cli_error("%s: '%s' is not a finite number\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_int(const char *opt, const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi) {
        cli_error("%s: '%s' is not an integer in %d..%d\n", opt, s, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int parse_doubles(const char *opt, const char *s, char sep, int n, double *out)
{
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        out[i] = strtod(p, &end);
        int want = i == n - 1 ? '\0' : sep;
        if (end == p || *end != want || errno == ERANGE || !isfinite(out[i])) {
            cli_error("%s: '%s' must be %d finite numbers separated by '%c'\n", opt, s, n, sep);
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

int parse_ints(const char *opt, const char *s, int n, int *out)
{
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        int want = i == n - 1 ? '\0' : ',';
        if (end == p || *end != want || errno == ERANGE || v < -1000000 || v > 1000000) {
            cli_error("%s: '%s' must be %d integers separated by ','\n", opt, s, n);
            return -1;
        }
        out[i] = (int)v;
        p = end + 1;
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
