/* formfactor.c -- X-ray atomic form factors: evaluate the Cromer-Mann sum and map a CIF
 * type symbol ("Ni3+", "O2-", "Li1+", "Mn", "NI", "Ni+3") to a table entry.
 *
 * Matching: the element is the leading letter plus an optional lower-case letter; a
 * trailing charge "N+"/"N-" or "+N"/"-N" selects the ion when the table has it, otherwise
 * the neutral atom is used (as xrayutilities does for ions it does not tabulate).
 */
#include "qmap/crystal.h"
#include "formfactor_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

double qmap_form_factor(int idx, double s)
{
    if (idx < 0 || idx >= qmap_ff_table_size)
        return 0.0;
    const qmap_ff_entry *e = &qmap_ff_table[idx];
    double s2 = s * s, f = e->c;
    for (int i = 0; i < 4; i++)
        f += e->a[i] * exp(-e->b[i] * s2);
    return f;
}

const char *qmap_form_factor_name(int idx)
{
    return idx >= 0 && idx < qmap_ff_table_size ? qmap_ff_table[idx].name : "?";
}

int qmap_form_factor_z(int idx)
{
    return idx >= 0 && idx < qmap_ff_table_size ? qmap_ff_table[idx].z : 0;
}

static int find_name(const char *name)
{
    for (int i = 0; i < qmap_ff_table_size; i++)
        if (strcmp(qmap_ff_table[i].name, name) == 0)
            return i;
    return -1;
}

int qmap_form_factor_lookup(const char *type_symbol)
{
    if (!type_symbol)
        return -1;
    const char *s = type_symbol;
    while (*s == ' ' || *s == '\'' || *s == '"')
        s++;
    if (!isalpha((unsigned char)s[0]))
        return -1;
    char el[3] = {(char)toupper((unsigned char)s[0]), 0, 0};
    size_t i = 1;
    if (isalpha((unsigned char)s[1]) && islower((unsigned char)s[1])) {
        el[1] = s[1];
        i = 2;
    } else if (isalpha((unsigned char)s[1]) && isupper((unsigned char)s[1]) && !isalpha((unsigned char)s[2])) {
        /* all-caps symbols ("NI"): try the two-letter element first */
        char two[3] = {el[0], (char)tolower((unsigned char)s[1]), 0};
        if (find_name(two) >= 0) {
            el[1] = two[1];
            i = 2;
        }
    }
    /* charge: digits then sign ("3+"), or sign then digits ("+3"), or a bare sign */
    int charge = 0, sign = 0;
    const char *c = s + i;
    if (isdigit((unsigned char)c[0])) {
        int n = 0;
        while (isdigit((unsigned char)*c) && n < 100)
            n = n * 10 + (*c++ - '0');
        if (*c == '+' || *c == '-') {
            sign = *c == '+' ? 1 : -1;
            charge = n;
        }
    } else if (c[0] == '+' || c[0] == '-') {
        sign = c[0] == '+' ? 1 : -1;
        charge = isdigit((unsigned char)c[1]) ? c[1] - '0' : 1;
    }
    int neutral = find_name(el);
    if (sign != 0 && charge > 0 && charge < 10) {
        char ion[16];
        snprintf(ion, sizeof ion, "%s%d%c", el, charge, sign > 0 ? '+' : '-');
        int k = find_name(ion);
        if (k >= 0)
            return k;
    }
    return neutral;
}
