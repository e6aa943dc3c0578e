/* test_voi.c -- the automatic VOI and the choice of bins (geometry/voi.c) on hand-made
 * coarse spaces and plans whose answers are closed forms.
 *
 * Coarse axes: 21 bins with centres 0, 0.1, ..., 2 (1/A). A peak in one bin with nothing
 * else gives the box of that bin, +-step/2, widened by 30 % of its width on each side:
 * centre +- 0.08. Bins: n = width / natural step + 1, lowered while a slab is empty.
 */
#include "check.h"
#include "voi.h"
#include "qmap/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 21
#define NB (N * N * N)

static double sum[NB], hits[NB];

static size_t bin(int i, int j, int k)
{
    return ((size_t)i * N + j) * N + k;
}

static void coarse(qmap_coarse_space *cs)
{
    for (int a = 0; a < 3; a++) {
        cs->axes[a].min = 0;
        cs->axes[a].max = 2;
        cs->axes[a].n = N;
    }
    cs->sum = sum;
    cs->hits = hits;
    memset(sum, 0, sizeof sum);
    for (int b = 0; b < NB; b++)
        hits[b] = 1;
}

static int near(double a, double b)
{
    return fabs(a - b) < 1e-12;
}

int main(void)
{
    qmap_coarse_space cs;
    double voi[6];

    /* one bright bin at centres (1.0, 0.5, 1.5) */
    coarse(&cs);
    sum[bin(10, 5, 15)] = 1000;
    CHECK(qmap_auto_voi(&cs, voi) == QMAP_OK, "auto VOI: %s", qmap_error_message());
    double want1[6] = {0.92, 1.08, 0.42, 0.58, 1.42, 1.58};
    for (int i = 0; i < 6; i++)
        CHECK(near(voi[i], want1[i]), "single-bin VOI[%d] = %.12g, want %.12g", i, voi[i], want1[i]);

    /* neighbours along qx at half the height (far above 1 %): qx spans bins 9..11 */
    sum[bin(9, 5, 15)] = 500;
    sum[bin(11, 5, 15)] = 500;
    CHECK(qmap_auto_voi(&cs, voi) == QMAP_OK, "auto VOI: %s", qmap_error_message());
    CHECK(near(voi[0], 0.85 - 0.09) && near(voi[1], 1.15 + 0.09), "3-bin qx range %.12g:%.12g, want 0.76:1.24",
          voi[0], voi[1]);
    CHECK(near(voi[2], 0.42) && near(voi[3], 0.58), "qy range changed: %g:%g", voi[2], voi[3]);

    /* a neighbour below 1 % of the peak is outside */
    sum[bin(9, 5, 15)] = 5;
    CHECK(qmap_auto_voi(&cs, voi) == QMAP_OK, "auto VOI: %s", qmap_error_message());
    CHECK(near(voi[0], 1.0 - 0.05 - 0.06) && near(voi[1], 1.1 + 0.05 + 0.06),
          "qx range with a 0.5 %% neighbour %.12g:%.12g, want 0.89:1.21", voi[0], voi[1]);

    /* a peak in the first bin: the box is clipped to the data range */
    coarse(&cs);
    sum[bin(0, 20, 10)] = 10;
    CHECK(qmap_auto_voi(&cs, voi) == QMAP_OK, "auto VOI: %s", qmap_error_message());
    CHECK(near(voi[0], 0) && near(voi[1], 0.08), "qx at the low edge %.12g:%.12g", voi[0], voi[1]);
    CHECK(near(voi[2], 1.92) && near(voi[3], 2), "qy at the high edge %.12g:%.12g", voi[2], voi[3]);

    /* no intensity: a clear error */
    coarse(&cs);
    CHECK(qmap_auto_voi(&cs, voi) == QMAP_ERR_VALUE, "empty coarse space must be refused");

    /* bins: VOI 0..1 on every axis, natural step 0.25 -> 5 bins when every slab has a pixel */
    double box[6] = {0, 1, 0, 1, 0, 1}, step[3] = {0.25, 0.25, 0.25};
    int np = 5;
    qmap_scan_plan pl = {np, calloc(np, sizeof(int32_t)), calloc(3 * np, sizeof(double)),
                         calloc(3 * np, sizeof(int32_t)), 0, 1};
    for (int i = 0; i < np; i++)
        for (int a = 0; a < 3; a++)
            pl.q[3 * i + a] = 0.25 * i;
    qmap_axis axes[3];
    int none[3] = {0, 0, 0};
    CHECK(qmap_choose_bins(box, step, &pl, 1, 0, none, axes) == QMAP_OK, "bins: %s", qmap_error_message());
    for (int a = 0; a < 3; a++)
        CHECK(axes[a].n == 5 && axes[a].min == 0 && axes[a].max == 1, "axis %d: %d bins %g:%g", a,
              axes[a].n, axes[a].min, axes[a].max);
    for (int i = 0; i < np; i++)
        CHECK(pl.bin3[3 * i] == i && pl.bin3[3 * i + 1] == i && pl.bin3[3 * i + 2] == i,
              "pixel %d binned %d,%d,%d", i, pl.bin3[3 * i], pl.bin3[3 * i + 1], pl.bin3[3 * i + 2]);

    /* only the two ends of qx sampled: slabs between are empty, bins fall to the minimum 3 */
    for (int i = 0; i < np; i++)
        pl.q[3 * i] = i % 2 ? 1.0 : 0.0;
    CHECK(qmap_choose_bins(box, step, &pl, 1, 0, none, axes) == QMAP_OK, "bins: %s", qmap_error_message());
    CHECK(axes[0].n == 3, "qx with two sampled ends: %d bins, want 3", axes[0].n);
    CHECK(axes[1].n == 5, "qy: %d bins, want 5", axes[1].n);

    /* the user's bins are kept even with empty slabs */
    int user[3] = {7, 4, 2};
    CHECK(qmap_choose_bins(box, step, &pl, 1, 1, user, axes) == QMAP_OK, "bins: %s", qmap_error_message());
    CHECK(axes[0].n == 7 && axes[1].n == 4 && axes[2].n == 2, "user bins %d,%d,%d", axes[0].n, axes[1].n, axes[2].n);

    qmap_scan_plan_free(&pl);
    CHECK(pl.pix == NULL && pl.q == NULL && pl.bin3 == NULL, "plan not cleared");
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("voi: all checks passed\n");
    return failures ? 1 : 0;
}
