/* test_hot_pixels.c -- qmap_find_hot_pixels against hand-made detector statistics.
 *
 * The rule (core/pipeline.h): a pixel is hot when it is non-zero in at least `fraction` of
 * the sampled frames AND its mean exceeds 10 x (+1 count) the median of its neighbours'
 * means. Each case builds the per-pixel non-zero counts and sums whose answer follows
 * directly from that rule.
 */
#include "check.h"
#include "pipeline.h"
#include "detector_mask.h"

#include <string.h>

#define R 9
#define C 9
#define NF 100

static uint32_t nz[R * C];

/* The frames of the hot-pixel sample (hot_sample.c): n_read = min(per_scan, nf) distinct
 * frames inside the scan, every frame when the scan is shorter than the sample (a scan of
 * 100 frames sampled for 241 once read frames 0-41, twice each, and never 42-99). */
static void sample_frames(void)
{
    static unsigned char seen[1000];
    int per_scans[] = {1, 2, 7, 13, 61, 241};
    for (size_t i = 0; i < sizeof per_scans / sizeof *per_scans; i++)
        for (int nf = 1; nf <= 1000; nf++) {
            int per = per_scans[i], n_read = per < nf ? per : nf, bad = 0, first = -1, last = -1;
            memset(seen, 0, sizeof seen);
            for (int k = 0; k < n_read; k++) {
                int f = qmap_hot_sample_frame(k, n_read, nf);
                bad += f < 0 || f >= nf || seen[f];
                if (f >= 0 && f < nf) seen[f] = 1;
                if (k == 0) first = f;
                last = f;
            }
            CHECK(!bad, "sample of %d in %d frames: a frame outside the scan or read twice", n_read, nf);
            /* spread: the first and last parts of the scan are both sampled */
            CHECK(first <= nf / n_read && last >= nf - 1 - nf / n_read,
                  "sample of %d in %d frames: frames %d..%d do not span the scan", n_read, nf, first, last);
        }
}
static double sum[R * C];
static uint8_t mask[R * C];

/* Every pixel counts in half of the frames, mean 0.5 counts. */
static void background(void)
{
    for (int p = 0; p < R * C; p++) {
        nz[p] = NF / 2;
        sum[p] = 0.5 * NF;
    }
    memset(mask, 0, sizeof mask);
}

int main(void)
{
    /* an isolated pixel counting in every frame, mean 100: the only hot pixel */
    background();
    nz[2 * C + 3] = NF;
    sum[2 * C + 3] = 100.0 * NF;
    long n = qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask);
    CHECK(n == 1, "isolated hot pixel: found %ld", n);
    CHECK(mask[2 * C + 3] == 1, "isolated hot pixel not masked");
    int others = 0;
    for (int p = 0; p < R * C; p++)
        others += p != 2 * C + 3 && mask[p];
    CHECK(others == 0, "%d other pixels masked", others);

    /* bright but counting in only 80 of 100 frames: below the 0.9 fraction */
    background();
    nz[4 * C + 4] = 80;
    sum[4 * C + 4] = 1000.0 * NF;
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask) == 0, "80 %% of frames is not hot at 0.9");
    memset(mask, 0, sizeof mask);
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.75, mask) == 1, "80 %% of frames is hot at 0.75");

    /* the brightness limit is strict: neighbours' median 0.5 -> limit 10 * 0.5 + 1 = 6 */
    background();
    nz[4 * C + 4] = NF;
    sum[4 * C + 4] = 6.0 * NF;
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask) == 0, "mean 6 = limit is not hot");
    memset(mask, 0, sizeof mask);
    sum[4 * C + 4] = 6.01 * NF;
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask) == 1, "mean 6.01 > limit is hot");

    /* a uniformly bright detector (diffuse scattering): every neighbour median is 100 */
    for (int p = 0; p < R * C; p++) {
        nz[p] = NF;
        sum[p] = 100.0 * NF;
    }
    memset(mask, 0, sizeof mask);
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask) == 0, "uniform detector has no hot pixel");

    /* the centre of a bright 3 x 3 block (a Bragg peak) has bright neighbours: not hot */
    background();
    for (int i = 3; i <= 5; i++)
        for (int j = 3; j <= 5; j++) {
            nz[i * C + j] = NF;
            sum[i * C + j] = 100.0 * NF;
        }
    qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask);
    CHECK(mask[4 * C + 4] == 0, "centre of a 3 x 3 peak marked hot");
    CHECK(mask[4 * C + 3] == 0, "edge middle of a 3 x 3 peak (5 bright neighbours of 8) marked hot");

    /* a corner pixel has 3 neighbours; the median is their middle value */
    background();
    nz[0] = NF;
    sum[0] = 50.0 * NF;
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask) == 1 && mask[0], "corner hot pixel missed");

    /* a pixel already masked is not counted again */
    background();
    nz[2 * C + 3] = NF;
    sum[2 * C + 3] = 100.0 * NF;
    mask[2 * C + 3] = 1;
    CHECK(qmap_find_hot_pixels(nz, sum, NF, R, C, 0.9, mask) == 0, "masked pixel counted again");

    sample_frames();

    /* no sampled frame: nothing found, mask untouched */
    background();
    CHECK(qmap_find_hot_pixels(nz, sum, 0, R, C, 0.9, mask) == 0, "no frames must find nothing");

    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    else
        printf("hot pixels: all checks passed\n");
    return failures ? 1 : 0;
}
