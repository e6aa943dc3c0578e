/* h5util.h -- small HDF5 helpers shared by qmap modules (private, not installed).
 *
 * They read the few kinds of values a BLISS file stores (numbers that may be float or
 * double, scalar or 1-element arrays; strings that may be fixed or variable length)
 * and never print: HDF5's own error printing is switched off around every call.
 * The readers do not record a qmap_error message themselves; they return a negative
 * qmap_status and set *why to a short static phrase ("is missing", "is not numeric",
 * ...) so the caller can write one message naming the file, scan and dataset.
 */
#ifndef QMAP_H5UTIL_H
#define QMAP_H5UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <hdf5.h>

/* Saved HDF5 automatic error handler of the calling thread. */
typedef struct {
    H5E_auto2_t func;
    void *data;
} qmap_h5_quiet;

/* Switch off HDF5's error printing for this thread, keeping the old handler in q. */
void qmap_h5_quiet_begin(qmap_h5_quiet *q);
/* Restore the handler saved by qmap_h5_quiet_begin. */
void qmap_h5_quiet_end(const qmap_h5_quiet *q);

/* file_seal.c: the checksum of a qmap results file in its user block of QMAP_SEAL_BLOCK
 * bytes (the writer reserves it). qmap_file_seal writes it once the file is closed;
 * qmap_file_seal_check returns QMAP_ERR_CORRUPT with a one-line message when a sealed file's
 * bytes do not match (QMAP_OK for a file without a seal). qmap_h5_open_file checks it. */
#define QMAP_SEAL_BLOCK 512
int qmap_file_seal(const char *path);
int qmap_file_seal_check(const char *path);
/* 1 when path begins with the seal's magic (it has the user block), else 0. */
int qmap_file_sealed(const char *path);

/* safe_output_h5.c: create the HDF5 file at tmp, a temporary that qmap_temp_create made
 * (qmap/output.h), exclusively: the placeholder is removed and H5Fcreate(H5F_ACC_EXCL) makes
 * the file anew, so a symbolic link planted under that name makes the creation fail instead
 * of being followed (H5F_ACC_TRUNC would follow it). Returns the file, or < 0 with a qmap_error
 * (the temporary is then forgotten). Call inside quiet. */
hid_t qmap_h5_create_temp(const char *tmp, hid_t fcpl, hid_t fapl);
/* safe_output.c: record tmp's current inode as the temporary's (after it was re-created). */
int qmap__temp_rebind(const char *tmp);

/* The file-access properties of every read-only open (file locking off, as on the beamline's
 * shared file systems). HDF5 refuses to open a file already open with other locking
 * settings, so every reader of an input must use these (issue 18: the frame readers stay
 * open while the counters are read). Close with H5Pclose; H5P_DEFAULT when it fails. */
hid_t qmap_h5_read_fapl(void);

/* H5Fopen read-only with those settings; when that fails, once more with HDF5's defaults:
 * the file may already be open in this process with the defaults (a Python session holding
 * it with h5py through the same HDF5 library), which HDF5 requires a second open to match.
 * Returns the file or < 0 (no qmap_error; call inside quiet). */
hid_t qmap_h5_fopen_ro(const char *path);

/* issue 18: cap the metadata cache of an open file at max_bytes (HDF5 grows it up to 32 MB
 * by default): a frame reader kept open for the whole run holds its file's cache, which
 * otherwise keeps every chunk-index node read (~425 bytes per frame). Best effort: the
 * file stays usable whatever happens; returns 0, or -1 when HDF5 refused the settings. */
int qmap_h5_bound_metadata_cache(hid_t file, size_t max_bytes);

/* Open an HDF5 file read-only. On failure records a one-line qmap_error naming the
 * path (missing, not HDF5, truncated) and returns QMAP_ERR_IO. Call inside quiet. */
int qmap_h5_open_file(const char *path, hid_t *out);

/* A dataset shape as text for messages: "516 x 516", "7 (1D)", "scalar". */
void qmap_h5_format_shape(int rank, const hsize_t *dims, char *out, size_t size);

/* 1 when path (relative to loc, links followed) names an existing object, else 0. */
int qmap_h5_exists(hid_t loc, const char *path);
/* 1 when path names a group, else 0. */
int qmap_h5_is_group(hid_t loc, const char *path);

/* Shape of dataset path: *rank (<= maxrank, scalar = 0) and dims. */
int qmap_h5_shape(hid_t loc, const char *path, int maxrank, int *rank, hsize_t *dims,
                  const char **why);

/* One number (integer or float type; scalar or 1-element dataset) as double. */
int qmap_h5_read_scalar(hid_t loc, const char *path, double *v, const char **why);

/* All values of a numeric dataset (any rank) as doubles, flattened. *v is malloc'ed
 * (NULL when *n == 0); the caller frees it. */
/* The names (each < 128 chars, at most max, in name order) of the one-dimensional datasets in
 * group `group` of file `file` (links followed: the counters of a BLISS scan's measurement/).
 * Returns their number (0 when the group is absent) or a negative qmap_status when the file
 * cannot be opened. HDF5 errors are not printed. */
int qmap_h5_list_1d(const char *file, const char *group, char names[][128], int max);

int qmap_h5_read_array(hid_t loc, const char *path, double **v, size_t *n,
                       const char **why);

/* A string dataset (fixed or variable length, scalar or 1 element) into buf
 * (always NUL-terminated, truncated to size-1 bytes). */
int qmap_h5_read_string(hid_t loc, const char *path, char *buf, size_t size,
                        const char **why);

/* Read an open 2D dataset of rows x cols (shape checked by the caller) of any integer,
 * enum or float type; ORs non-zero elements into mask (1 = masked) and stores in
 * *n_set how many elements of the dataset are non-zero. */
int qmap_h5_read_mask2d(hid_t dset, int rows, int cols, uint8_t *mask, long *n_set,
                        const char **why);

/* Write a scalar UTF-8 string attribute (fixed length, as h5py writes str attributes). */
int qmap_h5_write_str_attr(hid_t obj, const char *name, const char *value);
/* Write a variable-length UTF-8 string attribute: scalar v[0] when n < 0, else 1D of n. */
int qmap_h5_write_str_list_attr(hid_t obj, const char *name, const char **v, int n);

#endif
