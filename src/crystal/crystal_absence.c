/* crystal_absence.c -- systematic absences: a reflection h is absent when a symmetry
 * operation (R, t) of the crystal keeps it (h R = h) and h.t is not an integer (screw
 * axes, glide planes, centring). Used by the powder model (absent lines are dropped) and by
 * `qmap hkl` (absent reflections are flagged instead of given angles).
 */
#include "qmap/crystal.h"

#include <math.h>

int qmap_crystal_is_absent(const qmap_crystal *c, const int h[3], int *op_index)
{
    for (int o = 0; o < c->n_symops; o++) {
        const qmap_symop *op = &c->symops[o];
        int same = 1;
        for (int j = 0; j < 3 && same; j++) {
            double hr = h[0] * op->r[0][j] + h[1] * op->r[1][j] + h[2] * op->r[2][j];
            same = fabs(hr - h[j]) < 1e-9;
        }
        if (!same)
            continue;
        double ht = h[0] * op->t[0] + h[1] * op->t[1] + h[2] * op->t[2];
        if (fabs(ht - nearbyint(ht)) > 1e-6) {
            if (op_index)
                *op_index = o;
            return 1;
        }
    }
    return 0;
}
