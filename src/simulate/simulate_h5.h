/* simulate_h5.h -- the simulator's small HDF5 writers (simulate_h5.c), shared by the LIMA,
 * master and ground-truth writers (simulate_lima.c, simulate_write.c, simulate_truth_write.c). */
#ifndef QMAP_SIMULATE_H5_H
#define QMAP_SIMULATE_H5_H

#include <hdf5.h>

extern _Thread_local const char *qmap_sim_h5_file;   /* file being written, for messages */

int qmap_sim_h5fail(const char *what, const char *name);
hid_t qmap_sim_lcpl_intermediate(void);
int qmap_sim_write_data(hid_t loc, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims, const void *data);
int qmap_sim_write_f64(hid_t loc, const char *name, double v);
int qmap_sim_write_i64(hid_t loc, const char *name, long long v);
int qmap_sim_write_f64_array(hid_t loc, const char *name, hsize_t n, const double *v);
hid_t qmap_sim_utf8_type(void);
int qmap_sim_write_string(hid_t loc, const char *name, const char *s);
hid_t qmap_sim_make_group(hid_t loc, const char *name);
int qmap_sim_write_attr(hid_t loc, const char *name, hid_t ftype, hid_t mtype, hsize_t n, const void *v);
int qmap_sim_attr_f64(hid_t loc, const char *name, hsize_t n, const double *v);
int qmap_sim_attr_i64(hid_t loc, const char *name, hsize_t n, const long long *v);
int qmap_sim_attr_string(hid_t loc, const char *name, const char *s);
int qmap_sim_close_file(hid_t f);

#endif
