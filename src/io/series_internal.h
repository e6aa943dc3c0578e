/* series_internal.h -- private glue between the dataset container and readers (dataset.c,
 * dataset_open.c, bliss_scan.c, dataset_spec.c) and the series logic (series.c,
 * series_check.c, scan_list.c, scan_extra.c), added for issue 11: the scans that are not read as maps are remembered (for `qmap info` and
 * for checking a --scans list), and an open dataset is checked to be one series.
 */
#ifndef QMAP_SERIES_INTERNAL_H
#define QMAP_SERIES_INTERNAL_H

#include <hdf5.h>
#include "qmap/dataset.h"
#include "qmap/series.h"

typedef struct {
    char name[QMAP_NAME_MAX];
    int number;
    char title[160];
    char why[256];
} qmap_other_scan;

typedef struct {
    qmap_other_scan *v;
    int n, cap;
} qmap_other_scans;

/* The list of scans not read as maps (dataset.c). */
int qmap_other_scans_add(qmap_other_scans *l, const char *name, int number, const char *title,
                         const char *why);
void qmap_other_scans_free(qmap_other_scans *l);

/* Set the --scans list (text NULL: every map scan) and the listing mode (`qmap info`: never
 * refuse a readable file) of a new dataset; the accessors of both. */
int qmap_dataset_select(qmap_dataset *ds, const char *scans, int listing);
int qmap_dataset_listing(const qmap_dataset *ds);
const qmap_scan_list *qmap_dataset_selection(const qmap_dataset *ds);

/* Set scans[i].sequence = seq[i] (n_scans values). */
void qmap_dataset_set_sequences(qmap_dataset *ds, const int *seq);

/* 1 when scan `number` is to be read (no --scans, or named in it). */
int qmap_dataset_wants(const qmap_dataset *ds, int number);
/* Remember a scan that is not read as a map. */
int qmap_dataset_note_other(qmap_dataset *ds, const char *name, int number, const char *title,
                            const char *why);
/* listing mode: the last appended scan failed to read; drop it and note why (the current
 * qmap error message). */
int qmap_dataset_drop_failed(qmap_dataset *ds, const char *name, int number, const char *title);

/* After reading: every number of sel must be a map scan of ds (else one error naming the
 * missing and the non-map ones), and the scans must form one series (else an error listing
 * the series with their --scans options). text is the --scans text (NULL: none). */
int qmap_series_check_dataset(const qmap_dataset *ds, const qmap_scan_list *sel,
                              const char *text);

/* Only the first check: every number of sel is a map scan of ds (for `qmap info --scans`). */
int qmap_series_check_selection(const qmap_dataset *ds, const qmap_scan_list *sel,
                                const char *text);

/* BLISS/XSOCS scan group: start_time, end_time, positioners mu, mpxy, mpxz (optional). */
int qmap_scan_read_extra(hid_t scan, const char *file, const char *scan_name,
                         qmap_scan_info *s);

#endif
