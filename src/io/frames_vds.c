/* frames_vds.c -- the frame reader's sources: the mappings of a virtual dataset (VDS) into
 * LIMA files resolved by qmap itself (every source file must exist: HDF5 would silently
 * return fill values), or the one plain dataset; each source is classified for the fast
 * raw-chunk path (one frame per chunk, no filter or bitshuffle-LZ4). See frames.c.
 */
#include "frames_reader.h"
#include "qmap/error.h"

#include <errno.h>
#include <limits.h>
#include <omp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- VDS selections ------------------------------------------------------------ */

/* 1 when `space` selects whole rows x cols frames [*start, *start + *n) of a 3-D space. */
static int frame_range_of(hid_t space, int rows, int cols, hsize_t *start0, hsize_t *n0)
{
    if (H5Sget_simple_extent_ndims(space) != 3) return 0;
    H5S_sel_type sel = H5Sget_select_type(space);
    if (sel == H5S_SEL_ALL) {
        hsize_t dims[3];
        H5Sget_simple_extent_dims(space, dims, NULL);
        if (dims[1] != (hsize_t)rows || dims[2] != (hsize_t)cols) return 0;
        *start0 = 0;
        *n0 = dims[0];
        return 1;
    }
    if (sel != H5S_SEL_HYPERSLABS || H5Sis_regular_hyperslab(space) <= 0) return 0;
    hsize_t start[3], stride[3], count[3], block[3];
    if (H5Sget_regular_hyperslab(space, start, stride, count, block) < 0) return 0;
    for (int d = 0; d < 3; d++) {
        if (count[d] == H5S_UNLIMITED || block[d] == H5S_UNLIMITED) return 0;
        if (count[d] != 1 && stride[d] != block[d]) return 0; /* gaps */
    }
    if (start[1] != 0 || count[1] * block[1] != (hsize_t)rows) return 0;
    if (start[2] != 0 || count[2] * block[2] != (hsize_t)cols) return 0;
    *start0 = start[0];
    *n0 = count[0] * block[0];
    return 1;
}

typedef ssize_t (*vds_name_fn)(hid_t, size_t, char *, size_t);

static char *vds_string(hid_t dcpl, size_t i, vds_name_fn fn)
{
    ssize_t len = fn(dcpl, i, NULL, 0);
    if (len < 0) return NULL;
    char *s = malloc((size_t)len + 1);
    if (s && fn(dcpl, i, s, (size_t)len + 1) < 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* ---- sources ------------------------------------------------------------------- */

static int filters_allow_fast(hid_t dcpl, size_t elem_size, int *bshuf)
{
    int nf = H5Pget_nfilters(dcpl);
    *bshuf = 0;
    if (nf == 0) return 1;
    if (nf != 1) return 0;
    unsigned cd[16] = {0}, flags = 0, config = 0;
    size_t ncd = 16;
    H5Z_filter_t id = H5Pget_filter2(dcpl, 0, &flags, &ncd, cd, 0, NULL, &config);
    /* after set_local: {major, minor, elem_size, block, compression} */
    if (id != QMAP_BSHUF_FILTER_ID || ncd < 5 || cd[4] != QMAP_BSHUF_COMPRESS_LZ4 ||
        cd[2] != elem_size)
        return 0;
    *bshuf = 1;
    return 1;
}

/* Fill in type, fill value, chunking and the fast-path decision of a source. */
static int classify_source(qmap_frame_reader *r, segment *s)
{
    hid_t type = H5Dget_type(s->dset), space = H5Dget_space(s->dset);
    hid_t dcpl = H5Dget_create_plist(s->dset);
    int native = 0, st = QMAP_OK;
    hsize_t dims[3] = {0, 0, 0};
    if (type < 0 || space < 0 || dcpl < 0) {
        st = qmap__reader_error(r, QMAP_ERR_INTERNAL, "source file %s dataset %s: cannot query it",
                          s->file_label, s->dset_name);
    } else if (H5Sget_simple_extent_ndims(space) != 3) {
        st = qmap__reader_error(r, QMAP_ERR_FORMAT, "source file %s dataset %s is not 3-D",
                          s->file_label, s->dset_name);
    } else if (qmap__classify_type(type, &s->kind, &s->elem_size, &native) < 0) {
        st = qmap__reader_error(r, QMAP_ERR_FORMAT,
                          "source file %s dataset %s: unsupported data type (class %d, %zu bytes)",
                          s->file_label, s->dset_name, (int)H5Tget_class(type), H5Tget_size(type));
    } else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        s->src_frames = dims[0];
        s->src_rows = dims[1];
        s->src_cols = dims[2];
        s->fill = qmap__fill_value_of(dcpl);
        if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
            hsize_t cd[3] = {0, 0, 0};
            H5Pget_chunk(dcpl, 3, cd);
            if (cd[1] >= dims[1] && cd[2] >= dims[2]) s->chunk0 = cd[0];
            int frame_chunks = cd[0] == 1 && cd[1] == (hsize_t)r->rows && cd[2] == (hsize_t)r->cols &&
                               dims[1] == (hsize_t)r->rows && dims[2] == (hsize_t)r->cols;
            s->fast = native && frame_chunks && filters_allow_fast(dcpl, s->elem_size, &s->bshuf);
        }
    }
    if (type >= 0) H5Tclose(type);
    if (space >= 0) H5Sclose(space);
    if (dcpl >= 0) H5Pclose(dcpl);
    return st;
}

/* Check that source file `label` (as written in the VDS) exists; open it. */
static int open_source_file(qmap_frame_reader *r, const char *label, hid_t *file)
{
    *file = H5I_INVALID_HID;
    if (strcmp(label, ".") == 0) return QMAP_OK; /* the master file itself */
    char *full = qmap__resolve_source(r->path, label);
    if (!full) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    int st = QMAP_OK;
    const char *why = NULL;
    if (qmap__vds_check_file(full, label, &why) < 0) {
        st = qmap__reader_error(r, QMAP_ERR_IO, "source file %s %s", label, why);
    } else if (access(full, R_OK) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            st = qmap__reader_error(r, QMAP_ERR_IO, "source file %s is missing", label);
        else
            st = qmap__reader_error(r, QMAP_ERR_IO, "source file %s is not readable (%s)", label,
                              strerror(errno));
    } else {
        /* default access settings, as HDF5 itself opens the sources of a virtual dataset
         * (qmap_h5_read_fapl here would make a later H5Dread of the VDS fail to open them) */
        *file = H5Fopen(full, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (*file < 0)
            st = qmap__reader_error(r, QMAP_ERR_IO, "source file %s cannot be opened as HDF5", label);
        else   /* issue 18: the reader may stay open all run (frames_internal.h) */
            qmap_h5_bound_metadata_cache(*file, QMAP_READER_METADATA_CACHE);
    }
    free(full);
    return st;
}

void qmap__close_segment(segment *s)
{
    if (s->dset >= 0) H5Dclose(s->dset);
    if (s->file >= 0) H5Fclose(s->file);
    free(s->file_label);
    free(s->dset_name);
    memset(s, 0, sizeof *s);
    s->dset = s->file = H5I_INVALID_HID;
}

/* Open the source of mapping i; *mapped = 0 when the selections are not frame ranges. */
static int setup_mapping(qmap_frame_reader *r, hid_t dcpl, size_t i, segment *s, int *mapped)
{
    s->file = s->dset = H5I_INVALID_HID;
    s->file_label = vds_string(dcpl, i, H5Pget_virtual_filename);
    s->dset_name = vds_string(dcpl, i, H5Pget_virtual_dsetname);
    if (!s->file_label || !s->dset_name)
        return qmap__reader_error(r, QMAP_ERR_INTERNAL, "cannot read virtual mapping %zu", i);
    int unexpanded = 0;
    if (strchr(s->file_label, '%')) {
        char *expanded = NULL;
        int e = qmap__vds_expand_name(r->path, s->file_label, &expanded);
        if (e < 0)
            return qmap__reader_error(r, QMAP_ERR_NOMEM, "out of memory");
        if (e > 0) {
            free(s->file_label);
            s->file_label = expanded;
        }
        unexpanded = e == 0;
    }
    if (unexpanded || strchr(s->dset_name, '%')) {
        *mapped = 0; /* printf-style conversions other than %b, %%: leave them to HDF5 */
        return QMAP_OK;
    }
    int st = open_source_file(r, s->file_label, &s->file);
    if (st) return st;

    hid_t vspace = H5Pget_virtual_vspace(dcpl, i), sspace = H5Pget_virtual_srcspace(dcpl, i);
    hsize_t sn = 0;
    /* a source selection "ALL" has no extent here (rank 0): it is the whole source */
    int src_all = sspace >= 0 && H5Sget_select_type(sspace) == H5S_SEL_ALL;
    *mapped = vspace >= 0 && sspace >= 0 &&
              frame_range_of(vspace, r->rows, r->cols, &s->v0, &s->n) &&
              (src_all || (frame_range_of(sspace, r->rows, r->cols, &s->s0, &sn) && sn == s->n));
    if (vspace >= 0) H5Sclose(vspace);
    if (sspace >= 0) H5Sclose(sspace);

    s->dset = H5Dopen2(s->file >= 0 ? s->file : r->file, s->dset_name, H5P_DEFAULT);
    if (s->dset < 0)
        return qmap__reader_error(r, QMAP_ERR_FORMAT, "source file %s has no dataset %s", s->file_label,
                            s->dset_name);
    if (qmap__vds_source_is_virtual(s->dset))
        return qmap__reader_error(r, QMAP_ERR_FORMAT, "source %s:%s of the virtual dataset is itself virtual "
                                  "(a self-reference, a cycle or a chain; refused)", s->file_label, s->dset_name);
    if (s->v0 >= (hsize_t)r->n_frames) s->n = 0;
    else if (s->n > (hsize_t)r->n_frames - s->v0) s->n = (hsize_t)r->n_frames - s->v0;
    st = classify_source(r, s);
    if (!st && *mapped && (s->src_rows != (hsize_t)r->rows || s->src_cols != (hsize_t)r->cols))
        *mapped = 0; /* frames of another shape: let HDF5 map them */
    return st;
}

static int compare_segments(const void *a, const void *b)
{
    const segment *x = a, *y = b;
    return (x->v0 > y->v0) - (x->v0 < y->v0);
}

int qmap__setup_virtual(qmap_frame_reader *r, hid_t dcpl)
{
    size_t count = 0;
    if (H5Pget_virtual_count(dcpl, &count) < 0)
        return qmap__reader_error(r, QMAP_ERR_INTERNAL, "cannot read the virtual dataset mappings");
    r->seg = calloc(count ? count : 1, sizeof *r->seg);
    if (!r->seg) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    r->n_seg = (int)count;
    for (size_t i = 0; i < count; i++) r->seg[i].file = r->seg[i].dset = H5I_INVALID_HID;
    int all_mapped = 1;
    for (size_t i = 0; i < count; i++) {
        int mapped = 0;
        int st = setup_mapping(r, dcpl, i, &r->seg[i], &mapped);
        if (st) return st;
        all_mapped &= mapped;
    }
    if (!all_mapped) { /* read everything through the VDS */
        for (int i = 0; i < r->n_seg; i++) qmap__close_segment(&r->seg[i]);
        r->n_seg = 0;
        r->whole = 1;
        return QMAP_OK;
    }
    qsort(r->seg, count, sizeof *r->seg, compare_segments);
    return QMAP_OK;
}

int qmap__setup_plain(qmap_frame_reader *r, const char *dset_path)
{
    r->seg = calloc(1, sizeof *r->seg);
    if (!r->seg) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    segment *s = &r->seg[0];
    r->n_seg = 1;
    s->file = H5I_INVALID_HID;
    s->n = (hsize_t)r->n_frames;
    s->file_label = qmap__dup_string(r->path);
    s->dset_name = qmap__dup_string(dset_path);
    s->dset = H5Dopen2(r->file, dset_path, H5P_DEFAULT);
    if (!s->file_label || !s->dset_name) return qmap_error(QMAP_ERR_NOMEM, "out of memory");
    if (s->dset < 0) return qmap__reader_error(r, QMAP_ERR_INTERNAL, "cannot reopen the dataset");
    return classify_source(r, s);
}

