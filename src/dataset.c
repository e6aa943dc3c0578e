/* dataset.c -- open a BLISS dataset file and read the metadata of its SXDM map scans.
 *
 * The file is opened read-only; root groups "N.1" whose title is a map command and
 * that hold a `measurement` group are the map scans (docs/sxdm-reference.md 1.1-1.2);
 * "N.2" subscans, alignment scans and interrupted scans are counted as skipped.
 * For each map scan we read the detector shape (never the frames), the calibration,
 * the angles, the recorded piezo positions (nominal grid as fallback) and optionally
 * a monitor counter. Every failure is one message naming the file, scan and dataset.
 * The file is closed again before qmap_dataset_open returns.
 * The input is recognised by content: a SPEC text file goes to dataset_spec.c, and an
 * XSOCS master/entry file (entries with instrument/detector/chan_per_deg_dim0) is read
 * entry by entry through xsocs_input.c; everything else must be a BLISS HDF5 file.
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"
#include "h5util.h"
#include "frames_edf.h"
#include "series_internal.h"   /* series (issue 11) */
#include "link_check.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN 256
#define TITLE_LEN 1024
/* More map points than this (10^4 x 10^4) is treated as a corrupt title. */
#define MAX_MAP_POINTS 100000000L

const char *const qmap_known_detectors[] = {"mpx1x4", "mpxgaas", "eiger2M", "merlin"};
const int qmap_n_known_detectors = 4;

struct qmap_dataset {
    char *path;
    qmap_scan_info *scans;
    int n_scans;
    int n_skipped;
    /* series (issue 11) */
    qmap_other_scans other;     /* scans not read as maps, for listings and --scans checks */
    qmap_scan_list selection;   /* --scans (n = 0: every map scan) */
    int listing;
};

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

/* ---------------------------------------------------------------- discovery */

typedef struct {
    char **names;
    size_t n, cap;
    int nomem;
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    name_list *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->names, cap * sizeof *v);
        if (!v) {
            l->nomem = 1;
            return -1;
        }
        l->names = v;
        l->cap = cap;
    }
    l->names[l->n] = strdup(name);
    if (!l->names[l->n]) {
        l->nomem = 1;
        return -1;
    }
    l->n++;
    return 0;
}

static void free_names(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

/* "N.M" with decimal N, M (no signs, no spaces): 0 and sets *number, *sub. */
static int parse_scan_name(const char *name, int *number, int *sub)
{
    long v[2] = {0, 0};
    const char *p = name;
    for (int part = 0; part < 2; part++) {
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (++digits > 9)
                return -1;
            v[part] = v[part] * 10 + (*p++ - '0');
        }
        if (digits == 0 || (part == 0 && *p++ != '.'))
            return -1;
    }
    if (*p != '\0')
        return -1;
    *number = (int)v[0];
    *sub = (int)v[1];
    return 0;
}

/* Order root names by scan number then subscan, other names last (by name). */
static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int nx, sx, ny, sy;
    int okx = parse_scan_name(x, &nx, &sx) == 0, oky = parse_scan_name(y, &ny, &sy) == 0;
    if (okx != oky)
        return oky - okx;
    if (!okx)
        return strcmp(x, y);
    if (nx != ny)
        return (nx > ny) - (nx < ny);
    return (sx > sy) - (sx < sy);
}

static void free_scan(qmap_scan_info *s)
{
    free(s->x);
    free(s->y);
    free(s->monitor);
    free(s->shift_counter);
    s->x = s->y = s->monitor = s->shift_counter = NULL;
}

void qmap_dataset_close(qmap_dataset *ds)
{
    if (!ds)
        return;
    for (int i = 0; i < ds->n_scans; i++)
        free_scan(&ds->scans[i]);
    free(ds->scans);
    free(ds->path);
    qmap_other_scans_free(&ds->other);      /* series (issue 11) */
    qmap_scan_list_free(&ds->selection);
    free(ds);
}

/* ---------------------------------------------------------------- series (issue 11) */

int qmap_dataset_wants(const qmap_dataset *ds, int number)
{
    return ds->selection.n == 0 || qmap_scan_list_has(&ds->selection, number);
}

int qmap_dataset_note_other(qmap_dataset *ds, const char *name, int number, const char *title,
                            const char *why)
{
    return qmap_other_scans_add(&ds->other, name, number, title, why);
}

/* Record a non-map root group with its title (if readable). */
static int note_other(qmap_dataset *ds, hid_t file, const char *name, int number, const char *why)
{
    char path[PATH_LEN], title[TITLE_LEN] = "";
    snprintf(path, sizeof path, "%s/title", name);
    if (qmap_h5_read_string(file, path, title, sizeof title, NULL) != QMAP_OK)
        title[0] = '\0';
    return qmap_dataset_note_other(ds, name, number, title, why);
}

int qmap_dataset_drop_failed(qmap_dataset *ds, const char *name, int number, const char *title)
{
    char why[600];
    snprintf(why, sizeof why, "unreadable: %s", qmap_error_message());
    free_scan(&ds->scans[ds->n_scans - 1]);
    ds->n_scans--;
    return qmap_dataset_note_other(ds, name, number, title, why);
}

/* The scans' positions in their rocking curve (one series), a missing step skipped. */
static int set_sequence(qmap_dataset *ds)
{
    qmap_series *sv = NULL;
    int ns = 0, rc = qmap_series_find(ds, &sv, &ns);
    int *seq = rc == QMAP_OK && ns == 1 ? malloc((size_t)ds->n_scans * sizeof *seq) : NULL;
    if (seq) {
        qmap_series_sequence(ds, &sv[0], seq);
        for (int i = 0; i < ds->n_scans; i++)
            ds->scans[i].sequence = seq[i];
    } else if (rc == QMAP_OK && ns == 1) {
        rc = qmap_error(QMAP_ERR_NOMEM, "%s: no memory", ds->path);
    }
    free(seq);
    free(sv);
    return rc;
}

int qmap_dataset_n_other(const qmap_dataset *ds)
{
    return ds ? ds->other.n : 0;
}

int qmap_dataset_other(const qmap_dataset *ds, int i, const char **name, int *number,
                       const char **title, const char **why)
{
    if (!ds || i < 0 || i >= ds->other.n)
        return QMAP_ERR_VALUE;
    const qmap_other_scan *o = &ds->other.v[i];
    if (name) *name = o->name;
    if (number) *number = o->number;
    if (title) *title = o->title;
    if (why) *why = o->why;
    return QMAP_OK;
}

/* 1 when root group `name` is a map scan (readable title of a map command, with a
 * measurement group); its title is parsed into *t. */
static int is_map_scan(hid_t file, const char *name, qmap_scan_title *t)
{
    char path[PATH_LEN], title[TITLE_LEN];
    if (!qmap_h5_is_group(file, name))
        return 0;
    snprintf(path, sizeof path, "%s/title", name);
    if (qmap_h5_read_string(file, path, title, sizeof title, NULL) != QMAP_OK)
        return 0;
    if (qmap_parse_scan_title(title, t) != QMAP_OK)
        return 0;
    snprintf(path, sizeof path, "%s/measurement", name);
    return qmap_h5_is_group(file, path);
}

/* Read scan `name` into a new entry of ds->scans. */
static int add_scan(qmap_dataset *ds, hid_t file, const char *name, int number,
                    const qmap_scan_title *t, const qmap_open_options *opt)
{
    qmap_scan_info *v = realloc(ds->scans, (size_t)(ds->n_scans + 1) * sizeof *v);
    if (!v)
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the scan list", ds->path);
    ds->scans = v;
    qmap_scan_info *s = &v[ds->n_scans++];
    memset(s, 0, sizeof *s);
    s->mpxy = s->mpxz = NAN;   /* series (issue 11): not recorded until read */
    snprintf(s->name, sizeof s->name, "%s", name);
    s->number = number;
    s->title = *t;
    where w = {ds->path, s->name};
    hid_t g = H5Gopen2(file, name, H5P_DEFAULT);
    if (g < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s cannot be opened", ds->path, name);
    int rc = qmap_xsocs_is_entry(g) ? qmap_xsocs_read_scan(g, ds->path, opt, s)
                                     : read_scan(g, &w, opt, s);
    if (rc == QMAP_OK && !s->start_time[0])   /* series (issue 11): XSOCS entries */
        rc = qmap_scan_read_extra(g, ds->path, name, s);
    H5Gclose(g);
    return rc;
}

static int cmp_scan(const void *a, const void *b)
{
    const qmap_scan_info *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

/* All scans must share the detector shape and the map shape of the first one. */
static int check_consistency(const qmap_dataset *ds)
{
    const qmap_scan_info *r = &ds->scans[0];
    for (int i = 1; i < ds->n_scans; i++) {
        const qmap_scan_info *s = &ds->scans[i];
        if (s->geom.n_rows != r->geom.n_rows || s->geom.n_cols != r->geom.n_cols)
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: detector shape %d x %d differs "
                              "from %d x %d of scan %s", ds->path, s->name, s->geom.n_rows,
                              s->geom.n_cols, r->geom.n_rows, r->geom.n_cols, r->name);
        if (s->title.n_fast != r->title.n_fast || s->title.n_slow != r->title.n_slow)
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: map shape %d x %d (slow x fast) "
                              "differs from %d x %d of scan %s", ds->path, s->name,
                              s->title.n_slow, s->title.n_fast, r->title.n_slow,
                              r->title.n_fast, r->name);
    }
    return QMAP_OK;
}

/* Walk the root names, reading every map scan. */
static int discover(qmap_dataset *ds, hid_t file, const qmap_open_options *opt)
{
    name_list l = {0};
    hsize_t idx = 0;
    herr_t e = H5Literate(file, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect_name, &l);
    if (e < 0) {
        free_names(&l);
        return l.nomem ? qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the scan names", ds->path)
                       : qmap_error(QMAP_ERR_FORMAT, "%s: cannot list the root group", ds->path);
    }
    /* Read in scan-number order so that errors name the first faulty scan. */
    if (l.n > 1)
        qsort(l.names, l.n, sizeof *l.names, cmp_names);
    int n_total = 0, rc = QMAP_OK;
    for (size_t i = 0; i < l.n && rc == QMAP_OK; i++) {
        int number, sub;
        qmap_scan_title t;
        if (parse_scan_name(l.names[i], &number, &sub) != 0)
            continue;
        n_total++;
        /* series (issue 11): only the scans of --scans; others are listed with a reason */
        if (!qmap_dataset_wants(ds, number))
            continue;
        char missing[1536];   /* an entry behind a dangling external link (XSOCS master) */
        if (!qmap_h5_is_group(file, l.names[i]) &&
            qmap_h5_find_missing_link(file, ds->path, l.names[i], missing, sizeof missing)) {
            if (!ds->listing)
                rc = qmap_error(QMAP_ERR_IO, "%s: scan %s: %s", ds->path, l.names[i], missing);
            else
                rc = qmap_dataset_note_other(ds, l.names[i], number, "", missing);
            continue;
        }
        if (sub != 1 || !is_map_scan(file, l.names[i], &t)) {
            ds->n_skipped++;
            rc = note_other(ds, file, l.names[i], number, sub != 1 ? "subscan" : "not an SXDM map");
        } else {
            rc = add_scan(ds, file, l.names[i], number, &t, opt);
            if (rc != QMAP_OK && ds->listing && rc != QMAP_ERR_NOMEM)
                rc = qmap_dataset_drop_failed(ds, l.names[i], number, t.command);
        }
    }
    free_names(&l);
    if (rc == QMAP_OK && ds->n_scans == 0 && !ds->listing && ds->selection.n == 0)
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: no SXDM map scan (sxdm/kmap/mesh) among %d scans",
                        ds->path, n_total);
    return rc;
}

int qmap_dataset_open(const char *path, const qmap_open_options *opt, qmap_dataset **out)
{
    if (!out)
        return qmap_error(QMAP_ERR_INTERNAL, "qmap_dataset_open: no output");
    *out = NULL;
    qmap_open_options o = {0};
    if (opt)
        o = *opt;
    qmap_dataset *ds = calloc(1, sizeof *ds);
    if (!ds || !(ds->path = strdup(path ? path : ""))) {
        free(ds);
        return qmap_error(QMAP_ERR_NOMEM, "no memory to open %s", path ? path : "(null)");
    }
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t file;
    /* series (issue 11): the scan list */
    ds->listing = o.listing;
    int rc = o.scans ? qmap_scan_list_parse(o.scans, &ds->selection) : QMAP_OK;
    if (rc == QMAP_OK && path && qmap_is_spec_file(path)) {
        rc = qmap_dataset_read_spec(ds, path, &o);
    } else if (rc == QMAP_OK && (rc = qmap_h5_open_file(path, &file)) == QMAP_OK) {
        rc = discover(ds, file, &o);
        H5Fclose(file);
    }
    if (rc == QMAP_OK) {
        if (ds->n_scans > 1)
            qsort(ds->scans, (size_t)ds->n_scans, sizeof *ds->scans, cmp_scan);
        for (int i = 0; i < ds->n_scans; i++)
            ds->scans[i].sequence = i;
        /* series (issue 11): --scans must name existing map scans that form one series;
         * without it the file must hold one series */
        if (!ds->listing)
            rc = qmap_series_check_dataset(ds, &ds->selection, o.scans);
        else if (ds->selection.n > 0)
            rc = qmap_series_check_selection(ds, &ds->selection, o.scans);
        if (rc == QMAP_OK && !ds->listing)
            rc = set_sequence(ds);
        if (rc == QMAP_OK && !ds->listing)
            rc = check_consistency(ds);
    }
    qmap_h5_quiet_end(&q);
    if (rc != QMAP_OK) {
        qmap_dataset_close(ds);
        return rc;
    }
    *out = ds;
    return QMAP_OK;
}

qmap_scan_info *qmap_dataset_append_scan(qmap_dataset *ds)
{
    qmap_scan_info *v = realloc(ds->scans, (size_t)(ds->n_scans + 1) * sizeof *v);
    if (!v)
        return NULL;
    ds->scans = v;
    memset(&v[ds->n_scans], 0, sizeof *v);
    return &v[ds->n_scans++];
}

void qmap_dataset_add_skipped(qmap_dataset *ds)
{
    ds->n_skipped++;
}

const char *qmap_dataset_path(const qmap_dataset *ds)
{
    return ds ? ds->path : NULL;
}

int qmap_dataset_n_scans(const qmap_dataset *ds)
{
    return ds ? ds->n_scans : 0;
}

const qmap_scan_info *qmap_dataset_scan(const qmap_dataset *ds, int i)
{
    if (!ds || i < 0 || i >= ds->n_scans)
        return NULL;
    return &ds->scans[i];
}

int qmap_dataset_remove_scan(qmap_dataset *ds, int i)
{
    if (!ds || i < 0 || i >= ds->n_scans)
        return qmap_error(QMAP_ERR_VALUE, "qmap_dataset_remove_scan: no scan %d", i);
    if (ds->n_scans == 1)
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %s is the only map scan left", ds->path,
                          ds->scans[0].name);
    free_scan(&ds->scans[i]);
    memmove(&ds->scans[i], &ds->scans[i + 1], (size_t)(ds->n_scans - i - 1) * sizeof *ds->scans);
    ds->n_scans--;
    return QMAP_OK;
}

int qmap_dataset_n_skipped(const qmap_dataset *ds)
{
    return ds ? ds->n_skipped : 0;
}

/* ---------------------------------------------------------------- pixel mask */

/* OR instrument/<det>/pixel_mask of one scan into acc (if the scan stores one). */
static int scan_pixel_mask(hid_t file, const qmap_dataset *ds, const qmap_scan_info *s,
                           uint8_t *acc)
{
    where w = {ds->path, s->name};
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
                          ds->path, s->name, rel, shape, s->geom.n_rows, s->geom.n_cols);
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
    if (!ds || !mask || ds->n_scans == 0)
        return qmap_error(QMAP_ERR_INTERNAL, "qmap_dataset_pixel_mask: no dataset or mask");
    if (qmap_is_spec_file(ds->path))
        return 0;   /* SPEC-era data stores no detector mask */
    size_t npix = (size_t)ds->scans[0].geom.n_rows * (size_t)ds->scans[0].geom.n_cols;
    uint8_t *acc = calloc(npix, 1);
    if (!acc)
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the pixel mask", ds->path);
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t file;
    int rc = qmap_h5_open_file(ds->path, &file);
    if (rc == QMAP_OK) {
        for (int i = 0; i < ds->n_scans && rc == QMAP_OK; i++)
            rc = scan_pixel_mask(file, ds, &ds->scans[i], acc);
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
