/* bshuf_lz4.c -- decoder for chunks written by the HDF5 bitshuffle filter (32008)
 * with LZ4 compression.
 *
 * Why: LIMA writes SXDM frames as bitshuffle-LZ4 chunks. Decoding raw chunks
 * ourselves (read with H5Dread_chunk) lets the frame reader decode frames on several
 * threads and skip the HDF5 filter pipeline. Sparse detector frames make most blocks
 * all zero, which we detect after LZ4 and write without unshuffling.
 *
 * Chunk layout: uint64 BE total bytes, uint32 BE block bytes, then for each block a
 * uint32 BE compressed length and the LZ4 raw block. Full blocks hold block_bytes/elem
 * elements; the remainder rounded down to a multiple of 8 elements forms a last
 * smaller block; the final (n % 8) elements are stored raw. Inside a block of n
 * elements of s bytes the data are 8*s bit-planes of n/8 bytes each: plane 8*j + k
 * holds bit k of byte j of every element, element i at bit (i % 8) of byte i / 8.
 * Every input length is checked, so corrupt input can never read or write out of
 * bounds. qmap_bshuf_lz4_decode_nonzero gives only the non-zero elements: the LZ4 blocks
 * are walked for their non-zero bytes (lz4_sparse.c) and only those bit-plane bytes are
 * turned back into elements, so the cost follows the compressed size, not the frame size.
 */
#include "frames_internal.h"
#include "qmap/error.h"

#include <limits.h>
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#define HEADER_BYTES 12
#define STACK_SCRATCH 32768

static uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = (v << 8) | p[i];
    return v;
}

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v; /* bytes in memory order; transpose below works on that order */
}

/* Transpose an 8x8 bit matrix held as 8 bytes (byte r = row r, bit c = column c,
 * byte 0 in the low bits): afterwards byte c bit r is the former byte r bit c. */
static inline uint64_t transpose8(uint64_t x)
{
    uint64_t t;
    t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAULL;
    x = x ^ t ^ (t << 7);
    t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCULL;
    x = x ^ t ^ (t << 14);
    t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0ULL;
    x = x ^ t ^ (t << 28);
    return x;
}

/* Gather the 8 bit-plane bytes (planes 8*j .. 8*j+7) of element group g. */
static inline uint64_t gather_planes(const uint8_t *in, size_t plane_bytes, size_t j, size_t g)
{
    const uint8_t *p = in + 8 * j * plane_bytes + g;
    uint64_t x = 0;
    for (int k = 0; k < 8; k++) x |= (uint64_t)p[(size_t)k * plane_bytes] << (8 * k);
    return x;
}

/* Little-endian host: byte b of x is (x >> 8b) & 0xff. */
static void unshuffle_generic(const uint8_t *in, uint8_t *out, size_t n, size_t s)
{
    size_t plane_bytes = n / 8;
    for (size_t g = 0; g < plane_bytes; g++) {
        uint8_t *dst = out + 8 * g * s;
        for (size_t j = 0; j < s; j++) {
            uint64_t x = gather_planes(in, plane_bytes, j, g);
            if (x) x = transpose8(x);
            for (int m = 0; m < 8; m++) dst[(size_t)m * s + j] = (uint8_t)(x >> (8 * m));
        }
    }
}

static int is_all_zero(const uint8_t *p, size_t nbytes);

/* Unshuffle one group of 8 elements (little-endian host, s <= 8): transpose the
 * 8 planes of each active byte j and assemble whole elements in a register. */
static inline void unshuffle_group(const uint8_t *in, uint8_t *out, size_t pb, size_t s,
                                   const int *active, size_t g)
{
    uint64_t x[8];
    for (size_t j = 0; j < s; j++) x[j] = active[j] ? transpose8(gather_planes(in, pb, j, g)) : 0;
    uint8_t *dst = out + 8 * g * s;
    for (int m = 0; m < 8; m++) {
        uint64_t v = 0;
        for (size_t j = 0; j < s; j++) v |= ((x[j] >> (8 * m)) & 0xff) << (8 * j);
        memcpy(dst + (size_t)m * s, &v, s);
    }
}

/* Sparse-aware unshuffle for element sizes <= 8 on a little-endian host. Byte
 * positions whose 8 planes are all zero in this block are skipped (small counts in
 * int32 leave the upper 3 bytes empty), and runs of 64 elements whose planes are
 * all zero are written as zeros without any transpose. s is a constant at each call
 * site so the compiler specialises the loops. */
static inline __attribute__((always_inline)) void unshuffle_sparse(const uint8_t *in,
                                                                   uint8_t *out, size_t n,
                                                                   size_t s)
{
    size_t pb = n / 8, nw = pb / 8;
    int active[8];
    for (size_t j = 0; j < s; j++) active[j] = !is_all_zero(in + 8 * j * pb, 8 * pb);
    for (size_t w = 0; w < nw; w++) {
        uint64_t acc = 0;
        for (size_t j = 0; j < s; j++) {
            if (!active[j]) continue;
            for (size_t k = 0; k < 8; k++) acc |= load_le64(in + (8 * j + k) * pb + 8 * w);
        }
        for (size_t b = 0; b < 8; b++) {
            size_t g = 8 * w + b;
            if (((acc >> (8 * b)) & 0xff) == 0) memset(out + 8 * g * s, 0, 8 * s);
            else unshuffle_group(in, out, pb, s, active, g);
        }
    }
    for (size_t g = 8 * nw; g < pb; g++) unshuffle_group(in, out, pb, s, active, g);
}

static int is_all_zero(const uint8_t *p, size_t nbytes)
{
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 32 <= nbytes; i += 32) {
        acc |= load_le64(p + i) | load_le64(p + i + 8) | load_le64(p + i + 16) |
               load_le64(p + i + 24);
        if (acc) return 0;
    }
    for (; i < nbytes; i++) acc |= p[i];
    return acc == 0;
}

static void unshuffle(const uint8_t *in, uint8_t *out, size_t n, size_t s)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    unshuffle_generic(in, out, n, s); /* the 2- and 4-byte versions assume little-endian */
    return;
#endif
    switch (s) {
    case 1: unshuffle_sparse(in, out, n, 1); break;
    case 2: unshuffle_sparse(in, out, n, 2); break;
    case 4: unshuffle_sparse(in, out, n, 4); break;
    case 8: unshuffle_sparse(in, out, n, 8); break;
    default: unshuffle_generic(in, out, n, s); break;
    }
}

/* Read the length of block b and step over its header; *clen bytes of LZ4 follow. */
static int block_header(const uint8_t *in, size_t in_size, size_t *pos, size_t b, size_t *clen)
{
    if (in_size - *pos < 4)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 chunk truncated before block %zu (offset %zu of %zu)",
                          b, *pos, in_size);
    uint32_t c = load_be32(in + *pos);
    *pos += 4;
    if (c > in_size - *pos || c > (uint32_t)INT_MAX)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 block %zu: compressed length %u exceeds the %zu bytes "
                          "left in the chunk",
                          b, c, in_size - *pos);
    *clen = c;
    return QMAP_OK;
}

/* LZ4-decompress one block of n elements (n % 8 == 0) at in[*pos] into scratch (still
 * bit-shuffled); with wanted 0 only check its length and step over it. */
static int decode_block_raw(const uint8_t *in, size_t in_size, size_t *pos, size_t n, size_t s,
                            uint8_t *scratch, int wanted, size_t block_index)
{
    size_t nbytes = n * s, clen;
    int rc = block_header(in, in_size, pos, block_index, &clen);
    if (rc < 0)
        return rc;
    if (!wanted) { /* outside the wanted range: skip */
        *pos += clen;
        return QMAP_OK;
    }
    int got = LZ4_decompress_safe((const char *)(in + *pos), (char *)scratch, (int)clen,
                                  (int)nbytes);
    if (got < 0 || (size_t)got != nbytes)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 block %zu: LZ4 decompression failed (got %d of %zu bytes)",
                          block_index, got, nbytes);
    *pos += clen;
    return QMAP_OK;
}

/* Decode one block into out (unshuffled); with out NULL only check and skip it. */
static int decode_block(const uint8_t *in, size_t in_size, size_t *pos, size_t n, size_t s,
                        uint8_t *scratch, uint8_t *out, size_t block_index)
{
    int st = decode_block_raw(in, in_size, pos, n, s, scratch, out != NULL, block_index);
    if (st || !out) return st;
    if (is_all_zero(scratch, n * s)) memset(out, 0, n * s);
    else unshuffle(scratch, out, n, s);
    return QMAP_OK;
}

/* Check the 12-byte header; on success sets *block_elems. */
static int check_header(const uint8_t *in, size_t in_size, size_t s, size_t out_size,
                        size_t *block_elems)
{
    if (in_size < HEADER_BYTES)
        return qmap_error(QMAP_ERR_CORRUPT, "bitshuffle-LZ4 chunk truncated: %zu bytes, header needs %d",
                          in_size, HEADER_BYTES);
    uint64_t total = load_be64(in);
    uint32_t bbytes = load_be32(in + 8);
    if (total != (uint64_t)out_size)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 chunk header says %llu bytes, expected %zu",
                          (unsigned long long)total, out_size);
    if (bbytes == 0 || bbytes % s != 0 || (bbytes / s) % 8 != 0 || bbytes > (uint32_t)INT_MAX)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 chunk header has an invalid block size of %u bytes "
                          "for %zu-byte elements",
                          bbytes, s);
    *block_elems = bbytes / s;
    return QMAP_OK;
}

int qmap_bshuf_lz4_decode(const uint8_t *in, size_t in_size, size_t elem_size, uint8_t *out,
                          size_t out_size)
{
    return qmap_bshuf_lz4_decode_range(in, in_size, elem_size, out, out_size, 0, out_size);
}

int qmap_bshuf_lz4_decode_range(const uint8_t *in, size_t in_size, size_t elem_size, uint8_t *out,
                                size_t out_size, size_t byte0, size_t byte1)
{
    if (!in || (!out && out_size) || elem_size == 0 || elem_size > 1024)
        return qmap_error(QMAP_ERR_VALUE, "bitshuffle-LZ4 decode: bad arguments (element size %zu)",
                          elem_size);
    if (out_size % elem_size != 0 || byte0 > byte1 || byte1 > out_size)
        return qmap_error(QMAP_ERR_VALUE,
                          "bitshuffle-LZ4 decode: output size %zu (range %zu..%zu) does not fit "
                          "%zu-byte elements",
                          out_size, byte0, byte1, elem_size);
    size_t bs = 0;
    int st = check_header(in, in_size, elem_size, out_size, &bs);
    if (st) return st;

    size_t n = out_size / elem_size;
    size_t n_full = n / bs, last = (n % bs) - (n % bs) % 8, tail = n % 8;
    size_t first_block = n_full ? bs : last;
    uint8_t stack_buf[STACK_SCRATCH];
    uint8_t *scratch = stack_buf;
    if (first_block * elem_size > sizeof stack_buf) {
        scratch = malloc(first_block * elem_size);
        if (!scratch) return qmap_error(QMAP_ERR_NOMEM, "bitshuffle-LZ4 decode: out of memory");
    }

    /* every block length is checked; only blocks overlapping [byte0, byte1) are decoded */
    size_t pos = HEADER_BYTES, done = 0, b = 0;
    for (; b <= n_full && !st; b++) {
        size_t k = b < n_full ? bs : last;
        if (k == 0) break;
        size_t lo = done * elem_size, hi = (done + k) * elem_size;
        uint8_t *dst = hi > byte0 && lo < byte1 ? out + lo : NULL;
        st = decode_block(in, in_size, &pos, k, elem_size, scratch, dst, b);
        done += k;
    }
    if (scratch != stack_buf) free(scratch);
    if (st) return st;

    size_t tail_bytes = tail * elem_size;
    if (in_size - pos != tail_bytes)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 chunk: %zu bytes after the last block, expected %zu",
                          in_size - pos, tail_bytes);
    if (tail_bytes) memcpy(out + done * elem_size, in + pos, tail_bytes);
    return QMAP_OK;
}

/* ---- non-zero elements only ------------------------------------------------------ */

/* Append the non-zero elements of group g (8 elements) of a decompressed block whose
 * first element is `base`, if they lie in [e0, e1). s is a compile-time constant at
 * each call site (little-endian host, s <= 8). */
static inline __attribute__((always_inline)) size_t emit_group(const uint8_t *in, size_t pb,
                                                               size_t s, const int *active,
                                                               size_t g, size_t base, size_t e0,
                                                               size_t e1, uint32_t *idx,
                                                               uint64_t *bits, size_t k)
{
    uint64_t x[8];
    for (size_t j = 0; j < s; j++) x[j] = active[j] ? transpose8(gather_planes(in, pb, j, g)) : 0;
    for (int m = 0; m < 8; m++) {
        uint64_t v = 0;
        for (size_t j = 0; j < s; j++) v |= ((x[j] >> (8 * m)) & 0xff) << (8 * j);
        size_t e = base + 8 * g + (size_t)m;
        if (v && e >= e0 && e < e1) {
            idx[k] = (uint32_t)e;
            bits[k++] = v;
        }
    }
    return k;
}

/* Non-zero elements of one decompressed block of n elements: runs of 64 elements whose
 * bit planes are all zero are skipped without any transpose. */
static inline __attribute__((always_inline)) size_t emit_block(const uint8_t *in, size_t n,
                                                               size_t s, size_t base, size_t e0,
                                                               size_t e1, uint32_t *idx,
                                                               uint64_t *bits, size_t k)
{
    size_t pb = n / 8, nw = pb / 8;
    int active[8];
    for (size_t j = 0; j < s; j++) active[j] = !is_all_zero(in + 8 * j * pb, 8 * pb);
    for (size_t w = 0; w < nw; w++) {
        uint64_t acc = 0;
        for (size_t j = 0; j < s; j++) {
            if (!active[j]) continue;
            for (size_t q = 0; q < 8; q++) acc |= load_le64(in + (8 * j + q) * pb + 8 * w);
        }
        for (size_t b = 0; acc && b < 8; b++)
            if ((acc >> (8 * b)) & 0xff)
                k = emit_group(in, pb, s, active, 8 * w + b, base, e0, e1, idx, bits, k);
    }
    for (size_t g = 8 * nw; g < pb; g++) k = emit_group(in, pb, s, active, g, base, e0, e1, idx, bits, k);
    return k;
}

/* Any host, any element size: unshuffle the block, then scan it. */
static size_t emit_block_generic(const uint8_t *in, uint8_t *tmp, size_t n, size_t s,
                                 size_t base, size_t e0, size_t e1, uint32_t *idx,
                                 uint64_t *bits, size_t k)
{
    unshuffle(in, tmp, n, s);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        for (size_t j = 0; j < s; j++) v |= (uint64_t)tmp[i * s + j] << (8 * j);
        if (v && base + i >= e0 && base + i < e1) {
            idx[k] = (uint32_t)(base + i);
            bits[k++] = v;
        }
    }
    return k;
}

/* Elements of a block from its non-zero bit-plane bytes: the byte g of plane p (p = 8 *
 * byte + bit) sets bit p of the elements 8g + m for each bit m set in it. ev (n values)
 * and touched (a bitmap of n) are all zero on entry and on return. */
static size_t emit_from_plane_bytes(const uint32_t *pos, const uint8_t *val, size_t nz, size_t n,
                                    uint64_t *ev, uint64_t *touched, size_t base, size_t e0,
                                    size_t e1, uint32_t *idx, uint64_t *bits, size_t k)
{
    size_t pb = n / 8, w_lo = n, w_hi = 0;
    for (size_t i = 0; i < nz; i++) {
        size_t plane = pos[i] / pb, g = pos[i] % pb;
        w_lo = g / 8 < w_lo ? g / 8 : w_lo;
        w_hi = g / 8 + 1 > w_hi ? g / 8 + 1 : w_hi;
        for (unsigned v = val[i]; v; v &= v - 1) {
            size_t e = 8 * g + (size_t)__builtin_ctz(v);
            ev[e] |= 1ULL << plane;
            touched[e / 64] |= 1ULL << (e % 64);
        }
    }
    for (size_t w = w_lo; w < w_hi; w++) {
        for (uint64_t t = touched[w]; t; t &= t - 1) {
            size_t e = 64 * w + (size_t)__builtin_ctzll(t);
            if (base + e >= e0 && base + e < e1) {
                idx[k] = (uint32_t)(base + e);
                bits[k++] = ev[e];
            }
            ev[e] = 0;
        }
        touched[w] = 0;
    }
    return k;
}

long qmap_bshuf_lz4_decode_nonzero(const uint8_t *in, size_t in_size, size_t elem_size,
                                   size_t out_size, size_t e0, size_t e1, uint32_t *idx,
                                   uint64_t *bits)
{
    if (!in || !idx || !bits || elem_size == 0 || elem_size > 8 || out_size % elem_size != 0 ||
        out_size / elem_size > UINT32_MAX || e0 > e1 || e1 > out_size / elem_size)
        return qmap_error(QMAP_ERR_VALUE,
                          "bitshuffle-LZ4 sparse decode: bad arguments (element size %zu, output "
                          "%zu bytes, elements %zu..%zu)", elem_size, out_size, e0, e1);
    size_t bs = 0;
    int st = check_header(in, in_size, elem_size, out_size, &bs);
    if (st) return st;
    size_t n = out_size / elem_size;
    size_t n_full = n / bs, last = (n % bs) - (n % bs) % 8, tail = n % 8;
    size_t m0 = n_full ? bs : last, bytes0 = m0 * elem_size;
    /* a block with more non-zero plane bytes than this is decompressed in full */
    size_t cap = bytes0 / 16 + 16;
    /* scratch: LZ4 output, unshuffled block, element values, touched bitmap, plane bytes */
    size_t words = (m0 + 63) / 64;
    uint8_t *mem = calloc(1, 2 * bytes0 + (m0 + words) * sizeof(uint64_t) + cap * 5 + 64);
    if (!mem) return qmap_error(QMAP_ERR_NOMEM, "bitshuffle-LZ4 decode: out of memory");
    uint64_t *ev = (uint64_t *)mem, *touched = ev + m0;
    uint8_t *scratch = (uint8_t *)(touched + words), *tmp = scratch + bytes0;
    uint32_t *nzpos = (uint32_t *)(tmp + bytes0 + (8 - (uintptr_t)(tmp + bytes0) % 8) % 8);
    uint8_t *nzval = (uint8_t *)(nzpos + cap);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const int direct = elem_size == 1 || elem_size == 2 || elem_size == 4 || elem_size == 8;
#else
    const int direct = 0;
#endif
    size_t pos = HEADER_BYTES, done = 0, k = 0;
    for (size_t b = 0; b <= n_full && !st; b++) {
        size_t m = b < n_full ? bs : last, clen = 0;
        if (m == 0) break;
        st = block_header(in, in_size, &pos, b, &clen);
        if (st) break;
        if (done + m > e0 && done < e1) {
            long nz = qmap_lz4_nonzero_bytes(in + pos, clen, m * elem_size, nzpos, nzval, cap);
            if (nz >= 0) {
                k = emit_from_plane_bytes(nzpos, nzval, (size_t)nz, m, ev, touched, done, e0, e1,
                                          idx, bits, k);
            } else {
                /* unusual or corrupt stream: the reference decoder decides */
                int got = LZ4_decompress_safe((const char *)(in + pos), (char *)scratch, (int)clen,
                                              (int)(m * elem_size));
                if (got < 0 || (size_t)got != m * elem_size) {
                    st = qmap_error(QMAP_ERR_CORRUPT,
                                    "bitshuffle-LZ4 block %zu: LZ4 decompression failed (got %d of "
                                    "%zu bytes)", b, got, m * elem_size);
                    break;
                }
                if (is_all_zero(scratch, m * elem_size)) {}
                else if (!direct) k = emit_block_generic(scratch, tmp, m, elem_size, done, e0, e1, idx, bits, k);
                else if (elem_size == 1) k = emit_block(scratch, m, 1, done, e0, e1, idx, bits, k);
                else if (elem_size == 2) k = emit_block(scratch, m, 2, done, e0, e1, idx, bits, k);
                else if (elem_size == 4) k = emit_block(scratch, m, 4, done, e0, e1, idx, bits, k);
                else k = emit_block(scratch, m, 8, done, e0, e1, idx, bits, k);
            }
        }
        pos += clen;
        done += m;
    }
    free(mem);
    if (st) return st;
    if (in_size - pos != tail * elem_size)
        return qmap_error(QMAP_ERR_CORRUPT,
                          "bitshuffle-LZ4 chunk: %zu bytes after the last block, expected %zu",
                          in_size - pos, tail * elem_size);
    for (size_t i = 0; i < tail; i++, done++) {
        uint64_t v = 0;
        for (size_t j = 0; j < elem_size; j++) v |= (uint64_t)in[pos + i * elem_size + j] << (8 * j);
        if (v && done >= e0 && done < e1) {
            idx[k] = (uint32_t)done;
            bits[k++] = v;
        }
    }
    return (long)k;
}
