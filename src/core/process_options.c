/* process_options.c -- the options of qmap_process: defaults, checks, and setting an
 * option from its name and text value.
 *
 * One parser for every front end: the CLI's long options and the Python binding's
 * keyword arguments use the same names (energy, voi, bins, ...), values and error
 * messages, so a setting printed by `qmap process` can be pasted into either.
 */
#include "qmap/error.h"
#include "qmap/parse.h"
#include "qmap/process.h"
#include "process_options.h"
#include "bounds.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* n numbers / integers of option --key (qmap/parse.h, the parser the CLI uses too). */
static int numbers(const char *key, const char *s, char sep, int n, double *out)
{
    char what[80];
    snprintf(what, sizeof what, "--%s", key);
    return qmap_parse_numbers(what, s, sep, n, out);
}

static int integers(const char *key, const char *s, int n, int lo, int hi, int *out)
{
    char what[80];
    snprintf(what, sizeof what, "--%s", key);
    return qmap_parse_integers(what, s, n, lo, hi, out);
}

static int voi(const char *key, const char *s, double v[6])
{
    const char *p = s;
    for (int a = 0; a < 3; a++) {
        char *end;
        v[2 * a] = strtod(p, &end);
        if (end == p || *end != ':')
            goto bad;
        p = end + 1;
        v[2 * a + 1] = strtod(p, &end);
        if (end == p || *end != (a == 2 ? '\0' : ','))
            goto bad;
        p = end + 1;
        if (!isfinite(v[2 * a]) || !isfinite(v[2 * a + 1]) || !(v[2 * a] < v[2 * a + 1]))
            goto bad;
    }
    return QMAP_OK;
bad:
    return qmap_error(QMAP_ERR_VALUE, "--%s: '%s' must be QX0:QX1,QY0:QY1,QZ0:QZ1 (1/Angstrom, "
                                      "increasing ranges)", key, s);
}

static int offsets(const char *key, const char *s, qmap_process_options *o)
{
    const char *p = s;
    while (*p) {
        const char *eq = strchr(p, '=');
        size_t len = eq ? (size_t)(eq - p) : 0;
        double *dst = !eq ? NULL
                    : len == 3 && strncmp(p, "eta", 3) == 0 ? &o->offset_eta
                    : len == 3 && strncmp(p, "phi", 3) == 0 ? &o->offset_phi
                    : len == 2 && strncmp(p, "nu", 2) == 0 ? &o->offset_nu
                    : len == 5 && strncmp(p, "delta", 5) == 0 ? &o->offset_delta
                    : len == 2 && strncmp(p, "mu", 2) == 0 ? &o->offset_mu : NULL;
        if (!dst)
            return qmap_error(QMAP_ERR_VALUE, "--%s: '%s' must be NAME=DEGREES,... with NAME one of "
                                              "eta, phi, nu, delta, mu", key, s);
        char *end;
        errno = 0;
        *dst = strtod(eq + 1, &end);
        if (end == eq + 1 || (*end != ',' && *end != '\0') || errno == ERANGE || !isfinite(*dst))
            return qmap_error(QMAP_ERR_VALUE, "--%s: '%s': the value after '%.*s=' is not a finite number",
                              key, s, (int)len, p);
        p = *end ? end + 1 : end;
    }
    return QMAP_OK;
}

int qmap_process_set_option(qmap_process_options *o, const char *key, const char *value)
{
    if (!key || !value)
        return qmap_error(QMAP_ERR_VALUE, "option name or value missing");
    double v[2];
    int rc;
    if (strcmp(key, "detector") == 0) o->detector = value;
    else if (strcmp(key, "monitor") == 0) o->monitor = value;
    else if (strcmp(key, "mask") == 0) o->mask_file = value;
    else if (strcmp(key, "shift-counter") == 0) o->shift_counter = value;
    else if (strcmp(key, "energy") == 0) return numbers(key, value, ',', 1, &o->energy_ev);
    else if (strcmp(key, "distance") == 0) return numbers(key, value, ',', 1, &o->distance_m);
    else if (strcmp(key, "pixel-size") == 0) return numbers(key, value, ',', 1, &o->pixel_m);
    else if (strcmp(key, "hot-fraction") == 0) return numbers(key, value, ',', 1, &o->hot_fraction);
    else if (strcmp(key, "dref") == 0) return numbers(key, value, ',', 1, &o->dref);
    else if (strcmp(key, "threshold") == 0) return numbers(key, value, ',', 1, &o->mask_threshold);
    else if (strcmp(key, "saturation") == 0) return numbers(key, value, ',', 1, &o->saturation);
    else if (strcmp(key, "offset") == 0) return offsets(key, value, o);
    /* issue 11 */
    else if (strcmp(key, "scans") == 0) o->scans = value;
    else if (strcmp(key, "gap-layout") == 0) o->gap_layout = value;
    else if (strcmp(key, "detrot") == 0) return numbers(key, value, ',', 1, &o->detrot);
    else if (strcmp(key, "tilt") == 0) return numbers(key, value, ',', 1, &o->tilt);
    else if (strcmp(key, "tiltazimuth") == 0) return numbers(key, value, ',', 1, &o->tiltazimuth);
    else if (strcmp(key, "gap-correction") == 0) {
        if (strcmp(value, "on") && strcmp(value, "off") && strcmp(value, "1") && strcmp(value, "0"))
            return qmap_error(QMAP_ERR_VALUE, "--gap-correction: '%s' must be on or off", value);
        o->no_gap_correction = !(!strcmp(value, "on") || !strcmp(value, "1"));
    }
    else if (strcmp(key, "threads") == 0) return integers(key, value, 1, 1, 1024, &o->threads);
    else if (strcmp(key, "center") == 0) {
        if ((rc = numbers(key, value, ',', 2, v)) < 0)
            return rc;
        o->center_row = v[0];
        o->center_col = v[1];
    } else if (strcmp(key, "shift") == 0) {
        if (strcmp(value, "auto") == 0) o->shift_mode = QMAP_SHIFT_AUTO;
        else if (strcmp(value, "none") == 0) o->shift_mode = QMAP_SHIFT_NONE;
        else {
            if ((rc = numbers(key, value, ',', 2, v)) < 0)
                return qmap_error(rc, "--shift: '%s' must be auto, none or DX,DY (micrometres per scan)", value);
            o->shift_mode = QMAP_SHIFT_MANUAL;
            o->shift_dx_um = v[0];
            o->shift_dy_um = v[1];
        }
    } else if (strcmp(key, "shift-signal") == 0) {   /* drift (issue 12) */
        static const char *names[] = {"auto", "counter", "off-bragg", "bragg"};
        int k = 0;
        while (k < 4 && strcmp(value, names[k]) != 0)
            k++;
        if (k == 4)
            return qmap_error(QMAP_ERR_VALUE, "--shift-signal: '%s' must be auto, counter, off-bragg or bragg", value);
        o->shift_signal = (qmap_drift_signal)k;
    } else if (strcmp(key, "shift-apply") == 0) {   /* drift (issue 12) */
        if (strcmp(value, "nearest") == 0) o->shift_subpixel = 0;
        else if (strcmp(value, "interpolate") == 0) o->shift_subpixel = 1;
        else return qmap_error(QMAP_ERR_VALUE, "--shift-apply: '%s' must be nearest or interpolate", value);
    } else if (strcmp(key, "quick-look") == 0) {   /* issue 18 */
        if (strcmp(value, "full") == 0) o->quicklook_full = 1;
        else if (strcmp(value, "sample") == 0) o->quicklook_full = 0;
        else return qmap_error(QMAP_ERR_VALUE, "--quick-look: '%s' must be sample or full", value);
    } else if (strcmp(key, "background") == 0) {   /* the flat background (peak_maps.c) */
        if (strcmp(value, "faces") == 0) o->background_faces = 1;
        else if (strcmp(value, "none") == 0) o->background_faces = 0;
        else return qmap_error(QMAP_ERR_VALUE, "--background: '%s' must be none or faces", value);
    } else if (strcmp(key, "voi") == 0) {
        if ((rc = voi(key, value, o->voi)) < 0)
            return rc;
        o->voi_set = 1;
    } else if (strcmp(key, "bins") == 0) {
        if ((rc = integers(key, value, 3, 2, 1000, o->bins)) < 0)
            return rc;
        o->bins_set = 1;
    } else if (strcmp(key, "hkl") == 0) {
        if ((rc = integers(key, value, 3, -1000, 1000, o->hkl)) < 0)
            return rc;
        if (!o->hkl[0] && !o->hkl[1] && !o->hkl[2])
            return qmap_error(QMAP_ERR_VALUE, "--hkl: 0,0,0 is not a reflection");
        o->hkl_set = 1;
    } else if (strcmp(key, "hot-pixels") == 0) {
        if (strcmp(value, "on") && strcmp(value, "off") && strcmp(value, "1") && strcmp(value, "0"))
            return qmap_error(QMAP_ERR_VALUE, "--hot-pixels: '%s' must be on or off", value);
        o->hot_pixels = !strcmp(value, "on") || !strcmp(value, "1");
    } else if (strcmp(key, "save-qspace") == 0) {
        if (strcmp(value, "on") && strcmp(value, "off") && strcmp(value, "1") && strcmp(value, "0"))
            return qmap_error(QMAP_ERR_VALUE, "--save-qspace: '%s' must be on or off", value);
        o->save_qspace = !strcmp(value, "on") || !strcmp(value, "1");
    } else if (strcmp(key, "skip-bad-scans") == 0) {
        if (strcmp(value, "on") && strcmp(value, "off") && strcmp(value, "1") && strcmp(value, "0"))
            return qmap_error(QMAP_ERR_VALUE, "--skip-bad-scans: '%s' must be on or off", value);
        o->skip_bad_scans = !strcmp(value, "on") || !strcmp(value, "1");
    } else {
        return qmap_error(QMAP_ERR_VALUE, "unknown option '%s'", key);
    }
    return QMAP_OK;
}

void qmap_process_defaults(qmap_process_options *o)
{
    memset(o, 0, sizeof *o);
    o->energy_ev = o->distance_m = o->pixel_m = o->center_row = o->center_col = NAN;
    o->hot_pixels = 1;
    o->hot_fraction = 0.9;
    o->shift_mode = QMAP_SHIFT_AUTO;
    o->shift_subpixel = 1;   /* drift (issue 12): better maps on the simulated cases (README, drift) */
    o->dref = NAN;
    o->mask_threshold = NAN;
    o->saturation = NAN;
}

int qmap_check_process_options(const qmap_process_options *o)
{
    const double v[] = {o->energy_ev, o->distance_m, o->pixel_m};
    const char *names[] = {"--energy", "--distance", "--pixel-size"};
    for (int i = 0; i < 3; i++)
        if (!isnan(v[i]) && !(isfinite(v[i]) && v[i] > 0))
            return qmap_error(QMAP_ERR_VALUE, "%s must be a positive finite number, got %g", names[i], v[i]);
    if (!(o->hot_fraction > 0 && o->hot_fraction <= 1))
        return qmap_error(QMAP_ERR_VALUE, "hot-pixel fraction must be in (0, 1], got %g", o->hot_fraction);
    if (o->bins_set)
        for (int a = 0; a < 3; a++)
            if (o->bins[a] < 2 || o->bins[a] > 1000)
                return qmap_error(QMAP_ERR_VALUE, "--bins: each count must be 2..1000, got %d", o->bins[a]);
    if (o->voi_set)
        for (int a = 0; a < 3; a++)
            if (!(isfinite(o->voi[2 * a]) && isfinite(o->voi[2 * a + 1]) && o->voi[2 * a] < o->voi[2 * a + 1]))
                return qmap_error(QMAP_ERR_VALUE, "--voi: range %d (%g:%g) must be finite and increasing",
                                  a, o->voi[2 * a], o->voi[2 * a + 1]);
    if (o->shift_mode == QMAP_SHIFT_MANUAL && !(isfinite(o->shift_dx_um) && isfinite(o->shift_dy_um)))
        return qmap_error(QMAP_ERR_VALUE, "--shift DX,DY must be finite micrometres per scan");
    if (!isnan(o->saturation) && !(isfinite(o->saturation) && o->saturation > 0))
        return qmap_error(QMAP_ERR_VALUE, "--saturation must be a positive finite count, got %g", o->saturation);
    if (!isnan(o->dref) && !(isfinite(o->dref) && o->dref > 0))
        return qmap_error(QMAP_ERR_VALUE, "--dref must be a positive d-spacing in Angstrom, got %g", o->dref);
    return qmap_bounds_check_options(o);   /* physical ranges (bounds.c) */
}
