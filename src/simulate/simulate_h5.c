/* simulate_h5.c -- the small HDF5 writers of the simulator's files (datasets, scalars,
 * strings, groups, attributes), each failing with a qmap_error naming the object and the
 * file being written (qmap_sim_h5_file). Split from simulate_write.c (issue 18).
 */
#include "simulate_internal.h"
#include "qmap/error.h"
#include "h5util.h"

#include <hdf5.h>
#include <zlib.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


_Thread_local const char *qmap_sim_h5_file = "";   /* file being written, for messages */

int qmap_sim_h5fail(const char *what, const char *name)
{
    return qmap_error(QMAP_ERR_IO, "simulation: cannot %s %s in %s", what, name, qmap_sim_h5_file);
}

/* ---------------------------------------------------------------- small writers */

hid_t qmap_sim_lcpl_intermediate(void)
{
    hid_t l = H5Pcreate(H5P_LINK_CREATE);
    if (l >= 0)
        H5Pset_create_intermediate_group(l, 1);
    return l;
}

int qmap_sim_write_data(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank,
                      const hsize_t *dims, const void *data)
{
    hid_t sp = rank ? H5Screate_simple(rank, dims, NULL) : H5Screate(H5S_SCALAR);
    hid_t l = qmap_sim_lcpl_intermediate();
    hid_t d = (sp >= 0 && l >= 0) ? H5Dcreate2(loc, name, ftype, sp, l, H5P_DEFAULT, H5P_DEFAULT)
                                  : -1;
    herr_t w = d >= 0 ? H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) : -1;
    if (d >= 0) H5Dclose(d);
    if (l >= 0) H5Pclose(l);
    if (sp >= 0) H5Sclose(sp);
    return w < 0 ? qmap_sim_h5fail("write dataset", name) : QMAP_OK;
}

int qmap_sim_write_f64(hid_t loc, const char *name, double v)
{
    return qmap_sim_write_data(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, &v);
}

int qmap_sim_write_i64(hid_t loc, const char *name, long long v)
{
    return qmap_sim_write_data(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, 0, NULL, &v);
}

int qmap_sim_write_f64_array(hid_t loc, const char *name, hsize_t n, const double *v)
{
    return qmap_sim_write_data(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, v);
}

hid_t qmap_sim_utf8_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0) {
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
    }
    return t;
}

/* Variable-length UTF-8 scalar string, as h5py/BLISS write them. */
int qmap_sim_write_string(hid_t loc, const char *name, const char *s)
{
    hid_t t = qmap_sim_utf8_type();
    int rc = t >= 0 ? qmap_sim_write_data(loc, name, t, t, 0, NULL, &s) : qmap_sim_h5fail("make type for", name);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

hid_t qmap_sim_make_group(hid_t loc, const char *name)
{
    hid_t l = qmap_sim_lcpl_intermediate();
    hid_t g = l >= 0 ? H5Gcreate2(loc, name, l, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (l >= 0)
        H5Pclose(l);
    if (g < 0)
        qmap_sim_h5fail("create group", name);
    return g;
}

int qmap_sim_write_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n,
                      const void *v)
{
    hid_t sp = n > 1 ? H5Screate_simple(1, &n, NULL) : H5Screate(H5S_SCALAR);
    hid_t a = sp >= 0 ? H5Acreate2(loc, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    herr_t w = a >= 0 ? H5Awrite(a, mtype, v) : -1;
    if (a >= 0) H5Aclose(a);
    if (sp >= 0) H5Sclose(sp);
    return w < 0 ? qmap_sim_h5fail("write attribute", name) : QMAP_OK;
}

int qmap_sim_attr_f64(hid_t loc, const char *name, hsize_t n, const double *v)
{
    return qmap_sim_write_attr(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, v);
}

int qmap_sim_attr_i64(hid_t loc, const char *name, hsize_t n, const long long *v)
{
    return qmap_sim_write_attr(loc, name, H5T_STD_I64LE, H5T_NATIVE_LLONG, n, v);
}

int qmap_sim_attr_string(hid_t loc, const char *name, const char *s)
{
    hid_t t = qmap_sim_utf8_type();
    int rc = t >= 0 ? qmap_sim_write_attr(loc, name, t, t, 1, &s) : qmap_sim_h5fail("make type for", name);
    if (t >= 0)
        H5Tclose(t);
    return rc;
}

int qmap_sim_close_file(hid_t f)
{
    return H5Fclose(f) < 0 ? qmap_sim_h5fail("close", "file") : QMAP_OK;
}

