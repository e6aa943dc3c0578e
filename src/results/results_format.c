/* results_format.c -- how the qmap results file is stored, as opposed to what it holds
 * (results_write.c). Why: a results file written with superblock v0 and no checksums was
 * read without complaint after random bit flips (30 of 30 accepted by report and
 * particles). With the latest format bounds every metadata block carries a checksum and
 * Fletcher32 covers every dataset's data, so HDF5 itself refuses a corrupted file on read;
 * with object time tracking off two runs on the same input are byte-identical.
 */
#include "results_format.h"
#include "h5util.h"

/* largest chunk, bytes: well under HDF5's 4 GiB limit */
#define MAX_CHUNK_BYTES ((hsize_t)1 << 30)

hid_t qmap__results_fapl(void)
{
    hid_t pl = H5Pcreate(H5P_FILE_ACCESS);
    if (pl < 0)
        return H5P_DEFAULT;
    H5Pset_libver_bounds(pl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    return pl;
}

hid_t qmap__results_fcpl(void)
{
    hid_t pl = H5Pcreate(H5P_FILE_CREATE);
    if (pl < 0)
        return H5P_DEFAULT;
    H5Pset_obj_track_times(pl, 0);   /* the root group */
    H5Pset_userblock(pl, QMAP_SEAL_BLOCK);   /* the whole-file checksum (io/file_seal.c) */
    return pl;
}

hid_t qmap__results_gcpl(void)
{
    hid_t pl = H5Pcreate(H5P_GROUP_CREATE);
    if (pl < 0)
        return H5P_DEFAULT;
    H5Pset_obj_track_times(pl, 0);
    return pl;
}

hid_t qmap__results_dcpl(int rank, const hsize_t *dims, size_t elem_size)
{
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (pl < 0)
        return H5P_DEFAULT;
    H5Pset_obj_track_times(pl, 0);
    if (rank < 1 || rank > 8)
        return pl;   /* a scalar: contiguous, its object header is checksummed */
    hsize_t chunk[8], bytes = elem_size ? elem_size : 1;
    for (int k = 0; k < rank; k++) {
        if (dims[k] == 0)
            return pl;   /* empty: nothing to checksum */
        chunk[k] = dims[k];
        bytes *= dims[k];
    }
    /* one chunk holding the whole dataset unless that is too large: then halve the
     * leading dimensions until it fits */
    for (int k = 0; k < rank && bytes > MAX_CHUNK_BYTES; k++)
        while (chunk[k] > 1 && bytes > MAX_CHUNK_BYTES) {
            bytes = bytes / chunk[k] * ((chunk[k] + 1) / 2);
            chunk[k] = (chunk[k] + 1) / 2;
        }
    if (H5Pset_chunk(pl, rank, chunk) >= 0)
        H5Pset_fletcher32(pl);
    return pl;
}

hid_t qmap__results_dcpl_chunked(int rank, const hsize_t *chunk)
{
    hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
    if (pl < 0)
        return H5P_DEFAULT;
    H5Pset_obj_track_times(pl, 0);
    double zero = 0.0;
    if (H5Pset_chunk(pl, rank, chunk) < 0 || H5Pset_fletcher32(pl) < 0 ||
        H5Pset_fill_value(pl, H5T_NATIVE_DOUBLE, &zero) < 0 || H5Pset_alloc_time(pl, H5D_ALLOC_TIME_INCR) < 0) {
        H5Pclose(pl);
        return H5I_INVALID_HID;
    }
    return pl;
}

void qmap__results_plist_close(hid_t pl)
{
    if (pl != H5P_DEFAULT && pl >= 0)
        H5Pclose(pl);
}
