/* vds_check.c -- safety checks of the sources of a virtual dataset (VDS), done by qmap
 * before HDF5 reads anything: printf-style source file names expanded as HDF5 does ("%b"
 * the virtual file's name without folder and extension, "%%" a percent sign) so a missing
 * LIMA file is named instead of read as fill values; only regular files opened (a FIFO or
 * a device would block or read without end); a source that is itself virtual refused, which
 * rules out self-references and cycles (libhdf5 recurses without limit on them).
 */
#include "frames_reader.h"
#include "qmap/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int qmap__vds_expand_name(const char *master, const char *name, char **out)
{
    *out = NULL;
    const char *slash = strrchr(master, '/');
    const char *base = slash ? slash + 1 : master;
    const char *dot = strrchr(base, '.');
    size_t base_len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    size_t n = 1;
    for (const char *c = name; *c; c++) {
        if (*c != '%') {
            n++;
            continue;
        }
        if (c[1] == 'b')
            n += base_len;
        else if (c[1] == '%')
            n++;
        else
            return 0;   /* another conversion (%d of unlimited mappings): left to HDF5 */
        c++;
    }
    char *s = malloc(n), *p = s;
    if (!s)
        return QMAP_ERR_NOMEM;
    for (const char *c = name; *c; c++) {
        if (*c != '%')
            *p++ = *c;
        else if (*++c == 'b') {
            memcpy(p, base, base_len);
            p += base_len;
        } else
            *p++ = '%';
    }
    *p = '\0';
    *out = s;
    return 1;
}

int qmap__vds_check_file(const char *full, const char *label, const char **why)
{
    struct stat st;
    if (stat(full, &st) != 0) {
        *why = errno == ENOENT || errno == ENOTDIR ? "is missing" : "cannot be read";
        return QMAP_ERR_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "is not a regular file (FIFO, device or folder)";
        return QMAP_ERR_IO;
    }
    (void)label;
    return QMAP_OK;
}

int qmap__vds_source_is_virtual(hid_t dset)
{
    hid_t dcpl = H5Dget_create_plist(dset);
    if (dcpl < 0)
        return 0;
    int virt = H5Pget_layout(dcpl) == H5D_VIRTUAL;
    H5Pclose(dcpl);
    return virt;
}
