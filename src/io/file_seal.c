/* file_seal.c -- a checksum over a whole qmap results file, kept in its HDF5 user block.
 *
 * Why: HDF5's own checksums (metadata with the latest format, Fletcher32 on data) cover only
 * the objects a reader touches; a bit flip elsewhere (a dataset the reader skips, free
 * space) went unnoticed, and 30 of 30 bit-flipped results files were accepted. The writer
 * reserves a 512-byte user block (HDF5 and every HDF5 reader skip it) and, once the file is
 * closed, writes there a magic line and a 64-bit hash of every byte after the block.
 * qmap_h5_open_file verifies the seal of any file that has one, so every qmap reader
 * (report, particles, view, compare) refuses a corrupted results file with one line. Files
 * without the magic (raw data, results of older qmap) are opened as before.
 */
#include "h5util.h"
#include "qmap/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_MAGIC "QMAP-RESULTS-SEAL-1 "
#define SEAL_HEX 16

/* 64-bit hash of fd's bytes from offset QMAP_SEAL_BLOCK to the end (8 bytes per step,
 * multiply-xorshift; the length enters too). */
static int hash_after_block(int fd, uint64_t *out)
{
    static unsigned char buf[1 << 16];
    uint64_t h = 0x9E3779B97F4A7C15ULL, total = 0;
    off_t pos = QMAP_SEAL_BLOCK;
    for (;;) {
        ssize_t got = pread(fd, buf, sizeof buf, pos);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        size_t n = (size_t)got, i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t w;
            memcpy(&w, buf + i, 8);
            h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
            h ^= h >> 32;
        }
        for (; i < n; i++)
            h = (h ^ buf[i]) * 0x100000001B3ULL;
        pos += got;
        total += (uint64_t)got;
    }
    h ^= total;
    h *= 0xC4CEB9FE1A85EC53ULL;
    h ^= h >> 29;
    *out = h;
    return 0;
}

int qmap_file_seal(const char *path)
{
    int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return qmap_error(QMAP_ERR_IO, "%s: cannot reopen to seal: %s", path, strerror(errno));
    uint64_t h;
    char line[64];
    int n = 0;
    int ok = hash_after_block(fd, &h) == 0;
    if (ok)
        n = snprintf(line, sizeof line, SEAL_MAGIC "%016llx\n", (unsigned long long)h);
    ok = ok && pwrite(fd, line, (size_t)n, 0) == n;
    ok = ok && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = 0;
    return ok ? QMAP_OK : qmap_error(QMAP_ERR_IO, "%s: writing the checksum failed (disk full?)", path);
}

int qmap_file_seal_check(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return QMAP_OK;   /* the caller's open names the problem */
    struct stat st;
    char head[sizeof SEAL_MAGIC + SEAL_HEX + 1] = {0};
    int rc = QMAP_OK;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        pread(fd, head, sizeof head - 1, 0) == (ssize_t)(sizeof head - 1) &&
        memcmp(head, SEAL_MAGIC, strlen(SEAL_MAGIC)) == 0) {
        unsigned long long want = 0;
        uint64_t got = 0;
        char hex[SEAL_HEX + 1];
        memcpy(hex, head + strlen(SEAL_MAGIC), SEAL_HEX);
        hex[SEAL_HEX] = '\0';
        if (sscanf(hex, "%16llx", &want) != 1 || hash_after_block(fd, &got) < 0 || got != (uint64_t)want)
            rc = qmap_error(QMAP_ERR_CORRUPT, "%s: the file is corrupted (its checksum does not match the "
                            "contents); rerun qmap process or restore a copy", path);
    }
    close(fd);
    return rc;
}

int qmap_file_sealed(const char *path)
{
    char head[sizeof SEAL_MAGIC] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    ssize_t got = pread(fd, head, strlen(SEAL_MAGIC), 0);
    close(fd);
    return got == (ssize_t)strlen(SEAL_MAGIC) && memcmp(head, SEAL_MAGIC, strlen(SEAL_MAGIC)) == 0;
}
