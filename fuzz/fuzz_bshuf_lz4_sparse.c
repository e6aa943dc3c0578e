/* fuzz_bshuf_lz4_sparse.c -- differential libFuzzer harness for the sparse
 * bitshuffle-LZ4 decoder (qmap_bshuf_lz4_decode_nonzero, which walks LZ4 sequences
 * itself instead of decompressing) against the full decoder (qmap_bshuf_lz4_decode):
 * over the whole chunk the sparse decoder must reject exactly the chunks the full one
 * rejects, and give exactly the non-zero elements of the full decode. For a sub-range of
 * elements (only the blocks overlapping it are decompressed, so it may accept a chunk
 * corrupt elsewhere) the elements must match whenever the full decode succeeded. Input
 * framing as fuzz_bshuf_lz4.c, so the two share seeds: byte 0 picks the element size
 * (and the sub-range), byte 1 the number of elements. Any mismatch abort()s. */
#include "frames_internal.h"
#include "qmap/frames.h"

#include <stdint.h>
#include <stdlib.h>

/* Check the sparse result (k entries) against the non-zero elements [e0, e1) of full. */
static void compare(const uint8_t *full, size_t elem, size_t e0, size_t e1, long k,
                    const uint32_t *idx, const uint64_t *bits)
{
    long j = 0;
    for (size_t i = e0; i < e1; i++) {
        uint64_t v = 0;
        for (size_t b = 0; b < elem; b++) v |= (uint64_t)full[i * elem + b] << (8 * b);
        if (!v)
            continue;
        if (j >= k || idx[j] != i || bits[j] != v)
            abort();   /* element missing, misplaced or with the wrong value */
        j++;
    }
    if (j != k)
        abort();       /* extra elements in the sparse result */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const size_t elem_sizes[4] = {1, 2, 4, 8};
    size_t elem = elem_sizes[data[0] & 3];
    size_t n = (size_t)(data[1] + 1) * 37;
    const uint8_t *in = data + 2;
    size_t in_size = size - 2;
    uint8_t *full = malloc(elem * n);
    uint32_t *idx = malloc(n * sizeof *idx);
    uint64_t *bits = malloc(n * sizeof *bits);
    if (!full || !idx || !bits)
        goto done;
    int full_st = qmap_bshuf_lz4_decode(in, in_size, elem, full, elem * n);
    long k = qmap_bshuf_lz4_decode_nonzero(in, in_size, elem, elem * n, 0, n, idx, bits);
    if ((full_st != 0) != (k < 0))
        abort();       /* one decoder accepted what the other rejected */
    if (full_st == 0)
        compare(full, elem, 0, n, k, idx, bits);
    size_t e0 = (data[0] >> 2) * n / 64, e1 = e0 + (n - e0) / 2 + 1;
    k = qmap_bshuf_lz4_decode_nonzero(in, in_size, elem, elem * n, e0, e1, idx, bits);
    if (full_st == 0) {
        if (k < 0)
            abort();
        compare(full, elem, e0, e1, k, idx, bits);
    }
done:
    free(full);
    free(idx);
    free(bits);
    return 0;
}
