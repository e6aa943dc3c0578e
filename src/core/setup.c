/* setup.c -- stage 1 of qmap_process: which scans are used, the detector geometry with the
 * user's overrides and angle offsets, the saturation limit and the monitor normalisation.
 */
#include "setup.h"
#include "log.h"
#include "calib_setup.h"   /* calibration (issue 11) */
#include "bounds.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Calibration overrides, offsets, and consistency of geometry across scans. */
int qmap_setup_geometry(pipeline *P)
{
    const qmap_process_options *o = P->o;
    P->geom = calloc(P->n_scans, sizeof *P->geom);
    P->angles = calloc(P->n_scans, sizeof *P->angles);
    if (!P->geom || !P->angles)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    for (int s = 0; s < P->n_scans; s++) {
        const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
        qmap_detector_geometry g = si->geom;
        if (!isnan(o->energy_ev)) g.energy_ev = o->energy_ev;
        if (!isnan(o->distance_m)) g.distance_m = o->distance_m;
        if (!isnan(o->pixel_m)) g.pixel_row_m = g.pixel_col_m = o->pixel_m;
        if (!isnan(o->center_row)) g.center_row = o->center_row;
        if (!isnan(o->center_col)) g.center_col = o->center_col;
        if (qmap_geometry_validate(&g) < 0)
            return qmap_error_prefix(QMAP_ERR_VALUE, "%s: scan %s", o->input, si->name);
        P->geom[s] = g;
        P->angles[s].eta = si->angles.eta - o->offset_eta;
        P->angles[s].phi = si->angles.phi - o->offset_phi;
        P->angles[s].nu = si->angles.nu - o->offset_nu;
        P->angles[s].delta = si->angles.delta - o->offset_delta;
        if (qmap_bounds_check_scan(&g, &P->angles[s]) < 0)
            return qmap_error_prefix(QMAP_ERR_VALUE, "%s: scan %s", o->input, si->name);
        long npts = (long)si->title.n_fast * si->title.n_slow;
        if (si->n_frames > npts)   /* possible (a restarted detector), worth a look */
            qmap_log(o, "warning: scan %s has %d frames but its title declares %ld points; frames after "
                     "the first %ld are ignored", si->name, si->n_frames, npts, npts);
        P->r->eta[s] = P->angles[s].eta;
    }
    int same_eta = P->n_scans > 1;
    for (int s = 1; s < P->n_scans; s++)
        same_eta = same_eta && P->angles[s].eta == P->angles[0].eta;
    if (same_eta)   /* possible (a repeated map), but a rocking curve needs eta to change */
        qmap_log(o, "warning: eta is %.4f deg in all %d scans: no rocking curve, Q along the rocking "
                 "direction is not resolved", P->angles[0].eta, P->n_scans);
    const qmap_detector_geometry *g = &P->geom[0];
    qmap_log(o, "energy %.3f eV, distance %.6f m, pixel %.3g x %.3g m, centre pixel row %.3f col %.3f%s",
             g->energy_ev, g->distance_m, g->pixel_row_m, g->pixel_col_m, g->center_row, g->center_col,
             P->n_scans > 1 ? " (first scan)" : "");
    P->r->energy_ev = g->energy_ev;
    qmap_results_param(P->r, "energy_ev", "%.6f", g->energy_ev);
    qmap_results_param(P->r, "distance_m", "%.8f", g->distance_m);
    qmap_results_param(P->r, "pixel_size_m", "%.6g,%.6g", g->pixel_row_m, g->pixel_col_m);
    qmap_results_param(P->r, "center_pixel", "%.6f,%.6f", g->center_row, g->center_col);
    qmap_results_param(P->r, "offsets_deg", "eta=%g,phi=%g,nu=%g,delta=%g", o->offset_eta,
                       o->offset_phi, o->offset_nu, o->offset_delta);
    qmap_log(o, "angles: eta %.4f .. %.4f deg over %d scans, phi %.4f, nu %.4f, delta %.4f (offsets subtracted)",
             P->angles[0].eta, P->angles[P->n_scans - 1].eta, P->n_scans, P->angles[0].phi,
             P->angles[0].nu, P->angles[0].delta);
    /* calibration (issue 11): mu, detrot/tilt/tiltazimuth, detector translations */
    if (!(P->calib = calloc(P->n_scans, sizeof *P->calib)))
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    return qmap_calib_choose(o, P->ds, P->r, P->calib);
}

/* Per-scan saturation limit: --saturation, else the scan's saturation_value, else none. */
int qmap_setup_saturation(pipeline *P)
{
    const qmap_process_options *o = P->o;
    P->sat_limit = malloc(P->n_scans * sizeof *P->sat_limit);
    if (!P->sat_limit)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    int known = 0;
    double lo = INFINITY, hi = 0;
    for (int s = 0; s < P->n_scans; s++) {
        double v = qmap_dataset_scan(P->ds, s)->saturation;
        if (!isnan(o->saturation)) v = o->saturation;
        P->sat_limit[s] = isfinite(v) && v > 0 ? v : INFINITY;
        if (isfinite(P->sat_limit[s])) {
            known++;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    }
    const char *from = !isnan(o->saturation) ? "--saturation" : "instrument/<det>/saturation_value";
    if (known)
        qmap_log(o, "saturation: readings >= %.10g counts%s ignored (%s, %d of %d scans)",
                 lo, hi > lo ? " (lowest limit; per scan up to the highest)" : "", from, known, P->n_scans);
    else
        qmap_log(o, "saturation: unknown (no saturation_value in the file, no --saturation)");
    if (known && hi > lo)
        qmap_results_param(P->r, "saturation", "%.10g..%.10g (%s)", lo, hi, from);
    else if (known)
        qmap_results_param(P->r, "saturation", "%.10g (%s)", lo, from);
    return QMAP_OK;
}

int qmap_setup_monitor(pipeline *P)
{
    if (!P->o->monitor)
        return QMAP_OK;
    double sum = 0;
    long n = 0;
    for (int s = 0; s < P->n_scans; s++) {
        const qmap_scan_info *si = qmap_dataset_scan(P->ds, s);
        for (int i = 0; si->monitor && i < P->n_pos; i++)
            if (isfinite(si->monitor[i]) && si->monitor[i] > 0) {
                sum += si->monitor[i];
                n++;
            }
    }
    if (n == 0)
        return qmap_error(QMAP_ERR_VALUE, "%s: monitor %s has no positive value in any scan",
                          P->o->input, P->o->monitor);
    P->mon_mean = sum / n;
    qmap_log(P->o, "monitor: frames scaled by <%s>/%s, <%s> = %.6g", P->o->monitor, P->o->monitor,
             P->o->monitor, P->mon_mean);
    qmap_results_param(P->r, "monitor", "%s (mean %.6g)", P->o->monitor, P->mon_mean);
    return QMAP_OK;
}

/* --skip-bad-scans: drop every scan whose frames cannot be opened (a missing or unreadable
 * LIMA file behind the virtual dataset), logging the scan and the reason; their names go
 * to `skipped` (comma-separated). When no scan would remain, the last failure is returned. */
int qmap_drop_unreadable_scans(const qmap_process_options *o, qmap_dataset *ds, char *skipped,
                                 size_t size)
{
    skipped[0] = '\0';
    for (int s = 0; s < qmap_dataset_n_scans(ds);) {
        const qmap_scan_info *si = qmap_dataset_scan(ds, s);
        qmap_frame_reader *rd = NULL;
        int rc = qmap_frame_reader_open(o->input, si->name, si->detector, &rd);
        qmap_frame_reader_close(rd);
        if (rc == QMAP_OK) {
            s++;
            continue;
        }
        if (rc == QMAP_ERR_CANCELLED || rc == QMAP_ERR_NOMEM || qmap_dataset_n_scans(ds) == 1)
            return rc;
        char name[QMAP_NAME_MAX];
        snprintf(name, sizeof name, "%s", si->name);
        qmap_log(o, "skipped scan %s (--skip-bad-scans): %s", name, qmap_error_message());
        size_t l = strlen(skipped);
        snprintf(skipped + l, size - l, "%s%s", l ? "," : "", name);
        if ((rc = qmap_dataset_remove_scan(ds, s)) < 0)
            return rc;
    }
    return QMAP_OK;
}

void qmap_fill_positions(pipeline *P)
{
    const qmap_scan_info *si = qmap_dataset_scan(P->ds, 0);
    for (int c = 0; c < P->n_fast; c++) {
        double sum = 0;
        for (int r = 0; r < P->n_slow; r++)
            sum += si->x[r * P->n_fast + c];
        P->r->x[c] = sum / P->n_slow;
    }
    for (int r = 0; r < P->n_slow; r++) {
        double sum = 0;
        for (int c = 0; c < P->n_fast; c++)
            sum += si->y[r * P->n_fast + c];
        P->r->y[r] = sum / P->n_fast;
    }
}
