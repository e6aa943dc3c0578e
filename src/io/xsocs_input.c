/* xsocs_input.c -- read the metadata of an XSOCS master/entry file as qmap_scan_info.
 *
 * XSOCS entries (docs/sxdm-reference.md 1.3) carry the detector calibration in angular
 * form: instrument/detector/{beam_energy (eV), center_chan_dim0 (row), center_chan_dim1
 * (col), chan_per_deg_dim0/1}. XSOCS converts them back with a pixel width of
 * 2*tan(0.5 deg)/chan_per_deg at a distance of 1 m, and so do we: that reproduces the
 * q values of XSOCS output exactly. Angles are instrument/positioners/{eta, phi, nu, del}.
 * The frames are measurement/image/data, which the BLISS frame reader opens given the
 * detector name "image/data". When the images are absent (external links to files that
 * are not there) the shape comes from the detector named by the link's target path
 * ("1.1/measurement/mpx1x4" -> Maxipix 516 x 516) and the frame reader reports the file.
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"
#include "h5util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN 256
#define IMAGE_PATH "measurement/image/data"

int qmap_xsocs_is_entry(hid_t scan)
{
    return qmap_h5_exists(scan, "instrument/detector/chan_per_deg_dim0") &&
           !qmap_h5_exists(scan, "instrument/mpx1x4") && !qmap_h5_exists(scan, "measurement/mpx1x4");
}

static int read_number(hid_t scan, const char *file, const char *name, const char *path,
                       double *v)
{
    const char *why = NULL;
    int rc = qmap_h5_read_scalar(scan, path, v, &why);
    if (rc != QMAP_OK)
        return qmap_error(rc, "%s: XSOCS entry %s: %s %s", file, name, path,
                          why ? why : "cannot be read");
    if (!isfinite(*v))
        return qmap_error(QMAP_ERR_VALUE, "%s: XSOCS entry %s: %s is not finite", file, name, path);
    return QMAP_OK;
}

static int read_geometry(hid_t scan, const char *file, qmap_scan_info *s)
{
    double cpd0, cpd1;
    qmap_detector_geometry *g = &s->geom;
    int rc = read_number(scan, file, s->name, "instrument/detector/beam_energy", &g->energy_ev);
    if (rc == QMAP_OK)
        rc = read_number(scan, file, s->name, "instrument/detector/center_chan_dim0", &g->center_row);
    if (rc == QMAP_OK)
        rc = read_number(scan, file, s->name, "instrument/detector/center_chan_dim1", &g->center_col);
    if (rc == QMAP_OK)
        rc = read_number(scan, file, s->name, "instrument/detector/chan_per_deg_dim0", &cpd0);
    if (rc == QMAP_OK)
        rc = read_number(scan, file, s->name, "instrument/detector/chan_per_deg_dim1", &cpd1);
    if (rc != QMAP_OK)
        return rc;
    if (!(cpd0 > 0) || !(cpd1 > 0))
        return qmap_error(QMAP_ERR_VALUE, "%s: XSOCS entry %s: chan_per_deg %g, %g must be > 0",
                          file, s->name, cpd0, cpd1);
    g->distance_m = 1.0;
    g->pixel_row_m = 2.0 * tan(0.5 * M_PI / 180.0) / cpd0;
    g->pixel_col_m = 2.0 * tan(0.5 * M_PI / 180.0) / cpd1;
    return QMAP_OK;
}

/* Detector name from the target of the external link measurement/image/data. */
static int linked_detector(hid_t scan, char *det, size_t size)
{
    H5L_info_t info;
    if (!qmap_h5_exists(scan, "measurement/image") ||
        H5Lget_info(scan, IMAGE_PATH, &info, H5P_DEFAULT) < 0 || info.type != H5L_TYPE_EXTERNAL ||
        info.u.val_size == 0 || info.u.val_size > 4096)
        return -1;
    char *buf = malloc(info.u.val_size);
    if (!buf)
        return -1;
    const char *tfile = NULL, *tpath = NULL;
    unsigned flags;
    int ok = H5Lget_val(scan, IMAGE_PATH, buf, info.u.val_size, H5P_DEFAULT) >= 0 &&
             H5Lunpack_elink_val(buf, info.u.val_size, &flags, &tfile, &tpath) >= 0 && tpath;
    if (ok) {
        const char *b = strrchr(tpath, '/');
        snprintf(det, size, "%s", b ? b + 1 : tpath);
    }
    free(buf);
    return ok ? 0 : -1;
}

static int read_shape(hid_t scan, const char *file, qmap_scan_info *s)
{
    int rc = qmap_scan_detector_shape(scan, file, s->name, "image/data", &s->n_frames,
                                      &s->geom.n_rows, &s->geom.n_cols);
    if (rc == QMAP_OK)
        return rc;
    char det[64];
    if (linked_detector(scan, det, sizeof det) == 0 &&
        qmap_known_detector_shape(det, &s->geom.n_rows, &s->geom.n_cols) == QMAP_OK) {
        s->n_frames = s->title.n_fast * s->title.n_slow;
        qmap_error_clear();
        return QMAP_OK;   /* images absent: metadata only */
    }
    return rc;
}

static int read_angles(hid_t scan, const char *file, qmap_scan_info *s)
{
    struct { const char *name, *alt; double *dst; int required; } f[] = {
        {"eta", NULL, &s->angles.eta, 1}, {"phi", NULL, &s->angles.phi, 0},
        {"nu", NULL, &s->angles.nu, 0}, {"del", "delta", &s->angles.delta, 1},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        char path[PATH_LEN];
        *f[i].dst = 0.0;
        snprintf(path, sizeof path, "instrument/positioners/%s", f[i].name);
        if (!qmap_h5_exists(scan, path) && f[i].alt)
            snprintf(path, sizeof path, "instrument/positioners/%s", f[i].alt);
        if (!qmap_h5_exists(scan, path)) {
            if (f[i].required)
                return qmap_error(QMAP_ERR_FORMAT, "%s: XSOCS entry %s: missing "
                                  "instrument/positioners/%s", file, s->name, f[i].name);
            continue;
        }
        double *a = NULL;
        size_t n = 0;
        const char *why = NULL;
        if (qmap_h5_read_array(scan, path, &a, &n, &why) != QMAP_OK || n == 0) {
            free(a);
            return qmap_error(QMAP_ERR_FORMAT, "%s: XSOCS entry %s: %s %s", file, s->name, path,
                              why ? why : "is empty");
        }
        double sum = 0;
        size_t k = 0;
        for (size_t j = 0; j < n; j++)
            if (isfinite(a[j])) {
                sum += a[j];
                k++;
            }
        free(a);
        if (k == 0)
            return qmap_error(QMAP_ERR_VALUE, "%s: XSOCS entry %s: %s has no finite value",
                              file, s->name, path);
        *f[i].dst = sum / (double)k;
    }
    return QMAP_OK;
}

/* Recorded positions of motor m: instrument/positioners/<m>_position, or the piezo
 * counter with ID01's swapped name (pix -> adcY, piy -> adcX, piz -> adcZ). */
static int recorded(hid_t scan, const char *m, double *dst, size_t npts)
{
    const char *adc = strcmp(m, "pix") == 0 ? "adcY" : strcmp(m, "piy") == 0 ? "adcX"
                      : strcmp(m, "piz") == 0 ? "adcZ" : NULL;
    char cand[3][PATH_LEN];
    int nc = 0;
    snprintf(cand[nc++], PATH_LEN, "instrument/positioners/%s_position", m);
    if (adc)
        snprintf(cand[nc++], PATH_LEN, "measurement/%s", adc);
    snprintf(cand[nc++], PATH_LEN, "measurement/%s", m);
    for (int c = 0; c < nc; c++) {
        if (!qmap_h5_exists(scan, cand[c]))
            continue;
        double *a = NULL;
        size_t n = 0;
        if (qmap_h5_read_array(scan, cand[c], &a, &n, NULL) != QMAP_OK || n < 2) {
            free(a);
            continue;
        }
        for (size_t i = 0; i < n && i < npts; i++)
            if (isfinite(a[i]))
                dst[i] = a[i];
        free(a);
        return 1;
    }
    return 0;
}

static int read_counter(hid_t scan, const char *file, const qmap_scan_info *s, const char *name,
                        const char *role, int positive, double **dst, size_t npts)
{
    char path[PATH_LEN];
    snprintf(path, sizeof path, "measurement/%s", name);
    double *a = NULL;
    size_t n = 0;
    const char *why = NULL;
    if (strlen(name) >= QMAP_NAME_MAX || qmap_h5_read_array(scan, path, &a, &n, &why) != QMAP_OK)
        return qmap_error(QMAP_ERR_FORMAT, "%s: XSOCS entry %s: %s counter %s %s", file, s->name,
                          role, path, why ? why : "cannot be read");
    double *v = malloc(npts * sizeof *v);
    if (!v) {
        free(a);
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the %s", file, role);
    }
    for (size_t i = 0; i < npts; i++)
        v[i] = i < n && isfinite(a[i]) && (!positive || a[i] > 0) ? a[i] : NAN;
    free(a);
    *dst = v;
    return QMAP_OK;
}

int qmap_xsocs_read_scan(hid_t scan, const char *file, const qmap_open_options *opt,
                         qmap_scan_info *s)
{
    size_t npts = (size_t)s->title.n_fast * (size_t)s->title.n_slow;
    snprintf(s->detector, sizeof s->detector, "image/data");
    int rc = read_shape(scan, file, s);
    if (rc == QMAP_OK)
        rc = read_geometry(scan, file, s);
    if (rc == QMAP_OK && (rc = qmap_geometry_validate(&s->geom)) != QMAP_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", qmap_error_message());
        rc = qmap_error(rc, "%s: XSOCS entry %s: %s", file, s->name, msg);
    }
    if (rc == QMAP_OK)
        rc = read_angles(scan, file, s);
    if (rc == QMAP_OK)
        rc = qmap_scan_nominal_positions(s);
    if (rc == QMAP_OK) {
        int rx = recorded(scan, s->title.fast_motor, s->x, npts);
        int ry = recorded(scan, s->title.slow_motor, s->y, npts);
        s->positions_recorded = rx || ry;
    }
    if (rc == QMAP_OK && opt && opt->monitor)
        rc = read_counter(scan, file, s, opt->monitor, "monitor", 1, &s->monitor, npts);
    if (rc == QMAP_OK && opt && opt->shift_counter)
        rc = read_counter(scan, file, s, opt->shift_counter, "shift", 0, &s->shift_counter, npts);
    return rc;
}
