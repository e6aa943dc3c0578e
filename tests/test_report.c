/* test_report.c -- `qmap report` figures by content, from a synthetic results file written
 * with the library's writer: a d-spacing gradient gives a monotonic viridis ramp in the
 * map region of map_d_spacing.png, NaN positions are neutral grey, the polar plot puts a
 * known tilt at its angle and radius (geometry computed here, independently of the
 * drawing code), PNG sizes follow the figure sizes; bad inputs give one clear error and
 * leave no report folder; with /particles, the label map shows one distinct colour per
 * particle on grey and report.html one table row per particle. Prints (does not assert) the drawing time per figure of a
 * 200 x 200 map. */
#include "check.h"
#include "qmap/error.h"
#include "qmap/particles.h"
#include "qmap/plot.h"
#include "qmap/report.h"
#include "qmap/results.h"

#include <cairo.h>
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { NF = 60, NS = 40 };
#define TILT_DIR 30.0
#define TILT_MAG 0.5

static qmap_results *synthetic(int nf, int ns)
{
    qmap_results *r = qmap_results_new(nf, ns, 5, 1);
    for (int c = 0; c < nf; c++) r->x[c] = 10 + 0.1 * c;
    for (int k = 0; k < ns; k++) r->y[k] = 5 + 0.1 * k;
    for (int k = 0; k < ns; k++)
        for (int c = 0; c < nf; c++) {
            size_t i = (size_t)k * nf + c;
            r->mask[i] = 1;
            r->maps[QMAP_MAP_INTENSITY][i] = 1000 + 10 * k;
            r->maps[QMAP_MAP_D][i] = 4.7 + 0.001 * c;                 /* gradient along x */
            r->maps[QMAP_MAP_C][i] = 3 * r->maps[QMAP_MAP_D][i];
            r->maps[QMAP_MAP_Q][i] = 2 * M_PI / r->maps[QMAP_MAP_D][i];
            r->maps[QMAP_MAP_STRAIN][i] = (c - (nf - 1) / 2.0) * 1e-5;
            for (int m = QMAP_MAP_STD_QX; m <= QMAP_MAP_SIGMA_MEAN; m++)
                r->maps[m][i] = 0.002 + 1e-5 * (c + k);
            r->maps[QMAP_MAP_QX][i] = r->maps[QMAP_MAP_QY][i] = 0;
            r->maps[QMAP_MAP_QZ][i] = r->maps[QMAP_MAP_Q][i];
            /* one tilt everywhere except a corner tilted half as much the other way */
            int corner = k < 5 && c < 5;
            r->maps[QMAP_MAP_TILT_MAGNITUDE][i] = corner ? TILT_MAG / 2 : TILT_MAG;
            r->maps[QMAP_MAP_TILT_DIRECTION][i] = corner ? TILT_DIR - 180 : TILT_DIR;
            r->background[i] = 0.002 + 1e-4 * c;
        }
    for (int k = 10; k < 14; k++)            /* a NaN block (positions not measured) */
        for (int c = 20; c < 24; c++)
            for (int m = 0; m < QMAP_N_MAPS; m++)
                r->maps[m][(size_t)k * nf + c] = NAN;
    for (int s = 0; s < 5; s++) {
        r->eta[s] = 17 + 0.05 * s;
        r->scan_intensity[s] = 1e6 * exp(-pow(s - 2, 2));
        r->shift_x[s] = 0.01 * s;
        r->shift_y[s] = -0.02 * s;
        r->measured_shift_x[s] = s ? 0.01 * s + 0.002 : NAN;
        r->measured_shift_y[s] = s ? -0.02 * s - 0.001 : NAN;
    }
    qmap_axis ax[3] = {{-0.05, 0.05, 11}, {-0.1, 0.1, 21}, {1.2, 1.4, 21}};
    size_t n = 11 * 21 * 21;
    r->overview_sum = malloc(n * sizeof(double));
    r->overview_hits = malloc(n * sizeof(double));
    for (int a = 0; a < 3; a++) r->overview_axes[a] = ax[a];
    for (size_t i = 0; i < n; i++) {
        int ix = (int)(i / (21 * 21)), iy = (int)(i / 21 % 21), iz = (int)(i % 21);
        r->overview_hits[i] = 2;
        r->overview_sum[i] = 2 * (1 + 1000 * exp(-((ix - 5) * (ix - 5) + (iy - 10) * (iy - 10) + (iz - 10) * (iz - 10)) / 4.0));
    }
    double voi[6] = {-0.02, 0.02, -0.03, 0.03, 1.28, 1.32};
    memcpy(r->voi, voi, sizeof voi);
    qmap_results_param(r, "input", "synthetic <test> & co");
    qmap_results_param(r, "energy_ev", "9000");
    return r;
}

static cairo_surface_t *load_png(const char *dir, const char *name)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s.png", dir, name);
    cairo_surface_t *s = cairo_image_surface_create_from_png(p);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        CHECK(0, "%s is not a readable PNG", p);
        cairo_surface_destroy(s);
        return NULL;
    }
    return s;
}

static void pixel(cairo_surface_t *s, double x, double y, int rgb[3])
{
    int ix = (int)x, iy = (int)y;
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v = *(const uint32_t *)(d + (size_t)iy * cairo_image_surface_get_stride(s) + 4 * (size_t)ix);
    rgb[0] = (v >> 16) & 255;
    rgb[1] = (v >> 8) & 255;
    rgb[2] = v & 255;
}

static int viridis_index(const int rgb[3])
{
    int best = 0;
    double bd = 1e9;
    for (int i = 0; i < 256; i++) {
        qmap_rgb c = qmap_colormap_eval(QMAP_CMAP_VIRIDIS, i / 255.0);
        double d = pow(c.r * 255 - rgb[0], 2) + pow(c.g * 255 - rgb[1], 2) + pow(c.b * 255 - rgb[2], 2);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    return best;
}

/* No two texts of a figure overlap (ink boxes, 0.5 figure unit of tolerance), and every
 * text lies inside the figure: labels, tick labels, titles, statistics boxes, keys. */
static void check_no_overlaps(qmap_figure *f, const char *name)
{
    const double *b;
    int n = qmap_figure_text_boxes(f, &b);
    CHECK(n > 0, "%s: the texts are recorded", name);
    const double tol = 0.5, W = qmap_figure_width(f), H = qmap_figure_height(f);
    int reported = 0;
    for (int i = 0; i < n; i++) {
        const double *p = b + 4 * i;
        CHECK(p[0] >= -tol && p[1] >= -tol && p[2] <= W + tol && p[3] <= H + tol,
              "%s: text %d (%.1f,%.1f)-(%.1f,%.1f) outside the %gx%g figure", name, i, p[0], p[1], p[2], p[3], W, H);
        for (int j = i + 1; j < n && reported < 3; j++) {
            const double *q = b + 4 * j;
            int overlap = p[0] + tol < q[2] && q[0] + tol < p[2] && p[1] + tol < q[3] && q[1] + tol < p[3];
            if (overlap)
                reported++;
            CHECK(!overlap, "%s: texts %d (%.1f,%.1f)-(%.1f,%.1f) and %d (%.1f,%.1f)-(%.1f,%.1f) overlap", name,
                  i, p[0], p[1], p[2], p[3], j, q[0], q[1], q[2], q[3]);
        }
    }
}

static void check_sizes(const qmap_results *r, const char *dir)
{
    for (int i = 0; i < qmap_report_n_figures(); i++) {
        const char *name = qmap_report_figure_name(i);
        qmap_figure *f = NULL;
        CHECK(qmap_report_figure(r, name, NULL, &f) == 0 && f, "figure %s", name);
        if (!f)
            continue;
        check_no_overlaps(f, name);
        cairo_surface_t *s = load_png(dir, name);
        if (s) {
            int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
            CHECK(w == (int)ceil(qmap_figure_width(f) * 2 - 1e-9) && h == (int)ceil(qmap_figure_height(f) * 2 - 1e-9),
                  "%s.png is %dx%d, figure %gx%g at scale 2", name, w, h, qmap_figure_width(f), qmap_figure_height(f));
            CHECK(w >= 800 && h >= 600, "%s.png %dx%d is large enough to read", name, w, h);
        }
        char p[4600];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s.svg", dir, name);
        CHECK(stat(p, &st) == 0 && st.st_size > 1000, "%s exists", p);
        cairo_surface_destroy(s);
        qmap_figure_free(f);
    }
}

static void check_map(const qmap_results *r, const char *dir)
{
    qmap_figure *f = NULL;
    qmap_report_figure(r, "map_d_spacing", NULL, &f);
    cairo_surface_t *s = load_png(dir, "map_d_spacing");
    if (!f || !s) {
        qmap_figure_free(f);
        cairo_surface_destroy(s);
        return;
    }
    double fr[4], lim[4];
    qmap_axes *a = qmap_figure_axes(f, 0);
    qmap_axes_frame(a, fr);
    qmap_axes_limits(a, lim);
    CHECK(fabs(lim[0] - 9.95) < 1e-9 && fabs(lim[1] - 15.95) < 1e-9, "x limits are the map edges in um: %g..%g", lim[0], lim[1]);
    /* data row 30 (y = 8.0 um): its pixels, left to right, must climb through viridis */
    double yu = 5 + 0.1 * 30, py = 2 * (fr[1] + (lim[3] - yu) / (lim[3] - lim[2]) * fr[3]);
    int last = -1, mono = 1, first = -1, k = 0;
    for (int c = 0; c < NF; c++) {
        double xu = 10 + 0.1 * c, px = 2 * (fr[0] + (xu - lim[0]) / (lim[1] - lim[0]) * fr[2]);
        int rgb[3];
        pixel(s, px, py, rgb);
        k = viridis_index(rgb);
        if (c == 0) first = k;
        if (k < last) mono = 0;
        last = k;
    }
    CHECK(mono, "d-spacing gradient gives a monotonic colour ramp");
    CHECK(first < 10 && k > 245, "ramp spans the colour map (%d..%d)", first, k);
    /* NaN block rows 10-13, columns 20-23 */
    int rgb[3];
    double xu = 10 + 0.1 * 21.5, yn = 5 + 0.1 * 11.5;
    pixel(s, 2 * (fr[0] + (xu - lim[0]) / (lim[1] - lim[0]) * fr[2]), 2 * (fr[1] + (lim[3] - yn) / (lim[3] - lim[2]) * fr[3]), rgb);
    CHECK(rgb[0] == 178 && rgb[1] == 178 && rgb[2] == 178, "NaN positions are neutral grey, got %d,%d,%d", rgb[0], rgb[1], rgb[2]);
    cairo_surface_destroy(s);
    qmap_figure_free(f);
}

/* HSV colour of a tilt as sxdm defines it, computed here: hue = ((180 + dir) mod 360)/360. */
static void expected_tilt_rgb(double mag, double dir, double maxmag, double out[3])
{
    double h = fmod(180 + dir + 360, 360) / 60, s = mag / maxmag;
    int i = (int)h;
    double f = h - i, p = 1 - s, q = 1 - s * f, t = 1 - s * (1 - f);
    double tab[6][3] = {{1, t, p}, {q, 1, p}, {p, 1, t}, {p, q, 1}, {t, p, 1}, {1, p, q}};
    for (int k = 0; k < 3; k++) out[k] = 255 * tab[i % 6][k];
}

static void check_polar(const qmap_results *r, const char *dir)
{
    qmap_figure *f = NULL;
    qmap_report_figure(r, "tilt_polar", NULL, &f);
    cairo_surface_t *s = load_png(dir, "tilt_polar");
    if (!f || !s) {
        qmap_figure_free(f);
        cairo_surface_destroy(s);
        return;
    }
    double fr[4], lim[4];
    qmap_axes_frame(qmap_figure_axes(f, 0), fr);
    qmap_axes_limits(qmap_figure_axes(f, 0), lim);
    double cx = fr[0] + fr[2] / 2, cy = fr[1] + fr[3] / 2, R = fmin(fr[2], fr[3]) / 2, rmax = lim[3];
    CHECK(rmax >= TILT_MAG, "polar radius %g covers the maximum tilt", rmax);
    struct { double mag, dir; int present; } pts[3] = {
        {TILT_MAG, TILT_DIR, 1}, {TILT_MAG / 2, TILT_DIR - 180, 1}, {TILT_MAG, TILT_DIR + 90, 0}};
    for (int p = 0; p < 3; p++) {
        /* documented geometry: the qx-qy plane as the maps, +qx right, +qy up; a direction
         * d = atan2(dqx, dqy) points along (sin d, cos d) in (qx, qy); radius linear */
        double th = (90 - pts[p].dir) * M_PI / 180, rr = pts[p].mag / rmax * R;
        double x = 2 * (cx + rr * cos(th)), y = 2 * (cy - rr * sin(th)), want[3];
        int rgb[3];
        pixel(s, x, y, rgb);
        expected_tilt_rgb(pts[p].mag, pts[p].dir, TILT_MAG, want);
        double d = fabs(rgb[0] - want[0]) + fabs(rgb[1] - want[1]) + fabs(rgb[2] - want[2]);
        if (pts[p].present)
            CHECK(d < 30, "tilt %g deg at %g deg: pixel %d,%d,%d, expected %.0f,%.0f,%.0f", pts[p].mag, pts[p].dir,
                  rgb[0], rgb[1], rgb[2], want[0], want[1], want[2]);
        else
            CHECK(d > 100, "no point where no tilt is (%g deg at %g deg)", pts[p].mag, pts[p].dir);
    }
    cairo_surface_destroy(s);
    qmap_figure_free(f);
}

static void check_errors(const char *tmp)
{
    char out[4400], bad[4400];
    struct stat st;
    snprintf(out, sizeof out, "%s/report_err_out", tmp);
    CHECK(qmap_report_write("/nonexistent/results.h5", out, NULL) < 0, "missing file fails");
    CHECK(strstr(qmap_error_message(), "/nonexistent/results.h5") != NULL, "message names the file: %s", qmap_error_message());
    CHECK(stat(out, &st) != 0, "no report folder after a failure");
    snprintf(bad, sizeof bad, "%s/report_not_results.h5", tmp);
    hid_t f = H5Fcreate(bad, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Fclose(f);
    int rc = qmap_report_write(bad, out, NULL);
    CHECK(rc == QMAP_ERR_FORMAT, "an HDF5 file without /maps is a format error (%d)", rc);
    /* the one results reader (qmap_results_read) takes the map shape from /maps/mask first */
    CHECK(strstr(qmap_error_message(), "/maps/mask") != NULL, "message names the dataset: %s", qmap_error_message());
    CHECK(stat(out, &st) != 0, "no report folder after a failure");
    qmap_figure *fig = NULL;
    qmap_results *r = qmap_results_new(2, 2, 1, 0);
    CHECK(qmap_report_figure(r, "no_such_figure", NULL, &fig) == QMAP_ERR_VALUE, "unknown figure name");
    CHECK(qmap_report_figure(r, "map_c", NULL, &fig) == 0 && fig == NULL, "map_c without c is skipped");
    CHECK(qmap_report_figure(r, "map_background", NULL, &fig) == 0 && fig == NULL,
          "map_background without a background map (a file written before it) is skipped");
    qmap_results_free(r);
}

/* Particles: five rectangles labelled 1..5 added to a results file with the library's
 * /particles writer; the report then draws them in five distinct saturated colours, grey
 * elsewhere, and lists one table row per particle. A label map of another shape fails. */
enum { N_BLOCKS = 5 };
static const int blocks[N_BLOCKS][4] = {   /* first column, first row, width, height (positions) */
    {2, 30, 8, 6}, {14, 3, 10, 7}, {30, 20, 7, 9}, {45, 5, 12, 8}, {40, 28, 15, 9}};

static qmap_particles *block_particles(const qmap_results *r, int nf, int ns)
{
    qmap_particles *p = calloc(1, sizeof *p);
    p->n_fast = nf;
    p->n_slow = ns;
    p->n_particles = N_BLOCKS;
    p->labels = calloc((size_t)nf * ns, sizeof *p->labels);
    p->table = calloc(N_BLOCKS * QMAP_N_PCOLS, sizeof *p->table);
    for (int b = 0; b < N_BLOCKS; b++)
        for (int k = blocks[b][1]; k < blocks[b][1] + blocks[b][3]; k++)
            for (int c = blocks[b][0]; c < blocks[b][0] + blocks[b][2]; c++)
                if (c < nf)
                    p->labels[(size_t)k * nf + c] = b + 1;
    if (nf == r->n_fast) {
        qmap_particle_maps m = {r->n_fast, r->n_slow, r->x, r->y, r->mask, r->maps[QMAP_MAP_INTENSITY],
                                r->maps[QMAP_MAP_D], r->maps[QMAP_MAP_C], r->maps[QMAP_MAP_STRAIN],
                                {r->maps[QMAP_MAP_SIGMA_QX], r->maps[QMAP_MAP_SIGMA_QY], r->maps[QMAP_MAP_SIGMA_QZ]},
                                r->maps[QMAP_MAP_TILT_MAGNITUDE],
                                {r->maps[QMAP_MAP_QX], r->maps[QMAP_MAP_QY], r->maps[QMAP_MAP_QZ]}};
        CHECK(qmap_particles_measure(&m, p->labels, N_BLOCKS, p->table) == 0, "measure: %s", qmap_error_message());
    }
    return p;
}

static int count_in_file(const char *path, const char *what, const char *after)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        n = 0;
    fclose(f);
    const char *s = after ? strstr(buf, after) : buf;
    const char *end = s ? strstr(s, "</table>") : NULL;
    int k = 0;
    for (const char *q = s; q && (q = strstr(q, what)) && (!after || q < end); q += strlen(what))
        k++;
    free(buf);
    return k;
}

static void check_particles(const char *tmp)
{
    char path[4400], dir[4400], csv[4400], html[4500];
    snprintf(path, sizeof path, "%s/report_particles.h5", tmp);
    snprintf(csv, sizeof csv, "%s/report_particles.csv", tmp);
    snprintf(dir, sizeof dir, "%s/report_particles_report", tmp);
    qmap_results *r = synthetic(NF, NS);
    CHECK(qmap_results_write(r, path) == 0, "write results: %s", qmap_error_message());
    qmap_particles *p = block_particles(r, NF, NS);
    qmap_particle_options po;
    qmap_particle_options_default(&po);
    CHECK(qmap_particles_write(path, csv, p, &po) == 0, "write /particles: %s", qmap_error_message());
    qmap_particles_free(p);
    CHECK(qmap_report_write(path, dir, NULL) == 0, "report with particles: %s", qmap_error_message());

    /* the figure: each block's colour (away from its centroid, where the number is) */
    qmap_report_particles *rp = NULL;
    qmap_figure *f = NULL;
    CHECK(qmap_report_particles_load(path, &rp) == 0 && rp && rp->n_particles == N_BLOCKS,
          "load /particles: %s", qmap_error_message());
    CHECK(rp && rp->n_columns == QMAP_N_PCOLS && qmap_report_particles_column(rp, "tilt_extension_max"),
          "all table columns read");
    if (rp)
        CHECK(qmap_report_particles_figure(r, rp, &f) == 0 && f, "particles figure");
    cairo_surface_t *s = load_png(dir, "particles");
    if (f && s) {
        double fr[4], lim[4];
        qmap_axes_frame(qmap_figure_axes(f, 0), fr);
        qmap_axes_limits(qmap_figure_axes(f, 0), lim);
        int rgb[3], got[N_BLOCKS][3];
        for (int b = 0; b < N_BLOCKS; b++) {
            double xu = 10 + 0.1 * (blocks[b][0] + 0.5), yu = 5 + 0.1 * (blocks[b][1] + 0.5);
            pixel(s, 2 * (fr[0] + (xu - lim[0]) / (lim[1] - lim[0]) * fr[2]),
                  2 * (fr[1] + (lim[3] - yu) / (lim[3] - lim[2]) * fr[3]), got[b]);
            qmap_rgb want = qmap_report_label_color(b + 1);
            double d = fabs(got[b][0] - 255 * want.r) + fabs(got[b][1] - 255 * want.g) + fabs(got[b][2] - 255 * want.b);
            CHECK(d < 6, "particle %d drawn %d,%d,%d, its colour is %.0f,%.0f,%.0f", b + 1, got[b][0], got[b][1],
                  got[b][2], 255 * want.r, 255 * want.g, 255 * want.b);
            for (int a = 0; a < b; a++)
                CHECK(abs(got[a][0] - got[b][0]) + abs(got[a][1] - got[b][1]) + abs(got[a][2] - got[b][2]) > 60,
                      "particles %d and %d have similar colours", a + 1, b + 1);
        }
        double xu = 10 + 0.1 * 28, yu = 5 + 0.1 * 12;   /* no particle there */
        pixel(s, 2 * (fr[0] + (xu - lim[0]) / (lim[1] - lim[0]) * fr[2]), 2 * (fr[1] + (lim[3] - yu) / (lim[3] - lim[2]) * fr[3]), rgb);
        CHECK(rgb[0] == 178 && rgb[1] == 178 && rgb[2] == 178, "background is neutral grey, got %d,%d,%d", rgb[0], rgb[1], rgb[2]);
        /* distinct saturated colours covering a block-sized area inside the frame */
        enum { MAXC = 4096 };
        static uint32_t key[MAXC];
        static int cnt[MAXC];
        int nk = 0;
        for (int y = (int)(2 * fr[1]) + 3; y < (int)(2 * (fr[1] + fr[3])) - 3; y++)
            for (int x = (int)(2 * fr[0]) + 3; x < (int)(2 * (fr[0] + fr[2])) - 3; x++) {
                pixel(s, x, y, rgb);
                int mx = rgb[0] > rgb[1] ? rgb[0] : rgb[1], mn = rgb[0] < rgb[1] ? rgb[0] : rgb[1];
                mx = mx > rgb[2] ? mx : rgb[2];
                mn = mn < rgb[2] ? mn : rgb[2];
                if (mx - mn < 40)
                    continue;
                uint32_t k = (uint32_t)(rgb[0] << 16 | rgb[1] << 8 | rgb[2]);
                int i = 0;
                while (i < nk && key[i] != k) i++;
                if (i == nk && nk < MAXC) key[nk] = k, cnt[nk++] = 0;
                if (i < nk) cnt[i]++;
            }
        int big = 0;
        for (int i = 0; i < nk; i++)
            big += cnt[i] >= 400;
        CHECK(big == N_BLOCKS, "%d distinct label colours in particles.png, expected %d", big, N_BLOCKS);
    }
    cairo_surface_destroy(s);
    qmap_figure_free(f);
    qmap_report_particles_free(rp);

    /* the table: one row per particle, one header cell per column */
    snprintf(html, sizeof html, "%s/report.html", dir);
    CHECK(count_in_file(html, "<tr class=\"particle\">", NULL) == N_BLOCKS, "report.html has %d particle rows, expected %d",
          count_in_file(html, "<tr class=\"particle\">", NULL), N_BLOCKS);
    CHECK(count_in_file(html, "<th>", "<table class=\"particles\">") == QMAP_N_PCOLS, "particle table has %d columns",
          count_in_file(html, "<th>", "<table class=\"particles\">"));
    CHECK(count_in_file(html, "<th>tilt_extension_max (degree)</th>", NULL) == 1, "column header with unit");
    /* a label map of another shape than the maps */
    char out[4400];
    struct stat st;
    snprintf(out, sizeof out, "%s/report_particles_bad_report", tmp);
    p = block_particles(r, NF - 1, NS);
    CHECK(qmap_particles_write(path, csv, p, &po) == 0, "write /particles: %s", qmap_error_message());
    qmap_particles_free(p);
    CHECK(qmap_report_write(path, out, NULL) == QMAP_ERR_FORMAT && strstr(qmap_error_message(), "/particles/labels"),
          "labels of another shape: %s", qmap_error_message());
    CHECK(stat(out, &st) != 0, "no report folder after a failure");
    qmap_results_free(r);
}

static void time_figures(const char *tmp)
{
    qmap_results *r = synthetic(200, 200);
    printf("drawing + PNG (scale 2) of a 200 x 200 map, per figure:\n");
    char p[4400];
    for (int i = 0; i < qmap_report_n_figures(); i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        qmap_figure *f = NULL;
        qmap_report_figure(r, qmap_report_figure_name(i), NULL, &f);
        snprintf(p, sizeof p, "%s/timing_%s.png", tmp, qmap_report_figure_name(i));
        if (f) CHECK(qmap_figure_write_png(f, p, 2) == 0, "write %s", p);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("  %-16s %6.3f s\n", qmap_report_figure_name(i), (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec));
        qmap_figure_free(f);
    }
    qmap_results_free(r);
}

int main(void)
{
    const char *tmp = getenv("QMAP_TEST_TMP");
    if (!tmp)
        tmp = "/tmp";
    char path[4400], dir[4400];
    snprintf(path, sizeof path, "%s/report_synthetic.h5", tmp);
    snprintf(dir, sizeof dir, "%s/report_synthetic_report", tmp);
    qmap_results *w = synthetic(NF, NS);
    CHECK(qmap_results_write(w, path) == 0, "write synthetic results: %s", qmap_error_message());
    qmap_results_free(w);
    CHECK(qmap_report_write(path, dir, NULL) == 0, "report: %s", qmap_error_message());
    qmap_results *r = NULL;
    CHECK(qmap_report_load(path, &r) == 0, "load: %s", qmap_error_message());
    if (r) {
        int found = 0;
        for (int i = 0; i < r->n_params; i++)
            found += strcmp(r->param_keys[i], "input") == 0 && strcmp(r->param_values[i], "synthetic <test> & co") == 0;
        CHECK(found == 1, "parameters read back");
        check_sizes(r, dir);
        check_map(r, dir);
        check_polar(r, dir);
        qmap_results_free(r);
    }
    check_errors(tmp);
    check_particles(tmp);
    time_figures(tmp);
    if (failures)
        fprintf(stderr, "%d failure(s)\n", failures);
    return failures != 0;
}
