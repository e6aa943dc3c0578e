/* report_html.c -- report.html, the overview page of `qmap report`: every figure's PNG
 * inlined as base64 (no network access needed), its caption and links to its files, and
 * the particle table when the results file has /particles.
 *
 * Written into the report's private temporary folder through qmap_temp_create /
 * qmap_temp_commit; report.c moves the folder's files into place with the rest.
 */
#include "report_internal.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static void path_in(const char *dir, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void html_escape(FILE *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '&') fputs("&amp;", o);
        else if (*s == '<') fputs("&lt;", o);
        else if (*s == '>') fputs("&gt;", o);
        else if (*s == '"') fputs("&quot;", o);
        else fputc(*s, o);
    }
}

static int base64_file(FILE *o, const char *path)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in)
        return qmap_error(QMAP_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    unsigned char b[3];
    size_t n;
    while ((n = fread(b, 1, 3, in)) > 0) {
        if (n < 3) b[2] = 0;
        if (n < 2) b[1] = 0;
        fputc(tab[b[0] >> 2], o);
        fputc(tab[((b[0] & 3) << 4) | (b[1] >> 4)], o);
        fputc(n > 1 ? tab[((b[1] & 15) << 2) | (b[2] >> 6)] : '=', o);
        fputc(n > 2 ? tab[b[2] & 63] : '=', o);
    }
    fclose(in);
    return QMAP_OK;
}

/* The particles section: the label map and /particles/table, one row per particle. */
static int write_particles_html(FILE *h, const char *dir, const qmap_report_particles *p, qmap_figure *fig,
                                const qmap_report_options *o)
{
    char png[8400];
    path_in(dir, "particles.png", png, sizeof png);
    fprintf(h, "<h2 id=\"particles\">particles</h2>\n<figure><img alt=\"particles\" width=\"%d\" height=\"%d\" "
               "src=\"data:image/png;base64,", (int)lround(qmap_figure_width(fig)), (int)lround(qmap_figure_height(fig)));
    int rc = base64_file(h, png);
    fputs("\">\n<figcaption>", h);
    html_escape(h, qmap__particles_caption);
    if (o->svg)
        fputs(" Files: <a href=\"particles.png\">particles.png</a>, <a href=\"particles.svg\">particles.svg</a>.", h);
    fprintf(h, "</figcaption></figure>\n<div style=\"overflow-x:auto\"><table class=\"particles\">\n<tr>");
    for (int k = 0; k < p->n_columns; k++) {
        fputs("<th>", h);
        html_escape(h, p->names[k]);
        if (p->units[k][0]) {
            fputs(" (", h);
            html_escape(h, p->units[k]);
            fputs(")", h);
        }
        fputs("</th>", h);
    }
    fputs("</tr>\n", h);
    for (int i = 0; i < p->n_particles; i++) {
        fputs("<tr class=\"particle\">", h);
        for (int k = 0; k < p->n_columns; k++) {
            double v = p->values[(size_t)k * p->n_particles + i];
            if (strcmp(p->names[k], "label") == 0 || strcmp(p->names[k], "n_positions") == 0)
                fprintf(h, "<td>%.0f</td>", v);
            else
                fprintf(h, "<td>%.6g</td>", v);
        }
        fputs("</tr>\n", h);
    }
    if (p->n_particles == 0)
        fprintf(h, "<tr><td colspan=\"%d\">(no particles)</td></tr>\n", p->n_columns > 0 ? p->n_columns : 1);
    fputs("</table></div>\n", h);
    return rc;
}

/* The run's warnings (/parameters warning_1, warning_2 ...: core/log.h) first, in a box: what
 * the maps below cannot be trusted for, before anyone reads them. Nothing when there is none. */
static void write_warnings_html(FILE *h, const qmap_results *r)
{
    int *at = malloc((r->n_params ? r->n_params : 1) * sizeof *at), n = 0;
    for (int i = 0; at && i < r->n_params; i++)
        if (strncmp(r->param_keys[i], "warning_", 8) == 0) {
            int k = n++;   /* in the run's order (warning_2 before warning_10), whatever the file's */
            while (k > 0 && atoi(r->param_keys[at[k - 1]] + 8) > atoi(r->param_keys[i] + 8)) {
                at[k] = at[k - 1];
                k--;
            }
            at[k] = i;
        }
    if (n > 0) {
        fputs("<div class=\"warn\" id=\"warnings\"><p><b>Warnings of this run</b> (also in the processing "
              "parameters, warning_1 ...)</p>\n<ul>\n", h);
        for (int k = 0; k < n; k++) {
            fputs("<li>", h);
            html_escape(h, r->param_values[at[k]]);
            fputs("</li>\n", h);
        }
        fputs("</ul></div>\n", h);
    }
    free(at);
}

int qmap__report_html(const char *dir, const qmap_results *r, const char *results_path, qmap_figure **figs,
                      const qmap_report_options *o, const qmap_report_particles *particles)
{
    char p[8400], tmp[8500], png[8400];
    path_in(dir, "report.html", p, sizeof p);
    int fd = qmap_temp_create(p, tmp, sizeof tmp);   /* the one atomic-output helper */
    if (fd < 0)
        return fd;
    FILE *h = fdopen(fd, "w");
    if (!h) {
        close(fd);
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "cannot write %s: %s", p, strerror(errno));
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>qmap report: ", h);
    html_escape(h, results_path);
    fputs("</title>\n<style>\nbody{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222;max-width:1900px}\n"
          "h1{font-size:22px}h2{font-size:17px;margin:28px 0 6px}\n"
          "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}\n"
          "th{background:#f2f2f2}td.v{font-family:'DejaVu Sans Mono',monospace;word-break:break-all}\n"
          "figure{margin:0 0 12px}img{max-width:100%;height:auto;border:1px solid #eee}\n"
          "figcaption{font-size:13px;color:#444;margin-top:4px}nav a{margin-right:10px;font-size:13px}\n"
          "div.warn{border:2px solid #c62828;background:#fff3f3;padding:4px 14px;margin:14px 0;font-size:14px}\n</style>\n</head><body>\n", h);
    fputs("<h1>qmap report</h1>\n<p>Results file: <code>", h);
    html_escape(h, results_path);
    fprintf(h, "</code>; map %d \u00d7 %d positions (fast \u00d7 slow), %d eta scans.</p>\n<nav>", r->n_fast, r->n_slow, r->n_scans);
    for (int i = 0; i < QMAP__N_FIGURES; i++)
        if (figs[i])
            fprintf(h, "<a href=\"#%s\">%s</a>", qmap_report_figure_name(i), qmap_report_figure_name(i));
    if (particles)
        fputs("<a href=\"#particles\">particles</a>", h);
    fputs("</nav>\n", h);
    write_warnings_html(h, r);
    fputs("<h2 id=\"parameters\">Processing parameters</h2>\n<table><tr><th>parameter</th><th>value</th></tr>\n", h);
    for (int i = 0; i < r->n_params; i++) {
        fputs("<tr><td>", h);
        html_escape(h, r->param_keys[i]);
        fputs("</td><td class=\"v\">", h);
        html_escape(h, r->param_values[i]);
        fputs("</td></tr>\n", h);
    }
    if (r->n_params == 0)
        fputs("<tr><td colspan=\"2\">(no /parameters in this results file)</td></tr>\n", h);
    fputs("</table>\n", h);
    int rc = QMAP_OK;
    for (int i = 0; i < QMAP__N_FIGURES && rc >= 0; i++) {
        if (!figs[i])
            continue;
        char file[256];
        snprintf(file, sizeof file, "%s.png", qmap_report_figure_name(i));
        path_in(dir, file, png, sizeof png);
        fprintf(h, "<h2 id=\"%s\">%s</h2>\n<figure><img alt=\"%s\" width=\"%d\" height=\"%d\" src=\"data:image/png;base64,",
                qmap_report_figure_name(i), qmap_report_figure_name(i), qmap_report_figure_name(i), (int)lround(qmap_figure_width(figs[i])),
                (int)lround(qmap_figure_height(figs[i])));
        rc = base64_file(h, png);
        fputs("\">\n<figcaption>", h);
        html_escape(h, qmap_report_figure_caption(qmap_report_figure_name(i)));
        if (o->svg)
            fprintf(h, " Files: <a href=\"%s.png\">%s.png</a>, <a href=\"%s.svg\">%s.svg</a>.", qmap_report_figure_name(i),
                    qmap_report_figure_name(i), qmap_report_figure_name(i), qmap_report_figure_name(i));
        fputs("</figcaption></figure>\n", h);
    }
    if (rc >= 0 && particles)
        rc = write_particles_html(h, dir, particles, figs[QMAP__N_FIGURES], o);
    fputs("</body></html>\n", h);
    int bad = ferror(h);
    if (fclose(h) != 0 || bad) {
        if (rc >= 0)
            rc = qmap_error(QMAP_ERR_IO, "cannot write %s", p);
    }
    if (rc >= 0)
        rc = qmap_temp_commit(tmp, p);
    else
        qmap_temp_discard(tmp);
    if (rc < 0)
        return rc;
    return QMAP_OK;
}

