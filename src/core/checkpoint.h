/* checkpoint.h -- save and reload the accumulation pass of qmap_process (--resume).
 *
 * A checkpoint holds the per-position accumulators after the first scans_done scans,
 * the per-thread VOI cubes, the per-scan intensities and a fingerprint of everything
 * the accumulation depends on (input file identity, plans, drift, VOI, bins, threads),
 * so that a checkpoint made with other settings or input is refused.
 */
#ifndef QMAP_CHECKPOINT_H
#define QMAP_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

/* The arrays a checkpoint holds; sizes must match on load. */
typedef struct {
    size_t n_pos;
    int n_bins[3];
    int n_scans;
    double *s0, *s1, *s2;   /* n_pos, 3 n_pos, 3 n_pos */
    double *proj[3];        /* n_pos * n_bins[a] */
    int *contrib;           /* n_pos */
    double *cubes;          /* n_cubes doubles (per-thread VOI cubes) */
    size_t n_cubes;
    double *scan_intensity; /* n_scans */
} qmap_checkpoint_arrays;

/* 64-bit FNV-1a hash of n bytes, continuing from h (start with QMAP_FINGERPRINT_SEED). */
#define QMAP_FINGERPRINT_SEED 0xcbf29ce484222325ULL
uint64_t qmap_fingerprint(uint64_t h, const void *data, size_t n);

/* The same steps on 8-byte words (then the last n % 8 bytes one by one), for large arrays
 * (issue 18: the plans of a run, megabytes, took ~7 ms byte by byte). Not FNV-1a: its value
 * depends on where the data is split between calls; the fingerprint only has to be the same
 * for the same run, and differ when a byte differs. */
uint64_t qmap_fingerprint_words(uint64_t h, const void *data, size_t n);

/* Write the checkpoint atomically: an exclusive temporary beside PATH (qmap_temp_create),
 * renamed onto PATH when complete (qmap_temp_commit). full_quick_look: the sums follow a
 * quick look redone on every frame after a sampled one cut the peak (issue 18). */
int qmap_checkpoint_save(const char *path, uint64_t fingerprint, int scans_done, int full_quick_look,
                         const qmap_checkpoint_arrays *a);

/* Read PATH into a (sizes given by a); *scans_done receives the scans it covers.
 * QMAP_ERR_IO: missing/unreadable; QMAP_ERR_FORMAT: not a checkpoint, truncated or
 * corrupt; QMAP_ERR_VALUE: made with other settings or input (fingerprint differs). */
int qmap_checkpoint_load(const char *path, uint64_t fingerprint, qmap_checkpoint_arrays *a,
                         int *scans_done);

/* issue 18: 1 when PATH is a checkpoint saved with full_quick_look (the run to resume redid
 * its quick look on every frame, so must the resuming one), else 0 (also when PATH is missing
 * or not a checkpoint: qmap_checkpoint_load then says why). */
int qmap_checkpoint_full_quick_look(const char *path);

#endif
