/* test_sparse_decode.c -- the sparse decoders (non-zero elements only) against references.
 *
 * 1. qmap_lz4_nonzero_bytes on blocks made by liblz4 (fast and HC compressors; sparse,
 *    periodic, dense data, so that matches copy non-zero bytes, overlap, and exceed the
 *    capacity): when it answers, its bytes must be exactly the non-zero bytes that
 *    LZ4_decompress_safe gives. Then thousands of mutated and truncated blocks: whenever it
 *    accepts one, LZ4_decompress_safe must accept it too and give the same bytes (so that
 *    corrupt input is never decoded differently from the reference).
 * 2. qmap_bshuf_lz4_decode_nonzero on chunks written by the HDF5 bitshuffle plugin: element
 *    sizes 1, 2, 4, 8, automatic and explicit block sizes, lengths not multiples of the block
 *    or of 8, full and partial element ranges: exactly the non-zero elements of H5Dread.
 *    Truncated or corrupted chunks: it fails exactly when qmap_bshuf_lz4_decode (proven
 *    against the plugin in test_bshuf_lz4) fails, and agrees with it otherwise.
 */
#include "check.h"
#include "frames_internal.h"
#include "qmap/error.h"

#include <hdf5.h>
#include <lz4.h>
#include <lz4hc.h>
#include <stdlib.h>
#include <string.h>

#define BSHUF_FILTER 32008

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum { P_SPARSE, P_VERY_SPARSE, P_PERIODIC, P_PEAK, P_RANDOM, P_ZERO, P_ONES, N_PATTERNS };

static void fill(uint8_t *b, size_t n, size_t s, int pat)
{
    memset(b, 0, n * s);
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        switch (pat) {
        case P_SPARSE: v = rnd() % 53 == 0 ? 1 + rnd() % 30 : 0; break;
        case P_VERY_SPARSE: v = rnd() % 3000 == 0 ? 1 + rnd() % 5000 : 0; break;
        case P_PERIODIC: v = i % 24 == 5 ? 3 : i % 24 == 6 ? 1 : 0; break;
        case P_PEAK: v = (i % 500 > 200 && i % 500 < 260) ? 100 + (i % 7) * 300 : 0; break;
        case P_RANDOM: v = rnd(); break;
        case P_ZERO: v = 0; break;
        case P_ONES: v = ~0ULL; break;
        }
        memcpy(b + i * s, &v, s); /* little-endian host */
    }
}

/* Non-zero bytes of the reference decode vs the sparse answer. */
static int same_bytes(const uint8_t *ref, size_t n, const uint32_t *pos, const uint8_t *val, long k)
{
    long j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ref[i]) continue;
        if (j >= k || pos[j] != i || val[j] != ref[i]) return 0;
        j++;
    }
    return j == k;
}

static void lz4_checks(void)
{
    const size_t sizes[] = {13, 16, 64, 100, 1024, 8192, 65536};
    long answered = 0, fuzz_accepted = 0, fuzz_total = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++)
        for (int pat = 0; pat < N_PATTERNS; pat++)
            for (int hc = 0; hc < 2; hc++) {
                size_t n = sizes[si];
                uint8_t *src = malloc(n), *out = malloc(n), *val = malloc(n);
                uint32_t *pos = malloc(n * sizeof *pos);
                int cap = LZ4_compressBound((int)n);
                char *c = malloc((size_t)cap), *m = malloc((size_t)cap);
                fill(src, n, 1, pat);
                int clen = hc ? LZ4_compress_HC((const char *)src, c, (int)n, cap, 9)
                              : LZ4_compress_default((const char *)src, c, (int)n, cap);
                CHECK(clen > 0, "lz4 compress failed");
                long k = qmap_lz4_nonzero_bytes((const uint8_t *)c, (size_t)clen, n, pos, val, n);
                CHECK(k >= 0 || pat == P_RANDOM || pat == P_ONES,
                      "valid %s block of %zu bytes (pattern %d) not understood", hc ? "HC" : "fast", n, pat);
                if (k >= 0) {
                    answered++;
                    CHECK(same_bytes(src, n, pos, val, k), "pattern %d, %zu bytes, %s: wrong non-zero bytes",
                          pat, n, hc ? "HC" : "fast");
                }
                /* a small capacity must make it give up, not overflow */
                if (k > 1)
                    CHECK(qmap_lz4_nonzero_bytes((const uint8_t *)c, (size_t)clen, n, pos, val, (size_t)k - 1) == -1,
                          "capacity %ld - 1 not respected", k);
                /* the wrong output size: never accepted */
                CHECK(qmap_lz4_nonzero_bytes((const uint8_t *)c, (size_t)clen, n + 1, pos, val, n + 1) < 0 ||
                          LZ4_decompress_safe(c, (char *)out, clen, (int)n + 1) == (int)n + 1,
                      "block accepted for a wrong size");
                for (int t = 0; t < 400; t++) {
                    int ml = clen;
                    memcpy(m, c, (size_t)clen);
                    int kind = (int)(rnd() % 4);
                    if (kind == 0) ml = (int)(rnd() % (uint64_t)clen);                 /* truncate */
                    for (int f = 0; f < 1 + (int)(rnd() % 3) && kind > 0; f++) {
                        size_t at = rnd() % (uint64_t)clen;
                        if (kind == 1) m[at] ^= (char)(1u << (rnd() % 8));             /* bit flip */
                        else if (kind == 2) m[at] = (char)rnd();                      /* byte */
                        else m[at] = (char)(at % 2 ? 0xff : 0x00);                     /* lengths */
                    }
                    fuzz_total++;
                    long r = qmap_lz4_nonzero_bytes((const uint8_t *)m, (size_t)ml, n, pos, val, n);
                    if (r < 0) continue;
                    fuzz_accepted++;
                    int got = LZ4_decompress_safe(m, (char *)out, ml, (int)n);
                    CHECK(got == (int)n, "mutated block (%zu bytes, pattern %d) accepted, but "
                          "LZ4_decompress_safe says %d", n, pat, got);
                    if (got == (int)n)
                        CHECK(same_bytes(out, n, pos, val, r), "mutated block decoded differently");
                }
                free(src);
                free(out);
                free(val);
                free(pos);
                free(c);
                free(m);
            }
    CHECK(answered > 40, "the sparse LZ4 walk answered only %ld valid blocks", answered);
    fprintf(stderr, "lz4: %ld valid blocks answered; %ld of %ld mutated blocks accepted (all "
            "matching LZ4_decompress_safe)\n", answered, fuzz_accepted, fuzz_total);
}

static hid_t type_for(size_t s)
{
    return s == 1 ? H5T_NATIVE_UINT8 : s == 2 ? H5T_NATIVE_UINT16 : s == 4 ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT64;
}

/* Write through the plugin, return the raw chunk and the H5Dread of the data. */
static uint8_t *plugin_chunk(hid_t file, const char *name, const uint8_t *data, size_t n, size_t s,
                             unsigned block, size_t *raw_size, uint8_t *readback)
{
    hsize_t dims[1] = {n};
    unsigned cd[2] = {block, 2};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, dims);
    H5Pset_filter(dcpl, BSHUF_FILTER, H5Z_FLAG_MANDATORY, 2, cd);
    hid_t d = H5Dcreate2(file, name, type_for(s), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    uint8_t *raw = NULL;
    if (d >= 0 && H5Dwrite(d, type_for(s), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0) {
        H5Fflush(file, H5F_SCOPE_LOCAL);
        hsize_t off[1] = {0}, nbytes = 0;
        uint32_t mask = 0;
        H5Dget_chunk_storage_size(d, off, &nbytes);
        raw = malloc(nbytes ? nbytes : 1);
        if (H5Dread_chunk(d, H5P_DEFAULT, off, &mask, raw) < 0 || mask != 0 ||
            H5Dread(d, type_for(s), H5S_ALL, H5S_ALL, H5P_DEFAULT, readback) < 0) {
            free(raw);
            raw = NULL;
        }
        *raw_size = nbytes;
    }
    if (d >= 0) H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    return raw;
}

/* Non-zero elements [e0, e1) of `ref` vs the decoder's answer. */
static int same_elements(const uint8_t *ref, size_t s, size_t e0, size_t e1, const uint32_t *idx,
                         const uint64_t *bits, long k)
{
    long j = 0;
    for (size_t i = e0; i < e1; i++) {
        uint64_t v = 0;
        memcpy(&v, ref + i * s, s);
        if (!v) continue;
        if (j >= k || idx[j] != i || bits[j] != v) return 0;
        j++;
    }
    return j == k;
}

static void chunk_case(hid_t file, size_t n, size_t s, unsigned block, int pat, int corrupt)
{
    static int serial;
    char name[64];
    snprintf(name, sizeof name, "d%d", serial++);
    uint8_t *data = malloc(n * s), *back = malloc(n * s), *dense = malloc(n * s);
    uint32_t *idx = malloc(n * sizeof *idx);
    uint64_t *bits = malloc(n * sizeof *bits);
    fill(data, n, s, pat);
    size_t raw_size = 0;
    uint8_t *raw = plugin_chunk(file, name, data, n, s, block, &raw_size, back);
    CHECK(raw != NULL, "plugin write/read failed (n %zu, s %zu, block %u)", n, s, block);
    if (raw) {
        size_t ranges[4][2] = {{0, n}, {n / 3, n / 3 + n / 4 + 1}, {n - 1, n}, {n / 2, n / 2}};
        for (int r = 0; r < 4; r++) {
            long k = qmap_bshuf_lz4_decode_nonzero(raw, raw_size, s, n * s, ranges[r][0], ranges[r][1], idx, bits);
            CHECK(k >= 0, "n %zu s %zu block %u pattern %d: %s", n, s, block, pat, qmap_error_message());
            if (k >= 0)
                CHECK(same_elements(back, s, ranges[r][0], ranges[r][1], idx, bits, k),
                      "n %zu s %zu block %u pattern %d range %zu..%zu: non-zero elements differ from H5Dread",
                      n, s, block, pat, ranges[r][0], ranges[r][1]);
        }
        for (int t = 0; corrupt && t < 300; t++) {
            uint8_t *m = malloc(raw_size + 1);
            memcpy(m, raw, raw_size);
            size_t len = raw_size;
            if (t % 3 == 0) len = rnd() % raw_size;
            else for (int f = 0; f < 1 + t % 3; f++) m[rnd() % raw_size] ^= (uint8_t)(1u << (rnd() % 8));
            int dst = qmap_bshuf_lz4_decode(m, len, s, dense, n * s);
            long k = qmap_bshuf_lz4_decode_nonzero(m, len, s, n * s, 0, n, idx, bits);
            CHECK((dst < 0) == (k < 0), "corrupt chunk (n %zu s %zu, try %d): dense decode %d, sparse %ld",
                  n, s, t, dst, k);
            if (dst == 0 && k >= 0)
                CHECK(same_elements(dense, s, 0, n, idx, bits, k), "corrupt chunk decoded differently");
            if (k < 0) CHECK(k == QMAP_ERR_CORRUPT, "corrupt chunk: status %ld", k);
            free(m);
        }
    }
    free(raw);
    free(data);
    free(back);
    free(dense);
    free(idx);
    free(bits);
}

int main(void)
{
    lz4_checks();
    const char *tmp = getenv("QMAP_TEST_TMP");
    char path[4096];
    snprintf(path, sizeof path, "%s/test_sparse_decode.h5", tmp ? tmp : "/tmp");
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(file >= 0, "cannot create %s", path);
    if (file < 0) return 1;
    const size_t sizes[] = {1, 2, 4, 8};
    const unsigned blocks[] = {0, 8, 64, 1000, 4096};
    const size_t lengths[] = {5, 8, 1003, 8192 + 13, 60000};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 5; b++)
            for (size_t c = 0; c < 5; c++)
                for (int pat = 0; pat < N_PATTERNS; pat++) {
                    if (blocks[b] % 8) continue;
                    int corrupt = pat == P_SPARSE && c == 2;
                    chunk_case(file, lengths[c], sizes[a], blocks[b], pat, corrupt);
                }
    /* a 516 x 516 int32 Maxipix-like frame, default block, rows 100..200 */
    chunk_case(file, 516 * 516, 4, 0, P_SPARSE, 1);
    H5Fclose(file);
    remove(path);
    /* bad arguments */
    uint32_t idx[4];
    uint64_t bits[4];
    uint8_t junk[16] = {0};
    CHECK(qmap_bshuf_lz4_decode_nonzero(junk, 16, 3, 64, 0, 1, idx, bits) < 0 &&
              qmap_bshuf_lz4_decode_nonzero(junk, 16, 4, 64, 2, 1, idx, bits) == QMAP_ERR_VALUE &&
              qmap_bshuf_lz4_decode_nonzero(junk, 16, 16, 64, 0, 1, idx, bits) == QMAP_ERR_VALUE,
          "bad arguments accepted");
    return failures != 0;
}
