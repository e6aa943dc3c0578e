/* error.c -- thread-local error message buffer behind qmap_error(). */
#include "qmap/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char qmap_last_message[1024];

int qmap_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(qmap_last_message, sizeof qmap_last_message, fmt, ap);
    va_end(ap);
    return code;
}

int qmap_error_prefix(int code, const char *fmt, ...)
{
    char prefix[sizeof qmap_last_message], cause[sizeof qmap_last_message];
    memcpy(cause, qmap_last_message, sizeof cause);   /* never format from the buffer written */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    size_t n = strlen(prefix);
    memcpy(qmap_last_message, prefix, n + 1);
    snprintf(qmap_last_message + n, sizeof qmap_last_message - n, ": %s", cause);
    return code;
}

const char *qmap_error_message(void)
{
    return qmap_last_message;
}

void qmap_error_clear(void)
{
    qmap_last_message[0] = '\0';
}
