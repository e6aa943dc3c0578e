/* face_background.c -- the flat background per detector-pixel hit of one position's VOI,
 * measured on the VOI's six faces.
 *
 * The VOI's projections along qx, qy, qz (summed intensity per slab) and the pixel hits per
 * slab give, for the first and the last slab along each axis, the intensity per hit on that
 * face of the box. With the peak inside the VOI the faces hold only the background: their
 * counts are pooled (total intensity over total hits, unbiased at any count rate), and a face
 * that stands more than 3 Poisson standard deviations above the pool catches the peak's tail
 * and leaves it, the furthest first, while at least half of the faces stay. The projections
 * are counts (normalised to the monitor's mean when --monitor is given), so their own value is
 * their Poisson variance. Until 2026-12-08 this was the median of the six faces' means, which
 * reads low at a few counts per face (the median of a skewed distribution): 28 % low at the
 * simulation's default background (0.002 counts per pixel per frame), std maps of a weak peak
 * with --background faces 1-2 % wide; the pool: within 0.5 %. A face that holds the tail at
 * every position, too faintly to stand out at one, is left out of every position's pool by the
 * caller (`faces`; core/peak_maps.c decides it over the whole particle). Used by --background faces
 * (core/peak_maps.c), the map /maps/background, and qmap view, which must subtract what the
 * run subtracted (view/view_projections.c).
 */
#include "qmap/fit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CLIP_Z 3.0   /* a face this many Poisson standard deviations above the pool holds peak */

static const char *const face_name[6] = {"qx-", "qx+", "qy-", "qy+", "qz-", "qz+"};

void qmap_faces_format(unsigned faces, char *out, size_t size)
{
    size_t l = 0;
    out[0] = '\0';
    for (int f = 0; f < 6 && l < size; f++)
        if (faces & 1u << f)
            l += (size_t)snprintf(out + l, size - l, "%s%s", l ? ", " : "", face_name[f]);
    if (!out[0])
        snprintf(out, size, "none");
}

unsigned qmap_faces_parse(const char *text)
{
    unsigned faces = 0;
    for (int f = 0; text && f < 6; f++)
        for (const char *p = strstr(text, face_name[f]); p && !(faces & 1u << f); p = strstr(p + 1, face_name[f]))
            if ((p == text || p[-1] == ' ' || p[-1] == ',') && (!p[3] || p[3] == ',' || p[3] == ' '))
                faces |= 1u << f;
    return faces ? faces : QMAP_FACES_ALL;
}

double qmap_face_background(const double *const proj[3], const double *const hits[3], const int n[3],
                            unsigned faces)
{
    double s[6], h[6];
    int m = 0;
    for (int a = 0; a < 3; a++)
        for (int e = 0; e < 2 && n[a] > 0; e++) {
            int k = e ? n[a] - 1 : 0;
            /* one slab: one face value, named by either of the axis' faces */
            unsigned named = n[a] == 1 ? faces & 3u << 2 * a : faces & 1u << (2 * a + e);
            if (named && hits[a][k] > 0 && isfinite(proj[a][k])) {
                s[m] = proj[a][k];
                h[m++] = hits[a][k];
            }
            if (n[a] == 1)
                break;   /* one slab: one face value, not two */
        }
    if (m == 0)
        return NAN;
    /* pooled over the faces; the face furthest above it, beyond Poisson noise, holds the peak's
     * tail and leaves the pool, up to half of the faces */
    int used[6] = {1, 1, 1, 1, 1, 1}, left = m;
    for (;;) {
        double ss = 0, hh = 0;
        for (int f = 0; f < m; f++)
            if (used[f]) {
                ss += s[f];
                hh += h[f];
            }
        double b = ss / hh, z_max = CLIP_Z;
        int worst = -1;
        for (int f = 0; f < m && left > (m + 1) / 2; f++) {
            double expect = b * h[f], z = (s[f] - expect) / sqrt(expect + 1.0);
            if (used[f] && z > z_max) {
                z_max = z;
                worst = f;
            }
        }
        if (worst < 0)
            return b;
        used[worst] = 0;
        left--;
    }
}
