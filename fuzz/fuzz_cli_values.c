/* fuzz_cli_values.c -- libFuzzer harness for the command-line value parsers (numbers,
 * number lists, integer lists as in --center, --bins, --hkl, --shift). */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    double d[6];
    int k[3], one;
    parse_double("--x", s, d);
    parse_int("--x", s, 1, 1000, &one);
    parse_doubles("--x", s, ',', 2, d);
    parse_doubles("--x", s, ':', 2, d);
    parse_ints("--x", s, 3, k);
    free(s);
    return 0;
}
