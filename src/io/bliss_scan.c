/* bliss_scan.c -- the metadata of one BLISS map scan, and the detector mask of a BLISS file.
 *
 * For each map scan we read the detector shape (never the frames), the calibration,
 * the angles, the recorded piezo positions (nominal grid as fallback) and optionally
 * a monitor counter (docs/sxdm-reference.md 1.1-1.2). Every failure is one message naming
 * the file, scan and dataset. The per-scan readers here are also used by xsocs_input.c
 * (detector shapes, nominal positions); dataset_open.c calls qmap_bliss_read_scan for
 * every scan group that is not an XSOCS entry.
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"
#include "h5util.h"
#include "frames_edf.h"
#include "series_internal.h"   /* series (issue 11) */

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN 256
/* More map points than this (10^4 x 10^4) is treated as a corrupt title. */
#define MAX_MAP_POINTS 100000000L

const char *const qmap_known_detectors[] = {"mpx1x4", "mpxgaas", "eiger2M", "merlin"};
const int qmap_n_known_detectors = 4;

/* Where we are, for error messages. */
typedef struct {
    const char *file;
    const char *scan;
} where;

/* "F: scan S: missing P" or "F: scan S: P <why>". */
static int fail_at(int code, const where *w, const char *path, const char *why)
{
    if (!why || strcmp(why, "is missing") == 0)
        return qmap_error(code, "%s: scan %s: missing %s", w->file, w->scan, path);
    return qmap_error(code, "%s: scan %s: %s %s", w->file, w->scan, path, why);
}

/* Prefix the current qmap error message with the file and scan. */
static int wrap_error(int code, const where *w)
{
    char msg[768];
    snprintf(msg, sizeof msg, "%s", qmap_error_message());
    return qmap_error(code, "%s: scan %s: %s", w->file, w->scan, msg);
}

/* A name that can be used as one HDF5 path component. */
static int valid_component(const char *s)
{
    return s && *s && strlen(s) < QMAP_NAME_MAX && !strchr(s, '/') &&
           strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

/* ---------------------------------------------------------------- calibration */

int qmap_scan_read_calibration(hid_t scan, const char *file, const char *scan_name,
                               const char *det, qmap_detector_geometry *g)
{
    where w = {file, scan_name};
    struct { const char *key; double *dst; } f[] = {
        {"beam_center_x", &g->center_col}, {"beam_center_y", &g->center_row},
        {"distance", &g->distance_m},      {"x_pixel_size", &g->pixel_col_m},
        {"y_pixel_size", &g->pixel_row_m},
    };
    char path[PATH_LEN];
    const char *why = NULL;
    if (!valid_component(det))
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: invalid detector name", file, scan_name);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        snprintf(path, sizeof path, "instrument/%s/%s", det, f[i].key);
        int rc = qmap_h5_read_scalar(scan, path, f[i].dst, &why);
        if (rc != QMAP_OK)
            return fail_at(rc, &w, path, why);
    }

    const char *energy_path = "instrument/monochromator/Energy";
    int rc = qmap_h5_read_scalar(scan, energy_path, &g->energy_ev, &why);
    if (rc == QMAP_OK)
        return QMAP_OK;
    if (strcmp(why, "is missing") != 0)
        return fail_at(rc, &w, energy_path, why);

    const char *wl_path = "instrument/monochromator/WaveLength";
    double wl;
    rc = qmap_h5_read_scalar(scan, wl_path, &wl, &why);
    if (rc == QMAP_OK) {
        if (!(wl > 0) || !isfinite(wl))
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: %s is %g, not a wavelength (m)",
                              file, scan_name, wl_path, wl);
        g->energy_ev = QMAP_HC_EV_ANGSTROM / (wl * 1e10);
        return QMAP_OK;
    }
    if (strcmp(why, "is missing") != 0)
        return fail_at(rc, &w, wl_path, why);

    const char *nrj_path = "instrument/positioners/nrj";
    double kev;
    rc = qmap_h5_read_scalar(scan, nrj_path, &kev, &why);
    if (rc == QMAP_OK) {
        g->energy_ev = kev * 1000.0;
        return QMAP_OK;
    }
    if (strcmp(why, "is missing") != 0)
        return fail_at(rc, &w, nrj_path, why);
    return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: missing %s (and no WaveLength, "
                      "no instrument/positioners/nrj)", file, scan_name, energy_path);
}

/* ---------------------------------------------------------------- angles */

/* Mean of the finite values of positioner `name`; *found = 0 when it is absent. */
static int read_angle(hid_t scan, const where *w, const char *name, double *v, int *found)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "instrument/positioners/%s", name);
    *found = 0;
    if (!qmap_h5_exists(scan, path))
        return QMAP_OK;
    double *a = NULL;
    size_t n = 0;
    const char *why = NULL;
    int rc = qmap_h5_read_array(scan, path, &a, &n, &why);
    if (rc != QMAP_OK)
        return fail_at(rc, w, path, why);
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(a[i])) {
            sum += a[i];
            k++;
        }
    }
    free(a);
    if (k == 0)
        return fail_at(QMAP_ERR_VALUE, w, path, n ? "has no finite value" : "is empty");
    *v = sum / (double)k;
    *found = 1;
    return QMAP_OK;
}

int qmap_scan_read_angles(hid_t scan, const char *file, const char *scan_name,
                          qmap_angles *a)
{
    where w = {file, scan_name};
    /* eta and delta define the measurement and must be present; phi and nu are often
     * not motorised on a given setup, so a missing one reads as 0 degrees. */
    struct { const char *name; double *dst; int required; } f[] = {
        {"eta", &a->eta, 1}, {"phi", &a->phi, 0}, {"nu", &a->nu, 0}, {"delta", &a->delta, 1},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        int found = 0;
        *f[i].dst = 0.0;
        int rc = read_angle(scan, &w, f[i].name, f[i].dst, &found);
        if (rc != QMAP_OK)
            return rc;
        if (!found && f[i].required)
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: missing instrument/positioners/%s",
                              file, scan_name, f[i].name);
    }
    return QMAP_OK;
}

/* ---------------------------------------------------------------- detector */

int qmap_scan_detector_shape(hid_t scan, const char *file, const char *scan_name,
                             const char *det, int *n_frames, int *rows, int *cols)
{
    where w = {file, scan_name};
    char path[PATH_LEN];
    snprintf(path, sizeof path, "measurement/%s", det);
    int rank = 0;
    hsize_t dims[8] = {0};
    const char *why = NULL;
    int rc = qmap_h5_shape(scan, path, 8, &rank, dims, &why);
    if (rc != QMAP_OK && strcmp(why, "has too many dimensions") != 0)
        return fail_at(rc, &w, path, why);
    if (rc != QMAP_OK || rank != 3)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: %s has %d dimensions, expected 3 "
                          "(frames, rows, cols)", file, scan_name, path, rank);
    if (dims[0] > INT_MAX || dims[1] == 0 || dims[2] == 0 || dims[1] > 100000 ||
        dims[2] > 100000)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: %s has an absurd shape %llu x %llu x %llu",
                          file, scan_name, path, (unsigned long long)dims[0],
                          (unsigned long long)dims[1], (unsigned long long)dims[2]);
    *n_frames = (int)dims[0];
    *rows = (int)dims[1];
    *cols = (int)dims[2];
    return QMAP_OK;
}

/* The detector to use: the one asked for, else the first known one present. */
static int pick_detector(hid_t scan, const where *w, const char *want, char *det)
{
    char path[PATH_LEN];
    if (want) {
        if (!valid_component(want))
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: invalid detector name '%.80s'",
                              w->file, w->scan, want);
        snprintf(path, sizeof path, "measurement/%s", want);
        if (!qmap_h5_exists(scan, path))
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: detector '%s' not found "
                              "(no measurement/%s)", w->file, w->scan, want, want);
        snprintf(det, QMAP_NAME_MAX, "%s", want);
        return QMAP_OK;
    }
    for (int i = 0; i < qmap_n_known_detectors; i++) {
        snprintf(path, sizeof path, "measurement/%s", qmap_known_detectors[i]);
        if (qmap_h5_exists(scan, path)) {
            snprintf(det, QMAP_NAME_MAX, "%s", qmap_known_detectors[i]);
            return QMAP_OK;
        }
    }
    return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: no known detector (mpx1x4, mpxgaas, "
                      "eiger2M, merlin) in measurement/; name it with the detector option",
                      w->file, w->scan);
}

/* ---------------------------------------------------------------- positions */

/* Nominal grid value of flat index i along the fast (col) or slow (row) axis. */
static void nominal_axis(const qmap_scan_title *t, int fast, double *dst, size_t npts)
{
    int n = fast ? t->n_fast : t->n_slow;
    double s = fast ? t->fast_start : t->slow_start;
    double e = fast ? t->fast_end : t->slow_end;
    for (size_t i = 0; i < npts; i++) {
        size_t k = fast ? i % (size_t)t->n_fast : i / (size_t)t->n_fast;
        dst[i] = n > 1 ? s + (e - s) * (double)k / (double)(n - 1) : s;
    }
}

/* Recorded positions of `motor` into dst (which holds the nominal grid); 1 if found.
 * BLISS has stored them as measurement/<m>_position, measurement/<m>,
 * instrument/<m>_position/value, or as the array instrument/positioners/<m> (or
 * instrument/<m>/value) of the scanned motor; a scalar there is just where the motor
 * stood, not a recorded trajectory. Non-finite recorded values keep the grid value. */
static int recorded_axis(hid_t scan, const char *motor, double *dst, size_t npts)
{
    static const struct { const char *fmt; int array_only; } cand[] = {
        {"measurement/%s_position", 0},
        {"measurement/%s", 0},
        {"instrument/%s_position/value", 0},
        {"instrument/positioners/%s", 1},
        {"instrument/%s/value", 1},
    };
    char path[PATH_LEN];
    for (size_t c = 0; c < sizeof cand / sizeof cand[0]; c++) {
        snprintf(path, sizeof path, cand[c].fmt, motor);
        if (!qmap_h5_exists(scan, path))
            continue;
        int rank = 0;
        hsize_t dims[8];
        if (qmap_h5_shape(scan, path, 8, &rank, dims, NULL) != QMAP_OK || rank == 0)
            continue;   /* scalar: the motor's position, not a scanned array */
        double *a = NULL;
        size_t n = 0;
        if (qmap_h5_read_array(scan, path, &a, &n, NULL) != QMAP_OK || n == 0) {
            free(a);
            continue;
        }
        if (cand[c].array_only && (n > npts || (n < 2 && npts > 1))) {
            free(a);
            continue;
        }
        size_t m = n < npts ? n : npts;
        for (size_t i = 0; i < m; i++)
            if (isfinite(a[i]))
                dst[i] = a[i];
        free(a);
        return 1;
    }
    return 0;
}

static int read_positions(hid_t scan, qmap_scan_info *s, size_t npts)
{
    s->x = malloc(npts * sizeof *s->x);
    s->y = malloc(npts * sizeof *s->y);
    if (!s->x || !s->y)
        return qmap_error(QMAP_ERR_NOMEM, "scan %s: no memory for %zu positions", s->name, npts);
    nominal_axis(&s->title, 1, s->x, npts);
    nominal_axis(&s->title, 0, s->y, npts);
    int rx = recorded_axis(scan, s->title.fast_motor, s->x, npts);
    int ry = recorded_axis(scan, s->title.slow_motor, s->y, npts);
    /* 1 when at least one axis was recorded; an axis not recorded keeps the grid. */
    s->positions_recorded = rx || ry;
    return QMAP_OK;
}

int qmap_scan_nominal_positions(qmap_scan_info *s)
{
    size_t npts = (size_t)s->title.n_fast * (size_t)s->title.n_slow;
    s->x = malloc(npts * sizeof *s->x);
    s->y = malloc(npts * sizeof *s->y);
    if (!s->x || !s->y)
        return qmap_error(QMAP_ERR_NOMEM, "scan %s: no memory for %zu positions", s->name, npts);
    nominal_axis(&s->title, 1, s->x, npts);
    nominal_axis(&s->title, 0, s->y, npts);
    return QMAP_OK;
}

int qmap_known_detector_shape(const char *name, int *rows, int *cols)
{
    static const struct { const char *name; int rows, cols; } known[] = {
        {"mpx1x4", 516, 516}, {"mpx4", 516, 516}, {"mpxgaas", 516, 516}, {"maxipix", 516, 516},
        {"merlin", 515, 515}, {"eiger2M", 2164, 1030}, {"ei2m", 2164, 1030},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (name && strcmp(name, known[i].name) == 0) {
            *rows = known[i].rows;
            *cols = known[i].cols;
            return QMAP_OK;
        }
    }
    return QMAP_ERR_FORMAT;
}

/* measurement/<name> as a per-point counter: short arrays padded with NaN; with
 * positive_only (a monitor) non-positive values become NaN too. role names the counter's
 * use in messages ("monitor", "shift counter"). */
static int read_counter(hid_t scan, const where *w, const char *name, const char *role,
                        int positive_only, double **dest, size_t npts)
{
    char path[PATH_LEN];
    if (!name[0] || strlen(name) >= QMAP_NAME_MAX)
        return qmap_error(QMAP_ERR_VALUE, "%s: invalid %s name '%.80s'", w->file, role, name);
    snprintf(path, sizeof path, "measurement/%s", name);
    if (!qmap_h5_exists(scan, path))
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: %s counter '%s' not found "
                          "(no %s)", w->file, w->scan, role, name, path);
    double *a = NULL;
    size_t n = 0;
    const char *why = NULL;
    int rc = qmap_h5_read_array(scan, path, &a, &n, &why);
    if (rc != QMAP_OK)
        return fail_at(rc, w, path, why);
    double *v = malloc(npts * sizeof *v);
    if (!v) {
        free(a);
        return qmap_error(QMAP_ERR_NOMEM, "scan %s: no memory for the %s", w->scan, role);
    }
    for (size_t i = 0; i < npts; i++)
        v[i] = (i < n && isfinite(a[i]) && (a[i] > 0 || !positive_only)) ? a[i] : NAN;
    free(a);
    *dest = v;
    return QMAP_OK;
}

/* ---------------------------------------------------------------- one scan */

/* instrument/<det>/saturation_value when present (NaN when absent); a negative or
 * non-finite value is an error naming it. */
static int read_saturation(hid_t scan, const where *w, qmap_scan_info *s)
{
    char path[PATH_LEN];
    const char *why = NULL;
    s->saturation = NAN;
    snprintf(path, sizeof path, "instrument/%s/saturation_value", s->detector);
    if (!qmap_h5_exists(scan, path))
        return QMAP_OK;
    int rc = qmap_h5_read_scalar(scan, path, &s->saturation, &why);
    if (rc != QMAP_OK)
        return fail_at(rc, w, path, why);
    if (!isfinite(s->saturation) || s->saturation < 0)
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: %s is %g, not a count (>= 0)", w->file,
                          w->scan, path, s->saturation);
    return QMAP_OK;
}

static int read_scan(hid_t scan, const where *w, const qmap_open_options *opt,
                     qmap_scan_info *s)
{
    const qmap_scan_title *t = &s->title;
    long npts = (long)t->n_fast * (long)t->n_slow;
    if (npts > MAX_MAP_POINTS)
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: map of %d x %d points is too large",
                          w->file, w->scan, t->n_fast, t->n_slow);
    int rc = pick_detector(scan, w, opt->detector, s->detector);
    if (rc == QMAP_OK)
        rc = qmap_scan_detector_shape(scan, w->file, w->scan, s->detector, &s->n_frames,
                                      &s->geom.n_rows, &s->geom.n_cols);
    if (rc == QMAP_OK)
        rc = qmap_scan_read_calibration(scan, w->file, w->scan, s->detector, &s->geom);
    if (rc == QMAP_OK && (rc = qmap_geometry_validate(&s->geom)) != QMAP_OK)
        rc = wrap_error(rc, w);
    if (rc == QMAP_OK)
        rc = read_saturation(scan, w, s);
    if (rc == QMAP_OK)
        rc = qmap_scan_read_angles(scan, w->file, w->scan, &s->angles);
    if (rc == QMAP_OK)
        rc = read_positions(scan, s, (size_t)npts);
    if (rc == QMAP_OK && opt->monitor)
        rc = read_counter(scan, w, opt->monitor, "monitor", 1, &s->monitor, (size_t)npts);
    if (rc == QMAP_OK && opt->shift_counter)
        rc = read_counter(scan, w, opt->shift_counter, "shift", 0, &s->shift_counter, (size_t)npts);
    if (rc == QMAP_OK)   /* series (issue 11) */
        rc = qmap_scan_read_extra(scan, w->file, w->scan, s);
    return rc;
}

int qmap_bliss_is_scan(hid_t scan)
{
    (void)scan;
    return 1;   /* the fallback: any map scan group that no other reader claims */
}

int qmap_bliss_read_scan(hid_t scan, const char *file, const qmap_open_options *opt,
                         qmap_scan_info *s)
{
    where w = {file, s->name};
    return read_scan(scan, &w, opt, s);
}

/* ---------------------------------------------------------------- pixel mask */

/* OR instrument/<det>/pixel_mask of one scan into acc (if the scan stores one). */
static int scan_pixel_mask(hid_t file, const qmap_dataset *ds, const qmap_scan_info *s,
                           uint8_t *acc)
{
    where w = {qmap_dataset_path(ds), s->name};
    char path[PATH_LEN];
    snprintf(path, sizeof path, "%s/instrument/%s/pixel_mask", s->name, s->detector);
    if (!qmap_h5_exists(file, path))
        return QMAP_OK;
    int rank = 0;
    hsize_t d[8] = {0};
    const char *why = NULL;
    const char *rel = path + strlen(s->name) + 1;
    if (qmap_h5_shape(file, path, 8, &rank, d, &why) != QMAP_OK)
        return fail_at(QMAP_ERR_FORMAT, &w, rel, why);
    if (rank != 2 || d[0] != (hsize_t)s->geom.n_rows || d[1] != (hsize_t)s->geom.n_cols) {
        char shape[128];
        qmap_h5_format_shape(rank, d, shape, sizeof shape);
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: %s has shape %s, detector is %d x %d",
                          qmap_dataset_path(ds), s->name, rel, shape, s->geom.n_rows, s->geom.n_cols);
    }
    hid_t dset = H5Dopen2(file, path, H5P_DEFAULT);
    if (dset < 0)
        return fail_at(QMAP_ERR_FORMAT, &w, rel, "cannot be opened");
    long n_set = 0;
    int rc = qmap_h5_read_mask2d(dset, s->geom.n_rows, s->geom.n_cols, acc, &n_set, &why);
    H5Dclose(dset);
    return rc == QMAP_OK ? QMAP_OK : fail_at(rc, &w, rel, why);
}

long qmap_dataset_pixel_mask(const qmap_dataset *ds, uint8_t *mask)
{
    if (!ds || !mask || qmap_dataset_n_scans(ds) == 0)
        return qmap_error(QMAP_ERR_INTERNAL, "qmap_dataset_pixel_mask: no dataset or mask");
    const char *path = qmap_dataset_path(ds);
    if (qmap_is_spec_file(path))
        return 0;   /* SPEC-era data stores no detector mask */
    const qmap_scan_info *s0 = qmap_dataset_scan(ds, 0);
    size_t npix = (size_t)s0->geom.n_rows * (size_t)s0->geom.n_cols;
    uint8_t *acc = calloc(npix, 1);
    if (!acc)
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the pixel mask", path);
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t file;
    int rc = qmap_h5_open_file(path, &file);
    if (rc == QMAP_OK) {
        for (int i = 0; i < qmap_dataset_n_scans(ds) && rc == QMAP_OK; i++)
            rc = scan_pixel_mask(file, ds, qmap_dataset_scan(ds, i), acc);
        H5Fclose(file);
    }
    qmap_h5_quiet_end(&q);
    long count = 0;
    if (rc == QMAP_OK) {
        for (size_t i = 0; i < npix; i++) {
            if (acc[i]) {
                mask[i] = 1;
                count++;
            }
        }
    }
    free(acc);
    return rc == QMAP_OK ? count : rc;
}
