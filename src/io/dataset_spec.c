/* dataset_spec.c -- SPEC-era input: the SXDM map scans of a SPEC file as qmap_scan_info.
 *
 * A map scan is a #S line whose command is pscan (ID01 writes "_pscando"/"pscan"), kmap,
 * sxdm or mesh with the SPEC-like title "cmd m0 s e n m1 s e n t"; the pscan family is
 * parsed as kmap (same argument layout, n = number of points) and keeps its own name.
 * Per scan: calibration from #UDETCALIB/#UMONO, angles from #O/#P (qmap_spec_*), frames =
 * data lines, recorded positions from the piezo counter columns with ID01's swapped names
 * (pix -> adcY, piy -> adcX, piz -> adcZ; docs/sxdm-reference.md 1.1), else a column named
 * like the motor, else the nominal grid. The detector shape comes from the first EDF
 * frame; when the frames are absent it is the known shape of the #ULIMA_<det> detector
 * (the frame reader then reports the missing file). Scans without data lines are skipped.
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "qmap/spec.h"
#include "dataset_internal.h"
#include "series_internal.h"   /* series (issue 11) */
#include "frames_edf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MAP_POINTS 100000000L

/* Parse a SPEC #S command as a map title; QMAP_OK when it is one. */
static int parse_spec_title(const char *command, qmap_scan_title *t)
{
    char word[QMAP_NAME_MAX];
    size_t n = 0;
    while (command[n] && command[n] != ' ' && command[n] != '\t' && n + 1 < sizeof word) {
        word[n] = command[n];
        n++;
    }
    word[n] = '\0';
    const char *w = word;
    while (*w == '_')
        w++;
    if (strncmp(w, "pscan", 5) != 0)
        return qmap_parse_scan_title(command, t);
    char buf[1024];
    snprintf(buf, sizeof buf, "kmap%s", command + n);
    int rc = qmap_parse_scan_title(buf, t);
    if (rc == QMAP_OK)
        snprintf(t->command, sizeof t->command, "%s", word);
    return rc;
}

/* Column holding the recorded position of `motor`, or -1. */
static int position_column(const qmap_spec_scan *s, const char *motor)
{
    static const char *const swapped[][2] = {{"pix", "adcY"}, {"piy", "adcX"}, {"piz", "adcZ"}};
    for (size_t i = 0; i < sizeof swapped / sizeof swapped[0]; i++) {
        if (strcmp(motor, swapped[i][0]) == 0) {
            int c = qmap_spec_column(s, swapped[i][1]);
            if (c >= 0)
                return c;
        }
    }
    return qmap_spec_column(s, motor);
}

static int copy_column(const qmap_spec_scan *s, int col, double *dst, size_t npts, int positive)
{
    size_t m = (size_t)s->n_rows < npts ? (size_t)s->n_rows : npts;
    int any = 0;
    for (size_t i = 0; i < m; i++) {
        double v = s->data[i * (size_t)s->n_columns + (size_t)col];
        if (isfinite(v) && (!positive || v > 0)) {
            dst[i] = v;
            any = 1;
        }
    }
    return any;
}

/* Counter column `name` as n_fast*n_slow values (NaN padded). */
static int read_counter(const qmap_spec_scan *s, const char *file, const char *name,
                        const char *role, int positive, double **dst, size_t npts)
{
    int c = qmap_spec_column(s, name);
    if (c < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: %s counter '%s' not found (no such "
                          "#L column)", file, s->number, role, name);
    double *v = malloc(npts * sizeof *v);
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the %s", file, role);
    for (size_t i = 0; i < npts; i++)
        v[i] = NAN;
    copy_column(s, c, v, npts, positive);
    *dst = v;
    return QMAP_OK;
}

static int detector_shape(const char *path, const qmap_spec_scan *s, qmap_scan_info *info,
                          const qmap_open_options *opt)
{
    qmap_spec_images img;
    int rc = qmap_spec_images_find(path, s, opt->detector, &img);
    if (rc != QMAP_OK)
        return rc;
    snprintf(info->detector, sizeof info->detector, "%s", img.detector[0] ? img.detector : "edf");
    qmap_edf_frames *r = NULL;
    rc = qmap_edf_frames_open(path, info->name, opt->detector, &r);
    if (rc == QMAP_OK) {
        qmap_edf_frames_shape(r, &info->geom.n_rows, &info->geom.n_cols);
        qmap_edf_frames_close(r);
        return QMAP_OK;
    }
    if (rc == QMAP_ERR_IO &&
        qmap_known_detector_shape(img.detector, &info->geom.n_rows, &info->geom.n_cols) == QMAP_OK) {
        qmap_error_clear();
        return QMAP_OK;   /* frames absent: metadata only, reading will name the file */
    }
    return rc;
}

static int read_spec_scan(const char *path, const qmap_spec_scan *s,
                          const qmap_open_options *opt, qmap_scan_info *info)
{
    const qmap_scan_title *t = &info->title;
    long npts = (long)t->n_fast * (long)t->n_slow;
    if (npts > MAX_MAP_POINTS)
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: map of %d x %d points is too large",
                          path, info->name, t->n_fast, t->n_slow);
    info->n_frames = (int)(s->n_rows < npts ? s->n_rows : npts);
    int rc = detector_shape(path, s, info, opt);
    if (rc == QMAP_OK)
        rc = qmap_spec_calibration(s, path, &info->geom);
    if (rc == QMAP_OK && (rc = qmap_geometry_validate(&info->geom)) != QMAP_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", qmap_error_message());
        rc = qmap_error(rc, "%s: scan %s: %s", path, info->name, msg);
    }
    if (rc == QMAP_OK)
        rc = qmap_spec_angles(s, path, &info->angles);
    if (rc == QMAP_OK)
        rc = qmap_scan_nominal_positions(info);
    if (rc == QMAP_OK) {
        int cx = position_column(s, t->fast_motor), cy = position_column(s, t->slow_motor);
        int rx = cx >= 0 && copy_column(s, cx, info->x, (size_t)npts, 0);
        int ry = cy >= 0 && copy_column(s, cy, info->y, (size_t)npts, 0);
        info->positions_recorded = rx || ry;
    }
    if (rc == QMAP_OK && opt->monitor)
        rc = read_counter(s, path, opt->monitor, "monitor", 1, &info->monitor, (size_t)npts);
    if (rc == QMAP_OK && opt->shift_counter)
        rc = read_counter(s, path, opt->shift_counter, "shift", 0, &info->shift_counter,
                          (size_t)npts);
    return rc;
}

int qmap_dataset_read_spec(qmap_dataset *ds, const char *path, const qmap_open_options *opt)
{
    qmap_spec_file *sf = NULL;
    int rc = qmap_spec_open(path, &sf);
    if (rc != QMAP_OK)
        return rc;
    int n = qmap_spec_n_scans(sf), n_maps = 0;
    for (int i = 0; i < n && rc == QMAP_OK; i++) {
        const qmap_spec_scan *s = qmap_spec_scan_at(sf, i);
        qmap_scan_title t;
        char name[QMAP_NAME_MAX];
        snprintf(name, sizeof name, "%d.%d", s->number, s->occurrence);
        if (!qmap_dataset_wants(ds, s->number))   /* series (issue 11): --scans */
            continue;
        if (s->number < 0 || s->n_rows == 0 || parse_spec_title(s->command, &t) != QMAP_OK) {
            qmap_dataset_add_skipped(ds);
            rc = qmap_dataset_note_other(ds, name, s->number, s->command,   /* series (issue 11) */
                                         s->n_rows == 0 ? "no data" : "not an SXDM map");
            continue;
        }
        qmap_scan_info *info = qmap_dataset_append_scan(ds);
        if (!info) {
            rc = qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the scan list", path);
            break;
        }
        snprintf(info->name, sizeof info->name, "%s", name);
        info->number = s->number;
        info->title = t;
        info->mpxy = info->mpxz = NAN;   /* series (issue 11) */
        rc = read_spec_scan(path, s, opt, info);
        if (rc != QMAP_OK && opt->listing && rc != QMAP_ERR_NOMEM)   /* series (issue 11) */
            rc = qmap_dataset_drop_failed(ds, name, s->number, s->command);
        n_maps++;
    }
    if (rc == QMAP_OK && n_maps == 0 && !opt->listing && !opt->scans)
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: no SXDM map scan (pscan/kmap/sxdm/mesh with data) "
                        "among %d SPEC scans", path, n);
    qmap_spec_close(sf);
    return rc;
}
