/* cif_lookup.c -- finding tags in a parsed CIF block and reading numbers with
 * standard uncertainties ("2.8776(3)").
 *
 * CIF numbers: [+-]digits[.digits][(e|E)[+-]digits][(su digits)]. The su applies to the
 * last digit written, then the exponent: 2.8776(3) -> su 0.0003, 1.5e2(4) -> su 40. Tags compare
 * case-insensitively (CIF 1.1).
 */
#include "qmap/cif.h"
#include "qmap/error.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int qmap_cif_loop_column(const qmap_cif_loop *loop, const char *tag)
{
    for (int i = 0; loop && i < loop->n_tags; i++)
        if (strcasecmp(loop->tags[i], tag) == 0)
            return i;
    return -1;
}

const qmap_cif_loop *qmap_cif_find_loop(const qmap_cif_block *b, const char *tag, int *column)
{
    for (int l = 0; b && l < b->n_loops; l++) {
        int c = qmap_cif_loop_column(&b->loops[l], tag);
        if (c >= 0) {
            if (column)
                *column = c;
            return &b->loops[l];
        }
    }
    return NULL;
}

const qmap_cif_value *qmap_cif_find(const qmap_cif_block *b, const char *tag)
{
    for (int i = 0; b && i < b->n_items; i++)
        if (strcasecmp(b->item_tags[i], tag) == 0)
            return &b->item_values[i];
    int c;
    const qmap_cif_loop *l = qmap_cif_find_loop(b, tag, &c);
    if (l && l->n_rows == 1)
        return &l->values[c];
    return NULL;
}

int qmap_cif_number(const qmap_cif_value *v, double *value, double *su)
{
    if (!v)
        return qmap_error(QMAP_ERR_FORMAT, "missing CIF value");
    if (v->kind != QMAP_CIF_VALUE || v->quoted)
        return qmap_error(QMAP_ERR_FORMAT, "line %d: '%.40s' is not a number", v->line, v->text);
    const char *s = v->text;
    size_t i = 0;
    int digits = 0, decimals = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    while (isdigit((unsigned char)s[i])) {
        i++;
        digits++;
    }
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i])) {
            i++;
            digits++;
            decimals++;
        }
    }
    if (digits == 0)
        return qmap_error(QMAP_ERR_FORMAT, "line %d: '%.40s' is not a number", v->line, v->text);
    long exponent = 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        int neg = 0, edigits = 0;
        if (s[j] == '+' || s[j] == '-')
            neg = s[j++] == '-';
        while (isdigit((unsigned char)s[j])) {
            if (exponent < 100000)
                exponent = exponent * 10 + (s[j] - '0');
            j++;
            edigits++;
        }
        if (edigits == 0)
            return qmap_error(QMAP_ERR_FORMAT, "line %d: '%.40s' has an empty exponent", v->line, v->text);
        if (neg)
            exponent = -exponent;
        i = j;
    }
    size_t number_end = i;
    double u = 0.0;
    if (s[i] == '(') {
        size_t j = i + 1;
        int sdigits = 0;
        while (isdigit((unsigned char)s[j])) {
            u = u * 10 + (s[j] - '0');
            j++;
            sdigits++;
        }
        if (sdigits == 0 || s[j] != ')')
            return qmap_error(QMAP_ERR_FORMAT, "line %d: '%.40s': malformed standard uncertainty",
                              v->line, v->text);
        u *= pow(10.0, (double)(exponent - decimals));
        i = j + 1;
    }
    if (s[i] != '\0')
        return qmap_error(QMAP_ERR_FORMAT, "line %d: '%.40s' is not a number", v->line, v->text);
    char tmp[128];
    if (number_end >= sizeof tmp)
        return qmap_error(QMAP_ERR_FORMAT, "line %d: number '%.40s...' too long", v->line, v->text);
    memcpy(tmp, s, number_end);
    tmp[number_end] = '\0';
    double x = strtod(tmp, NULL);
    if (!isfinite(x) || !isfinite(u))
        return qmap_error(QMAP_ERR_FORMAT, "line %d: '%.40s' is out of range", v->line, v->text);
    *value = x;
    if (su)
        *su = u;
    return 0;
}
