/* pipeline.h -- private pieces of the qmap pipeline shared by the files of src/core (and the
 * VOI types of src/geometry/voi.h). */
#ifndef QMAP_PIPELINE_H
#define QMAP_PIPELINE_H

#include <math.h>
#include <stdint.h>
#include "qmap/dataset.h"
#include "qmap/frames.h"
#include "frames_internal.h"
#include "qmap/process.h"
#include "qmap/qspace.h"
#include "log.h"
#include "voi.h"


/* Hot pixels: a pixel is hot when it is non-zero in at least `fraction` of the sampled
 * frames AND its mean exceeds 10x (+1 count) the median of its 8 neighbours' means
 * (isolated, unlike a Bragg peak, which spans several pixels). ORs into mask; returns
 * the number of new hot pixels. */
long qmap_find_hot_pixels(const uint32_t *nonzero, const double *sum, int n_frames, int rows,
                          int cols, double fraction, uint8_t *mask);

/* Per-position derived maps (COM, std, fits, mask, strain, tilt) from accumulators. */
typedef struct {
    int n_pos;
    int n_bins[3];
    double qc[3];            /* reference point the moments are taken around */
    double *s0;              /* n_pos: summed intensity */
    double *s1;              /* 3*n_pos: sum I*(q-qc) */
    double *s2;              /* 3*n_pos: sum I*(q-qc)^2 */
    double *proj[3];         /* n_pos*n_bins[a]: summed intensity per bin along each axis */
    double *hits_proj[3];    /* n_bins[a]: pixel hits per slab */
    int *contrib;            /* n_pos: number of scans that measured the position */
    int n_scans;
    /* What a flat background adds to every position (peak_maps.c check_background): the VOI's
     * hits (pixels x scans) and their summed q - qc and (q - qc)^2 per axis; the background
     * per hit of one position (NaN: not measured). */
    double hits_total, hits_q1[3], hits_q2[3], background;
    int background_faces;    /* 1: subtract each position's background measured on the VOI's
                                faces before the moments and fits (--background faces) */
    double sampling[3];      /* q between neighbouring samples along each axis (rocking steps,
                                pixels: qmap_choose_bins' natural sampling); 0: unknown */
    /* One position recomputed (position.c, qmap view): the background per hit the run measured
     * there (its /maps/background) instead of measuring it again, or NULL; else the faces the
     * run measured it on (0: decided over the map, background_faces.c). */
    const double *background_given;
    unsigned faces_given;
} qmap_accumulators;

#define QMAP_FACES_UNEVEN 0.5   /* a VOI face above the lowest by this fraction: the peak's tail */

/* Per face of the VOI (bit order of QMAP_FACES_ALL), the mean over the positions flagged in
 * sel of its intensity per hit, and its standard error; NaN with fewer than 3 positions. */
typedef struct {
    double mean[6], se[6];
} qmap_face_stats;
void qmap__face_stats(const qmap_accumulators *acc, const unsigned char *sel, qmap_face_stats *st);
/* The faces that hold only the flat background, decided over the positions where the peak is
 * (the others hold its tail; the three lowest always stay); note: what was left out and why,
 * "" when nothing was (background_faces.c). */
unsigned qmap__background_faces(const qmap_accumulators *acc, char *note, size_t len);
/* The axis of the highest face when the faces `used` disagree (the third lowest stands above
 * the lowest: the tail reaches into them), with *ratio = third / lowest; else -1. */
int qmap__faces_uneven(const qmap_face_stats *st, unsigned used, double *ratio);

int qmap_derive_maps(const qmap_process_options *o, const qmap_accumulators *acc,
                     qmap_results *r);
/* Only the per-position background on the VOI's faces (r->background), moments (intensity,
 * COM, std) and Gaussian fits of qmap_derive_maps, for positions recomputed one at a time
 * (position.c). */
void qmap_derive_peak_maps(const qmap_accumulators *acc, qmap_results *r);

/* Bad pixel readings: negative (dead-pixel markers of int32 frames), at or above the
 * saturation limit, or non-finite (float frames). Such a reading is ignored, as if the
 * pixel were masked for that frame. Counted per thread, summed in thread order. */
typedef struct {
    long negative, saturated, nonfinite;
} qmap_bad_counts;

/* 1 (and counted) when the non-zero reading v is bad; limit = saturation (INFINITY: none).
 * One comparison pair on the good path. */
static inline int qmap_bad_value(float v, double limit, qmap_bad_counts *c)
{
    if (v > 0 && v < limit)
        return 0;
    if (!isfinite(v)) c->nonfinite++;
    else if (v < 0) c->negative++;
    else c->saturated++;
    return 1;
}

/* Sum of n per-thread counts (in thread order) into *total. */
void qmap_bad_counts_sum(const qmap_bad_counts *per_thread, int n, qmap_bad_counts *total);

/* Per-frame passes over sparse frames on all OpenMP threads (frame_loop.c). */
typedef struct qmap_frame_workers qmap_frame_workers;   /* one sparse reader buffer per thread */
qmap_frame_workers *qmap_frame_workers_new(void);
void qmap_frame_workers_free(qmap_frame_workers *ws);
int qmap_frame_workers_count(const qmap_frame_workers *ws);

typedef struct {
    void *ctx;
    /* 1 = do not read frame f (optional) */
    int (*skip)(void *ctx, int f);
    /* the non-zero pixels of frame f, on thread `thread`; a negative status stops the pass */
    int (*frame)(void *ctx, int thread, int f, const qmap_sparse_frame *fr);
    /* progress within the scan, from thread 0 (optional) */
    void (*tick)(void *ctx, double fraction);
    /* gaps (issue 11): chip-gap correction applied to each frame before `frame` (NULL: none) */
    const struct qmap_gap_setup_s *gaps;
    /* issue 18: read only frames stride/2 + k*stride (0 or 1 = every frame) */
    int stride;
    /* issue 18 (MPI, more ranks than scans): frames before this one are another rank's */
    int first_frame;
} qmap_frame_pass;

/* Frames [first_frame, n_frames) (or those of one in `stride` frames), detector rows
 * [row0, row1), dealt to the threads in fixed chunks; the first error (lowest frame) is
 * returned. */
int qmap_for_each_frame(qmap_frame_reader *rd, qmap_frame_workers *ws, int n_frames, int row0,
                        int row1, const qmap_frame_pass *pass);

/* MPI (mpi_reduce.c): without MPI, or when the process was not started by mpirun, one
 * rank. Scans [*lo, *hi) are this rank's share. */
void qmap_mpi_scan_range(int n_scans, int *lo, int *hi);
/* Issue 18: this rank's work, scans [*s_lo, *s_hi) x map positions (frames) [*p_lo, *p_hi).
 * With no more ranks than scans, blocks of whole scans (positions: all); with more ranks than
 * scans (qmap_mpi_split_positions), every rank reads every scan, a block of its positions,
 * so that no rank idles. */
int qmap_mpi_split_positions(int n_scans);
void qmap_mpi_work(int n_scans, int n_pos, int *s_lo, int *s_hi, int *p_lo, int *p_hi);
/* Element-wise sums over all ranks, in place on every rank (no-ops on one rank). */
int qmap_mpi_sum_doubles(double *v, size_t n);
int qmap_mpi_sum_floats(float *v, size_t n);
int qmap_mpi_sum_ints(int *v, size_t n);
/* Collective status: every rank learns whether some rank failed; the failure of the
 * lowest such rank (its code and message) becomes every rank's error. */
int qmap_mpi_agree(int rc);

#endif
