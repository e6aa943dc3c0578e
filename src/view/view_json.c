/* view_json.c -- JSON text for qmap view answers (see view_json.h). */
#include "view_json.h"
#include "qmap/error.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(qmap_jbuf *b, size_t extra)
{
    if (b->failed)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->failed = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void jb_raw(qmap_jbuf *b, const char *text)
{
    size_t n = strlen(text);
    if (reserve(b, n) < 0)
        return;
    memcpy(b->s + b->len, text, n + 1);
    b->len += n;
}

void jb_printf(qmap_jbuf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        jb_raw(b, small);
        return;
    }
    if (reserve(b, (size_t)n) < 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void jb_num(qmap_jbuf *b, double v)
{
    if (!isfinite(v))
        jb_raw(b, "null");
    else
        jb_printf(b, "%.9g", v);
}

void jb_str(qmap_jbuf *b, const char *text)
{
    jb_raw(b, "\"");
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            jb_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            jb_printf(b, "\\u%04x", *p);
        else {
            char c[2] = {(char)*p, 0};
            jb_raw(b, c);
        }
    }
    jb_raw(b, "\"");
}

void jb_key(qmap_jbuf *b, const char *key, int first)
{
    if (!first)
        jb_raw(b, ",");
    jb_str(b, key);
    jb_raw(b, ":");
}

void jb_nums(qmap_jbuf *b, const double *v, size_t n)
{
    jb_raw(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            jb_raw(b, ",");
        jb_num(b, v ? v[i] : NAN);
    }
    jb_raw(b, "]");
}

int jb_finish(qmap_jbuf *b, qmap_view_text *out)
{
    out->data = NULL;
    out->len = 0;
    if (b->failed || !b->s) {
        free(b->s);
        b->s = NULL;
        return qmap_error(QMAP_ERR_NOMEM, "out of memory writing a view answer");
    }
    out->data = b->s;
    out->len = b->len;
    b->s = NULL;
    return QMAP_OK;
}

void qmap_view_text_free(qmap_view_text *t)
{
    if (!t)
        return;
    free(t->data);
    t->data = NULL;
    t->len = 0;
}
