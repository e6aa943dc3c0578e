/* simulate_bslz4.c -- encode one int32 frame as an HDF5 bitshuffle-LZ4 chunk (filter 32008).
 *
 * Why: the simulator writes thousands of 1 MB frames that are almost all zeros; pushing
 * them through HDF5's serial filter pipeline dominates its run time. Encoding chunks
 * ourselves in the parallel frame loop and storing them with H5Dwrite_chunk is an order
 * of magnitude faster. Format (bitshuffle's HDF5 filter): 8-byte big-endian uncompressed
 * size, 4-byte big-endian block size in bytes, then per block of BLOCK elements (the
 * last block rounded down to a multiple of 8) a 4-byte big-endian compressed length and
 * the LZ4 block of the bit-transposed data: bit plane b (0 = LSB) is a row of block/8
 * bytes whose byte i/8, bit i%8 is bit b of element i. Elements beyond the last multiple
 * of 8 are appended raw. Frames are sparse, so the transpose sets only the bits of
 * non-zero elements.
 */
#include "simulate_internal.h"

#include <lz4.h>
#include <string.h>

#define BLOCK 2048   /* elements per block: 8 KiB of int32, bitshuffle's default */

static void put_be(uint8_t *p, uint64_t v, int nbytes)
{
    for (int i = nbytes - 1; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

size_t qmap_sim_bslz4_bound(size_t n)
{
    size_t nblocks = n / BLOCK + 1;
    return 12 + nblocks * (4 + (size_t)LZ4_compressBound(BLOCK * 4)) + (n % 8) * 4;
}

/* Bit-transpose m elements (m multiple of 8) into planes (4*m bytes, zeroed here);
 * groups of 8 zero elements (the common case) are skipped with one test. */
static void transpose_sparse(const int32_t *in, int m, uint8_t *planes)
{
    int row = m / 8;
    memset(planes, 0, (size_t)m * 4);
    for (int g = 0; g < row; g++) {
        const uint32_t *e = (const uint32_t *)in + 8 * g;
        if ((e[0] | e[1] | e[2] | e[3] | e[4] | e[5] | e[6] | e[7]) == 0)
            continue;
        for (int k = 0; k < 8; k++) {
            uint32_t v = e[k];
            while (v) {
                planes[__builtin_ctz(v) * row + g] |= (uint8_t)(1u << k);
                v &= v - 1;
            }
        }
    }
}

static long encode_block(const int32_t *in, int m, uint8_t *out, size_t cap, uint8_t *planes)
{
    if (cap < 4)
        return -1;
    transpose_sparse(in, m, planes);
    /* issue 18: one LZ4 stream per thread, reset cheaply before every block (the first block
     * of a new chain: independent, as the format needs), instead of LZ4_compress_default's
     * 16 KiB table clear per 8 KiB block */
    static _Thread_local LZ4_stream_t stream;
    static _Thread_local int stream_ready;
    if (!stream_ready) {
        LZ4_initStream(&stream, sizeof stream);
        stream_ready = 1;
    } else {
        LZ4_resetStream_fast(&stream);
    }
    int c = LZ4_compress_fast_continue(&stream, (const char *)planes, (char *)out + 4, m * 4,
                                       (int)(cap - 4 < 0x7fffffff ? cap - 4 : 0x7fffffff), 1);
    if (c <= 0)
        return -1;
    put_be(out, (uint64_t)c, 4);
    return 4 + (long)c;
}

long qmap_sim_bslz4_encode(const int32_t *in, size_t n, uint8_t *out, size_t cap)
{
    uint8_t planes[BLOCK * 4];
    size_t pos = 12, i = 0;
    if (cap < 12)
        return -1;
    put_be(out, (uint64_t)n * 4, 8);
    put_be(out + 8, BLOCK * 4, 4);
    while (i + 8 <= n) {
        int m = n - i >= BLOCK ? BLOCK : (int)((n - i) & ~(size_t)7);
        long w = encode_block(in + i, m, out + pos, cap - pos, planes);
        if (w < 0)
            return -1;
        pos += (size_t)w;
        i += (size_t)m;
    }
    size_t rest = (n - i) * 4;
    if (pos + rest > cap)
        return -1;
    memcpy(out + pos, in + i, rest);
    return (long)(pos + rest);
}
