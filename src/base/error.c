/* error.c -- thread-local error message buffer behind qmap_error(). */
#include "qmap/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char qmap_last_message[1024];

int qmap_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(qmap_last_message, sizeof qmap_last_message, fmt, ap);
    va_end(ap);
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
