/* results_read_settings.c -- the settings of a run stored in a results file
 * (/entry/process/parameters: one dataset per option, its text as given in attribute
 * "text"), read for qmap_results_read (QMAP_READ_SETTINGS, QMAP_READ_RUN) and, alone, for
 * qmap_params_read on a results file: both open the file the same way (read-only, seal
 * checked: qmap_h5_open_file) and walk the group with the same code.
 */
#include "results_read.h"
#include "qmap/error.h"
#include "h5util.h"

#include <stdio.h>
#include <string.h>

typedef struct {
    qmap_params *p;
    const char *path;
    int rc;
} h5_walk;

static herr_t take_one(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    h5_walk *w = data;
    char text[8192];
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
    if (d < 0)
        return 0;   /* a subgroup: not a setting */
    hid_t a = H5Aopen(d, "text", H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : -1;
    int ok = 0;
    if (t >= 0 && H5Tget_class(t) == H5T_STRING) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (H5Tis_variable_str(t) > 0) {
            char *v = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Aread(a, mt, &v) >= 0 && v) {
                snprintf(text, sizeof text, "%s", v);
                ok = 1;
                H5free_memory(v);
            }
        } else {
            size_t n = H5Tget_size(t);
            if (n < sizeof text) {
                H5Tset_size(mt, n + 1);
                ok = H5Aread(a, mt, text) >= 0;
            }
        }
        H5Tclose(mt);
    }
    if (t >= 0)
        H5Tclose(t);
    if (a >= 0)
        H5Aclose(a);
    H5Dclose(d);
    if (!ok) {
        w->rc = qmap_error(QMAP_ERR_FORMAT, "%s: /entry/process/parameters/%s has no text attribute",
                           w->path, name);
        return 1;
    }
    w->rc = qmap_params_set(w->p, name, text);
    return w->rc < 0;
}

/* The settings under /entry/process/parameters of the open results file f. */
int qmap__params_read_h5(hid_t f, const char *path, qmap_params *p)
{
    hid_t g = H5Gopen2(f, "/entry/process/parameters", H5P_DEFAULT);
    if (g < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: no /entry/process/parameters (not a results file of "
                                           "qmap 0.1 or later?)", path);
    h5_walk w = {p, path, QMAP_OK};
    hsize_t idx = 0;
    /* creation order when tracked (qmap writes it), else names */
    H5_index_t order = H5_INDEX_NAME;
    hid_t gcpl = H5Gget_create_plist(g);
    unsigned flags = 0;
    if (gcpl >= 0 && H5Pget_link_creation_order(gcpl, &flags) >= 0 && (flags & H5P_CRT_ORDER_TRACKED))
        order = H5_INDEX_CRT_ORDER;
    if (gcpl >= 0)
        H5Pclose(gcpl);
    H5Literate(g, order, H5_ITER_INC, &idx, take_one, &w);
    H5Gclose(g);
    return w.rc;
}

/* qmap_params_read on a results file: the settings alone, through the same open (seal
 * checked, read-only, HDF5 quiet) and the same settings reader as qmap_results_read. */
int qmap__results_read_settings(const char *path, qmap_params *p)
{
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    hid_t f = H5I_INVALID_HID;
    int rc = qmap_h5_open_file(path, &f);
    if (rc >= 0) {
        rc = qmap__params_read_h5(f, path, p);
        H5Fclose(f);
    }
    qmap_h5_quiet_end(&q);
    return rc;
}
