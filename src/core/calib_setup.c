/* calib_setup.c -- choose, check, print and record the calibration values that go beyond
 * the XSOCS model (issue 11): the mu circle (recorded positioner, else 0; minus the mu
 * offset), the detector calibration angles detrot, tilt and tiltazimuth (options, default
 * 0 as in xrayutilities), and the detector translations mpxy/mpxz. The calibration
 * (centre pixel, distance) is taken to hold at the recorded detector position, so
 * mpxy/mpxz must not change within the processed scans: a change is refused, naming the
 * scans, rather than silently shifting the centre pixel.
 */
#include "calib_setup.h"
#include "log.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>

#define MPX_TOL_MM 1e-3   /* readback jitter of the detector translations */

/* The first scan whose value v differs from scan 0's (NaN = not recorded counts as a value). */
static int first_change(const qmap_dataset *ds, int which)
{
    int n = qmap_dataset_n_scans(ds);
    const qmap_scan_info *s0 = qmap_dataset_scan(ds, 0);
    double v0 = which ? s0->mpxz : s0->mpxy;
    for (int i = 1; i < n; i++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, i);
        double v = which ? s->mpxz : s->mpxy;
        if (isnan(v) != isnan(v0) || (!isnan(v) && fabs(v - v0) > MPX_TOL_MM))
            return i;
    }
    return -1;
}

static int check_translations(const qmap_process_options *o, const qmap_dataset *ds,
                              qmap_results *r)
{
    const qmap_scan_info *s0 = qmap_dataset_scan(ds, 0);
    for (int which = 0; which < 2; which++) {
        int i = first_change(ds, which);
        if (i < 0)
            continue;
        const qmap_scan_info *s = qmap_dataset_scan(ds, i);
        const char *name = which ? "mpxz" : "mpxy";
        return qmap_error(QMAP_ERR_VALUE, "%s: detector translation %s changes within the scans: "
                          "%g mm in scan %s, %g mm in scan %s; the centre pixel calibration "
                          "holds for one detector position: process the scans of each position "
                          "separately (--scans)", o->input, name, which ? s0->mpxz : s0->mpxy,
                          s0->name, which ? s->mpxz : s->mpxy, s->name);
    }
    if (isnan(s0->mpxy) && isnan(s0->mpxz)) {
        qmap_log(o, "detector translations mpxy/mpxz: not recorded");
        qmap_results_param(r, "detector_translation_mm", "not recorded");
    } else {
        qmap_log(o, "detector translations: mpxy %g mm, mpxz %g mm, the same in every scan "
                 "(the centre pixel is taken as calibrated at this position)", s0->mpxy, s0->mpxz);
        qmap_results_param(r, "detector_translation_mm", "mpxy=%g,mpxz=%g (constant over the scans)",
                           s0->mpxy, s0->mpxz);
    }
    return QMAP_OK;
}

int qmap_calib_choose(const qmap_process_options *o, const qmap_dataset *ds, qmap_results *r,
                      qmap_detector_calib *calib)
{
    int n = qmap_dataset_n_scans(ds), recorded = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, i);
        calib[i].mu = s->mu - o->offset_mu;
        calib[i].detrot = o->detrot;
        calib[i].tilt = o->tilt;
        calib[i].tiltazimuth = o->tiltazimuth;
        recorded += s->mu_recorded;
        lo = fmin(lo, calib[i].mu);
        hi = fmax(hi, calib[i].mu);
        int rc = qmap_detector_calib_validate(&calib[i]);
        if (rc != QMAP_OK)
            return rc;
    }
    const char *from = recorded == n ? "instrument/positioners/mu"
                     : recorded ? "instrument/positioners/mu where recorded, else 0" : "not recorded: 0";
    if (hi > lo)
        qmap_log(o, "mu %.4f .. %.4f deg (%s, offset %g subtracted)", lo, hi, from, o->offset_mu);
    else
        qmap_log(o, "mu %.4f deg (%s, offset %g subtracted)", lo, from, o->offset_mu);
    if (hi > lo)
        qmap_results_param(r, "mu_deg", "%.6f..%.6f (%s, offset %g)", lo, hi, from, o->offset_mu);
    else
        qmap_results_param(r, "mu_deg", "%.6f (%s, offset %g)", lo, from, o->offset_mu);
    qmap_log(o, "detector calibration angles: detrot %g, tilt %g, tiltazimuth %g deg (%s; "
             "xrayutilities init_area meaning)", o->detrot, o->tilt, o->tiltazimuth,
             o->detrot || o->tilt || o->tiltazimuth ? "--detrot/--tilt/--tiltazimuth"
                                                    : "default: ideal detector");
    qmap_results_param(r, "detector_calibration_deg", "detrot=%g,tilt=%g,tiltazimuth=%g",
                       o->detrot, o->tilt, o->tiltazimuth);
    return check_translations(o, ds, r);
}
