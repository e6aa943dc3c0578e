/* test_frames.c -- the frame reader against plain H5Dread on BLISS-like files.
 *
 * Builds in QMAP_TEST_TMP a master file whose scans hold measurement/mpx1x4 as a
 * virtual dataset over two LIMA-like source files in a subfolder (relative paths):
 * 1.1 bitshuffle-LZ4 int32 (fast path), 2.1 gzip uint16 (fallback), 3.1 uint32
 * uncompressed (one chunked source, one contiguous), 4.1 a plain bitshuffle dataset
 * in the master, 5.1 a VDS into the master itself ("."), 6.1 an interrupted scan
 * (unwritten chunks, unmapped frames). Every read (all rows, a row range, batches
 * crossing the source boundary) must equal H5Dread of the same dataset as float.
 * Then: a deleted source file, the real PTO file with its missing LIMA file, a
 * corrupt chunk, and bad arguments must give errors naming what is wrong.
 */
#include "frames_internal.h"
#include "h5util.h"
#include "qmap/error.h"
#include "qmap/frames.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define ROWS 37
#define COLS 45
#define N1 40 /* frames in the first source file */
#define N2 35 /* frames in the second */
#define LIMA_DSET "/entry_0000/instrument/mpx1x4/data"

#include "check.h"
#include "shared_data.h"

enum storage { ST_BSHUF, ST_GZIP, ST_CHUNKED, ST_CONTIG };

static char tmpdir[2048];

static uint64_t hash(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

/* Sparse detector-like counts; `big` allows values beyond 16 bits. */
static int64_t pixel(int seed, int f, int r, int c, int big)
{
    uint64_t h = hash(((uint64_t)seed << 48) ^ ((uint64_t)f << 32) ^ ((uint64_t)r << 16) ^ (uint64_t)c);
    if (h % 100 >= 4) return 0;
    return big && (h >> 20) % 10 == 0 ? (int64_t)((h >> 24) % 5000000) : (int64_t)((h >> 24) % 300);
}

static hid_t create_file(const char *path)
{
    return H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
}

static hid_t lcpl_intermediate(void)
{
    hid_t l = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(l, 1);
    return l;
}

static hid_t storage_dcpl(enum storage st)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hsize_t chunk[3] = {1, ROWS, COLS};
    unsigned cd[2] = {0, 2}; /* bitshuffle 0.3.5: {block (auto), LZ4} */
    if (st != ST_CONTIG) H5Pset_chunk(dcpl, 3, chunk);
    if (st == ST_BSHUF) H5Pset_filter(dcpl, 32008, H5Z_FLAG_MANDATORY, 2, cd);
    if (st == ST_GZIP) H5Pset_deflate(dcpl, 4);
    return dcpl;
}

/* Write frames [0, n) (only those with written[f] != 0 when given) of `seed`. */
static int write_frames(hid_t loc, const char *name, hid_t type, enum storage st, int n, int seed,
                        int big, const int *written)
{
    hsize_t dims[3] = {(hsize_t)n, ROWS, COLS};
    hid_t space = H5Screate_simple(3, dims, NULL), dcpl = storage_dcpl(st), lcpl = lcpl_intermediate();
    hid_t d = H5Dcreate2(loc, name, type, space, lcpl, dcpl, H5P_DEFAULT);
    int ok = d >= 0;
    int64_t *frame = malloc(sizeof(int64_t) * ROWS * COLS);
    hsize_t fdims[3] = {1, ROWS, COLS};
    hid_t mspace = H5Screate_simple(3, fdims, NULL);
    for (int f = 0; ok && f < n; f++) {
        if (written && !written[f]) continue;
        for (int r = 0; r < ROWS; r++)
            for (int c = 0; c < COLS; c++) frame[r * COLS + c] = pixel(seed, f, r, c, big);
        hsize_t start[3] = {(hsize_t)f, 0, 0};
        H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, fdims, NULL);
        ok = H5Dwrite(d, H5T_NATIVE_INT64, mspace, space, H5P_DEFAULT, frame) >= 0;
    }
    free(frame);
    H5Sclose(mspace);
    if (d >= 0) H5Dclose(d);
    H5Pclose(dcpl);
    H5Pclose(lcpl);
    H5Sclose(space);
    return ok ? 0 : -1;
}

static int write_source(const char *rel, hid_t type, enum storage st, int n, int seed, int big,
                        const int *written)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmpdir, rel);
    hid_t f = create_file(path);
    if (f < 0) return -1;
    int e = write_frames(f, LIMA_DSET, type, st, n, seed, big, written);
    H5Fclose(f);
    return e;
}

typedef struct {
    const char *file; /* relative to the master, or "." */
    const char *dset;
    hsize_t v0, n;    /* virtual frames */
} mapping;

static int make_vds(hid_t master, const char *name, hid_t type, hsize_t n_frames,
                    const mapping *maps, int n_maps)
{
    hsize_t dims[3] = {n_frames, ROWS, COLS};
    hid_t vspace = H5Screate_simple(3, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    for (int i = 0; i < n_maps; i++) {
        hsize_t sdims[3] = {maps[i].n, ROWS, COLS}, start[3] = {maps[i].v0, 0, 0};
        hsize_t count[3] = {maps[i].n, ROWS, COLS};
        hid_t sspace = H5Screate_simple(3, sdims, NULL);
        H5Sselect_hyperslab(vspace, H5S_SELECT_SET, start, NULL, count, NULL);
        H5Pset_virtual(dcpl, vspace, maps[i].file, maps[i].dset, sspace);
        H5Sclose(sspace);
    }
    H5Sselect_all(vspace);
    hid_t lcpl = lcpl_intermediate();
    hid_t d = H5Dcreate2(master, name, type, vspace, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(vspace);
    if (d < 0) return -1;
    H5Dclose(d);
    return 0;
}

/* 8.1: even frames from bs_0000.h5, odd frames from gz_0000.h5 (strided mappings,
 * which the reader leaves to HDF5 after checking the files). */
static int make_interleaved(hid_t master, const char *name)
{
    hsize_t n = 2 * 20, dims[3] = {n, ROWS, COLS};
    hid_t vspace = H5Screate_simple(3, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    const char *files[2] = {"scan0001/bs_0000.h5", "scan0001/gz_0000.h5"};
    for (int i = 0; i < 2; i++) {
        hsize_t start[3] = {(hsize_t)i, 0, 0}, stride[3] = {2, 1, 1}, count[3] = {20, 1, 1};
        hsize_t block[3] = {1, ROWS, COLS}, sstart[3] = {0, 0, 0}, scount[3] = {20, ROWS, COLS};
        hsize_t sdims[3] = {N1, ROWS, COLS};
        hid_t sspace = H5Screate_simple(3, sdims, NULL);
        H5Sselect_hyperslab(sspace, H5S_SELECT_SET, sstart, NULL, scount, NULL);
        H5Sselect_hyperslab(vspace, H5S_SELECT_SET, start, stride, count, block);
        H5Pset_virtual(dcpl, vspace, files[i], LIMA_DSET, sspace);
        H5Sclose(sspace);
    }
    H5Sselect_all(vspace);
    hid_t lcpl = lcpl_intermediate();
    hid_t d = H5Dcreate2(master, name, H5T_STD_I32LE, vspace, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(vspace);
    if (d < 0) return -1;
    H5Dclose(d);
    return 0;
}

/* Reference: H5Dread of frames [first, first+count), rows [row0, row1) as float. */
static float *reference(const char *path, const char *scan, int first, int count, int row0, int row1)
{
    char name[256];
    snprintf(name, sizeof name, "/%s/measurement/mpx1x4", scan);
    hid_t fapl = qmap_h5_read_fapl();   /* as the reader opens it (h5util.h) */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (fapl != H5P_DEFAULT)
        H5Pclose(fapl);
    hid_t d = H5Dopen2(f, name, H5P_DEFAULT);
    hid_t fs = H5Dget_space(d);
    hsize_t start[3] = {(hsize_t)first, (hsize_t)row0, 0};
    hsize_t cnt[3] = {(hsize_t)count, (hsize_t)(row1 - row0), COLS};
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, cnt, NULL);
    hid_t ms = H5Screate_simple(3, cnt, NULL);
    float *buf = malloc(sizeof(float) * (size_t)count * (size_t)(row1 - row0) * COLS);
    if (H5Dread(d, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, buf) < 0) {
        free(buf);
        buf = NULL;
    }
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
    return buf;
}

/* The sparse reader (its own reader, so that the missing-frame counts of `r` stay as they
 * are) must give exactly the non-zero values of the reference, frame by frame; returns
 * the number of frames it flagged absent (whose reference must be the fill value 0). */
static int compare_sparse(const char *path, const char *scan, int first, int count, int row0,
                          int row1, const float *ref)
{
    qmap_frame_reader *r = NULL;
    qmap_sparse_worker *w = qmap_sparse_worker_new();
    int st = qmap_frame_reader_open(path, scan, "mpx1x4", &r), absent = 0;
    CHECK(st == QMAP_OK && w, "sparse: open scan %s: %s", scan, qmap_error_message());
    size_t len = (size_t)(row1 - row0) * COLS;
    for (int f = first; st == QMAP_OK && f < first + count; f++) {
        qmap_sparse_frame fr;
        const float *d = ref + (size_t)(f - first) * len;
        int e = f % 3 == 0 ? qmap_frame_reader_read_sparse(r, w, f, row0, row1, &fr)
                           : qmap_frame_reader_fetch(r, w, f, 1, row0, row1);
        if (!e && f % 3) e = qmap_frame_reader_decode(r, w, 0, &fr);
        CHECK(e == QMAP_OK, "sparse: scan %s frame %d: %s", scan, f, qmap_error_message());
        if (e) break;
        size_t k = 0, bad = 0;
        absent += fr.absent;
        for (size_t i = 0; i < len; i++) {
            if (d[i] == 0) continue;
            if (k < (size_t)fr.n && fr.idx[k] == (int32_t)(row0 * COLS + i) && fr.val[k] == d[i]) k++;
            else bad++;
        }
        CHECK(bad == 0 && k == (size_t)fr.n, "sparse: scan %s frame %d rows %d..%d: %zu of %d "
              "non-zero pixels differ", scan, f, row0, row1, bad + (size_t)fr.n - k, fr.n);
    }
    qmap_sparse_worker_free(w);
    qmap_frame_reader_close(r);
    return absent;
}

static int compare_read(qmap_frame_reader *r, const char *path, const char *scan, int first,
                        int count, int row0, int row1)
{
    int absent = 0;
    size_t n = (size_t)count * (size_t)(row1 - row0) * COLS;
    float *mine = malloc(sizeof(float) * (n ? n : 1));
    int st = qmap_frame_reader_read(r, first, count, row0, row1, mine);
    CHECK(st == QMAP_OK, "scan %s read %d+%d rows %d..%d: %s", scan, first, count, row0, row1,
          qmap_error_message());
    float *ref = reference(path, scan, first, count, row0, row1);
    CHECK(ref != NULL, "reference read failed");
    if (st == QMAP_OK && ref) {
        size_t bad = 0, nonzero = 0;
        for (size_t i = 0; i < n; i++) {
            bad += mine[i] != ref[i];
            nonzero += ref[i] != 0;
        }
        CHECK(bad == 0, "scan %s frames %d+%d rows %d..%d: %zu values differ", scan, first,
              count, row0, row1, bad);
        CHECK(nonzero > 0 || n < 1000, "scan %s: reference is all zero", scan);
        absent = compare_sparse(path, scan, first, count, row0, row1, ref);
    }
    free(ref);
    free(mine);
    return absent;
}

/* issue 18: several runs of frames fetched under one lock (qmap_frame_reader_fetch_runs,
 * what the frame loop does with several threads) decode to the frames fetched one at a time:
 * runs across the source-file boundary, of 1 to 8 frames, up to QMAP_SPARSE_SLOTS in all;
 * too many frames, or a run past the end, are refused. */
/* The slots of w after fetching the k runs: each the frame read alone (with `one`). */
static void slots_match(qmap_frame_reader *r, qmap_sparse_worker *w, qmap_sparse_worker *one, const int *first,
                        const int *count, int k, int row0, int row1, const char *what, const char *scan, int trial)
{
    for (int j = 0, slot = 0; j < k; j++)
        for (int f = first[j]; f < first[j] + count[j]; f++, slot++) {
            qmap_sparse_frame a, b;
            int e1 = qmap_frame_reader_decode(r, w, slot, &a);
            int e2 = qmap_frame_reader_read_sparse(r, one, f, row0, row1, &b);
            int same = e1 == QMAP_OK && e2 == QMAP_OK && a.n == b.n && a.absent == b.absent;
            for (int i = 0; same && i < a.n; i++)
                same = a.idx[i] == b.idx[i] && a.val[i] == b.val[i];
            CHECK(same, "%s: scan %s trial %d: slot %d (frame %d) differs from the frame read alone", what, scan,
                  trial, slot, f);
        }
}

static void check_runs(const char *path, const char *scan, int n_frames, int row0, int row1)
{
    qmap_frame_reader *r = NULL;
    qmap_sparse_worker *w = qmap_sparse_worker_new(), *one = qmap_sparse_worker_new();
    int st = qmap_frame_reader_open(path, scan, "mpx1x4", &r);
    CHECK(st == QMAP_OK && w && one, "runs: open scan %s: %s", scan, qmap_error_message());
    for (int trial = 0; st == QMAP_OK && trial < 40; trial++) {
        int first[8], count[8], n_runs = 1 + trial % 8, total = 0, k = 0;
        for (int f = (trial * 7) % n_frames; k < n_runs && f < n_frames; k++) {
            int c = 1 + (trial + 3 * k) % 8;
            c = c > n_frames - f ? n_frames - f : c;
            c = c > QMAP_SPARSE_SLOTS - total ? QMAP_SPARSE_SLOTS - total : c;
            if (c < 1)
                break;
            first[k] = f;
            count[k] = c;
            total += c;
            f += c + trial % 5;   /* runs apart (or adjacent) */
        }
        if (k == 0)
            continue;
        int e = qmap_frame_reader_fetch_runs(r, w, first, count, k, row0, row1);
        CHECK(e == QMAP_OK, "runs: scan %s trial %d: %s", scan, trial, qmap_error_message());
        if (e == QMAP_OK)
            slots_match(r, w, one, first, count, k, row0, row1, "runs", scan, trial);
        /* issue 18: read only if the HDF5 lock is free (always, on one thread): the same */
        int fetched = 0;
        e = qmap_frame_reader_try_fetch_runs(r, w, first, count, k, row0, row1, &fetched);
        CHECK(e == QMAP_OK && fetched, "try runs: scan %s trial %d: status %d, fetched %d: %s", scan, trial, e,
              fetched, qmap_error_message());
        if (e == QMAP_OK && fetched)
            slots_match(r, w, one, first, count, k, row0, row1, "try runs", scan, trial);
    }
    if (st == QMAP_OK) {
        int f33[2] = {0, 10}, c33[2] = {8, QMAP_SPARSE_SLOTS - 7};
        CHECK(qmap_frame_reader_fetch_runs(r, w, f33, c33, 2, row0, row1) == QMAP_ERR_VALUE,
              "runs: %d frames accepted", QMAP_SPARSE_SLOTS + 1);
        int fend[1] = {n_frames - 2}, cend[1] = {3};
        CHECK(qmap_frame_reader_fetch_runs(r, w, fend, cend, 1, row0, row1) == QMAP_ERR_VALUE,
              "runs: a run past the last frame accepted");
        CHECK(qmap_frame_reader_fetch(r, w, 0, QMAP_SPARSE_FETCH + 1, row0, row1) == QMAP_ERR_VALUE,
              "fetch: more than %d frames accepted", QMAP_SPARSE_FETCH);
    }
    qmap_sparse_worker_free(w);
    qmap_sparse_worker_free(one);
    qmap_frame_reader_close(r);
}

/* issue 18: the source files a reader holds open (its frames may be kept open all run), and
 * the bounded metadata cache of one (HDF5 shares it with any other open of the file) */
static void check_files(const qmap_frame_reader *r, const char *scan)
{
    /* 1.1: two LIMA files; 4.1: frames in the master; 5.1: the master ("."), then a LIMA file */
    int want = strcmp(scan, "1.1") == 0 ? 2 : strcmp(scan, "4.1") == 0 ? 0 : strcmp(scan, "5.1") == 0 ? 1 : -1;
    if (want < 0)
        return;
    CHECK(qmap_frame_reader_n_files(r) == want, "scan %s: %d source files open, expected %d", scan,
          qmap_frame_reader_n_files(r), want);
    if (want == 0)
        return;
    char src[4096];
    snprintf(src, sizeof src, "%s/scan0001/bs_0001.h5", tmpdir);   /* read by both */
    hid_t f = H5Fopen(src, H5F_ACC_RDONLY, H5P_DEFAULT);
    H5AC_cache_config_t c;
    memset(&c, 0, sizeof c);
    c.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    CHECK(f >= 0 && H5Fget_mdc_config(f, &c) >= 0 && c.max_size == QMAP_READER_METADATA_CACHE &&
              c.incr_mode == H5C_incr__off,
          "scan %s: %s metadata cache at most %zu bytes (incr mode %d), expected %zu and no growth", scan, src,
          c.max_size, (int)c.incr_mode, QMAP_READER_METADATA_CACHE);
    if (f >= 0)
        H5Fclose(f);
}

static void check_scan(const char *path, const char *scan, int n_frames, int expect_fast)
{
    qmap_frame_reader *r = NULL;
    int st = qmap_frame_reader_open(path, scan, "mpx1x4", &r);
    CHECK(st == QMAP_OK, "open scan %s: %s", scan, qmap_error_message());
    if (st) return;
    int rows = 0, cols = 0;
    qmap_frame_reader_shape(r, &rows, &cols);
    CHECK(rows == ROWS && cols == COLS, "scan %s shape %dx%d", scan, rows, cols);
    CHECK(qmap_frame_reader_n_frames(r) == n_frames, "scan %s frames %d", scan,
          qmap_frame_reader_n_frames(r));
    CHECK(qmap_frame_reader_is_fast(r) == expect_fast, "scan %s is_fast %d", scan,
          qmap_frame_reader_is_fast(r));
    check_files(r, scan);
    compare_read(r, path, scan, 0, n_frames, 0, ROWS);
    compare_read(r, path, scan, 0, n_frames, 5, 23);
    check_runs(path, scan, n_frames, 0, ROWS);
    check_runs(path, scan, n_frames, 5, 23);
    int b = n_frames > N1 + 4 ? N1 : n_frames / 2; /* the file boundary */
    compare_read(r, path, scan, b - 3, 7, 0, ROWS);
    compare_read(r, path, scan, b - 1, 2, ROWS - 1, ROWS);
    compare_read(r, path, scan, 3, 1, 0, 1);
    compare_read(r, path, scan, n_frames - 1, 1, 10, 11);
    float one[COLS];
    CHECK(qmap_frame_reader_read(r, n_frames, 1, 0, 1, one) == QMAP_ERR_VALUE, "frame past end");
    CHECK(qmap_frame_reader_read(r, -1, 1, 0, 1, one) == QMAP_ERR_VALUE, "negative frame");
    CHECK(qmap_frame_reader_read(r, 0, 1, 3, 3, one) == QMAP_ERR_VALUE, "empty row range");
    CHECK(qmap_frame_reader_read(r, 0, 1, 0, ROWS + 1, one) == QMAP_ERR_VALUE, "rows past end");
    CHECK(qmap_frame_reader_missing_frames(r) == 0, "scan %s: %d missing frames", scan,
          qmap_frame_reader_missing_frames(r));
    /* issue 18: the pipeline keeps its readers open while other stages open the same file
     * (the counters): HDF5 refuses a second open with other file-access settings */
    hid_t f = H5I_INVALID_HID;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    st = qmap_h5_open_file(path, &f);
    qmap_h5_quiet_end(&q);
    CHECK(st == QMAP_OK, "scan %s: the file opens again while its frame reader is open: %s", scan,
          st ? qmap_error_message() : "");
    if (f >= 0)
        H5Fclose(f);
    qmap_frame_reader_close(r);
}

static int build_files(const char *master_path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/scan0001", tmpdir);
    mkdir(dir, 0755);
    int e = 0;
    e |= write_source("scan0001/bs_0000.h5", H5T_STD_I32LE, ST_BSHUF, N1, 1, 1, NULL);
    e |= write_source("scan0001/bs_0001.h5", H5T_STD_I32LE, ST_BSHUF, N2, 2, 1, NULL);
    e |= write_source("scan0001/gz_0000.h5", H5T_STD_U16LE, ST_GZIP, N1, 3, 0, NULL);
    e |= write_source("scan0001/gz_0001.h5", H5T_STD_U16LE, ST_GZIP, N2, 4, 0, NULL);
    e |= write_source("scan0001/u32_0000.h5", H5T_STD_U32LE, ST_CHUNKED, N1, 5, 1, NULL);
    e |= write_source("scan0001/u32_0001.h5", H5T_STD_U32LE, ST_CONTIG, N2, 6, 1, NULL);
    int written[N1];
    for (int f = 0; f < N1; f++) written[f] = f % 7 != 3; /* 6 frames never written */
    e |= write_source("scan0001/cut_0000.h5", H5T_STD_I32LE, ST_BSHUF, N1, 7, 1, written);
    if (e) return -1;

    hid_t m = create_file(master_path);
    if (m < 0) return -1;
    const hsize_t n = N1 + N2;
    mapping bs[2] = {{"scan0001/bs_0000.h5", LIMA_DSET, 0, N1}, {"scan0001/bs_0001.h5", LIMA_DSET, N1, N2}};
    mapping gz[2] = {{"scan0001/gz_0000.h5", LIMA_DSET, 0, N1}, {"scan0001/gz_0001.h5", LIMA_DSET, N1, N2}};
    mapping u32[2] = {{"scan0001/u32_0001.h5", LIMA_DSET, N1, N2}, {"scan0001/u32_0000.h5", LIMA_DSET, 0, N1}};
    mapping self[2] = {{".", "/4.1/measurement/mpx1x4", 0, N1}, {"scan0001/bs_0001.h5", LIMA_DSET, N1, N2}};
    mapping cut[1] = {{"scan0001/cut_0000.h5", LIMA_DSET, 0, N1}};
    e |= make_vds(m, "1.1/measurement/mpx1x4", H5T_STD_I32LE, n, bs, 2);
    e |= make_vds(m, "2.1/measurement/mpx1x4", H5T_STD_U16LE, n, gz, 2);
    e |= make_vds(m, "3.1/measurement/mpx1x4", H5T_STD_U32LE, n, u32, 2);
    e |= write_frames(m, "4.1/measurement/mpx1x4", H5T_STD_I32LE, ST_BSHUF, N1 + N2, 8, 1, NULL);
    e |= make_vds(m, "5.1/measurement/mpx1x4", H5T_STD_I32LE, n, self, 2);
    e |= make_vds(m, "6.1/measurement/mpx1x4", H5T_STD_I32LE, N1 + 3, cut, 1); /* 3 unmapped */
    e |= make_interleaved(m, "8.1/measurement/mpx1x4");
    hsize_t d2[2] = {4, 4};
    hid_t s2 = H5Screate_simple(2, d2, NULL), lcpl = lcpl_intermediate();
    hid_t flat = H5Dcreate2(m, "7.1/measurement/mpx1x4", H5T_NATIVE_INT, s2, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (flat >= 0) H5Dclose(flat);
    H5Sclose(s2);
    H5Pclose(lcpl);
    H5Fclose(m);
    return e ? -1 : 0;
}

static void check_interrupted(const char *path)
{
    qmap_frame_reader *r = NULL;
    int st = qmap_frame_reader_open(path, "6.1", "mpx1x4", &r);
    CHECK(st == QMAP_OK, "open 6.1: %s", qmap_error_message());
    if (st) return;
    int n = qmap_frame_reader_n_frames(r);
    int absent = compare_read(r, path, "6.1", 0, n, 0, ROWS);
    int expect = 0;
    for (int f = 0; f < N1; f++) expect += f % 7 == 3;
    expect += 3; /* unmapped tail */
    CHECK(absent == expect, "6.1: sparse reader flagged %d frames absent, expected %d", absent, expect);
    CHECK(qmap_frame_reader_missing_frames(r) == expect, "6.1: %d missing frames, expected %d",
          qmap_frame_reader_missing_frames(r), expect);
    qmap_frame_reader_close(r);
}

static int copy_file(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    int ok = a && b;
    char buf[65536];
    size_t k;
    while (ok && (k = fread(buf, 1, sizeof buf, a)) > 0) ok = fwrite(buf, 1, k, b) == k;
    if (a) fclose(a);
    if (b) fclose(b);
    return ok ? 0 : -1;
}

/* Copy the master next to a copy of scan0001 lacking bs_0001.h5: open must fail. */
static void check_missing_source(const char *master)
{
    char dir[4096], from[4096], to[4096], m2[4096];
    snprintf(dir, sizeof dir, "%s/del", tmpdir);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/del/scan0001", tmpdir);
    mkdir(dir, 0755);
    snprintf(from, sizeof from, "%s/scan0001/bs_0000.h5", tmpdir);
    snprintf(to, sizeof to, "%s/del/scan0001/bs_0000.h5", tmpdir);
    snprintf(m2, sizeof m2, "%s/del/master.h5", tmpdir);
    CHECK(copy_file(from, to) == 0 && copy_file(master, m2) == 0, "copy failed");
    qmap_frame_reader *r = NULL;
    int st = qmap_frame_reader_open(m2, "1.1", "mpx1x4", &r);
    CHECK(st == QMAP_ERR_IO && r == NULL, "missing source: status %d", st);
    CHECK(strstr(qmap_error_message(), "scan0001/bs_0001.h5") &&
              strstr(qmap_error_message(), "missing") && strstr(qmap_error_message(), "1.1"),
          "missing source message: %s", qmap_error_message());
    qmap_frame_reader_close(r);
}

static void check_real_pto(void)
{
    const char *shared = shared_folder("test_frames", "data", "the real BLISS ascan file");
    if (!shared)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/data/id01-bliss-ascan/PTO_STO_SL_0001.h5", shared);
    qmap_frame_reader *r = NULL;
    int st = qmap_frame_reader_open(path, "20.1", "mpx1x4", &r);
    CHECK(st == QMAP_ERR_IO && r == NULL, "PTO: status %d", st);
    CHECK(strstr(qmap_error_message(), "scan0020/mpx1x4_0000.h5 is missing") != NULL &&
              strstr(qmap_error_message(), "PTO_STO_SL_0001.h5") != NULL,
          "PTO message: %s", qmap_error_message());
    qmap_frame_reader_close(r);
}

/* Overwrite the chunk of frame 5 of a bitshuffle source with garbage. */
static void check_corrupt_chunk(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/corrupt.h5", tmpdir);
    hid_t f = create_file(path);
    write_frames(f, "1.1/measurement/mpx1x4", H5T_STD_I32LE, ST_BSHUF, 10, 9, 1, NULL);
    hid_t d = H5Dopen2(f, "1.1/measurement/mpx1x4", H5P_DEFAULT);
    uint8_t junk[100];
    for (int i = 0; i < 100; i++) junk[i] = (uint8_t)(i * 37 + 11);
    hsize_t off[3] = {5, 0, 0};
    CHECK(H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, sizeof junk, junk) >= 0, "write junk chunk");
    H5Dclose(d);
    H5Fclose(f);
    qmap_frame_reader *r = NULL;
    int st = qmap_frame_reader_open(path, "1.1", "mpx1x4", &r);
    CHECK(st == QMAP_OK, "open corrupt.h5: %s", qmap_error_message());
    if (st) return;
    float *buf = malloc(sizeof(float) * 10 * ROWS * COLS);
    st = qmap_frame_reader_read(r, 0, 10, 0, ROWS, buf);
    CHECK(st == QMAP_ERR_CORRUPT, "corrupt chunk: status %d", st);
    CHECK(strstr(qmap_error_message(), "frame 5") != NULL, "corrupt message: %s", qmap_error_message());
    CHECK(qmap_frame_reader_read(r, 0, 5, 0, ROWS, buf) == QMAP_OK, "frames before the bad one");
    free(buf);
    qmap_frame_reader_close(r);
}

static void check_open_errors(const char *master)
{
    qmap_frame_reader *r = NULL;
    char nofile[4096];
    snprintf(nofile, sizeof nofile, "%s/nope.h5", tmpdir);
    CHECK(qmap_frame_reader_open(nofile, "1.1", "mpx1x4", &r) == QMAP_ERR_IO, "no file");
    CHECK(qmap_frame_reader_open(master, "99.1", "mpx1x4", &r) == QMAP_ERR_FORMAT, "no scan");
    CHECK(strstr(qmap_error_message(), "99.1") != NULL, "no scan message: %s", qmap_error_message());
    CHECK(qmap_frame_reader_open(master, "1.1", "eiger2M", &r) == QMAP_ERR_FORMAT, "no detector");
    CHECK(strstr(qmap_error_message(), "eiger2M") != NULL, "no det message: %s", qmap_error_message());
    CHECK(qmap_frame_reader_open(master, "7.1", "mpx1x4", &r) == QMAP_ERR_FORMAT, "rank 2");
    CHECK(r == NULL, "reader set on error");
}

/* A file held open with HDF5's default access settings (as h5py holds it in a Python
 * session using the same HDF5 library): qmap's readers still open it. */
static void check_open_while_held(const char *path)
{
    hid_t held = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(held >= 0, "hold %s", path);
    qmap_frame_reader *r = NULL;
    int st = qmap_frame_reader_open(path, "1.1", "mpx1x4", &r);
    CHECK(st == QMAP_OK, "frame reader while the file is held open: %s", st ? qmap_error_message() : "");
    hid_t f = H5I_INVALID_HID;
    qmap_h5_quiet q;
    qmap_h5_quiet_begin(&q);
    int st2 = qmap_h5_open_file(path, &f);
    qmap_h5_quiet_end(&q);
    CHECK(st2 == QMAP_OK, "qmap_h5_open_file while the file is held open: %s", st2 ? qmap_error_message() : "");
    if (f >= 0)
        H5Fclose(f);
    qmap_frame_reader_close(r);
    if (held >= 0)
        H5Fclose(held);
}

int main(void)
{
    const char *t = getenv("QMAP_TEST_TMP");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_frames", t ? t : ".");
    mkdir(tmpdir, 0755);
    char master[4096];
    snprintf(master, sizeof master, "%s/master.h5", tmpdir);
    if (build_files(master) != 0) {
        fprintf(stderr, "FAIL: cannot build the test files in %s\n", tmpdir);
        return 1;
    }
    check_scan(master, "1.1", N1 + N2, 1);
    check_scan(master, "2.1", N1 + N2, 0);
    check_scan(master, "3.1", N1 + N2, 0);
    check_scan(master, "4.1", N1 + N2, 1);
    check_scan(master, "5.1", N1 + N2, 1);
    check_scan(master, "8.1", 40, 0);
    check_interrupted(master);
    check_missing_source(master);
    check_real_pto();
    check_corrupt_chunk();
    check_open_errors(master);
    check_open_while_held(master);
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return shared_exit_status(failures);
}
