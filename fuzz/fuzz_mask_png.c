/* fuzz_mask_png.c -- libFuzzer harness for user mask files in PNG form (the user's
 * --mask FILE.png): the bytes are written to a temporary .png and read back as a
 * 16 x 16 mask. HDF5 mask files are not fuzzed here: their parser is libhdf5 itself. */
#include "qmap/dataset.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/qmap-fuzz-mask-%d.png", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    uint8_t mask[16 * 16] = {0};
    long n = qmap_read_mask_file(path, 16, 16, mask);
    if (n > 16 * 16)
        abort();
    unlink(path);
    return 0;
}
