/* frames_common.c -- helpers shared by the files of the frame reader (frames_reader.h):
 * quiet HDF5 errors, the reader's error prefix, HDF5 element types and their conversion to
 * float, fill values, and which source segment holds a frame.
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

/* ---- small helpers ------------------------------------------------------------ */

int qmap__reader_error(const qmap_frame_reader *r, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return qmap_error(code, "%s: scan %s measurement/%s: %s", r->path, r->scan, r->det, msg);
}

char *qmap__dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

/* Directory of `path` joined with relative `name` (malloc'd). */
char *qmap__resolve_source(const char *master, const char *name)
{
    if (name[0] == '/') return qmap__dup_string(name);
    const char *slash = strrchr(master, '/');
    size_t dir_len = slash ? (size_t)(slash - master) + 1 : 0;
    size_t n = dir_len + strlen(name) + 1;
    char *out = malloc(n);
    if (!out) return NULL;
    memcpy(out, master, dir_len);
    memcpy(out + dir_len, name, strlen(name) + 1);
    return out;
}

/* Map an HDF5 datatype to an element kind; -1 when unsupported. *native is 1 when
 * the bytes in the file are in the host order (needed to decode raw chunks). */
int qmap__classify_type(hid_t type, elem_kind *kind, size_t *size, int *native)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t sz = H5Tget_size(type);
    *size = sz;
    *native = H5Tget_order(type) == H5Tget_order(H5T_NATIVE_INT);
    if (cls == H5T_INTEGER) {
        int sgn = H5Tget_sign(type) == H5T_SGN_2;
        switch (sz) {
        case 1: *kind = sgn ? K_I8 : K_U8; return 0;
        case 2: *kind = sgn ? K_I16 : K_U16; return 0;
        case 4: *kind = sgn ? K_I32 : K_U32; return 0;
        case 8: *kind = sgn ? K_I64 : K_U64; return 0;
        default: return -1;
        }
    }
    if (cls == H5T_FLOAT) {
        /* only IEEE layouts decode correctly from raw bytes */
        if (sz == 4) *kind = K_F32;
        else if (sz == 8) *kind = K_F64;
        else return -1;
        *native = *native && (H5Tequal(type, H5T_IEEE_F32LE) > 0 || H5Tequal(type, H5T_IEEE_F64LE) > 0 ||
                              H5Tequal(type, H5T_IEEE_F32BE) > 0 || H5Tequal(type, H5T_IEEE_F64BE) > 0);
        return 0;
    }
    return -1;
}

#define CONVERT_LOOP(T)                                                   \
    do {                                                                  \
        const T *s = (const T *)src;                                      \
        for (size_t i = 0; i < n; i++) dst[i] = (float)s[i];             \
    } while (0)

void qmap__convert_to_float(elem_kind kind, const void *src, float *dst, size_t n)
{
    switch (kind) {
    case K_U8: CONVERT_LOOP(uint8_t); break;
    case K_I8: CONVERT_LOOP(int8_t); break;
    case K_U16: CONVERT_LOOP(uint16_t); break;
    case K_I16: CONVERT_LOOP(int16_t); break;
    case K_U32: CONVERT_LOOP(uint32_t); break;
    case K_I32: CONVERT_LOOP(int32_t); break;
    case K_U64: CONVERT_LOOP(uint64_t); break;
    case K_I64: CONVERT_LOOP(int64_t); break;
    case K_F32: memcpy(dst, src, n * sizeof(float)); break;
    case K_F64: CONVERT_LOOP(double); break;
    }
}

void qmap__fill_floats(float *dst, size_t n, float value)
{
    for (size_t i = 0; i < n; i++) dst[i] = value;
}

float qmap__fill_value_of(hid_t dcpl)
{
    float v = 0.0f;
    H5D_fill_value_t st;
    if (H5Pfill_value_defined(dcpl, &st) < 0 || st != H5D_FILL_VALUE_USER_DEFINED) return 0.0f;
    if (H5Pget_fill_value(dcpl, H5T_NATIVE_FLOAT, &v) < 0) return 0.0f;
    return v;
}

/* ---- segments ----------------------------------------------------------------- */

segment *qmap__segment_of(qmap_frame_reader *r, int f, int end, int *next)
{
    *next = end;
    for (int i = 0; i < r->n_seg; i++) {
        segment *s = &r->seg[i];
        if ((hsize_t)f >= s->v0 && (hsize_t)f < s->v0 + s->n) return s;
        if (s->v0 > (hsize_t)f && s->v0 < (hsize_t)*next) *next = (int)s->v0;
    }
    return NULL;
}
