/* dataset_open.c -- qmap_dataset_open: recognise the input and read its SXDM map scans.
 *
 * The file is opened read-only; root groups "N.1" whose title is a map command and
 * that hold a `measurement` group are the map scans (docs/sxdm-reference.md 1.1-1.2);
 * "N.2" subscans, alignment scans and interrupted scans are counted as skipped.
 * Each map scan is read by the first reader of a table that recognises it (bliss_scan.c
 * reads the detector shape, calibration, angles, positions and counters of a BLISS scan).
 * The file is closed again before qmap_dataset_open returns.
 * The input is recognised by content, through two tables of {sniff, read}: files (a SPEC
 * text file goes to dataset_spec.c, anything else is opened as HDF5) and scan groups of an
 * HDF5 file (an XSOCS entry, with instrument/detector/chan_per_deg_dim0, goes to
 * xsocs_input.c; anything else is a BLISS scan, bliss_scan.c).
 */
#include "qmap/dataset.h"
#include "qmap/error.h"
#include "dataset_internal.h"
#include "h5util.h"
#include "frames_edf.h"
#include "series_internal.h"   /* series (issue 11) */
#include "link_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_LEN 256
#define TITLE_LEN 1024

/* ---------------------------------------------------------------- readers */

/* The readers of one map scan group of an HDF5 file, tried in order: the first whose
 * sniff accepts the group reads it into s (name, number and title already set). */
typedef struct {
    const char *name;
    int (*sniff)(hid_t scan);
    int (*read_scan)(hid_t scan, const char *file, const qmap_open_options *opt,
                     qmap_scan_info *s);
} scan_reader;

static const scan_reader scan_readers[] = {
    {"XSOCS entry", qmap_xsocs_is_entry, qmap_xsocs_read_scan},
    {"BLISS scan", qmap_bliss_is_scan, qmap_bliss_read_scan},
};

/* ---------------------------------------------------------------- discovery */

typedef struct {
    char **names;
    size_t n, cap;
    int nomem;
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    name_list *l = data;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **v = realloc(l->names, cap * sizeof *v);
        if (!v) {
            l->nomem = 1;
            return -1;
        }
        l->names = v;
        l->cap = cap;
    }
    l->names[l->n] = strdup(name);
    if (!l->names[l->n]) {
        l->nomem = 1;
        return -1;
    }
    l->n++;
    return 0;
}

static void free_names(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
}

/* "N.M" with decimal N, M (no signs, no spaces): 0 and sets *number, *sub. */
static int parse_scan_name(const char *name, int *number, int *sub)
{
    long v[2] = {0, 0};
    const char *p = name;
    for (int part = 0; part < 2; part++) {
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (++digits > 9)
                return -1;
            v[part] = v[part] * 10 + (*p++ - '0');
        }
        if (digits == 0 || (part == 0 && *p++ != '.'))
            return -1;
    }
    if (*p != '\0')
        return -1;
    *number = (int)v[0];
    *sub = (int)v[1];
    return 0;
}

/* Order root names by scan number then subscan, other names last (by name). */
static int cmp_names(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int nx, sx, ny, sy;
    int okx = parse_scan_name(x, &nx, &sx) == 0, oky = parse_scan_name(y, &ny, &sy) == 0;
    if (okx != oky)
        return oky - okx;
    if (!okx)
        return strcmp(x, y);
    if (nx != ny)
        return (nx > ny) - (nx < ny);
    return (sx > sy) - (sx < sy);
}


/* series (issue 11): record a non-map root group with its title (if readable). */
static int note_other(qmap_dataset *ds, hid_t file, const char *name, int number, const char *why)
{
    char path[PATH_LEN], title[TITLE_LEN] = "";
    snprintf(path, sizeof path, "%s/title", name);
    if (qmap_h5_read_string(file, path, title, sizeof title, NULL) != QMAP_OK)
        title[0] = '\0';
    return qmap_dataset_note_other(ds, name, number, title, why);
}

/* 1 when root group `name` is a map scan (readable title of a map command, with a
 * measurement group); its title is parsed into *t. */
/* 1 when title begins with a map command (sxdm, kmap, mesh and their a/d forms). */
static int looks_like_map_title(const char *title)
{
    static const char *const cmds[] = {"sxdm", "asxdm", "dsxdm", "kmap", "akmap", "dkmap", "mesh", "amesh", "dmesh"};
    while (*title == ' ' || *title == '\t')
        title++;
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        size_t n = strlen(cmds[i]);
        if (strncmp(title, cmds[i], n) == 0 && (title[n] == '(' || title[n] == ' ' || title[n] == '\t'))
            return 1;
    }
    return 0;
}

/* 1: a map scan (title parsed into t); 0: another kind of scan; -1: a scan whose title
 * cannot be read, or a map title that cannot be parsed (*why says which): every scan is
 * accounted for, none is dropped silently. */
static int is_map_scan(hid_t file, const char *name, qmap_scan_title *t, char *why, size_t why_size)
{
    char path[PATH_LEN], title[TITLE_LEN];
    if (!qmap_h5_is_group(file, name))
        return 0;
    snprintf(path, sizeof path, "%s/measurement", name);
    int has_measurement = qmap_h5_is_group(file, path) > 0;
    snprintf(path, sizeof path, "%s/title", name);
    if (qmap_h5_exists(file, path) <= 0) {
        if (!has_measurement)
            return 0;
        snprintf(why, why_size, "has no title");
        return -1;
    }
    const char *detail = NULL;
    if (qmap_h5_read_string(file, path, title, sizeof title, &detail) != QMAP_OK) {
        snprintf(why, why_size, "its title cannot be read (%s)", detail ? detail : qmap_error_message());
        return -1;
    }
    if (qmap_parse_scan_title(title, t) != QMAP_OK) {
        if (!looks_like_map_title(title))
            return 0;
        snprintf(why, why_size, "map title cannot be parsed: %s", qmap_error_message());
        return -1;
    }
    return has_measurement;   /* a map scan without measurement/: interrupted, skipped */
}

/* Read scan `name` into a new entry of ds. */
static int add_scan(qmap_dataset *ds, hid_t file, const char *name, int number,
                    const qmap_scan_title *t, const qmap_open_options *opt)
{
    const char *path = qmap_dataset_path(ds);
    qmap_scan_info *s = qmap_dataset_append_scan(ds);
    if (!s)
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the scan list", path);
    s->mpxy = s->mpxz = NAN;   /* series (issue 11): not recorded until read */
    snprintf(s->name, sizeof s->name, "%s", name);
    s->number = number;
    s->title = *t;
    hid_t g = H5Gopen2(file, name, H5P_DEFAULT);
    if (g < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: scan %s cannot be opened", path, name);
    const scan_reader *rd = scan_readers;
    while (!rd->sniff(g))
        rd++;   /* the last reader (BLISS) takes every scan */
    int rc = rd->read_scan(g, path, opt, s);
    if (rc == QMAP_OK && !s->start_time[0])   /* series (issue 11): XSOCS entries */
        rc = qmap_scan_read_extra(g, path, name, s);
    H5Gclose(g);
    return rc;
}

/* All scans must share the detector shape and the map shape of the first one. */
static int check_consistency(const qmap_dataset *ds)
{
    const qmap_scan_info *r = qmap_dataset_scan(ds, 0);
    const char *path = qmap_dataset_path(ds);
    for (int i = 1; i < qmap_dataset_n_scans(ds); i++) {
        const qmap_scan_info *s = qmap_dataset_scan(ds, i);
        if (s->geom.n_rows != r->geom.n_rows || s->geom.n_cols != r->geom.n_cols)
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: detector shape %d x %d differs "
                              "from %d x %d of scan %s", path, s->name, s->geom.n_rows,
                              s->geom.n_cols, r->geom.n_rows, r->geom.n_cols, r->name);
        if (s->title.n_fast != r->title.n_fast || s->title.n_slow != r->title.n_slow)
            return qmap_error(QMAP_ERR_VALUE, "%s: scan %s: map shape %d x %d (slow x fast) "
                              "differs from %d x %d of scan %s", path, s->name,
                              s->title.n_slow, s->title.n_fast, r->title.n_slow,
                              r->title.n_fast, r->name);
    }
    return QMAP_OK;
}

/* Walk the root names, reading every map scan. */
static int discover(qmap_dataset *ds, hid_t file, const qmap_open_options *opt)
{
    const char *path = qmap_dataset_path(ds);
    int listing = qmap_dataset_listing(ds);   /* series (issue 11) */
    name_list l = {0};
    hsize_t idx = 0;
    herr_t e = H5Literate(file, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect_name, &l);
    if (e < 0) {
        free_names(&l);
        return l.nomem ? qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the scan names", path)
                       : qmap_error(QMAP_ERR_FORMAT, "%s: cannot list the root group", path);
    }
    /* Read in scan-number order so that errors name the first faulty scan. */
    if (l.n > 1)
        qsort(l.names, l.n, sizeof *l.names, cmp_names);
    int n_total = 0, rc = QMAP_OK;
    for (size_t i = 0; i < l.n && rc == QMAP_OK; i++) {
        int number, sub;
        qmap_scan_title t;
        if (parse_scan_name(l.names[i], &number, &sub) != 0)
            continue;
        n_total++;
        /* series (issue 11): only the scans of --scans; others are listed with a reason */
        if (!qmap_dataset_wants(ds, number))
            continue;
        char missing[1536];   /* an entry behind a dangling external link (XSOCS master) */
        if (!qmap_h5_is_group(file, l.names[i]) &&
            qmap_h5_find_missing_link(file, path, l.names[i], missing, sizeof missing)) {
            if (!listing)
                rc = qmap_error(QMAP_ERR_IO, "%s: scan %s: %s", path, l.names[i], missing);
            else
                rc = qmap_dataset_note_other(ds, l.names[i], number, "", missing);
            continue;
        }
        char why[1200] = "";
        int kind = sub == 1 ? is_map_scan(file, l.names[i], &t, why, sizeof why) : 0;
        if (kind == 0) {
            qmap_dataset_add_skipped(ds);
            rc = note_other(ds, file, l.names[i], number, sub != 1 ? "subscan" : "not an SXDM map");
        } else if (kind < 0) {   /* title or metadata unreadable: never dropped silently */
            if (listing)
                rc = qmap_dataset_note_other(ds, l.names[i], number, "", why);
            else if (!opt->skip_bad_scans)
                rc = qmap_error(QMAP_ERR_FORMAT, "%s: scan %s: %s (--skip-bad-scans skips it)", path, l.names[i], why);
            else
                qmap_dataset_add_bad(ds, l.names[i], why);
        } else {
            rc = add_scan(ds, file, l.names[i], number, &t, opt);
            if (rc != QMAP_OK && listing && rc != QMAP_ERR_NOMEM) {
                rc = qmap_dataset_drop_failed(ds, l.names[i], number, t.command);
            } else if (rc < 0 && rc != QMAP_ERR_NOMEM && opt->skip_bad_scans) {
                qmap_dataset_pop_scan(ds);
                qmap_dataset_add_bad(ds, l.names[i], qmap_error_message());
                rc = QMAP_OK;
            }
        }
    }
    free_names(&l);
    if (rc == QMAP_OK && qmap_dataset_n_scans(ds) == 0 && !listing &&
        qmap_dataset_selection(ds)->n == 0)
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: no SXDM map scan (sxdm/kmap/mesh) among %d scans",
                        path, n_total);
    return rc;
}

/* series (issue 11): the scans' positions in their rocking curve (one series), a missing
 * step skipped. */
static int set_sequence(qmap_dataset *ds)
{
    qmap_series *sv = NULL;
    int ns = 0, rc = qmap_series_find(ds, &sv, &ns);
    int *seq = rc == QMAP_OK && ns == 1 ? malloc((size_t)qmap_dataset_n_scans(ds) * sizeof *seq)
                                        : NULL;
    if (seq) {
        qmap_series_sequence(ds, &sv[0], seq);
        qmap_dataset_set_sequences(ds, seq);
    } else if (rc == QMAP_OK && ns == 1) {
        rc = qmap_error(QMAP_ERR_NOMEM, "%s: no memory", qmap_dataset_path(ds));
    }
    free(seq);
    free(sv);
    return rc;
}

/* The whole HDF5 file (BLISS or XSOCS): every map scan among the root groups. */
static int read_hdf5(qmap_dataset *ds, const char *path, const qmap_open_options *opt)
{
    hid_t file;
    int rc = qmap_h5_open_file(path, &file);
    if (rc == QMAP_OK) {
        rc = discover(ds, file, opt);
        H5Fclose(file);
    }
    return rc;
}

static int is_spec(const char *path)
{
    return path && qmap_is_spec_file(path);
}

static int any_file(const char *path)
{
    (void)path;
    return 1;
}

/* The readers of an input file, tried in order: the first whose sniff accepts the path
 * reads its map scans into ds. */
typedef struct {
    const char *name;
    int (*sniff)(const char *path);
    int (*read)(qmap_dataset *ds, const char *path, const qmap_open_options *opt);
} file_reader;

static const file_reader file_readers[] = {
    {"SPEC file + EDF frames", is_spec, qmap_dataset_read_spec},
    {"HDF5 file (BLISS, XSOCS)", any_file, read_hdf5},
};

int qmap_dataset_open(const char *path, const qmap_open_options *opt, qmap_dataset **out)
{
    if (!out)
        return qmap_error(QMAP_ERR_INTERNAL, "qmap_dataset_open: no output");
    *out = NULL;
    qmap_open_options o = {0};
    if (opt)
        o = *opt;
    qmap_dataset *ds = qmap_dataset_new(path);
    if (!ds)
        return qmap_error(QMAP_ERR_NOMEM, "no memory to open %s", path ? path : "(null)");
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    const file_reader *rd = file_readers;
    while (!rd->sniff(path))
        rd++;   /* the last reader (HDF5) takes every file */
    /* series (issue 11): the scan list */
    int rc = qmap_dataset_select(ds, o.scans, o.listing);
    if (rc == QMAP_OK)
        rc = rd->read(ds, path, &o);
    if (rc == QMAP_OK) {
        qmap_dataset_order_scans(ds);
        /* series (issue 11): --scans must name existing map scans that form one series;
         * without it the file must hold one series */
        const qmap_scan_list *sel = qmap_dataset_selection(ds);
        if (!o.listing)
            rc = qmap_series_check_dataset(ds, sel, o.scans);
        else if (sel->n > 0)
            rc = qmap_series_check_selection(ds, sel, o.scans);
        if (rc == QMAP_OK && !o.listing)
            rc = set_sequence(ds);
        if (rc == QMAP_OK && !o.listing)
            rc = check_consistency(ds);
    }
    qmap_h5_quiet_end(&q);
    if (rc != QMAP_OK) {
        qmap_dataset_close(ds);
        return rc;
    }
    *out = ds;
    return QMAP_OK;
}
