/* background_faces.c -- which faces of the VOI hold only the flat background, decided over
 * the whole map, and whether those faces agree.
 *
 * A flat background (the detector's, the sample's fluorescence) is the same per pixel hit on
 * the six faces of a position's VOI; a face that holds more holds the peak's tail (a VOI tight
 * along that axis: few rocking steps make the rocking axis' faces close to the peak; a peak
 * moved toward a face by a tilt). Each position's pool (numeric/face_background.c) drops a face
 * that stands out at that position, but a tail of a few counts per position does not stand
 * out there and stayed in the pool: with 5 rocking steps the two qx faces held 25 times the
 * background (0.050 counts per hit for a true 0.002), the map read 7 times the truth on the
 * particle, and --background faces took peak (std 2.5-3.4 % narrower than the truth), with no
 * word said. Over the particle the tail stands out clearly: per face, the mean intensity per
 * hit over the positions where the peak is and its standard error; a face above the three
 * lowest faces' level by QMAP_FACES_UNEVEN of it and by 3 standard errors holds the tail and
 * is left out of every position's pool. The three lowest always stay; when they disagree
 * among themselves (the lowest against the third by the same two tests) the tail reaches four
 * faces or more and the background measured is too high: qmap__faces_uneven, a WARNING of
 * peak_maps.c's check_background.
 */
#include "pipeline.h"
#include "qmap/fit.h"

#include <gsl/gsl_sort.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const face_label[6] = {"qx-", "qx+", "qy-", "qy+", "qz-", "qz+"};

/* The positions where the peak is, before the particle mask exists: measured in every scan,
 * with a VOI intensity at least half the mean of the brightest 5 % (all measured positions
 * when that leaves fewer than 3). sel: n_pos flags. Returns how many. */
static size_t peak_positions(const qmap_accumulators *acc, unsigned char *sel)
{
    size_t n_pos = (size_t)acc->n_pos, m = 0;
    double *v = malloc((n_pos ? n_pos : 1) * sizeof *v);
    for (size_t p = 0; p < n_pos; p++) {
        sel[p] = acc->contrib[p] >= acc->n_scans && isfinite(acc->s0[p]);
        if (sel[p] && v)
            v[m++] = acc->s0[p];
    }
    if (!v || m < 3) {
        free(v);
        return m;
    }
    gsl_sort(v, 1, m);
    size_t top = m / 20 > 0 ? m / 20 : 1;
    double level = 0;
    for (size_t i = m - top; i < m; i++)
        level += v[i];
    level = 0.5 * level / (double)top;
    free(v);
    size_t k = 0;
    for (size_t p = 0; p < n_pos; p++)
        k += sel[p] && acc->s0[p] >= level;
    if (k < 3)
        return m;   /* keep every measured position */
    for (size_t p = 0; p < n_pos; p++)
        sel[p] = sel[p] && acc->s0[p] >= level;
    return k;
}

void qmap__face_stats(const qmap_accumulators *acc, const unsigned char *sel, qmap_face_stats *st)
{
    size_t n_pos = (size_t)acc->n_pos;
    for (int f = 0; f < 6; f++) {
        int a = f / 2, n = acc->n_bins[a], k = f % 2 ? n - 1 : 0;
        double h = n > 0 && !(n == 1 && f % 2) ? acc->hits_proj[a][k] : 0, s1 = 0, s2 = 0;
        size_t m = 0;
        for (size_t p = 0; h > 0 && p < n_pos; p++) {
            double x = acc->proj[a][p * n + k] / h;
            if (sel[p] && isfinite(x)) {
                s1 += x;
                s2 += x * x;
                m++;
            }
        }
        st->mean[f] = m >= 3 ? s1 / m : NAN;
        st->se[f] = m >= 3 ? sqrt(fmax(0, s2 / m - st->mean[f] * st->mean[f]) / (m - 1)) : NAN;
    }
}

/* The faces with a mean, in increasing order of it; returns how many. */
static int order_faces(const qmap_face_stats *st, unsigned among, int order[6])
{
    int n = 0;
    for (int f = 0; f < 6; f++) {
        if (!(among & 1u << f) || !isfinite(st->mean[f]))
            continue;
        int j = n++;
        for (; j > 0 && st->mean[order[j - 1]] > st->mean[f]; j--)
            order[j] = order[j - 1];
        order[j] = f;
    }
    return n;
}

/* 1 when mean x (standard error sx) stands above level (standard error sl) by
 * QMAP_FACES_UNEVEN of it and by 3 standard errors */
static int stands_above(double x, double sx, double level, double sl)
{
    double d = x - level;
    return d > QMAP_FACES_UNEVEN * level && d > 3 * sqrt(sx * sx + sl * sl);
}

unsigned qmap__background_faces(const qmap_accumulators *acc, char *note, size_t len)
{
    note[0] = '\0';
    unsigned char *sel = malloc(acc->n_pos > 0 ? (size_t)acc->n_pos : 1);
    if (!sel)
        return QMAP_FACES_ALL;   /* out of memory: every face, as before this check */
    peak_positions(acc, sel);
    qmap_face_stats st;
    qmap__face_stats(acc, sel, &st);
    free(sel);
    int order[6], n = order_faces(&st, QMAP_FACES_ALL, order);
    if (n < 4)
        return QMAP_FACES_ALL;   /* too few faces to tell a tail from the background */
    double level = (st.mean[order[0]] + st.mean[order[1]] + st.mean[order[2]]) / 3;
    double se = sqrt(st.se[order[0]] * st.se[order[0]] + st.se[order[1]] * st.se[order[1]] +
                     st.se[order[2]] * st.se[order[2]]) / 3;
    unsigned used = QMAP_FACES_ALL;
    for (int i = 3; i < n; i++) {
        int f = order[i], a = f / 2;
        if (stands_above(st.mean[f], st.se[f], level, se))   /* one slab along a: both its names */
            used &= ~(acc->n_bins[a] == 1 ? 3u << 2 * a : 1u << f);
    }
    char names[64] = "", means[96] = "";
    for (int f = 0; f < 6; f++)   /* in the faces' order */
        if (!(used & 1u << f) && isfinite(st.mean[f])) {
            size_t l = strlen(names), lm = strlen(means);
            snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", face_label[f]);
            snprintf(means + lm, sizeof means - lm, "%s%.3g", lm ? ", " : "", st.mean[f]);
        }
    if (used != QMAP_FACES_ALL) {
        char kept[64];
        qmap_faces_format(used, kept, sizeof kept);
        snprintf(note, len, "faces %s hold the peak's tail (%s counts per hit, means where the peak is, against "
                 "%.3g on the three lowest faces): each position's background is measured on %s", names, means,
                 level, kept);
    }
    return used;
}

int qmap__faces_uneven(const qmap_face_stats *st, unsigned used, double *ratio)
{
    int order[6], n = order_faces(st, used, order);
    if (n < 3)
        return -1;
    int lo = order[0], third = order[2];
    *ratio = st->mean[third] / st->mean[lo];
    return stands_above(st->mean[third], st->se[third], st->mean[lo], st->se[lo]) ? order[n - 1] / 2 : -1;
}
