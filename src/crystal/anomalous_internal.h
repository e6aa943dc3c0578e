/* anomalous_internal.h -- layout of the generated anomalous-scattering table
 * (anomalous_table.c, made by scripts/gen_anomalous_table.py) read by anomalous.c. */
#ifndef QMAP_ANOMALOUS_INTERNAL_H
#define QMAP_ANOMALOUS_INTERNAL_H

typedef struct {
    double e;            /* photon energy, eV */
    double f1, f2;       /* f', f'' (electrons) */
} qmap_anom_point;

typedef struct {
    int z;
    const char *name;    /* element symbol */
    int first, n;        /* points qmap_anom_points[first .. first + n), increasing e */
    int first_edge, n_edges;   /* absorption edges qmap_anom_edges[first_edge ..] (eV) */
} qmap_anom_element;

extern const qmap_anom_point qmap_anom_points[];
extern const double qmap_anom_edges[];
extern const qmap_anom_element qmap_anom_elements[];
extern const int qmap_anom_n_elements;

#endif
