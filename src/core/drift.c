/* drift.c -- stage 5 of qmap_process: the sample drift between eta scans.
 *
 * The drift is given (--shift), none, or measured automatically (issue 12): the signal is
 * chosen and the drift estimated with its confidence figures by qmap_drift_measure
 * (drift_choose.c, on the pieces of drift_measure.h: counters, off-Bragg maps from the
 * quick-look pass, tilt-robust fit). This stage turns the per-scan drift into map pixels:
 * whole pixels for re-indexing, fractional ones for the sub-pixel application of the
 * accumulation stage (drift_apply.c), and stores the figures in the results.
 * Issue 18: the stage runs first before any frame is read; where the drift needs no frame
 * signal (given, none, or a counter with contrast) it is decided there and the quick-look
 * pass may read a sample of the frames only (quicklook.c); otherwise it runs again after
 * the full quick-look pass, on its maps.
 */
#include "drift.h"
#include "drift_choose.h"
#include "log.h"
#include "qmap/error.h"

#include <math.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>

static double raster_step(double start, double end, int n)
{
    return n > 1 ? (end - start) / (n - 1) : 0;
}

/* Position of scan s in the measured sequence relative to the first scan kept (scans
 * dropped by --skip-bad-scans still count: the drift is linear in the sequence). */
static int scan_step(const pipeline *P, int s)
{
    return qmap_dataset_scan(P->ds, s)->sequence - qmap_dataset_scan(P->ds, 0)->sequence;
}

/* Drift between scans: measured (or given), a line through 0 in the scan sequence (the
 * first scan is the reference), as whole and fractional map pixels per scan. */
int qmap_drift(pipeline *P, const double *scan_maps, int before_frames, int *decided)
{
    const qmap_process_options *o = P->o;
    const qmap_scan_title *t = &qmap_dataset_scan(P->ds, 0)->title;
    double sx = raster_step(t->fast_start, t->fast_end, t->n_fast);
    double sy = raster_step(t->slow_start, t->slow_end, t->n_slow);
    double bx = 0, by = 0;
    int auto_determined = 0;   /* drift (issue 12) */
    *decided = 1;
    if (o->shift_mode == QMAP_SHIFT_MANUAL) {
        bx = o->shift_dx_um;
        by = o->shift_dy_um;
    } else if (o->shift_mode == QMAP_SHIFT_AUTO && P->n_scans > 1) {
        /* drift (issue 12): choice of signal, tilt-robust estimate and confidence (drift_choose.c) */
        int *step = malloc(P->n_scans * sizeof *step);
        qmap_drift_outcome dm = {.meas_r = malloc(P->n_scans * sizeof(double)),
                                 .meas_c = malloc(P->n_scans * sizeof(double))};
        int rc = step && dm.meas_r && dm.meas_c ? QMAP_OK : qmap_error(QMAP_ERR_NOMEM, "out of memory (drift)");
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++)
            step[s] = scan_step(P, s);
        double px = 0;
        for (int t = 0; t < QMAP_OFFBRAGG_TILES; t++)
            px += P->pixels_per_tile[t];
        qmap_drift_inputs in = {o, P->ds, P->n_scans, P->n_slow, P->n_fast, P->n_pos, P->mon_mean, step,
                                P->r->eta, scan_maps, P->offbragg_maps, P->offbragg_tiles_min, px,
                                before_frames, P->drift_counters_tried};
        if (rc == QMAP_OK)
            rc = qmap_drift_measure(&in, &dm);
        if (rc == QMAP_OK && dm.needs_frames) {   /* issue 18: measured after the quick-look pass */
            P->drift_counters_tried = 1;
            *decided = 0;
            free(step);
            free(dm.meas_r);
            free(dm.meas_c);
            return QMAP_OK;
        }
        for (int s = 0; rc == QMAP_OK && s < P->n_scans; s++) {
            P->r->measured_shift_x[s] = dm.meas_c[s] * sx;
            P->r->measured_shift_y[s] = dm.meas_r[s] * sy;
        }
        free(step);
        free(dm.meas_r);
        free(dm.meas_c);
        if (rc < 0)
            return rc;
        bx = dm.slope_c * sx;
        by = dm.slope_r * sy;
        auto_determined = dm.determined;
        snprintf(P->r->shift_signal, sizeof P->r->shift_signal, "%s", dm.signal);
        P->r->shift_contrast = dm.contrast;
        P->r->shift_resid_px = dm.resid_rms_px;
        P->r->shift_halves_px = dm.halves_px;
        P->r->shift_sigma_px = dm.sigma_last_px;
        qmap_results_param(P->r, "shift_confidence", "signal %s; contrast %.2f; residual rms %.4f px; "
                           "uncertainty %.4f px at the last scan; halves differ %.4f px; %s", dm.signal,
                           dm.contrast, dm.resid_rms_px, dm.sigma_last_px, dm.halves_px,
                           !dm.determined ? "not determined (zero drift)" : dm.low_confidence ? "low" : "ok");
        if (dm.determined && dm.low_confidence) {   /* said as a WARNING: kept in the results (log.h) */
            char why[256] = "";
            if (!(dm.sigma_last_px <= 0.25))
                snprintf(why, sizeof why, "uncertainty %.2f px at the last scan", dm.sigma_last_px);
            if (dm.halves_apart)
                snprintf(why + strlen(why), sizeof why - strlen(why), "%sthe two halves of the rocking curve "
                         "differ by %.2f px, noise alone %.2f px", why[0] ? ", " : "", dm.halves_px,
                         dm.halves_sigma_px);
            if (!why[0])
                snprintf(why, sizeof why, "Bragg maps registered scan to scan, a lattice tilt can bias them");
            qmap_log(o, "WARNING: the drift measured on %s has low confidence (%s): check the drift figure of "
                        "the report; --shift DX,DY or --shift-counter NAME override it", dm.signal, why);
        }
        if (dm.determined) {
            qmap_log(o, "drift: shifts relative to the first scan measured on %s (every scan registered, "
                        "least-squares line in the scan sequence):", dm.signal);
            for (int s = 0; s < P->n_scans; s++)
                qmap_log(o, "  scan %-6s eta %9.4f  measured x %+8.4f y %+8.4f um  fitted x %+8.4f y %+8.4f um",
                         qmap_dataset_scan(P->ds, s)->name, P->r->eta[s], P->r->measured_shift_x[s],
                         P->r->measured_shift_y[s], bx * scan_step(P, s), by * scan_step(P, s));
        }
    }
    int max_r = 0, max_c = 0;
    for (int s = 0; s < P->n_scans; s++) {
        int k = scan_step(P, s);
        P->r->shift_x[s] = bx * k;
        P->r->shift_y[s] = by * k;
        P->col_shift[s] = sx != 0 ? (int)lrint(bx * k / sx) : 0;
        P->row_shift[s] = sy != 0 ? (int)lrint(by * k / sy) : 0;
        P->col_shift_f[s] = sx != 0 ? bx * k / sx : 0;   /* drift (issue 12): sub-pixel */
        P->row_shift_f[s] = sy != 0 ? by * k / sy : 0;
        max_c = abs(P->col_shift[s]) > max_c ? abs(P->col_shift[s]) : max_c;
        max_r = abs(P->row_shift[s]) > max_r ? abs(P->row_shift[s]) : max_r;
    }
    const char *mode = o->shift_mode == QMAP_SHIFT_NONE ? "none" : o->shift_mode == QMAP_SHIFT_MANUAL ? "manual" : "auto";
    P->subpixel = o->shift_subpixel && !o->save_qspace;   /* drift (issue 12) */
    qmap_log(o, "drift (%s): %+.5f, %+.5f um per scan (x, y) = %+.3f, %+.3f map pixels; "
             "%s by up to %d columns, %d rows", mode, bx, by, sx ? bx / sx : 0, sy ? by / sy : 0,
             P->subpixel ? "applied by interpolating each scan's per-position sums (--shift-apply interpolate),"
                         : "re-indexing (nearest map pixel)", max_c, max_r);
    qmap_results_param(P->r, "shift", "%s: %.6f,%.6f um per scan%s%s", mode, bx, by,
                       auto_determined ? ", measured on " : "", auto_determined ? P->r->shift_signal : "");
    if (max_c >= P->n_fast || max_r >= P->n_slow)
        return qmap_error(QMAP_ERR_VALUE, "drift of %d columns / %d rows leaves no position measured in "
                          "every scan; check --shift", max_c, max_r);
    return QMAP_OK;
}
