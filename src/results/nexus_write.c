/* nexus_write.c -- the NeXus view of a results file, as silx and NeXus readers expect it.
 *
 * NXroot (default=entry) -> /entry NXentry (default=maps) -> the NXdata groups, which stay
 * at their historical paths (/maps, /qspace, /qspace_overview) and are hard-linked under
 * /entry, so both paths name the same objects. /maps gets regular axes: the nominal raster
 * of the scan title (x_nominal, y_nominal, micrometres, with long_name), so viewers draw
 * the maps as images; the recorded piezo positions stay in /maps/x and /maps/y. The run
 * is recorded in /entry/process (NXprocess): program, version, date (UTC; the time given
 * by $SOURCE_DATE_EPOCH when set, for reproducible files), command line, every setting
 * as given (typed value + the exact text, qmap/params.h), input file and scans.
 * Layout: docs/results-file.md.
 */
#include "nexus_write.h"
#include "results_format.h"
#include "h5util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    int failed;
} nx;

static void str_attr(nx *w, hid_t obj, const char *name, const char *value)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    if (qmap_h5_write_str_attr(obj, name, value) < 0)
        w->failed = 1;
}

static void str_list_attr(nx *w, hid_t obj, const char *name, const char **v, int n)
{
    if (H5Aexists(obj, name) > 0)
        H5Adelete(obj, name);
    if (qmap_h5_write_str_list_attr(obj, name, v, n) < 0)
        w->failed = 1;
}

/* A scalar UTF-8 string dataset (fixed length). Returns the open dataset or -1. */
static hid_t str_dataset(nx *w, hid_t loc, const char *name, const char *value)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(value) + 1);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t pl = qmap__results_dcpl(0, NULL, 0);   /* no object times */
    hid_t d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    qmap__results_plist_close(pl);
    if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, value) < 0) {
        w->failed = 1;
        if (d >= 0)
            H5Dclose(d);
        d = -1;
    }
    H5Sclose(s);
    H5Tclose(t);
    return d;
}

static void str_field(nx *w, hid_t loc, const char *name, const char *value)
{
    hid_t d = str_dataset(w, loc, name, value);
    if (d >= 0)
        H5Dclose(d);
}

static hid_t numbers(nx *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype, int n, const void *v)
{
    hsize_t dim = (hsize_t)n;
    hid_t s = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    hid_t pl = qmap__results_dcpl(n == 1 ? 0 : 1, &dim, H5Tget_size(ftype));   /* Fletcher32, no times */
    hid_t d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    qmap__results_plist_close(pl);
    H5Sclose(s);
    if (d < 0 || H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        w->failed = 1;
        if (d >= 0)
            H5Dclose(d);
        return -1;
    }
    return d;
}

static hid_t group(nx *w, hid_t loc, const char *name, const char *nx_class, int track_order)
{
    hid_t pl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(pl, 0);   /* deterministic files (results_format.c) */
    if (track_order)
        H5Pset_link_creation_order(pl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, pl, H5P_DEFAULT);
    H5Pclose(pl);
    if (g < 0) {
        w->failed = 1;
        return -1;
    }
    str_attr(w, g, "NX_class", nx_class);
    return g;
}

/* start + k * step, k = 0..n-1: the nominal positions of a title's axis. */
static double *grid_axis(double start, double end, int n)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (v)
        for (int k = 0; k < n; k++)
            v[k] = n > 1 ? start + k * ((end - start) / (n - 1)) : start;
    return v;
}

static void axis_dataset(nx *w, hid_t maps, const char *name, const double *v, int n, const char *long_name)
{
    hsize_t dim = (hsize_t)n;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    hid_t pl = qmap__results_dcpl(1, &dim, sizeof(double));   /* Fletcher32, no object times */
    hid_t d = H5Dcreate2(maps, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, pl, H5P_DEFAULT);
    qmap__results_plist_close(pl);
    H5Sclose(s);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        w->failed = 1;
    if (d >= 0) {
        str_attr(w, d, "units", "um");
        str_attr(w, d, "long_name", long_name);
        H5Dclose(d);
    }
}

static void set_long_name(nx *w, hid_t g, const char *dataset, const char *long_name)
{
    hid_t d = H5Dopen2(g, dataset, H5P_DEFAULT);
    if (d < 0)
        return;
    str_attr(w, d, "long_name", long_name);
    H5Dclose(d);
}

/* /maps: regular axes from the title, long names for silx's labels. */
static void maps_as_nxdata(nx *w, hid_t file, const qmap_results *r)
{
    hid_t g = H5Gopen2(file, "maps", H5P_DEFAULT);
    if (g < 0) {
        w->failed = 1;
        return;
    }
    char text[256];
    for (int k = 0; k < QMAP_N_MAPS; k++) {
        if (!r->maps[k])
            continue;
        const char *u = qmap_map_unit(k);
        if (u && *u && strcmp(u, "1") != 0)
            snprintf(text, sizeof text, "%s (%s)", qmap_map_name(k), u);
        else
            snprintf(text, sizeof text, "%s", qmap_map_name(k));
        set_long_name(w, g, qmap_map_name(k), text);
    }
    set_long_name(w, g, "mask", "particle mask (1 = particle)");
    snprintf(text, sizeof text, "x recorded, %s (um)", r->fast_motor[0] ? r->fast_motor : "fast motor");
    set_long_name(w, g, "x", text);
    snprintf(text, sizeof text, "y recorded, %s (um)", r->slow_motor[0] ? r->slow_motor : "slow motor");
    set_long_name(w, g, "y", text);
    if (r->grid_set) {
        double *gx = grid_axis(r->grid_fast_start, r->grid_fast_end, r->n_fast);
        double *gy = grid_axis(r->grid_slow_start, r->grid_slow_end, r->n_slow);
        if (gx && gy) {
            snprintf(text, sizeof text, "x, %s nominal (um)", r->fast_motor);
            axis_dataset(w, g, "x_nominal", gx, r->n_fast, text);
            snprintf(text, sizeof text, "y, %s nominal (um)", r->slow_motor);
            axis_dataset(w, g, "y_nominal", gy, r->n_slow, text);
            const char *axes[2] = {"y_nominal", "x_nominal"};
            str_list_attr(w, g, "axes", axes, 2);
        } else {
            w->failed = 1;
        }
        free(gx);
        free(gy);
    } else {
        const char *axes[2] = {"y", "x"};
        str_list_attr(w, g, "axes", axes, 2);
    }
    str_attr(w, g, "title", "qmap maps");
    H5Gclose(g);
}

/* Units of the settings that carry one (same names as the CLI options). */
static const char *setting_unit(const char *key)
{
    static const char *const table[][2] = {
        {"energy", "eV"}, {"distance", "m"}, {"pixel-size", "m"}, {"center", "pixel"},
        {"dref", "angstrom"}, {"voi", "1/angstrom"}, {"shift", "um"}, {"saturation", "counts"},
        {"threshold", "counts"}, {"hot-fraction", "1"}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i][0], key) == 0)
            return table[i][1];
    return NULL;
}

/* Parse text as up to 8 numbers separated by ',' or ':'; *all_int when every one is an
 * integer written without a point or exponent. Returns the count, 0 when not numbers. */
static int parse_numbers(const char *text, double *v, long long *iv, int *all_int)
{
    int n = 0;
    const char *p = text;
    *all_int = 1;
    while (*p && n < 8) {
        char *end;
        errno = 0;
        v[n] = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v[n]))
            return 0;
        char *iend;
        iv[n] = strtoll(p, &iend, 10);
        if (iend != end)
            *all_int = 0;
        n++;
        if (*end == '\0')
            return n;
        if (*end != ',' && *end != ':')
            return 0;
        p = end + 1;
    }
    return 0;
}

static void setting_dataset(nx *w, hid_t g, const char *key, const char *text)
{
    double v[8];
    long long iv[8];
    int all_int, n = parse_numbers(text, v, iv, &all_int);
    hid_t d;
    if (n > 0 && all_int)
        d = numbers(w, g, key, H5T_STD_I64LE, H5T_NATIVE_LLONG, n, iv);
    else if (n > 0)
        d = numbers(w, g, key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v);
    else
        d = str_dataset(w, g, key, text);
    if (d < 0)
        return;
    str_attr(w, d, "text", text);
    const char *u = setting_unit(key);
    if (u && n > 0)
        str_attr(w, d, "units", u);
    H5Dclose(d);
}

static void utc_date(char *out, size_t size)
{
    time_t now = time(NULL);
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (epoch && *epoch) {
        char *end;
        long long e = strtoll(epoch, &end, 10);
        if (*end == '\0' && e >= 0)
            now = (time_t)e;
    }
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void process_group(nx *w, hid_t entry, const qmap_results *r, const char *date)
{
    hid_t g = group(w, entry, "process", "NXprocess", 0);
    if (g < 0)
        return;
    str_field(w, g, "program", "qmap");
    str_field(w, g, "version", QMAP_VERSION_STRING);
    str_field(w, g, "date", date);
    if (r->command_line)
        str_field(w, g, "command_line", r->command_line);
    for (int i = 0; i < r->n_params; i++) {
        if (strcmp(r->param_keys[i], "input") == 0)
            str_field(w, g, "input", r->param_values[i]);
        else if (strcmp(r->param_keys[i], "scans") == 0)
            str_field(w, g, "scans", r->param_values[i]);
    }
    hid_t p = group(w, g, "parameters", "NXparameters", 1);
    if (p >= 0) {
        str_attr(w, p, "description", "the settings as given (option names of qmap process; attribute "
                                      "text = the exact value, what --params reads back)");
        for (int i = 0; i < r->settings.n; i++)
            setting_dataset(w, p, r->settings.keys[i], r->settings.values[i]);
        H5Gclose(p);
    }
    /* the choices the run made (detector, calibration, VOI, thresholds) as text */
    if (H5Lexists(entry, "/parameters", H5P_DEFAULT) > 0 &&
        H5Lcreate_hard(entry, "/parameters", g, "choices", H5P_DEFAULT, H5P_DEFAULT) < 0)
        w->failed = 1;
    H5Gclose(g);
}

int qmap_nexus_write(hid_t file, const qmap_results *r)
{
    nx w = {0};
    char date[64];
    utc_date(date, sizeof date);
    str_attr(&w, file, "NX_class", "NXroot");
    str_attr(&w, file, "default", "entry");
    str_attr(&w, file, "file_time", date);
    str_attr(&w, file, "HDF5_Version", H5_VERS_INFO);
    maps_as_nxdata(&w, file, r);
    hid_t e = group(&w, file, "entry", "NXentry", 0);
    if (e < 0)
        return -1;
    str_attr(&w, e, "default", "maps");
    const char *input = NULL;
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->param_keys[i], "input") == 0)
            input = r->param_values[i];
    char title[4200];
    snprintf(title, sizeof title, "qmap maps of %s", input ? input : "(unknown input)");
    str_field(&w, e, "title", title);
    str_field(&w, e, "start_time", date);
    hid_t prog = str_dataset(&w, e, "program_name", "qmap");
    if (prog >= 0) {
        str_attr(&w, prog, "version", QMAP_VERSION_STRING);
        H5Dclose(prog);
    }
    static const char *const linked[] = {"maps", "qspace", "qspace_overview", "fit", "shift", "scans"};
    for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
        char src[64];
        snprintf(src, sizeof src, "/%s", linked[i]);
        if (H5Lexists(file, linked[i], H5P_DEFAULT) > 0 &&
            H5Lcreate_hard(file, src, e, linked[i], H5P_DEFAULT, H5P_DEFAULT) < 0)
            w.failed = 1;
    }
    process_group(&w, e, r, date);
    H5Gclose(e);
    return w.failed ? -1 : 0;
}
