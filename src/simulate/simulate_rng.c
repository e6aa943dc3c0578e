/* simulate_rng.c -- the random numbers of the synthetic dataset: one xoshiro256** stream
 * per (seed, scan, frame) seeded by splitmix64, uniform, normal and Poisson deviates (PTRS
 * for large means), so that every frame is drawn independently and the output does not
 * depend on the number of threads. Split from simulate_model.c (issue 18).
 */
#include "simulate_internal.h"

#include <math.h>
#include <stdint.h>

/* ---------------------------------------------------------------- random numbers */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void qmap_sim_rng_seed(qmap_sim_rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed;
    uint64_t h = splitmix64(&x) ^ (a * 0xD1B54A32D192ED03ULL);
    h = splitmix64(&h) ^ (b * 0xAEF17502108EF2D9ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&h);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next_u64(qmap_sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double qmap_sim_uniform(qmap_sim_rng *r)
{
    return ((double)(next_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

double qmap_sim_normal(qmap_sim_rng *r)
{
    double u = qmap_sim_uniform(r), v = qmap_sim_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * QMAP_SIM_PI * v);
}

/* Hoermann's PTRS transformed rejection, for lambda >= 10. */
static int32_t poisson_ptrs(qmap_sim_rng *r, double lam)
{
    double slam = sqrt(lam), loglam = log(lam);
    double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = qmap_sim_uniform(r) - 0.5, v = qmap_sim_uniform(r);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr)
            return (int32_t)k;
        if (k < 0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -lam + k * loglam - lgamma(k + 1.0))
            return (int32_t)k;
    }
}

int32_t qmap_sim_poisson(qmap_sim_rng *r, double lam)
{
    if (!(lam > 0))
        return 0;
    if (lam >= 10.0)
        return poisson_ptrs(r, lam);
    double limit = exp(-lam), prod = qmap_sim_uniform(r);
    int32_t k = 0;
    while (prod > limit) {
        k++;
        prod *= qmap_sim_uniform(r);
    }
    return k;
}

/* Poisson(lam) conditioned on being >= 1, by inversion (lam small). */
int32_t qmap_sim_poisson_nonzero(qmap_sim_rng *r, double lam)
{
    double target = qmap_sim_uniform(r) * -expm1(-lam);
    double pk = exp(-lam) * lam, c = pk;
    int32_t k = 1;
    while (target > c && k < 1000) {
        k++;
        pk *= lam / k;
        c += pk;
    }
    return k;
}

