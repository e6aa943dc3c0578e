/* series.c -- grouping of SXDM map scans into series (the --scans lists: scan_list.c).
 *
 * Why: a real beamline file holds several rocking-curve series (different particles,
 * reflections, repeats) between alignment scans; processing them as one rocking curve
 * mixes unrelated maps. The rules are in include/qmap/series.h. Everything here works on
 * the metadata already read by qmap_dataset_open; no file access.
 */
#include "qmap/series.h"
#include "qmap/error.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Angles closer than this are "the same" (degrees; real positioners jitter by ~1e-4). */
#define SAME_ANGLE_DEG 2e-3
#define SAME_ENERGY_EV 0.5
/* Nominal map ranges may differ by this fraction of a map step. */
#define RANGE_TOL_STEPS 0.25

static const char *const axis_names[QMAP_SERIES_N_AXES] = {"eta", "phi", "nu", "delta", "mu",
                                                           "energy"};

/* ---------------------------------------------------------------- grouping */

void qmap_series_axis_values(const qmap_scan_info *s, double v[QMAP_SERIES_N_AXES])
{
    v[0] = s->angles.eta;
    v[1] = s->angles.phi;
    v[2] = s->angles.nu;
    v[3] = s->angles.delta;
    v[4] = s->mu;
    v[5] = s->geom.energy_ev;
}

static double axis_tolerance(int a)
{
    return a == 5 ? SAME_ENERGY_EV : SAME_ANGLE_DEG;
}

/* 1 when nominal ranges a and b agree within a fraction of the map step. */
static int same_range(double a0, double a1, double b0, double b1, int n)
{
    double step = n > 1 ? fabs(a1 - a0) / (n - 1) : 0;
    double tol = fmax(RANGE_TOL_STEPS * step, 1e-6);
    return fabs(a0 - b0) <= tol && fabs(a1 - b1) <= tol;
}

/* Why scan s cannot share a series with r (map and detector), "" when it can. */
static void map_mismatch(const qmap_scan_info *r, const qmap_scan_info *s, char *why, size_t size)
{
    const qmap_scan_title *a = &r->title, *b = &s->title;
    why[0] = '\0';
    if (strcmp(a->fast_motor, b->fast_motor) != 0 || strcmp(a->slow_motor, b->slow_motor) != 0)
        snprintf(why, size, "map motors %s/%s instead of %s/%s", b->fast_motor, b->slow_motor,
                 a->fast_motor, a->slow_motor);
    else if (a->n_fast != b->n_fast || a->n_slow != b->n_slow)
        snprintf(why, size, "map shape %d x %d instead of %d x %d (fast x slow)", b->n_fast,
                 b->n_slow, a->n_fast, a->n_slow);
    else if (strcmp(r->detector, s->detector) != 0 || r->geom.n_rows != s->geom.n_rows ||
             r->geom.n_cols != s->geom.n_cols)
        snprintf(why, size, "detector %s %d x %d instead of %s %d x %d", s->detector,
                 s->geom.n_rows, s->geom.n_cols, r->detector, r->geom.n_rows, r->geom.n_cols);
    else if (!same_range(a->fast_start, a->fast_end, b->fast_start, b->fast_end, a->n_fast) ||
             !same_range(a->slow_start, a->slow_end, b->slow_start, b->slow_end, a->n_slow))
        snprintf(why, size, "map region %s %g..%g, %s %g..%g instead of %g..%g, %g..%g",
                 b->fast_motor, b->fast_start, b->fast_end, b->slow_motor, b->slow_start,
                 b->slow_end, a->fast_start, a->fast_end, a->slow_start, a->slow_end);
}

/* Whether scan s continues series cur (whose last scan is prev); sets cur's rocking axis
 * on its second scan. axis: current rocking axis index or -1. */
static int continues(const qmap_dataset *ds, qmap_series *cur, int *axis,
                     const qmap_scan_info *first, const qmap_scan_info *prev,
                     const qmap_scan_info *s, char *why, size_t size)
{
    map_mismatch(first, s, why, size);
    if (why[0])
        return 0;
    double vp[QMAP_SERIES_N_AXES], vs[QMAP_SERIES_N_AXES];
    qmap_series_axis_values(prev, vp);
    qmap_series_axis_values(s, vs);
    int n_changed = 0, changed = -1, other = -1;
    for (int a = 0; a < QMAP_SERIES_N_AXES; a++) {
        if (!(fabs(vs[a] - vp[a]) <= axis_tolerance(a))) {
            n_changed++;
            if (changed < 0) changed = a;
            else if (other < 0) other = a;
        }
    }
    if (n_changed == 0) {
        if (*axis < 0)
            return 1;   /* repeated maps at the same angles stay together */
        snprintf(why, size, "%s stays at %.5g instead of stepping", axis_names[*axis], vs[*axis]);
        return 0;
    }
    if (n_changed > 1) {
        snprintf(why, size, "%s and %s both change", axis_names[changed], axis_names[other]);
        return 0;
    }
    double d = vs[changed] - vp[changed];
    if (*axis < 0) {
        if (cur->count > 1) {
            snprintf(why, size, "%s moves after %d scans at the same angles", axis_names[changed],
                     cur->count);
            return 0;
        }
        *axis = changed;
        cur->rock_step = d;
        return 1;
    }
    if (changed != *axis) {
        snprintf(why, size, "%s changes while the series rocks %s", axis_names[changed],
                 axis_names[*axis]);
        return 0;
    }
    /* The rocking curve may be acquired in any order (interleaved, random: a drift is then
     * separable from a tilt); a value already measured in this series starts a new one
     * (a repeated rocking curve). */
    for (int i = 0; i < cur->count; i++) {
        double vi[QMAP_SERIES_N_AXES];
        qmap_series_axis_values(qmap_dataset_scan(ds, cur->first + i), vi);
        if (fabs(vs[changed] - vi[changed]) <= axis_tolerance(changed)) {
            snprintf(why, size, "%s %.5g was already measured in the previous series (a repeat)",
                     axis_names[changed], vs[changed]);
            return 0;
        }
    }
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Range, step (smallest spacing of the sorted values) and order of the rocking values. */
static void rocking_stats(const qmap_dataset *ds, qmap_series *cur, int axis)
{
    double *v = malloc((size_t)cur->count * sizeof *v);
    if (!v)
        return;
    int monotonic_up = 1, monotonic_down = 1;
    for (int i = 0; i < cur->count; i++) {
        double vi[QMAP_SERIES_N_AXES];
        qmap_series_axis_values(qmap_dataset_scan(ds, cur->first + i), vi);
        v[i] = vi[axis];
        if (i && v[i] < v[i - 1]) monotonic_up = 0;
        if (i && v[i] > v[i - 1]) monotonic_down = 0;
    }
    cur->monotonic = monotonic_up || monotonic_down;
    if (!cur->monotonic) {
        qsort(v, (size_t)cur->count, sizeof *v, cmp_double);
        double step = INFINITY;
        for (int i = 1; i < cur->count; i++)
            if (v[i] - v[i - 1] > axis_tolerance(axis) && v[i] - v[i - 1] < step)
                step = v[i] - v[i - 1];
        cur->rock_first = v[0];
        cur->rock_last = v[cur->count - 1];
        cur->rock_step = isfinite(step) ? step : 0;
    }
    free(v);
}

static void finish(const qmap_dataset *ds, qmap_series *cur, int axis)
{
    const qmap_scan_info *a = qmap_dataset_scan(ds, cur->first);
    const qmap_scan_info *b = qmap_dataset_scan(ds, cur->first + cur->count - 1);
    double va[QMAP_SERIES_N_AXES], vb[QMAP_SERIES_N_AXES];
    qmap_series_axis_values(a, va);
    qmap_series_axis_values(b, vb);
    if (axis >= 0) {
        snprintf(cur->rocking, sizeof cur->rocking, "%s", axis_names[axis]);
        cur->rock_first = va[axis];
        cur->rock_last = vb[axis];
        cur->monotonic = 1;
        rocking_stats(ds, cur, axis);   /* non-monotonic order: range min..max, smallest step */
    } else {
        cur->monotonic = 1;
        cur->rocking[0] = '\0';
        cur->rock_first = cur->rock_last = va[0];
        cur->rock_step = 0;
    }
    cur->fast_lo = a->title.fast_start;
    cur->fast_hi = a->title.fast_end;
    cur->slow_lo = a->title.slow_start;
    cur->slow_hi = a->title.slow_end;
    snprintf(cur->start_time, sizeof cur->start_time, "%s", a->start_time);
    snprintf(cur->end_time, sizeof cur->end_time, "%s", b->end_time);
    int nums[4096];
    int n = cur->count < 4096 ? cur->count : 4096;
    for (int i = 0; i < n; i++)
        nums[i] = qmap_dataset_scan(ds, cur->first + i)->number;
    qmap_scan_list_format(nums, n, cur->scans, sizeof cur->scans);
}

int qmap_series_find(const qmap_dataset *ds, qmap_series **out, int *n_out)
{
    int n = qmap_dataset_n_scans(ds);
    *out = NULL;
    *n_out = 0;
    qmap_series *v = calloc((size_t)(n > 0 ? n : 1), sizeof *v);
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "no memory for the series list");
    int ns = 0, axis = -1;
    char why[160] = "";
    for (int i = 0; i < n; i++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, i);
        qmap_series *cur = ns ? &v[ns - 1] : NULL;
        if (cur && continues(ds, cur, &axis, qmap_dataset_scan(ds, cur->first),
                             qmap_dataset_scan(ds, i - 1), s, why, sizeof why)) {
            cur->count++;
            continue;
        }
        if (cur)
            finish(ds, cur, axis);
        cur = &v[ns++];
        cur->first = i;
        cur->count = 1;
        snprintf(cur->why_new, sizeof cur->why_new, "%s", ns > 1 ? why : "");
        axis = -1;
    }
    if (ns)
        finish(ds, &v[ns - 1], axis);
    *out = v;
    *n_out = ns;
    return QMAP_OK;
}

void qmap_series_describe(const qmap_dataset *ds, const qmap_series *s, char *out, size_t size)
{
    const qmap_scan_info *a = qmap_dataset_scan(ds, s->first);
    char rock[160];
    if (s->rocking[0])
        snprintf(rock, sizeof rock, "%s %.4f..%.4f step %+.4f %s%s", s->rocking, s->rock_first,
                 s->rock_last, s->rock_step, strcmp(s->rocking, "energy") ? "deg" : "eV",
                 s->monotonic ? "" : " (acquired in non-monotonic order)");
    else
        snprintf(rock, sizeof rock, "eta %.4f (no rocking angle)", s->rock_first);
    snprintf(out, size, "--scans %s: %d scan%s, %s, map %s %g..%g um x %s %g..%g um (%d x %d, fast x slow)",
             s->scans, s->count, s->count == 1 ? "" : "s", rock, a->title.fast_motor, s->fast_lo,
             s->fast_hi, a->title.slow_motor, s->slow_lo, s->slow_hi, a->title.n_fast,
             a->title.n_slow);
}

void qmap_series_rank_split(const qmap_dataset *ds, int n_ranks, char *out, size_t size)
{
    int n = qmap_dataset_n_scans(ds);
    size_t len = 0;
    out[0] = '\0';
    for (int r = 0; r < n_ranks && len < size; r++) {
        int lo = (int)((long)n * r / n_ranks), hi = (int)((long)n * (r + 1) / n_ranks);
        int w;
        if (hi <= lo)
            w = snprintf(out + len, size - len, "%srank %d: no scan", r ? "; " : "", r);
        else if (hi - lo == 1)
            w = snprintf(out + len, size - len, "%srank %d: scan %s", r ? "; " : "", r,
                         qmap_dataset_scan(ds, lo)->name);
        else
            w = snprintf(out + len, size - len, "%srank %d: scans %s..%s (%d)", r ? "; " : "", r,
                         qmap_dataset_scan(ds, lo)->name, qmap_dataset_scan(ds, hi - 1)->name,
                         hi - lo);
        len += w > 0 ? (size_t)w : 0;
    }
}

void qmap_series_sequence(const qmap_dataset *ds, const qmap_series *se, int *seq)
{
    /* The drift is linear in acquisition time: count the scans in scan-number order, with a
     * gap for every scan number missing between two of the series (a map scan left out by
     * --scans or dropped) unless that number is a non-map scan of the file (an alignment
     * scan in between takes little time). */
    seq[0] = 0;
    for (int i = 1; i < se->count; i++) {
        int a = qmap_dataset_scan(ds, se->first + i - 1)->number;
        int b = qmap_dataset_scan(ds, se->first + i)->number;
        int gap = 0;
        for (int n = a + 1; n < b && gap < 100000; n++) {
            int is_other = 0;
            for (int k = 0; k < qmap_dataset_n_other(ds) && !is_other; k++) {
                const char *name = NULL;
                int number = -1;
                if (qmap_dataset_other(ds, k, &name, &number, NULL, NULL) == QMAP_OK &&
                    number == n)
                    is_other = 1;
            }
            gap += !is_other;
        }
        seq[i] = seq[i - 1] + 1 + gap;
    }
}
