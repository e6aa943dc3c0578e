/* scan_extra.c -- per-scan metadata that is optional in BLISS and XSOCS files: start and
 * end time (for series listings), and the positioners mu (outermost sample circle) and
 * mpxy/mpxz (detector translations, mm), which the geometry uses when recorded (issue 11).
 * A value that is present but unreadable is an error naming it; an absent one is not.
 */
#include "series_internal.h"
#include "h5util.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mean of the finite values of positioner `name` (scalar or array); *found = 0 if absent. */
static int positioner(hid_t scan, const char *file, const char *scan_name, const char *name,
                      double *v, int *found)
{
    char path[128];
    *found = 0;
    snprintf(path, sizeof path, "instrument/positioners/%s", name);
    if (!qmap_h5_exists(scan, path))
        return QMAP_OK;
    double *a = NULL;
    size_t n = 0;
    const char *why = NULL;
    int rc = qmap_h5_read_array(scan, path, &a, &n, &why);
    if (rc != QMAP_OK)
        return qmap_error(rc, "%s: scan %s: %s %s", file, scan_name, path, why ? why : "");
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(a[i])) {
            sum += a[i];
            k++;
        }
    free(a);
    if (k == 0)
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: %s has no finite value", file, scan_name,
                          path);
    *v = sum / (double)k;
    *found = 1;
    return QMAP_OK;
}

static void read_time(hid_t scan, const char *name, char *out, size_t size)
{
    if (!qmap_h5_exists(scan, name) ||
        qmap_h5_read_string(scan, name, out, size, NULL) != QMAP_OK)
        out[0] = '\0';
}

int qmap_scan_read_extra(hid_t scan, const char *file, const char *scan_name,
                         qmap_scan_info *s)
{
    read_time(scan, "start_time", s->start_time, sizeof s->start_time);
    read_time(scan, "end_time", s->end_time, sizeof s->end_time);
    int found = 0;
    double v = 0;
    int rc = positioner(scan, file, scan_name, "mu", &v, &found);
    s->mu = found ? v : 0.0;
    s->mu_recorded = found;
    if (rc == QMAP_OK)
        rc = positioner(scan, file, scan_name, "mpxy", &v, &found);
    s->mpxy = rc == QMAP_OK && found ? v : NAN;
    if (rc == QMAP_OK)
        rc = positioner(scan, file, scan_name, "mpxz", &v, &found);
    s->mpxz = rc == QMAP_OK && found ? v : NAN;
    return rc;
}
