/* dataset.c -- the qmap_dataset container: the map scans of one input file, their order,
 * and the accessors (include/qmap/dataset.h). The readers that fill it are behind the table
 * of dataset_open.c (BLISS: bliss_scan.c, XSOCS: xsocs_input.c, SPEC: dataset_spec.c).
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct qmap_dataset {
    char *path;
    qmap_scan_info *scans;
    int n_scans;
    int n_skipped;
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
