/* crystal_symop.c -- parse a symmetry operation written as in CIF files ("x,y,z",
 * "-x+1/2,y,-z", "x-y,x,z+2/3", "1/2+X, 0.5-y, z") into a rotation matrix on fractional
 * coordinates and a translation.
 *
 * Each of the three comma-separated components is a sum of terms: an optional sign, then
 * a coordinate (x, y, z), a number (integer, decimal or fraction p/q) or a number times a
 * coordinate ("2x", "1/2*x"). Anything else is an error naming the text.
 */
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

/* Read an unsigned number "12", "0.5", ".5", "1/2" at *p; returns 1 when one was read. */
static int read_number(const char **p, double *out)
{
    const char *s = *p;
    double v = 0.0;
    int digits = 0;
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (*s++ - '0');
        if (++digits > 12)
            return -1;
    }
    if (*s == '.') {
        double scale = 0.1;
        s++;
        while (isdigit((unsigned char)*s)) {
            v += (*s++ - '0') * scale;
            scale *= 0.1;
            if (++digits > 24)
                return -1;
        }
    }
    if (digits == 0)
        return 0;
    while (*s == ' ')
        s++;
    if (*s == '/') {
        s++;
        while (*s == ' ')
            s++;
        double d = 0.0;
        int dd = 0;
        while (isdigit((unsigned char)*s)) {
            d = d * 10 + (*s++ - '0');
            if (++dd > 12)
                return -1;
        }
        if (dd == 0 || d == 0.0)
            return -1;
        v /= d;
    }
    *p = s;
    *out = v;
    return 1;
}

static int axis_of(char c)
{
    c = (char)tolower((unsigned char)c);
    return c == 'x' ? 0 : c == 'y' ? 1 : c == 'z' ? 2 : -1;
}

int qmap_symop_parse(const char *text, qmap_symop *op)
{
    memset(op, 0, sizeof *op);
    const char *s = text;
    int row = 0;
    for (;;) {
        int terms = 0;
        for (;;) {
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s == ',' || *s == '\0')
                break;
            double sign = 1.0;
            if (*s == '+' || *s == '-') {
                sign = *s == '-' ? -1.0 : 1.0;
                s++;
                while (*s == ' ' || *s == '\t')
                    s++;
            } else if (terms > 0) {
                goto bad;
            }
            double num = 1.0;
            int got = read_number(&s, &num);
            if (got < 0)
                goto bad;
            while (*s == ' ' || *s == '\t')
                s++;
            if (got && *s == '*') {
                s++;
                while (*s == ' ' || *s == '\t')
                    s++;
                if (axis_of(*s) < 0)
                    goto bad;
            }
            int ax = axis_of(*s);
            if (ax >= 0) {
                op->r[row][ax] += sign * num;
                s++;
            } else if (got) {
                op->t[row] += sign * num;
            } else {
                goto bad;
            }
            terms++;
        }
        if (terms == 0)
            goto bad;
        row++;
        if (*s == '\0')
            break;
        if (row == 3)
            goto bad;
        s++; /* ',' */
    }
    if (row != 3)
        goto bad;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            if (fabs(op->r[i][j]) > 3.0)
                goto bad;
    return 0;
bad:
    return qmap_error(QMAP_ERR_FORMAT, "symmetry operation '%.60s' is not of the form 'x,y,z', "
                      "'-x+1/2,y,-z'", text);
}
