/* lz4_sparse.c -- the non-zero bytes of an LZ4 block, without writing its zero bytes.
 *
 * Why: a bit-shuffled block of a sparse photon-counting frame decompresses to kilobytes
 * of zeros around a few non-zero plane bytes; LZ4 stores those zeros as matches. Walking
 * the sequences and keeping only the non-zero literal bytes (and the copies that matches
 * make of them) costs time proportional to the compressed size, not to the frame size.
 *
 * The block format (lz4 "Block format" description): sequences of a token (high nibble
 * literal length, low nibble match length - 4, 15 = more length bytes follow, each 255
 * continuing), the literals, a 2-byte little-endian offset and the match, which copies
 * bytes from `offset` bytes back (overlapping copies repeat a pattern). The last sequence
 * has literals only. We accept only streams that LZ4_decompress_safe decodes the same way:
 * the end-of-block rules it enforces (the last 5 bytes are literals, a match starts at
 * least 12 bytes before the end, the last literals end the input exactly) are checked,
 * and anything unusual (offset 0, too many non-zero bytes) returns -1 so that the caller
 * decompresses the block with the reference decoder, which also reports corrupt input.
 */
#include "frames_internal.h"

#include <stddef.h>

#define MIN_MATCH 4
#define LAST_LITERALS 5
#define MF_LIMIT 12

/* Read an extended length (bytes while 255); -1 when the input ends first. */
static int extend_length(const uint8_t **ip, const uint8_t *iend, size_t *len)
{
    unsigned b;
    do {
        if (*ip >= iend) return -1;
        b = *(*ip)++;
        *len += b;
    } while (b == 255);
    return 0;
}

/* First entry of pos[0..k) that is >= p (pos ascending). */
static size_t lower_bound(const uint32_t *pos, size_t k, size_t p)
{
    size_t lo = 0, hi = k;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pos[mid] < p) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

long qmap_lz4_nonzero_bytes(const uint8_t *src, size_t clen, size_t nbytes, uint32_t *pos,
                            uint8_t *val, size_t cap)
{
    const uint8_t *ip = src, *iend = src + clen;
    size_t op = 0, k = 0;
    if (nbytes > UINT32_MAX || clen == 0) return -1;
    for (;;) {
        unsigned token = *ip++;
        size_t lit = token >> 4;
        if (lit == 15 && extend_length(&ip, iend, &lit) < 0) return -1;
        if (lit > (size_t)(iend - ip)) return -1;
        /* where LZ4_decompress_safe takes this as the last sequence */
        int last = op + lit + MF_LIMIT > nbytes || (size_t)(iend - ip) < lit + 2 + 1 + LAST_LITERALS;
        if (last && (ip + lit != iend || op + lit != nbytes)) return -1;
        for (size_t i = 0; i < lit; i++)
            if (ip[i]) {
                if (k == cap) return -1;
                pos[k] = (uint32_t)(op + i);
                val[k++] = ip[i];
            }
        ip += lit;
        op += lit;
        if (last) return (long)k;

        size_t offset = (size_t)ip[0] | (size_t)ip[1] << 8;
        ip += 2;
        size_t ml = token & 15;
        if (ml == 15 && extend_length(&ip, iend, &ml) < 0) return -1;
        ml += MIN_MATCH;
        if (offset == 0 || offset > op || ml > nbytes || op + ml + LAST_LITERALS > nbytes) return -1;
        if (ip >= iend) return -1;   /* a last literal sequence must follow */
        /* the match repeats output [from, op) with period offset over ml bytes: the
         * non-zero byte at from + d lands at op + d, op + d + offset, ... below op + ml */
        size_t from = op - offset, w0 = lower_bound(pos, k, from), w1 = k;
        for (size_t base = 0; w0 < w1 && base < ml; base += offset)
            for (size_t i = w0; i < w1; i++) {
                size_t d = pos[i] - from;
                if (d + base >= ml) break;
                if (k == cap) return -1;
                pos[k] = (uint32_t)(op + d + base);
                val[k++] = val[i];
            }
        op += ml;
    }
}
