/* link_check.h -- find the missing linked file behind an unopenable HDF5 path. */
#ifndef QMAP_LINK_CHECK_H
#define QMAP_LINK_CHECK_H

#include <stddef.h>

/* 1 and a message in out ("linked file X is missing (external link L in F)") when the
 * object obj of file cannot be reached because a file an external link points to is
 * absent; 0 otherwise. */
int qmap_h5_find_missing_link(const char *file, const char *obj, char *out, size_t size);

#endif
