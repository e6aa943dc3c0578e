/* scan_title.c -- parse the title of a BLISS/SPEC SXDM map scan.
 *
 * Two forms are accepted (docs/sxdm-reference.md section 1.1):
 *   BLISS:      "sxdm( pix, 10.0, 17.75, 32, piy, 20.0, 25.75, 24, 0.005 )"
 *   SPEC-like:  "sxdm pix 10.0 17.75 32 piy 20.0 25.75 24 0.005"
 * with commands sxdm/asxdm/dsxdm/kmap/akmap/dkmap/mesh/amesh/dmesh; the point counts
 * are numbers of points and motor_0 is the fast axis. Titles come from files, so the
 * parser treats them as untrusted bytes: it never reads past the terminating NUL,
 * never uses <ctype.h> on raw chars, bounds every copy and rejects non-finite values.
 */
#include "qmap/dataset.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS_PER_AXIS 1000000
#define MAX_NUMBER_CHARS 64
#define QUOTE_CHARS 96

static const char *const map_commands[] = {
    "sxdm", "asxdm", "dsxdm", "kmap", "akmap", "dkmap", "mesh", "amesh", "dmesh",
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident(char c)
{
    return is_ident_start(c) || is_digit(c);
}

/* Printable, bounded copy of the title for error messages. */
static void quote_title(const char *title, char *out, size_t size)
{
    size_t k = 0;
    const char *p = title;
    while (*p && k + 4 < size && k < QUOTE_CHARS) {
        unsigned char c = (unsigned char)*p++;
        out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (*p && k + 4 <= size) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

static void skip_spaces(const char **p)
{
    while (is_space(**p))
        (*p)++;
}

/* Identifier [A-Za-z_][A-Za-z0-9_]* into out (size bytes); 0 on success. */
static int read_ident(const char **p, char *out, size_t size)
{
    const char *s = *p;
    size_t n = 0;
    if (!is_ident_start(*s))
        return -1;
    while (is_ident(s[n])) {
        if (n + 1 >= size)
            return -1;
        n++;
    }
    memcpy(out, s, n);
    out[n] = '\0';
    *p = s + n;
    return 0;
}

/* Count digits at s. */
static size_t count_digits(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    return n;
}

/* Decimal number [+-]digits[.digits][(e|E)[+-]digits]; finite; 0 on success. */
static int read_number(const char **p, double *v)
{
    const char *s = *p;
    size_t n = 0;
    if (s[n] == '+' || s[n] == '-')
        n++;
    size_t int_digits = count_digits(s + n);
    n += int_digits;
    size_t frac_digits = 0;
    if (s[n] == '.') {
        n++;
        frac_digits = count_digits(s + n);
        n += frac_digits;
    }
    if (int_digits + frac_digits == 0)
        return -1;
    if (s[n] == 'e' || s[n] == 'E') {
        size_t m = n + 1;
        if (s[m] == '+' || s[m] == '-')
            m++;
        size_t exp_digits = count_digits(s + m);
        if (exp_digits == 0)
            return -1;
        n = m + exp_digits;
    }
    if (n >= MAX_NUMBER_CHARS)
        return -1;
    char buf[MAX_NUMBER_CHARS];
    memcpy(buf, s, n);
    buf[n] = '\0';
    double x = strtod(buf, NULL);
    if (!isfinite(x))
        return -1;
    *v = x;
    *p = s + n;
    return 0;
}

/* The command word at the start of the title, if it is a map command. */
static int read_command(const char **p, char *cmd, size_t size)
{
    char word[QMAP_NAME_MAX];
    if (read_ident(p, word, sizeof word) != 0)
        return -1;
    for (size_t i = 0; i < sizeof map_commands / sizeof map_commands[0]; i++) {
        if (strcmp(word, map_commands[i]) == 0) {
            snprintf(cmd, size, "%s", map_commands[i]);
            return 0;
        }
    }
    return -1;
}

/* The nine fields of the title, in order. */
enum { F_M0, F_S0, F_E0, F_N0, F_M1, F_S1, F_E1, F_N1, F_T, N_FIELDS };

static const char *const field_names[N_FIELDS] = {
    "fast motor", "fast start", "fast end", "fast number of points",
    "slow motor", "slow start", "slow end", "slow number of points", "exposure time",
};

/* Read field i at *p into the title (motors as names, others as numbers). */
static int read_field(const char **p, int i, qmap_scan_title *t, double *num)
{
    if (i == F_M0)
        return read_ident(p, t->fast_motor, sizeof t->fast_motor);
    if (i == F_M1)
        return read_ident(p, t->slow_motor, sizeof t->slow_motor);
    return read_number(p, &num[i]);
}

/* BLISS form after the command: "( f0, f1, ..., f8 )" (further arguments ignored). */
static int parse_bliss(const char *p, qmap_scan_title *t, double *num, int *bad_field)
{
    p++; /* '(' */
    for (int i = 0; i < N_FIELDS; i++) {
        *bad_field = i;
        skip_spaces(&p);
        if (read_field(&p, i, t, num) != 0)
            return -1;
        skip_spaces(&p);
        if (i < N_FIELDS - 1 && *p != ',') {
            if (*p == ')' || *p == '\0')
                *bad_field = i + 1;   /* the list ends early: next field missing */
            return -1;
        }
        if (i < N_FIELDS - 1)
            p++;
    }
    *bad_field = -1;
    return (*p == ')' || *p == ',') ? 0 : -1;
}

/* SPEC-like form after the command: whitespace-separated fields. */
static int parse_spec(const char *p, qmap_scan_title *t, double *num, int *bad_field)
{
    for (int i = 0; i < N_FIELDS; i++) {
        *bad_field = i;
        if (!is_space(*p))
            return -1;
        skip_spaces(&p);
        if (read_field(&p, i, t, num) != 0)
            return -1;
    }
    *bad_field = -1;
    return (*p == '\0' || is_space(*p)) ? 0 : -1;
}

/* Point count: an integral value in 1 .. MAX_POINTS_PER_AXIS. */
static int check_count(double v, int *n)
{
    if (!(v >= 1 && v <= MAX_POINTS_PER_AXIS) || v != floor(v))
        return -1;
    *n = (int)v;
    return 0;
}

int qmap_parse_scan_title(const char *title, qmap_scan_title *out)
{
    if (!out)
        return qmap_error(QMAP_ERR_INTERNAL, "qmap_parse_scan_title: no output");
    memset(out, 0, sizeof *out);
    if (!title)
        return qmap_error(QMAP_ERR_FORMAT, "scan has no title");
    char q[QUOTE_CHARS + 8];
    quote_title(title, q, sizeof q);

    qmap_scan_title t;
    memset(&t, 0, sizeof t);
    const char *p = title;
    skip_spaces(&p);
    if (read_command(&p, t.command, sizeof t.command) != 0)
        return qmap_error(QMAP_ERR_FORMAT,
                          "scan title '%s' is not an SXDM map scan (sxdm/kmap/mesh)", q);
    const char *after = p;
    skip_spaces(&after);
    double num[N_FIELDS] = {0};
    int bad = -1, rc;
    if (*after == '(')
        rc = parse_bliss(after, &t, num, &bad);
    else
        rc = parse_spec(p, &t, num, &bad);
    if (rc != 0) {
        if (bad >= 0)
            return qmap_error(QMAP_ERR_FORMAT, "scan title '%s': bad or missing %s", q,
                              field_names[bad]);
        return qmap_error(QMAP_ERR_FORMAT, "scan title '%s': unexpected text after the "
                          "exposure time", q);
    }
    if (check_count(num[F_N0], &t.n_fast) != 0 || check_count(num[F_N1], &t.n_slow) != 0)
        return qmap_error(QMAP_ERR_FORMAT, "scan title '%s': numbers of points must be "
                          "whole numbers in 1 .. %d", q, MAX_POINTS_PER_AXIS);
    if (num[F_T] < 0)
        return qmap_error(QMAP_ERR_FORMAT, "scan title '%s': negative exposure time", q);
    t.fast_start = num[F_S0];
    t.fast_end = num[F_E0];
    t.slow_start = num[F_S1];
    t.slow_end = num[F_E1];
    t.exposure_s = num[F_T];
    *out = t;
    return QMAP_OK;
}
