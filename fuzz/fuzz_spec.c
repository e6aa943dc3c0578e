/* fuzz_spec.c -- libFuzzer harness for the SPEC file parser and the ID01 metadata readers
 * (untrusted text: any bytes, any length, no terminating NUL). */
#include "qmap/spec.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qmap_spec_file *f = NULL;
    if (qmap_spec_parse((const char *)data, size, "fuzz", &f) != 0)
        return 0;
    for (int i = 0; i < qmap_spec_n_scans(f); i++) {
        const qmap_spec_scan *s = qmap_spec_scan_at(f, i);
        qmap_detector_geometry g;
        qmap_angles a;
        qmap_spec_calibration(s, "fuzz", &g);
        qmap_spec_angles(s, "fuzz", &a);
        for (long r = 0; r < s->n_rows; r++)
            for (int c = 0; c < s->n_columns; c++)
                if (s->data[r * s->n_columns + c] == 1e300)   /* touch every value */
                    abort();
    }
    qmap_spec_close(f);
    return 0;
}
