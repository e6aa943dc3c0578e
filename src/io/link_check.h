/* link_check.h -- find the missing linked file behind an unopenable HDF5 path. */
#ifndef QMAP_LINK_CHECK_H
#define QMAP_LINK_CHECK_H

#include <stddef.h>
#include <stdint.h>

/* 1 and a message in out ("linked file X is missing (external link L in F)") when the
 * object obj of file cannot be reached because a file an external link points to is
 * absent; 0 otherwise. open_file: the HDF5 id of file when the caller holds it open
 * (used as is), else -1. */
int qmap_h5_find_missing_link(int64_t open_file, const char *file, const char *obj, char *out,
                              size_t size);

#endif
