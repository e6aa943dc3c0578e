/* drift_choose.c -- which signal the drift is measured on, the measurement, and what the
 * log and the results file say about it (issue 12; docs/sxdm-reference.md section 5).
 *
 * Order of preference (the first one with real contrast wins, and the log says why the
 * others were not used):
 *   1. --shift-counter NAME, else a fluorescence-like counter of measurement/ found by
 *      name (drift_counter.c): Bragg-independent;
 *   2. the detector's off-Bragg signal (fluorescence outside the Bragg peak's tiles),
 *      gathered in the quick-look pass: Bragg-independent, no extra read;
 *   3. the Bragg maps, only when the object has edges inside the map; scans registered
 *      with their eta neighbours; the drift is separated from the apparent motion that a
 *      tilt field gives only when eta is not monotonic in the scan sequence, else it is
 *      flagged as possibly biased.
 * When nothing qualifies, or the fit fails, or the drift found would leave no position
 * measured in every scan, the drift is not determined: zero drift and a one-line
 * warning suggesting --shift DX,DY or --shift-counter. A counter named by the user that
 * has no contrast is an error (the user asked for it).
 */
#include "drift_choose.h"
#include "drift_measure.h"
#include "pipeline.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COUNTERS 64
#define MAX_FILL 0.8   /* Bragg maps: above this fill fraction the object has no edge in the map */

/* Counter values of every scan scaled by the monitor factor (NaN where unusable). */
static void scale_by_monitor(const qmap_drift_inputs *in, int s, const double *v, double *dst)
{
    const double *mon = qmap_dataset_scan(in->ds, s)->monitor;
    for (int p = 0; p < in->n_pos; p++) {
        double w = 1;
        if (in->mon_mean > 0) {
            double m = mon ? mon[p] : NAN;
            w = isfinite(m) && m > 0 ? in->mon_mean / m : 0;
        }
        dst[p] = w > 0 && isfinite(v[p]) ? v[p] * w : NAN;
    }
}

static const char *contrast_word(double c)
{
    return c <= 0 ? "all zero or constant" : c < QMAP_DRIFT_MIN_CONTRAST ? "flat noise" : "contrast";
}

/* Best fluorescence-like counter of the file: maps filled, its name in name, its contrast
 * returned (0 when none qualifies; the log lists every candidate). */
static double best_counter(const qmap_drift_inputs *in, double *maps, double *work, char *name,
                           size_t size)
{
    char (*names)[128] = malloc(MAX_COUNTERS * sizeof *names);
    if (!names)
        return 0;
    const qmap_scan_info *s0 = qmap_dataset_scan(in->ds, 0);
    int n = qmap_drift_counter_candidates(in->o->input, s0->name, s0->detector, names, MAX_COUNTERS);
    double best = 0;
    if (n < 0)   /* not an HDF5 file (SPEC input): its counters are not searched */
        qmap_log(in->o, "drift signal: counters not searched by name (%s); name one with --shift-counter",
                 qmap_error_message());
    else if (n == 0)
        qmap_log(in->o, "drift signal: no fluorescence-like counter in measurement/ (names with fluo, "
                        "xrf, falcon, mca, xia, det0 ...)");
    for (int i = 0; i < n; i++) {
        int rc = QMAP_OK;
        for (int s = 0; s < in->n_scans && rc == QMAP_OK; s++) {
            rc = qmap_drift_counter_read(in->o->input, qmap_dataset_scan(in->ds, s)->name, names[i],
                                         work, in->n_pos);
            if (rc == QMAP_OK)
                scale_by_monitor(in, s, work, work + in->n_pos);
            if (rc == QMAP_OK)
                memcpy(work + (size_t)(in->n_scans + 1) * in->n_pos + (size_t)s * in->n_pos,
                       work + in->n_pos, (size_t)in->n_pos * sizeof *work);
        }
        if (rc < 0) {
            qmap_log(in->o, "drift signal: counter %s not used (%s)", names[i], qmap_error_message());
            continue;
        }
        const double *m = work + (size_t)(in->n_scans + 1) * in->n_pos;
        double c = qmap_drift_contrast(m, in->n_scans, in->n_slow, in->n_fast);
        qmap_log(in->o, "drift signal: counter %s: contrast %.1f (%s%s)", names[i], c, contrast_word(c),
                 c < QMAP_DRIFT_MIN_CONTRAST ? ", rejected" : "");
        if (c >= QMAP_DRIFT_MIN_CONTRAST && c > best) {
            best = c;
            snprintf(name, size, "%s", names[i]);
            memcpy(maps, m, (size_t)in->n_scans * in->n_pos * sizeof *maps);
        }
    }
    free(names);
    return best;
}

/* The user's --shift-counter, already read with the dataset. */
static int user_counter(const qmap_drift_inputs *in, double *maps, double *contrast)
{
    for (int s = 0; s < in->n_scans; s++)
        scale_by_monitor(in, s, qmap_dataset_scan(in->ds, s)->shift_counter, maps + (size_t)s * in->n_pos);
    *contrast = qmap_drift_contrast(maps, in->n_scans, in->n_slow, in->n_fast);
    if (*contrast < QMAP_DRIFT_MIN_CONTRAST)
        return qmap_error(QMAP_ERR_VALUE, "--shift-counter %s: its maps have no feature to register "
                          "(contrast %.1f, %s; need >= %g): name another counter, or give --shift DX,DY",
                          in->o->shift_counter, *contrast, contrast_word(*contrast), QMAP_DRIFT_MIN_CONTRAST);
    return QMAP_OK;
}

/* Off-Bragg detector maps from the quick-look pass; contrast returned (0 if unusable). */
static double offbragg(const qmap_drift_inputs *in, double *maps)
{
    if (!in->offbragg_maps) {
        qmap_log(in->o, "drift signal: off-Bragg detector signal not gathered");
        return 0;
    }
    if (in->offbragg_tiles_min <= 0) {
        qmap_log(in->o, "drift signal: off-Bragg detector signal: no detector tile free of Bragg signal");
        return 0;
    }
    size_t nk = (size_t)in->n_scans * in->n_pos;
    memcpy(maps, in->offbragg_maps, nk * sizeof *maps);
    double total = 0;
    size_t n = 0;
    for (size_t k = 0; k < nk; k++)
        if (isfinite(maps[k])) {
            total += maps[k];
            n++;
        }
    double c = qmap_drift_contrast(maps, in->n_scans, in->n_slow, in->n_fast);
    qmap_log(in->o, "drift signal: off-Bragg detector signal (detector cut into %d tiles of ~%.0f pixels; "
                    "at least %d kept away from the Bragg peak in every scan; %.3g counts per frame): contrast "
                    "%.1f (%s%s)", QMAP_OFFBRAGG_TILES, in->offbragg_pixels / QMAP_OFFBRAGG_TILES,
             in->offbragg_tiles_min, n ? total / (double)n : 0.0, c, contrast_word(c),
             c < QMAP_DRIFT_MIN_CONTRAST ? ", rejected" : "");
    return c;
}

static void undetermined(const qmap_drift_inputs *in, qmap_drift_outcome *out, const char *why)
{
    out->determined = 0;
    out->slope_r = out->slope_c = 0;
    qmap_log(in->o, "WARNING: drift not determined (%s): zero drift applied; if the particle moves "
                    "between the scans give --shift DX,DY (um per scan) or --shift-counter NAME", why);
}

int qmap_drift_measure(const qmap_drift_inputs *in, qmap_drift_outcome *out)
{
    size_t nk = (size_t)in->n_scans * in->n_pos;
    double *maps = malloc(nk * sizeof *maps);
    double *work = malloc(((size_t)in->n_scans + 1) * in->n_pos * 2 * sizeof *work);
    int *step = malloc((size_t)in->n_scans * sizeof *step);
    double *mr = out->meas_r, *mc = out->meas_c;
    memset(out, 0, sizeof *out);
    out->meas_r = mr;
    out->meas_c = mc;
    out->resid_rms_px = out->halves_px = out->sigma_last_px = out->halves_sigma_px = NAN;
    out->halves_apart = 0;
    for (int s = 0; s < in->n_scans; s++)
        out->meas_r[s] = out->meas_c[s] = NAN;
    if (!maps || !work || !step) {
        free(maps);
        free(work);
        free(step);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory (drift)");
    }
    for (int s = 0; s < in->n_scans; s++)
        step[s] = in->step[s];
    int rc = QMAP_OK, consecutive = 0, separated = 0;
    double c = 0;
    if (in->o->shift_counter) {
        rc = user_counter(in, maps, &c);
        snprintf(out->signal, sizeof out->signal, "counter %s", in->o->shift_counter);
        if (rc == QMAP_OK)
            qmap_log(in->o, "drift signal: counter %s (--shift-counter): contrast %.1f", in->o->shift_counter, c);
    } else {
        qmap_drift_signal want = in->o->shift_signal;
        char name[128] = "";
        c = 0;
        if ((want == QMAP_DRIFT_SIGNAL_AUTO || want == QMAP_DRIFT_SIGNAL_COUNTER) && !in->skip_counters)
            c = best_counter(in, maps, work, name, sizeof name);
        if (!(c > 0) && in->counters_only && want != QMAP_DRIFT_SIGNAL_COUNTER) {
            /* issue 18: the frame signals (quick-look pass) are next; nothing decided yet */
            out->needs_frames = 1;
            free(maps);
            free(work);
            free(step);
            return QMAP_OK;
        }
        if (c > 0) {
            snprintf(out->signal, sizeof out->signal, "counter %s", name);
        } else if ((want == QMAP_DRIFT_SIGNAL_AUTO || want == QMAP_DRIFT_SIGNAL_OFFBRAGG) &&
                   (c = offbragg(in, maps)) >= QMAP_DRIFT_MIN_CONTRAST) {
            snprintf(out->signal, sizeof out->signal, "off-Bragg detector signal");
        } else if (want == QMAP_DRIFT_SIGNAL_AUTO || want == QMAP_DRIFT_SIGNAL_BRAGG) {
            memcpy(maps, in->bragg_maps, nk * sizeof *maps);
            c = qmap_drift_contrast(maps, in->n_scans, in->n_slow, in->n_fast);
            double fill = qmap_drift_fill_fraction(maps, in->n_scans, in->n_slow, in->n_fast);
            qmap_log(in->o, "drift signal: Bragg intensity maps: contrast %.1f, the object covers %.0f %% "
                            "of the map%s", c, 100 * fill,
                     c < QMAP_DRIFT_MIN_CONTRAST ? " (rejected: no contrast)"
                     : fill > MAX_FILL ? " (rejected: no edge inside the map to register)"
                                       : " (used; a lattice-tilt field can bias it)");
            if (c >= QMAP_DRIFT_MIN_CONTRAST && fill <= MAX_FILL) {
                snprintf(out->signal, sizeof out->signal, "Bragg intensity maps");
                consecutive = 1;
            } else {
                c = 0;
            }
        } else {
            c = 0;
        }
        if (c < QMAP_DRIFT_MIN_CONTRAST)
            snprintf(out->signal, sizeof out->signal, "none");
    }
    out->contrast = c;
    if (rc == QMAP_OK && c >= QMAP_DRIFT_MIN_CONTRAST) {
        qmap_drift_fit_result f;
        if (qmap_drift_fit_mode(maps, in->n_scans, in->n_slow, in->n_fast, step, in->eta, consecutive,
                                out->meas_r, out->meas_c, &f) < 0) {
            char why[512];
            snprintf(why, sizeof why, "%s: %s", out->signal, qmap_error_message());
            undetermined(in, out, why);
        } else {
            out->determined = 1;
            if (f.tilt_separated == 1)
                qmap_log(in->o, "drift: Bragg maps registered between eta neighbours; the eta order is not "
                                "monotonic in the scan sequence, so the apparent motion of the diffracting "
                                "region (%.2f map pixels per degree, from the tilt field) is fitted apart "
                                "from the drift", f.tilt_motion_px_per_deg);
            else if (f.tilt_separated == 0)
                qmap_log(in->o, "drift: Bragg maps registered between eta neighbours; eta increases with the "
                                "scan sequence, so a lattice tilt (bending) cannot be told apart from drift: "
                                "the drift may be biased (record a fluorescence counter, or acquire the "
                                "rocking curve in interleaved order, or give --shift DX,DY)");
            separated = f.tilt_separated == 1;
            out->slope_r = f.slope_r;
            out->slope_c = f.slope_c;
            out->resid_rms_px = f.resid_rms_px;
            out->halves_px = f.halves_px;
            out->halves_sigma_px = f.halves_sigma_px;
            out->sigma_last_px = f.sigma_last_px;
            int last = step[in->n_scans - 1];
            if (fabs(f.slope_r * last) >= 0.5 * in->n_slow || fabs(f.slope_c * last) >= 0.5 * in->n_fast) {
                char why[512];
                snprintf(why, sizeof why, "%s gives %.1f, %.1f pixels at the last scan, more than half the map",
                         out->signal, f.slope_c * last, f.slope_r * last);
                undetermined(in, out, why);
            }
        }
    } else if (rc == QMAP_OK) {
        undetermined(in, out, "no signal with contrast: no fluorescence counter, no off-Bragg signal, "
                              "and Bragg maps without a feature or without edges inside the map");
    }
    if (rc == QMAP_OK && out->determined) {
        /* seventh round of issue 18: halves that differ only as much as the scatter makes them
         * (3 sigma of noise alone) are not a sign of a tilt bias: a 12-pixel drift measured on a
         * fluorescence counter, 0.22 px from the truth, read LOW for halves 0.67 px apart when
         * noise alone gave 0.54 px (1 sigma) */
        out->halves_apart = out->halves_px > 0.5 && !(out->halves_px <= 3 * out->halves_sigma_px);
        int low = !(out->sigma_last_px <= 0.25) || out->halves_apart;
        qmap_log(in->o, "drift confidence: signal %s, contrast %.1f, residual rms %.3f px about the line "
                        "(uncertainty %.3f px at the last scan), first/second half of the rocking curve differ "
                        "by %.3f px at the last scan (noise alone: %.3f px)%s",
                 out->signal, out->contrast, out->resid_rms_px, out->sigma_last_px, out->halves_px,
                 out->halves_sigma_px,
                 low ? " -- LOW: check the drift figure; --shift DX,DY or --shift-counter override it" : "");
        out->low_confidence = low || (consecutive && !separated);
    }
    free(maps);
    free(work);
    free(step);
    return rc;
}
