/* results_format.h -- the HDF5 property lists of the qmap results file (results_format.c):
 * latest format bounds (checksummed metadata), Fletcher32 on every dataset, object time
 * tracking off (two runs give byte-identical files). Each returns a list to H5Pclose, or
 * H5P_DEFAULT when HDF5 cannot make it. */
#ifndef QMAP_RESULTS_FORMAT_H
#define QMAP_RESULTS_FORMAT_H

#include <hdf5.h>

hid_t qmap__results_fapl(void);
hid_t qmap__results_fcpl(void);
hid_t qmap__results_gcpl(void);
/* rank, dims: the dataset's shape; elem_size its file element size in bytes. */
hid_t qmap__results_dcpl(int rank, const hsize_t *dims, size_t elem_size);
/* The same with the given chunk shape and an explicit fill value of 0 (issue 18: arrays
 * written chunk by chunk, their all-zero chunks left unwritten and read back as 0). */
hid_t qmap__results_dcpl_chunked(int rank, const hsize_t *chunk);
/* Close a list made above (H5P_DEFAULT is left alone). */
void qmap__results_plist_close(hid_t pl);

#endif
