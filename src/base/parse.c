/* parse.c -- numbers in option values (qmap/parse.h): the one parser behind the library's
 * options and the CLI's. strtod/strtol over the whole text, the separators exactly where
 * expected, overflow and non-finite values refused, the message naming the option and
 * quoting the text.
 */
#include "qmap/parse.h"
#include "qmap/error.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int qmap_parse_numbers(const char *what, const char *s, char sep, int n, double *out)
{
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        out[i] = strtod(p, &end);
        int want = i == n - 1 ? '\0' : sep;
        if (end == p || *end != want || errno == ERANGE || !isfinite(out[i])) {
            if (n == 1)
                return qmap_error(QMAP_ERR_VALUE, "%s: '%s' is not a finite number", what, s);
            return qmap_error(QMAP_ERR_VALUE, "%s: '%s' must be %d finite numbers separated by '%c'",
                              what, s, n, sep);
        }
        p = end + 1;
    }
    return QMAP_OK;
}

int qmap_parse_integers(const char *what, const char *s, int n, int lo, int hi, int *out)
{
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        int want = i == n - 1 ? '\0' : ',';
        if (end == p || *end != want || errno == ERANGE || v < lo || v > hi) {
            if (n == 1)
                return qmap_error(QMAP_ERR_VALUE, "%s: '%s' is not an integer in %d..%d", what, s, lo, hi);
            return qmap_error(QMAP_ERR_VALUE, "%s: '%s' must be %d integers in %d..%d separated by ','",
                              what, s, n, lo, hi);
        }
        out[i] = (int)v;
        p = end + 1;
    }
    return QMAP_OK;
}
