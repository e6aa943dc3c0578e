/* link_check.c -- name the missing file behind an HDF5 path that cannot be opened.
 *
 * XSOCS masters and entry files are made of external links (master -> entry file ->
 * raw BLISS file); when a linked file is absent HDF5 only says that the object does not
 * open. This walks the path component by component, follows soft and external links
 * (relative targets resolved against the directory of the file that holds the link, as
 * HDF5 does by default) and reports the first linked file that does not exist (issue 11).
 */
#include "link_check.h"
#include "h5util.h"

#include <hdf5.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEPTH_MAX 8

static void dir_of(const char *file, char *out, size_t size)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", file);
    snprintf(out, size, "%s", dirname(tmp));
}

/* Follow obj (absolute path) inside file holder; 1 with out set when a missing linked file
 * was found. */
static int walk(hid_t open_file, const char *holder, const char *obj, int depth, char *out,
                size_t size)
{
    if (depth > DEPTH_MAX)
        return 0;
    /* a file the caller holds open is used as it is (reopening it with other access
     * properties would fail) */
    hid_t f = open_file >= 0 ? open_file : qmap_h5_fopen_ro(holder);   /* the shared settings (h5util.h) */
    if (f < 0)
        return 0;
    char prefix[1024] = "";
    const char *p = obj;
    int found = 0;
    while (*p && !found) {
        while (*p == '/') p++;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0)
            break;
        size_t pl = strlen(prefix);
        snprintf(prefix + pl, sizeof prefix - pl, "/%.*s", (int)len, p);
        p += len;
        H5L_info_t info;
        if (H5Lget_info(f, prefix, &info, H5P_DEFAULT) < 0)
            break;
        if (info.type == H5L_TYPE_EXTERNAL) {
            char *buf = malloc(info.u.val_size + 1);
            const char *tfile = NULL, *tobj = NULL;
            unsigned flags;
            if (buf && H5Lget_val(f, prefix, buf, info.u.val_size, H5P_DEFAULT) >= 0 &&
                H5Lunpack_elink_val(buf, info.u.val_size, &flags, &tfile, &tobj) >= 0) {
                char path[2048], dir[1024], rest[1024];
                if (tfile[0] == '/') {
                    snprintf(path, sizeof path, "%s", tfile);
                } else {
                    dir_of(holder, dir, sizeof dir);
                    snprintf(path, sizeof path, "%s/%s", dir, tfile);
                }
                snprintf(rest, sizeof rest, "%s%s", tobj, p);
                if (access(path, R_OK) != 0) {
                    snprintf(out, size, "linked file %s is missing (external link %s in %s)",
                             path, prefix, holder);
                    found = 1;
                } else {
                    found = walk(H5I_INVALID_HID, path, rest, depth + 1, out, size);
                }
            }
            free(buf);
            break;   /* the rest of the path lives in the target file */
        }
    }
    if (f != open_file)
        H5Fclose(f);
    return found;
}

int qmap_h5_find_missing_link(int64_t open_file, const char *file, const char *obj, char *out,
                              size_t size)
{
    qmap_h5_quiet quiet;
    qmap_h5_quiet_begin(&quiet);
    int found = walk((hid_t)open_file, file, obj, 0, out, size);
    qmap_h5_quiet_end(&quiet);
    return found;
}
