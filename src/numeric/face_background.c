/* face_background.c -- the flat background per detector-pixel hit of one position's VOI,
 * measured on the VOI's six faces.
 *
 * The VOI's projections along qx, qy, qz (summed intensity per slab) and the pixel hits per
 * slab give, for the first and the last slab along each axis, the intensity per hit on that
 * face of the box. With the peak inside the VOI the faces hold only the background; the
 * median of the six leaves a face or two that catch the peak's tail at the background of the
 * others. Used by --background faces (core/peak_maps.c) and by qmap view, which must subtract
 * what the run subtracted (view/view_projections.c).
 */
#include "qmap/fit.h"

#include <math.h>

double qmap_face_background(const double *const proj[3], const double *const hits[3], const int n[3])
{
    double b[6];
    int m = 0;
    for (int a = 0; a < 3; a++)
        for (int e = 0; e < 2 && n[a] > 0; e++) {
            int k = e ? n[a] - 1 : 0;
            if (hits[a][k] > 0 && isfinite(proj[a][k]))
                b[m++] = proj[a][k] / hits[a][k];
            if (n[a] == 1)
                break;   /* one slab: one face value, not two */
        }
    for (int i = 1; i < m; i++)   /* insertion sort of at most 6 */
        for (int j = i; j > 0 && b[j] < b[j - 1]; j--) {
            double t = b[j];
            b[j] = b[j - 1];
            b[j - 1] = t;
        }
    return m == 0 ? NAN : m % 2 ? b[m / 2] : 0.5 * (b[m / 2 - 1] + b[m / 2]);
}
