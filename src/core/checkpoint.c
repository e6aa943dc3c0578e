/* checkpoint.c -- the checkpoint file of an interrupted `qmap process` (see checkpoint.h).
 *
 * Format (native byte order; a checkpoint is only read back on the machine that wrote
 * it): magic "QMAPCKP1", fingerprint u64, scans_done i32, n_scans i32, n_pos u64,
 * n_bins 3 x i32, full_quick_look i32 (issue 18: 1 when the sums follow a quick look redone on
 * every frame; this was padding, 0, in older checkpoints), n_cubes u64, then s0, s1, s2, proj[0..2], contrib (i32), cubes,
 * scan_intensity, and last the FNV-1a hash of all the preceding bytes, so a truncated or
 * damaged file is refused instead of giving wrong sums.
 */
#include "checkpoint.h"
#include "qmap/error.h"
#include "qmap/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char MAGIC[8] = {'Q', 'M', 'A', 'P', 'C', 'K', 'P', '1'};

uint64_t qmap_fingerprint(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t qmap_fingerprint_words(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);
        h ^= w;
        h *= 0x100000001b3ULL;
    }
    return qmap_fingerprint(h, p + i, n - i);
}

/* One stream with its running hash; ok drops to 0 at the first short read or write. */
typedef struct {
    FILE *f;
    uint64_t hash;
    int ok;
} stream;

static void put(stream *s, const void *data, size_t n)
{
    if (s->ok && fwrite(data, 1, n, s->f) != n)
        s->ok = 0;
    s->hash = qmap_fingerprint(s->hash, data, n);
}

static void get(stream *s, void *data, size_t n)
{
    if (s->ok && fread(data, 1, n, s->f) != n)
        s->ok = 0;
    if (s->ok)
        s->hash = qmap_fingerprint(s->hash, data, n);
}

typedef struct {
    uint64_t fingerprint;
    int32_t scans_done, n_scans;
    uint64_t n_pos;
    int32_t n_bins[3];
    int32_t full_quick_look;   /* issue 18: in what was the padding before n_cubes */
    uint64_t n_cubes;
} header;
_Static_assert(sizeof(header) == 48, "the checkpoint header keeps its size and layout");

/* The arrays in file order, read or written by fn. */
static void arrays(stream *s, qmap_checkpoint_arrays *a, void (*fn)(stream *, void *, size_t))
{
    size_t n = a->n_pos;
    fn(s, a->s0, n * sizeof *a->s0);
    fn(s, a->s1, 3 * n * sizeof *a->s1);
    fn(s, a->s2, 3 * n * sizeof *a->s2);
    for (int k = 0; k < 3; k++)
        fn(s, a->proj[k], n * a->n_bins[k] * sizeof *a->proj[k]);
    fn(s, a->contrib, n * sizeof *a->contrib);
    fn(s, a->cubes, a->n_cubes * sizeof *a->cubes);
    fn(s, a->scan_intensity, a->n_scans * sizeof *a->scan_intensity);
}

static void put_any(stream *s, void *data, size_t n)
{
    put(s, data, n);
}

static void header_of(header *h, uint64_t fingerprint, int scans_done, int full_quick_look,
                      const qmap_checkpoint_arrays *a)
{
    memset(h, 0, sizeof *h);   /* padding bytes hashed too: keep them defined */
    h->fingerprint = fingerprint;
    h->full_quick_look = full_quick_look != 0;
    h->scans_done = scans_done;
    h->n_scans = a->n_scans;
    h->n_pos = a->n_pos;
    for (int k = 0; k < 3; k++)
        h->n_bins[k] = a->n_bins[k];
    h->n_cubes = a->n_cubes;
}

int qmap_checkpoint_save(const char *path, uint64_t fingerprint, int scans_done, int full_quick_look,
                         const qmap_checkpoint_arrays *a)
{
    char tmp[4400];
    int fd = qmap_temp_create(path, tmp, sizeof tmp);
    if (fd < 0)
        return fd;
    stream s = {fdopen(fd, "wb"), QMAP_FINGERPRINT_SEED, 1};
    if (!s.f) {
        close(fd);
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: cannot create the checkpoint file", tmp);
    }
    header h;
    header_of(&h, fingerprint, scans_done, full_quick_look, a);
    put(&s, MAGIC, sizeof MAGIC);
    put(&s, &h, sizeof h);
    qmap_checkpoint_arrays copy = *a;   /* the writer only reads through these pointers */
    arrays(&s, &copy, put_any);
    uint64_t hash = s.hash;
    put(&s, &hash, sizeof hash);
    if (fflush(s.f) != 0 || fsync(fileno(s.f)) != 0)
        s.ok = 0;
    if (fclose(s.f) != 0)
        s.ok = 0;
    if (!s.ok) {
        qmap_temp_discard(tmp);
        return qmap_error(QMAP_ERR_IO, "%s: writing the checkpoint failed (disk full?)", path);
    }
    return qmap_temp_commit(tmp, path);
}

int qmap_checkpoint_load(const char *path, uint64_t fingerprint, qmap_checkpoint_arrays *a,
                         int *scans_done)
{
    stream s = {fopen(path, "rb"), QMAP_FINGERPRINT_SEED, 1};
    if (!s.f)
        return qmap_error(QMAP_ERR_IO, "--resume: cannot open the checkpoint %s (no interrupted run "
                          "to resume?)", path);
    char magic[sizeof MAGIC];
    header h, want;
    get(&s, magic, sizeof magic);
    get(&s, &h, sizeof h);
    int rc = QMAP_OK;
    header_of(&want, fingerprint, 0, 0, a);
    if (!s.ok || memcmp(magic, MAGIC, sizeof MAGIC) != 0)
        rc = qmap_error(QMAP_ERR_FORMAT, "--resume: %s is not a qmap checkpoint", path);
    else if (h.fingerprint != fingerprint || h.n_scans != want.n_scans || h.n_pos != want.n_pos ||
             memcmp(h.n_bins, want.n_bins, sizeof h.n_bins) != 0 || h.n_cubes != want.n_cubes)
        rc = qmap_error(QMAP_ERR_VALUE, "--resume: checkpoint %s was made with other options, input "
                        "or thread count; rerun with those, or without --resume to start over", path);
    else if (h.scans_done < 0 || h.scans_done > h.n_scans)
        rc = qmap_error(QMAP_ERR_FORMAT, "--resume: %s: corrupt (scans done %d of %d)", path,
                        (int)h.scans_done, (int)h.n_scans);
    if (rc == QMAP_OK) {
        arrays(&s, a, get);
        uint64_t expect = s.hash, stored = 0;
        if (s.ok && fread(&stored, sizeof stored, 1, s.f) != 1)
            s.ok = 0;
        if (!s.ok || stored != expect || fgetc(s.f) != EOF)
            rc = qmap_error(QMAP_ERR_FORMAT, "--resume: checkpoint %s is truncated or corrupt", path);
    }
    fclose(s.f);
    if (rc == QMAP_OK)
        *scans_done = h.scans_done;
    return rc;
}

int qmap_checkpoint_full_quick_look(const char *path)
{
    FILE *f = fopen(path, "rb");
    char magic[sizeof MAGIC];
    header h;
    int ok = f && fread(magic, sizeof magic, 1, f) == 1 && memcmp(magic, MAGIC, sizeof MAGIC) == 0 &&
             fread(&h, sizeof h, 1, f) == 1;
    if (f)
        fclose(f);
    return ok && h.full_quick_look == 1;
}
