/* edf.c -- ESRF Data Format reader: header parsing, frame index, data conversion.
 *
 * Files are read through zlib's gzopen/gzread, which reads plain files transparently
 * (and seeks in them directly), so .edf and .edf.gz share one code path. Frames are
 * indexed lazily: frame k's header offset is known once frames 0..k-1 have been walked
 * (header bytes + Size each), so reading the first frames of a long multi-frame .gz
 * file never decompresses the rest. Header text is untrusted: it is parsed with its
 * length, keys and values are bounded copies, and the sizes are checked for overflow.
 * A qmap_edf_file is not thread-safe (one gzFile position); use one per thread.
 */
#include "qmap/edf.h"
#include "qmap/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define BLOCK 512
#define MAX_HEADER_BYTES (1 << 20)
#define MAX_DIM 100000
#define KEY_CHARS 64
#define VALUE_CHARS 128

static const struct {
    const char *name;
    qmap_edf_type type;
    int size;
} type_names[] = {
    {"UnsignedByte", QMAP_EDF_U8, 1},      {"UnsignedChar", QMAP_EDF_U8, 1},
    {"Unsigned8", QMAP_EDF_U8, 1},         {"SignedByte", QMAP_EDF_I8, 1},
    {"SignedChar", QMAP_EDF_I8, 1},        {"Signed8", QMAP_EDF_I8, 1},
    {"UnsignedShort", QMAP_EDF_U16, 2},    {"UnsignedShortInteger", QMAP_EDF_U16, 2},
    {"Unsigned16", QMAP_EDF_U16, 2},       {"SignedShort", QMAP_EDF_I16, 2},
    {"SignedShortInteger", QMAP_EDF_I16, 2}, {"Signed16", QMAP_EDF_I16, 2},
    {"UnsignedInteger", QMAP_EDF_U32, 4},  {"UnsignedLong", QMAP_EDF_U32, 4},
    {"UnsignedLongInteger", QMAP_EDF_U32, 4}, {"Unsigned32", QMAP_EDF_U32, 4},
    {"SignedInteger", QMAP_EDF_I32, 4},    {"SignedLong", QMAP_EDF_I32, 4},
    {"SignedLongInteger", QMAP_EDF_I32, 4}, {"Signed32", QMAP_EDF_I32, 4},
    {"UnsignedLong64", QMAP_EDF_U64, 8},   {"Unsigned64", QMAP_EDF_U64, 8},
    {"SignedLong64", QMAP_EDF_I64, 8},     {"Signed64", QMAP_EDF_I64, 8},
    {"FloatValue", QMAP_EDF_F32, 4},       {"Float", QMAP_EDF_F32, 4},
    {"FloatIEEE32", QMAP_EDF_F32, 4},      {"Float32", QMAP_EDF_F32, 4},
    {"RealValue", QMAP_EDF_F32, 4},
    {"DoubleValue", QMAP_EDF_F64, 8},      {"Double", QMAP_EDF_F64, 8},
    {"DoubleIEEE64", QMAP_EDF_F64, 8},     {"Float64", QMAP_EDF_F64, 8},
};

int qmap_edf_type_from_name(const char *name, qmap_edf_type *type, int *elem_size)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++) {
        if (strcasecmp(name, type_names[i].name) == 0) {
            *type = type_names[i].type;
            *elem_size = type_names[i].size;
            return QMAP_OK;
        }
    }
    return QMAP_ERR_FORMAT;
}

/* ---------------------------------------------------------------- header */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Bounded, trimmed copy of s[0..n) (NULs become '?'); 0, or -1 when too long. */
static int copy_trimmed(const char *s, size_t n, char *out, size_t size)
{
    while (n && is_blank(*s)) {
        s++;
        n--;
    }
    while (n && is_blank(s[n - 1]))
        n--;
    if (n >= size)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = s[i] ? s[i] : '?';
    out[n] = '\0';
    return 0;
}

/* A non-negative decimal integer, whole value; -1 when not one (or > 2^62). */
static long long parse_count(const char *v)
{
    long long x = 0;
    if (!*v)
        return -1;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9' || x > (1LL << 58))
            return -1;
        x = x * 10 + (*p - '0');
    }
    return x;
}

int qmap_edf_parse_header(const char *buf, size_t len, const char *name, qmap_edf_header *h)
{
    size_t i = 0;
    while (i < len && is_blank(buf[i]))
        i++;
    if (i >= len || buf[i] != '{')
        return qmap_error(QMAP_ERR_FORMAT, "%s: not an EDF file (no '{' header)", name);
    size_t start = i + 1, end = start;
    while (end < len && buf[end] != '}')
        end++;
    if (end >= len)
        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF header has no closing '}'", name);
    size_t data = end + 1;
    if (data < len && buf[data] == '\r')
        data++;
    if (data < len && buf[data] == '\n')
        data++;
    memset(h, 0, sizeof *h);
    h->cols = h->rows = -1;
    h->type = QMAP_EDF_U16;
    int have_type = 0, have_size = 0, have_order = 0;
    long long size = -1, dim3 = 1;
    /* "Key = Value ;" items */
    size_t p = start;
    while (p < end) {
        size_t semi = p;
        while (semi < end && buf[semi] != ';')
            semi++;
        size_t eq = p;
        while (eq < semi && buf[eq] != '=')
            eq++;
        if (eq < semi) {
            char key[KEY_CHARS], value[VALUE_CHARS];
            if (copy_trimmed(buf + p, eq - p, key, sizeof key) == 0 &&
                copy_trimmed(buf + eq + 1, semi - eq - 1, value, sizeof value) == 0) {
                if (strcasecmp(key, "DataType") == 0) {
                    if (qmap_edf_type_from_name(value, &h->type, &h->elem_size) != QMAP_OK)
                        return qmap_error(QMAP_ERR_FORMAT, "%s: unsupported EDF DataType '%s'",
                                          name, value);
                    have_type = 1;
                } else if (strcasecmp(key, "ByteOrder") == 0) {
                    if (strcasecmp(value, "HighByteFirst") == 0)
                        h->big_endian = 1;
                    else if (strcasecmp(value, "LowByteFirst") == 0)
                        h->big_endian = 0;
                    else
                        return qmap_error(QMAP_ERR_FORMAT, "%s: unknown EDF ByteOrder '%s'",
                                          name, value);
                    have_order = 1;
                } else if (strcasecmp(key, "Dim_1") == 0 || strcasecmp(key, "Dim_2") == 0) {
                    long long d = parse_count(value);
                    if (d < 1 || d > MAX_DIM)
                        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF %s = '%s' is not a size "
                                          "in 1..%d", name, key, value, MAX_DIM);
                    if (key[4] == '1')
                        h->cols = (int)d;
                    else
                        h->rows = (int)d;
                } else if (strcasecmp(key, "Dim_3") == 0) {
                    dim3 = parse_count(value);
                } else if (strcasecmp(key, "Size") == 0 || strcasecmp(key, "EDF_BinarySize") == 0) {
                    size = parse_count(value);
                    if (size < 0)
                        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF %s = '%s' is not a byte count",
                                          name, key, value);
                    have_size = 1;
                } else if (strcasecmp(key, "Compression") == 0 || strcasecmp(key, "EDF_DataFormat") == 0) {
                    if (strcasecmp(value, "None") != 0 && strcasecmp(value, "NoCompression") != 0 &&
                        strcasecmp(value, "Uncompressed") != 0 && strcasecmp(key, "Compression") == 0)
                        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF Compression '%s' is not "
                                          "supported (only uncompressed data)", name, value);
                }
            }
        }
        p = semi + 1;
    }
    if (h->cols < 0 || h->rows < 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF header lacks Dim_1 or Dim_2", name);
    if (dim3 != 1)
        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF Dim_3 = %lld: 3D frames are not supported",
                          name, dim3);
    if (!have_type)
        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF header lacks DataType", name);
    (void)have_order;   /* ESRF default: LowByteFirst */
    uint64_t need = (uint64_t)h->cols * (uint64_t)h->rows * (uint64_t)h->elem_size;
    if (have_size && (uint64_t)size < need)
        return qmap_error(QMAP_ERR_FORMAT, "%s: EDF Size = %lld bytes is less than Dim_1 x "
                          "Dim_2 x %d = %llu", name, size, h->elem_size, (unsigned long long)need);
    h->data_bytes = have_size ? (uint64_t)size : need;
    h->header_bytes = data;
    return QMAP_OK;
}

/* ---------------------------------------------------------------- conversion */

static uint64_t load(const unsigned char *p, int size, int big)
{
    uint64_t v = 0;
    for (int b = 0; b < size; b++)
        v |= (uint64_t)p[big ? size - 1 - b : b] << (8 * b);
    return v;
}

void qmap_edf_convert(const qmap_edf_header *h, const unsigned char *raw, size_t n, float *out)
{
    int es = h->elem_size, big = h->big_endian;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = load(raw + i * (size_t)es, es, big);
        float v;
        switch (h->type) {
        case QMAP_EDF_U8: v = (float)(uint8_t)u; break;
        case QMAP_EDF_I8: v = (float)(int8_t)(uint8_t)u; break;
        case QMAP_EDF_U16: v = (float)(uint16_t)u; break;
        case QMAP_EDF_I16: v = (float)(int16_t)(uint16_t)u; break;
        case QMAP_EDF_U32: v = (float)(uint32_t)u; break;
        case QMAP_EDF_I32: v = (float)(int32_t)(uint32_t)u; break;
        case QMAP_EDF_U64: v = (float)u; break;
        case QMAP_EDF_I64: v = (float)(int64_t)u; break;
        case QMAP_EDF_F32: {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, 4);
            v = f;
            break;
        }
        default: {
            double d;
            memcpy(&d, &u, 8);
            v = (float)d;
            break;
        }
        }
        out[i] = v;
    }
}

/* ---------------------------------------------------------------- file */

struct qmap_edf_file {
    char *path;
    gzFile gz;
    int n_known;            /* frames indexed so far */
    int cap;
    int ended;              /* 1 when the end of the file was found after n_known frames */
    uint64_t *offset;       /* header offset of each indexed frame */
    qmap_edf_header *hdr;
    char *hbuf;             /* header scratch (MAX_HEADER_BYTES) */
};

const char *qmap_edf_path(const qmap_edf_file *f)
{
    return f ? f->path : NULL;
}

void qmap_edf_close(qmap_edf_file *f)
{
    if (!f)
        return;
    if (f->gz)
        gzclose(f->gz);
    free(f->path);
    free(f->offset);
    free(f->hdr);
    free(f->hbuf);
    free(f);
}

static int seek_to(qmap_edf_file *f, uint64_t off)
{
    if (off > (uint64_t)(z_off_t)-1 / 2 || gzseek(f->gz, (z_off_t)off, SEEK_SET) != (z_off_t)off)
        return -1;
    return 0;
}

/* Read the header at `off`: 1 = header read into *h, 0 = end of file there, < 0 error. */
static int read_header_at(qmap_edf_file *f, uint64_t off, int k, qmap_edf_header *h)
{
    if (seek_to(f, off) < 0) {
        /* gzseek past the end of a plain or compressed file fails or stops short */
        return k > 0 ? 0 : qmap_error(QMAP_ERR_CORRUPT, "%s: cannot seek to frame %d", f->path, k);
    }
    size_t len = 0, search = 0;
    while (len < MAX_HEADER_BYTES) {
        int got = gzread(f->gz, f->hbuf + len, BLOCK);
        if (got < 0) {
            int err;
            const char *msg = gzerror(f->gz, &err);
            return qmap_error(QMAP_ERR_CORRUPT, "%s: frame %d: read error (%s)", f->path, k, msg);
        }
        if (got == 0 && len == 0)
            return 0;
        len += (size_t)got;
        /* the header ends at '}'; its newline may start the next block */
        for (; search < len; search++) {
            if (f->hbuf[search] != '}')
                continue;
            if (search + 1 == len && got != 0)
                break;
            return qmap_edf_parse_header(f->hbuf, len, f->path, h) == QMAP_OK ? 1
                   : QMAP_ERR_FORMAT;
        }
        if (got == 0) {
            /* blank padding at the end of the file is not a frame */
            size_t i = 0;
            while (i < len && is_blank(f->hbuf[i]))
                i++;
            if (i == len && k > 0)
                return 0;
            return qmap_error(QMAP_ERR_CORRUPT, "%s: frame %d: EDF header truncated "
                              "(file ends after %zu header bytes)", f->path, k, len);
        }
    }
    return qmap_error(QMAP_ERR_FORMAT, "%s: frame %d: EDF header longer than %d bytes",
                      f->path, k, MAX_HEADER_BYTES);
}

/* Index frames until frame k is known or the file ends. */
static int index_to(qmap_edf_file *f, int k)
{
    while (f->n_known <= k && !f->ended) {
        uint64_t off = 0;
        if (f->n_known > 0) {
            const qmap_edf_header *p = &f->hdr[f->n_known - 1];
            off = f->offset[f->n_known - 1] + p->header_bytes + p->data_bytes;
        }
        qmap_edf_header h;
        int rc = read_header_at(f, off, f->n_known, &h);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            f->ended = 1;
            break;
        }
        if (f->n_known == f->cap) {
            int cap = f->cap ? 2 * f->cap : 16;
            uint64_t *o = realloc(f->offset, (size_t)cap * sizeof *o);
            if (o)
                f->offset = o;
            qmap_edf_header *hv = o ? realloc(f->hdr, (size_t)cap * sizeof *hv) : NULL;
            if (!o || !hv)
                return qmap_error(QMAP_ERR_NOMEM, "%s: no memory for the frame index", f->path);
            f->hdr = hv;
            f->cap = cap;
        }
        f->offset[f->n_known] = off;
        f->hdr[f->n_known] = h;
        f->n_known++;
        if (f->n_known == 1 << 24)
            return qmap_error(QMAP_ERR_FORMAT, "%s: more than 2^24 EDF frames", f->path);
    }
    return QMAP_OK;
}

int qmap_edf_open(const char *path, qmap_edf_file **out)
{
    *out = NULL;
    qmap_edf_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path)) || !(f->hbuf = malloc(MAX_HEADER_BYTES + BLOCK))) {
        qmap_edf_close(f);
        return qmap_error(QMAP_ERR_NOMEM, "%s: no memory to open the EDF file", path);
    }
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        qmap_edf_close(f);
        return qmap_error(QMAP_ERR_IO, "%s: EDF file missing or unreadable", path);
    }
    fclose(probe);
    f->gz = gzopen(path, "rb");
    if (!f->gz) {
        qmap_edf_close(f);
        return qmap_error(QMAP_ERR_IO, "%s: cannot open the EDF file", path);
    }
    gzbuffer(f->gz, 1 << 17);
    int rc = index_to(f, 0);
    if (rc == QMAP_OK && f->n_known == 0)
        rc = qmap_error(QMAP_ERR_FORMAT, "%s: empty file, no EDF frame", path);
    if (rc != QMAP_OK) {
        qmap_edf_close(f);
        return rc;
    }
    *out = f;
    return QMAP_OK;
}

int qmap_edf_has_frame(qmap_edf_file *f, int k)
{
    if (k < 0)
        return 0;
    int rc = index_to(f, k);
    if (rc < 0)
        return rc;
    return k < f->n_known;
}

int qmap_edf_frame_header(qmap_edf_file *f, int k, qmap_edf_header *h)
{
    int rc = qmap_edf_has_frame(f, k);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return qmap_error(QMAP_ERR_FORMAT, "%s: no EDF frame %d (the file holds %d)", f->path,
                          k, f->n_known);
    *h = f->hdr[k];
    return QMAP_OK;
}

int qmap_edf_n_frames(qmap_edf_file *f)
{
    int rc = index_to(f, 1 << 30);
    return rc < 0 ? rc : f->n_known;
}

int qmap_edf_read(qmap_edf_file *f, int k, int row0, int row1, float *out)
{
    qmap_edf_header h;
    int rc = qmap_edf_frame_header(f, k, &h);
    if (rc != QMAP_OK)
        return rc;
    if (row0 < 0 || row1 > h.rows || row0 >= row1)
        return qmap_error(QMAP_ERR_VALUE, "%s: frame %d: rows [%d, %d) outside 0..%d", f->path,
                          k, row0, row1, h.rows);
    size_t row_bytes = (size_t)h.cols * (size_t)h.elem_size;
    uint64_t off = f->offset[k] + h.header_bytes + (uint64_t)row0 * row_bytes;
    size_t want = (size_t)(row1 - row0) * row_bytes;
    if (seek_to(f, off) < 0)
        return qmap_error(QMAP_ERR_CORRUPT, "%s: frame %d: data truncated (cannot reach byte "
                          "%llu)", f->path, k, (unsigned long long)off);
    unsigned char buf[1 << 16];
    size_t done = 0, per = sizeof buf / (size_t)h.elem_size;
    while (done < want) {
        size_t chunk = want - done < per * (size_t)h.elem_size ? want - done
                                                                : per * (size_t)h.elem_size;
        int got = gzread(f->gz, buf, (unsigned)chunk);
        if (got < 0) {
            int err;
            const char *msg = gzerror(f->gz, &err);
            return qmap_error(QMAP_ERR_CORRUPT, "%s: frame %d: read error (%s)", f->path, k, msg);
        }
        if ((size_t)got != chunk)
            return qmap_error(QMAP_ERR_CORRUPT, "%s: frame %d: data truncated (%zu of %llu "
                              "bytes)", f->path, k, (size_t)(row0 * row_bytes + done + (size_t)got),
                              (unsigned long long)((size_t)h.rows * row_bytes));
        qmap_edf_convert(&h, buf, chunk / (size_t)h.elem_size, out + done / (size_t)h.elem_size);
        done += chunk;
    }
    return QMAP_OK;
}
