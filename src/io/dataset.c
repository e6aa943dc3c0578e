/* dataset.c -- the qmap_dataset container: the map scans of one input file, their order,
 * and the accessors (include/qmap/dataset.h). The readers that fill it are behind the table
 * of dataset_open.c (BLISS: bliss_scan.c, XSOCS: xsocs_input.c, SPEC: dataset_spec.c).
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"
#include "series_internal.h"   /* series (issue 11) */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qmap_dataset {
    char *path;
    qmap_scan_info *scans;
    int n_scans;
    int n_skipped;
    /* series (issue 11) */
    qmap_other_scans other;     /* scans not read as maps, for listings and --scans checks */
    qmap_scan_list selection;   /* --scans (n = 0: every map scan) */
    int listing;
    char bad[4096];   /* scans skipped for unreadable metadata: "NAME: why; ..." */
};

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

void qmap_dataset_add_bad(qmap_dataset *ds, const char *name, const char *why)
{
    size_t l = strlen(ds->bad);
    snprintf(ds->bad + l, sizeof ds->bad - l, "%s%s: %s", l ? "; " : "", name, why);
}

void qmap_dataset_pop_scan(qmap_dataset *ds)
{
    if (ds->n_scans > 0)
        free_scan(&ds->scans[--ds->n_scans]);
}

const char *qmap_dataset_bad_scans(const qmap_dataset *ds)
{
    return ds ? ds->bad : "";
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

qmap_dataset *qmap_dataset_new(const char *path)
{
    qmap_dataset *ds = calloc(1, sizeof *ds);
    if (!ds || !(ds->path = strdup(path ? path : ""))) {
        free(ds);
        return NULL;
    }
    return ds;
}

static int cmp_scan(const void *a, const void *b)
{
    const qmap_scan_info *x = a, *y = b;
    return (x->number > y->number) - (x->number < y->number);
}

void qmap_dataset_order_scans(qmap_dataset *ds)
{
    if (ds->n_scans > 1)
        qsort(ds->scans, (size_t)ds->n_scans, sizeof *ds->scans, cmp_scan);
    for (int i = 0; i < ds->n_scans; i++)
        ds->scans[i].sequence = i;
}

/* ---------------------------------------------------------------- series (issue 11) */

int qmap_other_scans_add(qmap_other_scans *l, const char *name, int number, const char *title,
                         const char *why)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 32;
        qmap_other_scan *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return qmap_error(QMAP_ERR_NOMEM, "no memory for the scan list");
        l->v = v;
        l->cap = cap;
    }
    qmap_other_scan *o = &l->v[l->n++];
    snprintf(o->name, sizeof o->name, "%s", name ? name : "");
    o->number = number;
    snprintf(o->title, sizeof o->title, "%s", title ? title : "");
    snprintf(o->why, sizeof o->why, "%s", why ? why : "");
    return QMAP_OK;
}

void qmap_other_scans_free(qmap_other_scans *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}


int qmap_dataset_select(qmap_dataset *ds, const char *scans, int listing)
{
    ds->listing = listing;
    return scans ? qmap_scan_list_parse(scans, &ds->selection) : QMAP_OK;
}

int qmap_dataset_listing(const qmap_dataset *ds)
{
    return ds->listing;
}

const qmap_scan_list *qmap_dataset_selection(const qmap_dataset *ds)
{
    return &ds->selection;
}

int qmap_dataset_wants(const qmap_dataset *ds, int number)
{
    return ds->selection.n == 0 || qmap_scan_list_has(&ds->selection, number);
}

int qmap_dataset_note_other(qmap_dataset *ds, const char *name, int number, const char *title,
                            const char *why)
{
    return qmap_other_scans_add(&ds->other, name, number, title, why);
}

int qmap_dataset_drop_failed(qmap_dataset *ds, const char *name, int number, const char *title)
{
    char why[600];
    snprintf(why, sizeof why, "unreadable: %s", qmap_error_message());
    free_scan(&ds->scans[ds->n_scans - 1]);
    ds->n_scans--;
    return qmap_dataset_note_other(ds, name, number, title, why);
}

void qmap_dataset_set_sequences(qmap_dataset *ds, const int *seq)
{
    for (int i = 0; i < ds->n_scans; i++)
        ds->scans[i].sequence = seq[i];
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
