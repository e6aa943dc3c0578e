/* series_check.c -- the checks qmap_dataset_open makes with the series rules (issue 11):
 * a --scans list must name existing SXDM map scans, and the scans read must form one
 * series, so that two particles or two reflections are never merged into one rocking
 * curve. The scans that were not read as maps (kept by dataset.c) name the culprits.
 */
#include "series_internal.h"
#include "qmap/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTED 6

static int map_scan_index(const qmap_dataset *ds, int number)
{
    for (int i = 0; i < qmap_dataset_n_scans(ds); i++)
        if (qmap_dataset_scan(ds, i)->number == number)
            return i;
    return -1;
}

static int other_index(const qmap_dataset *ds, int number)
{
    for (int i = 0; i < qmap_dataset_n_other(ds); i++) {
        int n = -1;
        qmap_dataset_other(ds, i, NULL, &n, NULL, NULL);
        if (n == number)
            return i;
    }
    return -1;
}

static void append(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
    size_t l = strlen(buf);
    if (l < size)
        snprintf(buf + l, size - l, fmt, a, b);
}

/* Every number of sel is a map scan of ds. */
int qmap_series_check_selection(const qmap_dataset *ds, const qmap_scan_list *sel, const char *text)
{
    int *missing = malloc((size_t)sel->n * sizeof *missing);
    if (!missing)
        return qmap_error(QMAP_ERR_NOMEM, "no memory");
    int n_missing = 0;
    char nonmap[600] = "";
    for (int k = 0; k < sel->n; k++) {
        int v = sel->numbers[k];
        if (map_scan_index(ds, v) >= 0)
            continue;
        int o = other_index(ds, v);
        if (o < 0) {
            missing[n_missing++] = v;
            continue;
        }
        const char *name, *title, *why;
        qmap_dataset_other(ds, o, &name, NULL, &title, &why);
        char what[200];
        if (title[0] && strncmp(why, "unreadable", 10) != 0)
            snprintf(what, sizeof what, "%s (%.60s)", name, title);
        else
            snprintf(what, sizeof what, "%s (%.120s)", name, why);
        append(nonmap, sizeof nonmap, "%s%s", nonmap[0] ? ", " : "", what);
    }
    int rc = QMAP_OK;
    if (n_missing || nonmap[0]) {
        char list[300] = "";
        qmap_scan_list_format(missing, n_missing, list, sizeof list);
        rc = qmap_error(QMAP_ERR_VALUE, "%s: --scans %s: %s%s%s%s%s", qmap_dataset_path(ds), text,
                        n_missing ? "no scan " : "", list, n_missing ? " in the file" : "",
                        n_missing && nonmap[0] ? "; " : "",
                        nonmap[0] ? "not readable SXDM map scans: " : "");
        if (nonmap[0]) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s%s", qmap_error_message(), nonmap);
            rc = qmap_error(QMAP_ERR_VALUE, "%s", msg);
        }
    }
    free(missing);
    return rc;
}

int qmap_series_check_dataset(const qmap_dataset *ds, const qmap_scan_list *sel,
                              const char *text)
{
    if (sel->n > 0) {
        int rc = qmap_series_check_selection(ds, sel, text ? text : "");
        if (rc != QMAP_OK)
            return rc;
    }
    qmap_series *sv = NULL;
    int ns = 0;
    int rc = qmap_series_find(ds, &sv, &ns);
    if (rc != QMAP_OK || ns <= 1) {
        free(sv);
        return rc;
    }
    char list[1000] = "";
    for (int k = 0; k < ns && k < MAX_LISTED; k++) {
        const qmap_series *s = &sv[k];
        char one[400], why[220] = "";
        if (s->why_new[0])
            snprintf(why, sizeof why, "; new at scan %s: %s",
                     qmap_dataset_scan(ds, s->first)->name, s->why_new);
        if (s->rocking[0])
            snprintf(one, sizeof one, "--scans %s (%s %.4g..%.4g%s)", s->scans, s->rocking,
                     s->rock_first, s->rock_last, why);
        else
            snprintf(one, sizeof one, "--scans %s (eta %.4g%s)", s->scans, s->rock_first, why);
        append(list, sizeof list, "%s%s", k ? ", " : "", one);
    }
    if (ns > MAX_LISTED) {
        char more[64];
        snprintf(more, sizeof more, " and %d more (see qmap info)", ns - MAX_LISTED);
        append(list, sizeof list, "%s%s", more, "");
    }
    if (sel->n > 0)
        rc = qmap_error(QMAP_ERR_VALUE, "%s: --scans %s spans %d series (scan %s: %s): %s; "
                        "process one series at a time", qmap_dataset_path(ds), text ? text : "",
                        ns, qmap_dataset_scan(ds, sv[1].first)->name, sv[1].why_new, list);
    else
        rc = qmap_error(QMAP_ERR_VALUE, "%s holds %d series of SXDM scans; choose one: %s",
                        qmap_dataset_path(ds), ns, list);
    free(sv);
    return rc;
}
