/* powder_io.c -- read a measured powder pattern from text: two columns (2theta or Q,
 * intensity) or three (.xye: x, intensity, sigma). Comment lines ('#', '!') and one
 * leading non-numeric header line are skipped; every other line must hold 2 or 3 finite
 * numbers (the same count on every line), x strictly increasing. Missing sigmas become
 * sqrt(max(y, 1)) (counting statistics).
 */
#include "qmap/error.h"
#include "qmap/powder.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void qmap_powder_data_free(qmap_powder_data *d)
{
    if (!d)
        return;
    free(d->tth);
    free(d->y);
    free(d->sigma);
    memset(d, 0, sizeof *d);
}

static int grow3(qmap_powder_data *d, size_t *cap)
{
    size_t nc = *cap ? *cap * 2 : 1024;
    double *a = realloc(d->tth, nc * sizeof *a);
    if (!a)
        return -1;
    d->tth = a;
    double *b = realloc(d->y, nc * sizeof *b);
    if (!b)
        return -1;
    d->y = b;
    double *c = realloc(d->sigma, nc * sizeof *c);
    if (!c)
        return -1;
    d->sigma = c;
    *cap = nc;
    return 0;
}

int qmap_powder_data_read(const char *path, qmap_powder_x xkind, double wavelength_A,
                          qmap_powder_data *d)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "r");
    if (!f)
        return qmap_error(QMAP_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char line[4096];
    int lineno = 0, ncol = 0, rc = 0, header_ok = 1;
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: line %d is longer than %zu characters", path,
                            lineno, sizeof line - 2);
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0' || *p == '#' || *p == '!')
            continue;
        double v[4];
        int n = 0;
        char *end = p;
        while (n < 4) {
            char *q = end;
            while (*q == ' ' || *q == '\t' || *q == ',' || *q == ';')
                q++;
            if (*q == '\0' || *q == '\n' || *q == '\r')
                break;
            v[n] = strtod(q, &end);
            if (end == q) {
                n = -1;
                break;
            }
            n++;
        }
        if (n == -1 && header_ok && d->n == 0) {
            header_ok = 0; /* one column-title line */
            continue;
        }
        if (n < 2 || n > 3) {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: line %d: expected 2 or 3 numbers (x, intensity"
                            "[, sigma]), got '%.40s'", path, lineno, p);
            break;
        }
        if (ncol == 0)
            ncol = n;
        if (n != ncol) {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: line %d: %d columns, earlier lines have %d", path,
                            lineno, n, ncol);
            break;
        }
        double x = v[0];
        if (xkind == QMAP_POWDER_X_Q) {
            double s = v[0] * wavelength_A / (4 * M_PI);
            if (!(s > 0 && s < 1)) {
                rc = qmap_error(QMAP_ERR_FORMAT, "%s: line %d: Q = %g 1/A is not reachable at "
                                "lambda %g A", path, lineno, v[0], wavelength_A);
                break;
            }
            x = 2 * asin(s) * 180 / M_PI;
        }
        double sig = n == 3 ? v[2] : sqrt(fmax(v[1], 1.0));
        if (!isfinite(x) || !isfinite(v[1]) || !(sig > 0) || !isfinite(sig) || !(x > 0 && x < 180)) {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: line %d: 2theta %g, intensity %g, sigma %g: not "
                            "finite, sigma not positive or 2theta outside (0, 180)", path, lineno,
                            x, v[1], sig);
            break;
        }
        if (d->n > 0 && !(x > d->tth[d->n - 1])) {
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: line %d: x = %g does not increase", path,
                            lineno, v[0]);
            break;
        }
        if (d->n == cap && grow3(d, &cap) < 0) {
            rc = qmap_error(QMAP_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
        d->tth[d->n] = x;
        d->y[d->n] = v[1];
        d->sigma[d->n] = sig;
        d->n++;
    }
    if (rc == 0 && ferror(f))
        rc = qmap_error(QMAP_ERR_IO, "%s: read error", path);
    if (rc == 0 && d->n < 10)
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: %zu data points (at least 10 needed)", path, d->n);
    fclose(f);
    if (rc < 0)
        qmap_powder_data_free(d);
    return rc;
}
