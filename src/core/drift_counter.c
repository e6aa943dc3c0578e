/* drift_counter.c -- find a Bragg-independent counter in a scan's measurement/ group.
 *
 * Why: a fluorescence ROI does not move with eta, whatever the lattice tilt, so it is
 * the best signal to measure the drift on; users rarely know its name in the file.
 * At ID01 such counters come from the Falcon/XIA/MCA fluorescence electronics, named
 * after the device and channel (falconx_det0_Ni, xia_det0_roi1, mca_det0_fluo, fluo,
 * xrf_Ni ...). Counters derived from the diffraction detector (mpx1x4_roi1,
 * mpx1x4_mpx4int) carry the same tilt bias as the Bragg maps and are never taken;
 * neither are monitors, timers and positioners. Only 1D datasets qualify (MCA spectra
 * are 2D). The caller still checks the counter's contrast before using it.
 */
#include "drift_measure.h"
#include "h5util.h"
#include "qmap/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int contains_ci(const char *s, const char *pat)
{
    size_t n = strlen(pat);
    for (; *s; s++) {
        size_t i = 0;
        while (i < n && s[i] && tolower((unsigned char)s[i]) == pat[i])
            i++;
        if (i == n)
            return 1;
    }
    return 0;
}

int qmap_drift_counter_name_ok(const char *name, const char *detector)
{
    static const char *fluo[] = {"fluo", "xrf", "falcon", "mca", "xia", "det0", "det1", "xmap", "ketek"};
    static const char *never[] = {"_position", "mon", "epoch", "elapsed", "time", "dead", "live",
                                  "trigger", "exposure", "current", "diode"};
    if (detector && detector[0] && strncmp(name, detector, strlen(detector)) == 0)
        return 0;
    for (size_t i = 0; i < sizeof never / sizeof *never; i++)
        if (contains_ci(name, never[i]) && !contains_ci(name, "fluo"))
            return 0;
    for (size_t i = 0; i < sizeof fluo / sizeof *fluo; i++)
        if (contains_ci(name, fluo[i]))
            return 1;
    return 0;
}

int qmap_drift_counter_candidates(const char *file, const char *scan, const char *detector,
                                  char names[][128], int max)
{
    char path[256];
    snprintf(path, sizeof path, "%s/measurement", scan);
    int all = qmap_h5_list_1d(file, path, names, max);
    int n = 0;
    for (int i = 0; i < all; i++)
        if (qmap_drift_counter_name_ok(names[i], detector))
            memmove(names[n++], names[i], 128);
    return all < 0 ? all : n;
}

int qmap_drift_counter_read(const char *file, const char *scan, const char *name, double *v, int n)
{
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t f;
    int rc = qmap_h5_open_file(file, &f);
    if (rc < 0) {
        qmap_h5_quiet_end(&q);
        return rc;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/measurement/%s", scan, name);
    double *a = NULL;
    size_t na = 0;
    const char *why = NULL;
    rc = qmap_h5_read_array(f, path, &a, &na, &why);
    H5Fclose(f);
    qmap_h5_quiet_end(&q);
    if (rc < 0)
        return qmap_error(rc, "%s: %s %s", file, path, why ? why : "cannot be read");
    for (int i = 0; i < n; i++)
        v[i] = (size_t)i < na && isfinite(a[i]) ? a[i] : NAN;
    free(a);
    return QMAP_OK;
}
