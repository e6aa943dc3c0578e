/* spec_query.c -- questions to a parsed SPEC file (qmap/spec.h): a scan by name ("12" or
 * "12.2" for its second occurrence), #U user values, #O/#P motor positions, #L columns,
 * KEY=VALUE lists, and the ID01 metadata built from them (detector calibration, angles).
 *
 * Parsing is spec_file.c's job; this file only reads the qmap_spec_scan records it made,
 * through the public accessors. Numbers are copied into bounded buffers before strtod.
 */
#include "qmap/spec.h"
#include "qmap/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_CHARS 63

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

const qmap_spec_scan *qmap_spec_find_scan(const qmap_spec_file *f, const char *name)
{
    if (!f || !name)
        return NULL;
    char *end = NULL;
    long n = strtol(name, &end, 10);
    long occ = 1;
    if (end == name || n < 0)
        return NULL;
    if (*end == '.') {
        const char *p = end + 1;
        occ = strtol(p, &end, 10);
        if (end == p || occ < 1)
            return NULL;
    }
    if (*end)
        return NULL;
    for (int i = 0; i < qmap_spec_n_scans(f); i++) {
        const qmap_spec_scan *s = qmap_spec_scan_at(f, i);
        if (s->number == n && s->occurrence == occ)
            return s;
    }
    return NULL;
}

const char *qmap_spec_user(const qmap_spec_scan *s, const char *key)
{
    if (!s || !key)
        return NULL;
    for (int i = 0; i < s->n_user; i++)
        if (strcmp(s->user[i].key, key) == 0)
            return s->user[i].value;
    for (int i = 0; i < s->n_header_user; i++)
        if (strcmp(s->header_user[i].key, key) == 0)
            return s->header_user[i].value;
    return NULL;
}

int qmap_spec_motor(const qmap_spec_scan *s, const char *name, double *v)
{
    for (int i = 0; s && i < s->n_motors; i++) {
        if (strcmp(s->motor_names[i], name) == 0) {
            if (!isfinite(s->motor_positions[i]))
                return qmap_error(QMAP_ERR_FORMAT, "scan %d: motor %s has no numeric #P value",
                                  s->number, name);
            *v = s->motor_positions[i];
            return QMAP_OK;
        }
    }
    return qmap_error(QMAP_ERR_FORMAT, "scan %d: no motor %s in the #O/#P tables",
                      s ? s->number : -1, name);
}

int qmap_spec_column(const qmap_spec_scan *s, const char *label)
{
    for (int i = 0; s && label && i < s->n_columns; i++)
        if (strcmp(s->labels[i], label) == 0)
            return i;
    return -1;
}

int qmap_spec_keyval(const char *text, const char *key, double *v)
{
    size_t kl = strlen(key);
    const char *p = text;
    while (p && *p) {
        while (*p == ',' || is_blank(*p))
            p++;
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *q = p + kl + 1;
            size_t n = 0;
            while (q[n] && q[n] != ',' && n <= NUM_CHARS)
                n++;
            char tmp[NUM_CHARS + 2];
            memcpy(tmp, q, n);
            tmp[n] = '\0';
            char *end = NULL;
            double x = strtod(tmp, &end);
            if (end == tmp || !isfinite(x))
                return qmap_error(QMAP_ERR_FORMAT, "%s=%.40s is not a number", key, tmp);
            *v = x;
            return QMAP_OK;
        }
        p = strchr(p, ',');
    }
    return qmap_error(QMAP_ERR_FORMAT, "no %s= value", key);
}

/* ---------------------------------------------------------------- ID01 metadata */

int qmap_spec_calibration(const qmap_spec_scan *s, const char *file, qmap_detector_geometry *g)
{
    const char *cal = qmap_spec_user(s, "UDETCALIB");
    if (!cal)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: no #UDETCALIB line (detector "
                          "calibration)", file, s->number);
    double cx, cy, ppd, dist, kev;
    struct { const char *key; double *dst; } f[] = {
        {"cen_pix_x", &cx}, {"cen_pix_y", &cy}, {"pixperdeg", &ppd}, {"det_distance_CC", &dist},
    };
    char msg[256];
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (qmap_spec_keyval(cal, f[i].key, f[i].dst) != QMAP_OK) {
            snprintf(msg, sizeof msg, "%s", qmap_error_message());
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: #UDETCALIB: %s", file, s->number,
                              msg);
        }
    }
    if (!(ppd > 0) || !(dist > 0))
        return qmap_error(QMAP_ERR_VALUE, "%s: scan %d: #UDETCALIB pixperdeg=%g, "
                          "det_distance_CC=%g must be > 0", file, s->number, ppd, dist);
    const char *mono = qmap_spec_user(s, "UMONO");
    if (!mono)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: no #UMONO line (mononrj, the energy)",
                          file, s->number);
    if (qmap_spec_keyval(mono, "mononrj", &kev) != QMAP_OK) {
        snprintf(msg, sizeof msg, "%s", qmap_error_message());
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: #UMONO: %s", file, s->number, msg);
    }
    g->center_col = cx;
    g->center_row = cy;
    g->distance_m = dist;
    g->pixel_row_m = g->pixel_col_m = dist * tan(M_PI / 180.0) / ppd;
    g->energy_ev = kev * 1000.0;
    return QMAP_OK;
}

int qmap_spec_angles(const qmap_spec_scan *s, const char *file, qmap_angles *a)
{
    struct { const char *name, *alt; double *dst; int required; } f[] = {
        {"eta", NULL, &a->eta, 1}, {"phi", NULL, &a->phi, 0},
        {"nu", NULL, &a->nu, 0}, {"del", "delta", &a->delta, 1},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        *f[i].dst = 0.0;
        if (qmap_spec_motor(s, f[i].name, f[i].dst) == QMAP_OK)
            continue;
        if (f[i].alt && qmap_spec_motor(s, f[i].alt, f[i].dst) == QMAP_OK)
            continue;
        if (f[i].required)
            return qmap_error(QMAP_ERR_FORMAT, "%s: scan %d: no numeric position of motor %s "
                              "in #O/#P", file, s->number, f[i].name);
        *f[i].dst = 0.0;
    }
    qmap_error_clear();
    return QMAP_OK;
}
