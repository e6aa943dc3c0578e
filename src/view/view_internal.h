/* view_internal.h -- the qmap_view object shared by the view_*.c files (private). */
#ifndef QMAP_VIEW_INTERNAL_H
#define QMAP_VIEW_INTERNAL_H

#include "qmap/report.h"
#include "qmap/view.h"
#include "qmap/position.h"
#include "view_json.h"

struct qmap_view {
    char *path;                   /* the results file */
    qmap_results_file *rf;        /* the open results file (qmap_results_open) */
    qmap_results *r;              /* maps, fits, scans: borrowed from rf */
    qmap_report_particles *parts; /* /particles (borrowed from r), or NULL */
    int has_cube;                 /* /qspace/cube present (read with qmap_results_cube_read) */
    int nb[3];                    /* cube bins along qx, qy, qz (= r->axes[a].n) */
    double *hits_proj[3];         /* hits summed over the other two axes (projection norm) */
    struct qmap_view_voi_job *voi; /* the VOI moved in the page (view_voi.c), or NULL */
    struct qmap_view_region_job *rjob; /* a large region's summed q-space in steps (view_region_job.c) */
    int region_direct_max;        /* regions up to this many positions are summed in one request */
    qmap_position_source *raw;    /* the raw data, opened on the first position asked (view_recompute.c) */
    int background_faces;         /* the run subtracted each position's background measured on the
                                     VOI's faces (--background faces): the projections shown
                                     subtract it too (view_projections.c) */
    unsigned faces;               /* the VOI faces it measured the background on (QMAP_FACES_ALL
                                     when the file does not say) */
};

/* Index of map `name` in r->maps, or -1. */
int qmap__view_map_index(const char *name);

/* "projections" of a position or region: proj[a] summed counts, hits[a] the normalisation
 * (view_projections.c). fit_params: area, centre, sigma per axis for the curves, or NULL. */
void qmap__view_projections_json(qmap_jbuf *b, const qmap_view *v, double *proj[3], double *const hits[3],
                                 const double *fit_params);

/* Appends ,"rocking_curve", "rocking_message", "recomputed" (and, when with_qspace,
 * "qspace_source", "qspace", "qspace_message") for position (row, col), recomputed from the raw
 * frames (qmap_process_position). A missing raw file is a message in the answer, not an error. */
int qmap__view_raw_position_json(qmap_view *v, int row, int col, qmap_jbuf *b, int with_qspace);

/* Positions (row, c0..c1) of /qspace/cube into buf ((c1 - c0 + 1) x bins floats) (view_projections.c). */
int qmap__view_read_cube_row(const qmap_view *v, int row, int c0, int c1, float *buf);

/* The maps of the moved VOI ("voi_intensity", "voi_qx", ...) when computed, else 0 (view_voi.c). */
int qmap__view_voi_map_json(const qmap_view *v, const char *name, qmap_view_text *out);
void qmap__view_voi_free(qmap_view *v);

/* Add one position's cube (bins floats) to the projections proj[a] (view_projections.c). */
void qmap__view_add_projections(const qmap_view *v, const float *cube, double *proj[3]);

/* A region's summed q-space (view_region_job.c): start (keep: the region's positions, copied;
 * bounding box rows r0..r1, cols c0..c1), run for budget_s seconds (< 0: to the end), and the
 * "qspace" object {"total", "projections"} once done. */
int qmap__view_region_job_start(qmap_view *v, int r0, int r1, int c0, int c1, const uint8_t *keep, size_t n_pos);
int qmap__view_region_job_run(qmap_view *v, double budget_s);
void qmap__view_region_job_qspace(const qmap_view *v, qmap_jbuf *b);

/* Close the raw data (qmap_view_close). */
void qmap__view_raw_close(qmap_view *v);

#endif
