/* view.c -- open a results file for `qmap view`; the file summary, maps and report
 * figures as answers for the browser (see include/qmap/view.h).
 *
 * Maps go out as plain numbers with the colour limits the report would use; the page
 * colours them with the colour-map tables sent once in the summary (qmap_colormap_eval),
 * so the browser and the report show the same colours. The tilt-vector (HSV) and particle
 * maps are coloured here, with the report's own colour functions.
 */
#include "view_internal.h"
#include "view_json.h"
#include "report_internal.h"
#include "qmap/error.h"
#include "qmap/fit.h"
#include "qmap/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const cmap_names[QMAP_N_COLORMAPS] = {"viridis", "diverging", "cyclic"};

int qmap__view_map_index(const char *name)
{
    for (int k = 0; k < QMAP_N_MAPS; k++)
        if (strcmp(name, qmap_map_name(k)) == 0)
            return k;
    return -1;
}

/* With a cube: its bins summed along the other two axes of /qspace/hits give the
 * projections' normalisation. */
static int cube_hits(qmap_view *v)
{
    const qmap_results *r = v->r;
    v->has_cube = qmap_results_has_cube(v->rf);
    if (!v->has_cube)
        return QMAP_OK;
    for (int a = 0; a < 3; a++)
        v->nb[a] = r->axes[a].n;
    for (int a = 0; a < 3; a++)
        if (!(v->hits_proj[a] = calloc(v->nb[a], sizeof(double))))
            return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    for (int i = 0; i < v->nb[0]; i++)
        for (int j = 0; j < v->nb[1]; j++)
            for (int k = 0; k < v->nb[2]; k++) {
                double h = r->qspace_hits[((size_t)i * v->nb[1] + j) * v->nb[2] + k];
                v->hits_proj[0][i] += h;
                v->hits_proj[1][j] += h;
                v->hits_proj[2][k] += h;
            }
    return QMAP_OK;
}

int qmap_view_open(const char *results_path, qmap_view **out)
{
    *out = NULL;
    qmap_view *v = calloc(1, sizeof *v);
    if (!v || !(v->path = strdup(results_path))) {
        free(v);
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    }
    v->region_direct_max = QMAP_VIEW_REGION_DIRECT;
    int rc = qmap_results_open(results_path, QMAP_READ_QSPACE | QMAP_READ_FIT | QMAP_READ_PARTICLES |
                               QMAP_READ_SETTINGS, &v->rf);
    if (rc >= 0) {
        v->r = qmap_results_file_results(v->rf);
        const char *bg = qmap_params_get(&v->r->settings, "background");
        v->background_faces = bg && strcmp(bg, "faces") == 0;
        v->faces = qmap_faces_parse(qmap_results_param_value(v->r, "background_faces"));
        v->parts = v->r->particles;
        if (v->parts && (v->parts->n_fast != v->r->n_fast || v->parts->n_slow != v->r->n_slow))
            v->parts = NULL;   /* a foreign label map: shown as missing rather than misplaced */
        rc = cube_hits(v);
    }
    if (rc < 0) {
        qmap_view_close(v);
        return rc;
    }
    *out = v;
    return QMAP_OK;
}

void qmap_view_close(qmap_view *v)
{
    if (!v)
        return;
    for (int a = 0; a < 3; a++)
        free(v->hits_proj[a]);
    qmap__view_raw_close(v);
    qmap__view_voi_free(v);
    qmap_view_region_cancel(v);
    qmap_results_close(v->rf);   /* also frees v->r and v->parts (borrowed from it) */
    free(v->path);
    free(v);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int qmap_view_info_json(const qmap_view *v, qmap_view_text *out)
{
    const qmap_results *r = v->r;
    qmap_jbuf b = {0};
    jb_raw(&b, "{");
    jb_key(&b, "file", 1);
    jb_str(&b, base_name(v->path));
    jb_key(&b, "shape", 0);
    jb_printf(&b, "[%d,%d]", r->n_slow, r->n_fast);
    jb_key(&b, "x", 0);
    jb_nums(&b, r->x, r->n_fast);
    jb_key(&b, "y", 0);
    jb_nums(&b, r->y, r->n_slow);
    jb_key(&b, "maps", 0);
    jb_raw(&b, "[");
    int first = 1;
    for (int k = 0; k < QMAP_N_MAPS; k++) {
        if (!r->maps[k])
            continue;
        jb_printf(&b, "%s{\"name\":", first ? "" : ",");
        jb_str(&b, qmap_map_name(k));
        jb_raw(&b, ",\"unit\":");
        jb_str(&b, qmap_map_unit(k));
        jb_raw(&b, ",\"kind\":\"value\"}");
        first = 0;
    }
    if (qmap__has_background(r))   /* files written before it have none */
        jb_raw(&b, ",{\"name\":\"background\",\"unit\":\"counts/hit\",\"kind\":\"value\"}");
    jb_raw(&b, ",{\"name\":\"tilt_hsv\",\"unit\":\"\",\"kind\":\"rgb\"}");
    jb_raw(&b, ",{\"name\":\"mask\",\"unit\":\"\",\"kind\":\"value\"}");
    if (v->parts)
        jb_raw(&b, ",{\"name\":\"particles\",\"unit\":\"\",\"kind\":\"label\"}");
    jb_raw(&b, "]");
    jb_key(&b, "has_cube", 0);
    jb_raw(&b, v->has_cube ? "true" : "false");
    jb_key(&b, "cube_bins", 0);
    jb_printf(&b, "[%d,%d,%d]", r->axes[0].n, r->axes[1].n, r->axes[2].n);
    jb_key(&b, "qspace_axes", 0);   /* bin centres along qx, qy, qz (the VOI panel) */
    jb_raw(&b, "[");
    for (int a = 0; a < 3; a++) {
        jb_raw(&b, a ? ",[" : "[");
        for (int k = 0; k < r->axes[a].n; k++) {
            jb_raw(&b, k ? "," : "");
            jb_num(&b, qmap_axis_center(&r->axes[a], k));
        }
        jb_raw(&b, "]");
    }
    jb_raw(&b, "]");
    jb_key(&b, "has_particles", 0);
    jb_raw(&b, v->parts ? "true" : "false");
    jb_key(&b, "n_particles", 0);
    jb_printf(&b, "%d", v->parts ? v->parts->n_particles : 0);
    jb_key(&b, "n_scans", 0);
    jb_printf(&b, "%d", r->n_scans);
    jb_key(&b, "eta", 0);
    jb_nums(&b, r->eta, r->n_scans);
    jb_key(&b, "scan_intensity", 0);
    jb_nums(&b, r->scan_intensity, r->n_scans);
    jb_key(&b, "shift_x", 0);
    jb_nums(&b, r->shift_x, r->n_scans);
    jb_key(&b, "shift_y", 0);
    jb_nums(&b, r->shift_y, r->n_scans);
    jb_key(&b, "mean_q", 0);
    jb_nums(&b, r->mean_q, 3);
    jb_key(&b, "d_ref", 0);
    jb_num(&b, r->d_ref);
    jb_key(&b, "parameters", 0);
    jb_raw(&b, "{");
    for (int i = 0; i < r->n_params; i++) {
        jb_key(&b, r->param_keys[i], i == 0);
        jb_str(&b, r->param_values[i]);
    }
    jb_raw(&b, "}");
    jb_key(&b, "colormaps", 0);
    jb_raw(&b, "{");
    for (int c = 0; c < QMAP_N_COLORMAPS; c++) {
        jb_key(&b, cmap_names[c], c == 0);
        jb_raw(&b, "[");
        for (int i = 0; i < 256; i++) {
            qmap_rgb col = qmap_colormap_eval((qmap_colormap)c, i / 255.0);
            jb_printf(&b, "%s[%d,%d,%d]", i ? "," : "", (int)lround(col.r * 255), (int)lround(col.g * 255),
                      (int)lround(col.b * 255));
        }
        jb_raw(&b, "]");
    }
    jb_raw(&b, "}");
    jb_key(&b, "nan_color", 0);
    jb_printf(&b, "[%d,%d,%d]", (int)lround(qmap_nan_color.r * 255), (int)lround(qmap_nan_color.g * 255),
              (int)lround(qmap_nan_color.b * 255));
    jb_raw(&b, "}");
    return jb_finish(&b, out);
}

static void rgb_value(qmap_jbuf *b, qmap_rgb c, int first)
{
    if (!isfinite(c.r))
        c = qmap_nan_color;
    jb_printf(b, "%s[%d,%d,%d]", first ? "" : ",", (int)lround(c.r * 255), (int)lround(c.g * 255),
              (int)lround(c.b * 255));
}

/* tilt_hsv and particles: colours chosen here by the report's colour functions. */
static int rgb_map_json(const qmap_view *v, const char *name, qmap_view_text *out)
{
    const qmap_results *r = v->r;
    size_t n = (size_t)r->n_fast * r->n_slow;
    int hsv = strcmp(name, "tilt_hsv") == 0;
    const uint8_t *m = qmap__particle(r);
    const double *t = r->maps[QMAP_MAP_TILT_MAGNITUDE], *d = r->maps[QMAP_MAP_TILT_DIRECTION];
    double mx = 0;
    for (size_t i = 0; hsv && i < n; i++)
        if ((!m || m[i]) && isfinite(t[i]) && isfinite(d[i]) && t[i] > mx)
            mx = t[i];
    qmap_jbuf b = {0};
    jb_raw(&b, "{\"name\":");
    jb_str(&b, name);
    jb_printf(&b, ",\"unit\":\"\",\"kind\":\"%s\",", hsv ? "rgb" : "label");
    if (hsv) {
        jb_key(&b, "max_tilt", 1);
        jb_num(&b, mx);
        jb_raw(&b, ",");
    } else {
        jb_printf(&b, "\"values\":[");
        for (size_t i = 0; i < n; i++)
            jb_printf(&b, "%s%d", i ? "," : "", v->parts->labels[i]);
        jb_raw(&b, "],");
    }
    jb_raw(&b, "\"rgb\":[");
    for (size_t i = 0; i < n; i++) {
        qmap_rgb c = hsv ? ((!m || m[i]) ? qmap__tilt_color(t[i], d[i], mx) : qmap_nan_color)
                         : qmap_report_label_color(v->parts->labels[i]);
        rgb_value(&b, c, i == 0);
    }
    jb_raw(&b, "]}");
    return jb_finish(&b, out);
}

int qmap_view_map_json(const qmap_view *v, const char *name, qmap_view_text *out)
{
    const qmap_results *r = v->r;
    out->data = NULL;
    out->len = 0;
    if (strcmp(name, "tilt_hsv") == 0 || (strcmp(name, "particles") == 0 && v->parts))
        return rgb_map_json(v, name, out);
    if (strncmp(name, "voi_", 4) == 0)
        return qmap__view_voi_map_json(v, name, out);
    size_t n = (size_t)r->n_fast * r->n_slow;
    int is_mask = strcmp(name, "mask") == 0;
    int is_bg = strcmp(name, "background") == 0 && qmap__has_background(r);   /* /maps/background */
    int k = qmap__view_map_index(name);
    if (!is_mask && !is_bg && (k < 0 || !r->maps[k]))
        return qmap_error(QMAP_ERR_VALUE, "no map named '%.40s' in this results file", name);
    double *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!vals)
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        vals[i] = is_mask ? r->mask[i] : is_bg ? r->background[i] : r->maps[k][i];
    /* colour limits and colour map as in the report (report_maps.c) */
    double lo = 0, hi = 1;
    const char *cmap = "viridis";
    if (is_mask) {
        lo = 0, hi = 1;
    } else if (is_bg || k == QMAP_MAP_INTENSITY) {   /* every position, from 0 */
        qmap_auto_limits(vals, NULL, n, 0.5, 0, &lo, &hi);
        if (lo > 0)
            lo = 0;
    } else {
        double *masked = qmap__masked_copy(r, vals);
        if (masked)
            qmap_auto_limits(masked, NULL, n, 1.0, 0, &lo, &hi);
        free(masked);
        if (k == QMAP_MAP_STRAIN) {
            double m = fmax(fabs(lo), fabs(hi));
            lo = -m, hi = m;
            cmap = "diverging";
        } else if (k == QMAP_MAP_TILT_DIRECTION) {
            lo = -180, hi = 180;
            cmap = "cyclic";
        }
    }
    qmap_jbuf b = {0};
    jb_raw(&b, "{\"name\":");
    jb_str(&b, name);
    jb_raw(&b, ",\"unit\":");
    jb_str(&b, is_mask ? "" : is_bg ? "counts/hit" : qmap_map_unit(k));
    jb_raw(&b, ",\"kind\":\"value\",\"masked\":");
    jb_raw(&b, is_mask || is_bg || k == QMAP_MAP_INTENSITY ? "false" : "true");
    jb_raw(&b, ",\"cmap\":");
    jb_str(&b, cmap);
    jb_key(&b, "lo", 0);
    jb_num(&b, lo);
    jb_key(&b, "hi", 0);
    jb_num(&b, hi);
    jb_key(&b, "values", 0);
    jb_nums(&b, vals, n);
    jb_raw(&b, "}");
    free(vals);
    return jb_finish(&b, out);
}

/* The figure drawn by the report's plot library, encoded in memory (no file). */
static int figure_bytes(const qmap_view *v, const char *name, int svg, qmap_view_text *out)
{
    out->data = NULL;
    out->len = 0;
    int known = 0;
    for (int i = 0; i < qmap_report_n_figures(); i++)
        known |= strcmp(name, qmap_report_figure_name(i)) == 0;
    if (!known)
        return qmap_error(QMAP_ERR_VALUE, "no figure named '%.40s'", name);
    qmap_figure *f = NULL;
    int rc = qmap_report_figure(v->r, name, NULL, &f);
    if (rc < 0)
        return rc;
    if (!f)
        return qmap_error(QMAP_ERR_VALUE, "figure '%s' does not apply to this results file", name);
    rc = qmap_figure_encode(f, name, svg, 1.5, &out->data, &out->len);
    qmap_figure_free(f);
    return rc < 0 ? rc : QMAP_OK;
}

int qmap_view_figure_png(const qmap_view *v, const char *name, qmap_view_text *out)
{
    return figure_bytes(v, name, 0, out);
}

int qmap_view_figure_svg(const qmap_view *v, const char *name, qmap_view_text *out)
{
    return figure_bytes(v, name, 1, out);
}
