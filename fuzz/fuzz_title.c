/* fuzz_title.c -- libFuzzer harness for the scan-title parser (untrusted text from BLISS
 * files: any bytes, any length, no terminating NUL guaranteed). */
#include "qmap/dataset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    qmap_scan_title t;
    if (qmap_parse_scan_title(s, &t) == 0) {
        /* a title that parses must describe a usable raster */
        if (t.n_fast <= 0 || t.n_slow <= 0)
            abort();
    }
    free(s);
    return 0;
}
