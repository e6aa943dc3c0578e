/* view_internal.h -- the qmap_view object shared by the view_*.c files (private). */
#ifndef QMAP_VIEW_INTERNAL_H
#define QMAP_VIEW_INTERNAL_H

#include <hdf5.h>
#include "qmap/report.h"
#include "qmap/view.h"

struct qmap_view {
    char *path;                   /* the results file */
    qmap_results *r;              /* maps, fits, scans (qmap_report_load) */
    qmap_report_particles *parts; /* /particles, or NULL */
    hid_t file;                   /* open read-only while the cube is used, else -1 */
    hid_t cube;                   /* /qspace/cube, or -1 without --save-qspace */
    int nb[3];                    /* cube bins along qx, qy, qz (= r->axes[a].n) */
    double *hits_proj[3];         /* hits summed over the other two axes (projection norm) */
    char tmpdir[4096];              /* private folder for figure PNGs, "" when none */
};

/* Index of map `name` in r->maps, or -1. */
int qmap__view_map_index(const char *name);

#endif
