/* drift.c -- stage 5 of qmap_process: the sample drift between eta scans.
 *
 * Consecutive scans' intensity maps (or a Bragg-independent counter) are registered with
 * qmap_phase_correlation (shift.c, the registration kernel); the drift per scan is their
 * intensity-weighted mean step, and scans are re-indexed by whole map pixels.
 */
#include "drift.h"
#include "log.h"
#include "qmap/error.h"
#include "qmap/shift.h"

#include <math.h>
#include <stdlib.h>

static double raster_step(double start, double end, int n)
{
    return n > 1 ? (end - start) / (n - 1) : 0;
}

/* Copy a per-scan map with NaN (unmeasured) set to 0. */
static void map_or_zero(const double *m, int n, double *dst)
{
    for (int p = 0; p < n; p++)
        dst[p] = isfinite(m[p]) ? m[p] : 0;
}

/* Sum of the finite values of a map. */
static double map_total(const double *m, int n)
{
    double t = 0;
    for (int p = 0; p < n; p++)
        if (isfinite(m[p]))
            t += m[p];
    return t;
}

/* Position of scan s in the measured sequence relative to the first scan kept (scans
 * dropped by --skip-bad-scans still count: the drift is linear in the sequence). */
static int scan_step(const pipeline *P, int s)
{
    return qmap_dataset_scan(P->ds, s)->sequence - qmap_dataset_scan(P->ds, 0)->sequence;
}

/* Drift measurement. Consecutive scans are registered (their intensity maps look alike and
 * shifts stay small, far from the wrap-around of the correlation); each registration is an
 * estimate of the drift per scan. The slope is their mean weighted by the dimmer scan's
 * total intensity, so that steps at the tails of the rocking curve, where only a few tilted
 * grains diffract, count little. dr/dc receive the cumulative measured shifts (map pixels,
 * NaN for scans not registered); slope_r/slope_c the per-scan drift. */
static int measure_drift(pipeline *P, const double *scan_maps, double *dr, double *dc,
                         double *slope_r, double *slope_c)
{
    double *ref = malloc(P->n_pos * sizeof *ref), *mov = malloc(P->n_pos * sizeof *mov);
    if (!ref || !mov) {
        free(ref);
        free(mov);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (drift)");
    }
    double wsum = 0, wr = 0, wc = 0;
    dr[0] = dc[0] = 0;
    map_or_zero(scan_maps, P->n_pos, ref);
    for (int s = 1; s < P->n_scans; s++) {
        double r = 0, c = 0;
        map_or_zero(scan_maps + (size_t)s * P->n_pos, P->n_pos, mov);
        if (qmap_phase_correlation(ref, mov, P->n_slow, P->n_fast, 20, &r, &c) < 0) {
            qmap_log(P->o, "drift: scans %s and %s not registered (%s)", qmap_dataset_scan(P->ds, s - 1)->name,
                     qmap_dataset_scan(P->ds, s)->name, qmap_error_message());
            r = c = NAN;
        } else {
            double w = fmin(map_total(scan_maps + (size_t)(s - 1) * P->n_pos, P->n_pos),
                            map_total(scan_maps + (size_t)s * P->n_pos, P->n_pos));
            int gap = scan_step(P, s) - scan_step(P, s - 1);   /* > 1 across a dropped scan */
            wsum += w * gap;
            wr += w * r;
            wc += w * c;
        }
        dr[s] = dr[s - 1] + r;
        dc[s] = dc[s - 1] + c;
        double *t = ref;
        ref = mov;
        mov = t;
    }
    free(ref);
    free(mov);
    *slope_r = wsum > 0 ? wr / wsum : 0;
    *slope_c = wsum > 0 ? wc / wsum : 0;
    return QMAP_OK;
}

/* Drift between scans: measured (or given), fitted by a line through 0 (the first scan
 * is the reference), applied as an integer re-indexing of the positions. */
int qmap_drift(pipeline *P, const double *scan_maps)
{
    const qmap_process_options *o = P->o;
    const qmap_scan_title *t = &qmap_dataset_scan(P->ds, 0)->title;
    double sx = raster_step(t->fast_start, t->fast_end, t->n_fast);
    double sy = raster_step(t->slow_start, t->slow_end, t->n_slow);
    double bx = 0, by = 0;
    if (o->shift_mode == QMAP_SHIFT_MANUAL) {
        bx = o->shift_dx_um;
        by = o->shift_dy_um;
    } else if (o->shift_mode == QMAP_SHIFT_AUTO && P->n_scans > 1) {
        double *counter_maps = NULL;
        if (o->shift_counter) {
            /* a Bragg-independent counter (fluorescence): immune to the apparent motion of
             * the diffracting region with eta that a tilt field gives the Bragg intensity */
            counter_maps = malloc((size_t)P->n_scans * P->n_pos * sizeof *counter_maps);
            if (!counter_maps)
                return qmap_error(QMAP_ERR_NOMEM, "out of memory (drift)");
            for (int s = 0; s < P->n_scans; s++)
                for (int p = 0; p < P->n_pos; p++) {
                    double w = qmap_frame_factor(P, s, p);
                    double v = qmap_dataset_scan(P->ds, s)->shift_counter[p];
                    counter_maps[(size_t)s * P->n_pos + p] = w > 0 ? v * w : NAN;
                }
            scan_maps = counter_maps;
        }
        double *dr = malloc(P->n_scans * sizeof *dr), *dc = malloc(P->n_scans * sizeof *dc);
        double kr = 0, kc = 0;
        int rc = dr && dc ? measure_drift(P, scan_maps, dr, dc, &kr, &kc) : qmap_error(QMAP_ERR_NOMEM, "out of memory");
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
            P->r->measured_shift_x[s] = dc[s] * sx;
            P->r->measured_shift_y[s] = dr[s] * sy;
        }
        free(dr);
        free(dc);
        free(counter_maps);
        if (rc < 0)
            return rc;
        bx = kc * sx;
        by = kr * sy;
        qmap_log(o, "drift: shifts relative to the first scan measured on %s (cross-correlation of "
                    "consecutive scans, line = intensity-weighted mean step):",
                 o->shift_counter ? o->shift_counter : "the masked detector intensity");
        for (int s = 0; s < P->n_scans; s++)
            qmap_log(o, "  scan %-6s eta %9.4f  measured x %+8.4f y %+8.4f um  fitted x %+8.4f y %+8.4f um",
                     qmap_dataset_scan(P->ds, s)->name, P->r->eta[s], P->r->measured_shift_x[s],
                     P->r->measured_shift_y[s], bx * scan_step(P, s), by * scan_step(P, s));
    }
    int max_r = 0, max_c = 0;
    for (int s = 0; s < P->n_scans; s++) {
        int k = scan_step(P, s);
        P->r->shift_x[s] = bx * k;
        P->r->shift_y[s] = by * k;
        P->col_shift[s] = sx != 0 ? (int)lrint(bx * k / sx) : 0;
        P->row_shift[s] = sy != 0 ? (int)lrint(by * k / sy) : 0;
        max_c = abs(P->col_shift[s]) > max_c ? abs(P->col_shift[s]) : max_c;
        max_r = abs(P->row_shift[s]) > max_r ? abs(P->row_shift[s]) : max_r;
    }
    const char *mode = o->shift_mode == QMAP_SHIFT_NONE ? "none" : o->shift_mode == QMAP_SHIFT_MANUAL ? "manual" : "auto";
    qmap_log(o, "drift (%s): %+.5f, %+.5f um per scan (x, y) = %+.3f, %+.3f map pixels; "
             "re-indexing by up to %d columns, %d rows", mode, bx, by, sx ? bx / sx : 0, sy ? by / sy : 0, max_c, max_r);
    qmap_results_param(P->r, "shift", "%s: %.6f,%.6f um per scan%s%s", mode, bx, by,
                       o->shift_counter ? ", measured on " : "", o->shift_counter ? o->shift_counter : "");
    if (max_c >= P->n_fast || max_r >= P->n_slow)
        return qmap_error(QMAP_ERR_VALUE, "drift of %d columns / %d rows leaves no position measured in "
                          "every scan; check --shift", max_c, max_r);
    return QMAP_OK;
}
