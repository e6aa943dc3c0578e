/* test_quicklook_stride.c -- the frames that the sampled quick look reads (one in
 * qmap_quicklook_stride of each scan, from stride / 2: src/core/quicklook.c, frame_loop.c)
 * cover the whole map, whatever its shape.
 *
 * The sample places the VOI: a particle that it misses gets a VOI on the background (a
 * 100 x 100 map with the stride 101 of the first rule read one diagonal only, and a
 * particle of a third of the map was never seen: its VOI cut the peak and the run failed).
 * Checked here on ~700 map shapes, by brute force (2-D prefix sums, independent of the
 * code's own search): every square block of side 1.5 sqrt(stride) + 1 anywhere on the map
 * holds a sampled position (a lattice of spacing sqrt(stride) is the best possible, up to a
 * constant); the stride reads no more frames than the target of ~100 per scan, and at most
 * a quarter fewer. Mutation-checked: the first rule (target made prime to the fast axis)
 * fails on 100 x 100, 128 x 128 and others.
 */
#include "check.h"
#include "quicklook.h"

#include <math.h>
#include <stdlib.h>

/* 1 when every b x b block of the n_slow x n_fast map holds a sampled position. */
static int every_block_sampled(int n_fast, int n_slow, int stride, int b)
{
    if (b > n_fast || b > n_slow)
        return 1;   /* no block that size fits: the map is a strip, judged by its length */
    int w = n_fast + 1;
    long *pre = calloc((size_t)(n_slow + 1) * w, sizeof *pre);
    if (!pre)
        return 0;
    for (int r = 0; r < n_slow; r++)
        for (int c = 0; c < n_fast; c++) {
            long f = (long)r * n_fast + c;
            int sampled = f >= stride / 2 && (f - stride / 2) % stride == 0;
            pre[(r + 1) * w + c + 1] = sampled + pre[r * w + c + 1] + pre[(r + 1) * w + c] - pre[r * w + c];
        }
    int ok = 1;
    for (int r = 0; ok && r + b <= n_slow; r++)
        for (int c = 0; ok && c + b <= n_fast; c++) {
            long n = pre[(r + b) * w + c + b] - pre[r * w + c + b] - pre[(r + b) * w + c] + pre[r * w + c];
            ok = n > 0;
        }
    free(pre);
    return ok;
}

int main(void)
{
    int sizes[] = {2, 3, 5, 7, 10, 13, 17, 20, 24, 30, 31, 40, 50, 64, 77, 99, 100, 101,
                   127, 128, 150, 199, 200, 256, 300};
    int n = (int)(sizeof sizes / sizeof *sizes), cases = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            int n_fast = sizes[i], n_slow = sizes[j], n_pos = n_fast * n_slow;
            int k = qmap_quicklook_stride(n_pos, n_fast), k0 = n_pos / 100;
            k0 = k0 > 128 ? 128 : k0;
            if (k0 <= 1) {
                CHECK(k == 1, "%d x %d: %d positions, stride %d (expected every frame)", n_fast, n_slow, n_pos, k);
                continue;
            }
            cases++;
            CHECK(k >= k0 && k <= k0 + k0 / 4 + 2, "%d x %d: stride %d outside [%d, %d]", n_fast, n_slow, k, k0,
                  k0 + k0 / 4 + 2);
            int b = (int)ceil(1.5 * sqrt((double)k)) + 1;
            CHECK(every_block_sampled(n_fast, n_slow, k, b),
                  "%d x %d map, stride %d: a %d x %d block is never read", n_fast, n_slow, k, b, b);
            if (n_fast < b || n_slow < b)   /* a strip: no gap longer than the block along it */
                CHECK(k <= b * (n_fast < n_slow ? n_fast : n_slow) || n_fast == 1,
                      "%d x %d strip: stride %d leaves gaps", n_fast, n_slow, k);
        }
    /* the case that showed the first rule wrong: a 100 x 100 map */
    int k = qmap_quicklook_stride(100 * 100, 100);
    CHECK(k % 100 != 1 && k % 100 != 99, "100 x 100: stride %d samples a diagonal", k);
    CHECK(cases > 400, "only %d map shapes tried", cases);
    if (!failures)
        printf("ok: %d map shapes, every block of side 1.5 sqrt(stride) + 1 sampled\n", cases);
    return failures != 0;
}
