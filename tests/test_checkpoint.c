/* test_checkpoint.c -- the checkpoint file of qmap process (core/checkpoint.c): a saved
 * checkpoint loads back bit for bit; one made with another fingerprint, with other array
 * sizes, truncated, or not a checkpoint at all is refused with the documented code; the
 * fingerprint is FNV-1a 64 (checked on its published test vectors).
 */
#include "check.h"
#include "checkpoint.h"
#include "qmap/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NPOS 6
#define NS 4

typedef struct {
    double s0[NPOS], s1[3 * NPOS], s2[3 * NPOS], p0[NPOS * 2], p1[NPOS * 3], p2[NPOS * 4];
    int contrib[NPOS];
    double cubes[24], scan[NS];
} sums;

static qmap_checkpoint_arrays arrays(sums *s)
{
    qmap_checkpoint_arrays a = {NPOS, {2, 3, 4}, NS, s->s0, s->s1, s->s2, {s->p0, s->p1, s->p2},
                                s->contrib, s->cubes, 24, s->scan};
    return a;
}

static void fill(sums *s, double k)
{
    double *all[] = {s->s0, s->s1, s->s2, s->p0, s->p1, s->p2, s->cubes, s->scan};
    size_t n[] = {NPOS, 3 * NPOS, 3 * NPOS, 2 * NPOS, 3 * NPOS, 4 * NPOS, 24, NS};
    for (int i = 0; i < 8; i++)
        for (size_t j = 0; j < n[i]; j++)
            all[i][j] = k * (i + 1) + j / 7.0;   /* not representable in decimal: bitwise test */
    for (int j = 0; j < NPOS; j++)
        s->contrib[j] = (int)k + j;
}

int main(void)
{
    /* FNV-1a 64 test vectors: "" -> offset basis, "a" -> af63dc4c8601ec8c */
    CHECK(qmap_fingerprint(QMAP_FINGERPRINT_SEED, "", 0) == 0xcbf29ce484222325ULL, "FNV-1a of \"\"");
    CHECK(qmap_fingerprint(QMAP_FINGERPRINT_SEED, "a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a of \"a\"");
    CHECK(qmap_fingerprint(qmap_fingerprint(QMAP_FINGERPRINT_SEED, "fo", 2), "obar", 4) ==
              qmap_fingerprint(QMAP_FINGERPRINT_SEED, "foobar", 6), "FNV-1a continues across calls");
    /* the word variant: its definition (FNV-1a steps on little-endian 8-byte words, then the
     * tail bytes), and one flipped bit anywhere in 1000 bytes changes it */
    {
        unsigned char buf[1003];
        for (int i = 0; i < 1003; i++)
            buf[i] = (unsigned char)(i * 37 + 11);
        uint64_t want = QMAP_FINGERPRINT_SEED;
        for (int i = 0; i + 8 <= 1003; i += 8) {
            uint64_t w = 0;
            for (int b = 7; b >= 0; b--)
                w = w << 8 | buf[i + b];
            want = (want ^ w) * 0x100000001b3ULL;
        }
        want = qmap_fingerprint(want, buf + 1000, 3);
        uint64_t h0 = qmap_fingerprint_words(QMAP_FINGERPRINT_SEED, buf, sizeof buf);
        CHECK(h0 == want, "word fingerprint %016llx, by its definition %016llx", (unsigned long long)h0,
              (unsigned long long)want);
        int same = 0;
        for (int i = 0; i < 1003; i++)
            for (int bit = 0; bit < 8; bit++) {
                buf[i] ^= (unsigned char)(1 << bit);
                same += qmap_fingerprint_words(QMAP_FINGERPRINT_SEED, buf, sizeof buf) == h0;
                buf[i] ^= (unsigned char)(1 << bit);
            }
        CHECK(same == 0, "word fingerprint unchanged by %d of 8024 one-bit flips", same);
    }

    const char *tmp = getenv("QMAP_TEST_TMP");
    char path[4096];
    snprintf(path, sizeof path, "%s/test_checkpoint-%ld.ckpt", tmp ? tmp : "/tmp", (long)getpid());
    sums saved, loaded;
    fill(&saved, 3);
    qmap_checkpoint_arrays a = arrays(&saved);
    CHECK(qmap_checkpoint_save(path, 0x1234, 2, 0, &a) == QMAP_OK, "save: %s", qmap_error_message());

    /* round trip */
    memset(&loaded, 0, sizeof loaded);
    qmap_checkpoint_arrays b = arrays(&loaded);
    int done = -1;
    CHECK(qmap_checkpoint_load(path, 0x1234, &b, &done) == QMAP_OK, "load: %s", qmap_error_message());
    CHECK(done == 2, "scans done %d, want 2", done);
    CHECK(memcmp(&saved, &loaded, sizeof saved) == 0, "loaded sums differ from the saved ones");

    /* issue 18: whether the sums follow a quick look redone on every frame */
    CHECK(qmap_checkpoint_full_quick_look(path) == 0, "a checkpoint saved without the flag reads as full quick look");
    CHECK(qmap_checkpoint_save(path, 0x1234, 2, 1, &a) == QMAP_OK, "save (full quick look): %s",
          qmap_error_message());
    CHECK(qmap_checkpoint_full_quick_look(path) == 1, "the full-quick-look flag is lost");
    done = -1;
    CHECK(qmap_checkpoint_load(path, 0x1234, &b, &done) == QMAP_OK && done == 2, "load (full quick look): %s",
          qmap_error_message());
    char none[4200];
    snprintf(none, sizeof none, "%s.none", path);
    CHECK(qmap_checkpoint_full_quick_look(none) == 0, "a missing checkpoint reads as full quick look");
    CHECK(qmap_checkpoint_save(path, 0x1234, 2, 0, &a) == QMAP_OK, "save: %s", qmap_error_message());

    /* another fingerprint: other settings or input */
    CHECK(qmap_checkpoint_load(path, 0x1235, &b, &done) == QMAP_ERR_VALUE, "other fingerprint not refused");

    /* other sizes */
    qmap_checkpoint_arrays c = arrays(&loaded);
    c.n_bins[2] = 3;
    CHECK(qmap_checkpoint_load(path, 0x1234, &c, &done) < 0, "other bin count not refused");

    /* truncated: every shorter prefix is refused as a damaged checkpoint */
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot reopen %s", path);
    char *bytes = NULL;
    long size = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        rewind(f);
        bytes = malloc((size_t)size);
        CHECK(bytes && fread(bytes, 1, (size_t)size, f) == (size_t)size, "cannot read back %s", path);
        fclose(f);
    }
    long cuts[] = {0, 8, size / 2, size - 1};
    for (int i = 0; bytes && i < 4; i++) {
        f = fopen(path, "wb");
        fwrite(bytes, 1, (size_t)cuts[i], f);
        fclose(f);
        int rc = qmap_checkpoint_load(path, 0x1234, &b, &done);
        CHECK(rc == QMAP_ERR_FORMAT, "checkpoint cut to %ld of %ld bytes: code %d (%s)", cuts[i], size, rc,
              qmap_error_message());
    }
    /* missing file */
    unlink(path);
    CHECK(qmap_checkpoint_load(path, 0x1234, &b, &done) == QMAP_ERR_IO, "missing checkpoint not QMAP_ERR_IO");
    free(bytes);

    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("checkpoint: all checks passed\n");
    return failures ? 1 : 0;
}
