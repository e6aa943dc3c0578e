/* monitor_check.c -- what running without --monitor means for the data at hand.
 *
 * Why: qmap normalises the frames by a monitor only when told which counter it is (a file
 * has several: mon1 before the sample, mon2 elsewhere ...), so by default the frames carry
 * the incident flux as it was. On a stable beam (a real ID01 file: mon1 varies by 0.1 %)
 * that is harmless; with a beam that moved by several per cent the intensity maps, and each
 * position's rocking curve across the scans, carry that variation, and nothing said so. Here
 * the scans' monitor-like counters (names beginning with "mon") are read once and their
 * variation over the frames (rms / mean) is logged and recorded, with a WARNING above
 * QMAP_MONITOR_VARIATION_SAID.
 */
#include "setup.h"
#include "h5util.h"
#include "log.h"
#include "qmap/error.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COUNTERS 256
#define MAX_MONITORS 8

static int monitor_like(const char *name)
{
    return tolower((unsigned char)name[0]) == 'm' && tolower((unsigned char)name[1]) == 'o' &&
           tolower((unsigned char)name[2]) == 'n' && !strstr(name, "_position");
}

/* rms / mean over the positive readings of counter `name` in every scan (NaN: none). */
static double variation(hid_t f, const pipeline *P, const char *name)
{
    double mean = 0, m2 = 0, n = 0;
    for (int s = 0; s < P->n_scans; s++) {
        char path[512];
        snprintf(path, sizeof path, "%s/measurement/%s", qmap_dataset_scan(P->ds, s)->name, name);
        double *v = NULL;
        size_t nv = 0;
        const char *why = NULL;
        if (qmap_h5_read_array(f, path, &v, &nv, &why) < 0) {
            free(v);
            return NAN;   /* not in every scan: not a monitor of this map */
        }
        for (size_t i = 0; i < nv && i < (size_t)P->n_pos; i++)
            if (isfinite(v[i]) && v[i] > 0) {   /* Welford */
                n += 1;
                double d = v[i] - mean;
                mean += d / n;
                m2 += d * (v[i] - mean);
            }
        free(v);
    }
    return n > 1 && mean > 0 ? sqrt(m2 / n) / mean : NAN;
}

void qmap_check_unnormalised(pipeline *P)
{
    char (*names)[128] = malloc(MAX_COUNTERS * sizeof *names);
    char path[256];
    snprintf(path, sizeof path, "%s/measurement", qmap_dataset_scan(P->ds, 0)->name);
    int n = names ? qmap_h5_list_1d(P->o->input, path, names, MAX_COUNTERS) : -1, m = 0;
    for (int i = 0; i < n && m < MAX_MONITORS; i++)
        if (monitor_like(names[i]))
            memmove(names[m++], names[i], sizeof *names);
    qmap_h5_quiet q;
    hid_t f = H5I_INVALID_HID;
    if (m > 0) {
        qmap_h5_quiet_begin(&q);
        if (qmap_h5_open_file(P->o->input, &f) < 0)
            m = 0;
    }
    char list[MAX_MONITORS * 160] = "";
    double worst = 0;
    int listed = 0;
    for (int i = 0; i < m; i++) {
        double r = variation(f, P, names[i]);
        if (!isfinite(r))
            continue;
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s %.2f %%", listed++ ? ", " : "", names[i], 100 * r);
        worst = r > worst ? r : worst;
    }
    if (m > 0) {
        H5Fclose(f);
        qmap_h5_quiet_end(&q);
    }
    free(names);
    qmap_error_clear();
    if (!listed)
        return;
    if (worst > QMAP_MONITOR_VARIATION_SAID)
        qmap_log(P->o, "WARNING: no --monitor: the frames are not normalised by the incident flux, which varied "
                       "(monitor counters, rms / mean over the frames: %s): the intensity maps and each "
                       "position's rocking curve carry it; --monitor NAME scales every frame by <NAME>/NAME",
                 list);
    else
        qmap_log(P->o, "monitor: none (frames not normalised; monitor counters, rms / mean over the frames: %s; "
                       "--monitor NAME to normalise)", list);
    qmap_results_param(P->r, "monitor", "none (not normalised; counters, rms / mean over the frames: %s)", list);
}
