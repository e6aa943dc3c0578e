/* report.c -- `qmap report`: the overview page and the output folder.
 *
 * The figures come from the table of report_figures.c. All files are made in
 * a private "DIR.tmp-qmap-XXXXXX" (qmap_temp_dir_create) beside the report folder and moved into it when every
 * one is complete, so a failed or interrupted report (a second Ctrl-C included) leaves no new file in DIR. The particles figure and table (report_particles.c)
 * are added when the results file has /particles: they need that group, not only qmap_results.
 * The page itself, report.html, is written by report_html.c.
 */
#include "report_internal.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void qmap_report_default_dir(const char *results_path, char *out, size_t size)
{
    size_t n = strlen(results_path);
    if (n > 3 && strcmp(results_path + n - 3, ".h5") == 0)
        n -= 3;
    snprintf(out, size, "%.*s_report", (int)n, results_path);
}

/* ---- output folder ---- */

typedef struct {
    char tmpdir[4200], dir[4096];
    char **files;   /* names made in tmpdir */
    int n_files;
} outdir;

static int add_file(outdir *d, const char *name)
{
    char **f = realloc(d->files, (d->n_files + 1) * sizeof *f);
    if (!f || !(f[d->n_files] = strdup(name))) {
        if (f) d->files = f;
        return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    }
    d->files = f;
    d->n_files++;
    return QMAP_OK;
}

static void path_in(const char *dir, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void outdir_forget_files(outdir *d)
{
    for (int i = 0; i < d->n_files; i++)
        free(d->files[i]);
    free(d->files);
    d->files = NULL;
    d->n_files = 0;
}

/* the files made in the private folder (still recorded), then the folder */
static void outdir_discard(outdir *d)
{
    outdir_forget_files(d);
    if (d->tmpdir[0])
        qmap_temp_dir_remove(d->tmpdir);
}

static int outdir_commit(outdir *d)
{
    struct stat st;
    if (stat(d->dir, &st) != 0 && mkdir(d->dir, 0777) != 0 && errno != EEXIST)
        return qmap_error(QMAP_ERR_IO, "cannot create report folder %s: %s", d->dir, strerror(errno));
    char a[8400], b[8400];
    for (int i = 0; i < d->n_files; i++) {
        path_in(d->tmpdir, d->files[i], a, sizeof a);
        path_in(d->dir, d->files[i], b, sizeof b);
        if (qmap_temp_commit(a, b) < 0)   /* never replaces a symbolic link */
            return qmap_error_prefix(QMAP_ERR_IO, "report");
    }
    outdir_forget_files(d);
    qmap_temp_dir_remove(d->tmpdir);   /* empty now */
    return QMAP_OK;
}

static int write_figure(outdir *d, qmap_figure *f, const char *name, const qmap_report_options *o, int vector)
{
    char file[256], p[8400];
    snprintf(file, sizeof file, "%s.png", name);
    path_in(d->tmpdir, file, p, sizeof p);
    int rc = qmap_figure_write_png(f, p, o->png_scale);
    if (rc >= 0) rc = add_file(d, file);
    if (rc >= 0 && vector && o->svg) {
        snprintf(file, sizeof file, "%s.svg", name);
        path_in(d->tmpdir, file, p, sizeof p);
        rc = qmap_figure_write_svg(f, p);
        if (rc >= 0) rc = add_file(d, file);
    }
    if (rc >= 0 && vector && o->pdf) {
        snprintf(file, sizeof file, "%s.pdf", name);
        path_in(d->tmpdir, file, p, sizeof p);
        rc = qmap_figure_write_pdf(f, p);
        if (rc >= 0) rc = add_file(d, file);
    }
    return rc;
}

/* 1 when figure name is selected by the comma-separated list (NULL = all); an item names a
 * figure or a map (strain = map_strain). */
int qmap_report_selects(const char *list, const char *name)
{
    if (!list)
        return 1;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if ((strlen(name) == n && strncmp(name, p, n) == 0) ||
            (strncmp(name, "map_", 4) == 0 && strlen(name) - 4 == n && strncmp(name + 4, p, n) == 0))
            return 1;
        p += n + (end ? 1 : 0);
    }
    return 0;
}

/* The index of figure name in figures[], or -1. */
static int figure_index(const char *name)
{
    for (int i = 0; i < QMAP__N_FIGURES; i++)
        if (strcmp(qmap_report_figure_name(i), name) == 0)
            return i;
    return -1;
}

/* All figures on one page, in rows, each at its own drawing scale (the maps of the 2x2
 * width panels stay as large as a single map's) unless wider than the page. The c map is
 * left out when the distribution figure already shows it beside its histogram. */
static qmap_figure *overview(qmap_figure **figs, int n, const char *title)
{
    const double width = 1800, gap = 16, top = 44;
    double y = top, x = 0, row_h = 0;
    int c_map = figure_index("map_c"), dist = figure_index("distribution");
    typedef struct { double x, y, s; int on; } place;
    place *pl = calloc(n ? n : 1, sizeof *pl);
    if (!pl)
        return NULL;
    for (int i = 0; i < n; i++) {
        if (!figs[i] || (i == c_map && dist >= 0 && figs[dist]))
            continue;
        double s = 1, w = qmap_figure_width(figs[i]);
        if (w > width) {
            s = width / w;
            w = width;
        }
        if (x > 0 && x + w > width) {
            y += row_h + gap;
            x = 0;
            row_h = 0;
        }
        pl[i] = (place){x, y, s, 1};
        x += w + gap;
        row_h = fmax(row_h, qmap_figure_height(figs[i]) * s);
    }
    qmap_figure *f = qmap_figure_new(width, y + row_h + gap);
    if (f) {
        qmap_figure_text(f, 12, 10, 0, 0, 15, 1, title);
        for (int i = 0; i < n; i++)
            if (pl[i].on)
                qmap_figure_place(f, figs[i], pl[i].x, pl[i].y, pl[i].s);
    }
    free(pl);
    return f;
}

int qmap_report_write(const char *results_path, const char *out_dir, const qmap_report_options *o)
{
    qmap_report_options def;
    if (!o) {
        qmap_report_defaults(&def);
        o = &def;
    }
    outdir d = {0};
    if (out_dir)
        snprintf(d.dir, sizeof d.dir, "%s", out_dir);
    else
        qmap_report_default_dir(results_path, d.dir, sizeof d.dir);
    while (strlen(d.dir) > 1 && d.dir[strlen(d.dir) - 1] == '/')
        d.dir[strlen(d.dir) - 1] = '\0';
    int rc0 = qmap_output_check_folder("report folder", d.dir);
    if (rc0 < 0)
        return rc0;
    qmap_results *r = NULL;
    unsigned parts = QMAP_READ_QSPACE | (qmap_report_selects(o->figures, "particles") ? QMAP_READ_PARTICLES : 0);
    int rc = qmap_results_read(results_path, parts, &r);
    if (rc < 0)
        return rc;
    /* a private folder with a random name: nothing planted in it can be followed; recorded, so
     * that a second Ctrl-C removes it with the figures already in it */
    if ((rc = qmap_temp_dir_create(d.dir, d.tmpdir, sizeof d.tmpdir)) < 0) {
        d.tmpdir[0] = '\0';
        qmap_results_free(r);
        return rc;
    }
    qmap_figure *figs[QMAP__N_FIGURES + 1] = {0};   /* the last: particles, when the file has them */
    for (int i = 0; i < QMAP__N_FIGURES && rc >= 0; i++) {
        if (!qmap_report_selects(o->figures, qmap_report_figure_name(i)))
            continue;
        rc = qmap_report_figure(r, qmap_report_figure_name(i), o, &figs[i]);
        if (rc >= 0 && figs[i])
            rc = write_figure(&d, figs[i], qmap_report_figure_name(i), o, 1);
        if (rc >= 0)
            rc = qmap_check_cancel();   /* SIGINT/SIGTERM: the folder is left as it was */
    }
    const qmap_report_particles *particles = r->particles;   /* read when selected */
    if (rc >= 0 && particles) {
        if (particles->n_fast != r->n_fast || particles->n_slow != r->n_slow)
            rc = qmap_error(QMAP_ERR_FORMAT, "%s: /particles/labels is %d x %d, /maps are %d x %d", results_path,
                            particles->n_slow, particles->n_fast, r->n_slow, r->n_fast);
        else
            rc = qmap_report_particles_figure(r, particles, &figs[QMAP__N_FIGURES]);
        if (rc >= 0)
            rc = write_figure(&d, figs[QMAP__N_FIGURES], "particles", o, 1);
    }
    if (rc >= 0) {
        char title[4400], esc[4300];
        qmap_markup_escape(results_path, esc, sizeof esc);
        snprintf(title, sizeof title, "qmap report: %s", esc);
        qmap_figure *ov = overview(figs, QMAP__N_FIGURES + 1, title);
        rc = ov ? write_figure(&d, ov, "overview", o, 0) : qmap_error(QMAP_ERR_NOMEM, "out of memory for the overview");
        qmap_figure_free(ov);
    }
    if (rc >= 0)
        rc = qmap_check_cancel();
    if (rc >= 0)
        rc = qmap__report_html(d.tmpdir, r, results_path, figs, o, particles);
    if (rc >= 0)
        rc = add_file(&d, "report.html");
    if (rc >= 0)
        rc = qmap_check_cancel();
    for (int i = 0; i <= QMAP__N_FIGURES; i++)
        qmap_figure_free(figs[i]);
    qmap_results_free(r);
    if (rc >= 0)
        rc = outdir_commit(&d);
    if (rc < 0)
        outdir_discard(&d);
    return rc;
}

int qmap_report_load(const char *path, qmap_results **out)
{
    return qmap_results_read(path, QMAP_READ_QSPACE, out);
}
