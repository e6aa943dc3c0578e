/* view_internal.h -- the qmap_view object shared by the view_*.c files (private). */
#ifndef QMAP_VIEW_INTERNAL_H
#define QMAP_VIEW_INTERNAL_H

#include "qmap/report.h"
#include "qmap/view.h"

struct qmap_view {
    char *path;                   /* the results file */
    qmap_results_file *rf;        /* the open results file (qmap_results_open) */
    qmap_results *r;              /* maps, fits, scans: borrowed from rf */
    qmap_report_particles *parts; /* /particles (borrowed from r), or NULL */
    int has_cube;                 /* /qspace/cube present (read with qmap_results_cube_read) */
    int nb[3];                    /* cube bins along qx, qy, qz (= r->axes[a].n) */
    double *hits_proj[3];         /* hits summed over the other two axes (projection norm) */
    char tmpdir[4096];              /* private folder for figure PNGs, "" when none */
};

/* Index of map `name` in r->maps, or -1. */
int qmap__view_map_index(const char *name);

#endif
