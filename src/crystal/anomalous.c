/* anomalous.c -- f'(E), f''(E) of an element by interpolation in the generated Kissel
 * table (anomalous_table.c; data source and method in qmap/anomalous.h).
 *
 * Interpolation: the bracketing points are found by bisection (last table energy <= E and
 * the next one). f' is linear in ln E; f'' is linear in ln f'' versus ln E when both
 * neighbours are positive (photo-absorption falls as a power of E between edges), else
 * linear in ln E. The table lists an edge as two points where f'' jumps, so an energy
 * between them interpolates across the jump only over the table's own edge width.
 */
#include "qmap/anomalous.h"
#include "anomalous_internal.h"
#include "qmap/error.h"

#include <math.h>
#include <stddef.h>

static const qmap_anom_element *element(int z)
{
    if (z >= 1 && z <= qmap_anom_n_elements && qmap_anom_elements[z - 1].z == z)
        return &qmap_anom_elements[z - 1];
    for (int i = 0; i < qmap_anom_n_elements; i++)
        if (qmap_anom_elements[i].z == z)
            return &qmap_anom_elements[i];
    return NULL;
}

int qmap_anomalous_energy_ok(double energy_ev)
{
    if (energy_ev >= QMAP_ANOMALOUS_E_MIN && energy_ev <= QMAP_ANOMALOUS_E_MAX)
        return 1;
    qmap_error(QMAP_ERR_VALUE, "energy %g eV is outside the anomalous-scattering tables "
               "(%g eV to %g eV)", energy_ev, QMAP_ANOMALOUS_E_MIN, QMAP_ANOMALOUS_E_MAX);
    return 0;
}

int qmap_anomalous_factors(int z, double energy_ev, double *f1, double *f2)
{
    *f1 = *f2 = 0.0;
    const qmap_anom_element *el = element(z);
    if (!el || el->n < 2)
        return qmap_error(QMAP_ERR_VALUE, "no anomalous scattering factors for Z = %d "
                          "(tables cover H to Es)", z);
    if (!qmap_anomalous_energy_ok(energy_ev))
        return QMAP_ERR_VALUE;
    const qmap_anom_point *p = &qmap_anom_points[el->first];
    int n = el->n;
    if (energy_ev <= p[0].e) {
        *f1 = p[0].f1, *f2 = p[0].f2;
        return 0;
    }
    if (energy_ev >= p[n - 1].e) {
        *f1 = p[n - 1].f1, *f2 = p[n - 1].f2;
        return 0;
    }
    int lo = 0, hi = n - 1;          /* p[lo].e <= E < p[hi].e */
    while (hi - lo > 1) {
        int mid = lo + (hi - lo) / 2;
        if (p[mid].e <= energy_ev)
            lo = mid;
        else
            hi = mid;
    }
    const qmap_anom_point *a = &p[lo], *b = &p[hi];
    double t = (log(energy_ev) - log(a->e)) / (log(b->e) - log(a->e));
    *f1 = a->f1 + t * (b->f1 - a->f1);
    if (a->f2 > 0 && b->f2 > 0)
        *f2 = exp(log(a->f2) + t * (log(b->f2) - log(a->f2)));
    else
        *f2 = a->f2 + t * (b->f2 - a->f2);
    return 0;
}

double qmap_anomalous_near_edge(int z, double energy_ev, double rel_window)
{
    const qmap_anom_element *el = element(z);
    double best = 0.0;
    if (!el)
        return 0.0;
    for (int i = 0; i < el->n_edges; i++) {
        double e = qmap_anom_edges[el->first_edge + i];
        if (fabs(e - energy_ev) <= rel_window * energy_ev &&
            (best == 0.0 || fabs(e - energy_ev) < fabs(best - energy_ev)))
            best = e;
    }
    return best;
}
