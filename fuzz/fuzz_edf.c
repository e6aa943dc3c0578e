/* fuzz_edf.c -- libFuzzer harness for the EDF header parser and data conversion (untrusted
 * bytes: the header text, then as much data as the input holds). */
#include "qmap/edf.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qmap_edf_header h;
    if (qmap_edf_parse_header((const char *)data, size, "fuzz", &h) != 0)
        return 0;
    if (h.header_bytes > size || h.cols < 1 || h.rows < 1)
        abort();
    size_t avail = (size - h.header_bytes) / (size_t)h.elem_size;
    size_t n = (size_t)h.cols * (size_t)h.rows;
    if (n > avail)
        n = avail;
    float *out = malloc((n ? n : 1) * sizeof *out);
    if (out)
        qmap_edf_convert(&h, data + h.header_bytes, n, out);
    free(out);
    return 0;
}
