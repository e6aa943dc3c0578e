/* safe_output_h5.c -- qmap replaces an existing HDF5 output only when qmap wrote it (root
 * attribute "creator" beginning with "qmap"): a raw master or LIMA file given as -o by
 * mistake is refused even when it is not among the inputs named on the command line
 * (the LIMA files behind a VDS are not). See qmap/output.h.
 */
#define _POSIX_C_SOURCE 200809L
#include "qmap/output.h"
#include "qmap/error.h"
#include "h5util.h"
#include "temp_guard.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int qmap_output_check_ours(const char *what, const char *output)
{
    struct stat st;
    if (lstat(output, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return QMAP_OK;   /* nothing to replace (other cases: qmap_output_check) */
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int ours = 0;
    if (H5Fis_hdf5(output) > 0) {
        hid_t f = qmap_h5_fopen_ro(output);   /* the shared settings (h5util.h) */
        if (f >= 0) {
            if (H5Aexists(f, "creator") > 0) {
                hid_t a = H5Aopen(f, "creator", H5P_DEFAULT);
                hid_t t = a >= 0 ? H5Aget_type(a) : -1;
                char buf[64] = {0};
                if (t >= 0 && H5Tget_class(t) == H5T_STRING && !H5Tis_variable_str(t) && H5Tget_size(t) < sizeof buf)
                    ours = H5Aread(a, t, buf) >= 0 && strncmp(buf, "qmap", 4) == 0;
                else if (t >= 0 && H5Tis_variable_str(t) > 0) {
                    char *v = NULL;
                    hid_t mt = H5Tcopy(H5T_C_S1);
                    H5Tset_size(mt, H5T_VARIABLE);
                    if (H5Aread(a, mt, &v) >= 0 && v) {
                        ours = strncmp(v, "qmap", 4) == 0;
                        H5free_memory(v);
                    }
                    H5Tclose(mt);
                }
                if (t >= 0)
                    H5Tclose(t);
                if (a >= 0)
                    H5Aclose(a);
            }
            H5Fclose(f);
        }
    }
    qmap_h5_quiet_end(&q);
    if (!ours)
        return qmap_error(QMAP_ERR_VALUE, "%s %s: exists and was not written by qmap; refusing to replace it "
                          "(remove it first or choose another name)", what, output);
    return QMAP_OK;
}

hid_t qmap_h5_create_temp(const char *tmp, hid_t fcpl, hid_t fapl)
{
    if (qmap__temp_rebind(tmp) < 0) {   /* not a temporary of qmap_temp_create: touch nothing */
        qmap_error(QMAP_ERR_INTERNAL, "%s: not a temporary file made by qmap", tmp);
        return H5I_INVALID_HID;
    }
    sigset_t saved;
    if (qmap__temp_guard_begin(&saved) < 0) {
        qmap_error(QMAP_ERR_CANCELLED, "%s: interrupted; the file was not created", tmp);
        return H5I_INVALID_HID;
    }
    unlink(tmp);   /* the exclusive placeholder: its random name is now known to be free */
    hid_t f = H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl);
    int rebound = f >= 0 && qmap__temp_rebind(tmp) == 0;
    qmap__temp_guard_end(&saved);
    if (!rebound) {
        if (f >= 0)
            H5Fclose(f);
        qmap_temp_discard(tmp);
        qmap_error(QMAP_ERR_IO, "%s: cannot create the temporary file exclusively (folder not writable, "
                   "disk full, or a file planted under its name)", tmp);
        return H5I_INVALID_HID;
    }
    return f;
}
