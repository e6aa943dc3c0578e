/* test_bshuf_lz4.c -- qmap_bshuf_lz4_decode must be bit-exact against the real HDF5
 * bitshuffle plugin (filter 32008) and must reject corrupt chunks without crashing.
 *
 * Data are written through the plugin (1-D datasets, one chunk; user cd_values
 * {block, 2 = LZ4}, which set_local turns into {major, minor, elem, block, 2}), the raw chunk is read
 * back with H5Dread_chunk and our decode is compared byte for byte with H5Dread.
 * Element sizes 1, 2, 4, 8; automatic and explicit block sizes; lengths that are not
 * multiples of the block or of 8; random, sparse, zero and saturated data. Then the
 * chunks are truncated at every header/block boundary, bytes are flipped and the
 * header is altered: decode must return QMAP_ERR_CORRUPT (or decode something) and
 * never touch memory out of bounds (run under ASan in the sanitize build).
 */
#include "frames_internal.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BSHUF_FILTER 32008

#include "check.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

enum pattern { PAT_RANDOM, PAT_SPARSE, PAT_ZERO, PAT_ONES, PAT_SMOOTH, N_PAT };

static void fill(uint8_t *buf, size_t n, size_t s, int pat)
{
    for (size_t i = 0; i < n * s; i++) buf[i] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        switch (pat) {
        case PAT_RANDOM: v = rnd(); break;
        case PAT_SPARSE: v = (rnd() % 97 == 0) ? rnd() % 40 : 0; break;
        case PAT_ZERO: v = 0; break;
        case PAT_ONES: v = ~0ULL; break;
        case PAT_SMOOTH: v = (uint64_t)(1000 + i % 300) + rnd() % 4; break;
        }
        memcpy(buf + i * s, &v, s); /* little-endian host: low bytes */
    }
}

static hid_t type_for(size_t s)
{
    switch (s) {
    case 1: return H5T_NATIVE_UINT8;
    case 2: return H5T_NATIVE_UINT16;
    case 4: return H5T_NATIVE_INT32;
    default: return H5T_NATIVE_UINT64;
    }
}

/* Write n elements of size s through the plugin; return the raw chunk (malloc'd). */
static uint8_t *encode_with_plugin(hid_t file, const char *name, const uint8_t *data, size_t n,
                                   size_t s, unsigned block, size_t *raw_size)
{
    hsize_t dims[1] = {n}, chunk[1] = {n};
    /* This plugin (bitshuffle 0.3.5) takes user cd_values {block, compression} and
     * stores {major, minor, elem_size, block, compression} after set_local. */
    unsigned cd[2] = {block, 2};
    hid_t space = H5Screate_simple(1, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    H5Pset_filter(dcpl, BSHUF_FILTER, H5Z_FLAG_MANDATORY, 2, cd);
    hid_t d = H5Dcreate2(file, name, type_for(s), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    uint8_t *raw = NULL;
    if (d >= 0 && H5Dwrite(d, type_for(s), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0) {
        H5Fflush(file, H5F_SCOPE_LOCAL);
        hsize_t off[1] = {0}, nbytes = 0;
        uint32_t mask = 0;
        H5Dget_chunk_storage_size(d, off, &nbytes);
        raw = malloc(nbytes ? nbytes : 1);
        if (H5Dread_chunk(d, H5P_DEFAULT, off, &mask, raw) < 0 || mask != 0) {
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

/* Read the dataset back through HDF5 (the plugin decodes). */
static int read_with_plugin(hid_t file, const char *name, uint8_t *out, size_t s)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return -1;
    herr_t e = H5Dread(d, type_for(s), H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
    H5Dclose(d);
    return e < 0 ? -1 : 0;
}

/* Corrupt the chunk in many ways; decode must fail cleanly or succeed, never crash. */
static void corrupt_checks(const uint8_t *raw, size_t raw_size, size_t s, size_t out_size)
{
    uint8_t *out = malloc(out_size ? out_size : 1);
    /* truncation: every length up to 64 bytes, then at each block boundary +-1 */
    for (size_t cut = 0; cut < raw_size; cut++) {
        int interesting = cut < 64 || cut + 64 > raw_size || cut % 97 == 0;
        if (!interesting) continue;
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, raw, cut);
        int st = qmap_bshuf_lz4_decode(copy, cut, s, out, out_size);
        CHECK(st == QMAP_ERR_CORRUPT, "truncated to %zu of %zu: status %d", cut, raw_size, st);
        free(copy);
    }
    /* walk the block headers and cut right before/after each length field */
    size_t pos = 12;
    while (pos + 4 <= raw_size) {
        size_t len = ((size_t)raw[pos] << 24) | ((size_t)raw[pos + 1] << 16) |
                     ((size_t)raw[pos + 2] << 8) | raw[pos + 3];
        size_t cuts[3] = {pos + 2, pos + 4, pos + 4 + len - 1};
        for (int c = 0; c < 3; c++) {
            if (cuts[c] >= raw_size) continue;
            int st = qmap_bshuf_lz4_decode(raw, cuts[c], s, out, out_size);
            CHECK(st == QMAP_ERR_CORRUPT, "cut at %zu: status %d", cuts[c], st);
        }
        pos += 4 + len;
    }
    /* wrong expected size, both ways */
    uint8_t *big = malloc(out_size + 64);
    CHECK(qmap_bshuf_lz4_decode(raw, raw_size, s, big, out_size + s) == QMAP_ERR_CORRUPT,
          "larger out_size accepted");
    if (out_size >= s)
        CHECK(qmap_bshuf_lz4_decode(raw, raw_size, s, out, out_size - s) == QMAP_ERR_CORRUPT,
              "smaller out_size accepted");
    free(big);
    /* flipped bytes anywhere (header included); also an extra trailing byte */
    uint8_t *copy = malloc(raw_size + 1);
    for (int t = 0; t < 200; t++) {
        memcpy(copy, raw, raw_size);
        size_t at = rnd() % raw_size;
        copy[at] ^= (uint8_t)(1 + rnd() % 255);
        int st = qmap_bshuf_lz4_decode(copy, raw_size, s, out, out_size);
        CHECK(st == QMAP_OK || st == QMAP_ERR_CORRUPT, "flip at %zu: status %d", at, st);
        if (at < 12) CHECK(st == QMAP_ERR_CORRUPT || at >= 8, "header flip at %zu accepted", at);
    }
    memcpy(copy, raw, raw_size);
    copy[raw_size] = 0;
    CHECK(qmap_bshuf_lz4_decode(copy, raw_size + 1, s, out, out_size) == QMAP_ERR_CORRUPT,
          "trailing garbage accepted");
    /* absurd block sizes in the header */
    uint32_t bad_blocks[] = {0, 1, 3, 7, 0x7fffffffu, 0xffffffffu, 12};
    for (size_t i = 0; i < sizeof bad_blocks / sizeof *bad_blocks; i++) {
        memcpy(copy, raw, raw_size);
        uint32_t b = bad_blocks[i];
        copy[8] = (uint8_t)(b >> 24), copy[9] = (uint8_t)(b >> 16);
        copy[10] = (uint8_t)(b >> 8), copy[11] = (uint8_t)b;
        int st = qmap_bshuf_lz4_decode(copy, raw_size, s, out, out_size);
        CHECK(st == QMAP_ERR_CORRUPT, "block size %u accepted (status %d)", b, st);
    }
    free(copy);
    free(out);
}

static void one_case(hid_t file, size_t n, size_t s, unsigned block, int pat, int corrupt)
{
    static int counter;
    char name[64];
    snprintf(name, sizeof name, "d%d", counter++);
    size_t nbytes = n * s, raw_size = 0;
    uint8_t *data = malloc(nbytes), *ref = malloc(nbytes), *mine = malloc(nbytes);
    fill(data, n, s, pat);
    uint8_t *raw = encode_with_plugin(file, name, data, n, s, block, &raw_size);
    CHECK(raw != NULL, "plugin encode failed: n=%zu s=%zu block=%u", n, s, block);
    if (raw) {
        CHECK(read_with_plugin(file, name, ref, s) == 0, "plugin read failed");
        CHECK(memcmp(ref, data, nbytes) == 0, "plugin round trip differs");
        memset(mine, 0xA5, nbytes);
        int st = qmap_bshuf_lz4_decode(raw, raw_size, s, mine, nbytes);
        CHECK(st == QMAP_OK, "decode n=%zu s=%zu block=%u pat=%d: %s", n, s, block, pat,
              qmap_error_message());
        CHECK(st != QMAP_OK || memcmp(mine, ref, nbytes) == 0,
              "decode differs: n=%zu s=%zu block=%u pat=%d", n, s, block, pat);
        /* a sub-range (as used to read some detector rows) */
        size_t b0 = (size_t)(rnd() % (nbytes + 1)), b1 = (size_t)(rnd() % (nbytes + 1));
        if (b0 > b1) { size_t t = b0; b0 = b1; b1 = t; }
        memset(mine, 0xA5, nbytes);
        st = qmap_bshuf_lz4_decode_range(raw, raw_size, s, mine, nbytes, b0, b1);
        CHECK(st == QMAP_OK, "decode_range %zu..%zu: %s", b0, b1, qmap_error_message());
        CHECK(st != QMAP_OK || memcmp(mine + b0, ref + b0, b1 - b0) == 0,
              "decode_range %zu..%zu differs: n=%zu s=%zu block=%u", b0, b1, n, s, block);
        if (corrupt) corrupt_checks(raw, raw_size, s, nbytes);
    }
    free(raw);
    free(data);
    free(ref);
    free(mine);
}

/* Sparse 516x516 int32 frame: our decode vs H5Dread through the plugin, one thread. */
static void speed(hid_t file)
{
    size_t n = 516 * 516, s = 4, raw_size = 0;
    uint8_t *data = malloc(n * s), *out = malloc(n * s);
    fill(data, n, s, PAT_SPARSE);
    uint8_t *raw = encode_with_plugin(file, "speed", data, n, s, 0, &raw_size);
    if (!raw) {
        CHECK(0, "speed encode failed");
        free(data), free(out);
        return;
    }
    int reps = 300;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++) qmap_bshuf_lz4_decode(raw, raw_size, s, out, n * s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double mine = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    hid_t d = H5Dopen2(file, "speed", H5P_DEFAULT);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++)
        H5Dread(d, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    H5Dclose(d);
    double theirs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    printf("sparse 516x516 int32 frame (%zu compressed bytes): qmap decode %.0f frames/s, "
           "H5Dread+plugin %.0f frames/s\n",
           raw_size, reps / mine, reps / theirs);
    free(raw);
    free(data);
    free(out);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    char path[4096];
    snprintf(path, sizeof path, "%s/test_bshuf_lz4.h5", tmp ? tmp : ".");
    if (H5Zfilter_avail(BSHUF_FILTER) <= 0) {
        fprintf(stderr, "FAIL: the bitshuffle HDF5 plugin (32008) is not available\n");
        return 1;
    }
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) {
        fprintf(stderr, "FAIL: cannot create %s\n", path);
        return 1;
    }
    size_t sizes[] = {1, 2, 4, 8};
    unsigned blocks[] = {0, 8, 64, 256, 1024, 4096};
    size_t lengths[] = {1, 7, 8, 9, 63, 64, 65, 100, 1000, 2048, 2049, 8191, 24589, 516 * 516};
    for (size_t si = 0; si < 4; si++)
        for (size_t bi = 0; bi < sizeof blocks / sizeof *blocks; bi++)
            for (size_t li = 0; li < sizeof lengths / sizeof *lengths; li++)
                for (int pat = 0; pat < N_PAT; pat++) {
                    size_t n = lengths[li];
                    int corrupt = pat == PAT_SPARSE && n < 30000 && n > 8 &&
                                  (sizes[si] == 2 || sizes[si] == 4);
                    one_case(file, n, sizes[si], blocks[bi], pat, corrupt);
                }
    /* degenerate calls */
    uint8_t dummy[16] = {0};
    CHECK(qmap_bshuf_lz4_decode(dummy, 0, 4, dummy, 16) == QMAP_ERR_CORRUPT, "empty input");
    CHECK(qmap_bshuf_lz4_decode(dummy, 16, 0, dummy, 16) != QMAP_OK, "element size 0");
    CHECK(qmap_bshuf_lz4_decode(dummy, 16, 4, dummy, 15) != QMAP_OK, "out size not multiple");
    CHECK(qmap_bshuf_lz4_decode_range(dummy, 16, 4, dummy, 16, 8, 4) != QMAP_OK, "bad range");
    CHECK(qmap_bshuf_lz4_decode_range(dummy, 16, 4, dummy, 16, 0, 20) != QMAP_OK, "range past end");
    speed(file);
    H5Fclose(file);
    remove(path);
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
