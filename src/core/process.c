/* process.c -- orchestration of the qmap pipeline (see include/qmap/process.h).
 *
 * Two streaming passes over the raw frames, each frame read and decoded once per pass, as
 * its non-zero pixels only (photon-counting frames are sparse; see frame_loop.c):
 * pass 1 (quick look) gives per-scan intensity maps for the drift correction and the
 * map-averaged reciprocal space for the VOI; pass 2 reads only the detector rows that
 * reach the VOI and accumulates, per map position, exact Q moments and projections.
 * Issue 18: the drift is tried first without frames (given, none, a counter); when that
 * decides it, pass 1 reads only a sample of each scan's frames (quicklook.c).
 * Frames run on all OpenMP threads with per-thread partial sums; under mpirun the scans
 * are split over the ranks and the sums reduced (mpi_reduce.c).
 * Memory is bounded by the map size times the number of bins, never by the frame count.
 * The cancel flag is polled between frame batches and stages (QMAP_ERR_CANCELLED), and the
 * accumulation pass can save its sums after the scans (at most every 30 s from the CLI) and
 * resume from them (checkpoint.c).
 *
 * This file only sequences the stages, each in its own file of src/core (see
 * docs/architecture.md): setup.c, detector_mask.c, quicklook.c + select_voi.c, drift.c,
 * plan.c, accumulate.c, peak_maps.c (maps and fits).
 */
#define _GNU_SOURCE   /* realpath */
#include "accumulate.h"
#include "checkpoint.h"   /* issue 18: resuming a run that redid its quick look */
#include "detector_mask.h"
#include "drift.h"
#include "log.h"
#include "plan.h"
#include "process_options.h"
#include "quicklook.h"
#include "q_range.h"
#include "select_voi.h"
#include "setup.h"
#include "series_log.h"    /* series (issue 11) */
#include "gap_setup.h"     /* gaps (issue 11) */
#include "qmap/error.h"

#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* issue 18: from here on the quick look reads every frame (the VOI that the sampled one, 1
 * frame in P's stride, placed did not hold the peak: it cut it, or the sample missed the
 * particle, in this run or in the run that --resume continues), said in /parameters (the
 * log says which). */
static void quick_look_on_every_frame(pipeline *P)
{
    qmap_results_param(P->r, "quick_look", "1 frame in %d of each scan placed a VOI that did not hold the whole "
                       "peak; redone on every frame", P->quicklook_stride);
    P->quicklook_stride = 1;
    P->quicklook_redone = 1;
}

/* issue 18: back to the state before the quick look, for a second quick look on every frame
 * (the VOI of the sampled one did not hold the whole peak): plans, accumulators, the overview, pass 2's sums
 * and cubes freed or cleared; drift, mask, q range and the readers stay. */
static void undo_quick_look_and_pass2(pipeline *P, qmap_scan_plan *plans, qmap_accumulators *A,
                                      double **scan_maps)
{
    qmap_results *r = P->r;
    qmap_accumulators_free(A);
    memset(A, 0, sizeof *A);
    for (int s = 0; s < P->n_scans; s++)
        qmap_scan_plan_free(&plans[s]);
    memset(plans, 0, (size_t)P->n_scans * sizeof *plans);
    free(*scan_maps);
    *scan_maps = NULL;
    free(r->overview_sum);
    free(r->overview_hits);
    free(r->qspace_average);
    free(r->qspace_hits);
    free(r->qspace_cube);
    r->overview_sum = r->overview_hits = r->qspace_average = r->qspace_hits = NULL;
    r->qspace_cube = NULL;
    memset(r->scan_intensity, 0, (size_t)P->n_scans * sizeof *r->scan_intensity);
    quick_look_on_every_frame(P);
}

static int run(pipeline *P, qmap_results **out)
{
    const qmap_process_options *o = P->o;
    double lo[3], hi[3], step[3], voi[6];
    qmap_coarse_space cs = {0};
    double *scan_maps = NULL;
    qmap_scan_plan *plans = calloc(P->n_scans, sizeof *plans);
    qmap_accumulators A = {0};
    int rc = plans ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory");
    qmap_stage_clock clk;   /* -v: wall and CPU seconds of every stage */
    qmap_stage_clock_start(&clk);
    if (rc == QMAP_OK) rc = qmap_setup_geometry(P);
    if (rc == QMAP_OK) rc = qmap_setup_saturation(P);
    if (rc == QMAP_OK) rc = qmap_setup_monitor(P);
    if (rc == QMAP_OK && !o->monitor) qmap_check_unnormalised(P);
    if (rc == QMAP_OK) qmap_stage_time(o, &clk, "setup");
    if (rc == QMAP_OK) rc = qmap_build_mask(P);
    if (rc == QMAP_OK) qmap_stage_time(o, &clk, "mask + hot pixels");
    if (rc == QMAP_OK)   /* gaps (issue 11) */
        rc = qmap_gap_choose(o, qmap_dataset_scan(P->ds, 0)->detector, P->rows, P->cols, P->mask,
                             P->r, &P->gaps, &P->gaps_on);
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK) rc = qmap_q_range(P, lo, hi, step);
    if (rc == QMAP_OK) qmap_stage_time(o, &clk, "gaps + q range");
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    /* issue 18: a drift that needs no frame signal is decided first; then the quick look
     * only places the VOI and reads a sample of the frames */
    int drift_decided = 0;
    if (rc == QMAP_OK) rc = qmap_drift(P, NULL, 1, &drift_decided);
    P->quicklook_stride = drift_decided && !o->quicklook_full ? qmap_quicklook_stride(P->n_pos, P->n_fast) : 1;
    if (rc == QMAP_OK && P->quicklook_stride > 1)
        qmap_log(o, "quick look: the drift needs no frame signal; 1 frame in %d of each scan places the VOI "
                    "(--quick-look full reads all)", P->quicklook_stride);
    /* issue 18: the run to resume redid its quick look on every frame (its sampled VOI cut the
     * peak) and was interrupted in the pass 2 after it: its sums belong to that VOI */
    if (rc == QMAP_OK && o->resume && o->checkpoint && P->quicklook_stride > 1 && !o->voi_set &&
        qmap_checkpoint_full_quick_look(o->checkpoint)) {
        qmap_log(o, "resume: the interrupted run had redone its quick look on every frame (the VOI of its sample "
                    "did not hold the whole peak); so does this one");
        quick_look_on_every_frame(P);
        P->resume_full_quick_look = 1;
    }
    if (rc == QMAP_OK) qmap_stage_time(o, &clk, drift_decided ? "drift" : "drift (counters tried)");
    /* issue 18: the quick look, the VOI and pass 2; once more on every frame (at most once)
     * when the VOI of a sampled quick look did not hold the whole peak: it left scans without
     * a pixel (below), or qmap_check_voi finds it cut the peak or holds none */
    for (;;) {
        if (rc == QMAP_OK) rc = qmap_choose_voi(P, lo, hi, step, voi, &cs, &scan_maps);
        if (rc == QMAP_OK) {   /* the quick look's overview: owned by the results (a redo frees it) */
            memcpy(P->r->overview_axes, cs.axes, sizeof cs.axes);
            P->r->overview_sum = cs.sum;
            P->r->overview_hits = cs.hits;
            cs.sum = cs.hits = NULL;
            qmap_stage_time(o, &clk, "quick look (pass 1)");
        }
        if (rc == QMAP_OK && !drift_decided) {
            rc = qmap_drift(P, scan_maps, 0, &drift_decided);
            if (rc == QMAP_OK) qmap_stage_time(o, &clk, "drift");
        }
        if (rc == QMAP_OK) rc = qmap_check_cancel();
        if (rc == QMAP_OK) rc = qmap_build_plans(P, voi, plans);
        if (rc == QMAP_OK) rc = qmap_check_cancel();
        if (rc == QMAP_OK) {
            long n = 0;
            int empty = 0, first_empty = -1;
            for (int s = 0; s < P->n_scans; s++) {
                n += plans[s].n_pix;
                if (plans[s].n_pix == 0 && empty++ == 0)
                    first_empty = s;
            }
            /* sixth round: an automatic VOI from a sample of the frames that leaves scans without
             * a pixel was placed on the background: the sample missed the particle (a small one
             * in a large map). The quick look is redone on every frame, as after a cut peak. */
            if (empty > 0 && !o->voi_set && P->quicklook_stride > 1 && !P->quicklook_redone) {
                qmap_log(o, "quick look: the VOI placed on a sample of the frames (1 in %d) holds no detector pixel "
                            "of %d of the %d scans: the sample missed the peak (a small particle?); the quick look "
                            "is done again on every frame", P->quicklook_stride, empty, P->n_scans);
                undo_quick_look_and_pass2(P, plans, &A, &scan_maps);
                continue;
            }
            if (n == 0)
                rc = qmap_error(QMAP_ERR_VALUE, "the VOI %g:%g,%g:%g,%g:%g holds no detector pixel of any scan",
                                voi[0], voi[1], voi[2], voi[3], voi[4], voi[5]);
            /* a scan without a VOI pixel is skipped by pass 2, and a position counts only when
             * every scan measured it: every map would be empty (found in issue 18; said here,
             * before the pass, rather than as a failed particle mask after it) */
            if (rc == QMAP_OK && empty > 0)
                rc = qmap_error(QMAP_ERR_VALUE, "the VOI %g:%g,%g:%g,%g:%g holds no detector pixel of %d of the %d "
                                "scans (the first: %s); a position is mapped only when every scan measured it, so "
                                "every map would be empty: widen the VOI (along qx, the rocking direction, "
                                "usually) or leave out those scans with --scans", voi[0], voi[1], voi[2], voi[3],
                                voi[4], voi[5], empty, P->n_scans, qmap_dataset_scan(P->ds, first_empty)->name);
        }
        if (rc == QMAP_OK) {
            qmap_clip_and_report_voi(P, plans, voi, lo, hi);
            memcpy(P->r->voi, voi, sizeof P->r->voi);
        }
        if (rc == QMAP_OK)
            rc = qmap_choose_bins(voi, step, plans, P->n_scans, o->bins_set, o->bins, P->r->axes);
        if (rc == QMAP_OK) {
            qmap_compact_plans(plans, P->n_scans);
            qmap_log(o, "bins (%s): --bins %d,%d,%d (steps %.3g, %.3g, %.3g 1/A; natural sampling %.3g, %.3g, %.3g)",
                     o->bins_set ? "user" : "auto", P->r->axes[0].n, P->r->axes[1].n, P->r->axes[2].n,
                     qmap_axis_step(&P->r->axes[0]), qmap_axis_step(&P->r->axes[1]), qmap_axis_step(&P->r->axes[2]),
                     step[0], step[1], step[2]);
            qmap_results_param(P->r, "bins", "%d,%d,%d", P->r->axes[0].n, P->r->axes[1].n, P->r->axes[2].n);
            rc = qmap_accumulators_alloc(P, voi, &A);
            for (int a = 0; a < 3; a++)   /* for the maps' check of the peak's sampling */
                A.sampling[a] = step[a];
        }
        if (rc == QMAP_OK && o->save_qspace) rc = qmap_alloc_qspace_cube(P, &A);
        if (rc == QMAP_OK) qmap_stage_time(o, &clk, "plans + bins");
        if (rc == QMAP_OK) rc = qmap_accumulate(P, plans, &A);
        if (rc == QMAP_OK) qmap_stage_time(o, &clk, "accumulate (pass 2)");
        if (rc != QMAP_OK || qmap_check_voi(P, voi, lo, hi) == 0)
            break;
        undo_quick_look_and_pass2(P, plans, &A, &scan_maps);
    }
    if (rc == QMAP_OK) rc = qmap_check_cancel();
    if (rc == QMAP_OK && P->voi_background > 0)   /* per position (the overview sums the map) */
        A.background = P->voi_background / P->n_pos;
    A.background_faces = o->background_faces;
    if (rc == QMAP_OK) rc = qmap_derive_maps(o, &A, P->r);
    if (rc == QMAP_OK) qmap_stage_time(o, &clk, "maps + Gaussian fits");
    qmap_accumulators_free(&A);
    for (int s = 0; plans && s < P->n_scans; s++)
        qmap_scan_plan_free(&plans[s]);
    free(plans);
    free(cs.sum);
    free(cs.hits);
    free(scan_maps);
    if (rc == QMAP_OK) {
        *out = P->r;
        P->r = NULL;
    }
    return rc;
}

/* The absolute paths of the input and the mask file (/parameters input_path, mask_path):
 * what a later recomputation from the raw data opens, whatever the working directory. */
static void record_paths(const qmap_process_options *o, qmap_results *r)
{
    char *p = realpath(o->input, NULL);
    if (p)
        qmap_results_param(r, "input_path", "%s", p);
    free(p);
    p = o->mask_file ? realpath(o->mask_file, NULL) : NULL;
    if (p)
        qmap_results_param(r, "mask_path", "%s", p);
    free(p);
}

static int process_pipeline(const qmap_process_options *o, qmap_results **out);

/* The run with its warnings kept for the results file (log.h qmap_warnings_capture). */
int qmap_process(const qmap_process_options *user, qmap_results **out)
{
    *out = NULL;
    int rc = qmap_check_process_options(user);
    if (rc < 0)
        return rc;
    qmap_warning_capture cap;
    qmap_process_options o;
    qmap_warnings_capture(&cap, user, &o);
    rc = process_pipeline(&o, out);
    if (rc == QMAP_OK && (rc = qmap_warnings_record(&cap, *out)) < 0) {
        qmap_results_free(*out);
        *out = NULL;
    }
    qmap_warnings_free(&cap);
    return rc;
}

static int process_pipeline(const qmap_process_options *o, qmap_results **out)
{
    int rc;
    if (o->threads > 0)
        omp_set_num_threads(o->threads);
    qmap_open_options oo = {.detector = o->detector, .monitor = o->monitor,
                            .shift_counter = o->shift_counter, .skip_bad_scans = o->skip_bad_scans,
                            .scans = o->scans /* series (issue 11) */};
    qmap_q_cache qcache = {0};   /* issue 18 */
    pipeline P = {.o = o, .qcache = &qcache};
    qmap_stage_clock clk;
    qmap_stage_clock_start(&clk);
    rc = qmap_dataset_open(o->input, &oo, &P.ds);
    if (rc < 0)
        return rc;
    char skipped[4096] = "";
    if (o->skip_bad_scans && (rc = qmap_drop_unreadable_scans(o, P.ds, skipped, sizeof skipped)) < 0) {
        qmap_dataset_close(P.ds);
        return rc;
    }
    P.n_scans = qmap_dataset_n_scans(P.ds);
    const qmap_scan_info *s0 = qmap_dataset_scan(P.ds, 0);
    P.rows = s0->geom.n_rows;
    P.cols = s0->geom.n_cols;
    P.n_pix = (size_t)P.rows * P.cols;
    P.n_fast = s0->title.n_fast;
    P.n_slow = s0->title.n_slow;
    P.n_pos = P.n_fast * P.n_slow;
    qcache.d = malloc(3 * P.n_pix * sizeof *qcache.d);   /* optional: without it Q is computed in full */
    P.readers = calloc(P.n_scans, sizeof *P.readers);   /* optional: without it each pass opens its own */
    P.r = qmap_results_new(P.n_fast, P.n_slow, P.n_scans, o->hkl_set && o->hkl[0] == 0 && o->hkl[1] == 0);
    P.row_shift = calloc(P.n_scans, sizeof(int));
    P.col_shift = calloc(P.n_scans, sizeof(int));
    P.row_shift_f = calloc(P.n_scans, sizeof(double));   /* drift (issue 12) */
    P.col_shift_f = calloc(P.n_scans, sizeof(double));
    if (!P.r || !P.row_shift || !P.col_shift || !P.row_shift_f || !P.col_shift_f) {
        rc = qmap_error(QMAP_ERR_NOMEM, "out of memory for a %d x %d map", P.n_slow, P.n_fast);
    } else {
        qmap_results_param(P.r, "input", "%s", o->input);
        record_paths(o, P.r);   /* for qmap view's recomputation of a position (position.c) */
        P.r->grid_set = 1;
        P.r->grid_fast_start = s0->title.fast_start;
        P.r->grid_fast_end = s0->title.fast_end;
        P.r->grid_slow_start = s0->title.slow_start;
        P.r->grid_slow_end = s0->title.slow_end;
        snprintf(P.r->fast_motor, sizeof P.r->fast_motor, "%s", s0->title.fast_motor);
        snprintf(P.r->slow_motor, sizeof P.r->slow_motor, "%s", s0->title.slow_motor);
        qmap_results_param(P.r, "detector", "%s", s0->detector);
        char scans[4096] = "";
        for (int s = 0; s < P.n_scans; s++) {
            size_t l = strlen(scans);
            snprintf(scans + l, sizeof scans - l, "%s%s", s ? "," : "", qmap_dataset_scan(P.ds, s)->name);
        }
        qmap_results_param(P.r, "scans", "%s", scans);
        if (skipped[0])
            qmap_results_param(P.r, "skipped_scans", "%s", skipped);
        const char *bad = qmap_dataset_bad_scans(P.ds);
        if (bad[0]) {   /* every scan accounted for: those with unreadable metadata are listed */
            qmap_results_param(P.r, "skipped_bad_metadata", "%s", bad);
            qmap_log(o, "skipped scans (--skip-bad-scans), metadata unreadable: %s", bad);
        }
        qmap_log(o, "input %s: %d SXDM scans (%s), %d other scans skipped", o->input, P.n_scans, scans,
                 qmap_dataset_n_skipped(P.ds));
        qmap_series_log(o, P.ds, P.r);   /* series (issue 11) */
        qmap_log(o, "detector %s %d x %d; map %d x %d (fast %s x slow %s), %d frames per scan",
                 s0->detector, P.rows, P.cols, P.n_fast, P.n_slow, s0->title.fast_motor,
                 s0->title.slow_motor, P.n_pos);
        if (o->hkl_set) {
            qmap_results_param(P.r, "hkl", "%d,%d,%d", o->hkl[0], o->hkl[1], o->hkl[2]);
            if (o->hkl[0] || o->hkl[1])
                qmap_log(o, "hkl %d,%d,%d is not 0,0,l: no c map", o->hkl[0], o->hkl[1], o->hkl[2]);
        }
        qmap_fill_positions(&P);
        qmap_stage_time(o, &clk, "open dataset");
        rc = run(&P, out);
    }
    qmap_results_free(P.r);
    free(P.geom);
    free(P.angles);
    free(P.calib);   /* calibration (issue 11) */
    free(P.mask);
    free(P.row_shift);
    free(P.col_shift);
    free(P.sat_limit);
    free(P.drift_tiles);   /* drift (issue 12) */
    free(P.offbragg_maps);
    free(P.row_shift_f);
    free(P.col_shift_f);
    free(P.tile_of);
    free(qcache.d);
    qmap_q_bounds_free(&qcache.bounds);
    qmap_stage_close_readers(&P);
    qmap_dataset_close(P.ds);
    return rc;
}
