/* fuzz_bshuf_lz4.c -- libFuzzer harness for the bitshuffle-LZ4 chunk decoder (bytes read
 * raw from LIMA files with H5Dread_chunk: truncated or corrupt chunks must be rejected,
 * never read or written out of bounds). The first input byte picks the element size and
 * the output size; both the whole-chunk and the row-range decoders run. */
#include "frames_internal.h"
#include "qmap/frames.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const size_t elem_sizes[4] = {1, 2, 4, 8};
    size_t elem = elem_sizes[data[0] & 3];
    size_t n_elems = (size_t)(data[1] + 1) * 37;   /* odd sizes, not multiples of 8 */
    size_t out_size = elem * n_elems;
    uint8_t *out = malloc(out_size);
    if (!out)
        return 0;
    qmap_bshuf_lz4_decode(data + 2, size - 2, elem, out, out_size);
    size_t lo = (data[0] >> 2) % (out_size / 2 + 1);
    qmap_bshuf_lz4_decode_range(data + 2, size - 2, elem, out, out_size, lo, out_size - lo / 2);
    free(out);
    return 0;
}
