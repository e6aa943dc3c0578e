/* test_cif_fuzz.c -- robustness of the CIF parser and the crystal builder against
 * mutated and random input: byte flips, inserted delimiters (' " ; _ # newlines),
 * truncations and pure noise, from a fixed seed so failures replay. Nothing may crash
 * or read out of bounds (run the suite under ASan/UBSan to see the latter); every
 * rejection must come with an error message. QMAP_FUZZ_ROUNDS=N multiplies the work and
 * QMAP_FUZZ_SEED changes the seed, for longer runs by hand. */
#include "check.h"
#include "qmap/cif.h"
#include "qmap/crystal.h"
#include "qmap/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    *n = buf ? fread(buf, 1, (size_t)sz, f) : 0;
    fclose(f);
    return buf;
}

static void try_input(const char *buf, size_t n)
{
    qmap_error_clear();
    qmap_cif *cif = qmap_cif_parse(buf, n, "fuzz.cif");
    if (!cif) {
        CHECK(qmap_error_message()[0] != '\0', "rejection without a message");
        return;
    }
    for (int b = 0; b < cif->n_blocks; b++) {
        qmap_error_clear();
        qmap_crystal *c = qmap_crystal_from_cif(&cif->blocks[b], "fuzz.cif");
        if (c) {
            double re, im, hkl[3] = {1, 0, 4};
            qmap_crystal_structure_factor(c, hkl, 0.0, &re, &im);
            (void)qmap_crystal_d(c, hkl);
        } else {
            CHECK(qmap_error_message()[0] != '\0', "crystal rejection without a message");
        }
        qmap_crystal_free(c);
    }
    qmap_cif_free(cif);
}

int main(void)
{
    const char *src = getenv("QMAP_SRC");
    const char *files[] = {"LiNiO2_icsd.cif", "NMC622_icsd.cif", "Si_cod.cif"};
    static const char special[] = "'\";_#\n\r \t()?.,/+-xyz0123456789loop_data_save_";
    int parsed_ok = 0, rounds = getenv("QMAP_FUZZ_ROUNDS") ? atoi(getenv("QMAP_FUZZ_ROUNDS")) : 1;
    if (getenv("QMAP_FUZZ_SEED"))
        rng ^= strtoull(getenv("QMAP_FUZZ_SEED"), NULL, 10) * 0x2545f4914f6cdd1dull;
    if (rounds < 1)
        rounds = 1;
    for (int f = 0; f < 3; f++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/tests/data/%s", src ? src : "..", files[f]);
        size_t n = 0;
        char *orig = slurp(path, &n);
        CHECK(orig != NULL, "cannot read %s (QMAP_SRC set?)", path);
        if (!orig)
            continue;
        char *buf = malloc(n + 64);
        for (int it = 0; it < 1500 * rounds; it++) {
            memcpy(buf, orig, n);
            size_t m = n;
            int edits = 1 + (int)(next_random() % 8);
            for (int e = 0; e < edits && m > 0; e++) {
                size_t pos = next_random() % m;
                switch (next_random() % 4) {
                case 0: buf[pos] = (char)(next_random() & 0xff); break;
                case 1: buf[pos] = special[next_random() % (sizeof special - 1)]; break;
                case 2: m = pos; break; /* truncate */
                case 3: if (m < n + 60) { memmove(buf + pos + 1, buf + pos, m - pos); buf[pos] = special[next_random() % (sizeof special - 1)]; m++; } break;
                }
            }
            qmap_cif *probe = qmap_cif_parse(buf, m, "fuzz.cif");
            parsed_ok += probe != NULL;
            qmap_cif_free(probe);
            try_input(buf, m);
        }
        free(buf);
        free(orig);
    }
    char noise[512];
    for (int it = 0; it < 2000 * rounds; it++) {
        size_t m = next_random() % sizeof noise;
        for (size_t i = 0; i < m; i++)
            noise[i] = (it & 1) ? special[next_random() % (sizeof special - 1)] : (char)next_random();
        if (m > 6 && (it & 2))
            memcpy(noise, "data_x ", 7);
        try_input(noise, m);
    }
    /* the mutations must exercise both outcomes */
    CHECK(parsed_ok > 100 && parsed_ok < 4400 * rounds, "mutated inputs parsed: %d of %d", parsed_ok,
          4500 * rounds);
    if (failures)
        fprintf(stderr, "test_cif_fuzz: %d failures\n", failures);
    return failures != 0;
}
