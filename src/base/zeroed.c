/* zeroed.c -- malloc + zeros written (see zeroed.h for why not calloc). */
#include "zeroed.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *qmap_zeroed(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    void *p = malloc(bytes > 0 ? bytes : 1);
    if (p)
        memset(p, 0, bytes);
    return p;
}
