/* fuzz_cif.c -- libFuzzer harness for the CIF reader and the crystal model built from it
 * (a user's --cif file: any bytes, any length, no terminating NUL). Every value of every
 * block is looked up and read as a number, then each block is turned into a crystal and
 * a few reflections' d-spacings and structure factors are computed from it. */
#include "qmap/cif.h"
#include "qmap/crystal.h"

#include <stdint.h>
#include <stdlib.h>

static void touch_value(const qmap_cif_value *v)
{
    double x, su;
    if (qmap_cif_number(v, &x, &su) == 0 && su < 0)
        abort();   /* a standard uncertainty is never negative */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    qmap_cif *cif = qmap_cif_parse((const char *)data, size, "fuzz");
    if (!cif)
        return 0;
    for (int i = 0; i < cif->n_blocks; i++) {
        const qmap_cif_block *b = &cif->blocks[i];
        for (int j = 0; j < b->n_items; j++) {
            touch_value(&b->item_values[j]);
            if (qmap_cif_find(b, b->item_tags[j]) == NULL)
                abort();   /* every single item can be found by its own tag */
        }
        for (int j = 0; j < b->n_loops; j++) {
            const qmap_cif_loop *l = &b->loops[j];
            for (int t = 0; t < l->n_tags; t++) {
                int col = -1;
                if (!qmap_cif_find_loop(b, l->tags[t], &col) || col < 0 || col >= l->n_tags)
                    abort();
            }
            for (size_t r = 0; r < l->n_rows * (size_t)l->n_tags; r++)
                touch_value(&l->values[r]);
        }
        qmap_cif_find(b, "_cell_length_a");
        qmap_crystal *c = qmap_crystal_from_cif(b, "fuzz");
        if (!c)
            continue;
        static const double hkl[3][3] = {{1, 1, 1}, {0, 0, 3}, {2, -1, 4}};
        for (int h = 0; h < 3; h++) {
            double re, im;
            qmap_crystal_d(c, hkl[h]);
            qmap_crystal_structure_factor(c, hkl[h], 8047.8, &re, &im);   /* Cu K-alpha1: f0 + f' + i f'' */
        }
        qmap_crystal *copy = qmap_crystal_copy(c);
        qmap_crystal_free(copy);
        qmap_crystal_free(c);
    }
    qmap_cif_free(cif);
    return 0;
}
