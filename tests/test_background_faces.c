/* test_background_faces.c -- which faces of the VOI hold only the flat background, decided
 * over the map (core/background_faces.c), on a simulated map: a particle whose intensity
 * falls off from its middle, a flat background of 0.4 counts per face (0.002 per hit) and, on
 * some faces, the peak's tail in proportion to the position's intensity, all Poisson-drawn.
 * A tail of a few counts per position, too faint to leave one position's pool, is found over
 * the map and left out: the background measured on the other faces is the truth; a flat map
 * leaves every face in; a single slab along an axis is left out by both its names; the tail on
 * four faces makes the faces used disagree (the uneven WARNING of peak_maps.c).
 */
#include "check.h"
#include "pipeline.h"
#include "qmap/fit.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE 64
#define NPOS (SIDE * SIDE)
#define NB 6
#define BACKGROUND 0.002
#define FACE_HITS 200.0

static uint64_t rng = 11;

static double poisson(double mean)   /* Knuth's product of uniforms: small means only */
{
    double l = exp(-mean), p = 1;
    int k = 0;
    do {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        p *= ((rng >> 11) + 0.5) / 9007199254740992.0;
        k++;
    } while (p > l);
    return k - 1;
}

typedef struct {
    double s0[NPOS], proj[3][NPOS * NB], hits[3][NB];
    int contrib[NPOS], n_bins[3];
    qmap_accumulators acc;
} sim_map;

/* tail[f]: counts per unit intensity on face f (bit order of QMAP_FACES_ALL) */
static void simulate(sim_map *m, const double tail[6], int nb_x)
{
    memset(m, 0, sizeof *m);
    m->n_bins[0] = nb_x, m->n_bins[1] = m->n_bins[2] = NB;
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < m->n_bins[a]; k++)
            m->hits[a][k] = FACE_HITS;
    for (int p = 0; p < NPOS; p++) {
        double x = (p % SIDE - SIDE / 2 + 0.5) / (SIDE / 3.0), y = (p / SIDE - SIDE / 2 + 0.5) / (SIDE / 3.0);
        double intensity = 1000 * fmax(0, 1 - x * x - y * y);   /* the particle: 0 outside */
        m->s0[p] = intensity + BACKGROUND * FACE_HITS * 20;
        m->contrib[p] = 4;
        for (int a = 0; a < 3; a++) {
            int n = m->n_bins[a];
            for (int k = 0; k < n; k++) {
                double expect = BACKGROUND * m->hits[a][k];
                if (k == 0)
                    expect += tail[2 * a] * intensity;
                if (k == n - 1)
                    expect += tail[2 * a + 1] * intensity;
                m->proj[a][p * n + k] = poisson(expect);
            }
        }
    }
    m->acc = (qmap_accumulators){.n_pos = NPOS, .n_bins = {m->n_bins[0], m->n_bins[1], m->n_bins[2]},
                                 .s0 = m->s0, .contrib = m->contrib, .n_scans = 4,
                                 .proj = {m->proj[0], m->proj[1], m->proj[2]},
                                 .hits_proj = {m->hits[0], m->hits[1], m->hits[2]}};
}

/* mean over the particle of each position's background measured on `faces` */
static double particle_background(const sim_map *m, unsigned faces)
{
    double sum = 0;
    int n = 0;
    for (int p = 0; p < NPOS; p++) {
        if (m->s0[p] < 500 + BACKGROUND * FACE_HITS * 20)
            continue;
        const double *proj[3], *hits[3];
        for (int a = 0; a < 3; a++) {
            proj[a] = m->proj[a] + (size_t)p * m->n_bins[a];
            hits[a] = m->hits[a];
        }
        sum += qmap_face_background(proj, hits, m->n_bins, faces);
        n++;
    }
    return sum / n;
}

int main(void)
{
    static sim_map m;
    char note[400];
    /* flat: every face stays, nothing said */
    double flat[6] = {0};
    simulate(&m, flat, NB);
    unsigned used = qmap__background_faces(&m.acc, note, sizeof note);
    CHECK(used == QMAP_FACES_ALL && note[0] == 0, "flat map: faces %#x, note '%s'", used, note);
    double b = particle_background(&m, used);
    printf("flat: faces %#x, background %.5g\n", used, b);
    /* ~420 positions of 2.4 counts on their faces: a standard error of 3 % */
    CHECK(fabs(b / BACKGROUND - 1) < 0.12, "flat map: background %.5g, want %.5g", b, BACKGROUND);

    /* the two qx faces hold a tail of 0.004 counts per unit intensity: 4 counts at the middle
     * of the particle on 0.4 of background; at one position the pool, raised by those two,
     * expects 1.7 there, and they stay (1.6 standard deviations): the pool reads 4 times the
     * background */
    double two[6] = {0.004, 0.004, 0, 0, 0, 0};
    simulate(&m, two, NB);
    double pooled_all = particle_background(&m, QMAP_FACES_ALL);
    used = qmap__background_faces(&m.acc, note, sizeof note);
    b = particle_background(&m, used);
    printf("two tail faces: pooled at each position %.5g; faces %#x, background %.5g\n", pooled_all, used, b);
    CHECK(used == (QMAP_FACES_ALL & ~3u), "two tail faces: faces %#x", used);
    CHECK(strstr(note, "faces qx-, qx+ hold the peak's tail") && strstr(note, "measured on qy-, qy+, qz-, qz+"),
          "note '%s'", note);
    CHECK(pooled_all > 2 * BACKGROUND, "the per-position pool alone: %.5g (the test needs a tail it keeps)",
          pooled_all);
    CHECK(fabs(b / BACKGROUND - 1) < 0.12, "two tail faces left out: background %.5g, want %.5g", b, BACKGROUND);
    double ratio = 0;
    qmap_face_stats st;
    unsigned char sel[NPOS];
    for (int p = 0; p < NPOS; p++)
        sel[p] = m.s0[p] >= 500 + BACKGROUND * FACE_HITS * 20;
    qmap__face_stats(&m.acc, sel, &st);
    CHECK(qmap__faces_uneven(&st, used, &ratio) < 0, "the faces used said uneven (%.3g)", ratio);

    /* one slab along qx, on the tail: left out by both of its names */
    double one[6] = {0.004, 0, 0, 0, 0, 0};
    simulate(&m, one, 1);
    used = qmap__background_faces(&m.acc, note, sizeof note);
    CHECK(!(used & 3u) && (used & ~3u) == (QMAP_FACES_ALL & ~3u), "one slab: faces %#x", used);
    b = particle_background(&m, used);
    CHECK(fabs(b / BACKGROUND - 1) < 0.12, "one slab left out: background %.5g", b);

    /* four faces on the tail: the three lowest include one, the faces used disagree */
    double four[6] = {0, 0, 0.004, 0.004, 0.003, 0.003};
    simulate(&m, four, NB);
    used = qmap__background_faces(&m.acc, note, sizeof note);
    for (int p = 0; p < NPOS; p++)
        sel[p] = m.s0[p] >= 500 + BACKGROUND * FACE_HITS * 20;
    qmap__face_stats(&m.acc, sel, &st);
    int axis = qmap__faces_uneven(&st, used, &ratio);
    printf("four tail faces: faces %#x, third / lowest used %.3g, axis %d\n", used, ratio, axis);
    CHECK(axis >= 1, "tail on four faces: not said uneven (faces %#x, third / lowest %.3g)", used, ratio);
    return failures != 0;
}
